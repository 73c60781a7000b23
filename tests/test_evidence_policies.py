"""The service refuses export records made under a policy the office did not sign (issue 11's gap), on a
real PostgreSQL: the office registers what it signed; a record under another policy is refused and kept
for an admin, the records before it in the batch are kept, and ``server resolve`` lets it in flagged; a
record naming no policy hash is stored flagged."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import psycopg
import pytest
from evidence_service import Service
from evidence_service import cli as _run
from test_evidence_refusals import Station

from masking.evidence.link import load_link
from masking.policy import DEFAULT_POLICY
from masking.server.check import check

SAMPLE = Path(__file__).resolve().parent.parent / "resources" / "samples" / "customers_zh.xlsx"


def _office(capsys: pytest.CaptureFixture[str], folder: Path, name: str) -> None:
    assert _run(capsys, "office", "init", "--out", str(folder), "--name", name)[0] == 0


def test_records_under_a_policy_the_office_did_not_sign_are_refused_until_an_admin_resolves_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, service: Service,
    db: psycopg.Connection[Any],
) -> None:
    monkeypatch.setenv("EXPORTGUARD_SIGNING_PASSPHRASE", "office signing secret")
    monkeypatch.setenv("EXPORTGUARD_DECRYPTION_PASSPHRASE", "office decryption secret")
    monkeypatch.setenv("EXPORTGUARD_BUNDLE_PASSPHRASE", "bundle passphrase")
    office, other = tmp_path / "office", tmp_path / "other-office"
    _office(capsys, office, "市公司安全办")
    _office(capsys, other, "别处")
    signed, foreign = tmp_path / "org.signed.json", tmp_path / "foreign.signed.json"
    toml = tmp_path / "org.toml"  # the office's own rules, not the built-in default's text
    toml.write_text(DEFAULT_POLICY.read_text("utf-8").replace("max_unsynced_exports = 20", "max_unsynced_exports = 10"),
                    "utf-8")
    for folder, out in ((office, signed), (other, foreign)):
        assert _run(capsys, "policy", "sign", str(toml), "--office", str(folder), "--out", str(out))[0] == 0
    sha = json.loads(signed.read_text("utf-8"))["sha256"]

    # only what this office signed is registered
    code, _, err = _run(capsys, "server", "policy", "--db", service.db_url, "--office", str(office), str(foreign))
    assert code == 4 and "foreign.signed.json" in err
    code, _, err = _run(capsys, "server", "policy", "--db", service.db_url, "--office", str(office),
                        str(DEFAULT_POLICY))
    assert code == 4 and "not a signed policy" in err
    code, registered, _ = _run(capsys, "server", "policy", "--db", service.db_url, "--office", str(office),
                               str(signed), "--json")
    assert code == 0 and registered["policies"] == 1 and registered["registered"][0]["sha256"] == sha

    # a workstation exports under the office's policy, then under its own (the built-in default)
    home, bundle = tmp_path / "ws", str(tmp_path / "org.egkeys")
    assert _run(capsys, "--home", str(tmp_path / "office-home"), "keys", "init", "--no-passphrase")[0] == 0
    assert _run(capsys, "--home", str(tmp_path / "office-home"), "keys", "export-bundle", "--out", bundle)[0] == 0
    assert _run(capsys, "--home", str(home), "keys", "import-bundle", bundle)[0] == 0
    enroll_code = _run(capsys, "server", "enroll-code", "--db", service.db_url, "--workstation", "branch-p",
                       "--json")[1]["code"]
    assert _run(capsys, "--home", str(home), "enroll", service.url, enroll_code)[0] == 0

    def export(name: str, *policy: str) -> dict[str, Any]:
        code, made, err = _run(capsys, "--home", str(home), "export", str(SAMPLE), "--recipient", "城东代收银行",
                               "--purpose", "催缴", "--out", str(tmp_path / name), "--format", "csv", "--json", *policy)
        assert code == 0, err
        return dict(made)

    assert export("signed.csv", "--policy", str(signed))["reporting"] == "sent"
    service.stop()
    kept_before = export("queued.csv", "--policy", str(signed))
    own = export("own.csv")
    after = export("after.csv", "--policy", str(signed))
    service.start()
    code, _, err = _run(capsys, "--home", str(home), "sync")
    assert code == 8 and "which the security office did not sign" in err
    stored = [r[0] for r in db.execute("SELECT body::jsonb ->> 'export_id' FROM records WHERE event = 'export'"
                                       " ORDER BY id")]
    assert stored[-1] == kept_before["export_id"] and own["export_id"] not in stored  # kept up to the refused one
    assert after["export_id"] not in stored  # queued behind it
    link = load_link(home)
    assert link is not None
    held = db.execute("SELECT seq FROM records WHERE body::jsonb ->> 'export_id' = %s",
                      (kept_before["export_id"],)).fetchone()
    assert held is not None and link.acked_seq == held[0]  # what the service stored is not sent again
    [refused] = db.execute("SELECT body::jsonb ->> 'export_id', reason FROM refused_records").fetchall()
    assert refused[0] == own["export_id"] and "did not sign" in refused[1]
    code, checked, _ = _run(capsys, "server", "check", "--db", service.db_url, "--json")
    assert code == 8 and [p["workstation"] for p in checked["problems"]] == ["branch-p"]
    assert "refused, made under policy" in checked["problems"][0]["problem"]
    assert _run(capsys, "--home", str(home), "sync")[0] == 8  # still refused: nobody has looked

    # an admin looks and lets it in: it is stored, flagged and resolved, and the queue behind it follows
    code, cleared, _ = _run(capsys, "server", "resolve", "--db", service.db_url, "--workstation", "branch-p", "--json")
    assert code == 0 and cleared["cleared"] == 1
    code, synced, err = _run(capsys, "--home", str(home), "sync", "--json")
    assert code == 0, err
    assert [item["seq"] for item in synced["flagged"]] == [link.acked_seq + 1]
    rows = db.execute("SELECT body::jsonb ->> 'export_id', flag, resolved IS NOT NULL FROM records"
                      " WHERE event = 'export' ORDER BY id DESC LIMIT 2").fetchall()
    assert rows[0] == (after["export_id"], None, False)
    assert rows[1][0] == own["export_id"] and "let in by an admin" in rows[1][1] and rows[1][2]
    assert _run(capsys, "server", "check", "--db", service.db_url)[0] == 0


def test_without_registered_policies_nothing_is_refused_and_a_record_without_a_policy_hash_is_flagged(
    tmp_path: Path, service: Service, db: psycopg.Connection[Any],
) -> None:
    station = Station(tmp_path / "ws", service, db, "branch-q")
    assert station.send(station.export(1))["accepted"] == 1  # no policy registered: the rule is off
    db.execute("INSERT INTO policies (sha256, version, signer) VALUES (%s, '2026.1', 'AK-TEST')", ("a" * 64,))
    answer = station.send(station.export(2))  # the test's records carry no policy at all
    assert answer["accepted"] == 0 and "names no policy hash" in answer["flagged"][0]["problem"]
    assert [p.problem for p in check(db)] == [f"record {answer['flagged'][0]['seq']}: "
                                              "the record names no policy hash: whether the office signed its "
                                              "policy cannot be told"]


def test_an_older_policy_the_office_withdrew_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, service: Service,
    db: psycopg.Connection[Any],
) -> None:
    """A workstation may install any policy the office ever signed (docs/insider-review.md, row 6): the
    office's ``server policy --replace`` withdraws the older ones, so records made under them are refused."""
    monkeypatch.setenv("EXPORTGUARD_SIGNING_PASSPHRASE", "office signing secret")
    monkeypatch.setenv("EXPORTGUARD_DECRYPTION_PASSPHRASE", "office decryption secret")
    monkeypatch.setenv("EXPORTGUARD_BUNDLE_PASSPHRASE", "bundle passphrase")
    office = tmp_path / "office"
    _office(capsys, office, "市公司安全办")
    old, new = tmp_path / "old.signed.json", tmp_path / "new.signed.json"
    text = DEFAULT_POLICY.read_text("utf-8")
    for out, body in ((old, text), (new, text.replace('offline_exports = "allow"', 'offline_exports = "refuse"'))):
        (tmp_path / "p.toml").write_text(body, "utf-8")
        signed = _run(capsys, "policy", "sign", str(tmp_path / "p.toml"), "--office", str(office), "--out", str(out))
        assert signed[0] == 0
    assert _run(capsys, "server", "policy", "--db", service.db_url, "--office", str(office), str(old))[0] == 0
    code, answer, _ = _run(capsys, "server", "policy", "--db", service.db_url, "--office", str(office), str(new),
                           "--replace", "--json")
    assert code == 0 and answer["policies"] == 1
    assert [p["sha256"] for p in answer["withdrawn"]] == [json.loads(old.read_text("utf-8"))["sha256"]]

    home, bundle = tmp_path / "ws", str(tmp_path / "org.egkeys")
    assert _run(capsys, "--home", str(tmp_path / "office-home"), "keys", "init", "--no-passphrase")[0] == 0
    assert _run(capsys, "--home", str(tmp_path / "office-home"), "keys", "export-bundle", "--out", bundle)[0] == 0
    assert _run(capsys, "--home", str(home), "keys", "import-bundle", bundle)[0] == 0
    enroll_code = _run(capsys, "server", "enroll-code", "--db", service.db_url, "--workstation", "branch-w",
                       "--json")[1]["code"]
    assert _run(capsys, "--home", str(home), "enroll", service.url, enroll_code)[0] == 0
    code, made, err = _run(capsys, "--home", str(home), "export", str(SAMPLE), "--recipient", "城东代收银行",
                           "--purpose", "催缴", "--out", str(tmp_path / "old.csv"), "--format", "csv", "--json",
                           "--policy", str(old))
    assert code == 0 and made["reporting"] == "refused", err
    code, checked, _ = _run(capsys, "server", "check", "--db", service.db_url, "--json")
    assert code == 8 and "refused, made under policy" in checked["problems"][0]["problem"]
