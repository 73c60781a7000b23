"""The cell-safety rules every writer follows, kept in one place.

Both writers (xlsx and csv) ask this module how a value goes out; none of them decides on its own.

Formula injection
    A text value whose first character is one of ``= + - @``, TAB or CR could be taken as a formula
    by Excel, WPS or LibreOffice ("formula-like"), and so could the full-width equals signs ``＝``
    (U+FF1D) and ``﹦`` (U+FE66), which a Chinese input method types in place of ``=`` and which
    spreadsheet programs with East Asian input settings convert to ``=`` when a cell is edited.
    It is never written as a live formula:

    * csv: the field gets a leading apostrophe (``'=HYPERLINK(...)``), the OWASP recipe; Excel
      shows the text and does not evaluate it.
    * xlsx: the value is a plain text cell (never an ``<f>`` element) whose style has Excel's
      ``quotePrefix`` flag, so it stays text even when a user edits the cell and presses Enter.
      The value itself is not changed.

    Exempt: a text that is a plain decimal number (``-12.5``, ``+3``, ``-1e5``) cannot be a formula,
    so it is written unchanged (and in xlsx still as text, see below).

Text stays text
    A ``str`` is always written as text, never converted to a number: ``"13912345678"`` and the
    22-digit meter number come back as the same string. In xlsx every text cell carries the text
    number format ``@`` so that Excel keeps it text when edited. ``Damaged`` values are text.

Numbers
    ``int`` and ``float`` with an absolute value below 10**15 (at most 15 digits, the precision
    Excel keeps) are written as numbers. Larger ones, and floats that are not finite, are written
    as text with all their digits (no exponent), because Excel would otherwise cut or show them as
    ``1.23E+15``. csv cannot mark a field as text: a long digit string in csv is written exactly,
    and it is the reading program's business to keep it (xlsx is the format for Excel users).

Dates and times
    Naive ``date``/``datetime``/``time`` values in Excel's range (1900-01-01 to 9999-12-31) are
    xlsx date cells formatted ``yyyy-mm-dd``, ``yyyy-mm-dd hh:mm:ss`` or ``hh:mm:ss``; others
    (time zone aware, before 1900) are text in ISO form. csv writes ``yyyy-mm-dd`` and
    ``yyyy-mm-dd HH:MM:SS`` (microseconds only when present), times ``HH:MM:SS``.
    Booleans are xlsx booleans and ``TRUE``/``FALSE`` in csv, as Excel writes them.

Characters
    XML 1.0 cannot hold the control characters U+0000-U+001F other than TAB, LF and CR, nor
    U+FFFE/U+FFFF or lone surrogates: they are removed from xlsx text (not escaped, so no invisible
    content travels). Excel cells hold at most 32,767 characters; longer text is cut in xlsx and
    the writer counts the cells it cut. csv keeps control characters (they are legal there) and
    replaces lone surrogates, which no encoding can hold, with U+FFFD.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal
from enum import IntEnum
from typing import Final

from masking.io.model import Value

FORMULA_TRIGGERS: Final = frozenset("=+-@\t\r\uff1d\ufe66")
MAX_EXACT_NUMBER: Final = 10**15
MAX_CELL_CHARS: Final = 32_767

DATE_FORMAT: Final = "yyyy-mm-dd"
DATETIME_FORMAT: Final = "yyyy-mm-dd hh:mm:ss"
TIME_FORMAT: Final = "hh:mm:ss"
TEXT_FORMAT: Final = "@"

_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
XML_ILLEGAL_CHARS: Final = "\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff"  # a regex class's content
XML_ILLEGAL = re.compile(f"[{XML_ILLEGAL_CHARS}]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_EXCEL_FIRST_YEAR: Final = 1900


class XlsxCell(IntEnum):
    """How one value goes into an xlsx cell; the payload returned with it says what is written."""

    BLANK = 0
    TEXT = 1  # payload: str, text cell with the "@" format
    INERT_TEXT = 2  # payload: str, formula-like text: text cell with "@" and quotePrefix
    NUMBER = 3  # payload: int | float
    BOOLEAN = 4  # payload: bool
    DATE = 5  # payload: dt.date
    DATETIME = 6  # payload: dt.datetime
    TIME = 7  # payload: dt.time


def is_formula_like(text: str) -> bool:
    """True when a spreadsheet program could take ``text`` as a formula (see the module notes)."""
    return bool(text) and text[0] in FORMULA_TRIGGERS and _PLAIN_NUMBER.fullmatch(text) is None


def number_as_text(number: int | float) -> str | None:
    """The digits to write as text when ``number`` is too long for Excel, else None."""
    if isinstance(number, int):
        return str(number) if abs(number) >= MAX_EXACT_NUMBER else None
    if not math.isfinite(number):
        return repr(number)
    return format_float(number) if abs(number) >= MAX_EXACT_NUMBER else None


def format_float(number: float) -> str:
    """The shortest digits that read back as ``number``, without an exponent for usual sizes.

    ``0.1`` -> ``"0.1"``, ``1e16`` -> ``"10000000000000000"``, ``2.0`` -> ``"2"`` (as Excel
    shows it); magnitudes below 1e-9 or from 1e21 keep Python's exponent form.
    """
    if not math.isfinite(number):
        return repr(number)
    if number == 0:
        return "0"
    if number.is_integer() and abs(number) < 1e21:
        return str(int(number))
    if 1e-9 <= abs(number) < 1e21:
        return format(Decimal(repr(number)), "f")
    return repr(number)


def xlsx_text(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot hold (Excel's length limit is the writer's)."""
    if XML_ILLEGAL.search(text) is None:
        return str(text)
    return XML_ILLEGAL.sub("", text)


def _date_in_excel_range(value: dt.date) -> bool:
    return value.year >= _EXCEL_FIRST_YEAR


def xlsx_cell(value: Value) -> tuple[XlsxCell, Value]:  # noqa: PLR0911, PLR0912 - one flat type dispatch
    """Classify ``value`` for an xlsx cell and return what to write (see the module notes)."""
    if isinstance(value, str):  # by far the most common case: first, and without calls
        text = str(value) if XML_ILLEGAL.search(value) is None else XML_ILLEGAL.sub("", value)
        if not text:
            return XlsxCell.BLANK, None
        if text[0] in FORMULA_TRIGGERS and _PLAIN_NUMBER.fullmatch(text) is None:
            return XlsxCell.INERT_TEXT, text
        return XlsxCell.TEXT, text
    if value is None:
        return XlsxCell.BLANK, None
    if isinstance(value, bool):
        return XlsxCell.BOOLEAN, value
    if isinstance(value, int | float):
        as_text = number_as_text(value)
        if as_text is None:
            return XlsxCell.NUMBER, value
        return (XlsxCell.INERT_TEXT if is_formula_like(as_text) else XlsxCell.TEXT), as_text
    if isinstance(value, dt.datetime):
        if value.tzinfo is None and _date_in_excel_range(value):
            return XlsxCell.DATETIME, value
        return XlsxCell.TEXT, value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        if _date_in_excel_range(value):
            return XlsxCell.DATE, value
        return XlsxCell.TEXT, value.isoformat()
    if isinstance(value, dt.time):
        if value.tzinfo is None:
            return XlsxCell.TIME, value
        return XlsxCell.TEXT, value.isoformat()
    raise TypeError(f"cannot write a {type(value).__name__} to a cell")


def csv_field(value: Value) -> str:  # noqa: PLR0911 - one flat type dispatch reads best
    """The text of one csv field for ``value``, formula-like text neutralised (module notes)."""
    if value is None:
        return ""
    if isinstance(value, str):
        text = value if _LONE_SURROGATE.search(value) is None else _LONE_SURROGATE.sub("\ufffd", value)
        return "'" + text if is_formula_like(text) else str(text)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = format_float(value)
        return "'" + text if is_formula_like(text) else text
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            return value.isoformat(sep=" ")
        return value.isoformat(sep=" ", timespec="microseconds" if value.microsecond else "seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat(timespec="microseconds" if value.microsecond else "seconds")
    raise TypeError(f"cannot write a {type(value).__name__} to a cell")
