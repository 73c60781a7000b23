"""Every operation leaves a record, not only finished exports: refusals with their rules, cancellations."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from desktop.wording import event_details, event_label
from masking.cli.main import run
from masking.errors import Cancelled, PolicyError
from masking.events import RECORD_TYPES, BlockedExport, CancelledExport, Event, PolicyChange, TraceRun
from masking.ledger import EVENTS
from masking.pipeline import ExportRequest, prepare_export, run_export
from masking.policy import DEFAULT_POLICY
from masking.violations import violation
from masking.workspace import Workspace

WORKSTATION_PASSPHRASE = "workstation secret"
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


def test_policy_and_office_events_are_recorded_where_they_are_made(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The office signs a policy and makes, rolls, backs up and restores its keys (each an event in the
    ledger of the office's own home); a managed workstation installs the policy (an event in its own)."""
    monkeypatch.setenv("EXPORTGUARD_SIGNING_PASSPHRASE", "office signing secret")
    monkeypatch.setenv("EXPORTGUARD_DECRYPTION_PASSPHRASE", "office decryption secret")
    monkeypatch.setenv("EXPORTGUARD_BUNDLE_PASSPHRASE", "bundle passphrase")
    office_home, office, station = tmp_path / "office-home", tmp_path / "office", tmp_path / "ws"

    def cli(*argv: str) -> Any:
        code = run(list(argv))
        out, err = capsys.readouterr()
        assert code == 0, err
        return json.loads(out) if "--json" in argv else out

    at_office = ("--home", str(office_home))
    cli(*at_office, "keys", "init", "--no-passphrase")
    made = cli(*at_office, "office", "init", "--out", str(office), "--name", "市公司安全办", "--json")
    signed = cli(*at_office, "policy", "sign", str(DEFAULT_POLICY), "--office", str(office), "--out",
                 str(tmp_path / "org.signed.json"), "--json")
    cli(*at_office, "keys", "export-bundle", "--office", str(office), "--out", str(tmp_path / "org.egkeys"))
    with monkeypatch.context() as managed:  # a managed workstation's keystore has a passphrase
        managed.setenv("EXPORTGUARD_PASSPHRASE", WORKSTATION_PASSPHRASE)
        cli("--home", str(station), "keys", "import-bundle", str(tmp_path / "org.egkeys"))
        installed = cli("--home", str(station), "policy", "install", str(tmp_path / "org.signed.json"), "--json")
    cli(*at_office, "office", "backup", "--office", str(office), "--threshold", "2", "--shares", "3", "--out",
        str(tmp_path / "shares"))
    shares = sorted((tmp_path / "shares").iterdir())
    lost = tmp_path / "office-after-a-fire"  # its public keys as they were when the shares were made
    lost.mkdir()
    shutil.copy(office / "office.json", lost / "office.json")
    rolled = cli(*at_office, "office", "roll", "--office", str(office), "--json")
    monkeypatch.setenv("EXPORTGUARD_DECRYPTION_PASSPHRASE", "a new decryption passphrase")
    cli(*at_office, "office", "restore", "--office", str(lost), str(shares[0]), str(shares[2]))
    cli(*at_office, "office", "status", "--office", str(office))  # a read: nothing recorded

    ledger = Workspace(office_home).ledger(Workspace(office_home).keystore.unlock(""))
    events = [(e.event, e.body.get("action")) for e in ledger.entries()]
    assert events == [("key", "init"), ("office", "init"), ("policy", "sign"), ("key", "export-bundle"),
                      ("office", "backup"), ("office", "roll"), ("office", "restore")]
    by_action = {e.body["action"]: e.body for e in ledger.entries() if e.event in ("office", "policy")}
    sign = PolicyChange.from_dict(by_action["sign"])
    assert (sign.sha256, sign.signer, sign.office_id) == (signed["sha256"], made["office_id"], made["office_id"])
    assert by_action["init"]["office_id"] == made["office_id"] and by_action["init"]["name"] == "市公司安全办"
    assert (by_action["backup"]["shares"], by_action["backup"]["threshold"]) == (3, 2)
    assert by_action["roll"]["office_id"] == rolled["office_id"] and by_action["roll"]["rolls"] == 1
    assert by_action["restore"]["shares"] == 2
    text = ledger.path.read_bytes()
    for share in shares:  # never a share's words
        assert share.read_text("utf-8").splitlines()[-1].split()[0].encode() not in text

    ws_ledger = Workspace(station).ledger(Workspace(station).keystore.unlock(WORKSTATION_PASSPHRASE))
    [install] = ws_ledger.entries("policy")
    record = PolicyChange.from_dict(install.body)
    assert record.action == "install" and record.sha256 == installed["sha256"] == signed["sha256"]
    assert record.office_id == made["office_id"]

    # the Audit page words each one (the desktop's table reads the same records)
    assert event_details("policy", install.body) == f"Policy {record.version} installed, signed by {made['office_id']}"
    assert event_details("policy", by_action["sign"]) == f"Policy {sign.version} signed for the workstations"
    assert event_details("office", by_action["backup"]) == "Decryption key split into 3 shares, any 2 restore it"
    assert event_details("office", by_action["roll"]) == f"The office's keys rolled; now {rolled['office_id']}"
    assert event_label("office") == "Security office keys"


def test_an_office_command_in_a_home_whose_keys_will_not_open_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "office-home"
    Workspace(home).keystore.create("a passphrase that is long enough")
    monkeypatch.setenv("EXPORTGUARD_SIGNING_PASSPHRASE", "office signing secret")
    monkeypatch.setenv("EXPORTGUARD_DECRYPTION_PASSPHRASE", "office decryption secret")
    monkeypatch.setenv("EXPORTGUARD_PASSPHRASE", "the wrong passphrase")
    code = run(["--home", str(home), "office", "init", "--out", str(tmp_path / "office")])
    assert code == 5 and "passphrase" in capsys.readouterr().err.lower()
    assert not (tmp_path / "office").exists()  # refused before anything was made, so nothing goes unrecorded
