"""What the evidence service refuses: records or trace data altered in transit, an unknown key, a replay,
a decommissioned workstation; and what it flags on arrival (gaps, forks, a restarted chain)."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import psycopg
import pytest
from evidence_service import Service

from masking.errors import IntegrityProblem, KeyProblem
from masking.evidence.client import Refused, ServiceClient
from masking.evidence.envelope import SIGNATURE_HEADER, ReportedRecord, encode_records
from masking.evidence.identity import Identity, load_identity
from masking.evidence.link import load_link
from masking.evidence.sync import enroll
from masking.keys import Keystore
from masking.ledger import LedgerEntry
from masking.server.admin import decommission, issue_enroll_code, prune
from masking.server.check import check
from masking.server.search import candidate_exports, trace_at_service
from masking.watermark.membership import fingerprint, fingerprinter, mark_feature, token_feature, value_feature
from masking.watermark.store import TraceData
from masking.watermark.trace import Fragment, TracedExport, TraceIndex, fragment_lookup, trace_fragment
from masking.workspace import Workspace


def _trace_blob(seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    tokens = np.unique(rng.integers(0, 2**63, 50, dtype=np.uint64))
    empty = np.zeros(0, np.uint64)
    return TraceData(tokens, empty, empty, np.zeros(0, np.uint32), np.zeros(0, np.bool_)).to_bytes()


class Station:
    """An enrolled workstation whose ledger the test writes directly."""

    def __init__(self, home: Path, service: Service, db: psycopg.Connection[Any], name: str) -> None:
        self.home = home
        self.ring = Keystore(home).create()
        self.ledger = Workspace(home).ledger(self.ring)
        code = issue_enroll_code(db, name).secret
        link, _ = enroll(home, self.ring, self.ledger, service.url, code)
        self.workstation_id = link.workstation_id
        self.identity = load_identity(home, self.ring)
        self.client = ServiceClient(service.url)
        self.blobs: dict[int, bytes] = {}

    def export(self, n: int) -> LedgerEntry:
        blob = _trace_blob(n)
        entry = self.ledger.append("export", {"export_id": f"EX-20261206-{n:08X}", "recipient": "r", "user": "u",
                                              "trace": {"sha256": hashlib.sha256(blob).hexdigest()}})
        self.blobs[entry.seq] = blob
        return entry

    def send(self, *entries: LedgerEntry, identity: Identity | None = None, body_edit: Any = None,
             trace: bytes | None = None) -> dict[str, Any]:
        records = [ReportedRecord(e, trace if trace is not None else self.blobs.get(e.seq)) for e in entries]
        body, signature = encode_records(self.workstation_id, records, identity or self.identity)
        if body_edit is not None:
            body = body_edit(body)
        return self.client.request("POST", "/v1/records", body, {SIGNATURE_HEADER: signature})


def test_altered_unknown_and_replayed_messages_are_refused(
    tmp_path: Path, service: Service, db: psycopg.Connection[Any]
) -> None:
    station = Station(tmp_path / "ws", service, db, "branch-x")
    first = station.export(1)
    # altered in transit: a record's recipient, or a byte of its trace data, under the original signature
    with pytest.raises(Refused, match="signature does not verify") as refused:
        station.send(first, body_edit=lambda b: b.replace(b'"recipient":"r"', b'"recipient":"s"'))
    assert refused.value.status == 400

    def flip_trace(body: bytes) -> bytes:
        message = json.loads(body)
        blob = bytearray(base64.b64decode(message["records"][0]["trace"]))
        blob[-1] ^= 1
        message["records"][0]["trace"] = base64.b64encode(bytes(blob)).decode()
        return json.dumps(message, sort_keys=True, separators=(",", ":")).encode()

    with pytest.raises(Refused, match="signature does not verify"):
        station.send(first, body_edit=flip_trace)
    # trace data swapped by someone holding the key still fails the record's own hash
    with pytest.raises(Refused, match="trace data do not match"):
        station.send(first, trace=_trace_blob(99))
    # signed by a key the service does not know
    stranger = Identity(*_keypair())
    with pytest.raises(Refused, match="signature does not verify"):
        station.send(first, identity=stranger)
    with pytest.raises(KeyProblem, match="does not know"):
        body, signature = encode_records(424242, [ReportedRecord(first, station.blobs[first.seq])], stranger)
        station.client.request("POST", "/v1/records", body, {SIGNATURE_HEADER: signature})
    assert db.execute("SELECT count(*) FROM records WHERE event = 'export'").fetchone() == (0,)
    # the genuine message is taken once; the same message again is a replay
    assert station.send(first)["accepted"] == 1
    with pytest.raises(Refused, match="replay") as replay:
        station.send(first)
    assert replay.value.status == 409 and replay.value.answer["replayed"] is True
    assert db.execute("SELECT count(*) FROM records WHERE event = 'export'").fetchone() == (1,)
    # a decommissioned workstation's signatures are refused
    assert decommission(db, "branch-x") == 1
    with pytest.raises(KeyProblem, match="decommissioned"):
        station.send(station.export(2))


def _keypair() -> tuple[bytes, bytes]:
    from masking.crypto import ed25519_generate

    private, public = ed25519_generate()
    return public, private


def test_gaps_forks_and_restarts_are_flagged_not_refused(
    tmp_path: Path, service: Service, db: psycopg.Connection[Any]
) -> None:
    station = Station(tmp_path / "ws", service, db, "branch-y")
    one, two, three = station.export(1), station.export(2), station.export(3)
    assert station.send(one)["accepted"] == 1
    answer = station.send(three)  # two never arrives
    assert answer["accepted"] == 0 and answer["flagged"][0]["problem"] == "record 2 never arrived (a gap)"
    late = station.send(two)
    assert "seen before" not in late["flagged"][0]["problem"] and "fork" in late["flagged"][0]["problem"]
    problems = check(db)
    assert {p.workstation for p in problems} == {"branch-y"} and len(problems) == 2
    # the home is wiped and the workstation enrolled again: a restarted chain
    import shutil

    shutil.rmtree(station.home)
    Station(tmp_path / "ws", service, db, "branch-y")
    assert any("enrolled again" in p.problem for p in check(db))
    assert load_link(tmp_path / "ws") is not None


def test_silent_workstations_are_reported(tmp_path: Path, service: Service, db: psycopg.Connection[Any]) -> None:
    Station(tmp_path / "ws", service, db, "branch-z")
    db.execute("UPDATE workstations SET last_seen = now() - interval '200 hours'")
    problems = check(db)
    assert [(p.workstation, p.problem) for p in problems] == [
        ("branch-z", "silent for 200 hours (the policy allows 168)")]


def test_unreachable_service_is_exit_7_and_refusal_is_integrity(tmp_path: Path) -> None:
    from masking.errors import ServiceUnreachable

    with pytest.raises(ServiceUnreachable):
        ServiceClient("http://127.0.0.1:9", timeout=2).request("GET", "/v1/health")
    assert ServiceUnreachable.exit_code == 7 and IntegrityProblem.exit_code == 8


def test_prune_drops_old_trace_data_and_keeps_records(
    tmp_path: Path, service: Service, db: psycopg.Connection[Any]
) -> None:
    station = Station(tmp_path / "ws", service, db, "branch-p")
    old, new = station.export(1), station.export(2)
    station.send(old, new)
    db.execute("UPDATE records SET received = now() - interval '40 days' WHERE seq = %s", (old.seq,))
    assert prune(db, 30) == 1
    assert db.execute("SELECT export_id FROM exports").fetchall() == [("EX-20261206-00000002",)]
    assert db.execute("SELECT count(DISTINCT export) FROM postings").fetchone() == (1,)
    assert db.execute("SELECT count(*) FROM records WHERE event = 'export'").fetchone() == (2,)


def test_service_trace_equals_scoring_every_export(
    tmp_path: Path, service: Service, db: psycopg.Connection[Any]
) -> None:
    """The index loads only the exports that can score; the report is the one scoring all of them gives:
    token fragments, masked-only fragments (which match many exports) and a weak canary row."""
    station = Station(tmp_path / "ws", service, db, "branch-t")
    watermark_key = station.ring.active.subkey("watermark")
    db.execute("INSERT INTO trace_keys (key_id, watermark_key) VALUES (%s, %s)",
               (station.ring.active.key_id, watermark_key))
    keyed = fingerprinter(watermark_key)

    def fps(features: list[str | None]) -> np.ndarray:
        return np.unique(np.array([fingerprint(keyed, f) for f in features if f], dtype=np.uint64))

    def token(customer: int, recipient: int) -> str:
        return f"139{recipient:02d}{customer:06d}"

    def masked(customer: int) -> str:
        return f"138****{customer % 7:04d}"  # few identities: masked cells match many exports

    rng = np.random.default_rng(5)
    weak_canary = ["138****9999", "张*明", "12.34"]
    exports: dict[int, tuple[int, np.ndarray]] = {}
    for n in range(1, 25):
        recipient, customers = n % 3, np.sort(rng.choice(60, 15, replace=False))
        canary_fps = fps([mark_feature(weak_canary[0]), mark_feature(weak_canary[1]), value_feature(weak_canary[2])]
                         ) if n == 7 else np.zeros(0, np.uint64)
        data = TraceData(fps([token_feature(token(int(c), recipient)) for c in customers]),
                         fps([mark_feature(masked(int(c))) for c in customers]), canary_fps,
                         np.zeros(len(canary_fps), np.uint32), np.zeros(len(canary_fps), np.bool_))
        blob = data.to_bytes()
        entry = station.ledger.append("export", {
            "export_id": f"EX-20261206-{n:08X}", "recipient": f"r{recipient}", "user": "u",
            "key_id": station.ring.active.key_id, "trace": {"sha256": hashlib.sha256(blob).hexdigest()}})
        station.blobs[entry.seq] = blob
        station.send(entry)
        exports[n] = (recipient, customers)
    held = db.execute("SELECT e.export_id, e.recipient, e.time, e.key_id, e.trace, w.name, e.user_name FROM exports e"
                      " JOIN workstations w ON w.id = e.workstation_id ORDER BY e.id").fetchall()
    everything = TraceIndex.of([TracedExport(*r[:4], TraceData.from_bytes(bytes(r[4])), *r[5:]) for r in held],
                               {station.ring.active.key_id: watermark_key}, held=0)
    recipient, customers = exports[5]
    fragments = {
        "tokens": Fragment(tuple((token(int(c), recipient),) for c in customers[:8])),
        "both": Fragment(tuple((token(int(c), recipient), masked(int(c))) for c in customers[:8])),
        "masked": Fragment(tuple((masked(int(c)),) for c in customers)),
        "canary": Fragment(((*weak_canary,), *((masked(int(c)),) for c in customers[:4]))),
    }
    loaded = {}
    for name, fragment in fragments.items():
        assert trace_at_service(db, fragment).as_dict() == trace_fragment(fragment, everything).as_dict(), name
        loaded[name] = len(candidate_exports(db, fragment_lookup(fragment, watermark_key)))
    assert loaded["tokens"] < len(held) // 2 <= loaded["masked"]  # only exports that can score are loaded
    canary = trace_fragment(fragments["canary"], everything)
    assert any(e.layer == "canaries" for c in canary.candidates for e in c.evidence
               if c.export_id == "EX-20261206-00000007")
