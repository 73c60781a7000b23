"""The identifiers a source file holds, as sorted runs of 64-bit hashes: what canary rows must not reuse.

Collected by the export's own pass (:meth:`masking.watermark.embed.ExportMarker.source_rows`) in the
transform step, which also asks (:meth:`SourceIdCollector.found`) as it draws the canaries, between
batches (against the identifiers seen so far) and once more after the last row (every answer "no"
asked again against them all): both happen in one process, so the hash is Python's own string hash
of the identifier's token text (:func:`masking.watermark.membership.token_feature` without its
``t|``), fixed for that process's life. It only answers "does this value occur in the source?": a
false match (odds about n / 2**64) makes a canary be drawn again, never more; the hashes live in
memory only and are never stored. They are kept sorted as they come (:class:`SortedRuns`), so the
end of the pass sorts nothing whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeGuard, cast

import numpy as np
import numpy.typing as npt

from masking.cell_text import round_trip_text
from masking.io.model import Value
from masking.watermark.membership import MIN_TOKEN_CHARS, token_feature
from masking.watermark.sorted_runs import SortedRuns

__all__ = ["SourceIdCollector", "SourceIds", "identifier_hash", "identifier_hashes"]

SourceIds = npt.NDArray[np.int64]


def identifier_hash(text: str) -> int:
    """The hash of an identifier's token text (see the module notes: valid within one process)."""
    return hash(text)


def identifier_hashes(texts: Sequence[str]) -> SourceIds:
    """:func:`identifier_hash` of each token text, as an array (what :meth:`SourceIdCollector.found` asks)."""
    return np.fromiter(map(identifier_hash, texts), dtype=np.int64, count=len(texts))


def _other_hash(value: Value) -> int | None:
    """The hash of a cell that is not a plain digit string, or None when it holds no token."""
    if value is None:
        return None
    if type(value) is int and value >= 10:  # a number cell: its digits
        return hash(str(value))
    text = round_trip_text(value)
    feature = token_feature(text) if text else None
    return hash(feature[2:]) if feature is not None else None


_ID_TOKEN_CHARS = 7  # a digit string and a final X is its own token text from six digits on (token_feature)
_ZERO, _NEWLINE, _X = ord("0"), ord("\n"), ord("X")


def _all_plain_digits(chunk: Sequence[Value]) -> TypeGuard[Sequence[str]]:
    """Whether every cell is a string of at least two ASCII digits (or of at least six and a final
    upper-case X, as a resident ID), each its own token text (a ``Damaged`` one too: its token text is
    its digits), checked in numpy on the bytes of the cells joined, each ending in a newline."""
    texts = cast("Sequence[str]", chunk)  # until join() finds a cell that is not a str
    try:
        joined = "\n".join(texts) + "\n"
    except TypeError:
        return False
    if not texts or not joined.isascii():
        return False
    raw = np.frombuffer(joined.encode("ascii"), dtype=np.uint8)
    ends = np.flatnonzero(raw == _NEWLINE)
    if len(ends) != len(texts):
        return False  # a cell holds a newline
    lengths = np.diff(ends, prepend=-1) - 1
    if int(lengths.min()) < MIN_TOKEN_CHARS:
        return False
    x_last = raw[ends - 1] == _X
    # every byte a digit but the newlines and the final Xs, and a text with an X long enough
    return bool(np.count_nonzero(raw - np.uint8(_ZERO) < 10) + len(ends) + np.count_nonzero(x_last) == len(raw)
                and (not x_last.any() or int(lengths[x_last].min()) >= _ID_TOKEN_CHARS))


class SourceIdCollector:
    """Hashes identifiers a column chunk at a time, kept as sorted runs (:class:`SortedRuns`)."""

    def __init__(self) -> None:
        self._hashes = SortedRuns(np.int64)

    def add(self, chunk: Sequence[Value]) -> None:
        if _all_plain_digits(chunk):  # most identifier columns (account, mobile, meter, ID numbers): in C
            self._hashes.add(np.fromiter(map(identifier_hash, chunk), dtype=np.int64, count=len(chunk)))
            return
        # the common shape in bulk (account, mobile, meter and most ID numbers), then the others
        plain = [hash(v) for v in chunk
                 if type(v) is str and len(v) >= MIN_TOKEN_CHARS and v.isdigit() and v.isascii()]
        other = [h for v in chunk if not (type(v) is str and v.isdigit() and v.isascii())
                 and (h := _other_hash(v)) is not None]
        self._hashes.add(np.array(plain + other, dtype=np.int64))

    def fold(self, *, whole: bool = False) -> None:
        """Sort what was added since the last fold (between batches, so that asking costs little)."""
        self._hashes.fold(whole=whole)

    def found(self, hashes: SourceIds) -> npt.NDArray[np.bool_]:
        """Whether each of ``hashes`` (:func:`identifier_hashes`) is among the identifiers added so far."""
        return self._hashes.found(hashes)

    def result(self) -> SourceIds:
        """The sorted, distinct hashes (the collector is spent afterwards)."""
        return self._hashes.result()
