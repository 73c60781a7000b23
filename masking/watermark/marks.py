"""Keyed value marks: which equally plausible masking pattern each masked cell shows.

A masked cell shows some characters of the value and stars the rest. Several patterns are equally
plausible to a reader (``139****5678`` / ``1391****678``; an ID with 1/2, 2/2, 1/3 or 2/3 characters
kept; ``张**`` / ``张*明``), see :data:`masking.operators.mask.MASK_VARIANTS`. The characters that every
pattern of a scheme shows are the cell's *identity* (a mobile's first 3 and last 3 digits, an ID's
first character and last two, a name's first character and length): it is the same in every export and
can be read back from the leaked cell alone, whatever pattern it shows. Each export shows, for each
identity, the pattern ``H(export mark key, scheme, identity) mod k``. Under the right export every
readable cell matches; under any other export a cell matches with probability 1/k.

Parsing is by shape only (no headers, no column kinds), after NFKC and with zero-width characters,
spaces and the usual separators removed, so it survives CSV, retyping and copy-paste.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

import numpy as np

from masking.crypto import hmac_sha256

# scheme name -> (length of the digit string, (keep_first, keep_last) per variant)
_DIGIT_SCHEMES: dict[int, tuple[str, tuple[tuple[int, int], ...]]] = {
    18: ("id", ((1, 2), (2, 2), (1, 3), (2, 3))),
    22: ("meter", ((5, 4), (5, 3), (6, 4), (6, 3))),
    10: ("account", ((2, 3), (3, 2), (2, 2), (3, 3))),
}
SCHEME_VARIANTS = {"id": 4, "meter": 4, "account": 4, "phone": 2, "name": 2}
_PHONE_LENGTHS = (11, 12)
SEPARATORS = re.compile(r"[\s\-()+.·/]")
_DIGIT_SHAPE = re.compile(r"([0-9X]+)(\*+)([0-9X]+)")
_NAME_SHAPE = re.compile(r"([\u3400-\u9fff]{1,2})(\*+)([\u3400-\u9fff]?)")


@dataclass(frozen=True, slots=True)
class MarkObservation:
    """One masked cell as read back: its scheme, its identity and the pattern it shows."""

    scheme: str
    identity: str
    variant: int

    @property
    def k(self) -> int:
        return SCHEME_VARIANTS[self.scheme]


def strip_invisible(text: str) -> str:
    """NFKC, without format characters (zero-width spaces and joiners, BOM) and whitespace."""
    if text.isascii():  # the common case: NFKC changes nothing and ASCII has no format characters
        return "".join(text.split())
    text = unicodedata.normalize("NFKC", text)
    if text.isprintable():  # no format characters and no whitespace but the ASCII space
        return text.replace(" ", "")
    return "".join(ch for ch in text if not ch.isspace() and unicodedata.category(ch) != "Cf")


def read_mark(text: str) -> MarkObservation | None:
    """The mark a masked cell carries, or None when the cell is not a markable masked value."""
    if "*" not in text and "\uff0a" not in text:  # NFKC folds the full-width star into "*"
        return None
    compact = strip_invisible(text)
    digits = SEPARATORS.sub("", compact).upper()
    shape = _DIGIT_SHAPE.fullmatch(digits)
    if shape is not None:
        return _read_digits(digits, len(shape.group(1)), len(shape.group(3)))
    name = _NAME_SHAPE.fullmatch(compact)
    if name is not None and len(compact) >= 3:
        return MarkObservation("name", f"{compact[0]}{len(compact)}", 1 if name.group(3) else 0)
    return None


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
