"""Exports of every bundled sample with default actions: nothing sensitive survives, anywhere."""

from __future__ import annotations

import csv
import json
import re
import unicodedata
import zipfile
from pathlib import Path

import pytest

from masking.errors import Cancelled, OutputError, PolicyError
from masking.ledger import Ledger
from masking.pipeline import ExportRequest, ExportResult, file_sha256, prepare_export, run_export
from masking.policy import DEFAULT_POLICY
from masking.workspace import Workspace

SAMPLES = Path(__file__).resolve().parent.parent / "resources" / "samples"
SAMPLE_FILES = sorted(p for p in SAMPLES.iterdir() if p.suffix in {".xlsx", ".csv"})
_SEPARATORS = re.compile(r"[\s\-+().·]")


def _normalise(text: str) -> str:
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", text)).upper()


def _output_texts(paths: list[Path]) -> list[str]:
    """Every piece of text in the output files: each XML text node / attribute value, each CSV field."""
    texts: list[str] = []
    for path in paths:
        if path.suffix == ".csv":
            raw = path.read_bytes()
            encoding = "utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "gb18030"
            for row in csv.reader(raw.decode(encoding).splitlines()):
                texts.extend(row)
        else:
            with zipfile.ZipFile(path) as archive:
                for name in archive.namelist():
                    xml = archive.read(name).decode("utf-8", errors="replace")
                    texts.extend(re.findall(r">([^<>]+)<", xml))
                    texts.extend(re.findall(r'="([^"]*)"', xml))
    return [_normalise(t) for t in texts if t.strip()]


def _sensitive_values(sample: Path) -> dict[str, list[str]]:
    data = json.loads((SAMPLES / f"{sample.stem}.values.json").read_text(encoding="utf-8"))
    return data["values"]


def _export(sample: Path, home: Path, out_dir: Path) -> tuple[list[Path], ExportResult]:
    workspace = Workspace(home)
    ring, _ = workspace.keystore.open_or_create()
    fmt = "csv" if sample.suffix == ".csv" else "xlsx"
    request = ExportRequest(input=sample, recipient="城东代收银行", purpose="欠费催缴", output=out_dir / f"out.{fmt}")
    prepared = prepare_export(request, home)
    result = run_export(prepared, ring, workspace.ledger(ring))
    outputs = sorted(out_dir.iterdir())
    return outputs, result


@pytest.mark.parametrize("sample", SAMPLE_FILES, ids=[p.name for p in SAMPLE_FILES])
def test_no_sensitive_value_survives_a_default_export(sample: Path, tmp_path: Path) -> None:
    before = sample.read_bytes()
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    outputs, result = _export(sample, tmp_path / "home", out_dir)
    assert sample.read_bytes() == before
    assert outputs, "no output written"
    texts = _output_texts(outputs)
    joined = "\x00".join(texts)
    survivors = []
    for kind, values in _sensitive_values(sample).items():
        for value in values:
            needle = _normalise(value)
            # long values must not appear even inside a text; short ones (PINs, 2-character names) not as
            # a cell, nor inside a text as a number of their own (a 6-digit PIN may occur by chance
            # inside a longer pseudonymized number, which says nothing about the PIN)
            if len(needle) >= 8:
                found = needle in joined
            elif needle.isdigit():
                found = re.search(rf"(?<!\d){needle}(?!\d)", joined) is not None
            else:
                found = needle in texts
            if found:
                survivors.append(kind)
    assert survivors == [], f"{len(survivors)} sensitive value(s) survived: kinds {sorted(set(survivors))}"
    assert result.rows > 0


def test_export_is_recorded_in_the_ledger_without_values(tmp_path: Path) -> None:
    sample = SAMPLES / "customers_zh.xlsx"
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    _, result = _export(sample, tmp_path / "home", out_dir)
    workspace = Workspace(tmp_path / "home")
    ring = workspace.keystore.unlock()
    ledger: Ledger = workspace.ledger(ring)
    entries = ledger.entries("export")
    assert len(entries) == 1 and ledger.verify().ok
    body = entries[0].body
    assert body["export_id"] == result.export_id
    assert body["rows"] == 200 and body["recipient"] == "城东代收银行"
    stored = json.dumps(body, ensure_ascii=False)
    for values in _sensitive_values(sample).values():
        for value in values:
            assert value not in stored


def test_policy_refusal_writes_nothing(tmp_path: Path) -> None:
    sample = SAMPLES / "customers_zh.xlsx"
    request = ExportRequest(input=sample, recipient="x", purpose="y", output=tmp_path / "o.xlsx",
                            choices=("手机号码=keep",))
    prepared = prepare_export(request, tmp_path / "home")
    assert not prepared.verdict.ok
    assert any("手机号码" in v.text and "keep" in v.text for v in prepared.verdict.violations)
    workspace = Workspace(tmp_path / "home")
    ring, _ = workspace.keystore.open_or_create()
    with pytest.raises(PolicyError):
        run_export(prepared, ring, workspace.ledger(ring))
    assert not (tmp_path / "o.xlsx").exists()


def test_cancel_mid_export_leaves_nothing(tmp_path: Path) -> None:
    sample = SAMPLES / "customers_zh.xlsx"
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    request = ExportRequest(input=sample, recipient="r", purpose="p", output=out_dir / "o.xlsx")
    prepared = prepare_export(request, tmp_path / "home")
    workspace = Workspace(tmp_path / "home")
    ring, _ = workspace.keystore.open_or_create()

    def cancel(done: int, total: int) -> None:
        raise Cancelled("cancelled by the user")

    with pytest.raises(Cancelled):
        run_export(prepared, ring, workspace.ledger(ring), progress=cancel)
    assert list(out_dir.iterdir()) == []
    assert workspace.ledger(ring).entries("export") == []


def test_existing_output_is_never_overwritten_without_force(tmp_path: Path) -> None:
    sample = SAMPLES / "customers_zh.xlsx"
    target = tmp_path / "o.xlsx"
    target.write_bytes(b"precious")
    request = ExportRequest(input=sample, recipient="r", purpose="p", output=target)
    prepared = prepare_export(request, tmp_path / "home")
    workspace = Workspace(tmp_path / "home")
    ring, _ = workspace.keystore.open_or_create()
    with pytest.raises(OutputError):
        run_export(prepared, ring, workspace.ledger(ring))
    assert target.read_bytes() == b"precious"


def test_encrypted_columns_are_recorded_in_the_output_and_the_ledger(tmp_path: Path) -> None:
    sample = SAMPLES / "customers_en.xlsx"
    home = tmp_path / "home"
    workspace = Workspace(home)
    ring, _ = workspace.keystore.open_or_create()
    request = ExportRequest(input=sample, recipient="Bank", purpose="p", output=tmp_path / "o.xlsx",
                            choices=("Mobile=encrypt", "Customer Name=encrypt"))
    result = run_export(prepare_export(request, home), ring, workspace.ledger(ring))
    with zipfile.ZipFile(tmp_path / "o.xlsx") as archive:
        custom = archive.read("docProps/custom.xml").decode()
    records = [json.loads(t) for t in re.findall(r'name="ExportGuard\.Encrypted\.\d+"><vt:lpwstr>([^<]+)<', custom)]
    assert [(r["kind"], r["position"], r["key_id"]) for r in records] == [
        ("person_name", 1, ring.active.key_id), ("phone", 2, ring.active.key_id)]
    assert ">recipient:Bank<" in custom
    [entry] = workspace.ledger(ring).entries("export")
    assert [e["record"]["kind"] for e in entry.body["encrypted"]] == ["person_name", "phone"]
    assert entry.body["export_id"] == result.export_id


def test_an_action_the_kind_cannot_take_is_refused_before_writing(tmp_path: Path) -> None:
    from masking.errors import UsageError

    home = tmp_path / "home"
    workspace = Workspace(home)
    ring, _ = workspace.keystore.open_or_create()
    policy = tmp_path / "lenient.toml"
    policy.write_text(
        DEFAULT_POLICY.read_text(encoding="utf-8").replace(
            'allowed = ["pseudonymize", "mask", "encrypt", "hash", "redact", "drop"]',
            'allowed = ["pseudonymize", "mask", "encrypt", "hash", "redact", "drop", "generalize"]', 1),
        encoding="utf-8")
    request = ExportRequest(input=SAMPLES / "customers_zh.xlsx", recipient="r", purpose="p",
                            output=tmp_path / "o.xlsx", choices=("手机号码=generalize",), policy_file=policy)
    prepared = prepare_export(request, home)
    assert prepared.verdict.ok
    with pytest.raises(UsageError, match=r"手机号码.*generalize is not available for phone"):
        run_export(prepared, ring, workspace.ledger(ring))
    assert not (tmp_path / "o.xlsx").exists()


def test_multi_sheet_csv_export_records_every_file(tmp_path: Path) -> None:
    home = tmp_path / "home"
    workspace = Workspace(home)
    ring, _ = workspace.keystore.open_or_create()
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    request = ExportRequest(input=SAMPLES / "multi_sheet.xlsx", recipient="r", purpose="p",
                            output=out_dir / "o.csv", format="csv")
    result = run_export(prepare_export(request, home), ring, workspace.ledger(ring))
    assert len(result.outputs) >= 2 and sorted(result.outputs) == sorted(out_dir.iterdir())
    [entry] = workspace.ledger(ring).entries("export")
    assert {o["name"]: o["sha256"] for o in entry.body["outputs"]} == {p.name: file_sha256(p) for p in result.outputs}


def test_the_output_extension_chooses_the_format_and_must_agree_with_format(tmp_path: Path) -> None:
    from masking.errors import UsageError

    sample = SAMPLES / "customers_zh.xlsx"
    prepared = prepare_export(ExportRequest(input=sample, recipient="r", purpose="p", output=tmp_path / "o.csv"),
                              tmp_path / "home")
    assert prepared.format == "csv"
    with pytest.raises(UsageError, match="does not match --format"):
        prepare_export(ExportRequest(input=sample, recipient="r", purpose="p", output=tmp_path / "o.csv",
                                     format="xlsx"), tmp_path / "home")


def test_a_sheet_past_excels_row_limit_with_its_canaries_is_refused_before_any_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from masking import pipeline

    sample = SAMPLES / "customers_zh.xlsx"  # 200 data rows: 3 canaries and a header row make 204
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    workspace = Workspace(tmp_path / "home")
    ring, _ = workspace.keystore.open_or_create()
    progressed: list[int] = []
    monkeypatch.setattr(pipeline, "MAX_XLSX_ROWS", 203)
    prepared = prepare_export(ExportRequest(input=sample, recipient="r", purpose="p", output=out_dir / "o.xlsx"),
                              tmp_path / "home")
    with pytest.raises(OutputError, match=r"sheet 1 would have 204 rows .* export as csv") as refused:
        run_export(prepared, ring, workspace.ledger(ring), progress=lambda done, total: progressed.append(done))
    assert "明细" not in str(refused.value)  # a sheet is named by its position, never by its name
    assert progressed == [] and list(out_dir.iterdir()) == []
    assert workspace.ledger(ring).entries("export") == []
    monkeypatch.setattr(pipeline, "MAX_XLSX_ROWS", 204)  # exactly at the limit: written
    assert run_export(prepared, ring, workspace.ledger(ring)).rows == 200
    csv_prepared = prepare_export(ExportRequest(input=sample, recipient="r", purpose="p", output=out_dir / "o.csv"),
                                  tmp_path / "home")
    monkeypatch.setattr(pipeline, "MAX_XLSX_ROWS", 10)  # csv has no row limit
    assert run_export(csv_prepared, ring, workspace.ledger(ring)).rows == 200
