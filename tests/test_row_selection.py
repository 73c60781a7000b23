"""Exporting fewer rows (``export --rows A-B``, ``--where COLUMN=VALUE``): the rows that leave, the
counts the policy, the canaries and the ledger see, and one-line refusals of a bad selection."""

from __future__ import annotations

import csv
import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from masking.approval import generate_signing_key, write_signing_key
from masking.approval_request import ApprovalRequest, write_request
from masking.cli.main import run
from masking.errors import UsageError
from masking.export_record import ExportRecord
from masking.pipeline import ExportRequest, prepare_export, run_export
from masking.policy import DEFAULT_POLICY
from masking.row_selection import RowFilter, RowSelection, SelectionRecord
from masking.watermark.canary import canary_count
from masking.workspace import Workspace

DISTRICTS = ("城东区", "城西区", "高新区")
SURNAMES = "王李张刘陈杨黄赵吴周"
ROWS = 300


@pytest.fixture(scope="module")
def customers(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """300 customers: 序号 1..300 (kept, so every exported row names its source row), a name, a mobile,
    a district that cycles through three values."""
    path = tmp_path_factory.mktemp("input") / "客户.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["序号", "户名", "手机号码", "区县"])
        for number in range(1, ROWS + 1):
            writer.writerow([number, SURNAMES[number % 10] + "小明", f"139{number:08d}", DISTRICTS[number % 3]])
    return path


def _export(source: Path, home: Path, out: Path, selection: RowSelection, **facts: object
            ) -> tuple[list[list[str]], ExportRecord]:
    workspace = Workspace(home)
    ring, _ = workspace.keystore.open_or_create()
    request = ExportRequest(input=source, recipient="城东代收银行", purpose="欠费催缴", output=out,
                            choices=("序号=keep", "区县=keep"), rows=selection, **facts)  # type: ignore[arg-type]
    result = run_export(prepare_export(request, home), ring, workspace.ledger(ring))
    [entry] = workspace.ledger(ring).entries("export")
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))[1:]
    assert result.rows == len(rows) - ExportRecord.from_dict(entry.body).trace.canary_rows
    return rows, ExportRecord.from_dict(entry.body)


def test_a_row_range_exports_those_rows_and_the_canaries_follow_the_count(customers: Path, tmp_path: Path) -> None:
    rows, record = _export(customers, tmp_path / "home", tmp_path / "out.csv", RowSelection(101, 180))
    assert record.rows == 80
    assert {int(row[0]) for row in rows} == set(range(101, 181))  # canaries copy a row's other cells
    expected = canary_count(80, 0.015, largest=True)
    assert record.trace.canary_rows == expected and len(rows) == 80 + expected
    assert record.selection == SelectionRecord(101, 180)
    assert record.to_dict()["selection"] == {"first": 101, "last": 180}


def test_a_filter_keeps_the_matching_rows_within_the_range(customers: Path, tmp_path: Path) -> None:
    selection = RowSelection(1, 150, RowFilter("区县", " 城东区 "))
    rows, record = _export(customers, tmp_path / "home", tmp_path / "out.csv", selection)
    wanted = {n for n in range(1, 151) if DISTRICTS[n % 3] == "城东区"}
    assert {int(row[0]) for row in rows} == wanted and {row[3] for row in rows} == {"城东区"}
    assert record.rows == len(wanted) == 50
    assert record.selection == SelectionRecord(1, 150, "区县", "equals", "城东区")


def test_a_filter_on_personal_data_is_recorded_without_the_value(customers: Path, tmp_path: Path) -> None:
    selection = RowSelection(where=RowFilter("C", "1390000001", "contains"))  # mobiles 139000000 1x
    rows, record = _export(customers, tmp_path / "home", tmp_path / "out.csv", selection)
    assert {int(row[0]) for row in rows} == set(range(10, 20))
    assert record.selection == SelectionRecord(1, None, "手机号码", "contains", None)
    assert "1390000001" not in json.dumps(record.to_dict(), ensure_ascii=False)


def test_fewer_rows_pass_the_approval_threshold(customers: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    default = DEFAULT_POLICY.read_text("utf-8")
    (home / "policy.toml").write_text(default.split("[export]")[0] + "[export]\napproval_threshold = 100\n",
                                      encoding="utf-8")
    request = ExportRequest(input=customers, recipient="城东代收银行", purpose="欠费催缴")
    assert [v.code for v in prepare_export(request, home).verdict.violations] == ["approval_needed"]
    fewer = prepare_export(ExportRequest(input=customers, recipient="城东代收银行", purpose="欠费催缴",
                                         rows=RowSelection(1, 100)), home)
    assert fewer.verdict.ok and fewer.plan.rows == 100
    counted = prepare_export(ExportRequest(input=customers, recipient="城东代收银行", purpose="欠费催缴",
                                           rows=RowSelection(where=RowFilter("区县", "高新区"))), home)
    assert counted.verdict.ok and counted.plan.rows == 100  # 300 rows, every third one


@pytest.mark.parametrize(("rows", "where", "message"), [
    ("5-2", None, "the last row (2) comes before the first (5)"),
    ("0-10", None, "rows are numbered from 1"),
    ("ten", None, "expected FIRST-LAST"),
    (None, "区县", "expected COLUMN=VALUE or COLUMN~TEXT"),
    (None, "区县=  ", "give the text to look for"),
])
def test_malformed_selections_are_usage_errors(rows: str | None, where: str | None, message: str) -> None:
    with pytest.raises(UsageError, match=re.escape(message)):
        RowSelection.parse(rows, where)  # the messages hold parentheses: match literally


def test_parse_reads_ranges_and_both_matches() -> None:
    assert RowSelection.parse("1-5000") == RowSelection(1, 5000)
    assert RowSelection.parse("20-") == RowSelection(20, None)
    assert RowSelection.parse(None, "区县=城东区") == RowSelection(where=RowFilter("区县", "城东区", "equals"))
    assert RowSelection.parse(None, "备注~a=b").where == RowFilter("备注", "a=b", "contains")
    assert RowSelection.parse(None, "备注=a~b").where == RowFilter("备注", "a~b", "equals")


def test_cli_rows_and_where(customers: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = str(tmp_path / "home")
    out = tmp_path / "out.csv"
    code = run(["--home", home, "export", str(customers), "--recipient", "银行", "--purpose", "催缴",
                "--rows", "1-30", "--where", "区县=城西区", "--out", str(out), "--json"])
    result = json.loads(capsys.readouterr().out)
    assert code == 0 and result["rows"] == 10
    assert result["selection"] == {"first": 1, "last": 30,
                                   "where": {"column": "区县", "match": "equals", "value": "城西区"}}
    assert run(["--home", home, "export", str(customers), "--recipient", "银行", "--purpose", "催缴",
                "--where", "无此列=1", "--out", str(tmp_path / "x.csv")]) == 2
    assert "has no column '无此列'" in capsys.readouterr().err
    assert run(["--home", home, "export", str(customers), "--recipient", "银行", "--purpose", "催缴",
                "--rows", "400-500", "--out", str(tmp_path / "x.csv")]) == 2
    assert capsys.readouterr().err.strip() == "exportguard: error: no row is selected: check --rows and --where"
    assert not (tmp_path / "x.csv").exists()


def test_the_approval_request_carries_the_selection_to_the_office(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    chosen = SelectionRecord(1, 5000, "区县", "equals", "城东区")
    request = ApprovalRequest("客户.xlsx", "ab" * 32, "城东代收银行", "欠费催缴", 5000, selection=chosen)
    assert ApprovalRequest.from_text(request.to_text()) == request
    assert ApprovalRequest.from_text(replace(request, selection=None).to_text()).selection is None
    path = tmp_path / "申请.egreq"
    write_request(request, path)
    key = generate_signing_key()
    write_signing_key(key, tmp_path / "office.key", "")
    home = str(tmp_path / "office-home")
    assert run(["--home", home, "approve", "--request", str(path), "--signing-key", str(tmp_path / "office.key"),
                "--json"]) == 0
    issued = json.loads(capsys.readouterr().out)
    assert issued["rows"] == 5000 and issued["selection"] == chosen.to_dict()
    assert run(["--home", home, "approve", "--request", str(path), "--signing-key", str(tmp_path / "office.key")]) == 0
    assert "the employee asks to export rows 1-5000 where 区县 = '城东区'" in capsys.readouterr().out
    taken = tmp_path / "code.png"
    taken.write_bytes(b"an earlier picture")
    assert run(["--home", home, "approve", "--request", str(path), "--signing-key", str(tmp_path / "office.key"),
                "--qr", str(taken)]) == 6  # refused before a code is issued
    assert taken.read_bytes() == b"an earlier picture"
