"""The office's audit trail: the records every workstation sent, as an auditor reads them."""

from __future__ import annotations

import json
from typing import Any

import psycopg


def trail(conn: psycopg.Connection[Any], *, workstation: str | None = None, event: str | None = None,
          employee: str | None = None, limit: int = 10_000) -> list[dict[str, Any]]:
    """The newest ``limit`` records (optionally of one workstation, event kind or employee), each with the
    workstation's name at the office, the chain it belongs to, the time the service received it and
    the problem it was stored flagged with (``flag``; ``resolved`` once an admin has seen it)."""
    rows = conn.execute(
        "SELECT w.name, w.ledger, r.seq, r.event, r.time, r.received, r.body, r.prev_hash, r.hash, r.key_id, r.mac,"
        " r.flag, r.resolved FROM records r JOIN workstations w ON w.id = r.workstation_id"
        " WHERE (%(ws)s::text IS NULL OR w.name = %(ws)s) AND (%(event)s::text IS NULL OR r.event = %(event)s)"
        " AND (%(employee)s::text IS NULL OR r.body::jsonb ->> 'user' = %(employee)s)"
        " ORDER BY r.id DESC LIMIT %(limit)s",
        {"ws": workstation, "event": event, "employee": employee, "limit": limit}).fetchall()
    return [{"workstation": r[0], "ledger": r[1], "seq": r[2], "event": r[3], "time": r[4],
             "received": r[5].isoformat(timespec="seconds"), "body": json.loads(r[6]), "prev_hash": r[7],
             "hash": r[8], "key_id": r[9], "mac": r[10], "flag": r[11], "resolved": r[12] is not None}
            for r in rows]
