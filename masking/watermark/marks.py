"""Keyed value marks: which equally plausible masking pattern each masked cell shows.

A masked cell shows some characters of the value and hides the rest. Several patterns are equally
plausible to a reader, see :mod:`masking.mask_forms`: an ID with 1-4 leading and 2-4 trailing
characters kept (12 forms), a meter number 5-8 / 3-5 (12), an account number 0-3 / 2-3 (8), a mobile
139****5678 / 139*****678 / 13*****5678 / ... / *******5678 / ********678 (8, every one a part of the
default), a Chinese name 张** / 张*明 with stars, 某, × or X for the hidden characters (8; 4 with one
hidden character). The characters that every pattern of a scheme shows are the cell's *identity* (a
mobile's last 3 digits, an account's last 2, an ID's first character and last two, a name's first
character and length): it is the same in every export and can be read back from the leaked cell
alone, whatever pattern it shows. Each export shows, for each identity, the pattern ``H(export mark
key, scheme, identity) mod k``. Under the right export every readable cell matches; under any other
export a cell matches with probability 1/k. k follows from the cell alone (its scheme; for a phone
its length and the digits it shows first), so embedding and reading agree on it.

Schemes and their k: ``id`` 12, ``meter`` 12, ``account`` 8, ``phone`` 8 (a 12-digit landline 4, an
11-digit landline with a 3-digit area code 2; one with a 4-digit area code carries no mark), ``name`` 8
(two or more hidden characters: bit 0 = last character shown, bits 1-2 = the mask character, * 某 ×
X), ``name1`` 4 (one hidden character: 张* 张某 张× 张X).

Parsing is by shape only (no headers, no column kinds), after NFKC and with zero-width characters,
spaces and the usual separators removed, so it survives CSV, retyping and copy-paste (某 and × are
ordinary characters NFKC and zero-width stripping leave alone; a lower-case x reads as X).
``MARKS_VERSION`` names this numbering: the mark key of an export is derived under it, so exports
made under an earlier numbering (v1: k = 2 or 4; v2: phones and accounts with other forms and
identities) simply do not match (as an innocent export would not).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from masking.cell_text import trace_text
from masking.crypto import hmac_sha256
from masking.kinds import Kind
from masking.mask_forms import MARK_LENGTHS, MASK_VARIANTS, NAME_CHARS, PHONE_LENGTHS, phone_class, phone_keeps

# v2 (2026-12-06): q-ary forms (ID 12, meter 12, account 8, phone 6, name 8 / 4); v3 (2026-12-06): the
# forms of phones (8) and accounts (8) capped at their usual mask, so their identities changed
MARKS_VERSION = "v3"
# digit-string length -> (scheme name, (keep_first, keep_last) per variant)
_DIGIT_SCHEMES: dict[int, tuple[str, tuple[tuple[int, int], ...]]] = {
    MARK_LENGTHS[kind]: (name, MASK_VARIANTS[kind])
    for kind, name in ((Kind.ID_NUMBER, "id"), (Kind.METER_ID, "meter"), (Kind.ACCOUNT_NO, "account"))
}
SEPARATORS = re.compile(r"[\s\-()+.·/]")
_DIGIT_SHAPE = re.compile(r"([0-9X]*)(\*+)([0-9X]+)")  # a form may show no head (*******5678)
# A masked Chinese name: a 1- or 2-character surname, the hidden characters (all one mask character:
# stars, 某, × or X), and for ``name_style="middle"`` the given name's last character. 某 counts as a
# mask character here only: it is the anonymising character of court documents (张某, 张某某) and real
# names do not use it as a given-name character in practice, so neither the surname nor the shown
# character may be 某.
_SOME = "\u67d0"  # 某
_HAN_NOT_SOME = "[\u3400-\u67cf\u67d1-\u9fff]"
_NAME_SHAPE = re.compile(rf"({_HAN_NOT_SOME}{{1,2}})(\*+|{_SOME}+|\u00d7+|X+)({_HAN_NOT_SOME}?)")
_NAME_CHAR_INDEX = {char: index for index, char in enumerate(NAME_CHARS)}
# a character that may make a cell a masked one (NFKC folds the full-width star and X into * and X)
_MASK_HINT = re.compile("[*\uff0a\u67d0\u00d7Xx\uff38\uff58]")


@dataclass(frozen=True, slots=True)
class MarkObservation:
    """One masked cell as read back: its scheme, its identity and the pattern it shows."""

    scheme: str
    identity: str
    variant: int
    k: int  # how many patterns this cell's scheme has (follows from the cell alone)


def read_mark(text: str) -> MarkObservation | None:
    """The mark a masked cell carries, or None when the cell is not a markable masked value."""
    # the hot path (once per cell in trace): cells with no mask character leave here
    if "*" not in text and _MASK_HINT.search(text) is None:
        return None
    shape = _DIGIT_SHAPE.fullmatch(text)
    if shape is not None:  # the common case, digits and stars only: nothing to normalise
        return _read_digits(text, len(shape.group(1)), len(shape.group(3)))
    compact = trace_text(text)
    if compact[:1] < "\u3400":  # a masked name starts with its surname; anything else may be digits
        digits = SEPARATORS.sub("", compact).upper()
        shape = _DIGIT_SHAPE.fullmatch(digits)
        if shape is not None:
            return _read_digits(digits, len(shape.group(1)), len(shape.group(3)))
        return None
    return _read_name(compact)


def _read_name(compact: str) -> MarkObservation | None:
    name = _NAME_SHAPE.fullmatch(compact.replace("x", "X"))
    if name is None:
        return None
    identity = f"{compact[0]}{len(compact)}"
    char = _NAME_CHAR_INDEX[name.group(2)[0]]
    if len(name.group(2)) + len(name.group(3)) >= 2:  # two or more hidden characters: style and character
        return MarkObservation("name", identity, 2 * char | (1 if name.group(3) else 0), 2 * len(NAME_CHARS))
    return MarkObservation("name1", identity, char, len(NAME_CHARS))  # 张* / 张某 / 张× / 张X


# length -> (scheme name, {(keep_first, keep_last): variant}, identity's first, identity's last)
_DIGIT_READERS: dict[int, tuple[str, dict[tuple[int, int], int], int, int]] = {
    length: (name, {keep: index for index, keep in enumerate(variants)},
             min(f for f, _ in variants), min(la for _, la in variants))
    for length, (name, variants) in _DIGIT_SCHEMES.items()
}


def digit_form(digits: str, first: int, last: int) -> tuple[str, str, int, int] | None:
    """The mark (scheme, identity, variant, k) that ``digits`` carry when shown as their first ``first``
    and last ``last`` characters with stars between, or None: what :func:`read_mark` reads from that
    rendering, worked out without it (the mask operator's plain renderings, see ExportMarker.apply).
    Only the characters such a rendering shows are read."""
    length = len(digits)
    if length in PHONE_LENGTHS:
        found = phone_class(length, digits[:first])
        keeps = phone_keeps(length, *found) if found is not None else ()
        if (first, last) not in keeps:
            return None
        keep_first, keep_last = min(f for f, _ in keeps), min(la for _, la in keeps)
        return "phone", f"{length}:{digits[:keep_first]}:{digits[-keep_last:]}", keeps.index((first, last)), len(keeps)
    variant = _digit_variant(length, first, last)
    if variant is None:
        return None
    name, keep_first, keep_last, index, k = variant
    return name, f"{digits[:keep_first]}:{digits[-keep_last:]}", index, k


def digit_forms(digits: Sequence[str], first: int, last: int) -> tuple[str, list[str], int, int] | None:
    """:func:`digit_form` of values of one length that is not a phone's (whose forms follow from its
    head), all shown as their first ``first`` and last ``last`` characters: (scheme, each value's
    identity, variant, k), the same for each but the identity, or None when they carry no mark.
    Worked out once for them all (the mask operator's chunk of one kind and one form)."""
    length = len(digits[0])
    if length in PHONE_LENGTHS:
        raise ValueError("a phone's form follows from its head: digit_form of each value")
    found = _digit_variant(length, first, last)
    if found is None:
        return None
    name, keep_first, keep_last, index, k = found
    return name, [f"{value[:keep_first]}:{value[-keep_last:]}" for value in digits], index, k


def _digit_variant(length: int, first: int, last: int) -> tuple[str, int, int, int, int] | None:
    """For a value of ``length`` digits (no phone's) shown as its first ``first`` and last ``last``:
    (scheme, digits its identity keeps first and last, variant, k), or None when that carries no mark."""
    reader = _DIGIT_READERS.get(length)
    if reader is None:
        return None
    name, variants, keep_first, keep_last = reader
    index = variants.get((first, last))
    return None if index is None else (name, keep_first, keep_last, index, len(variants))


def _read_digits(digits: str, first: int, last: int) -> MarkObservation | None:
    form = digit_form(digits, first, last)
    return None if form is None else MarkObservation(*form)


def export_mark_key(watermark_key: bytes, export_id: str) -> int:
    """The 64-bit secret that picks one export's patterns (derived, so nothing per export is stored)."""
    label = f"exportguard/marks/{MARKS_VERSION}/{export_id}".encode()
    return int.from_bytes(hmac_sha256(watermark_key, label)[:8], "big")


def identity_key(watermark_key: bytes) -> bytes:
    return hmac_sha256(watermark_key, b"exportguard/marks/identity/v1")


def identity_hash(id_key: bytes, scheme: str, identity: str) -> int:
    """A keyed 64-bit hash of one (scheme, identity), the same for every export."""
    digest = hashlib.blake2b(f"{scheme}\x1f{identity}".encode(), key=id_key, digest_size=8).digest()
    return int.from_bytes(digest, "big")


_MASK64 = (1 << 64) - 1


def _mix(z: int) -> int:
    """SplitMix64's finaliser: a bijective mixer whose outputs for distinct inputs look independent."""
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return z ^ (z >> 31)


def expected_variant(export_key: int, id_hash: int, k: int) -> int:
    """The pattern (of ``k``) the export with ``export_key`` shows for the identity with ``id_hash``."""
    return _mix(export_key ^ id_hash) % k


def expected_variants(export_keys: np.ndarray, id_hashes: np.ndarray, ks: np.ndarray) -> np.ndarray:
    """:func:`expected_variant` for every (export, identity) pair at once: an (exports x identities) array."""
    keys = np.atleast_1d(export_keys).astype(np.uint64)[:, None]
    return expected_variant_pairs(keys, np.atleast_1d(id_hashes)[None, :], np.atleast_1d(ks)[None, :])


def expected_variant_pairs(export_keys: np.ndarray, id_hashes: np.ndarray, ks: np.ndarray) -> np.ndarray:
    """:func:`expected_variant` element by element (the arrays broadcast against each other)."""
    z = export_keys.astype(np.uint64) ^ id_hashes.astype(np.uint64)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z = z ^ (z >> np.uint64(31))
    return (z % ks.astype(np.uint64)).astype(np.int64)
