"""The identifiers a source file holds, as a sorted array of 64-bit hashes: what canary rows must not reuse.

Collected where the input is read anyway (the scan's whole-sheet pass, :func:`masking.detect.scan_workbook`),
so an export needs no pass of its own; carried in the :class:`~masking.detect.ScanReport` and handed to
the transform step (in this process or its worker). The hash is deterministic across processes (a worker
must get the same answer as the scan): a digit string hashes as ``hash((len, int))``, which Python does not
salt; any other text as 8 bytes of BLAKE2b. It only answers "does this value occur in the source?": a
false match (odds about n / 2**64) makes a canary be drawn again, never more; the hashes live in memory
only and are never stored.
"""

from __future__ import annotations

import hashlib
from array import array
from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt

from masking.cell_text import round_trip_text
from masking.io.model import Value
from masking.watermark.membership import MIN_TOKEN_CHARS, sorted_unique, token_feature

__all__ = ["SourceIdCollector", "SourceIds", "collect_source_ids", "identifier_hash", "merge_source_ids", "source_has"]

SourceIds = npt.NDArray[np.int64]
EMPTY: SourceIds = np.zeros(0, np.int64)


def identifier_hash(text: str) -> int:
    """The hash of an identifier's token text (:func:`token_feature` without its ``t|``)."""
    if text.isdigit() and text.isascii():
        return hash((len(text), int(text)))
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big", signed=True)


def _hashes(chunk: Sequence[Value]) -> Iterable[int]:
    # the common shapes in bulk: plain digit strings, and whole numbers (read as their digits)
    for value in chunk:
        if type(value) is str and value.isdigit() and value.isascii():
            if len(value) >= MIN_TOKEN_CHARS:
                yield hash((len(value), int(value)))
        elif type(value) is int and value >= 10:
            yield hash((len(str(value)), value))
        else:
            text = round_trip_text(value)
            feature = token_feature(text) if text else None
            if feature is not None:
                yield identifier_hash(feature[2:])


class SourceIdCollector:
    """Hashes identifiers a chunk at a time (a reader's ``sink``); :meth:`result` sorts them once."""

    def __init__(self) -> None:
        self._hashes = array("q")

    def add(self, chunk: Sequence[Value]) -> None:
        self._hashes.extend(_hashes(chunk))

    def result(self) -> SourceIds:
        """The sorted, distinct hashes (the collector is spent afterwards)."""
        hashes, self._hashes = self._hashes, array("q")
        return sorted_unique(np.frombuffer(hashes, dtype=np.int64), in_place=True) if hashes else EMPTY


def collect_source_ids(chunks: Iterable[Sequence[Value]]) -> SourceIds:
    """The sorted, distinct hashes of every identifier in ``chunks`` of cell values."""
    collector = SourceIdCollector()
    for chunk in chunks:
        collector.add(chunk)
    return collector.result()


def merge_source_ids(parts: Iterable[SourceIds]) -> SourceIds:
    arrays = [part for part in parts if len(part)]
    if not arrays:
        return EMPTY
    return arrays[0] if len(arrays) == 1 else sorted_unique(np.concatenate(arrays), in_place=True)


def source_has(ids: SourceIds, text: str) -> bool:
    """Whether the token text ``text`` occurs among the source's identifiers."""
    hashed = identifier_hash(text)
    at = int(np.searchsorted(ids, hashed))
    return at < len(ids) and int(ids[at]) == hashed
