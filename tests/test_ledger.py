"""The audit ledger: appends, verifies, and names every kind of tampering."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import sqlite3
from pathlib import Path

import pytest

from masking.errors import InputError, OutputError
from masking.ledger import Ledger, record_hash

KEY = bytes(range(32))
T0 = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC)


def _clock() -> object:
    ticks = iter(range(10_000))
    return lambda: T0 + dt.timedelta(minutes=next(ticks))


def _ledger(tmp_path: Path, name: str = "ledger.sqlite", key: bytes = KEY) -> Ledger:
    return Ledger(tmp_path / name, {"K1": key}, "K1", clock=_clock())  # type: ignore[arg-type]


def _filled(tmp_path: Path, n: int = 5) -> Ledger:
    ledger = _ledger(tmp_path)
    for i in range(n):
        ledger.append("export", {"export_id": f"E{i}", "rows": 100 + i, "recipient": "银行代收"})
    return ledger


def _raw(ledger: Ledger) -> sqlite3.Connection:
    db = sqlite3.connect(ledger.path, isolation_level=None)
    db.execute("DROP TRIGGER entries_no_update")
    db.execute("DROP TRIGGER entries_no_delete")
    return db


def _problem_seqs(ledger: Ledger) -> set[int]:
    report = ledger.verify()
    assert not report.ok
    return {p.seq for p in report.problems}


def test_append_chains_and_verifies(tmp_path: Path) -> None:
    ledger = _filled(tmp_path)
    entries = ledger.entries()
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0].prev_hash == "0" * 64
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(entries))
    assert entries[2].body == {"export_id": "E2", "rows": 102, "recipient": "银行代收"}
    assert entries[0].time == "2026-11-01T09:00:00+00:00"
    report = ledger.verify()
    assert report.ok and report.entries == 5 and report.problems == ()


def test_reopening_keeps_workstation_and_chain(tmp_path: Path) -> None:
    first = _filled(tmp_path, 2)
    again = Ledger(first.path, {"K1": KEY}, "K1")
    assert again.workstation == first.workstation
    assert again.append("key", {"action": "rotate"}).seq == 3
    assert again.verify().ok


def test_sql_update_and_delete_are_refused(tmp_path: Path) -> None:
    ledger = _filled(tmp_path, 2)
    db = sqlite3.connect(ledger.path)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("UPDATE entries SET body = '{}' WHERE seq = 1")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("DELETE FROM entries WHERE seq = 1")
    db.close()


def test_edit_is_named(tmp_path: Path) -> None:
    ledger = _filled(tmp_path)
    db = _raw(ledger)
    body = json.loads(db.execute("SELECT body FROM entries WHERE seq = 3").fetchone()[0])
    body["rows"] = 1
    db.execute("UPDATE entries SET body = ? WHERE seq = 3", (json.dumps(body),))
    db.close()
    problems = ledger.verify().problems
    assert [(p.seq, "edited" in p.problem) for p in problems] == [(3, True)]


def test_edit_with_recomputed_hash_is_caught_by_the_mac(tmp_path: Path) -> None:
    ledger = _filled(tmp_path)
    db = _raw(ledger)
    row = db.execute("SELECT workstation, event, time, body, prev_hash FROM entries WHERE seq = 5").fetchone()
    body = json.loads(row[3])
    body["recipient"] = "someone else"
    forged = record_hash(row[0], 5, row[1], row[2], body, row[4])
    db.execute("UPDATE entries SET body = ?, hash = ? WHERE seq = 5", (json.dumps(body), forged))
    db.close()
    assert 5 in _problem_seqs(ledger)
    assert any("forged" in p.problem or "head" in p.problem for p in ledger.verify().problems)


def test_delete_in_the_middle_is_named(tmp_path: Path) -> None:
    ledger = _filled(tmp_path)
    db = _raw(ledger)
    db.execute("DELETE FROM entries WHERE seq = 3")
    db.close()
    problems = ledger.verify().problems
    assert problems[0].seq == 4
    assert "3" in problems[0].problem and "deleted" in problems[0].problem


def test_delete_of_the_last_record_is_named(tmp_path: Path) -> None:
    ledger = _filled(tmp_path)
    db = _raw(ledger)
    db.execute("DELETE FROM entries WHERE seq = 5")
    db.close()
    problems = ledger.verify().problems
    assert len(problems) == 1 and problems[0].seq == 5 and "deleted" in problems[0].problem


def test_reorder_is_named(tmp_path: Path) -> None:
    ledger = _filled(tmp_path)
    db = _raw(ledger)
    rows = {
        r[0]: r[1:]
        for r in db.execute("SELECT seq, event, time, body, prev_hash, hash, mac FROM entries WHERE seq IN (2, 3)")
    }
    for seq, other in ((2, 3), (3, 2)):
        db.execute(
            "UPDATE entries SET event=?, time=?, body=?, prev_hash=?, hash=?, mac=? WHERE seq=?",
            (*rows[other], seq),
        )
    db.close()
    assert {2, 3} <= _problem_seqs(ledger)


def test_insert_is_named(tmp_path: Path) -> None:
    ledger = _filled(tmp_path)
    intruder = _ledger(tmp_path, "other.sqlite", key=b"k" * 32)
    fake = intruder.append("export", {"export_id": "FAKE", "rows": 1})
    db = _raw(ledger)
    db.execute("UPDATE entries SET seq = seq + 1000 WHERE seq >= 3")
    db.execute("UPDATE entries SET seq = seq - 999 WHERE seq >= 1000")
    db.execute(
        "INSERT INTO entries VALUES (?, 3, ?, ?, ?, ?, ?, ?, ?)",
        (ledger.workstation, fake.event, fake.time, json.dumps(dict(fake.body)), fake.prev_hash, fake.hash,
         fake.key_id, fake.mac),
    )
    db.close()
    seqs = _problem_seqs(ledger)
    assert 3 in seqs


def test_wrong_key_fails_every_record(tmp_path: Path) -> None:
    ledger = _filled(tmp_path, 3)
    other = Ledger(ledger.path, {"K1": b"x" * 32}, "K1")
    assert {p.seq for p in other.verify().problems} >= {1, 2, 3}


def test_export_and_import_into_a_central_ledger(tmp_path: Path) -> None:
    branch_a = _ledger(tmp_path, "a.sqlite")
    branch_b = _ledger(tmp_path, "b.sqlite")
    for i in range(3):
        branch_a.append("export", {"export_id": f"A{i}"})
        branch_b.append("export", {"export_id": f"B{i}"})
    central = _ledger(tmp_path, "central.sqlite")
    assert branch_a.export_records(tmp_path / "a.jsonl") == 3
    assert branch_b.export_records(tmp_path / "b.jsonl") == 3
    result = central.import_records(tmp_path / "a.jsonl")
    assert (result.added, result.already_present) == (3, 0)
    central.import_records(tmp_path / "b.jsonl")
    again = central.import_records(tmp_path / "a.jsonl")
    assert (again.added, again.already_present) == (0, 3)
    assert central.verify().ok and central.verify().entries == 6
    # the branch goes on; the next export continues its chain in the central ledger
    branch_a.append("export", {"export_id": "A3"})
    branch_a.export_records(tmp_path / "a2.jsonl")
    assert central.import_records(tmp_path / "a2.jsonl").added == 1
    assert central.verify().ok


def test_import_refuses_forged_and_gapped_records(tmp_path: Path) -> None:
    branch = _filled(tmp_path, 3)
    branch.export_records(tmp_path / "out.jsonl")
    lines = (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()
    record = json.loads(lines[1])
    record["body"]["rows"] = 0
    (tmp_path / "forged.jsonl").write_text("\n".join([lines[0], json.dumps(record)]) + "\n", encoding="utf-8")
    central = _ledger(tmp_path, "central.sqlite")
    with pytest.raises(InputError, match="hash or MAC"):
        central.import_records(tmp_path / "forged.jsonl")
    (tmp_path / "gap.jsonl").write_text(lines[0] + "\n" + lines[2] + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="does not continue"):
        central.import_records(tmp_path / "gap.jsonl")
    assert central.entries() == []
    (tmp_path / "junk.jsonl").write_text("not json\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 1"):
        central.import_records(tmp_path / "junk.jsonl")


def test_export_refuses_to_overwrite(tmp_path: Path) -> None:
    ledger = _filled(tmp_path, 1)
    (tmp_path / "exists.jsonl").write_text("keep me", encoding="utf-8")
    with pytest.raises(OutputError, match="already exists"):
        ledger.export_records(tmp_path / "exists.jsonl")
    assert (tmp_path / "exists.jsonl").read_text(encoding="utf-8") == "keep me"


def test_not_a_ledger_is_an_input_error(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.sqlite"
    bogus.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(InputError, match="not a readable audit ledger"):
        Ledger(bogus, {"K1": KEY}, "K1")


def test_rejects_short_keys_and_unknown_events(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="16 bytes"):
        Ledger(tmp_path / "l.sqlite", {"K1": b"short"}, "K1")
    with pytest.raises(ValueError, match="active"):
        Ledger(tmp_path / "l.sqlite", {"K1": KEY}, "K2")
    with pytest.raises(ValueError, match="unknown ledger event"):
        _ledger(tmp_path).append("party", {})


def test_records_survive_key_rotation(tmp_path: Path) -> None:
    old = Ledger(tmp_path / "l.sqlite", {"K1": KEY}, "K1")
    old.append("export", {"export_id": "before"})
    rotated = Ledger(tmp_path / "l.sqlite", {"K1": KEY, "K2": b"n" * 32}, "K2")
    rotated.append("export", {"export_id": "after"})
    assert [e.key_id for e in rotated.entries()] == ["K1", "K2"]
    assert rotated.verify().ok
    forgetful = Ledger(tmp_path / "l.sqlite", {"K2": b"n" * 32}, "K2")
    problems = forgetful.verify().problems
    assert [(p.seq, "not in this keystore" in p.problem) for p in problems] == [(1, True)]


def test_a_record_dated_before_one_made_ahead_of_it_is_named_by_verify(tmp_path: Path) -> None:
    """Insider review, clock tricks: the clock set back, beyond the tolerance for a corrected clock."""
    start = dt.datetime(2026, 12, 6, 9, 0, tzinfo=dt.UTC)
    hour = dt.timedelta(hours=1)
    moments = iter([start, start + hour, start + 55 * hour / 60,  # 5 minutes back: a clock corrected by NTP
                    start - 48 * hour, start - 47 * hour, start + 2 * hour])
    ledger = Ledger(tmp_path / "ledger.sqlite", {"K1": KEY}, "K1", clock=lambda: next(moments))
    for n in range(6):
        ledger.append("export", {"n": n})
    report = ledger.verify()
    assert not report.ok
    assert [(p.seq, p.problem) for p in report.problems] == [
        (4, "dated 2026-12-04T09:00:00+00:00, before a record made ahead of it (2026-12-06T10:00:00+00:00): "
            "the clock was set back"),
        (5, "dated 2026-12-04T10:00:00+00:00, before a record made ahead of it (2026-12-06T10:00:00+00:00): "
            "the clock was set back"),
    ]
