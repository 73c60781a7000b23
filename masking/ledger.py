"""The audit ledger: one tamper-evident record per operation (the kinds: :class:`masking.events.Event`).

Records live in SQLite in the home folder. Each record carries the SHA-256 of the record before it
(a hash chain per workstation) and an HMAC of its own hash under the ledger key, so editing,
deleting, reordering or inserting a record is found by :meth:`Ledger.verify`, and a record cannot be
re-forged without the key. A MAC'd head (last sequence number and hash) catches a truncated tail.
Records never hold cell values in clear: callers pass structure (headers, kinds, actions, counts),
hashes and keyed fingerprints only.

A central ledger at the security office imports the records of many workstations
(:meth:`Ledger.import_records`); each workstation's chain stays verifiable there on its own.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import socket
import sqlite3
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from masking.crypto import hmac_sha256
from masking.errors import InputError, OutputError, PolicyError
from masking.events import Event
from masking.plurals import numbered
from masking.violations import violation

GENESIS = "0" * 64
# How far a record's time may fall behind the one before it (a clock corrected by NTP, two processes
# appending at once) before it reads as a clock set back: by ``audit verify``, the export's own check
# and the evidence service.
CLOCK_TOLERANCE = dt.timedelta(minutes=10)
EVENTS = frozenset(Event)  # the one list of kinds: masking/events.py

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS entries (
    workstation TEXT NOT NULL,
    seq INTEGER NOT NULL,
    event TEXT NOT NULL,
    time TEXT NOT NULL,
    body TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    key_id TEXT NOT NULL,
    mac TEXT NOT NULL,
    PRIMARY KEY (workstation, seq)
);
CREATE TABLE IF NOT EXISTS heads (
    workstation TEXT PRIMARY KEY, seq INTEGER NOT NULL, hash TEXT NOT NULL, key_id TEXT NOT NULL,
    mac TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS entries_no_update BEFORE UPDATE ON entries
BEGIN SELECT RAISE(ABORT, 'the audit ledger is append-only'); END;
CREATE TRIGGER IF NOT EXISTS entries_no_delete BEFORE DELETE ON entries
BEGIN SELECT RAISE(ABORT, 'the audit ledger is append-only'); END;
"""


@dataclass(frozen=True)
class LedgerEntry:
    workstation: str
    seq: int
    event: str
    time: str
    body: Mapping[str, Any]
    prev_hash: str
    hash: str
    key_id: str
    mac: str

    def to_json(self) -> dict[str, Any]:
        return {
            "workstation": self.workstation,
            "seq": self.seq,
            "event": self.event,
            "time": self.time,
            "body": dict(self.body),
            "prev_hash": self.prev_hash,
            "hash": self.hash,
            "key_id": self.key_id,
            "mac": self.mac,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LedgerEntry:
        """The record :meth:`to_json` wrote; ``ValueError`` when it is not one (nothing is verified here)."""
        try:
            body = data["body"]
            if not isinstance(body, dict):
                raise TypeError
            return cls(str(data["workstation"]), int(data["seq"]), str(data["event"]), str(data["time"]),
                       dict(body), str(data["prev_hash"]), str(data["hash"]), str(data["key_id"]), str(data["mac"]))
        except (KeyError, TypeError) as error:
            raise ValueError("not a ledger record") from error

    @property
    def intact(self) -> bool:
        """Whether the record's hash covers its contents (its MAC and chain are checked elsewhere)."""
        return record_hash(self.workstation, self.seq, self.event, self.time, self.body, self.prev_hash) == self.hash


@dataclass(frozen=True)
class LedgerProblem:
    workstation: str
    seq: int
    problem: str


@dataclass(frozen=True)
class VerifyReport:
    ok: bool
    entries: int
    problems: tuple[LedgerProblem, ...]


@dataclass(frozen=True)
class ImportResult:
    added: int
    already_present: int
    workstations: tuple[str, ...]


def canonical(data: Mapping[str, Any]) -> bytes:
    """The bytes that are hashed: sorted keys, no whitespace, UTF-8."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def record_hash(workstation: str, seq: int, event: str, time: str, body: Mapping[str, Any], prev: str) -> str:  # noqa: PLR0917 (the record's fields, in their order)
    payload = {"workstation": workstation, "seq": seq, "event": event, "time": time, "body": body, "prev": prev}
    return hashlib.sha256(canonical(payload)).hexdigest()


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def clock_set_back(time: str, latest: str) -> str | None:
    """Why a record dated ``time``, after one dated ``latest`` in its chain, shows a clock set back (None
    when it does not; a time that is not one is the hash check's to report, as only an edit makes one)."""
    try:
        behind = dt.datetime.fromisoformat(latest) - dt.datetime.fromisoformat(time)
    except (TypeError, ValueError):
        return None
    if behind <= CLOCK_TOLERANCE:
        return None
    return f"dated {time}, before a record made ahead of it ({latest}): the clock was set back"


@dataclass(frozen=True)
class ApprovalUse:
    """The export that consumed an approval code: approvals are single-use."""

    code_id: str
    export_id: str
    time: str
    workstation: str

    def refusal(self) -> PolicyError:
        return PolicyError.of(violation("approval_used", time=self.time, export_id=self.export_id))


_USE_QUERY = (
    "SELECT time, json_extract(body, '$.export_id'), workstation FROM entries"
    " WHERE event = 'export' AND json_extract(body, '$.approval.code_id') = ? ORDER BY time LIMIT 1"
)


def approval_use(path: Path, code_id: str) -> ApprovalUse | None:
    """The export in the ledger at ``path`` that consumed approval ``code_id``, if any.

    A read for the early refusal (before any work); :meth:`Ledger.append` checks again, in the same
    transaction that records the export, so two exports racing with one code cannot both commit.
    """
    if not path.is_file() or not code_id:
        return None
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            row = db.execute(_USE_QUERY, (code_id,)).fetchone()
    except sqlite3.DatabaseError as error:
        raise InputError(f"{path}: not a readable audit ledger ({error})") from None
    return None if row is None else ApprovalUse(code_id, str(row[1]), str(row[0]), str(row[2]))


class Ledger:
    """An append-only, hash-chained, MAC'd SQLite ledger.

    ``mac_keys`` maps key ids to ledger sub-keys of the organisation's masters (so the security office,
    holding the same masters, can verify imported records); new records are MAC'd under
    ``active_key`` and name it, and records made before a key rotation still verify under their own
    key. ``clock`` is injectable for tests.
    """

    def __init__(
        self,
        path: Path,
        mac_keys: Mapping[str, bytes],
        active_key: str,
        *,
        clock: Callable[[], dt.datetime] = _utc_now,
    ) -> None:
        if active_key not in mac_keys:
            raise ValueError("the active ledger key must be one of the MAC keys")
        if any(len(key) < 16 for key in mac_keys.values()):
            raise ValueError("a ledger key must be at least 16 bytes")
        self.path = path
        self._mac_keys = dict(mac_keys)
        self._active = active_key
        self._clock = clock
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            with closing(sqlite3.connect(path)) as db:
                db.executescript(_SCHEMA)
            with self._connect() as db:
                row = db.execute("SELECT value FROM meta WHERE name = 'workstation'").fetchone()
                if row is None:
                    workstation = f"{socket.gethostname()}-{uuid.uuid4().hex[:8]}"
                    db.execute("INSERT INTO meta (name, value) VALUES ('workstation', ?)", (workstation,))
                else:
                    workstation = row[0]
        except sqlite3.DatabaseError as error:
            raise InputError(f"{path}: not a readable audit ledger ({error})") from None
        self.workstation: str = workstation

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.path, isolation_level=None, timeout=30)) as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def _mac(self, key_id: str, digest: str) -> str | None:
        key = self._mac_keys.get(key_id)
        return None if key is None else hmac_sha256(key, bytes.fromhex(digest)).hex()

    def _mac_ok(self, key_id: str, digest: str, mac: str) -> bool:
        expected = self._mac(key_id, digest)
        return expected is not None and hmac.compare_digest(expected, mac)

    def _head_mac(self, key_id: str, workstation: str, seq: int, digest: str) -> str | None:
        key = self._mac_keys.get(key_id)
        if key is None:
            return None
        return hmac_sha256(key, canonical({"head": workstation, "seq": seq, "hash": digest})).hex()

    def append(self, event: str, body: Mapping[str, Any], *, consumes: str | None = None) -> LedgerEntry:
        """Append one record for this workstation and return it.

        ``consumes`` names an approval code (its ``code_id``) the record uses up: if an earlier
        export record already consumed it, nothing is appended and the refusal (``PolicyError``,
        saying when and by which export) is raised, all in one transaction. (The evidence service,
        when configured, is asked to consume the code too, before the output is committed: issue 11.)
        """
        if event not in EVENTS:
            raise ValueError(f"unknown ledger event {event!r}")
        body = json.loads(canonical(body))  # a plain, JSON-safe copy: what is stored is what is hashed
        time = self._clock().astimezone(dt.UTC).isoformat(timespec="seconds")
        try:
            with self._connect() as db:
                if consumes is not None and (used := db.execute(_USE_QUERY, (consumes,)).fetchone()) is not None:
                    raise ApprovalUse(consumes, str(used[1]), str(used[0]), str(used[2])).refusal()
                last = db.execute(
                    "SELECT seq, hash FROM entries WHERE workstation = ? ORDER BY seq DESC LIMIT 1",
                    (self.workstation,),
                ).fetchone()
                seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
                digest = record_hash(self.workstation, seq, event, time, body, prev)
                mac = self._mac(self._active, digest) or ""
                entry = LedgerEntry(self.workstation, seq, event, time, body, prev, digest, self._active, mac)
                self._insert(db, entry)
                self._set_head(db, entry)
        except sqlite3.DatabaseError as error:
            raise OutputError(f"{self.path}: cannot write the audit ledger ({error})") from None
        return entry

    def append_many(self, event: str, bodies: Sequence[Mapping[str, Any]]) -> list[LedgerEntry]:
        """Append several records in one transaction (the same chain as one ``append`` each).

        Used to seed large ledgers (trace tests and benchmarks, central-ledger tooling).
        """
        if event not in EVENTS:
            raise ValueError(f"unknown ledger event {event!r}")
        entries: list[LedgerEntry] = []
        try:
            with self._connect() as db:
                last = db.execute(
                    "SELECT seq, hash FROM entries WHERE workstation = ? ORDER BY seq DESC LIMIT 1",
                    (self.workstation,),
                ).fetchone()
                seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
                for body in bodies:
                    plain = json.loads(canonical(body))
                    time = self._clock().astimezone(dt.UTC).isoformat(timespec="seconds")
                    digest = record_hash(self.workstation, seq, event, time, plain, prev)
                    entry = LedgerEntry(self.workstation, seq, event, time, plain, prev, digest, self._active,
                                        self._mac(self._active, digest) or "")
                    self._insert(db, entry)
                    entries.append(entry)
                    seq, prev = seq + 1, digest
                if entries:
                    self._set_head(db, entries[-1])
        except sqlite3.DatabaseError as error:
            raise OutputError(f"{self.path}: cannot write the audit ledger ({error})") from None
        return entries

    @staticmethod
    def _insert(db: sqlite3.Connection, entry: LedgerEntry) -> None:
        db.execute(
            "INSERT INTO entries (workstation, seq, event, time, body, prev_hash, hash, key_id, mac)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                entry.workstation,
                entry.seq,
                entry.event,
                entry.time,
                canonical(entry.body).decode(),
                entry.prev_hash,
                entry.hash,
                entry.key_id,
                entry.mac,
            ),
        )

    def _set_head(self, db: sqlite3.Connection, entry: LedgerEntry) -> None:
        mac = self._head_mac(self._active, entry.workstation, entry.seq, entry.hash) or ""
        db.execute(
            "INSERT OR REPLACE INTO heads (workstation, seq, hash, key_id, mac) VALUES (?, ?, ?, ?, ?)",
            (entry.workstation, entry.seq, entry.hash, self._active, mac),
        )

    def entries(self, event: str | None = None) -> list[LedgerEntry]:
        """Every record (all workstations), oldest first within each workstation."""
        query = "SELECT workstation, seq, event, time, body, prev_hash, hash, key_id, mac FROM entries"
        params: tuple[str, ...] = ()
        if event:
            query += " WHERE event = ?"
            params = (event,)
        with self._connect() as db:
            rows = db.execute(query + " ORDER BY time, workstation, seq", params).fetchall()
        return [self._entry(row) for row in rows]

    @staticmethod
    def _entry(row: tuple[Any, ...]) -> LedgerEntry:
        try:
            body = json.loads(row[4])
        except (TypeError, ValueError):
            body = {"_unreadable": True}
        return LedgerEntry(row[0], row[1], row[2], row[3], body, row[5], row[6], row[7], row[8])

    def verify(self) -> VerifyReport:
        """Check every chain: contiguous sequence, links, hashes, MACs and the head."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT workstation, seq, event, time, body, prev_hash, hash, key_id, mac FROM entries"
                " ORDER BY workstation, rowid"
            ).fetchall()
            heads = {r[0]: r[1:] for r in db.execute("SELECT workstation, seq, hash, key_id, mac FROM heads")}
        problems: list[LedgerProblem] = []
        chains: dict[str, list[tuple[Any, ...]]] = {}
        for row in rows:
            chains.setdefault(row[0], []).append(row)
        for workstation, chain in chains.items():
            problems.extend(self._verify_chain(workstation, chain, heads.get(workstation)))
        for workstation in heads.keys() - chains.keys():
            problems.append(LedgerProblem(workstation, 0, "every record of this workstation was deleted"))
        return VerifyReport(not problems, len(rows), tuple(problems))

    def _verify_chain(
        self, workstation: str, chain: list[tuple[Any, ...]], head: tuple[Any, ...] | None
    ) -> Iterator[LedgerProblem]:
        prev_hash, expected_seq, latest = GENESIS, 1, ""
        for row in chain:
            _, seq, event, time, body_text, stored_prev, stored_hash, key_id, stored_mac = row
            if latest and (setback := clock_set_back(time, latest)) is not None:
                yield LedgerProblem(workstation, seq, setback)
            latest = max(latest, time)  # UTC ISO times order as their text does
            if seq != expected_seq:
                if seq > expected_seq:
                    missing = numbered(expected_seq, seq - 1, "record")
                    yield LedgerProblem(workstation, seq, f"{missing} before this one deleted")
                else:
                    yield LedgerProblem(workstation, seq, "record out of order (reordered or inserted)")
            problem = self._record_problem(workstation, seq, event, time, body_text, stored_prev, stored_hash,
                                           key_id, stored_mac)
            if problem:
                yield LedgerProblem(workstation, seq, problem)
            if stored_prev != prev_hash:
                yield LedgerProblem(
                    workstation, seq, "record does not follow the one before it (inserted, reordered or deleted)"
                )
            prev_hash, expected_seq = stored_hash, max(expected_seq, seq) + 1
        if head is None:
            yield LedgerProblem(workstation, chain[-1][1], "the ledger head is missing (edited)")
            return
        head_seq, head_hash, head_key, head_mac = head
        expected_head = self._head_mac(head_key, workstation, head_seq, head_hash)
        if expected_head is None or not hmac.compare_digest(expected_head, head_mac):
            yield LedgerProblem(workstation, head_seq, "the ledger head is not authenticated (edited)")
        elif head_seq > chain[-1][1]:
            yield LedgerProblem(workstation, chain[-1][1] + 1, f"records {chain[-1][1] + 1}-{head_seq} were deleted")
        elif head_seq != chain[-1][1] or head_hash != chain[-1][6]:
            yield LedgerProblem(workstation, chain[-1][1], "records after the authenticated head (inserted)")

    def _record_problem(  # noqa: PLR0917 (the stored columns of one record)
        self, workstation: str, seq: int, event: str, time: str, body_text: str, prev: str, digest: str,
        key_id: str, mac: str,
    ) -> str | None:
        try:
            body = json.loads(body_text)
        except (TypeError, ValueError):
            return "record body is not readable (edited)"
        if record_hash(workstation, seq, event, time, body, prev) != digest:
            return "record contents do not match its hash (edited)"
        if key_id not in self._mac_keys:
            return f"record signed with key {key_id}, which is not in this keystore"
        if not self._mac_ok(key_id, digest, mac):
            return "record not authenticated by the ledger key (forged)"
        return None

    def export_records(self, out: Path) -> int:
        """Write every record as JSON lines (for the central ledger); return how many."""
        entries = self.entries()
        try:
            with out.open("x", encoding="utf-8") as stream:
                for entry in sorted(entries, key=lambda e: (e.workstation, e.seq)):
                    stream.write(json.dumps(entry.to_json(), ensure_ascii=False, sort_keys=True) + "\n")
        except FileExistsError:
            raise OutputError(f"{out}: already exists") from None
        except OSError as error:
            raise OutputError(f"{out}: cannot write ({error.strerror})") from None
        return len(entries)

    def import_records(self, source: Path) -> ImportResult:
        """Add another ledger's exported records, keeping each workstation's chain verifiable.

        Records already present (same workstation, seq and hash) are skipped, so re-importing is
        harmless; a record that conflicts with one already present, or whose MAC or chain link is
        wrong, refuses the whole import.
        """
        try:
            lines = source.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as error:
            raise InputError(f"{source}: cannot read ledger export ({error})") from None
        incoming: list[LedgerEntry] = []
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                entry = LedgerEntry.from_json(json.loads(line))
            except ValueError:
                raise InputError(f"{source}: line {number} is not a ledger record") from None
            if not entry.intact or not self._mac_ok(entry.key_id, entry.hash, entry.mac):
                raise InputError(f"{source}: record {entry.workstation}#{entry.seq} fails its hash or MAC")
            incoming.append(entry)
        incoming.sort(key=lambda e: (e.workstation, e.seq))
        added = present = 0
        try:
            with self._connect() as db:
                for entry in incoming:
                    row = db.execute(
                        "SELECT hash FROM entries WHERE workstation = ? AND seq = ?", (entry.workstation, entry.seq)
                    ).fetchone()
                    if row is not None:
                        if row[0] != entry.hash:
                            raise InputError(
                                f"{source}: record {entry.workstation}#{entry.seq} conflicts with the ledger"
                            )
                        present += 1
                        continue
                    last = db.execute(
                        "SELECT seq, hash FROM entries WHERE workstation = ? ORDER BY seq DESC LIMIT 1",
                        (entry.workstation,),
                    ).fetchone()
                    expected = (last[0] + 1, last[1]) if last else (1, GENESIS)
                    if (entry.seq, entry.prev_hash) != expected:
                        raise InputError(
                            f"{source}: record {entry.workstation}#{entry.seq} does not continue its chain"
                        )
                    self._insert(db, entry)
                    self._set_head(db, entry)
                    added += 1
        except sqlite3.DatabaseError as error:
            raise OutputError(f"{self.path}: cannot write the audit ledger ({error})") from None
        return ImportResult(added, present, tuple(sorted({e.workstation for e in incoming})))
