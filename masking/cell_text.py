"""The text of a cell: one module, one function per purpose, and the differences written down.

"The text of a cell" has four right answers, because the four readers want different things:

* :func:`identifier_text`: the text a detector, validator or digit operator reads an identifier
  from. Only text and non-negative whole numbers can be identifiers (a negative number is an amount,
  a fraction or a date is not an identifier), so everything else is None.
* :func:`crypto_text`: the text a keyed transform (encrypt, hash, pseudonymize of text) turns into a
  token. Every non-blank value has one, and two values that look the same give the same text, so
  they get the same token.
* :func:`round_trip_text`: how a cell still reads after a trip through a spreadsheet program, CSV or
  a paste, for the trace fingerprints. No NFKC here: the fingerprint of a token must match the token
  as written; dates never survive a round trip unchanged, so they have none.
* :func:`trace_text`: a piece of (leaked) text with the characters a recipient could add without
  changing what a reader sees (spaces, zero-width characters, full-width forms) taken out.

============================ ================== ================= ================== =================
value                        identifier_text    crypto_text       round_trip_text    (trace_text: str)
============================ ================== ================= ================== =================
text " 1３9 "                "139" (NFKC,trim)  "139" (NFKC,trim) "1３9" (trim only) "139" (NFKC, no
                                                                                     spaces/Cf at all)
text "" or "  "              ""                 ""                None               ""
True / False                 None               "TRUE" / "FALSE"  None               -
-5                           None               "-5"              "-5"               -
12.0                         "12"               "12"              "12"               -
1e15 (whole, >= 10**15)      None               "1e15" as repr    "1000000000000000" -
-12.0                        None               "-12"             "-12"              -
12.5                         None               "12.5" (repr)     "12.5" (repr)      -
nan / inf                    None               "nan" / "inf"     None               -
None                         None               ""                None               -
date, time                   None               ISO form          None               -
============================ ================== ================= ================== =================

Cut-offs: whole floats are digits below 10**15 for identifiers and crypto (Excel keeps 15 significant
digits; beyond that the digits are not the value's) and below 10**16 for round trips (what a
spreadsheet still prints as an integer). ``Damaged`` is a ``str`` and reads as one everywhere.
tests/test_cell_text.py pins each row.
"""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from collections.abc import Sequence
from typing import cast

from masking.io.model import Value

__all__ = ["crypto_text", "crypto_texts", "identifier_text", "round_trip_text", "trace_text"]

_EXACT_DIGITS = 1e15  # Excel's 15 significant digits
_ROUND_TRIP_DIGITS = 1e16


def identifier_text(value: Value) -> str | None:
    """NFKC text of a str cell (trimmed), the digits of a non-negative whole number, else None."""
    if isinstance(value, str):  # Damaged is a str too
        if value.isascii():  # NFKC leaves ASCII alone
            return value.strip()
        return unicodedata.normalize("NFKC", value).strip()
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value) if value >= 0 else None  # a negative number is an amount, never an identifier
    if isinstance(value, float) and value.is_integer() and 0 <= value < _EXACT_DIGITS:
        return str(int(value))
    return None  # other floats, dates and times


def crypto_text(value: Value) -> str:
    """The text a keyed transform reads from any cell value: text as given (NFKC, trimmed) so that
    equal-looking values get equal tokens; whole numbers as their digits; dates and times in ISO
    form; other numbers by ``repr``; a blank cell as ""."""
    if isinstance(value, str):
        return unicodedata.normalize("NFKC", value).strip()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < _EXACT_DIGITS else repr(value)
    if value is None:
        return ""
    return value.isoformat()


def crypto_texts(values: Sequence[Value]) -> list[str]:
    """:func:`crypto_text` of each value. A column of text and blank cells already in NFKC (the usual
    one) is told so by one check of its texts joined by NUL: a starter that composes with nothing and
    blocks every composition across it, so the joined text is normalized exactly when each text is,
    and each text's is then the text trimmed (no call per cell: a column of 4,096 addresses 0.80 -> 0.70 ms,
    of masked IDs 0.53 -> 0.35 ms)."""
    kinds = set(map(type, values))
    if kinds <= _TEXT_OR_BLANK:
        cells = cast("Sequence[str | None]", values)
        if unicodedata.is_normalized("NFKC", "\0".join(filter(None, cells))):
            return ["" if cell is None else cell.strip() for cell in cells]
    return [crypto_text(value) for value in values]


_TEXT_OR_BLANK = frozenset({str, type(None)})


def round_trip_text(value: Value) -> str | None:
    """How a cell reads as text after any spreadsheet round trip (None for dates, blanks, booleans
    and non-finite numbers)."""
    if type(value) is str:  # the common case first
        return value.strip() or None
    if value is None or isinstance(value, bool | dt.date | dt.time):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return str(int(value)) if value.is_integer() and abs(value) < _ROUND_TRIP_DIGITS else repr(value)
    text = value.strip()  # a str subclass (Damaged)
    return text or None


def trace_text(text: str) -> str:
    """NFKC, without format characters (zero-width spaces and joiners, BOM) and whitespace."""
    if text.isascii():  # the common case: NFKC changes nothing and ASCII has no format characters
        return "".join(text.split())
    if text.isprintable() and " " not in text and unicodedata.is_normalized("NFKC", text):
        return text  # clean already (a masked name, most text cells): nothing to take out
    text = unicodedata.normalize("NFKC", text)
    if text.isprintable():  # no format characters and no whitespace but the ASCII space
        return text.replace(" ", "")
    return "".join(ch for ch in text if not ch.isspace() and unicodedata.category(ch) != "Cf")
