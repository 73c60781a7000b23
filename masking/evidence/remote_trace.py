"""Trace a leaked fragment at the office's service: the fragment is read here, its rows go to the
service with an investigator's token, and the answer is the local trace's report plus each
candidate's workstation and user, and the ledger record of each candidate as the service holds it.

The service records the trace itself (its ``queries``) and, through :func:`service_recorder`, the
reports filed on it, so an investigation made at the office leaves its trail where employees cannot
reach it; a trace of this workstation's own ledger is recorded in that ledger instead
(:mod:`masking.investigation`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from masking.errors import IntegrityProblem
from masking.events import EventRecord
from masking.evidence.client import ServiceAccess
from masking.export_record import EXPORT_EVENT, ExportRecord
from masking.investigation import Investigation, Recorder
from masking.ledger import LedgerEntry
from masking.report import LeakedSource, RecordedExport
from masking.watermark.trace import TraceReport, read_fragment

TRACE_TIMEOUT = 120.0


def trace_at_server(source: Path | str, access: ServiceAccess, *, encoding: str | None = None) -> dict[str, Any]:
    """The service's answer as it came: the local trace's JSON, plus ``records`` (export id -> ledger entry)."""
    fragment = read_fragment(source, encoding)
    body = json.dumps({"rows": [list(row) for row in fragment.rows], "properties": fragment.properties},
                      ensure_ascii=False).encode()
    answer = access.request("POST", "/v1/trace", body, timeout=TRACE_TIMEOUT)
    if "candidates" not in answer or "verdict" not in answer:
        raise IntegrityProblem("the service's answer is not a trace report")
    return answer


def investigate_at_service(source: Path | str, access: ServiceAccess, *,
                           encoding: str | None = None) -> Investigation:
    """Trace ``source`` across every workstation's exports at the office's service."""
    leaked = LeakedSource.of(source)
    answer = trace_at_server(source, access, encoding=encoding)
    try:
        report = TraceReport.from_dict(answer)
    except ValueError:
        raise IntegrityProblem("the service's answer is not a trace report") from None
    return Investigation(leaked, report, _records(answer.get("records")), service=access.url)


def _records(raw: object) -> dict[str, RecordedExport]:
    """The candidates' ledger records the service sent; one whose contents do not match its hash is left
    out (the report then says the record is missing rather than state what it cannot stand behind)."""
    found: dict[str, RecordedExport] = {}
    if not isinstance(raw, Mapping):
        return found
    for export_id, data in raw.items():
        try:
            entry = LedgerEntry.from_json(data)
            record = ExportRecord.from_dict(entry.body)
        except (ValueError, KeyError, TypeError):
            continue
        if entry.event == EXPORT_EVENT and entry.intact and record.export_id == export_id:
            found[str(export_id)] = (entry, record)
    return found


def service_recorder(access: ServiceAccess) -> Recorder:
    """Record an investigator's step (a saved report) at the service, beside the trace it recorded."""
    def record(event: EventRecord) -> None:
        access.request("POST", "/v1/reports", json.dumps(event.to_dict(), ensure_ascii=False).encode(),
                       timeout=30)
    return record
