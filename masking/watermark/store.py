"""Per-export trace data (keyed fingerprints only) in a side table beside the audit ledger.

``trace.sqlite`` in the home folder holds one row per export: the sorted fingerprints of the tokens
and identifiers it carried (membership), of the identities of its masked cells, and of its canary
rows. The SHA-256 of each blob is written into the export's ledger record, so the hash chain covers
it: trace refuses trace data whose hash does not match the ledger.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from masking.errors import InputError, OutputError
from masking.watermark.membership import U64

TRACE_FILE = "trace.sqlite"
_MAGIC_V1 = b"EGTRACE1"
_MAGIC = b"EGTRACE2"  # v1 and the canary profiles (masking.watermark.profile)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS trace (export_id TEXT PRIMARY KEY, key_id TEXT NOT NULL, sha256 TEXT NOT NULL,
                                  data BLOB NOT NULL);
"""


def _empty() -> U64:
    return np.zeros(0, dtype=np.uint64)


@dataclass(frozen=True)
class TraceData:
    """What trace needs to find one export again: sorted unique 64-bit keyed fingerprints.

    ``canary_fps[i]`` belongs to canary row ``canary_ids[i]``; ``canary_strong[i]`` says whether it
    is a token (a unique identifier) or a weak feature (a masked identity or a measurement).
    ``profile_fps[i]`` is a feature of canary ``profile_ids[i]`` that survives an informed leaker, of
    type ``profile_kinds[i]`` and in the canary's column slot ``profile_slots[i]``
    (:mod:`masking.watermark.profile`; monitored phone numbers are of type ``POOL``).
    """

    tokens: U64
    masked: U64
    canary_fps: U64
    canary_ids: np.ndarray
    canary_strong: np.ndarray
    profile_fps: U64 = field(default_factory=_empty)
    profile_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint32))
    profile_kinds: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint8))
    profile_slots: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint8))

    @property
    def canaries(self) -> int:
        return int(self.canary_ids.max()) + 1 if len(self.canary_ids) else 0

    def to_bytes(self) -> bytes:
        counts = np.array([len(self.tokens), len(self.masked), len(self.canary_fps), len(self.profile_fps)],
                          dtype="<u8")
        return b"".join((_MAGIC, counts.tobytes(), self.tokens.astype("<u8").tobytes(),
                         self.masked.astype("<u8").tobytes(), self.canary_fps.astype("<u8").tobytes(),
                         self.canary_ids.astype("<u4").tobytes(), self.canary_strong.astype("u1").tobytes(),
                         self.profile_fps.astype("<u8").tobytes(), self.profile_ids.astype("<u4").tobytes(),
                         self.profile_kinds.astype("u1").tobytes(), self.profile_slots.astype("u1").tobytes()))

    @classmethod
    def from_bytes(cls, blob: bytes) -> TraceData:
        version2 = blob.startswith(_MAGIC)
        fields = 4 if version2 else 3
        if not (version2 or blob.startswith(_MAGIC_V1)) or len(blob) < len(_MAGIC) + 8 * fields:
            raise InputError("trace data in an unknown format")
        at = len(_MAGIC)
        counts = [int(n) for n in np.frombuffer(blob, "<u8", fields, at)]
        n_tokens, n_masked, n_canary = counts[:3]
        n_profile = counts[3] if version2 else 0
        at += 8 * fields
        if len(blob) != at + 8 * (n_tokens + n_masked + n_canary) + 5 * n_canary + 14 * n_profile:
            raise InputError("trace data truncated")
        arrays = []
        for count in (n_tokens, n_masked, n_canary):
            arrays.append(np.frombuffer(blob, "<u8", count, at).astype(np.uint64))
            at += 8 * count
        ids = np.frombuffer(blob, "<u4", n_canary, at).astype(np.uint32)
        strong = np.frombuffer(blob, "u1", n_canary, at + 4 * n_canary).astype(np.bool_)
        at += 5 * n_canary
        profile = np.frombuffer(blob, "<u8", n_profile, at).astype(np.uint64)
        at += 8 * n_profile
        profile_ids = np.frombuffer(blob, "<u4", n_profile, at).astype(np.uint32)
        at += 4 * n_profile
        kinds = np.frombuffer(blob, "u1", n_profile, at).astype(np.uint8)
        slots = np.frombuffer(blob, "u1", n_profile, at + n_profile).astype(np.uint8)
        return cls(arrays[0], arrays[1], arrays[2], ids, strong, profile, profile_ids, kinds, slots)

    @classmethod
    def empty(cls) -> TraceData:
        return cls(_empty(), _empty(), _empty(), np.zeros(0, np.uint32), np.zeros(0, np.bool_))


@dataclass(frozen=True)
class StoredTrace:
    export_id: str
    key_id: str
    sha256: str
    data: TraceData


class TraceStore:
    """The side table of trace data in ``home``."""

    def __init__(self, home: Path) -> None:
        self.path = home / TRACE_FILE

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            with closing(sqlite3.connect(self.path, timeout=30)) as db:
                db.executescript(_SCHEMA)
                yield db
                db.commit()
        except sqlite3.DatabaseError as error:
            raise OutputError(f"{self.path}: trace data not usable ({error})") from None

    def save(self, export_id: str, key_id: str, data: TraceData) -> str:
        """Store one export's trace data; return its SHA-256 (hex) for the ledger record."""
        blob = data.to_bytes()
        digest = hashlib.sha256(blob).hexdigest()
        with self._connect() as db:
            db.execute("INSERT INTO trace (export_id, key_id, sha256, data) VALUES (?, ?, ?, ?)",
                       (export_id, key_id, digest, blob))
        return digest

    def save_many(self, records: list[tuple[str, str, TraceData]]) -> list[str]:
        """Several at once (one transaction); used to seed large ledgers in tests and benchmarks."""
        rows = []
        for export_id, key_id, data in records:
            blob = data.to_bytes()
            rows.append((export_id, key_id, hashlib.sha256(blob).hexdigest(), blob))
        with self._connect() as db:
            db.executemany("INSERT INTO trace (export_id, key_id, sha256, data) VALUES (?, ?, ?, ?)", rows)
        return [row[2] for row in rows]

    def blob(self, export_id: str) -> bytes | None:
        """One export's stored trace data as bytes (what its ledger record's SHA-256 covers), if present."""
        if not self.path.exists():
            return None
        with self._connect() as db:
            row = db.execute("SELECT data FROM trace WHERE export_id = ?", (export_id,)).fetchone()
        return None if row is None else bytes(row[0])

    def load_all(self) -> Iterator[StoredTrace]:
        """Every stored export; a blob whose bytes do not hash to its recorded SHA-256 is skipped."""
        if not self.path.exists():
            return
        with self._connect() as db:
            rows = db.execute("SELECT export_id, key_id, sha256, data FROM trace").fetchall()
        for export_id, key_id, sha256, blob in rows:
            if hashlib.sha256(blob).hexdigest() != sha256:
                continue
            yield StoredTrace(export_id, key_id, sha256, TraceData.from_bytes(blob))
