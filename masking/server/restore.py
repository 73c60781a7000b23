"""The originals an export sealed to the office, as the service holds them (``GET /v1/sealed``).

The service cannot open them (only the office's decryption key does); it hands the blob, with the
export's ledger record it was checked against on arrival, to an investigator's or admin's app, which
checks both again and opens the blob with the office's key (``decrypt --office DIR --server URL``).
"""

from __future__ import annotations

import base64
import json
from typing import Any

import psycopg

from masking.ledger import LedgerEntry


def sealed_export(conn: psycopg.Connection[Any], *, export_id: str | None = None,
                  sha256: str | None = None) -> dict[str, Any] | None:
    """The newest export with sealed originals that has this export id or wrote a file with this SHA-256:
    ``{"entry": its ledger record, "workstation": the office's name for it, "sealed": base64 blob}``."""
    if not export_id and not sha256:
        return None
    row = conn.execute(
        "SELECT w.name, w.ledger, r.seq, r.event, r.time, r.body, r.prev_hash, r.hash, r.key_id, r.mac, s.blob"
        " FROM sealed s JOIN records r ON r.id = s.record_id JOIN workstations w ON w.id = r.workstation_id"
        " WHERE (%(id)s::text IS NULL OR s.export_id = %(id)s)"
        " AND (%(sha)s::text IS NULL OR s.outputs @> ARRAY[%(sha)s::text])"
        " ORDER BY s.record_id DESC LIMIT 1", {"id": export_id or None, "sha": sha256 or None}).fetchone()
    if row is None:
        return None
    entry = LedgerEntry(str(row[1]), int(row[2]), str(row[3]), str(row[4]), json.loads(row[5]), str(row[6]),
                        str(row[7]), str(row[8]), str(row[9]))
    return {"entry": entry.to_json(), "workstation": str(row[0]),
            "sealed": base64.b64encode(bytes(row[10])).decode("ascii")}
