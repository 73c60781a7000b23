"""The trace report an investigator files: what it says (HTML and PDF alike), that the PDF is set at a
readable size on A4, and that traces and saved reports are recorded in the audit ledger."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pdfplumber
import pytest

from masking.cli.main import run
from masking.errors import OutputError, UsageError
from masking.events import Event
from masking.investigation import Investigation, file_report, investigate, ledger_recorder
from masking.keys import KeyRing
from masking.pipeline import ExportRequest, prepare_export, run_export
from masking.report import CHINESE, ENGLISH, confidence_text, render_html, write_report
from masking.report.document import evidence_sentence, policy_words
from masking.report.words import chance_words, probability_words
from masking.watermark.trace import EVIDENCE_TEXTS, Candidate, Evidence
from masking.workspace import Workspace

SAMPLES = Path(__file__).resolve().parent.parent / "resources" / "samples"
A4_POINTS = (595.3, 841.9)
CREATED = dt.datetime(2026, 12, 6, 9, 30, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, KeyRing, Path]:
    """One home with two exports of the same customers; returns (home, ring, the bank's file)."""
    root = tmp_path_factory.mktemp("report")
    home = root / "home"
    ring, _ = Workspace(home).keystore.open_or_create("")
    outputs = []
    for recipient, purpose in (("城东代收银行", "欠费催缴"), ("抄表外包公司", "抄表")):
        out = root / f"{purpose}.xlsx"
        request = ExportRequest(input=SAMPLES / "customers_zh.xlsx", recipient=recipient, purpose=purpose, output=out)
        run_export(prepare_export(request, home), ring, Workspace(home).ledger(ring))
        outputs.append(out)
    return home, ring, outputs[0]


@pytest.fixture(scope="module")
def traced(world: tuple[Path, KeyRing, Path]) -> Investigation:
    home, ring, leaked = world
    return investigate(leaked, home, ring)


def test_chance_in_words_is_rounded_up_never_overstated() -> None:
    assert chance_words(1.38e-76, CHINESE) == "误判概率不超过一万亿分之一"
    assert chance_words(1.38e-76, ENGLISH) == "chance of error at most one in a trillion"
    assert chance_words(3.2e-8, CHINESE) == "误判概率不超过一千万分之一"  # 3.2e-8 <= 1e-7
    assert chance_words(1e-6, ENGLISH) == "chance of error at most one in a million"
    assert chance_words(0.05, ENGLISH) == "chance of error at most one in ten"
    assert chance_words(0.34, CHINESE) == "误判概率约 34%"
    assert probability_words(2.71e-20, CHINESE) == "不超过一万亿分之一"


def test_every_evidence_sentence_of_the_engine_has_words_in_both_languages() -> None:
    for key in EVIDENCE_TEXTS:
        args = {"row": "4", "canary": "1", "rows": "20", "total": "21", "count": "54", "matched": "35",
                "tested": "35", "expected": "10.0", "p": "2.71e-20"}
        for language in (ENGLISH, CHINESE):
            text = evidence_sentence(Evidence("marks", key, tuple(args.items())), language)
            assert text != Evidence("marks", key, tuple(args.items())).detail, (key, language)
            assert "{" not in text and "e-20" not in text


def test_html_report_reads_like_a_forensic_document(world: tuple[Path, KeyRing, Path],
                                                    traced: Investigation) -> None:
    _, _, leaked = world
    best = traced.report.named[0]
    entry, record = traced.records[best.export_id]
    document = traced.document("王调查", CHINESE, CREATED)
    page = render_html(document)
    assert page.startswith('<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">')
    assert "<title>数据外发卫士 溯源报告</title>" in page
    assert "可信度：极高（误判概率不超过一万亿分之一）" in page  # the verdict in words with its figure
    assert "e-" not in page.split("</style>")[1]  # no bare scientific notation anywhere
    assert leaked.name in page and traced.source.sha256 in page
    assert "王调查" in page
    local = CREATED.astimezone()
    assert f"{local:%Y-%m-%d %H:%M}" in page
    assert f"发给「城东代收银行」的外发（编号 {best.export_id}，用途：欠费催缴）" in page
    for value in (entry.hash, record.input_sha256, record.output_sha256, entry.workstation):
        assert value in page  # the ledger record the verdict rests on
    assert "按接收方生成的假名" in page and "诱饵行" in page  # evidence per layer, in sentences
    # the policy the export ran under, said plainly: this unmanaged home's was built in, not the office's
    assert "外发策略" in page and "内置默认策略（未经安全办签名）" in page


def test_pdf_report_is_a4_and_set_at_a_readable_size(world: tuple[Path, KeyRing, Path], traced: Investigation,
                                                     tmp_path: Path) -> None:
    """The regression the officers hit: the whole report printed 1-2 pt high in a corner. Every glyph
    must be at least 8 pt (hashes), the body at least 10 pt, and the text must use the page's width."""
    home, ring, _ = world
    target = tmp_path / "报告.pdf"
    saved = file_report(traced, target, ledger_recorder(home, ring), investigator="王调查", language=CHINESE,
                        created=CREATED)
    assert saved.format == "pdf"
    with pdfplumber.open(target) as pdf:
        text = "\n".join(page.extract_text() or "" for page in pdf.pages)
        chars = [c for page in pdf.pages for c in page.chars]
        first = pdf.pages[0]
        assert (round(first.width, 1), round(first.height, 1)) == A4_POINTS
        assert min(c["size"] for c in chars) >= 8
        sizes = sorted(c["size"] for c in chars)
        assert sizes[len(sizes) // 2] >= 10  # the median glyph: body text
        span = max(c["x1"] for c in first.chars) - min(c["x0"] for c in first.chars)
        assert span > 0.6 * first.width  # laid out across the page, not in a corner
    flat = text.replace("\n", "").replace(" ", "")
    assert "可信度：极高（误判概率不超过一万亿分之一）" in flat
    assert traced.source.sha256 in flat and "王调查" in flat
    assert traced.records[traced.report.named[0].export_id][0].hash in flat


def test_saved_reports_and_traces_are_recorded(world: tuple[Path, KeyRing, Path], traced: Investigation,
                                                tmp_path: Path) -> None:
    home, ring, leaked = world
    target = tmp_path / "report.html"
    saved = file_report(traced, target, ledger_recorder(home, ring), investigator="Wang Li", language=ENGLISH)
    entries = Workspace(home).ledger(ring).entries()
    trace = [e for e in entries if e.event == Event.TRACE][-1]
    assert trace.body["leaked_name"] == leaked.name and trace.body["leaked_sha256"] == traced.source.sha256
    assert trace.body["named"] == [traced.report.named[0].export_id] and trace.body["p_value"] <= 1e-6
    report = [e for e in entries if e.event == Event.REPORT][-1]
    assert report.body["report_sha256"] == saved.report_sha256
    assert report.body["investigator"] == "Wang Li" and report.body["format"] == "html"
    assert "Confidence: extremely high (chance of error at most one in a trillion)" in target.read_text("utf-8")


def test_report_file_rules(traced: Investigation, tmp_path: Path) -> None:
    document = traced.document("x", ENGLISH)
    with pytest.raises(UsageError, match=r"\.pdf or \.html"):
        write_report(document, tmp_path / "report.docx")
    existing = tmp_path / "kept.html"
    existing.write_text("mine", encoding="utf-8")
    with pytest.raises(OutputError, match="already exists"):
        write_report(document, existing)
    assert existing.read_text(encoding="utf-8") == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept.html"]  # no temp file left behind


def test_pasted_rows_and_an_unnamed_trace(world: tuple[Path, KeyRing, Path]) -> None:
    home, ring, _ = world
    document = investigate("13800000000\t张三\n13900000000\t李四\n", home, ring).document("", ENGLISH)
    page = render_html(document)
    assert "rows pasted into the app (2 lines of text)" in page
    assert "No export" in page and "Confidence: extremely high" not in page


def test_unnamed_candidates_never_read_as_confident() -> None:
    weak = Candidate("EX-1", "r", "2026-12-06T09:30:00+00:00", 1.0, 0.004, False, ())
    assert confidence_text(weak, ENGLISH) == "Confidence: some evidence, not enough to name (chance of error " \
                                             "at most one in a hundred)"


def test_cli_writes_the_report_and_records_it(world: tuple[Path, KeyRing, Path], tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    home, _, leaked = world
    copy = tmp_path / "home"
    shutil.copytree(home, copy)
    target = tmp_path / "r.pdf"
    code = run(["--home", str(copy), "trace", str(leaked), "--report", str(target), "--investigator", "王调查",
                "--language", "zh_CN", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and target.read_bytes()[:5] == b"%PDF-"
    assert out["report"]["investigator"] == "王调查" and out["report"]["format"] == "pdf"
    assert out["leaked_sha256"] == out["leaked_sha256"].lower() and len(out["leaked_sha256"]) == 64
    code = run(["--home", str(copy), "trace", str(leaked), "--report", str(tmp_path / "r.doc")])
    assert code == 2 and "must be a .pdf or .html file" in capsys.readouterr().err
    assert not (tmp_path / "r.doc").exists()
    code = run(["--home", str(copy), "trace", str(leaked), "--report", str(target)])
    assert code == 6 and "already exists" in capsys.readouterr().err


def test_the_report_says_whose_policy_the_export_ran_under() -> None:
    signed = {"version": "2026.12", "origin": "signed", "signer": "AK-0A1B2C3D", "sha256": "ab" * 32}
    local = {"version": "own", "origin": "local", "signer": None, "sha256": "cd" * 32}
    assert policy_words(signed, ENGLISH) == "2026.12, signed by the security office (AK-0A1B2C3D); SHA-256 " + "ab" * 8
    assert "NOT signed by the security office" in policy_words(local, ENGLISH)
    assert policy_words(local, CHINESE).startswith("own，本机策略，未经安全办签名")
    assert "not recorded" in policy_words(None, ENGLISH)
