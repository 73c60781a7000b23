"""The audit, trace and keys pages driven offscreen."""

from __future__ import annotations

import datetime as dt
import itertools
import sqlite3
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from test_desktop_support import SAMPLES, TIMEOUT_MS, Dialogs, export_with_core

from desktop.i18n import CHINESE, ENGLISH
from desktop.main_window import MainWindow
from desktop.models import LedgerModel
from desktop.pages.trace import TracePage
from masking.errors import PolicyError
from masking.investigation import Investigation
from masking.io.reader import open_workbook
from masking.keys import KeyRing
from masking.ledger import VerifyReport
from masking.pipeline import ExportRequest, prepare_export, run_export
from masking.workspace import Workspace

pytestmark = pytest.mark.gui
pytest_plugins = ("test_desktop_support",)  # the shared fixtures


@pytest.fixture
def two_exports(home: Path, ring: KeyRing, tmp_path: Path) -> tuple[Path, Path]:
    """The same customers exported to two recipients, the CLI's way."""
    first = tmp_path / "to_bank.xlsx"
    second = tmp_path / "to_contractor.xlsx"
    export_with_core(home, ring, SAMPLES / "customers_zh.xlsx", first, recipient="城东代收银行")
    export_with_core(home, ring, SAMPLES / "customers_zh.xlsx", second, recipient="抄表外包公司", purpose="抄表")
    return first, second


# -- audit ------------------------------------------------------------------------------------------


def _shown(window: MainWindow, column: int) -> list[str]:
    proxy = window.audit_page.proxy
    return [str(proxy.data(proxy.index(row, column))) for row in range(proxy.rowCount())]


def test_ledger_table_sorts_searches_and_verifies(qtbot: QtBot, window: MainWindow, dialogs: Dialogs,
                                                  two_exports: tuple[Path, Path]) -> None:
    page = window.audit_page
    page.reload()
    assert page.model.rowCount() == 2
    assert sorted(_shown(window, LedgerModel.RECIPIENT)) == ["城东代收银行", "抄表外包公司"]
    assert _shown(window, LedgerModel.EVENT) == ["Export", "Export"]
    assert "2 records." in page.verdict.text()

    page.view.sortByColumn(LedgerModel.RECORD, Qt.SortOrder.AscendingOrder)
    assert _shown(window, LedgerModel.RECIPIENT) == ["城东代收银行", "抄表外包公司"]
    page.view.sortByColumn(LedgerModel.RECORD, Qt.SortOrder.DescendingOrder)
    assert _shown(window, LedgerModel.RECIPIENT) == ["抄表外包公司", "城东代收银行"]
    page.search.setText("外包")
    assert _shown(window, LedgerModel.PURPOSE) == ["抄表"]
    # the Details column rarely fits: the chosen record's sentence is shown whole under the table
    details = str(page.proxy.data(page.proxy.index(0, LedgerModel.DETAILS)))
    assert details.startswith("Written to to_contractor.xlsx")
    assert page.record_details.text().endswith(f"· Export · {_shown(window, LedgerModel.USER)[0]}: {details}")
    page.search.clear()
    assert page.proxy.rowCount() == 2
    page.view.selectRow(1)
    assert page.record_details.text().endswith(str(page.proxy.data(page.proxy.index(1, LedgerModel.DETAILS))))
    assert "to_bank.xlsx" in page.record_details.text()

    with qtbot.waitSignal(page.verified, timeout=TIMEOUT_MS) as blocker:
        page.verify_button.click()
    assert isinstance(blocker.args[0], VerifyReport) and blocker.args[0].ok
    assert page.verdict.text() == "✔ Ledger intact: all 2 records are authentic and none is missing."
    assert "#e6f4ea" in page.verdict.styleSheet()  # green


def test_every_operation_is_in_the_trail_filtered_and_exported(  # noqa: PLR0917 (pytest fixtures)
        qtbot: QtBot, window: MainWindow, dialogs: Dialogs, home: Path, ring: KeyRing,
        two_exports: tuple[Path, Path], tmp_path: Path) -> None:
    """Refusals (with the rule), cancellations, traces and saved reports appear beside the exports, in
    local time; the page filters by event and employee and writes what it shows to a workbook."""
    ledger = Workspace(home).ledger(ring)
    refused = prepare_export(ExportRequest(input=SAMPLES / "customers_zh.xlsx", recipient="城东代收银行", purpose="",
                                           output=tmp_path / "refused.xlsx"), home)
    with pytest.raises(PolicyError):
        run_export(refused, ring, ledger)
    page = window.trace_page
    page.set_source(two_exports[0])
    with qtbot.waitSignal(page.traced, timeout=30_000):
        page.trace()
    dialogs.report_paths.append(tmp_path / "report.pdf")
    page.save_button.click()

    audit = window.audit_page
    qtbot.waitUntil(lambda: audit.model.rowCount() == 5, timeout=TIMEOUT_MS)  # the pages announced their records
    assert sorted(_shown(window, LedgerModel.EVENT)) == ["Export", "Export", "Export refused", "Trace",
                                                         "Trace report saved"]
    [first] = [e for e in ledger.entries() if e.seq == 1]
    local = dt.datetime.fromisoformat(first.time).astimezone()
    assert f"{local:%Y-%m-%d %H:%M:%S}" in _shown(window, LedgerModel.TIME)

    audit.set_filters(event="blocked")
    assert _shown(window, LedgerModel.DETAILS) == ["Refused: Enter the purpose: say why the file is sent."]
    assert _shown(window, LedgerModel.RECIPIENT) == ["城东代收银行"]
    audit.set_filters(event="report")
    assert _shown(window, LedgerModel.FILE) == ["report.pdf"]
    user = first.body["user"]
    audit.set_filters(employee=user)
    assert audit.proxy.rowCount() == 5
    audit.set_filters(employee="someone-else")  # not in the list: all employees
    assert audit.employee_filter.currentIndex() == 0

    audit.set_filters(event="export")
    trail = tmp_path / "trail.xlsx"
    dialogs.trail_paths.append(trail)
    with qtbot.waitSignal(audit.trail_exported):
        audit.export_button.click()
    book = openpyxl.load_workbook(trail, read_only=True)
    rows = [[cell if cell is not None else "" for cell in row] for row in book.active.iter_rows(values_only=True)]
    book.close()
    assert rows[0][:3] == ["Time", "Event", "Employee"]
    assert [row[1] for row in rows[1:]] == ["Export", "Export"]
    assert sorted(row[4] for row in rows[1:]) == ["城东代收银行", "抄表外包公司"]
    assert not dialogs.errors


def test_tampered_ledger_is_named_record_by_record(qtbot: QtBot, home: Path, window: MainWindow,
                                                   dialogs: Dialogs, two_exports: tuple[Path, Path]) -> None:
    with sqlite3.connect(home / "ledger.sqlite") as db:  # what an attacker with file access could do
        db.execute("DROP TRIGGER entries_no_update")
        db.execute("UPDATE entries SET body = replace(body, '城东代收银行', '别的银行') WHERE seq = 1")
    page = window.audit_page
    page.reload()
    with qtbot.waitSignal(page.verified, timeout=TIMEOUT_MS):
        page.verify()

    text = page.verdict.text()
    assert text.startswith("✘ The ledger has been tampered with. Problem records:")
    assert "• Record 1 of workstation " in text
    assert "record contents do not match its hash (edited)" in text
    assert "#fde8e7" in page.verdict.styleSheet()  # red
    edited = next(r for r in range(page.model.rowCount()) if page.model.entry(r).seq == 1)
    assert page.model.data(page.model.index(edited, 0), Qt.ItemDataRole.BackgroundRole) is not None


# -- trace ------------------------------------------------------------------------------------------


def _trace_and_wait(qtbot: QtBot, page: TracePage, start: Callable[[], object]) -> Investigation:
    with qtbot.waitSignal(page.traced, timeout=30_000) as blocker:
        start()
    result = blocker.args[0]
    assert isinstance(result, Investigation)
    return result


def _pasted(path: Path, rows: int) -> str:
    with open_workbook(path) as book:
        sheet = next(info.name for info in book.sheets if not info.hidden and book.table(info.name).width > 5)
        values = [v for _, v in itertools.islice(book.data_rows(sheet), rows)]
    return "\n".join("\t".join("" if v is None else str(v) for v in row) for row in values)


def test_trace_a_leaked_file_names_the_export(qtbot: QtBot, window: MainWindow, dialogs: Dialogs,
                                              two_exports: tuple[Path, Path], tmp_path: Path) -> None:
    leaked, _ = two_exports
    page = window.trace_page
    dialogs.leaked_files.append(leaked)
    investigation = _trace_and_wait(qtbot, page, page.choose_button.click)  # choosing the file starts the trace

    report = investigation.report
    assert report.verdict is not None
    ledger = window.session.ledger()
    assert ledger is not None
    [entry] = [e for e in ledger.entries("export") if e.body["recipient"] == "城东代收银行"]
    assert report.verdict.export_id == entry.body["export_id"]
    assert page.state.text() == f"Traced: this data comes from export {entry.body['export_id']} to 城东代收银行."
    assert page.table.item(0, 0).text() == "城东代收银行"
    assert page.table.item(0, 1).text() == entry.body["user"]
    assert page.table.item(0, 3).text() == "extremely high (chance of error at most one in a trillion)"
    evidence = page.evidence.toPlainText()
    assert "Recipient-specific pseudonyms" in evidence and entry.hash in evidence  # and the ledger record
    [trace] = ledger.entries("trace")
    assert trace.body["leaked_name"] == leaked.name and trace.body["named"] == [entry.body["export_id"]]

    page.investigator.setText("王调查")
    html_report = tmp_path / "report.html"
    pdf_report = tmp_path / "report.pdf"
    dialogs.report_paths.extend([html_report, pdf_report])
    with qtbot.waitSignal(page.report_saved) as saved:
        page.save_button.click()
    page.save_button.click()
    html_text = html_report.read_text(encoding="utf-8")
    assert '<meta charset="utf-8">' in html_text
    for fact in (entry.body["export_id"], investigation.source.sha256, "王调查", entry.hash,
                 "Confidence: extremely high (chance of error at most one in a trillion)"):
        assert fact in html_text
    assert pdf_report.read_bytes()[:5] == b"%PDF-"
    reports = ledger.entries("report")
    assert [r.body["format"] for r in reports] == ["html", "pdf"]
    assert reports[0].body["report_sha256"] == saved.args[0].report_sha256
    assert reports[0].body["investigator"] == "王调查"
    assert not dialogs.errors


def test_the_evidence_pane_follows_each_new_trace(qtbot: QtBot, window: MainWindow, dialogs: Dialogs,
                                                  two_exports: tuple[Path, Path]) -> None:
    """The defect: after a second trace the pane kept the first trace's evidence (its first row was
    selected already, so no selection change refreshed it) until another cell was clicked."""
    to_bank, to_contractor = two_exports
    page = window.trace_page
    page.set_source(to_bank)
    _trace_and_wait(qtbot, page, page.trace)
    first = page.evidence.toPlainText()
    assert "Visible watermark" in first and "城东代收银行" in first
    assert page.table.currentRow() == 0

    page.paste.setPlainText(_pasted(to_contractor, 20))
    second = _trace_and_wait(qtbot, page, page.trace)
    assert second.report.verdict is not None and second.report.verdict.recipient == "抄表外包公司"
    assert page.table.currentRow() == 0
    shown = page.evidence.toPlainText()
    assert "抄表外包公司" in shown and "Visible watermark" not in shown  # a CSV-like paste has no visible mark
    assert second.report.candidates[0].export_id in shown
    assert f"{second.report.rows} leaked rows" in shown or f"of the {second.report.rows}" in shown


def test_pasted_rows_replace_a_chosen_file_which_can_be_cleared(qtbot: QtBot, window: MainWindow,
                                                                 dialogs: Dialogs,
                                                                 two_exports: tuple[Path, Path]) -> None:
    to_bank, to_contractor = two_exports
    page = window.trace_page
    page.set_source(to_bank)
    assert page.drop_label.text() == f"File: {to_bank.name}" and page.clear_button.isEnabled()
    page.paste.setPlainText(_pasted(to_contractor, 60))  # pasted after the file was chosen: this is traced
    assert page.drop_label.text() == "Drop the leaked file here (.xlsx or .csv)"
    assert not page.clear_button.isEnabled()
    investigation = _trace_and_wait(qtbot, page, page.trace_button.click)
    assert investigation.source.name is None and investigation.source.lines == 60
    assert investigation.report.verdict is not None
    assert investigation.report.verdict.recipient == "抄表外包公司"
    assert "抄表外包公司" in page.state.text()

    page.set_source(to_bank)  # a file chosen after pasting replaces the pasted rows
    assert page.paste.toPlainText() == ""
    page.clear_button.click()
    assert page.drop_label.text() == "Drop the leaked file here (.xlsx or .csv)"
    assert not page.trace()
    assert page.state.text() == "Choose or drop a file, or paste rows, first."


def test_trace_needs_something_to_trace(window: MainWindow, dialogs: Dialogs) -> None:
    assert not window.trace_page.trace()
    assert window.trace_page.state.text() == "Choose or drop a file, or paste rows, first."


def test_trace_page_and_report_in_chinese(qtbot: QtBot, window: MainWindow, dialogs: Dialogs,
                                          two_exports: tuple[Path, Path], tmp_path: Path) -> None:
    to_bank, _ = two_exports
    page = window.trace_page
    page.set_source(to_bank)
    _trace_and_wait(qtbot, page, page.trace)
    window.settings_page.choose_language(CHINESE)
    qtbot.waitUntil(lambda: page.trace_button.text() == "追溯", timeout=TIMEOUT_MS)
    assert page.report_language() == CHINESE
    assert page.state.text().startswith("已追溯：")  # the state line is re-worded, not left in English
    assert page.table.item(0, 3).text() == "极高（误判概率不超过一万亿分之一）"
    assert "按接收方生成的假名" in page.evidence.toPlainText()
    target = tmp_path / "报告.html"
    dialogs.report_paths.append(target)
    page.save_button.click()
    assert "可信度：极高（误判概率不超过一万亿分之一）" in target.read_text(encoding="utf-8")
    window.settings_page.choose_language(ENGLISH)
    qtbot.waitUntil(lambda: page.trace_button.text() == "Trace", timeout=TIMEOUT_MS)


# -- keys -------------------------------------------------------------------------------------------


def test_first_run_creates_protected_keys(keyless_window: MainWindow, home: Path) -> None:
    dialogs = Dialogs(keyless_window)
    dialogs.first_run.append("create")
    dialogs.new_keys.append(("测试供电公司", "correct horse battery"))
    page = keyless_window.keys_page
    assert "No keys on this workstation yet" in page.state.text()
    assert keyless_window.session.ring is None

    keyless_window.start()

    store = Workspace(home).keystore
    assert store.exists() and store.protected
    assert keyless_window.session.ring is not None
    assert page.state.text() == "Keys ready and protected by a passphrase."
    assert page.org_value.text() == "测试供电公司"
    assert not page.create_button.isEnabled()


def test_protected_keys_are_unlocked_with_the_passphrase(home: Path, keyless_window: MainWindow) -> None:
    Workspace(home).keystore.create("s3cret passphrase", "测试供电公司")
    dialogs = Dialogs(keyless_window)
    page = keyless_window.keys_page
    page.refresh()
    assert page.state.text() == "The keys are locked: unlock them with the passphrase."

    dialogs.passphrases.append("wrong")
    keyless_window.start()
    assert keyless_window.session.ring is None
    [error] = dialogs.errors
    assert error.startswith("Problem with the keys: wrong passphrase")
    assert dialogs.passphrase_prompts[-1] == "The keys of 测试供电公司 are locked.\nKeystore passphrase:"

    trace = keyless_window.trace_page  # a page that needs the keys says whose, and what for
    trace.paste.setPlainText("13800000000\t张三")
    dialogs.passphrases.append(None)  # cancelled
    assert not trace.trace()
    assert dialogs.passphrase_prompts[-1] == ("The keys of 测试供电公司 are locked.\nThey are needed to read the "
                                              "watermarks of the leaked data.\nKeystore passphrase:")

    dialogs.passphrases.append("s3cret passphrase")
    page.unlock_button.click()
    assert keyless_window.session.ring is not None
    assert page.state.text() == "Keys ready and protected by a passphrase."
    assert not page.unlock_button.isEnabled()

    dialogs.passphrase_changes.append(("s3cret passphrase", "a new passphrase"))
    page.passphrase_button.click()
    assert dialogs.infos == ["The passphrase was changed."]
    unlocked = keyless_window.session.ring
    assert Workspace(home).keystore.unlock("a new passphrase").active.key_id == unlocked.active.key_id


def test_import_the_organisation_bundle(tmp_path: Path, home: Path, keyless_window: MainWindow) -> None:
    office = tmp_path / "office"
    office_store = Workspace(office).keystore
    office_ring = office_store.create("office pass", "国网某市供电公司")
    bundle = tmp_path / "org.bundle"
    office_store.export_bundle("office pass", "bundle passphrase", bundle)
    dialogs = Dialogs(keyless_window)
    dialogs.bundles.append((bundle, "bundle passphrase"))

    keyless_window.keys_page.import_button.click()

    ring = keyless_window.session.ring
    assert ring is not None and ring.active.key_id == office_ring.active.key_id
    assert dialogs.infos == ["Imported the keys of “国网某市供电公司”."]
    assert Workspace(home).keystore.status().organisation == "国网某市供电公司"


def test_the_bundle_dialog_opens_where_the_installer_left_the_bundle(
        tmp_path: Path, keyless_window: MainWindow, monkeypatch: pytest.MonkeyPatch) -> None:
    """The installer copies the organisation's bundle to %ProgramData%\\ExportGuard (organisation_folder)."""
    page = keyless_window.keys_page
    machine = tmp_path / "ProgramData" / "ExportGuard"
    monkeypatch.setattr("desktop.pages.keys.organisation_folder", lambda: machine)
    assert page.bundle_folder() == ""  # no installer ran: the dialog's own default
    machine.mkdir(parents=True)
    assert page.bundle_folder() == str(machine)


def test_export_without_keys_creates_them_as_the_cli_does(qtbot: QtBot, keyless_window: MainWindow,
                                                          tmp_path: Path, home: Path) -> None:
    Dialogs(keyless_window)
    window = keyless_window
    with qtbot.waitSignal(window.scan_finished, timeout=TIMEOUT_MS):
        window.open_path(SAMPLES / "customers_zh.xlsx")
    assert window.review_page.preview_model.data(window.review_page.preview_model.index(0, 5)) == "(keys needed)"
    page = window.export_page
    page.recipient.setEditText("城东代收银行")
    page.purpose.setEditText("欠费催缴")
    page.output.setText(str(tmp_path / "out.xlsx"))
    with qtbot.waitSignal(page.export_finished, timeout=TIMEOUT_MS):
        assert page.start_export()
    assert Workspace(home).keystore.exists()
    assert window.review_page.preview_model.data(window.review_page.preview_model.index(0, 5)) != "(keys needed)"
