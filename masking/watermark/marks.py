"""Keyed value marks: which equally plausible masking pattern each masked cell shows.

A masked cell shows some characters of the value and stars the rest. Several patterns are equally
plausible to a reader (``139****5678`` / ``1391****678``; an ID with 1/2, 2/2, 1/3 or 2/3 characters
kept; ``张**`` / ``张*明`` / ``张某某`` / ``张某明``), see :data:`masking.operators.mask.MASK_VARIANTS` and
:data:`masking.operators.mask.NAME_VARIANTS`. The characters that every pattern of a scheme shows are
the cell's *identity* (a mobile's first 3 and last 3 digits, an ID's first character and last two, a
name's first character and length): it is the same in every export and can be read back from the
leaked cell alone, whatever pattern it shows. Each export shows, for each identity, the pattern
``H(export mark key, scheme, identity) mod k``. Under the right export every readable cell matches;
under any other export a cell matches with probability 1/k.

Schemes and their k: ``phone`` 2; ``id``, ``meter``, ``account`` 4; ``name`` 4 (two or more hidden
characters: 张** 0, 张*明 1, 张某某 2, 张某明 3, i.e. bit 0 = last character shown, bit 1 = 某);
``name1`` 2 (one hidden character: 张* 0, 张某 1). The scheme of a name follows from the cell alone
(the number of 某 or stars plus the shown last character), so embedding and reading agree on k.

Parsing is by shape only (no headers, no column kinds), after NFKC and with zero-width characters,
spaces and the usual separators removed, so it survives CSV, retyping and copy-paste (某 is an
ordinary CJK character: NFKC and zero-width stripping leave it alone).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import numpy as np

from masking.cell_text import trace_text
from masking.crypto import hmac_sha256

# scheme name -> (length of the digit string, (keep_first, keep_last) per variant)
_DIGIT_SCHEMES: dict[int, tuple[str, tuple[tuple[int, int], ...]]] = {
    18: ("id", ((1, 2), (2, 2), (1, 3), (2, 3))),
    22: ("meter", ((5, 4), (5, 3), (6, 4), (6, 3))),
    10: ("account", ((2, 3), (3, 2), (2, 2), (3, 3))),
}
SCHEME_VARIANTS = {"id": 4, "meter": 4, "account": 4, "phone": 2, "name": 4, "name1": 2}
_PHONE_LENGTHS = (11, 12)
SEPARATORS = re.compile(r"[\s\-()+.·/]")
_DIGIT_SHAPE = re.compile(r"([0-9X]+)(\*+)([0-9X]+)")
# A masked Chinese name: a 1- or 2-character surname, the hidden characters (all stars or all 某), and
# for ``name_style="middle"`` the given name's last character. 某 counts as a mask character here only:
# it is the anonymising character of court documents (张某, 张某某) and real names do not use it as a
# given-name character in practice, so neither the surname nor the shown character may be 某.
_SOME = "\u67d0"  # 某
_HAN_NOT_SOME = "[\u3400-\u67cf\u67d1-\u9fff]"
_NAME_SHAPE = re.compile(rf"({_HAN_NOT_SOME}{{1,2}})(\*+|{_SOME}+)({_HAN_NOT_SOME}?)")


@dataclass(frozen=True, slots=True)
class MarkObservation:
    """One masked cell as read back: its scheme, its identity and the pattern it shows."""

    scheme: str
    identity: str
    variant: int

    @property
    def k(self) -> int:
        return SCHEME_VARIANTS[self.scheme]



def read_mark(text: str) -> MarkObservation | None:
    """The mark a masked cell carries, or None when the cell is not a markable masked value."""
    # the hot path (once per cell in trace): cells with no star, full-width star (NFKC folds it into
    # "*") or 某 leave here
    if "*" not in text and "\uff0a" not in text and "\u67d0" not in text:
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
    name = _NAME_SHAPE.fullmatch(compact)
    if name is None:
        return None
    identity = f"{compact[0]}{len(compact)}"
    some = name.group(2)[0] == _SOME
    if len(name.group(2)) + len(name.group(3)) >= 2:  # two or more hidden characters: 2 bits
        return MarkObservation("name", identity, (2 if some else 0) | (1 if name.group(3) else 0))
    return MarkObservation("name1", identity, 1 if some else 0)  # 张* / 张某, 欧阳* / 欧阳某


# length -> (scheme name, {(keep_first, keep_last): variant}, identity's first, identity's last)
_DIGIT_READERS: dict[int, tuple[str, dict[tuple[int, int], int], int, int]] = {
    length: (name, {keep: index for index, keep in enumerate(variants)},
             min(f for f, _ in variants), min(la for _, la in variants))
    for length, (name, variants) in _DIGIT_SCHEMES.items()
}


def _read_digits(digits: str, first: int, last: int) -> MarkObservation | None:
    length = len(digits)
    if length in _PHONE_LENGTHS:
        if last == 4:
            base, variant = first, 0
        elif last == 3:
            base, variant = first - 1, 1
        else:
            return None
        if base not in (3, 4):
            return None
        return MarkObservation("phone", f"{length}:{digits[:base]}:{digits[-3:]}", variant)
    reader = _DIGIT_READERS.get(length)
    if reader is None:
        return None
    name, variants, keep_first, keep_last = reader
    index = variants.get((first, last))
    if index is None:
        return None
    return MarkObservation(name, f"{digits[:keep_first]}:{digits[-keep_last:]}", index)


def export_mark_key(watermark_key: bytes, export_id: str) -> int:
    """The 64-bit secret that picks one export's patterns (derived, so nothing per export is stored)."""
    return int.from_bytes(hmac_sha256(watermark_key, f"exportguard/marks/v1/{export_id}".encode())[:8], "big")


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


def expected_variant(export_key: int, id_hash: int, scheme: str) -> int:
    """The pattern the export with ``export_key`` shows for the identity with ``id_hash``."""
    return _mix(export_key ^ id_hash) % SCHEME_VARIANTS[scheme]


def expected_variants(export_keys: np.ndarray, id_hashes: np.ndarray, ks: np.ndarray) -> np.ndarray:
    """:func:`expected_variant` for every (export, identity) pair at once: an (exports x identities) array."""
    z = np.atleast_1d(export_keys).astype(np.uint64)[:, None] ^ np.atleast_1d(id_hashes).astype(np.uint64)[None, :]
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z = z ^ (z >> np.uint64(31))
    return (z % np.atleast_1d(ks).astype(np.uint64)[None, :]).astype(np.int64)
