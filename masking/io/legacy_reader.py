"""Legacy and other binary workbooks read through python-calamine: Excel 97-2003 ``.xls``, WPS ``.et``
(the same BIFF format), ``.xlsb`` and OpenDocument ``.ods``.

Calamine parses a whole sheet at once, so memory is bounded by refusing files over
``LEGACY_MAX_BYTES`` (an ``.xls`` holds at most 65,536 rows anyway) and by keeping one parsed sheet at
a time. Values are mapped to the readers' types: numbers by the same rule as xlsx number cells (exact
digits below 1e15, ``Damaged`` above), dates as dates, durations as text. An OLE file calamine cannot
read is most often an xlsx saved with a password: the message says so.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path

from masking.errors import InputError
from masking.io.digest import FileDigest
from masking.io.limits import human_limit
from masking.io.model import SheetInfo, Value, Visibility
from masking.io.xlsx_values import MalformedXml, number_value

LEGACY_MAX_BYTES = 64 << 20
_VISIBILITY = {"Visible": Visibility.VISIBLE, "Hidden": Visibility.HIDDEN, "VeryHidden": Visibility.VERY_HIDDEN}


def _value(cell: object) -> Value:
    if cell is None or cell == "":
        return None
    if isinstance(cell, bool | str | dt.datetime | dt.date | dt.time):
        return cell
    if isinstance(cell, int):
        return number_value(str(cell)) if abs(cell) >= 10**15 else cell
    if isinstance(cell, float):
        try:
            return number_value(repr(cell))
        except MalformedXml:  # NaN or infinity: shown as text, never a number
            return repr(cell)
    return str(cell)  # a duration (timedelta) or anything newer: its text


class LegacyBook:
    """A workbook calamine reads; the backend interface of ``masking.io.reader.Workbook``."""

    def __init__(self, path: Path, kind: str, digest: FileDigest | None = None) -> None:
        from python_calamine import CalamineWorkbook  # loaded only for these formats

        self.label = path.name
        size = path.stat().st_size
        if size > LEGACY_MAX_BYTES:
            raise InputError(f"{self.label}: refused: a {kind} file over {human_limit(LEGACY_MAX_BYTES)} "
                             "(save it as .xlsx, which is read as a stream)")
        try:
            if digest is not None:
                with digest.open() as handle:
                    data = handle.read()
            else:
                data = path.read_bytes()
        except OSError as exc:
            raise InputError(f"{self.label}: cannot read the file ({exc.strerror or type(exc).__name__})") from None
        try:
            self._book = CalamineWorkbook.from_filelike(io.BytesIO(data))
            metadata = self._book.sheets_metadata
        except Exception:
            if kind == "xls":  # an xlsx saved with a password is an OLE file too
                raise InputError(f"{self.label}: password-protected or unreadable .xls workbook: "
                                 "remove the password / save as .xlsx in Excel/WPS first") from None
            raise InputError(f"{self.label}: corrupt or unreadable {kind} workbook") from None
        sheets = [m for m in metadata if str(m.typ).endswith("WorkSheet")]
        self.sheets: tuple[SheetInfo, ...] = tuple(
            SheetInfo(m.name, index, _VISIBILITY.get(str(m.visible).rsplit(".", 1)[-1], Visibility.HIDDEN))
            for index, m in enumerate(sheets)
        )

    def close(self) -> None:
        self._book.close()

    def rows(self, info: SheetInfo) -> Iterator[tuple[int, tuple[Value, ...]]]:
        """Rows holding a value, numbered as Excel shows them, trailing empty cells trimmed."""
        try:
            sheet = self._book.get_sheet_by_name(info.name)
            first_row, first_column = sheet.start or (0, 0)
            cells = sheet.to_python(skip_empty_area=False)
        except Exception:
            raise InputError(f"{self.label}: sheet #{info.index + 1} cannot be read (corrupt workbook)") from None
        padding = (None,) * first_column
        for offset, raw in enumerate(cells):
            values = [_value(cell) for cell in raw]
            while values and values[-1] is None:
                values.pop()
            if values:
                yield first_row + offset + 1, padding + tuple(values)

    def count_value_rows(self, info: SheetInfo) -> int:
        """Rows holding a value."""
        return sum(1 for _ in self.rows(info))
