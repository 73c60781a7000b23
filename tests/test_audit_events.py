"""Every operation leaves a record, not only finished exports: refusals with their rules, cancellations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from masking.cli.main import run
from masking.errors import Cancelled, PolicyError
from masking.events import RECORD_TYPES, BlockedExport, CancelledExport, Event, TraceRun
from masking.ledger import EVENTS
from masking.pipeline import ExportRequest, prepare_export, run_export
from masking.violations import violation
from masking.workspace import Workspace

SAMPLE = Path(__file__).resolve().parent.parent / "resources" / "samples" / "customers_zh.xlsx"


def test_event_kinds_are_defined_once() -> None:
    assert frozenset(Event) == EVENTS
    assert all(kind in Event for kind in RECORD_TYPES)


def test_records_round_trip_and_never_hold_more_than_declared() -> None:
    blocked = BlockedExport(input_name="a.xlsx", recipient="银行", purpose="催缴", format="xlsx", rows=200,
                            violations=(violation("approval_needed", rows=200, threshold=100),),
                            message="refused", user="zhang", machine="pc-1")
    assert BlockedExport.from_dict(json.loads(json.dumps(blocked.to_dict()))) == blocked
    assert blocked.to_dict()["violations"] == [{"code": "approval_needed", "args": {"rows": "200",
                                                                                  "threshold": "100"}}]
    trace = TraceRun(leaked_name="", leaked_sha256="0" * 64, rows=3, exports_tested=2, named=("EX-1",))
    assert TraceRun.from_dict({**trace.to_dict(), "unknown": 1}) == trace


def test_a_refused_export_is_recorded_with_its_rules(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "home"
    code = run(["--home", str(home), "export", str(SAMPLE), "--recipient", "城东代收银行", "--purpose", "",
                "--out", str(tmp_path / "out.xlsx")])
    assert code == 4 and "a purpose is required" in capsys.readouterr().err
    assert not (tmp_path / "out.xlsx").exists()
    ring, _ = Workspace(home).keystore.open_or_create("")
    keys, entry = Workspace(home).ledger(ring).entries()
    assert keys.event == Event.KEY and keys.body["action"] == "init"  # the first export made the keys
    assert entry.event == Event.BLOCKED
    record = BlockedExport.from_dict(entry.body)
    assert record.recipient == "城东代收银行" and record.input_name == SAMPLE.name and record.rows > 0
    assert [v.code for v in record.violations] == ["purpose_missing"]
    assert record.message.startswith("a purpose is required")


def test_a_cancelled_export_is_recorded_with_the_rows_done(tmp_path: Path) -> None:
    home = tmp_path / "home"
    ring, _ = Workspace(home).keystore.open_or_create("")
    ledger = Workspace(home).ledger(ring)
    request = ExportRequest(input=SAMPLE, recipient="城东代收银行", purpose="欠费催缴", output=tmp_path / "out.xlsx")
    prepared = prepare_export(request, home)

    def cancel(done: int, _total: int) -> None:
        if done >= 1:
            raise Cancelled("cancelled by the user")

    with pytest.raises(Cancelled):
        run_export(prepared, ring, ledger, progress=cancel)
    assert not (tmp_path / "out.xlsx").exists()
    [entry] = ledger.entries()
    record = CancelledExport.from_dict(entry.body)
    assert entry.event == Event.CANCELLED and record.rows == prepared.plan.rows
    assert 1 <= record.rows_done <= record.rows  # the sample is one batch; the output was removed all the same
    with pytest.raises(PolicyError):
        run_export(prepare_export(ExportRequest(input=SAMPLE, recipient="", purpose="x"), home), ring, ledger)
    assert [e.event for e in ledger.entries()] == [Event.CANCELLED, Event.BLOCKED]
