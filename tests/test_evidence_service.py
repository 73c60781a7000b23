"""The security office's evidence service, end to end on a real PostgreSQL, from the command line."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path
from typing import Any

import psycopg
import pytest
from evidence_service import Service, trace_everything
from evidence_service import cli as _run
from evidence_service import enroll_workstation as _workstation

from masking.errors import KeyProblem, ServiceUnreachable
from masking.evidence.client import ServiceAccess
from masking.evidence.sync import sync_state
from masking.evidence.trail import office_trail, older_page
from masking.policy import DEFAULT_POLICY
from masking.workspace import Workspace

SAMPLE = Path(__file__).resolve().parent.parent / "resources" / "samples" / "customers_zh.xlsx"


def _export(capsys: pytest.CaptureFixture[str], home: Path, recipient: str, out: Path,
            *extra: str) -> tuple[int, Any, str]:
    return _run(capsys, "--home", str(home), "export", str(SAMPLE), "--recipient", recipient, "--purpose", "催缴",
                "--out", str(out), "--format", "csv", "--force", "--json", *extra)


def test_organisation_trace_rollback_and_unsynced_limit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], office: dict[str, str], service: Service,
    db: psycopg.Connection[Any],
) -> None:
    a, b = tmp_path / "ws-a", tmp_path / "ws-b"
    _workstation(capsys, office, a, "branch-a")
    _workstation(capsys, office, b, "branch-b")
    code, export_a, _ = _export(capsys, a, "城东代收银行", tmp_path / "a.csv")
    assert code == 0 and export_a["reporting"] == "sent"
    code, export_b, _ = _export(capsys, b, "城西代收银行", tmp_path / "b.csv")
    assert code == 0 and export_b["reporting"] == "sent"

    # workstation A's home is deleted; a 20-row fragment of its export is traced at the office
    shutil.rmtree(a)
    with (tmp_path / "a.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    fragment = tmp_path / "leak.csv"
    with fragment.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows[:1] + rows[40:60])
    code, _, err = _run(capsys, "trace", str(fragment), "--server", office["url"], "--json")
    assert code == 5 and "token" in err
    token = _run(capsys, "server", "token", "--db", office["db"], "--role", "investigator", "--json")[1]["token"]
    auditor = _run(capsys, "server", "token", "--db", office["db"], "--role", "auditor", "--json")[1]["token"]
    code, _, err = _run(capsys, "trace", str(fragment), "--server", office["url"], "--token", auditor, "--json")
    assert code == 5 and "auditor token may not" in err
    code, report, err = _run(capsys, "trace", str(fragment), "--server", office["url"], "--token", token, "--json")
    assert code == 0, err
    assert report["verdict"]["export_id"] == export_a["export_id"]
    assert report["verdict"]["recipient"] == "城东代收银行"
    named = [c for c in report["candidates"] if c["named"]]
    assert [(c["workstation"], c["export_id"]) for c in named] == [("branch-a", export_a["export_id"])]
    assert report["exports_tested"] == 2 and named[0]["p_value"] <= 1e-6
    # the report an investigator files from the office's trace: A's home is gone, the service's record is not
    html = tmp_path / "report.html"
    code, filed, err = _run(capsys, "trace", str(fragment), "--server", office["url"], "--token", token, "--report",
                            str(html), "--investigator", "Wang Li", "--language", "en", "--json")
    assert code == 0, err
    text = html.read_text(encoding="utf-8")
    assert f"the security office&#x27;s evidence service at {office['url']}" in text
    assert "2 exports from every workstation" in text and filed["leaked_sha256"] in text
    assert export_a["export_id"] in text and "城东代收银行" in text and "Wang Li" in text
    entry_hash = db.execute("SELECT r.hash FROM exports e JOIN records r ON r.id = e.record_id"
                            " WHERE e.export_id = %s", (export_a["export_id"],)).fetchone()
    assert entry_hash is not None and entry_hash[0] in text  # the ledger record it rests on, as the service holds it
    assert "no verifiable record" not in text
    [kept] = db.execute("SELECT detail FROM queries WHERE action = 'report'").fetchall()
    assert json.loads(kept[0])["report_sha256"] == filed["report"]["sha256"]  # recorded where the trace was
    pdf = tmp_path / "report.pdf"
    code, _, err = _run(capsys, "trace", str(fragment), "--server", office["url"], "--token", token, "--report",
                        str(pdf), "--language", "zh_CN")
    assert code == 0 and pdf.read_bytes().startswith(b"%PDF"), err
    code, _, err = _run(capsys, "trace", str(fragment), "--server", "http://127.0.0.1:9", "--token", token,
                        "--report", str(tmp_path / "nowhere.html"))
    assert code == 7 and "could not be reached" in err and not (tmp_path / "nowhere.html").exists()
    # the service's trace scores as the exporting workstation's own trace does (only the union bound differs)
    with (tmp_path / "b.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows_b = list(csv.reader(handle))
    fragment_b = tmp_path / "leak_b.csv"
    with fragment_b.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows_b[:1] + rows_b[100:120])
    local = _run(capsys, "--home", str(b), "trace", str(fragment_b), "--json")[1]
    remote = _run(capsys, "trace", str(fragment_b), "--server", office["url"], "--token", token, "--json")[1]
    assert local["verdict"]["export_id"] == remote["verdict"]["export_id"] == export_b["export_id"]
    assert remote["candidates"][0]["workstation"] == "branch-b" and "workstation" not in local["candidates"][0]
    assert export_a["export_id"] in {c["export_id"] for c in remote["candidates"]}  # A's export: the same people
    # the index loads only the exports that can score, and the report is the one scoring every export gives
    assert remote.pop("service") == office["url"] and remote.pop("leaked_sha256") == local["leaked_sha256"]
    assert trace_everything(db, fragment_b) == remote
    logged = db.execute("SELECT role, action FROM queries").fetchall()
    assert ("investigator", "trace") in logged  # the investigator's query is itself recorded

    # an older copy of B's home is put back, and B exports again
    code, check, _ = _run(capsys, "server", "check", "--db", office["db"], "--json")
    assert code == 0 and check == {"ok": True, "problems": []}
    shutil.copytree(b, tmp_path / "b-old")
    assert _export(capsys, b, "城西代收银行", tmp_path / "b2.csv")[0] == 0
    shutil.rmtree(b)
    shutil.copytree(tmp_path / "b-old", b)
    code, again, _ = _export(capsys, b, "城西代收银行", tmp_path / "b3.csv")
    assert code == 0 and again["reporting"] == "sent"  # the employee is not locked out
    code, check, _ = _run(capsys, "server", "check", "--db", office["db"], "--json")
    assert code == 8 and not check["ok"]
    assert [p["workstation"] for p in check["problems"]] == ["branch-b"]
    assert "older copy" in check["problems"][0]["problem"]
    code, cleared, _ = _run(capsys, "server", "resolve", "--db", office["db"], "--workstation", "branch-b", "--json")
    assert code == 0 and cleared["cleared"] == 1
    assert _run(capsys, "server", "check", "--db", office["db"])[0] == 0

    # past its unsynced limit a workstation is refused, and exports again once sync succeeds
    policy = tmp_path / "policy.toml"
    policy.write_text(DEFAULT_POLICY.read_text(encoding="utf-8").replace(
        "max_unsynced_exports = 20", "max_unsynced_exports = 2"), encoding="utf-8")
    service.stop()
    for n in (1, 2):
        code, queued, _ = _export(capsys, b, "城西代收银行", tmp_path / f"q{n}.csv", "--policy", str(policy))
        assert code == 0 and queued["reporting"] == "queued"
    code, _, err = _run(capsys, "--home", str(b), "sync")
    assert code == 7 and "could not be reached" in err
    code, _, err = _export(capsys, b, "城西代收银行", tmp_path / "q3.csv", "--policy", str(policy))
    assert code == 4 and "2 exports have not reached the security office" in err
    assert not (tmp_path / "q3.csv").exists()
    service.start()
    code, synced, _ = _run(capsys, "--home", str(b), "sync", "--json")
    assert code == 0 and synced["sent"] == 3  # the two exports, and the refused attempt ("blocked")
    events = db.execute("SELECT r.event FROM records r JOIN workstations w ON w.id = r.workstation_id"
                        " WHERE w.name = 'branch-b' ORDER BY r.id DESC LIMIT 3").fetchall()
    assert [e[0] for e in events] == ["blocked", "export", "export"]
    code, done, _ = _export(capsys, b, "城西代收银行", tmp_path / "q3.csv", "--policy", str(policy))
    assert code == 0 and done["reporting"] == "sent"
    count = db.execute("SELECT count(*) FROM exports").fetchone()
    assert count is not None and count[0] == 7


def test_an_approval_code_is_consumed_at_the_service(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], office: dict[str, str], db: psycopg.Connection[Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Issue 12: a code is consumed at the service before the output is committed, so a copied home
    cannot reuse it while the service is reachable; reuse made offline is flagged when the records arrive."""
    monkeypatch.setenv("EXPORTGUARD_SIGNING_PASSPHRASE", "office signing secret")
    key = tmp_path / "office.key"
    code, made, _ = _run(capsys, "approve", "keygen", "--out", str(key), "--json")
    assert code == 0
    policy = tmp_path / "policy.toml"
    policy.write_text(DEFAULT_POLICY.read_text(encoding="utf-8").replace(
        "# approval_threshold = 5000", "approval_threshold = 50").replace(
        "mandatory_layers = []", f'mandatory_layers = []\napproval_keys = ["{made["public_key"]}"]'), "utf-8")
    home = tmp_path / "ws"
    _workstation(capsys, office, home, "branch-c")
    shutil.copytree(home, tmp_path / "copy-online")
    shutil.copytree(home, tmp_path / "copy-offline")
    code, issued, _ = _run(capsys, "--home", str(tmp_path / "office-home"), "approve", str(SAMPLE), "--recipient",
                           "城东代收银行", "--rows", "200", "--signing-key", str(key), "--json")
    assert code == 0
    approval = ["--policy", str(policy), "--approval", issued["code"]]

    code, first, err = _export(capsys, home, "城东代收银行", tmp_path / "first.csv", *approval)
    assert code == 0, err
    [held] = db.execute("SELECT export_id FROM approvals_used").fetchall()
    assert held[0] == first["export_id"]

    # a copy of the home taken before that export: its own ledger never saw the code, the service did
    out = tmp_path / "second.csv"
    out.unlink(missing_ok=True)
    code, refused, err = _run(capsys, "--home", str(tmp_path / "copy-online"), "export", str(SAMPLE), "--recipient",
                              "城东代收银行", "--purpose", "催缴", "--out", str(out), "--format", "csv", "--json",
                              *approval)
    assert code == 4 and "already used on 20" in err and first["export_id"] in err
    assert refused["error"]["exit_code"] == 4 and not out.exists()

    # another copy, cut off from the service: the export goes through, and the service flags it on arrival
    offline = tmp_path / "copy-offline"
    link = json.loads((offline / "service.json").read_text("utf-8"))
    link["url"], reachable = "http://127.0.0.1:9", link["url"]
    (offline / "service.json").write_text(json.dumps(link), "utf-8")
    code, third, err = _export(capsys, offline, "城东代收银行", tmp_path / "third.csv", *approval)
    assert code == 0 and third["reporting"] == "queued", err
    link["url"] = reachable
    (offline / "service.json").write_text(json.dumps(link), "utf-8")
    assert _run(capsys, "--home", str(offline), "sync")[0] == 0
    flags = [row[0] for row in db.execute("SELECT flag FROM records WHERE flag LIKE '%%approval code reused%%'")]
    assert len(flags) == 1 and first["export_id"] in flags[0]
    code, check, _ = _run(capsys, "server", "check", "--db", office["db"], "--json")
    assert code == 8 and any("approval code reused" in p["problem"] for p in check["problems"])


def test_the_office_trail_and_this_workstations_sync_state(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], office: dict[str, str], service: Service,
    db: psycopg.Connection[Any],
) -> None:
    """The Audit page's two views of the service: the office's trail (auditor token) and how far this
    workstation has reported."""
    home = tmp_path / "ws"
    _workstation(capsys, office, home, "branch-d")
    ring = Workspace(home).keystore.unlock("")
    ledger = Workspace(home).ledger(ring)
    state = sync_state(home, ledger)
    assert state is not None and (state.name, state.pending, state.url) == ("branch-d", 0, office["url"])
    assert state.last_sync  # the enrollment's upload
    assert sync_state(tmp_path / "standalone", ledger) is None
    code, made, _ = _export(capsys, home, "城东代收银行", tmp_path / "a.csv")
    assert code == 0
    service.stop()
    _export(capsys, home, "城西代收银行", tmp_path / "b.csv")
    state = sync_state(home, ledger)
    assert state is not None and (state.pending, state.pending_exports) == (1, 1)
    service.start()

    auditor = ServiceAccess.of(office["url"], _run(capsys, "server", "token", "--db", office["db"], "--role",
                                                   "auditor", "--json")[1]["token"])
    trail = office_trail(auditor)
    assert [(e.workstation, e.event) for e in trail.entries] == [("branch-d", "export"), ("branch-d", "key")]
    assert trail.entries[0].body["export_id"] == made["export_id"] and trail.problems == ()
    assert [e.event for e in office_trail(auditor, event="key").entries] == ["key"]
    user = trail.entries[0].body["user"]
    assert len(office_trail(auditor, employee=user).entries) == 2
    assert office_trail(auditor, employee=user + "-nobody").entries == ()
    db.execute("UPDATE records SET flag = 'a test flag' WHERE event = 'export'")
    assert [(p.workstation, p.problem) for p in office_trail(auditor).problems] == [("branch-d", "a test flag")]
    assert ("auditor", "list records") in db.execute("SELECT role, action FROM queries").fetchall()
    with pytest.raises(KeyProblem):
        office_trail(ServiceAccess.of(office["url"], "egt_not-a-token"))
    with pytest.raises(ServiceUnreachable):
        office_trail(ServiceAccess.of("http://127.0.0.1:9", "egt_x"))

    # a page at a time, newest first: the cursor reads on where the last page ended, to the oldest
    _export(capsys, home, "城北代收银行", tmp_path / "c.csv")  # sent now, with the one that waited
    whole = office_trail(auditor)
    assert len(whole.entries) == 4 and whole.older is None
    first = office_trail(auditor, limit=3)
    assert first.entries == whole.entries[:3] and first.older is not None
    assert older_page(auditor, first, limit=3).entries == whole.entries and older_page(auditor, first).older is None
    exports = office_trail(auditor, event="export", limit=1)  # the cursor keeps the narrowing
    assert older_page(auditor, exports, limit=1).entries == tuple(e for e in whole.entries if e.event == "export")[:2]
    # and from the command line: exportguard audit list --server URL
    token = auditor.token
    code, listed, err = _run(capsys, "audit", "list", "--server", office["url"], "--token", token, "--limit", "2",
                             "--json")
    assert code == 0, err
    assert [r["seq"] for r in listed["entries"]] == [e.seq for e in whole.entries[:2]]
    assert listed["entries"][0]["workstation"] == "branch-d" and listed["entries"][0]["flag"] is None
    code, rest, _ = _run(capsys, "audit", "list", "--server", office["url"], "--token", token, "--limit", "2",
                         "--before", str(listed["older"]), "--json")
    assert [r["seq"] for r in rest["entries"]] == [e.seq for e in whole.entries[2:]] and rest["older"] is None
    assert rest["entries"][0]["flag"] == "a test flag"
    code, text, _ = _run(capsys, "audit", "list", "--server", office["url"], "--token", token, "--limit", "1")
    assert code == 0 and "branch-d" in text and "Older records: add --before " in text
    code, _, err = _run(capsys, "audit", "list", "--server", office["url"], "--limit", "0", "--token", token)
    assert code == 2 and "--limit is 1 to 10,000" in err
    code, _, err = _run(capsys, "audit", "list", "--limit", "5")
    assert code == 2 and "--limit goes with --server" in err
    code, _, err = _run(capsys, "audit", "list", "--server", office["url"], "--token", "egt_not-a-token")
    assert code == 5 and "unknown, expired or revoked" in err
