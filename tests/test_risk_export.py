"""The risk end to end: scan and export report it, a policy's min_k refuses, --generalize-to-k passes,
the ledger keeps the de-identification record."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import pytest
from risk_world import write_min_k_policy, write_residents

from masking.cli.main import run
from masking.export_record import ExportRecord
from masking.workspace import Workspace


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict, str]:
    code = run(list(argv))
    out, err = capsys.readouterr()
    return code, json.loads(out) if out.strip() else {}, err


@pytest.fixture
def world(tmp_path: Path) -> tuple[Path, Path, list[tuple[str, int, str]]]:
    source = tmp_path / "居民.csv"
    people = write_residents(source)
    return source, write_min_k_policy(tmp_path / "policy.toml"), people


def test_scan_reports_the_risk_of_the_default_export(world: tuple[Path, Path, list], tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    source, _, people = world
    code, out, _ = _run(capsys, "--home", str(tmp_path / "h"), "scan", str(source), "--json")
    assert code == 0
    (sheet,) = out["sheets"]
    classes = Counter(people)
    assert sheet["risk"]["quasi_identifiers"] == ["地址", "出生年份", "性别"]
    assert sheet["risk"]["k"] == min(classes.values()) == 1
    assert sheet["risk"]["rows_below_k"] == sum(n for n in classes.values() if n < 5)
    assert sheet["risk"]["prosecutor_risk"] == 1.0
    assert {r["name"]: r["role"] for r in sheet["roles"]} == {
        "姓名": "direct", "手机号码": "direct", "地址": "quasi", "出生年份": "quasi", "性别": "quasi",
        "电费": "sensitive"}
    assert out["grade"] == 3


def test_min_k_refuses_and_generalize_to_k_passes(world: tuple[Path, Path, list], tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    source, policy, people = world
    home, out_path = tmp_path / "h", tmp_path / "out.csv"
    base = ["--home", str(home), "export", str(source), "--recipient", "街道办", "--purpose", "走访",
            "--policy", str(policy), "--out", str(out_path), "--json"]
    code, out, err = _run(capsys, *base)
    assert code == 4 and not out_path.exists()
    (refusal,) = [v for v in out["error"]["violations"]]
    assert "minimum k of 5" in refusal and "地址, 出生年份, 性别" in refusal
    errors = [line for line in err.splitlines() if "keystore" not in line]  # a first run creates the keys
    assert len(errors) == 1 and "--generalize-to-k" in errors[0]

    code, out, err = _run(capsys, *base, "--generalize-to-k")
    assert code == 0, err
    (sheet,) = out["sheets"]
    assert sheet["risk"]["k"] >= 5 and sheet["risk"]["rows_below_k"] == 0
    assert sheet["risk"]["quasi_identifiers"] == ["地址", "出生年份", "性别"]
    assert [g["column"] for g in out["generalized"]] == ["居民!D (出生年份)"]
    suppressed = sheet["risk"]["suppressed_rows"]
    assert suppressed == 3  # the three born in 1921: no band of 5 or 10 years gives them company
    assert out["rows"] == len(people) - suppressed

    # what the recipient holds: every (district, band, sex) group has at least 5 rows (canaries only add)
    with out_path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert all(r["出生年份"].count("-") == 1 for r in rows)  # 1975-1980: a 5-year band
    groups = Counter((r["地址"], r["出生年份"], r["性别"]) for r in rows)
    assert min(groups.values()) >= 5
    assert not any(year.startswith("192") for _, year, _ in groups)
    assert all(address in ("江苏省南京市玄武区", "江苏省南京市鼓楼区") for address, _, _ in groups)

    workspace = Workspace(home)
    ledger = workspace.ledger(workspace.keystore.unlock())
    (entry,) = ledger.entries("export")
    assert ledger.verify().ok
    record = ExportRecord.from_dict(entry.body).deidentification
    assert record is not None and record.min_k == 5 and record.grade == 3
    assert record.sheets[0].k == sheet["risk"]["k"] and record.sheets[0].suppressed_rows == suppressed
    assert {c.name: (c.role, c.action) for c in record.sheets[0].columns}["出生年份"] == ("quasi", "generalize")
    assert "中山路" not in json.dumps(entry.body, ensure_ascii=False)


def test_without_a_minimum_the_export_measures_the_risk_in_its_own_pass(
        world: tuple[Path, Path, list], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source, _, people = world
    home = str(tmp_path / "h")
    _, scanned, _ = _run(capsys, "--home", home, "scan", str(source), "--json")
    code, out, err = _run(capsys, "--home", home, "export", str(source), "--recipient", "街道办", "--purpose", "走访",
                          "--out", str(tmp_path / "out.csv"), "--json")
    assert code == 0, err
    assert out["min_k"] is None and out["grade"] == 3
    (sheet,) = out["sheets"]
    expected = scanned["sheets"][0]["risk"]
    assert sheet["risk"] == expected  # the export's pass and the scan's pass see the same output
    assert sheet["risk"]["rows"] == len(people) and sheet["risk"]["k"] == 1
