"""The identifiers a source file holds, as a sorted array of 64-bit hashes: what canary rows must not reuse.

Collected by the export's own pass (:meth:`masking.watermark.embed.ExportMarker.source_rows`) in the
transform step, which also asks (:func:`source_has`) when it draws the canaries after the last row:
both happen in one process, so the hash is Python's own string hash of the identifier's token text
(:func:`masking.watermark.membership.token_feature` without its ``t|``), fixed for that process's
life. It only answers "does this value occur in the source?": a false match (odds about n / 2**64)
makes a canary be drawn again, never more; the hashes live in memory only and are never stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeGuard, cast

import numpy as np
import numpy.typing as npt

from masking.cell_text import round_trip_text
from masking.io.model import Value
from masking.watermark.membership import MIN_TOKEN_CHARS, sorted_unique, token_feature

__all__ = ["SourceIdCollector", "SourceIds", "identifier_hash", "source_has", "source_has_any"]

SourceIds = npt.NDArray[np.int64]
EMPTY: SourceIds = np.zeros(0, np.int64)


def identifier_hash(text: str) -> int:
    """The hash of an identifier's token text (see the module notes: valid within one process)."""
    return hash(text)


def _other_hash(value: Value) -> int | None:
    """The hash of a cell that is not a plain digit string, or None when it holds no token."""
    if value is None:
        return None
    if type(value) is int and value >= 10:  # a number cell: its digits
        return hash(str(value))
    text = round_trip_text(value)
    feature = token_feature(text) if text else None
    return hash(feature[2:]) if feature is not None else None


def _all_plain_digits(chunk: Sequence[Value]) -> TypeGuard[Sequence[str]]:
    """Whether every cell is a string of at least two ASCII digits, each its own token text (a
    ``Damaged`` one too: its token text is its digits), checked on the joined cells."""
    texts = cast("Sequence[str]", chunk)  # until join() finds a cell that is not a str
    try:
        joined = "".join(texts)
    except TypeError:
        return False
    return joined.isdigit() and joined.isascii() and min(map(len, texts)) >= MIN_TOKEN_CHARS


class SourceIdCollector:
    """Hashes identifiers a column chunk at a time; :meth:`result` sorts them once."""

    def __init__(self) -> None:
        self._chunks: list[SourceIds] = []

    def add(self, chunk: Sequence[Value]) -> None:
        if _all_plain_digits(chunk):  # most identifier columns (account, mobile, meter numbers): in C
            self._chunks.append(np.fromiter(map(identifier_hash, chunk), dtype=np.int64, count=len(chunk)))
            return
        # the common shape in bulk (account, mobile, meter and most ID numbers), then the others
        plain = [hash(v) for v in chunk
                 if type(v) is str and len(v) >= MIN_TOKEN_CHARS and v.isdigit() and v.isascii()]
        other = [h for v in chunk if not (type(v) is str and v.isdigit() and v.isascii())
                 and (h := _other_hash(v)) is not None]
        self._chunks.append(np.array(plain + other, dtype=np.int64))

    def result(self) -> SourceIds:
        """The sorted, distinct hashes (the collector is spent afterwards)."""
        chunks, self._chunks = self._chunks, []
        return sorted_unique(np.concatenate(chunks), in_place=True) if chunks else EMPTY


def source_has(ids: SourceIds, text: str) -> bool:
    """Whether the token text ``text`` occurs among the source's identifiers."""
    return source_has_any(ids, (text,))


def source_has_any(ids: SourceIds, texts: Sequence[str]) -> bool:
    """Whether any of the token texts ``texts`` occurs among the source's identifiers (one lookup)."""
    if not texts or not len(ids):
        return False
    hashed = np.fromiter(map(identifier_hash, texts), dtype=np.int64, count=len(texts))
    at = ids.searchsorted(hashed)
    np.minimum(at, len(ids) - 1, out=at)
    return bool((ids[at] == hashed).any())
