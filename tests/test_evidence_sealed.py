"""The originals a managed workstation sealed to the office travel to the evidence service with the
export's record, and the office restores from there once the employee has deleted the home (a real
PostgreSQL, the service in a thread): the service checks the blob against the signed record and
refuses a mismatch, stores a record whose blob did not come flagged, and hands it only to an
investigator's or admin's token, recording each fetch."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from evidence_service import Service
from evidence_service import cli as _run
from test_office import ENCRYPTED, SAMPLE, _table, _text

from masking.cli.main import run
from masking.errors import IntegrityProblem
from masking.evidence.client import ServiceClient
from masking.evidence.envelope import SIGNATURE_HEADER, ReportedRecord, encode_records
from masking.evidence.identity import load_identity
from masking.evidence.link import load_link
from masking.policy import DEFAULT_POLICY
from masking.workspace import Workspace

PASSPHRASES = {"EXPORTGUARD_SIGNING_PASSPHRASE": "office signing secret",
               "EXPORTGUARD_DECRYPTION_PASSPHRASE": "office decryption secret",
               "EXPORTGUARD_BUNDLE_PASSPHRASE": "bundle secret 1", "EXPORTGUARD_PASSPHRASE": "workstation secret"}


@pytest.fixture(scope="module")
def organisation(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path, Path]]:
    """The office's folder, its bundle of public keys for workstations and its signed policy (made once)."""
    root = tmp_path_factory.mktemp("sealed-org")
    office, office_home, bundle, signed = root / "office", root / "office-home", root / "org.bundle", root / "p.json"
    with pytest.MonkeyPatch.context() as patch:
        _passphrases(patch)
        assert run(["office", "init", "--out", str(office), "--name", "市公司安全办"]) == 0
        assert run(["--home", str(office_home), "keys", "init", "--organisation", "城东供电"]) == 0
        assert run(["--home", str(office_home), "keys", "export-bundle", "--office", str(office), "--out",
                    str(bundle)]) == 0
        assert run(["policy", "sign", str(DEFAULT_POLICY), "--office", str(office), "--out", str(signed)]) == 0
    yield office, bundle, signed


def _passphrases(patch: pytest.MonkeyPatch) -> None:
    for name, value in PASSPHRASES.items():
        patch.setenv(name, value)
    patch.setenv("EXPORTGUARD_NEW_PASSPHRASE", PASSPHRASES["EXPORTGUARD_PASSPHRASE"])


def _managed_workstation(capsys: pytest.CaptureFixture[str], organisation: tuple[Path, Path, Path], home: Path,
                         service: Service) -> None:
    """An enrolled managed workstation running the office's signed policy."""
    _, bundle, signed = organisation
    assert _run(capsys, "--home", str(home), "keys", "import-bundle", str(bundle))[0] == 0
    assert _run(capsys, "--home", str(home), "policy", "install", str(signed))[0] == 0
    code = _run(capsys, "server", "enroll-code", "--db", service.db_url, "--workstation", "branch-s", "--json")[1]
    assert _run(capsys, "--home", str(home), "enroll", service.url, code["code"])[0] == 0


def test_the_office_restores_from_the_service_after_the_home_is_deleted(  # noqa: PLR0917 (pytest fixtures)
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, service: Service,
    db: psycopg.Connection[Any], organisation: tuple[Path, Path, Path],
) -> None:
    _passphrases(monkeypatch)
    office, home = organisation[0], tmp_path / "ws"
    _managed_workstation(capsys, organisation, home, service)
    actions = [arg for header in ENCRYPTED for arg in ("--action", f"{header}=encrypt")]
    made = {}
    for fmt in ("xlsx", "csv"):
        code, answer, err = _run(capsys, "--home", str(home), "export", str(SAMPLE), "--recipient", "城东代收银行",
                                 "--purpose", "欠费催缴", "--out", str(tmp_path / f"out.{fmt}"), "--json", *actions)
        assert code == 0 and answer["reporting"] == "sent", err
        made[fmt] = answer["export_id"]
    held = dict(db.execute("SELECT export_id, sha256 FROM sealed").fetchall())
    assert set(held) == set(made.values())
    # what the service holds is byte for byte what the workstation sealed (and cannot open)
    assert all((home / "sealed" / f"{i}.egsealed").read_bytes() == bytes(
        db.execute("SELECT blob FROM sealed WHERE export_id = %s", (i,)).fetchone()[0]) for i in made.values())

    # a blob altered on the way is refused: the signed record names another SHA-256
    ring = Workspace(home).keystore.unlock(PASSPHRASES["EXPORTGUARD_PASSPHRASE"])
    ledger = Workspace(home).ledger(ring)
    link = load_link(home)
    assert link is not None
    export_entry = ledger.entries("export")[-1]
    blob = bytearray((home / "sealed" / f"{made['csv']}.egsealed").read_bytes())
    blob[-3] ^= 1
    body, signature = encode_records(link.workstation_id, [ReportedRecord(export_entry, None, bytes(blob))],
                                     load_identity(home, ring))
    with pytest.raises(IntegrityProblem, match="sealed originals do not match the record"):
        ServiceClient(service.url).request("POST", "/v1/records", body, {SIGNATURE_HEADER: signature})

    # the employee deletes the home; the office restores both files from the service
    shutil.rmtree(home)
    tokens = {role: _run(capsys, "server", "token", "--db", service.db_url, "--role", role, "--json")[1]["token"]
              for role in ("investigator", "auditor")}
    source = _table(SAMPLE)
    columns = [0, 1, 2, 4, 5]  # 户号, 户名, 手机号码, 身份证号码, 用电地址
    wanted = {tuple(_text(row[i]) for i in columns) for row in source}
    for fmt in ("xlsx", "csv"):
        out, back = tmp_path / f"out.{fmt}", tmp_path / f"back.{fmt}"
        code, _, err = _run(capsys, "decrypt", str(out), "--out", str(back), "--office", str(office), "--server",
                            service.url, "--token", tokens["auditor"])
        assert code == 5 and "auditor token may not" in err and not back.exists()
        code, result, err = _run(capsys, "decrypt", str(out), "--out", str(back), "--office", str(office),
                                 "--server", service.url, "--token", tokens["investigator"], "--json")
        assert code == 0, err
        assert result["export_id"] == made[fmt] and len(result["columns"]) == len(ENCRYPTED)
        exported, restored = _table(out), _table(back)
        got = {tuple(_text(row[i]) for i in columns) for row in restored}
        assert len(restored) == len(exported) and wanted <= got and len(got - wanted) == len(exported) - 200
    fetched = [json.loads(d) for (d,) in db.execute("SELECT detail FROM queries WHERE action = 'restore' ORDER BY id")]
    assert [(f["export_id"], f["sha256"] is not None, f["found"]) for f in fetched if f.get("found")] == [
        (made["xlsx"], False, True), (None, True, True)]  # the xlsx names its export; the csv is found by SHA-256

    # a file the service has no sealed originals for: one line, exit 3, nothing written
    code, _, err = _run(capsys, "decrypt", str(SAMPLE), "--out", str(tmp_path / "x.xlsx"), "--office", str(office),
                        "--server", service.url, "--token", tokens["investigator"])
    assert code == 3 and "holds no sealed originals of the export that wrote this file" in err
    assert not (tmp_path / "x.xlsx").exists()
    code, _, err = _run(capsys, "decrypt", str(tmp_path / "out.csv"), "--out", str(tmp_path / "y.csv"), "--server",
                        service.url, "--token", tokens["investigator"])
    assert code == 2 and "needs --office" in err


def test_a_record_whose_sealed_originals_were_deleted_before_it_was_sent_is_stored_flagged(  # noqa: PLR0917 (fixtures)
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, service: Service,
    db: psycopg.Connection[Any], organisation: tuple[Path, Path, Path],
) -> None:
    _passphrases(monkeypatch)
    office, home = organisation[0], tmp_path / "ws"
    _managed_workstation(capsys, organisation, home, service)
    service.stop()
    code, answer, err = _run(capsys, "--home", str(home), "export", str(SAMPLE), "--recipient", "城东代收银行",
                             "--purpose", "欠费催缴", "--out", str(tmp_path / "out.csv"), "--json", "--action",
                             "户名=encrypt")
    assert code == 0 and answer["reporting"] == "queued", err
    shutil.rmtree(home / "sealed")  # the employee removes what would let the office restore
    service.start()
    code, synced, err = _run(capsys, "--home", str(home), "sync", "--json")
    assert code == 0, err
    assert ["sealed originals did not arrive" in item["problem"] for item in synced["flagged"]] == [True]
    assert db.execute("SELECT count(*) FROM sealed").fetchone() == (0,)
    token = _run(capsys, "server", "token", "--db", service.db_url, "--role", "admin", "--json")[1]["token"]
    code, _, err = _run(capsys, "decrypt", str(tmp_path / "out.csv"), "--out", str(tmp_path / "back.csv"),
                        "--office", str(office), "--server", service.url, "--token", token)
    assert code == 3 and "holds no sealed originals" in err and not (tmp_path / "back.csv").exists()
