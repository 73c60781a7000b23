"""A new xlsx workbook built from values only, streamed in constant memory by our own SpreadsheetML writer.

Nothing of an input workbook can come along: this module receives sheet names, header texts and
cell values, and the only other things it writes are the ones its caller sets on purpose (custom
and core document properties, page header and footer text, column widths). Author, last-modified-by,
company and manager are written empty; there are no defined names, comments, hidden sheets, shared
formulas, themes or styles beyond the few this module defines (text, quote-prefixed text, dates,
bold header). docProps/app.xml names "Microsoft Excel" as the application, as Excel, xlsxwriter
and openpyxl all do: the file does not announce the tool that made it.

Each sheet's rows are turned into XML text (inline strings, no shared-strings table) and appended
to a scratch file as they come, in batches, so memory stays flat whatever the row count (rows of a
sheet come in order; ``SheetSink.write_rows`` guarantees that). The scratch files hold plaintext
cells, so they live in a private folder beside the output (mode 0o700, not the shared system temp
folder) and are deleted on ``close`` and on ``abort``. ``close`` writes the zip package in the usual
part order ([Content_Types].xml first, which file-type sniffers look for) and copies each sheet in.
Cell rules (formula neutralisation, text vs number, dates, illegal characters) come from
``masking.io.cells``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import IO, Final

from isal import isal_zlib

from masking.errors import OutputError
from masking.io.atomic import remove_tree_quietly
from masking.io.cells import (
    DATE_FORMAT,
    DATETIME_FORMAT,
    FORMULA_TRIGGERS,
    MAX_EXACT_NUMBER,
    TIME_FORMAT,
    XML_ILLEGAL_CHARS,
    XlsxCell,
    xlsx_cell,
    xlsx_text,
)
from masking.io.closing import ClosingWriter
from masking.io.model import Value, column_letter
from masking.io.scratch import make_folder
from masking.io.splice import copy_spliced

MAX_ROWS: Final = 1_048_576
MAX_COLUMNS: Final = 16_384
MAX_SHEET_NAME: Final = 31
MAX_HEADER_FOOTER: Final = 255
MAX_PROPERTY_TEXT: Final = 255
MAX_CELL_UNITS: Final = 32_767  # Excel counts UTF-16 code units
MAX_COLUMN_WIDTH: Final = 255.0

_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
_RESERVED_SHEET_NAMES: Final = frozenset({"history"})  # Excel keeps "History" for change tracking
CustomProperty = str | int | bool | dt.datetime

_FLUSH_ROWS: Final = 1000  # rows joined into one append to a sheet's scratch file
# Appends are written to the scratch file once this much waits: an export's canary rows reserved while
# it streams each cut the rows joined so far short (3,000 per 200,000 rows), and opening the file for
# each of those appends cost ~0.25 s per 200,000 rows.
_SCRATCH_WRITE_BYTES: Final = 1 << 20
_ZIP_TIME: Final = (1980, 1, 1, 0, 0, 0)  # fixed: the zip entries do not tell when or in which time zone
_DEFAULT_COLUMN_PIXELS: Final = 64
_CUSTOM_WIDTH: Final = ' customWidth="1"'


_COLUMNS: Final = tuple(column_letter(i) for i in range(MAX_COLUMNS))


def sheet_name(wanted: str, taken: Iterable[str] = ()) -> str:
    """A valid, unique Excel sheet name as close to ``wanted`` as possible.

    Excel's rules: 1-31 characters, none of ``[ ] : * ? / \\``, not starting or ending with an
    apostrophe, not "History", and unique regardless of case. Clashes get " (2)", " (3)", ...
    """
    name = _SHEET_NAME_FORBIDDEN.sub("_", wanted).strip("'").strip() or "Sheet"
    if name.casefold() in _RESERVED_SHEET_NAMES:
        name += "_"
    name = name[:MAX_SHEET_NAME].rstrip("'")
    used = {t.casefold() for t in taken}
    candidate, counter = name, 1
    while candidate.casefold() in used:
        counter += 1
        suffix = f" ({counter})"
        candidate = name[: MAX_SHEET_NAME - len(suffix)].rstrip("'") + suffix
    return candidate


def header_footer_code(text: str) -> str:
    """Excel header/footer code showing ``text`` centred: '&' doubled, at most 255 characters.

    Raises ValueError when the result is longer than Excel allows (Excel would refuse the file's
    header silently, and a watermark must not vanish silently).
    """
    code = "&C" + xlsx_text(text).replace("&", "&&")
    if len(code.encode("utf-16-le", "surrogatepass")) // 2 > MAX_HEADER_FOOTER:
        raise ValueError(f"header/footer text longer than Excel's limit of {MAX_HEADER_FOOTER} characters")
    return code


def _checked_property_text(text: str, what: str) -> str:
    if xlsx_text(text) != text:
        raise ValueError(f"{what} holds characters an xlsx file cannot store")
    if len(text.encode("utf-16-le", "surrogatepass")) // 2 > MAX_PROPERTY_TEXT:
        raise ValueError(f"{what} longer than Excel's limit of {MAX_PROPERTY_TEXT} characters")
    return text


# --- XML text ----------------------------------------------------------------------------------------

_ESCAPED_ESCAPE = re.compile(r"(_x[0-9A-Fa-f]{4}_)")
# Characters that keep a text from the write_rows loop's plain path: to remove, or to escape (any
# "_", for Excel's "_xHHHH_"); a text starting with a formula trigger or with/ending in whitespace
# is left to the careful path too.
_TEXT_NEEDING_CARE = re.compile(f"[{XML_ILLEGAL_CHARS}&<>\r_]")


def _xml_text(text: str) -> str:
    """``text`` for XML character data, the way Excel stores it.

    ``&`` ``<`` ``>`` become entities; CR (the one control character left by the cell rules that an
    XML parser would not keep) becomes Excel's ``_x000D_``, and a literal ``_xHHHH_`` in the text
    gets its underscore escaped (``_x005F_xHHHH_``) so that Excel does not decode it.
    """
    if "_x" in text:
        text = _ESCAPED_ESCAPE.sub(r"_x005F\1", text)
    if "\r" in text:
        text = text.replace("\r", "_x000D_")
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def _xml_attribute(text: str) -> str:
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("\n", "&#10;")
        .replace("\r", "&#13;")
        .replace("\t", "&#9;")
    )


def _cut_text(text: str) -> tuple[str, bool]:
    """``text`` cut to Excel's 32,767 UTF-16 code units (never inside a surrogate pair)."""
    encoded = text.encode("utf-16-le", "surrogatepass")
    if len(encoded) <= 2 * MAX_CELL_UNITS:
        return text, False
    return encoded[: 2 * MAX_CELL_UNITS].decode("utf-16-le", "ignore"), True


# --- dates --------------------------------------------------------------------------------------------

_EPOCH_ORDINAL: Final = dt.date(1899, 12, 30).toordinal()
_FIRST_REAL_DAY: Final = 61  # 1900-03-01; Excel counts a 1900-02-29 that never was
_MICROSECONDS_A_DAY: Final = 86_400_000_000


def _day_fraction(moment: dt.time | dt.datetime) -> float:
    micros = ((moment.hour * 60 + moment.minute) * 60 + moment.second) * 1_000_000 + moment.microsecond
    return micros / _MICROSECONDS_A_DAY


def _serial(value: dt.date | dt.datetime | dt.time) -> str:
    """Excel's 1900-system serial number of ``value`` (a date in Excel's range, or a time)."""
    if isinstance(value, dt.time):
        return repr(_day_fraction(value))
    days = value.toordinal() - _EPOCH_ORDINAL
    if days < _FIRST_REAL_DAY:
        days -= 1
    if isinstance(value, dt.datetime) and (value.hour or value.minute or value.second or value.microsecond):
        return repr(days + _day_fraction(value))
    return str(days)


def _number(value: int | float) -> str:
    if type(value) is int:
        return str(value)
    if isinstance(value, int):
        return str(int(value))
    return repr(float(value))


def _zulu(moment: dt.datetime) -> str:
    return _utc_naive(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- styles: the cellXfs indexes the sheets refer to ----------------------------------------------------

_TEXT, _INERT, _DATE, _DATETIME, _TIME, _BOLD_TEXT, _BOLD_INERT = "1", "2", "3", "4", "5", "6", "7"
_BODY_STYLES: Final = (_TEXT, _INERT)
_DATE_STYLES: Final = {XlsxCell.DATE: _DATE, XlsxCell.DATETIME: _DATETIME, XlsxCell.TIME: _TIME}
_HEADER_STYLES: Final = (_BOLD_TEXT, _BOLD_INERT)

_XML_DECLARATION: Final = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_MAIN_NS: Final = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_DOC_NS: Final = "http://schemas.openxmlformats.org/officeDocument/2006"
_REL_NS: Final = f"{_DOC_NS}/relationships"
_PKG_REL_NS: Final = "http://schemas.openxmlformats.org/package/2006/relationships"
_CUSTOM_FMTID: Final = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"


def _styles_xml() -> str:
    number_formats = ((164, DATE_FORMAT), (165, DATETIME_FORMAT), (166, TIME_FORMAT))
    xf = '<xf numFmtId="{}" fontId="{}" fillId="0" borderId="0" xfId="0"{}/>'
    number = ' applyNumberFormat="1"'
    bold = ' applyNumberFormat="1" applyFont="1"'
    cell_xfs = [
        xf.format(0, 0, ""),
        xf.format(49, 0, number),  # _TEXT: the built-in "@"
        xf.format(49, 0, ' quotePrefix="1"' + number),  # _INERT
        xf.format(164, 0, number),  # _DATE
        xf.format(165, 0, number),  # _DATETIME
        xf.format(166, 0, number),  # _TIME
        xf.format(49, 1, bold),  # _BOLD_TEXT
        xf.format(49, 1, ' quotePrefix="1"' + bold),  # _BOLD_INERT
    ]
    font = '<font>{}<sz val="11"/><color rgb="FF000000"/><name val="Calibri"/><family val="2"/></font>'
    return (
        f'{_XML_DECLARATION}<styleSheet xmlns="{_MAIN_NS}">'
        f'<numFmts count="{len(number_formats)}">'
        + "".join(f'<numFmt numFmtId="{i}" formatCode="{_xml_attribute(code)}"/>' for i, code in number_formats)
        + f'</numFmts><fonts count="2">{font.format("")}{font.format("<b/>")}</fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        f'<cellXfs count="{len(cell_xfs)}">{"".join(cell_xfs)}</cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        '<dxfs count="0"/><tableStyles count="0" defaultTableStyle="TableStyleMedium9" '
        'defaultPivotStyle="PivotStyleLight16"/></styleSheet>'
    )


_STYLES_XML: Final = _styles_xml()


def _column_width(width: float) -> tuple[str, bool]:
    """Excel's stored width for a width in characters (as Excel and xlsxwriter round it), and
    whether it differs from the default."""
    width = min(max(float(width), 0.0), MAX_COLUMN_WIDTH)
    if width == 0:
        pixels = 0
    elif width < 1:
        pixels = int(width * 12 + 0.5)
    else:
        pixels = int(width * 7 + 0.5) + 5
    return f"{(pixels * 256 // 7) / 256.0:.16g}", pixels != _DEFAULT_COLUMN_PIXELS


# --- sheets ---------------------------------------------------------------------------------------------


class _SheetPart:
    """One worksheet's settings and the scratch file its rows wait in."""

    def __init__(self, name: str, scratch: Path) -> None:
        self.name = name
        self.scratch = scratch
        self.header_code: str | None = None
        self.footer_code: str | None = None
        self.column_widths: list[tuple[int, str, bool]] = []
        self.frozen = False
        self.last_row = 0  # 1-based number of the last row holding a cell, 0 for none
        self.last_col = 0  # 1-based number of the last column holding a cell
        self.size = 0  # bytes of rows appended (in the scratch file, or waiting to be written there)
        self.reserved: list[tuple[int, int]] = []  # (scratch offset, 0-based row index) of rows filled later
        self.inserts: list[tuple[int, bytes]] = []  # (scratch offset, row XML) spliced in by close
        self._waiting: list[bytes] = []  # appended, not yet written: one write per _SCRATCH_WRITE_BYTES
        self._waiting_bytes = 0
        fd = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
        os.close(fd)

    def append(self, text: str) -> None:
        data = text.encode("utf-8")
        self._waiting.append(data)
        self._waiting_bytes += len(data)
        self.size += len(data)
        if self._waiting_bytes >= _SCRATCH_WRITE_BYTES:
            self.flush()

    def flush(self) -> None:
        """Write the rows appended so far to the scratch file."""
        if self._waiting:
            with open(self.scratch, "ab") as handle:
                handle.writelines(self._waiting)
            self._waiting.clear()
            self._waiting_bytes = 0

    def reserve(self, row_index: int) -> None:
        self.reserved.append((self.size, row_index))

    def copy_body(self, entry: IO[bytes]) -> None:
        """The scratch file's rows into ``entry``, each filled reserved row spliced in at its place."""
        self.flush()
        with open(self.scratch, "rb") as body:
            copy_spliced(body, entry, self.inserts)


    def head(self, selected: bool) -> bytes:
        ref = "A1" if not self.last_row else f"A1:{_COLUMNS[max(self.last_col, 1) - 1]}{self.last_row}"
        tab = ' tabSelected="1"' if selected else ""
        if self.frozen:
            view = (
                f'<sheetView{tab} workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
                'state="frozen"/><selection pane="bottomLeft"/></sheetView>'
            )
        else:
            view = f'<sheetView{tab} workbookViewId="0"/>'
        cols = ""
        if self.column_widths:
            cols = (
                "<cols>"
                + "".join(
                    f'<col min="{c}" max="{c}" width="{w}"{_CUSTOM_WIDTH if custom else ""}/>'
                    for c, w, custom in self.column_widths
                )
                + "</cols>"
            )
        return (
            f'{_XML_DECLARATION}<worksheet xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}">'
            f'<dimension ref="{ref}"/><sheetViews>{view}</sheetViews>'
            f'<sheetFormatPr defaultRowHeight="15"/>{cols}<sheetData>'
        ).encode()

    def tail(self) -> bytes:
        parts = ['</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>']
        if self.header_code is not None or self.footer_code is not None:
            parts.append("<headerFooter>")
            if self.header_code is not None:
                parts.append(f"<oddHeader>{_xml_text(self.header_code)}</oddHeader>")
            if self.footer_code is not None:
                parts.append(f"<oddFooter>{_xml_text(self.footer_code)}</oddFooter>")
            parts.append("</headerFooter>")
        parts.append("</worksheet>")
        return "".join(parts).encode("utf-8")


class _RowText:
    """Stands in for a sheet part when one reserved row is rendered (``SheetSink.fill_reserved``)."""

    def __init__(self, last_row: int, last_col: int) -> None:
        self.last_row, self.last_col = last_row, last_col
        self.text = ""

    def append(self, text: str) -> None:
        self.text += text

    def reserve(self, row_index: int) -> None:  # pragma: no cover - a filled row is never None
        raise ValueError("a reserved row cannot be filled with another reservation")


class SheetSink:
    """Rows going into one sheet of an ``XlsxWriter``; made by ``XlsxWriter.add_sheet``."""

    def __init__(self, part: _SheetPart, styles: tuple[str, str], first_row: int) -> None:
        self._part = part
        self._text_style, self._inert_style = styles
        self._next_row = first_row
        self.rows_written = 0
        self.truncated_cells = 0  # text cells cut to Excel's 32,767 characters

    @property
    def name(self) -> str:
        return self._part.name

    def write_rows(self, rows: Iterable[Sequence[Value] | None]) -> int:  # noqa: PLR0912, PLR0915 - the hot loop, kept flat
        """Append ``rows`` after the rows already written; return how many were written.

        A ``None`` in ``rows`` reserves the next row for :meth:`fill_reserved` (the export's canary
        rows, drawn once every source row has been read); it is counted when filled.
        Exceptions from the ``rows`` iterator (``Cancelled``, reader errors) pass through
        unchanged; a row beyond Excel's 1,048,576 or a column beyond 16,384 raises OutputError.
        """
        text_head = f'" s="{self._text_style}" t="inlineStr"><is><t>'
        text_end = "</t></is></c>"
        columns = _COLUMNS
        careful = self._careful_cell
        needs_care, triggers = _TEXT_NEEDING_CARE.search, FORMULA_TRIGGERS
        exact, epoch, date_type = MAX_EXACT_NUMBER, _EPOCH_ORDINAL, dt.date
        half_limit = MAX_CELL_UNITS // 2
        max_rows = MAX_ROWS
        part = self._part
        buffer: list[str] = []
        count = 0
        row_index = self._next_row
        last_row, last_col = part.last_row, part.last_col
        try:
            for row in rows:
                if row_index >= max_rows:
                    raise OutputError(f"a sheet has more rows than Excel allows ({MAX_ROWS:,}); export as csv")
                if row is None:
                    if buffer:
                        part.append("".join(buffer))
                        buffer.clear()
                    part.reserve(row_index)
                    row_index += 1
                    continue
                if len(row) > MAX_COLUMNS:
                    raise OutputError(f"a row has more columns than Excel allows ({MAX_COLUMNS:,}); export as csv")
                r = str(row_index + 1)
                cells = []
                last = -1
                for col, value in enumerate(row):
                    # the commonest cells inline, written as _careful_cell would write them
                    if type(value) is str:
                        if value and len(value) <= half_limit and needs_care(value) is None \
                                and value[0] not in triggers and not value[0].isspace() and not value[-1].isspace():
                            last = col
                            cells.append(f'<c r="{columns[col]}{r}{text_head}{value}{text_end}')
                            continue
                    elif type(value) is int or type(value) is float:
                        if -exact < value < exact:
                            last = col
                            cells.append(f'<c r="{columns[col]}{r}"><v>{value!r}</v></c>')
                            continue
                    elif type(value) is date_type and (days := value.toordinal() - epoch) >= _FIRST_REAL_DAY:
                        last = col
                        cells.append(f'<c r="{columns[col]}{r}" s="{_DATE}"><v>{days}</v></c>')
                        continue
                    written = careful(columns[col] + r, value)
                    if written:
                        last = col
                        cells.append(written)
                if last >= 0:
                    buffer.append(f'<row r="{r}">{"".join(cells)}</row>')
                    last_row = row_index + 1
                    if last >= last_col:
                        last_col = last + 1
                row_index += 1
                count += 1
                if len(buffer) >= _FLUSH_ROWS:
                    part.append("".join(buffer))
                    buffer.clear()
            if buffer:
                part.append("".join(buffer))
                buffer.clear()
        except OSError as error:
            raise OutputError("the output could not be written (disk full or access denied)") from error
        finally:
            if buffer:  # the rows before an exception from ``rows`` still count as written
                with contextlib.suppress(OSError):  # the original exception is the one to report
                    part.append("".join(buffer))
            self._next_row = row_index
            self.rows_written += count
            part.last_row, part.last_col = last_row, last_col
        return count

    def _careful_cell(self, ref: str, value: Value) -> str:
        """The XML of the cell at ``ref`` (``"B7"``) holding ``value``, "" for a blank one, by the
        rules of :func:`masking.io.cells.xlsx_cell`; a text cut to Excel's length is counted."""
        kind, payload = xlsx_cell(value)
        if kind is XlsxCell.TEXT or kind is XlsxCell.INERT_TEXT:
            text: str = payload  # type: ignore[assignment]
            if len(text) > MAX_CELL_UNITS // 2:
                text, cut = _cut_text(text)
                self.truncated_cells += cut
            space = ' xml:space="preserve">' if text[0].isspace() or text[-1].isspace() else ">"  # else Excel trims
            style = self._text_style if kind is XlsxCell.TEXT else self._inert_style
            return f'<c r="{ref}" s="{style}" t="inlineStr"><is><t{space}{_xml_text(text)}</t></is></c>'
        if kind is XlsxCell.NUMBER:
            return f'<c r="{ref}"><v>{_number(payload)}</v></c>'  # type: ignore[arg-type]
        if kind is XlsxCell.BOOLEAN:
            return f'<c r="{ref}" t="b"><v>{"1" if payload else "0"}</v></c>'
        if kind is XlsxCell.BLANK:
            return ""
        return f'<c r="{ref}" s="{_DATE_STYLES[kind]}"><v>{_serial(payload)}</v></c>'  # type: ignore[arg-type]

    def fill_reserved(self, rows: Sequence[Sequence[Value]]) -> int:
        """The rows reserved by ``None`` in :meth:`write_rows`, in order (as many as were reserved);
        ``close`` splices each in at its place. Returns how many were written."""
        part = self._part
        if len(rows) != len(part.reserved):
            raise ValueError(f"{len(part.reserved)} row(s) were reserved, {len(rows)} given")
        for (offset, row_index), row in zip(part.reserved, rows, strict=True):
            text = _RowText(part.last_row, part.last_col)
            sink = SheetSink(text, (self._text_style, self._inert_style), row_index)  # type: ignore[arg-type]
            sink.write_rows([row])
            part.inserts.append((offset, text.text.encode("utf-8")))
            part.last_row, part.last_col = max(part.last_row, text.last_row), max(part.last_col, text.last_col)
            self.truncated_cells += sink.truncated_cells
        part.reserved.clear()
        self.rows_written += len(rows)
        return len(rows)


# --- the workbook --------------------------------------------------------------------------------------


class XlsxWriter(ClosingWriter):
    """Builds one new xlsx file at ``path``; use as a context manager, or call close()/abort().

    ``path`` is written only by ``close()`` (normally the temporary path from ``atomic_output``;
    ``masking.io.writer.open_writer`` combines the two). ``created`` fixes the document's creation
    time (default: now, UTC).
    """

    keeps_properties = True
    multi_sheet = True

    def __init__(self, path: Path, *, created: dt.datetime | None = None) -> None:
        self.paths: list[Path] = []  # the final output files, set by open_writer (``path`` is its temp file)
        self._path = Path(path)
        self._scratch, self._hold = make_folder(self._path.parent)  # held: a later export sweeps it if we are killed
        self._closed = False
        self._sheets: list[_SheetPart] = []
        self._custom: dict[str, tuple[str, str]] = {}  # name -> (vt type, XML text)
        self._core: dict[str, str] = {}
        self._created = _utc_naive(created or dt.datetime.now(dt.UTC))

    def add_sheet(
        self,
        name: str,
        headers: Sequence[str | None] | None,
        *,
        header: str | None = None,
        footer: str | None = None,
        column_widths: Sequence[float | None] | None = None,
    ) -> SheetSink:
        """A new sheet named after ``name`` (made valid and unique, see ``sheet_name``).

        ``headers`` become a bold, frozen first row; None means no header row. ``header`` and
        ``footer`` are plain text shown centred on printed pages (ValueError past 255 characters).
        """
        self._check_open()
        header_code = header_footer_code(header) if header is not None else None
        footer_code = header_footer_code(footer) if footer is not None else None
        final_name = sheet_name(name, (s.name for s in self._sheets))
        try:
            part = _SheetPart(final_name, self._scratch / f"sheet{len(self._sheets) + 1}.xml")
        except OSError as error:
            raise OutputError("the output could not be written (disk full or access denied)") from error
        self._sheets.append(part)
        part.header_code, part.footer_code = header_code, footer_code
        for col, width in enumerate((column_widths or ())[:MAX_COLUMNS]):  # Excel has no more columns
            if width is not None:
                part.column_widths.append((col + 1, *_column_width(width)))
        if headers is None:
            return SheetSink(part, _BODY_STYLES, 0)
        SheetSink(part, _HEADER_STYLES, 0).write_rows([list(headers)])
        part.frozen = True
        return SheetSink(part, _BODY_STYLES, 1)

    def set_custom_properties(self, properties: Mapping[str, CustomProperty]) -> None:
        """Custom document properties (the metadata watermark layer).

        Names and text values: at most 255 characters; ints: 32-bit; naive datetimes are UTC.
        A name set again replaces its earlier value.
        """
        self._check_open()
        for name, value in properties.items():
            _checked_property_text(name, "a property name")
            if not name:
                raise ValueError("a custom property needs a name")
            if isinstance(value, bool):
                entry = ("bool", "true" if value else "false")
            elif isinstance(value, int):
                if not -(2**31) <= value < 2**31:
                    raise ValueError("an integer custom property must fit in 32 bits; pass it as text")
                entry = ("i4", str(int(value)))
            elif isinstance(value, dt.datetime):
                entry = ("filetime", _zulu(value))
            elif isinstance(value, str):
                entry = ("lpwstr", _xml_text(_checked_property_text(value, "a property value")))
            else:
                raise TypeError(f"a custom property cannot be a {type(value).__name__}")
            self._custom.pop(name, None)  # a replaced property moves to the end, as if set anew
            self._custom[name] = entry

    def set_core_properties(
        self,
        *,
        title: str | None = None,
        subject: str | None = None,
        keywords: str | None = None,
        comments: str | None = None,
    ) -> None:
        """Title, subject, keywords and comments of the document; author and company stay empty."""
        self._check_open()
        for key, value in (("title", title), ("subject", subject), ("keywords", keywords), ("comments", comments)):
            if value is not None:
                self._core[key] = _checked_property_text(value, f"the {key}")

    def close(self) -> None:
        """Write the workbook to ``path`` and delete the scratch files."""
        self._check_open()
        self._closed = True
        try:
            if not self._sheets:  # Excel refuses a workbook without sheets
                self._sheets.append(_SheetPart("Sheet1", self._scratch / "sheet1.xml"))
            if any(part.reserved for part in self._sheets):
                raise ValueError("rows were reserved and never filled")
            self._write_package()
        except OSError as error:
            raise OutputError("the output could not be written (disk full or access denied)") from error
        finally:
            self._hold.release()
            remove_tree_quietly(self._scratch)

    def abort(self) -> None:
        """Give up: delete the scratch files; ``path`` is not written."""
        if self._closed:
            return
        self._closed = True
        self._hold.release()
        remove_tree_quietly(self._scratch)

    def _check_open(self) -> None:
        if self._closed:
            raise ValueError("the workbook is already closed")

    # --- the package ---

    def _write_package(self) -> None:
        with zipfile.ZipFile(self._path, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, text in self._small_parts():
                info = zipfile.ZipInfo(name, _ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, text.encode("utf-8"))
            for number, part in enumerate(self._sheets, start=1):
                head, tail = part.head(number == 1), part.tail()
                info = zipfile.ZipInfo(f"xl/worksheets/sheet{number}.xml", _ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                inserted = sum(len(data) for _, data in part.inserts)
                # zip64 only when needed
                part.flush()
                info.file_size = len(head) + part.scratch.stat().st_size + inserted + len(tail)
                with archive.open(info, "w") as entry:
                    _deflate_fast(entry)
                    entry.write(head)
                    part.copy_body(entry)
                    entry.write(tail)
                part.scratch.unlink()  # plaintext gone as soon as it is in the zip

    def _small_parts(self) -> list[tuple[str, str]]:
        sheets = self._sheets
        ct = "application/vnd.openxmlformats-officedocument"
        overrides = [
            ("/docProps/app.xml", f"{ct}.extended-properties+xml"),
            ("/docProps/core.xml", "application/vnd.openxmlformats-package.core-properties+xml"),
        ]
        if self._custom:
            overrides.append(("/docProps/custom.xml", f"{ct}.custom-properties+xml"))
        overrides += [
            ("/xl/workbook.xml", f"{ct}.spreadsheetml.sheet.main+xml"),
            ("/xl/styles.xml", f"{ct}.spreadsheetml.styles+xml"),
        ]
        overrides += [
            (f"/xl/worksheets/sheet{i}.xml", f"{ct}.spreadsheetml.worksheet+xml") for i in range(1, len(sheets) + 1)
        ]
        content_types = (
            f'{_XML_DECLARATION}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            + "".join(f'<Override PartName="{p}" ContentType="{t}"/>' for p, t in overrides)
            + "</Types>"
        )
        package_rels = [
            (f"{_REL_NS}/officeDocument", "xl/workbook.xml"),
            (
                "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties",
                "docProps/core.xml",
            ),
            (f"{_REL_NS}/extended-properties", "docProps/app.xml"),
        ]
        if self._custom:
            package_rels.append((f"{_REL_NS}/custom-properties", "docProps/custom.xml"))
        workbook_rels = [(f"{_REL_NS}/worksheet", f"worksheets/sheet{i}.xml") for i in range(1, len(sheets) + 1)]
        workbook_rels.append((f"{_REL_NS}/styles", "styles.xml"))
        workbook = (
            f'{_XML_DECLARATION}<workbook xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}"><workbookPr/>'
            '<bookViews><workbookView xWindow="240" yWindow="15" windowWidth="16095" windowHeight="9660"/></bookViews>'
            "<sheets>"
            + "".join(
                f'<sheet name="{_xml_attribute(s.name)}" sheetId="{i}" r:id="rId{i}"/>' for i, s in enumerate(sheets, 1)
            )
            + "</sheets></workbook>"
        )
        parts = [
            ("[Content_Types].xml", content_types),
            ("_rels/.rels", _relationships(package_rels)),
            ("docProps/app.xml", self._app_xml()),
            ("docProps/core.xml", self._core_xml()),
        ]
        if self._custom:
            parts.append(("docProps/custom.xml", self._custom_xml()))
        parts += [
            ("xl/workbook.xml", workbook),
            ("xl/_rels/workbook.xml.rels", _relationships(workbook_rels)),
            ("xl/styles.xml", _STYLES_XML),
        ]
        return parts

    def _app_xml(self) -> str:
        names = "".join(f"<vt:lpstr>{_xml_text(s.name)}</vt:lpstr>" for s in self._sheets)
        count = len(self._sheets)
        return (
            f'{_XML_DECLARATION}<Properties xmlns="{_DOC_NS}/extended-properties" xmlns:vt="{_DOC_NS}/docPropsVTypes">'
            "<Application>Microsoft Excel</Application><DocSecurity>0</DocSecurity><ScaleCrop>false</ScaleCrop>"
            '<HeadingPairs><vt:vector size="2" baseType="variant"><vt:variant><vt:lpstr>Worksheets</vt:lpstr>'
            f"</vt:variant><vt:variant><vt:i4>{count}</vt:i4></vt:variant></vt:vector></HeadingPairs>"
            f'<TitlesOfParts><vt:vector size="{count}" baseType="lpstr">{names}</vt:vector></TitlesOfParts>'
            "<Manager></Manager><Company></Company><LinksUpToDate>false</LinksUpToDate><SharedDoc>false</SharedDoc>"
            "<HyperlinksChanged>false</HyperlinksChanged><AppVersion>12.0000</AppVersion></Properties>"
        )

    def _core_xml(self) -> str:
        core = {key: _xml_text(value) for key, value in self._core.items()}
        optional = [
            ("dc:title", core.get("title")),
            ("dc:subject", core.get("subject")),
            ("dc:creator", ""),
            ("cp:keywords", core.get("keywords")),
            ("dc:description", core.get("comments")),
            ("cp:lastModifiedBy", ""),
        ]
        stamp = _zulu(self._created)
        return (
            f"{_XML_DECLARATION}<cp:coreProperties "
            'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            + "".join(f"<{tag}>{value}</{tag}>" for tag, value in optional if value is not None)
            + f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
            f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified></cp:coreProperties>'
        )

    def _custom_xml(self) -> str:
        properties = "".join(
            f'<property fmtid="{_CUSTOM_FMTID}" pid="{pid}" name="{_xml_attribute(name)}">'
            f"<vt:{kind}>{text}</vt:{kind}></property>"
            for pid, (name, (kind, text)) in enumerate(self._custom.items(), start=2)
        )
        return (
            f'{_XML_DECLARATION}<Properties xmlns="{_DOC_NS}/custom-properties" xmlns:vt="{_DOC_NS}/docPropsVTypes">'
            f"{properties}</Properties>"
        )


def _relationships(targets: Sequence[tuple[str, str]]) -> str:
    return (
        f'{_XML_DECLARATION}<Relationships xmlns="{_PKG_REL_NS}">'
        + "".join(
            f'<Relationship Id="rId{i}" Type="{t}" Target="{target}"/>' for i, (t, target) in enumerate(targets, 1)
        )
        + "</Relationships>"
    )


def _utc_naive(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


# ISA-L's deflate at its default level: ~10x faster than zlib's level 6 on sheet XML (2.5 s -> 0.2 s
# per 100,000 rows here), for a part about 30% larger; bench/README.md has the figures.
DEFLATE_LEVEL = 2


def _deflate_fast(entry: IO[bytes]) -> None:
    """Make a zip entry opened for writing deflate with ISA-L instead of zlib.

    zipfile has no hook for its compressor: this replaces the one it made for the entry, before a
    byte is written, with ISA-L's raw-deflate compressor of the same interface (``compress``/``flush``);
    zipfile still writes the headers, sizes and CRC. An entry without that attribute (another
    zipfile) keeps zlib, which writes the same format.
    """
    if getattr(entry, "_compressor", None) is not None:
        entry._compressor = isal_zlib.compressobj(DEFLATE_LEVEL, isal_zlib.DEFLATED, -15)  # type: ignore[attr-defined]
