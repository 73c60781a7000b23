"""The office's audit trail: the records every workstation sent, as an auditor reads them, newest first,
a page at a time (the cursor is the service's own order of arrival, so a page never repeats or skips a
record while others arrive)."""

from __future__ import annotations

import json
from typing import Any

import psycopg


def trail(conn: psycopg.Connection[Any], *, workstation: str | None = None, event: str | None = None,
          employee: str | None = None, limit: int = 10_000, before: int | None = None) -> dict[str, Any]:
    """The newest ``limit`` records (optionally of one workstation, event kind or employee) received before
    the record ``before`` names, each with the workstation's name at the office, the chain it belongs to,
    the time the service received it and the problem it was stored flagged with (``flag``; ``resolved``
    once an admin has seen it). ``older``: the cursor for the next older page (its ``before``), None when
    this page holds the oldest record asked for."""
    rows = conn.execute(
        "SELECT w.name, w.ledger, r.seq, r.event, r.time, r.received, r.body, r.prev_hash, r.hash, r.key_id, r.mac,"
        " r.flag, r.resolved, r.id FROM records r JOIN workstations w ON w.id = r.workstation_id"
        " WHERE (%(ws)s::text IS NULL OR w.name = %(ws)s) AND (%(event)s::text IS NULL OR r.event = %(event)s)"
        " AND (%(employee)s::text IS NULL OR r.body::jsonb ->> 'user' = %(employee)s)"
        " AND (%(before)s::bigint IS NULL OR r.id < %(before)s)"
        " ORDER BY r.id DESC LIMIT %(limit)s",
        {"ws": workstation, "event": event, "employee": employee, "limit": limit + 1, "before": before}).fetchall()
    entries = [{"workstation": r[0], "ledger": r[1], "seq": r[2], "event": r[3], "time": r[4],
                "received": r[5].isoformat(timespec="seconds"), "body": json.loads(r[6]), "prev_hash": r[7],
                "hash": r[8], "key_id": r[9], "mac": r[10], "flag": r[11], "resolved": r[12] is not None}
               for r in rows[:limit]]
    return {"entries": entries, "older": int(rows[limit - 1][13]) if len(rows) > limit else None}
