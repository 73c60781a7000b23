"""The canonical digits of a cell and whether they are a value of a digit kind.

Shared by the operators that key on digits (pseudonymize, encrypt, mask, hash, generalize):
:func:`canonical_digits` gives the one form a number is keyed on whatever its spelling,
:func:`with_format` writes a result back the way the input was written, and :func:`valid_digits`
(:func:`valid_digits_many` for a chunk) says whether a canonical form is a value of its kind.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from itertools import compress

import numpy as np

from masking.cell_text import identifier_text
from masking.checksums import id_numbers_valid_many
from masking.io.model import Damaged, Value
from masking.kinds import Kind, is_bank_card, is_id_number, is_landline, is_meter_id, phone_digits

__all__ = [
    "ACCOUNT_MAX_DIGITS",
    "ACCOUNT_MIN_DIGITS",
    "DIGIT_KINDS",
    "canonical_digits",
    "valid_digits",
    "valid_digits_many",
    "with_format",
]

ACCOUNT_MIN_DIGITS = 6
ACCOUNT_MAX_DIGITS = 40
DIGIT_KINDS = frozenset({Kind.PHONE, Kind.METER_ID, Kind.ID_NUMBER, Kind.BANK_CARD, Kind.ACCOUNT_NO})


_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―.·()\[\]]")



def canonical_digits(kind: Kind, value: Value) -> str | None:
    """The canonical form a digit kind is keyed on (digits; an ID's X upper-cased), or None.

    Two spellings of one number ("139 1234 5678", "+86 13912345678") give the same canonical form,
    so tokens join across files whatever the formatting.
    """
    if isinstance(value, Damaged):
        return None
    text = identifier_text(value)
    if not text:
        return None
    if text.isdigit() and text.isascii():
        return text
    if kind is Kind.PHONE:
        return phone_digits(text)
    compact = _SEPARATORS.sub("", text).upper()
    if kind is Kind.ID_NUMBER:
        ok = compact.isascii() and compact[:-1].isdigit() and compact[-1:] in tuple("0123456789X")
    else:
        ok = compact.isascii() and compact.isdigit()
    return compact if ok else None


def _ascii_alnum(char: str) -> str | None:
    """The ASCII letter or digit ``char`` stands for (itself, or its NFKC form: "３" -> "3"), else None."""
    if char.isascii():
        return char if char.isalnum() else None
    folded = unicodedata.normalize("NFKC", char)
    return folded if len(folded) == 1 and folded.isascii() and folded.isalnum() else None


def _like(original: str, char: str) -> str:
    """``char`` in the width of ``original``: a full-width digit stays full-width."""
    if "\uff01" <= original <= "\uff5e" and char.isascii() and char.isalnum():
        return chr(ord(char) + 0xFEE0)
    return char


def with_format(value: Value, text: str, canonical: str, new: str) -> Value:
    """``new`` written the way ``value`` was written: the same cell type, and in a text cell every
    character that is not one of the canonical digits (separators, prefix, spaces, full-width
    spaces and dashes) kept as it was, each new digit in the width of the one it replaces
    (full-width "１３９" stays full-width). So decrypt gives back the original text exactly."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(new) if new.isdigit() and new[0] != "0" else new
    source = value if isinstance(value, str) else text
    if source == canonical:
        return new
    positions = [(i, folded) for i, char in enumerate(source) if (folded := _ascii_alnum(char)) is not None]
    if len(positions) < len(canonical):
        return new
    tail = positions[len(positions) - len(canonical) :]
    if "".join(folded for _, folded in tail).upper() != canonical:
        return new
    chars = list(source)
    for (i, _), char in zip(tail, new, strict=True):
        chars[i] = _like(source[i], char)
    return "".join(chars)


# --------------------------------------------------------------------------------------------
# Validity of canonical forms


def _phone_valid(canonical: str) -> bool:
    if len(canonical) == 11 and canonical[0] == "1":
        return canonical[1] in "3456789" and canonical.isdigit()
    return is_landline(canonical)


_VALID_DIGITS: dict[Kind, Callable[[str], bool]] = {
    Kind.PHONE: _phone_valid,
    Kind.ID_NUMBER: is_id_number,
    Kind.BANK_CARD: is_bank_card,
    Kind.METER_ID: is_meter_id,
    Kind.ACCOUNT_NO: lambda text: text.isdigit() and ACCOUNT_MIN_DIGITS <= len(text) <= ACCOUNT_MAX_DIGITS,
}


def valid_digits(kind: Kind, canonical: str) -> bool:
    """Whether a canonical form is a value of the digit kind (the kinds module's validators; an
    account number is 6 to 40 digits). Masking and hashing use it; FF1 codecs are stricter."""
    return bool(_VALID_DIGITS[kind](canonical))


_ID_LENGTH = 18


def valid_digits_many(kind: Kind, canonicals: Sequence[str]) -> list[bool]:
    """:func:`valid_digits` of each canonical form: the 18-character IDs in one numpy pass
    (:func:`~masking.checksums.id_numbers_valid_many`), every other value one by one."""
    if kind is not Kind.ID_NUMBER:
        valid = _VALID_DIGITS[kind]
        return [bool(valid(canonical)) for canonical in canonicals]
    # in bulk: what is_id_number reads as it is, upper-cased (an X), 18 ASCII letters and digits
    joined = "".join(canonicals)
    # isalnum of the ASCII bytes: a table look-up per byte, a tenth of str.isalnum's time
    if joined.isascii() and joined.encode("ascii").isalnum() and set(map(len, canonicals)) == {_ID_LENGTH}:
        return _ids_valid(joined)  # the common case, every value: no test per value
    in_bulk = [len(c) == _ID_LENGTH and c.isascii() and c.isalnum() for c in canonicals]
    valid_ids = iter(_ids_valid("".join(compress(canonicals, in_bulk))))
    return [next(valid_ids) if bulk else is_id_number(canonical)
            for canonical, bulk in zip(canonicals, in_bulk, strict=True)]


def _ids_valid(joined: str) -> list[bool]:
    """Whether each 18 characters of ``joined`` (ASCII letters and digits) are a valid ID."""
    chars = np.frombuffer(joined.upper().encode("ascii"), dtype=np.uint8).reshape(-1, _ID_LENGTH)
    valid: list[bool] = id_numbers_valid_many(chars - np.uint8(ord("0"))).tolist()
    return valid
