"""The ledger's exports and their trace data, loaded and indexed once for every trace.

:class:`TraceIndex` loads the exports of a home folder's ledger whose trace data matches their ledger
record (or, at the office's service, the exports its postings selected, :meth:`TraceIndex.of`) and
indexes them per master key: sorted fingerprints of tokens and masked identities with the export each
came from, the canary rows' fingerprints, each export's mark key, and the canary profiles
(:class:`masking.watermark.profile.ProfileIndex`). The scoring modules read it; nothing here scores.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from masking.export_record import export_records
from masking.keys import KeyRing
from masking.watermark.marks import export_mark_key
from masking.watermark.membership import U64
from masking.watermark.profile import ProfileIndex
from masking.watermark.store import TraceData, TraceStore
from masking.workspace import Workspace


@dataclass(frozen=True)
class TracedExport:
    """One export as trace sees it; ``workstation`` and ``user`` are known at the office's service."""

    export_id: str
    recipient: str
    time: str
    key_id: str
    data: TraceData
    workstation: str | None = None
    user: str | None = None


class _Index:
    """Sorted fingerprints of every export (one key), with the export each came from."""

    def __init__(self, parts: Sequence[tuple[int, U64]]) -> None:
        fps = [p for _, p in parts]
        owners = [np.full(len(p), owner, dtype=np.int32) for owner, p in parts]
        all_fps = np.concatenate(fps) if fps else np.zeros(0, np.uint64)
        all_owners = np.concatenate(owners) if owners else np.zeros(0, np.int32)
        order = np.argsort(all_fps)
        self.fps, self.owners = all_fps[order], all_owners[order]

    def owners_of(self, fp: int) -> np.ndarray:
        value = np.uint64(fp)
        lo = int(np.searchsorted(self.fps, value, "left"))
        hi = int(np.searchsorted(self.fps, value, "right"))
        return self.owners[lo:hi]

    def owners_of_each(self, fps: Iterable[int]) -> dict[int, np.ndarray]:
        """:meth:`owners_of` of each fingerprint, found in two searches in C instead of two per
        fingerprint (a whole leaked file of 60,000 rows asks for ~180,000)."""
        keys = list(dict.fromkeys(fps))
        if not keys:
            return {}
        values = np.fromiter(keys, dtype=np.uint64, count=len(keys))
        lows = np.searchsorted(self.fps, values, "left").tolist()
        highs = np.searchsorted(self.fps, values, "right").tolist()
        owners = self.owners
        return {fp: owners[lo:hi] for fp, lo, hi in zip(keys, lows, highs, strict=True)}


@dataclass
class _KeyIndex:
    """Everything trace needs about the exports made under one master key."""

    watermark_key: bytes
    members: list[int]
    tokens: _Index
    masked: _Index
    canary_fps: U64
    canary_owner: np.ndarray
    canary_id: np.ndarray
    canary_strong: np.ndarray
    mark_keys: np.ndarray  # per export (indexed like ``exports``), 0 for other keys
    token_counts: np.ndarray  # tokens each export carried (indexed like ``exports``)
    canaries_held: int  # canary fingerprints of every export held under this key, loaded or not


class TraceIndex:
    """The ledger's exports and their trace data, loaded and indexed once (reuse it across traces).

    ``held`` is how many exports the union bound counts: every export in the ledger here; at the
    office's service, every export it holds, though only those that can score are loaded (:meth:`of`);
    ``canaries_held`` likewise counts the canary fingerprints of every export held, per key."""

    def __init__(self, home: Path, ring: KeyRing) -> None:
        exports, notes = _load_exports(home, ring)
        keys = {key_id: ring.by_id(key_id).subkey("watermark") for key_id in {e.key_id for e in exports}}
        self._build(exports, keys, notes, len(exports), {})

    @classmethod
    def of(cls, exports: Sequence[TracedExport], watermark_keys: Mapping[str, bytes], *, held: int,
           canaries_held: Mapping[str, int] | None = None, notes: Sequence[str] = ()) -> TraceIndex:
        index = cls.__new__(cls)
        index._build(list(exports), dict(watermark_keys), list(notes), max(held, len(exports)),
                     dict(canaries_held or {}))
        return index

    def _build(self, exports: list[TracedExport], watermark_keys: dict[str, bytes], notes: list[str],
               held: int, canaries_held: dict[str, int]) -> None:
        self.exports, self.notes, self.held = exports, notes, held
        self.watermark_keys = watermark_keys
        self.by_id = {e.export_id: i for i, e in enumerate(self.exports)}
        self.keys: dict[str, _KeyIndex] = {}
        for key_id in sorted({e.key_id for e in self.exports}):
            watermark_key = watermark_keys[key_id]
            members = [i for i, e in enumerate(self.exports) if e.key_id == key_id]
            datas = [(i, self.exports[i].data) for i in members]
            mark_keys = np.zeros(len(self.exports), dtype=np.uint64)
            for i in members:
                mark_keys[i] = export_mark_key(watermark_key, self.exports[i].export_id)
            canaries = sum(len(d.canary_fps) for _, d in datas)
            self.keys[key_id] = _KeyIndex(
                watermark_key, members, _Index([(i, d.tokens) for i, d in datas]),
                _Index([(i, d.masked) for i, d in datas]),
                np.concatenate([d.canary_fps for _, d in datas]),
                np.concatenate([np.full(len(d.canary_fps), i, np.int32) for i, d in datas]),
                np.concatenate([d.canary_ids for _, d in datas]),
                np.concatenate([d.canary_strong for _, d in datas]), mark_keys,
                np.array([len(e.data.tokens) for e in self.exports], dtype=np.int64),
                max(canaries, canaries_held.get(key_id, 0)))
        self.profiles = {key_id: _profile_index(self.exports, key.members) for key_id, key in self.keys.items()}


def _load_exports(home: Path, ring: KeyRing) -> tuple[list[TracedExport], list[str]]:
    notes: list[str] = []
    ledger = Workspace(home).ledger(ring)
    records = {record.export_id: (entry, record) for entry, record in export_records(ledger)}
    known = {key.key_id for key in ring.keys}
    exports: list[TracedExport] = []
    for stored in TraceStore(home).load_all():
        found = records.get(stored.export_id)
        if found is None:
            notes.append(f"trace data of {stored.export_id} has no ledger record; ignored")
            continue
        entry, record = found
        if record.trace.sha256 != stored.sha256:
            notes.append(f"trace data of {stored.export_id} does not match its ledger record; ignored")
            continue
        if stored.key_id not in known:
            notes.append(f"export {stored.export_id} was made with key {stored.key_id}, not in this keystore")
            continue
        exports.append(TracedExport(stored.export_id, record.recipient, entry.time, stored.key_id, stored.data))
    return exports, notes


def _profile_index(exports: Sequence[TracedExport], members: Sequence[int]) -> ProfileIndex:
    return ProfileIndex([(i, exports[i].data.profile_fps, exports[i].data.profile_ids, exports[i].data.profile_kinds,
                          exports[i].data.profile_slots) for i in members])
