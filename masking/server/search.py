"""Trace at the office: candidates from the inverted index, then the very same scoring as a local trace.

``postings`` maps each keyed fingerprint to the exports that carried it and ``canary_postings`` those
of canary rows (B-trees on ``(fp, export)``, read index-only). One query per key finds the exports
:class:`masking.watermark.trace.FragmentLookup` says can score: any holder of one of the fragment's
tokens, any export covering enough of its rows, any export whose canaries hold enough of one row's
weak features, and (``profile_postings``, :mod:`masking.server.postings`) any export whose canary profiles
hold, in one canary, a fresh feature of each type one comparable row shows, or one of the fragment's
reading marks. Only those are loaded and scored; the union bound still counts every export held.
So the cost follows the fragment (its fingerprints' posting lists), not the number of exports.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import psycopg

from masking.ledger import LedgerEntry
from masking.watermark.store import TraceData
from masking.watermark.trace import (
    Fragment,
    FragmentLookup,
    TracedExport,
    TraceIndex,
    TraceReport,
    fragment_lookup,
    trace_fragment,
)

_CANDIDATES = """
WITH f AS (SELECT * FROM unnest(%(fps)s::bigint[], %(rows)s::int[], %(token)s::bool[], %(cover)s::bool[],
                                %(weak)s::bool[]) AS f(fp, row_no, token, cover, weak)),
hits AS (
    SELECT p.export, f.row_no, bool_or(f.token) AS token, bool_or(f.cover) AS cover, 0 AS weak
      FROM f JOIN postings p ON p.fp = f.fp WHERE f.token OR f.cover GROUP BY p.export, f.row_no
    UNION ALL
    SELECT c.export, f.row_no, false, false, count(*) FROM f JOIN canary_postings c ON c.fp = f.fp
     WHERE f.weak GROUP BY c.export, f.row_no)
SELECT export FROM hits GROUP BY export
HAVING bool_or(token) OR count(DISTINCT row_no) FILTER (WHERE cover) >= %(need)s OR max(weak) >= %(min_weak)s
UNION
SELECT p.export FROM unnest(%(p_fps)s::bigint[], %(p_rows)s::int[], %(p_kinds)s::int[], %(p_need)s::int[])
                     AS g(fp, row_no, kind, need) JOIN profile_postings p ON p.fp = g.fp
 GROUP BY p.export, p.canary, g.row_no HAVING count(DISTINCT g.kind) >= max(g.need)
"""


def _signed(values: tuple[int, ...]) -> list[int]:
    return np.array(values, dtype=np.uint64).view(np.int64).tolist()  # type: ignore[no-any-return]


def candidate_exports(conn: psycopg.Connection[Any], lookup: FragmentLookup) -> list[int]:
    """The exports that can score against the fragment under one key (see the module's docstring)."""
    if not lookup.fps and not lookup.profile_fps:
        return []
    rows = conn.execute(_CANDIDATES, {
        "fps": _signed(lookup.fps), "rows": list(lookup.rows), "token": list(lookup.token),
        "cover": list(lookup.cover), "weak": list(lookup.weak), "need": lookup.need,
        "min_weak": lookup.min_weak, "p_fps": _signed(lookup.profile_fps), "p_rows": list(lookup.profile_rows),
        "p_kinds": list(lookup.profile_kinds), "p_need": list(lookup.profile_need)}).fetchall()
    return [int(r[0]) for r in rows]


def trace_at_service(conn: psycopg.Connection[Any], fragment: Fragment) -> TraceReport:
    keys = {str(k): bytes(v) for k, v in conn.execute("SELECT key_id, watermark_key FROM trace_keys")}
    held = 0
    canaries_held: dict[str, int] = {}
    for key_id, count, canaries in conn.execute("SELECT key_id, count(*), sum(canaries) FROM exports GROUP BY key_id"):
        held += int(count)
        canaries_held[str(key_id)] = int(canaries or 0)
    ids: set[int] = set()
    for watermark_key in keys.values():
        ids.update(candidate_exports(conn, fragment_lookup(fragment, watermark_key)))
    exports: list[TracedExport] = []
    for export_id, recipient, time, key_id, trace, workstation, user in conn.execute(
            "SELECT e.export_id, e.recipient, e.time, e.key_id, e.trace, w.name, e.user_name FROM exports e"
            " JOIN workstations w ON w.id = e.workstation_id WHERE e.id = ANY(%s) AND e.key_id = ANY(%s)"
            " ORDER BY e.id", (sorted(ids), sorted(keys))):
        exports.append(TracedExport(export_id, recipient, time, key_id, TraceData.from_bytes(bytes(trace)),
                                    workstation, user))
    notes = [] if keys else ["the service holds no watermark keys yet ('exportguard server keys')"]
    return trace_fragment(fragment, TraceIndex.of(exports, keys, held=held, canaries_held=canaries_held, notes=notes))


def export_entries(conn: psycopg.Connection[Any], export_ids: list[str]) -> dict[str, dict[str, Any]]:
    """The ledger record of each export, as the workstation sent it (``LedgerEntry.to_json``), so a
    report made at the office rests on the very record the export's hash chain holds."""
    found: dict[str, dict[str, Any]] = {}
    for export_id, ledger, seq, event, time, body, prev, digest, key_id, mac in conn.execute(
            "SELECT e.export_id, w.ledger, r.seq, r.event, r.time, r.body, r.prev_hash, r.hash, r.key_id, r.mac"
            " FROM exports e JOIN records r ON r.id = e.record_id JOIN workstations w ON w.id = e.workstation_id"
            " WHERE e.export_id = ANY(%s) ORDER BY e.id", (export_ids,)):
        found.setdefault(str(export_id), LedgerEntry(str(ledger), int(seq), str(event), str(time), json.loads(body),
                                                     str(prev), str(digest), str(key_id), str(mac)).to_json())
    return found
