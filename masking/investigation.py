"""An investigator's work, as both front ends do it: trace a leak, then file a report; each step is
recorded (``trace`` and ``report`` events), like every other operation.

A trace of this workstation's own ledger (:func:`investigate`) is recorded in that ledger; a trace at
the office's evidence service (``masking.evidence.remote_trace.investigate_at_service``) is recorded
by the service. :func:`file_report` writes the report and hands its record to a :data:`Recorder`:
:func:`ledger_recorder` here, ``service_recorder`` there.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from masking.errors import OutputError
from masking.events import EventRecord, ReportSaved, TraceRun
from masking.export_record import export_records
from masking.keys import KeyRing
from masking.report import (
    Document,
    Language,
    LeakedSource,
    RecordedExport,
    ReportFacts,
    build_report,
    recorded_exports,
    write_report,
)
from masking.watermark.trace import TraceReport, trace_file
from masking.workspace import Workspace


@dataclass(frozen=True)
class Investigation:
    """A finished trace: what was traced, what trace found, and the export records it points at."""

    source: LeakedSource
    report: TraceReport
    records: Mapping[str, RecordedExport]
    service: str | None = None  # the evidence service traced at; None: this workstation's ledger

    def facts(self, investigator: str, created: dt.datetime | None = None) -> ReportFacts:
        return ReportFacts(self.source, investigator.strip(), created or dt.datetime.now().astimezone(),
                           self.records, self.service)

    def document(self, investigator: str, language: Language, created: dt.datetime | None = None) -> Document:
        return build_report(self.report, self.facts(investigator, created), language)


Recorder = Callable[[EventRecord], object]  # keeps one record of an investigator's step


def ledger_recorder(home: Path, ring: KeyRing) -> Recorder:
    """Record in this home's audit ledger."""
    def record(event: EventRecord) -> None:
        event.append_to(Workspace(home).ledger(ring))
    return record


def investigate(source: Path | str, home: Path, ring: KeyRing, *, encoding: str | None = None) -> Investigation:
    """Trace ``source`` (a file, or pasted text) against this home's ledger and record the trace;
    ``encoding`` names a text file's codec (detected otherwise)."""
    leaked = LeakedSource.of(source)
    report = trace_file(source, home, ring, encoding=encoding)
    ledger = Workspace(home).ledger(ring)
    named = tuple(c.export_id for c in report.named)
    TraceRun(leaked_name=leaked.name or "", leaked_sha256=leaked.sha256, rows=report.rows,
             exports_tested=report.exports_tested, named=named,
             p_value=report.named[0].p_value if named else None).append_to(ledger)
    return Investigation(leaked, report, recorded_exports(export_records(ledger)))


def file_report(investigation: Investigation, path: Path, record: Recorder, *, investigator: str,
                language: Language, overwrite: bool = False, created: dt.datetime | None = None) -> ReportSaved:
    """Write the report (PDF or HTML by ``path``'s suffix) and record that it was saved, with its SHA-256.

    A report that cannot be recorded is not left behind: the record is what makes it evidence."""
    document = investigation.document(investigator, language, created)
    fmt = write_report(document, path, overwrite=overwrite)
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as error:
        raise OutputError(f"{path.name}: written, but cannot be read back ({error.strerror})") from None
    saved = ReportSaved(report_name=path.name, report_sha256=digest, format=fmt, investigator=investigator.strip(),
                        leaked_sha256=investigation.source.sha256,
                        named=tuple(c.export_id for c in investigation.report.named))
    try:
        record(saved)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return saved
