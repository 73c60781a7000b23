"""A new xlsx workbook built from values only, written in constant memory.

Nothing of an input workbook can come along: this module receives sheet names, header texts and
cell values, and the only other things it writes are the ones its caller sets on purpose (custom
and core document properties, page header and footer text, column widths). Author, last-modified-by,
company and manager are written empty; there are no defined names, comments, hidden sheets, shared
formulas or styles beyond the few this module defines (text, quote-prefixed text, dates, bold header).

It uses xlsxwriter in ``constant_memory`` mode: each row goes to a scratch file as soon as the next
row starts, so memory stays flat whatever the row count (rows of a sheet must therefore come in
order; ``SheetSink.write_rows`` guarantees that). The scratch files hold plaintext cells, so they
live in a private folder beside the output (mode 0o700, not the shared system temp folder) and are
deleted on ``close`` and on ``abort``. Cell rules (formula neutralisation, text vs number, dates,
illegal characters) come from ``masking.io.cells``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import shutil
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Final

import xlsxwriter
from xlsxwriter.exceptions import XlsxWriterException

from masking.errors import OutputError
from masking.io.cells import (
    DATE_FORMAT,
    DATETIME_FORMAT,
    TEXT_FORMAT,
    TIME_FORMAT,
    XlsxCell,
    xlsx_cell,
    xlsx_text,
)
from masking.io.model import Value

MAX_ROWS: Final = 1_048_576
MAX_COLUMNS: Final = 16_384
MAX_SHEET_NAME: Final = 31
MAX_HEADER_FOOTER: Final = 255
MAX_PROPERTY_TEXT: Final = 255

_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
_RESERVED_SHEET_NAMES: Final = frozenset({"history"})  # Excel keeps "History" for change tracking
CustomProperty = str | int | bool | dt.datetime


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


class SheetSink:
    """Rows going into one sheet of an ``XlsxWriter``; made by ``XlsxWriter.add_sheet``."""

    def __init__(self, worksheet: Any, formats: Mapping[XlsxCell, Any], first_row: int) -> None:
        self._worksheet = worksheet
        self._formats = formats
        self._next_row = first_row
        self.rows_written = 0
        self.truncated_cells = 0  # text cells cut to Excel's 32,767 characters

    @property
    def name(self) -> str:
        return str(self._worksheet.name)

    def write_rows(self, rows: Iterable[Sequence[Value]]) -> int:
        """Append ``rows`` after the rows already written; return how many were written.

        Exceptions from the ``rows`` iterator (``Cancelled``, reader errors) pass through
        unchanged; a row beyond Excel's 1,048,576 or a column beyond 16,384 raises OutputError.
        """
        ws = self._worksheet
        formats = self._formats
        by_kind = {
            XlsxCell.TEXT: (ws.write_string, formats[XlsxCell.TEXT]),
            XlsxCell.INERT_TEXT: (ws.write_string, formats[XlsxCell.INERT_TEXT]),
            XlsxCell.NUMBER: (ws.write_number, None),
            XlsxCell.BOOLEAN: (ws.write_boolean, None),
            XlsxCell.DATE: (ws.write_datetime, formats[XlsxCell.DATE]),
            XlsxCell.DATETIME: (ws.write_datetime, formats[XlsxCell.DATETIME]),
            XlsxCell.TIME: (ws.write_datetime, formats[XlsxCell.TIME]),
        }
        count = 0
        row_index = self._next_row
        for row in rows:
            if row_index >= MAX_ROWS:
                raise OutputError(f"a sheet has more rows than Excel allows ({MAX_ROWS:,}); export as csv")
            if len(row) > MAX_COLUMNS:
                raise OutputError(f"a row has more columns than Excel allows ({MAX_COLUMNS:,}); export as csv")
            try:
                for col, value in enumerate(row):
                    kind, payload = xlsx_cell(value)
                    if kind:  # BLANK (0) writes nothing
                        write, cell_format = by_kind[kind]
                        if write(row_index, col, payload, cell_format) == -2:  # text cut to 32,767
                            self.truncated_cells += 1
            except OSError as error:
                raise OutputError("the output could not be written (disk full or access denied)") from error
            row_index += 1
            count += 1
        self._next_row = row_index
        self.rows_written += count
        return count


class XlsxWriter:
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
        self._scratch = Path(tempfile.mkdtemp(prefix=".~exportguard-", suffix=".d", dir=self._path.parent))
        self._closed = False
        self._sheet_names: list[str] = []
        self._core: dict[str, Any] = {
            "title": "",
            "subject": "",
            "author": "",
            "manager": "",
            "company": "",
            "category": "",
            "keywords": "",
            "comments": "",
            "status": "",
            "created": _utc_naive(created or dt.datetime.now(dt.UTC)),
        }
        try:
            self._workbook = xlsxwriter.Workbook(
                str(self._path),
                {
                    "constant_memory": True,
                    "tmpdir": str(self._scratch),
                    "strings_to_numbers": False,
                    "strings_to_formulas": False,
                    "strings_to_urls": False,
                    "use_future_functions": False,
                },
            )
        except BaseException:
            shutil.rmtree(self._scratch, ignore_errors=True)
            raise
        wb = self._workbook
        self._formats = {
            XlsxCell.TEXT: wb.add_format({"num_format": TEXT_FORMAT}),
            XlsxCell.INERT_TEXT: wb.add_format({"num_format": TEXT_FORMAT, "quote_prefix": True}),
            XlsxCell.DATE: wb.add_format({"num_format": DATE_FORMAT}),
            XlsxCell.DATETIME: wb.add_format({"num_format": DATETIME_FORMAT}),
            XlsxCell.TIME: wb.add_format({"num_format": TIME_FORMAT}),
        }
        self._header_formats = {
            **self._formats,
            XlsxCell.TEXT: wb.add_format({"num_format": TEXT_FORMAT, "bold": True}),
            XlsxCell.INERT_TEXT: wb.add_format({"num_format": TEXT_FORMAT, "bold": True, "quote_prefix": True}),
        }

    def __enter__(self) -> XlsxWriter:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

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
        final_name = sheet_name(name, self._sheet_names)
        ws = self._workbook.add_worksheet(final_name)
        self._sheet_names.append(final_name)
        if header_code is not None:
            _set_header_footer(ws, "header", header_code)
        if footer_code is not None:
            _set_header_footer(ws, "footer", footer_code)
        for col, width in enumerate(column_widths or ()):
            if width is not None:
                ws.set_column(col, col, width)
        if headers is None:
            return SheetSink(ws, self._formats, 0)
        SheetSink(ws, self._header_formats, 0).write_rows([list(headers)])
        ws.freeze_panes(1, 0)
        return SheetSink(ws, self._formats, 1)

    def set_custom_properties(self, properties: Mapping[str, CustomProperty]) -> None:
        """Custom document properties (the metadata watermark layer).

        Names and text values: at most 255 characters; ints: 32-bit; naive datetimes are UTC.
        """
        self._check_open()
        for name, value in properties.items():
            _checked_property_text(name, "a property name")
            if not name:
                raise ValueError("a custom property needs a name")
            if isinstance(value, bool):
                self._workbook.set_custom_property(name, value, "bool")
            elif isinstance(value, int):
                if not -(2**31) <= value < 2**31:
                    raise ValueError("an integer custom property must fit in 32 bits; pass it as text")
                self._workbook.set_custom_property(name, value, "number_int")
            elif isinstance(value, dt.datetime):
                self._workbook.set_custom_property(name, _utc_naive(value), "date")
            elif isinstance(value, str):
                self._workbook.set_custom_property(name, _checked_property_text(value, "a property value"), "text")
            else:
                raise TypeError(f"a custom property cannot be a {type(value).__name__}")

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
            if not self._sheet_names:
                self._workbook.add_worksheet("Sheet1")  # Excel refuses a workbook without sheets
            self._workbook.set_properties(self._core)
            self._workbook.close()
        except (OSError, XlsxWriterException) as error:
            raise OutputError("the output could not be written (disk full or access denied)") from error
        finally:
            self._remove_scratch()

    def abort(self) -> None:
        """Give up: close the scratch files and delete them; ``path`` is not written."""
        if self._closed:
            return
        self._closed = True
        self._remove_scratch()

    def _remove_scratch(self) -> None:
        for worksheet in self._workbook.worksheets():
            # Windows cannot delete open files; xlsxwriter closes its row files only in close().
            with contextlib.suppress(Exception):
                worksheet._opt_close()
        shutil.rmtree(self._scratch, ignore_errors=True)

    def _check_open(self) -> None:
        if self._closed:
            raise ValueError("the workbook is already closed")


def _set_header_footer(worksheet: Any, which: str, code: str) -> None:
    # xlsxwriter counts "&G" (picture) codes in the text and drops a header whose count does not
    # match its images; a doubled "&&G" ("&" then "G") would trip it, so set the fields directly.
    if "&G" in code or "&[Picture]" in code:
        setattr(worksheet, which, code)
        worksheet.header_footer_changed = True
    elif which == "header":
        worksheet.set_header(code)
    else:
        worksheet.set_footer(code)


def _utc_naive(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(dt.UTC).replace(tzinfo=None)
