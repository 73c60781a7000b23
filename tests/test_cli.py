"""The command line as scripts use it: exit codes, one-line errors, exactly one JSON object."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from masking.cli.main import run


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = run(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_usage_error_is_one_line_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "scan")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("exportguard: error:")
    code, _, err = _run(capsys, "no-such-command")
    assert code == 2 and err.count("\n") == 1


def test_no_command_prints_help_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys)
    assert code == 2 and "scan" in err


def test_usage_error_with_json_still_prints_one_object(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "audit", "verify", "--json", "--bogus")
    assert code == 2
    assert json.loads(out)["error"]["exit_code"] == 2


def test_keys_init_status_rotate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = str(tmp_path / "home")
    code, out, _ = _run(capsys, "--home", home, "keys", "init", "--no-passphrase", "--json")
    assert code == 0
    created = json.loads(out)
    assert created["protected"] is False and created["active_key"].startswith("K")
    code, out, _ = _run(capsys, "--home", home, "keys", "rotate", "--json")
    assert code == 0 and json.loads(out)["keys"] == 2
    code, out, _ = _run(capsys, "--home", home, "keys", "status", "--json")
    status = json.loads(out)
    assert [k["status"] for k in status["keys"]] == ["active", "retired"]
    code, _, err = _run(capsys, "--home", home, "keys", "init", "--no-passphrase")
    assert code == 6 and "already exists" in err


def test_wrong_passphrase_is_exit_5(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    home = str(tmp_path / "home")
    monkeypatch.setenv("EXPORTGUARD_NEW_PASSPHRASE", "right passphrase")
    assert _run(capsys, "--home", home, "keys", "init")[0] == 0
    monkeypatch.setenv("EXPORTGUARD_PASSPHRASE", "wrong passphrase")
    code, out, err = _run(capsys, "--home", home, "keys", "rotate")
    assert code == 5 and out == ""
    assert err.strip() == f"exportguard: error: wrong passphrase for the keystore at {home}/keystore.json"
    monkeypatch.setenv("EXPORTGUARD_PASSPHRASE", "right passphrase")
    assert _run(capsys, "--home", home, "keys", "rotate")[0] == 0


def test_bundle_roundtrip_through_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    office, branch = str(tmp_path / "office"), str(tmp_path / "branch")
    bundle = str(tmp_path / "org.egkeys")
    monkeypatch.setenv("EXPORTGUARD_BUNDLE_PASSPHRASE", "bundle passphrase")
    _run(capsys, "--home", office, "keys", "init", "--no-passphrase", "--organisation", "城东供电")
    assert _run(capsys, "--home", office, "keys", "export-bundle", "--out", bundle)[0] == 0
    code, out, _ = _run(capsys, "--home", branch, "keys", "import-bundle", bundle, "--json")
    assert code == 0 and json.loads(out)["organisation"] == "城东供电"
    office_status = json.loads(_run(capsys, "--home", office, "keys", "status", "--json")[1])
    branch_status = json.loads(_run(capsys, "--home", branch, "keys", "status", "--json")[1])
    assert office_status["active_key"] == branch_status["active_key"]


def test_audit_verify_names_a_tampered_record(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "home"
    _run(capsys, "--home", str(home), "keys", "init", "--no-passphrase")
    for _ in range(3):
        _run(capsys, "--home", str(home), "keys", "rotate")
    code, out, _ = _run(capsys, "--home", str(home), "audit", "verify", "--json")
    assert code == 0 and json.loads(out) == {"ok": True, "entries": 4, "problems": []}
    listing = json.loads(_run(capsys, "--home", str(home), "audit", "list", "--json")[1])
    assert [e["event"] for e in listing["entries"]] == ["key", "key", "key", "key"]
    assert [e["details"]["action"] for e in listing["entries"]] == ["init", "rotate", "rotate", "rotate"]
    db = sqlite3.connect(home / "ledger.sqlite")
    db.execute("DROP TRIGGER entries_no_update")
    db.execute("UPDATE entries SET body = '{\"action\":\"nothing\"}' WHERE seq = 2")
    db.commit()
    db.close()
    code, out, _ = _run(capsys, "--home", str(home), "audit", "verify")
    assert code == 8 and "record 2" in out and "TAMPERED" in out


def test_audit_export_import_to_central(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    branch, central, stranger = (str(tmp_path / n) for n in ("branch", "central", "stranger"))
    records, bundle = str(tmp_path / "a.jsonl"), str(tmp_path / "b.egkeys")
    monkeypatch.setenv("EXPORTGUARD_BUNDLE_PASSPHRASE", "bundle passphrase")
    _run(capsys, "--home", central, "keys", "init", "--no-passphrase")
    _run(capsys, "--home", central, "keys", "export-bundle", "--out", bundle)
    _run(capsys, "--home", branch, "keys", "import-bundle", bundle)
    _run(capsys, "--home", branch, "keys", "rotate")
    assert _run(capsys, "--home", branch, "audit", "export", "--out", records)[0] == 0
    code, _, err = _run(capsys, "--home", stranger, "audit", "import", records)
    assert code == 3 and "hash or MAC" in err  # without the organisation's keys nothing is accepted
    code, out, _ = _run(capsys, "--home", central, "audit", "import", records, "--json")
    assert code == 3  # the branch's rotated key is not known centrally until its bundle comes back
    _run(capsys, "--home", branch, "keys", "export-bundle", "--out", str(tmp_path / "b2.egkeys"))
    _run(capsys, "--home", central, "keys", "import-bundle", str(tmp_path / "b2.egkeys"))
    code, out, _ = _run(capsys, "--home", central, "audit", "import", records, "--json")
    assert code == 0 and json.loads(out)["added"] == 2
    assert json.loads(_run(capsys, "--home", central, "audit", "verify", "--json")[1])["ok"] is True


def test_reading_an_empty_home_creates_no_keys(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "fresh"
    code, out, _ = _run(capsys, "--home", str(home), "audit", "verify", "--json")
    assert code == 0 and json.loads(out) == {"ok": True, "entries": 0, "problems": []}
    assert _run(capsys, "--home", str(home), "audit", "list")[1].strip() == "The audit ledger is empty."
    code, _, err = _run(capsys, "--home", str(home), "audit", "export", "--out", str(tmp_path / "x.jsonl"))
    assert code == 5 and "nothing has been recorded" in err
    assert not home.exists()


def test_the_default_output_leaves_out_a_recipient_with_nothing_to_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A recipient of punctuation only names no file: 名单_外发.csv, never 名单_外发_export.csv."""
    source = tmp_path / "名单.csv"
    source.write_text("姓名,手机\n张三,13912345678\n李四,13812345678\n", encoding="utf-8")
    home = str(tmp_path / "home")
    code, out, _ = _run(capsys, "--home", home, "export", str(source), "--recipient", "——", "--purpose", "核对",
                        "--json")
    assert code == 0, out
    assert json.loads(out)["output"] == str(tmp_path / "名单_外发.csv")
    assert (tmp_path / "名单_外发.csv").is_file() and not (tmp_path / "名单_外发_export.csv").exists()
