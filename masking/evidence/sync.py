"""Reporting this workstation's ledger to the office's evidence service, and the unsynced limit.

The queue is the ledger itself: every own record above the sequence number the service acknowledged
(``service.json``) is still to be sent, with its trace data and the originals it sealed to the office,
signed by the workstation's identity.
A home put back from an older copy also puts back an older acknowledgement, so its new records reuse
sequence numbers the service already holds: the service stores them flagged (a fork) and says so,
and the workstation carries on; an admin clears it (``server resolve``).
"""

from __future__ import annotations

import datetime as dt
import getpass
import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from masking.approval import Approval
from masking.errors import ExportGuardError, PolicyError, ServiceUnreachable
from masking.evidence.client import DEFAULT_TIMEOUT, Refused, ServiceClient, normalise_url
from masking.evidence.envelope import (
    SIGNATURE_HEADER,
    EnrollRequest,
    ReportedRecord,
    encode_announce,
    encode_consume,
    encode_enroll,
    encode_records,
)
from masking.evidence.identity import load_identity, load_or_create_identity
from masking.evidence.link import ServiceLink, load_link, save_link
from masking.export_record import EXPORT_EVENT, ExportRecord
from masking.keys import KeyRing
from masking.ledger import CLOCK_TOLERANCE, Ledger, LedgerEntry
from masking.policy import Policy
from masking.sealed import SealedStore
from masking.violations import Violation, violation
from masking.watermark.store import TraceStore

BATCH_RECORDS = 200
AFTER_EXPORT_TIMEOUT = 5.0  # an export waits at most this long for the service before queueing


@dataclass(frozen=True)
class SyncResult:
    url: str
    sent: int
    pending: int
    flagged: tuple[dict[str, Any], ...]  # the service's notes on records it stored flagged

    def as_dict(self) -> dict[str, Any]:
        return {"server": self.url, "sent": self.sent, "pending": self.pending, "flagged": list(self.flagged)}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def unsynced(ledger: Ledger, link: ServiceLink) -> list[LedgerEntry]:
    """This workstation's own records the service has not acknowledged, oldest first."""
    own = [e for e in ledger.entries() if e.workstation == ledger.workstation and e.seq > link.acked_seq]
    return sorted(own, key=lambda e: e.seq)


@dataclass(frozen=True)
class SyncState:
    """How far this enrolled workstation has reported: what the Audit page shows."""

    url: str
    name: str  # the office's name for this workstation
    pending: int  # own records the service has not acknowledged
    pending_exports: int
    last_sync: str  # UTC, ISO; "" before the first


def sync_state(home: Path, ledger: Ledger) -> SyncState | None:
    """None when this home is not enrolled (its records stay here only)."""
    link = load_link(home)
    if link is None:
        return None
    waiting = unsynced(ledger, link)
    return SyncState(link.url, link.name, len(waiting), sum(e.event == EXPORT_EVENT for e in waiting), link.last_sync)


def _reported(home: Path, entry: LedgerEntry, store: TraceStore) -> ReportedRecord:
    """A record with its export's trace data and the originals it sealed to the office, when it has them."""
    if entry.event != EXPORT_EVENT:
        return ReportedRecord(entry, None)
    export = ExportRecord.from_dict(entry.body)
    reported = ReportedRecord(entry, store.blob(export.export_id))
    digest = reported.sealed_sha256
    if digest is None:
        return reported
    return ReportedRecord(entry, reported.trace, SealedStore(home).reported(export.export_id, digest))


def sync(home: Path, ring: KeyRing, ledger: Ledger, *, timeout: float = DEFAULT_TIMEOUT) -> SyncResult | None:
    """Send every unacknowledged record; None when this home is not enrolled."""
    link = load_link(home)
    if link is None:
        return None
    identity = load_identity(home, ring)
    client = ServiceClient(link.url, ca_file=link.ca_file, timeout=timeout)
    entries = unsynced(ledger, link)
    store = TraceStore(home)
    sent = 0
    flagged: list[dict[str, Any]] = []
    for start in range(0, len(entries), BATCH_RECORDS):
        batch = entries[start:start + BATCH_RECORDS]
        records = [_reported(home, e, store) for e in batch]
        body, signature = encode_records(link.workstation_id, records, identity)
        try:
            answer = client.request("POST", "/v1/records", body, {SIGNATURE_HEADER: signature})
        except Refused as refusal:
            through = refusal.answer.get("stored_through")
            if refusal.answer.get("policy_refused") and isinstance(through, int) and through > link.acked_seq:
                save_link(home, link.acknowledged(through, _now().isoformat(timespec="seconds")))
            if not refusal.answer.get("replayed"):  # a lost reply: the service already holds every one
                raise
            answer = refusal.answer
        flagged.extend(item for item in answer.get("flagged", []) if isinstance(item, dict))
        sent += len(batch)
        link = link.acknowledged(batch[-1].seq, _now().isoformat(timespec="seconds"))
        save_link(home, link)
    return SyncResult(link.url, sent, 0, tuple(flagged))


def enroll(home: Path, ring: KeyRing, ledger: Ledger, url: str, code: str, *,
           ca_file: str | None = None) -> tuple[ServiceLink, SyncResult]:
    """Join the office's service with its one-time code, then upload the existing ledger."""
    client = ServiceClient(normalise_url(url), ca_file=ca_file)
    identity = load_or_create_identity(home, ring)
    body, signature = encode_enroll(EnrollRequest(code.strip(), identity.public, ledger.workstation,
                                                  socket.gethostname(), getpass.getuser()), identity)
    answer = client.request("POST", "/v1/enroll", body, {SIGNATURE_HEADER: signature})
    link = ServiceLink(client.url, int(answer["workstation_id"]), str(answer["name"]),
                       _now().isoformat(timespec="seconds"), ca_file=ca_file)
    save_link(home, link)
    result = sync(home, ring, ledger)
    assert result is not None  # noqa: S101 (the link was saved just above)
    return load_link(home) or link, result


def require_within_limit(home: Path, policy: Policy, ledger: Ledger, *,
                         clock: Callable[[], dt.datetime] = _now) -> None:
    """Refuse a further export when an enrolled workstation has kept too much from the service, or when its
    clock is behind a record it has not sent yet (set back, to look within the limits or an approval
    code's validity). Once its records have left, the service judges their times by its own clock: a
    clock that was wrong and is right again is not locked out by the records it dated."""
    link = load_link(home)
    if link is None:
        return
    now = clock()
    waiting = unsynced(ledger, link)
    newest = max((dt.datetime.fromisoformat(e.time) for e in waiting), default=None)
    if newest is not None and now < newest - CLOCK_TOLERANCE:
        raise PolicyError.of(violation("clock_behind", now=_iso(now), newest=_iso(newest)))
    exports = [e for e in waiting if e.event == EXPORT_EVENT]
    if not exports:
        return
    found: Violation | None = None
    limit = policy.max_unsynced_exports
    if limit is not None and len(exports) >= limit:
        found = violation("unsynced_exports", count=str(len(exports)), limit=str(limit))
    hours = policy.max_unsynced_hours
    if found is None and hours is not None:
        oldest = dt.datetime.fromisoformat(exports[0].time)
        if now - oldest > dt.timedelta(hours=hours):
            found = violation("unsynced_hours", hours=f"{hours:g}")
    if found is not None:
        raise PolicyError(f"refused by policy: {found.text}", (found,))


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")


def consume_at_service(home: Path, ring: KeyRing, approval: Approval, export_id: str) -> str:
    """Consume an approval code at the office's service before the export's output is committed.

    ``consumed``; ``standalone`` (not enrolled) or ``offline`` (unreachable): the code is consumed in
    this home's ledger only, and the service sees a reuse from a copied home when the records arrive
    (it flags the later export). A code another export already consumed, or one that has expired by the
    service's clock (a workstation clock set back does not stretch a code), is refused (``PolicyError``),
    and the export leaves nothing behind.
    """
    link = load_link(home)
    if link is None:
        return "standalone"
    body, signature = encode_consume(link.workstation_id, approval.code_id, export_id, load_identity(home, ring),
                                     expires=approval.as_dict()["expires"])
    try:
        ServiceClient(link.url, ca_file=link.ca_file, timeout=AFTER_EXPORT_TIMEOUT).request(
            "POST", "/v1/approvals/consume", body, {SIGNATURE_HEADER: signature})
    except ServiceUnreachable:
        return "offline"
    except Refused as refusal:
        used = refusal.answer.get("approval_used")
        if isinstance(used, dict):
            raise PolicyError.of(violation("approval_used", time=str(used.get("time")),
                                           export_id=str(used.get("export_id")))) from None
        expired = refusal.answer.get("approval_expired")
        if isinstance(expired, dict):
            raise PolicyError.of(violation("approval_expired", expires=str(expired.get("expires")),
                                           now=str(expired.get("now")))) from None
        raise
    return "consumed"


def announce_at_service(home: Path, ring: KeyRing, export_id: str, *, offline_allowed: bool) -> str:
    """Tell the office's service an export is about to commit its output, before it does.

    ``server check`` reports an announced export whose record never arrives (an export made, then its
    home put back or its queue deleted). ``announced``; ``standalone`` (not enrolled); ``offline`` (the
    service cannot be reached and the policy allows offline exports); otherwise ``ServiceUnreachable``
    (exit 7), raised while the output is still uncommitted, so nothing is written.
    """
    link = load_link(home)
    if link is None:
        return "standalone"
    body, signature = encode_announce(link.workstation_id, export_id, load_identity(home, ring))
    try:
        ServiceClient(link.url, ca_file=link.ca_file, timeout=AFTER_EXPORT_TIMEOUT).request(
            "POST", "/v1/exports/announce", body, {SIGNATURE_HEADER: signature})
    except ServiceUnreachable as unreachable:
        if offline_allowed:
            return "offline"
        raise ServiceUnreachable(f"the security office's policy allows no export while its service cannot be "
                                 f"reached ({unreachable}); nothing was written: try again when the network "
                                 "is back") from None
    return "announced"


def report_after_export(home: Path, ring: KeyRing, ledger: Ledger) -> str:
    """Send what is queued right after an export: ``sent``, ``queued`` (unreachable), ``refused`` (the
    service would not take it; it stays queued and ``sync`` says why) or ``standalone``."""
    try:
        result = sync(home, ring, ledger, timeout=AFTER_EXPORT_TIMEOUT)
    except ServiceUnreachable:
        return "queued"
    except ExportGuardError:
        return "refused"
    return "standalone" if result is None else "sent"
