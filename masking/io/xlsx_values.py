"""Turning SpreadsheetML cell text into typed values: numbers, dates, and decoded strings.

Kept apart from the tokenizer so the rules users care about (a phone number keeps its exact
digits, an 18-digit ID typed as a number is marked damaged, a CJK date format gives a date) can be
read and tested on their own.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Iterator
from decimal import ROUND_HALF_EVEN, Context, Decimal, InvalidOperation
from typing import Any

from masking.io.model import Damaged, Value


class MalformedXml(ValueError):
    """A sheet or shared-string part breaks XML rules; the reader turns it into ``InputError``."""


# ----------------------------------------------------------------------------------------- text

_PREDEFINED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}
_REFERENCE = re.compile(r"&(?:(#[0-9]{1,8}|#x[0-9A-Fa-f]{1,6}|[A-Za-z_][\w.\-]{0,31});)?")
_XSTRING = re.compile(r"_x([Dd][89ABab][0-9A-Fa-f]{2})__x([Dd][C-Fc-f][0-9A-Fa-f]{2})_|_x([0-9A-Fa-f]{4})_")
_CDATA = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.DOTALL)


def _reference(match: re.Match[str]) -> str:
    name = match.group(1)
    if name is None:
        raise MalformedXml("a bare '&' in text")
    if name[0] != "#":
        try:
            return _PREDEFINED[name]
        except KeyError:
            raise MalformedXml(f"undefined entity &{name[:32]};") from None
    code = int(name[2:], 16) if name[1] in "xX" else int(name[1:])
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        raise MalformedXml("a character reference outside Unicode")
    return chr(code)


def _unescape(text: str) -> str:
    if "\r" in text:  # XML end-of-line handling: CRLF and lone CR become LF
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "&" in text:
        text = _REFERENCE.sub(_reference, text)
    return text


def decode_text(raw: str) -> str:
    """Element text as an XML parser would give it, then Excel's ``_xHHHH_`` escapes undone.

    Only the five predefined entities and numeric references are expanded; anything else is an
    error, never a lookup. CDATA sections are taken literally.
    """
    if "<![CDATA[" in raw:
        parts: list[str] = []
        last = 0
        for section in _CDATA.finditer(raw):
            parts.append(_unescape(raw[last : section.start()]))
            parts.append(section.group(1))
            last = section.end()
        parts.append(_unescape(raw[last:]))
        text = "".join(parts)
    else:
        text = _unescape(raw)
    if "_x" in text:
        text = _XSTRING.sub(_xstring, text)
    return text


def _xstring(match: re.Match[str]) -> str:
    """Excel's ``_xHHHH_`` escape of one UTF-16 unit; a surrogate pair becomes its character, and
    a lone surrogate (no character at all) stays as the escape text rather than an unencodable str."""
    high, low, single = match.groups()
    if single is None:
        return chr(0x10000 + ((int(high, 16) - 0xD800) << 10) + int(low, 16) - 0xDC00)
    code = int(single, 16)
    return match.group(0) if 0xD800 <= code <= 0xDFFF else chr(code)


# -------------------------------------------------------------------------------------- numbers

_FIFTEEN_DIGITS = Context(prec=15, rounding=ROUND_HALF_EVEN)
_EXACT_LIMIT = 1e15


def number_value(raw: str) -> int | float | Damaged:
    """A number cell's ``<v>`` text as Excel means it.

    Whole numbers below 1e15 become ``int`` with their exact digits (``"1.3912345678E10"`` gives
    13912345678). Whole numbers at or above 1e15 have 16+ digits, more than the 15 significant
    digits a double keeps for Excel, so they come back ``Damaged`` with the digits Excel shows.
    """
    try:
        number = float(raw)
    except ValueError:
        raise MalformedXml("a number cell does not hold a number") from None
    if not number.is_integer():  # infinities and NaN are not integers: checked here, off the common path
        if number - number != 0.0:
            raise MalformedXml("a number cell holds an infinite or NaN value")
        return number
    if -_EXACT_LIMIT < number < _EXACT_LIMIT:
        return int(number)
    try:
        shown = _FIFTEEN_DIGITS.plus(Decimal(raw.strip()))
    except InvalidOperation:  # pragma: no cover - float() accepted it, Decimal accepts a superset
        shown = _FIFTEEN_DIGITS.plus(Decimal(number))
    return Damaged(str(int(shown)))


# ---------------------------------------------------------------------------------------- dates

_EPOCH_1900 = dt.date(1899, 12, 30)  # serial 61 is 1900-03-01; 1..59 are off by one (Lotus bug)
_EPOCH_1904 = dt.date(1904, 1, 1)
_MS_PER_DAY = 86_400_000


def _time_of_day(milliseconds: int) -> dt.time:
    seconds, millis = divmod(milliseconds, 1000)
    minutes, second = divmod(seconds, 60)
    hour, minute = divmod(minutes, 60)
    return dt.time(hour, minute, second, millis * 1000)


def serial_to_value(raw: str, date1904: bool) -> Value:
    """A date-formatted number cell: ``date`` if whole, ``time`` if below 1, else ``datetime``.

    Serial 60 in the 1900 system is 1900-02-29, a day that never existed (Excel copied Lotus's
    leap-year bug); it and out-of-range serials stay numbers rather than becoming a wrong date.
    """
    number = number_value(raw)
    if isinstance(number, Damaged) or number < 0:
        return number
    days = math.floor(number)
    milliseconds = round((number - days) * _MS_PER_DAY)
    if milliseconds == _MS_PER_DAY:
        days, milliseconds = days + 1, 0
    if days == 0 and not (date1904 and milliseconds == 0):
        return _time_of_day(milliseconds)
    if date1904:
        base = _EPOCH_1904
    elif days == 60:
        return number
    else:
        base = _EPOCH_1900 if days > 60 else _EPOCH_1900 + dt.timedelta(days=1)
    try:
        day = base + dt.timedelta(days=days)
    except OverflowError:
        return number
    if milliseconds == 0:
        return day
    return dt.datetime.combine(day, _time_of_day(milliseconds))


def typed_date(raw: str) -> Value:
    """A ``t="d"`` cell (ISO 8601 text): date, time or datetime."""
    text = raw.strip()
    try:
        if "T" not in text and ":" in text:
            return dt.time.fromisoformat(text)
        moment = dt.datetime.fromisoformat(text.removesuffix("Z"))
    except ValueError:
        raise MalformedXml("a date cell does not hold an ISO 8601 date") from None
    if "T" not in text and moment.time() == dt.time(0):
        return moment.date()
    return moment


# ------------------------------------------------------------------------------- number formats

# Built-in number formats that show dates or times, including the CJK ones (27-36, 50-58).
BUILTIN_DATE_FORMATS = frozenset([*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)])
_LITERALS = re.compile(r'"[^"]*"|\\.|_.|\*.')
_BRACKETS = re.compile(r"\[([^\]]*)\]")
_ELAPSED = re.compile(r"h+|m+|s+", re.IGNORECASE)
_AMPM = re.compile(r"AM/PM|A/P", re.IGNORECASE)
_DATE_LETTERS = frozenset("yYmMdDhHsS")


def is_date_format(code: str) -> bool:
    """Does an Excel number-format code show a date or time?

    Looks for y/m/d/h/s outside quoted text, escapes, fill/padding characters and brackets
    (``[Red]``, ``[$-804]``, ``[DBNum1]``), but counts elapsed-time brackets (``[h]``, ``[mm]``).
    Only the first section (positive numbers) decides.
    """
    text = _LITERALS.sub("", code)
    section = text.split(";", 1)[0]
    if section.strip().lower() == "general":
        return False
    for bracket in _BRACKETS.findall(section):
        if _ELAPSED.fullmatch(bracket):
            return True
    section = _AMPM.sub("", _BRACKETS.sub("", section))
    return any(char in _DATE_LETTERS for char in section)


def date_style_ids(styles_root: Any) -> Iterator[str]:
    """Indexes (as the ``s=`` attribute text) of the ``cellXfs`` styles that format dates."""
    custom: dict[int, str] = {}
    for node in styles_root.iter():
        if str(node.tag).endswith("}numFmt"):
            try:
                custom[int(node.get("numFmtId", ""))] = node.get("formatCode", "")
            except ValueError:
                continue
    cell_formats: Iterable[Any] = ()
    for node in styles_root:
        if str(node.tag).endswith("}cellXfs"):
            cell_formats = [child for child in node if str(child.tag).endswith("}xf")]
    for index, xf in enumerate(cell_formats):
        try:
            format_id = int(xf.get("numFmtId", "0"))
        except ValueError:
            continue
        code = custom.get(format_id)
        if code is not None:
            if is_date_format(code):
                yield str(index)
        elif format_id in BUILTIN_DATE_FORMATS:
            yield str(index)
