"""Enrollment and the records workstations report, with the continuity rules applied on arrival.

A record continues its workstation's chain when its sequence number follows the head the service
holds and its ``prev_hash`` is that head's hash. Anything else is still stored, flagged with the
reason, so the evidence is kept and the employee is not locked out: a sequence number seen before
with another record (an older copy of the home put back), a gap, a record that does not follow its
predecessor (a fork), or a new ledger under the same identity (the ledger was deleted). A flagged
record becomes the new head, so what follows it is judged against it. A record already held, byte
for byte, is a replay: not stored again, and a batch of nothing but replays is refused. An export
record made under a policy the office did not sign is refused, the records before it in the batch
kept (:mod:`masking.server.policies`). An export record's sealed originals are stored beside it (their
SHA-256 was checked against the record when the message was decoded); one whose originals did not
come is stored flagged. A record's time is the workstation's clock, which its employee sets: the
service flags one its own clock belies (dated after it arrived, before the record it follows, far
from its export's announcement, or using an approval code that had expired before the service heard
of the export), and consumes approval codes by its own clock.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import psycopg

from masking.errors import KeyProblem
from masking.evidence.envelope import (
    EnvelopeError,
    ReportedRecord,
    claimed_workstation,
    decode_announce,
    decode_consume,
    decode_enroll,
    decode_records,
    parse_time,
)
from masking.ledger import CLOCK_TOLERANCE, canonical, clock_set_back
from masking.plurals import numbered
from masking.server.admin import secret_hash
from masking.server.policies import PolicyRefused, judge, keep_refused
from masking.server.postings import add_postings, all_fingerprints
from masking.watermark.store import TraceData

# An export is announced once its data pass is done, and recorded once its output is committed: a record
# dated this long after the announcement was dated by a clock set forward.
RECORDED_AFTER_ANNOUNCED = dt.timedelta(hours=1)


class ApprovalUsed(EnvelopeError):
    """An approval code already consumed by another export; ``used`` says when and by which."""

    status = 409

    def __init__(self, used: dict[str, str]) -> None:
        super().__init__(f"approval code already used on {used['time']} by export {used['export_id']}")
        self.used = used

    def details(self) -> dict[str, Any]:
        return {"approval_used": self.used}


class ApprovalExpired(EnvelopeError):
    """An approval code whose validity ended before the service was asked to consume it."""

    status = 409

    def __init__(self, expires: dt.datetime, now: dt.datetime) -> None:
        self.expires, self.now = _iso(expires), _iso(now)
        super().__init__(f"approval code expired on {self.expires} (the service's clock says {self.now})")

    def details(self) -> dict[str, Any]:
        return {"approval_expired": {"expires": self.expires, "now": self.now}}


class Replayed(EnvelopeError):
    """Every record of the message is already held: a replay, refused."""

    status = 409

    def details(self) -> dict[str, Any]:
        return {"replayed": True}


@dataclass(frozen=True)
class Enrolled:
    workstation_id: int
    name: str


def enroll(conn: psycopg.Connection[Any], body: bytes, signature: str) -> Enrolled:
    request = decode_enroll(body, signature)
    with conn.transaction():
        row = conn.execute("SELECT workstation FROM enroll_codes WHERE code_hash = %s AND used IS NULL"
                           " AND expires > now() FOR UPDATE", (secret_hash(request.code),)).fetchone()
        if row is None:
            raise KeyProblem("the enrollment code is unknown, used or expired")
        if conn.execute("SELECT 1 FROM workstations WHERE public_key = %s", (request.public_key,)).fetchone():
            raise KeyProblem("this identity key is already enrolled")
        name = str(row[0])
        new = conn.execute("INSERT INTO workstations (name, public_key, ledger, host, user_name, last_seen)"
                           " VALUES (%s, %s, %s, %s, %s, now()) RETURNING id",
                           (name, request.public_key, request.ledger, request.host, request.user)).fetchone()
        assert new is not None  # noqa: S101 (INSERT ... RETURNING returns the row)
        conn.execute("UPDATE enroll_codes SET used = now(), used_by = %s WHERE code_hash = %s",
                     (new[0], secret_hash(request.code)))
    return Enrolled(int(new[0]), name)


@dataclass
class Ingested:
    accepted: int = 0
    replayed: int = 0
    flagged: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"accepted": self.accepted, "replayed": self.replayed, "flagged": self.flagged}


def ingest_records(conn: psycopg.Connection[Any], body: bytes, signature: str) -> Ingested:
    """Check the batch's signature against its workstation's enrolled key, then store each record."""
    workstation_id = claimed_workstation(body)
    with conn.transaction():
        row = conn.execute("SELECT public_key, revoked, ledger, head_seq, head_hash FROM workstations WHERE id = %s"
                           " FOR UPDATE", (workstation_id,)).fetchone()
        if row is None:
            raise KeyProblem("the message is signed by a workstation the service does not know")
        if row[1] is not None:
            raise KeyProblem("this workstation was decommissioned; its identity is revoked")
        report = decode_records(body, signature, bytes(row[0]))
        ledger, head_seq, head_hash = str(row[2]), int(row[3]), str(row[4])
        received = _service_now(conn)
        result = Ingested()
        refused: PolicyRefused | None = None
        stored_through = 0  # the last record of this batch the service holds (the workstation acknowledges it)
        for record in report.records:
            entry = record.entry
            held = {str(r[0]) for r in conn.execute(
                "SELECT hash FROM records WHERE workstation_id = %s AND seq = %s", (workstation_id, entry.seq))}
            if entry.hash in held:
                result.replayed += 1
                stored_through = entry.seq
                continue
            judged = judge(conn, workstation_id, record)
            if judged.refused is not None:
                keep_refused(conn, workstation_id, record, judged.refused)
                refused = PolicyRefused(entry.seq, judged.refused, stored_through)
                break
            continuity = _continuity(entry.workstation != ledger, bool(held), entry.seq, entry.prev_hash, head_seq,
                                     head_hash)
            clock = _clock_flag(conn, workstation_id, record, received)  # before the approval's use is noted
            reuse = _approval_reuse(conn, workstation_id, record)
            unsealed = _sealed_missing(record)
            flag = "; ".join(f for f in (continuity, reuse, judged.flag, unsealed, *clock) if f) or None
            _store(conn, workstation_id, record, flag)
            if judged.accepted_by_admin and not (continuity or reuse):
                conn.execute("UPDATE records SET resolved = now() WHERE workstation_id = %s AND seq = %s"
                             " AND hash = %s", (workstation_id, entry.seq, entry.hash))
            if flag:
                result.flagged.append({"seq": entry.seq, "problem": flag})
            else:
                result.accepted += 1
            head_seq, head_hash = entry.seq, entry.hash
            stored_through = entry.seq
        conn.execute("UPDATE workstations SET head_seq = %s, head_hash = %s, last_seen = now() WHERE id = %s",
                     (head_seq, head_hash, workstation_id))
    if refused is not None:
        raise refused
    if report.records and result.replayed == len(report.records):
        raise Replayed("every record in this message is already held (a replay)")
    return result


def _signed_workstation(conn: psycopg.Connection[Any], body: bytes, kind: str) -> tuple[int, bytes]:
    workstation_id = claimed_workstation(body, kind)
    row = conn.execute("SELECT public_key, revoked FROM workstations WHERE id = %s", (workstation_id,)).fetchone()
    if row is None:
        raise KeyProblem("the message is signed by a workstation the service does not know")
    if row[1] is not None:
        raise KeyProblem("this workstation was decommissioned; its identity is revoked")
    return workstation_id, bytes(row[0])


def _use(conn: psycopg.Connection[Any], workstation_id: int, code_id: str, export_id: str) -> dict[str, str] | None:
    """Record ``code_id`` as used by ``export_id``; the earlier use when another export already holds it."""
    conn.execute("INSERT INTO approvals_used (code_id, workstation_id, export_id) VALUES (%s, %s, %s)"
                 " ON CONFLICT (code_id) DO NOTHING", (code_id, workstation_id, export_id))
    row = conn.execute("SELECT u.export_id, u.used, w.name FROM approvals_used u JOIN workstations w"
                       " ON w.id = u.workstation_id WHERE u.code_id = %s", (code_id,)).fetchone()
    assert row is not None  # noqa: S101 (inserted or already there, in this transaction)
    if str(row[0]) == export_id:
        return None
    return {"export_id": str(row[0]), "time": row[1].isoformat(timespec="seconds"), "workstation": str(row[2])}


def consume_approval(conn: psycopg.Connection[Any], body: bytes, signature: str) -> dict[str, Any]:
    """Consume an approval code for an export about to be committed; ``ApprovalUsed`` if another export has,
    ``ApprovalExpired`` if the code's validity ended by the service's clock (the workstation's may be set back)."""
    with conn.transaction():
        workstation_id, public_key = _signed_workstation(conn, body, "consume")
        request = decode_consume(body, signature, public_key)
        now = _service_now(conn)
        if request.expires is not None and now >= request.expires:
            raise ApprovalExpired(request.expires, now)
        used = _use(conn, workstation_id, request.code_id, request.export_id)
    if used is not None:
        raise ApprovalUsed(used)
    return {"consumed": request.code_id, "export_id": request.export_id}


def announce_export(conn: psycopg.Connection[Any], body: bytes, signature: str) -> dict[str, Any]:
    """Note an export about to commit its output; ``server check`` reports it until its record arrives."""
    with conn.transaction():
        workstation_id, public_key = _signed_workstation(conn, body, "announce")
        export_id = decode_announce(body, signature, public_key)
        conn.execute("INSERT INTO exports_announced (export_id, workstation_id) VALUES (%s, %s)"
                     " ON CONFLICT (export_id) DO NOTHING", (export_id, workstation_id))
    return {"announced": export_id}


def _approval_reuse(conn: psycopg.Connection[Any], workstation_id: int, record: ReportedRecord) -> str | None:
    """A flag for an export record whose approval code another export used (offline, from a copied home)."""
    export = record.export
    code_id = export.approval.get("code_id") if export is not None and export.approval is not None else None
    if not isinstance(code_id, str) or not code_id:
        return None
    used = _use(conn, workstation_id, code_id, export.export_id)  # type: ignore[union-attr]  # set with code_id
    if used is None:
        return None
    return (f"approval code reused: export {used['export_id']} on {used['workstation']} used it first, "
            f"on {used['time']}")


def _service_now(conn: psycopg.Connection[Any]) -> dt.datetime:
    """The service's own time (the database's clock), which no workstation sets."""
    row = conn.execute("SELECT now()").fetchone()
    assert row is not None  # noqa: S101 (SELECT now() returns a row)
    return row[0]  # type: ignore[no-any-return]  # a timestamptz: an aware datetime


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")


def _clock_flag(conn: psycopg.Connection[Any], workstation_id: int, record: ReportedRecord,
                received: dt.datetime) -> list[str]:
    """Flags for a record whose time, which the workstation's clock wrote, the service's own clock belies:
    later than its arrival or long after its export was announced (set forward); before the record it
    follows, or before its export was announced (set back); an approval code that had expired by the
    time the service first heard of the export."""
    entry = record.entry
    time = parse_time(entry.time)
    if time is None:
        return [f"its time {entry.time!r} is not a time"]
    flags = []
    if time > received + CLOCK_TOLERANCE:
        flags.append(f"dated {entry.time}, after the service received it ({_iso(received)}): the workstation's "
                     "clock was set forward")
    # (not "before the record it follows was received": a queue sent in several batches holds records made
    # long before the batch ahead of them arrived)
    before = conn.execute("SELECT time FROM records WHERE workstation_id = %s AND hash = %s ORDER BY id DESC"
                          " LIMIT 1", (workstation_id, entry.prev_hash)).fetchone()
    if before is not None and clock_set_back(entry.time, str(before[0])) is not None:
        flags.append(f"dated {entry.time}, before the record it follows ({before[0]}): the workstation's clock "
                     "was set back")
    export = record.export
    if export is None:
        return flags
    heard = [row[0] for row in conn.execute(
        "SELECT announced FROM exports_announced WHERE export_id = %s AND workstation_id = %s"
        " UNION ALL SELECT used FROM approvals_used WHERE export_id = %s AND workstation_id = %s",
        (export.export_id, workstation_id, export.export_id, workstation_id))]
    first_heard = min(heard, default=received)
    if heard and time < first_heard - CLOCK_TOLERANCE:
        flags.append(f"dated {entry.time}, before the service heard of its export ({_iso(first_heard)}): "
                     "the workstation's clock was set back")
    elif heard and time > first_heard + RECORDED_AFTER_ANNOUNCED:
        flags.append(f"dated {entry.time}, long after the service heard of its export ({_iso(first_heard)}): "
                     "the workstation's clock was set forward")
    expires = parse_time((export.approval or {}).get("expires"))
    if expires is not None and first_heard >= expires:
        flags.append(f"its approval code expired on {_iso(expires)}, before the service first heard of this "
                     f"export ({_iso(first_heard)}): used late with the clock set back, or offline")
    return flags


def _sealed_missing(record: ReportedRecord) -> str | None:
    """A flag for an export record that names sealed originals which did not come with it (deleted or
    altered on the workstation before it reported): the office cannot restore that export's values."""
    if record.sealed is None and record.sealed_sha256 is not None:
        return "its sealed originals did not arrive (gone or altered on the workstation): the office cannot restore it"
    return None


def _continuity(new_ledger: bool, seen: bool, seq: int, prev: str, head_seq: int,  # noqa: PLR0917 (the facts judged)
                head_hash: str) -> str | None:
    if new_ledger:
        return "a new ledger under this identity: the chain started again (the ledger was deleted or replaced)"
    if seen:
        return (f"sequence {seq} was seen before with another record: an older copy of the ledger was put back "
                "(a rollback)")
    if seq > head_seq + 1:
        return f"{numbered(head_seq + 1, seq - 1, 'record')} never arrived (a gap)"
    if seq <= head_seq or prev != head_hash:
        return "the record does not follow the one before it (a fork)"
    return None


def _store(conn: psycopg.Connection[Any], workstation_id: int, record: ReportedRecord, flag: str | None) -> None:
    entry = record.entry
    row = conn.execute(
        "INSERT INTO records (workstation_id, seq, event, time, body, prev_hash, hash, key_id, mac, flag)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
        (workstation_id, entry.seq, entry.event, entry.time, canonical(entry.body).decode(), entry.prev_hash,
         entry.hash, entry.key_id, entry.mac, flag)).fetchone()
    assert row is not None  # noqa: S101 (INSERT ... RETURNING returns the row)
    export_record = record.export
    if export_record is not None and record.sealed is not None and record.sealed_sha256 is not None:
        outputs = [o.sha256 for o in export_record.outputs] or [export_record.output_sha256]
        conn.execute("INSERT INTO sealed (record_id, export_id, outputs, sha256, blob) VALUES (%s, %s, %s, %s, %s)",
                     (row[0], export_record.export_id, [o for o in outputs if o], record.sealed_sha256,
                      record.sealed))
    if export_record is None or record.trace is None:
        return
    try:
        data = TraceData.from_bytes(record.trace)
    except ValueError as error:
        raise EnvelopeError(f"record {entry.seq}: unreadable trace data") from error
    fps = all_fingerprints(data)
    export = conn.execute(
        "INSERT INTO exports (export_id, record_id, workstation_id, recipient, user_name, time, key_id, fingerprints,"
        " canaries, trace) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
        (export_record.export_id, row[0], workstation_id, export_record.recipient, export_record.user, entry.time,
         export_record.key_id or entry.key_id, len(fps), len(data.canary_fps), record.trace)).fetchone()
    assert export is not None  # noqa: S101 (as above)
    add_postings(conn, int(export[0]), data)
