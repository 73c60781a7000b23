"""The inverted index's entries of one export (what :mod:`masking.server.search` looks fragments up in).

* ``postings``: every token, masked identity and canary fingerprint the export carried, and its canaries'
  monitored phone numbers (a fragment's phone finds every export that carried it);
* ``canary_postings``: its canary rows' fingerprints (weak features counted per fragment row);
* ``profile_postings``: its canary profiles' fresh features (identifier suffixes, readings rounded to 0-2
  decimals), with the canary each belongs to, and its reading marks (:mod:`masking.watermark.profile`,
  :mod:`masking.watermark.reading_marks`): what an informed leaker's fragment still shows once its tokens
  and marks are dead.

The context features of canary profiles are not indexed: they only narrow which rows a canary is
compared with, and a fragment's rows are selected by their fresh features already.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import psycopg

from masking.watermark.profile import CTX, POOL
from masking.watermark.store import TraceData


def all_fingerprints(data: TraceData) -> np.ndarray:
    """The distinct fingerprints of ``postings``, as signed 64-bit integers (PostgreSQL bigint)."""
    monitored = data.profile_fps[data.profile_kinds == POOL]
    joined = np.concatenate([data.tokens, data.masked, data.canary_fps, monitored]).astype(np.uint64)
    return np.unique(joined).view(np.int64)


def profile_entries(data: TraceData) -> list[tuple[int, int]]:
    """The distinct (fingerprint, canary number) entries of ``profile_postings``: every profile entry but
    context and monitored numbers (which ``postings`` holds), fingerprints as signed 64-bit integers."""
    kinds = data.profile_kinds
    keep = (kinds != CTX) & (kinds != POOL)
    fps = data.profile_fps[keep].astype(np.uint64).view(np.int64).tolist()
    return sorted(set(zip(fps, data.profile_ids[keep].astype(np.int64).tolist(), strict=True)))


def _copy(conn: psycopg.Connection[Any], table: str, fps: np.ndarray, export: int) -> None:
    if not len(fps):
        return
    with conn.cursor().copy(f"COPY {table} (fp, export) FROM STDIN") as copy:
        for fp in fps.tolist():
            copy.write_row((fp, export))


def add_postings(conn: psycopg.Connection[Any], export: int, data: TraceData) -> None:
    """Every index entry of the export stored as row ``export`` of ``exports``."""
    _copy(conn, "postings", all_fingerprints(data), export)
    _copy(conn, "canary_postings", np.unique(data.canary_fps).view(np.int64), export)
    add_profile_postings(conn, export, data)


def add_profile_postings(conn: psycopg.Connection[Any], export: int, data: TraceData) -> None:
    entries = profile_entries(data)
    if not entries:
        return
    with conn.cursor().copy("COPY profile_postings (fp, export, canary) FROM STDIN") as copy:
        for fp, canary in entries:
            copy.write_row((fp, export, canary))


def index_held_profiles(conn: psycopg.Connection[Any]) -> int:
    """``profile_postings`` of the exports held before that table existed (schema upgrade); returns how many."""
    count = 0
    for export, trace in conn.execute("SELECT id, trace FROM exports WHERE NOT EXISTS"
                                      " (SELECT 1 FROM profile_postings p WHERE p.export = exports.id) ORDER BY id"
                                      ).fetchall():
        add_profile_postings(conn, int(export), TraceData.from_bytes(bytes(trace)))
        count += 1
    return count
