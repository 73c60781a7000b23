"""Mandatory watermark layers: an output format that cannot carry one is refused before anything is written."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from masking.cli.main import run
from masking.detect import scan_workbook
from masking.io.reader import open_workbook
from masking.plan import build_plan
from masking.policy import DEFAULT_POLICY, WATERMARK_LAYERS, load_policy
from masking.policy_check import LAYERS_BY_FORMAT, ExportFacts, check_plan

SAMPLE = Path(__file__).resolve().parent.parent / "resources" / "samples" / "customers_zh.xlsx"


def _policy_file(tmp_path: Path, layers: str) -> Path:
    text = DEFAULT_POLICY.read_text(encoding="utf-8").replace("mandatory_layers = []", f"mandatory_layers = {layers}")
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_every_format_names_only_known_layers() -> None:
    assert set(LAYERS_BY_FORMAT) == {"xlsx", "csv"}
    for layers in LAYERS_BY_FORMAT.values():
        assert layers <= WATERMARK_LAYERS


@pytest.mark.parametrize(("layers", "fmt", "expected"), [
    ('["visible", "metadata"]', "xlsx", []),
    ('["tokens"]', "csv", []),
    ('["visible", "metadata"]', "csv", [
        "the policy requires the 'metadata' watermark layer, which a csv file cannot carry: export as xlsx",
        "the policy requires the 'visible' watermark layer, which a csv file cannot carry: export as xlsx",
    ]),
    ('["marks", "canaries", "membership"]', "csv", []),
    ('["visible", "future"]', "xlsx", [
        "the policy requires the 'future' watermark layer, which a xlsx file cannot carry: "
        "no output format carries it yet; ask the security office",
    ]),
])
def test_verdict_names_the_layer_and_the_way_out(tmp_path: Path, layers: str, fmt: str, expected: list[str]) -> None:
    if "future" in layers:  # a layer the policy file cannot name yet: build the policy directly
        policy = replace(load_policy(), mandatory_layers=frozenset({"visible", "future"}))
    else:
        policy = load_policy(_policy_file(tmp_path, layers))
    with open_workbook(SAMPLE) as workbook:
        plan = build_plan(scan_workbook(workbook), policy)
    verdict = check_plan(plan, policy, ExportFacts("银行", "催费", format=fmt))
    assert [v.text for v in verdict.violations] == expected and verdict.ok is (not expected)


def test_cli_refuses_csv_when_visible_is_mandatory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    policy = str(_policy_file(tmp_path, '["visible"]'))
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    base = ["export", str(SAMPLE), "--recipient", "银行", "--purpose", "催费", "--policy", policy]
    code, err = run([*base, "--format", "csv", "--out", str(out_dir / "o.csv")]), capsys.readouterr().err
    assert code == 4
    assert "'visible' watermark layer, which a csv file cannot carry: export as xlsx" in err
    assert list(out_dir.iterdir()) == []
    assert run([*base, "--out", str(out_dir / "o.xlsx"), "--quiet"]) == 0
    assert [p.name for p in out_dir.iterdir()] == ["o.xlsx"]
