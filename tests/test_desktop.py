"""The desktop app driven offscreen with pytest-qt: opening files and reviewing them, and the language.

No real modal dialog is ever shown (see ``Dialogs`` in test_desktop_support.py).
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import QLocale, QMimeData, QObject, QPointF, Qt, QTranslator, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication, QComboBox, QFileDialog, QLabel
from pytestqt.qtbot import QtBot
from test_desktop_support import BIG_ROWS, SAMPLES, TIMEOUT_MS, Dialogs, open_and_scan

from desktop.app import main
from desktop.i18n import (
    CHINESE,
    ENGLISH,
    Translations,
    compiled_catalog,
    load_qt_catalog,
    qt_translation_folders,
    resolve_language,
)
from desktop.main_window import MainWindow
from desktop.models import ACTION_ROLE, ColumnsModel, PreviewModel, cell_text
from desktop.qt_strings import completed_qt_strings
from desktop.session import Session
from desktop.settings import AppSettings
from desktop.wording import violation_text
from masking.detect import ScanReport
from masking.errors import Cancelled
from masking.keys import KeyRing
from masking.kinds import Action, Kind
from masking.operators import get_operator
from masking.operators.base import KeyMaterial, OperatorContext
from masking.policy import load_policy
from masking.violations import VIOLATION_TEXTS, Violation, violation
from masking.workspace import Workspace

pytestmark = pytest.mark.gui
pytest_plugins = ("test_desktop_support",)  # the shared fixtures


def _rows(model: ColumnsModel) -> dict[str, list[str]]:
    """Header -> the shown texts of that row, for every row of the model."""
    shown: dict[str, list[str]] = {}
    for row in range(model.rowCount()):
        texts = [str(model.data(model.index(row, column))) for column in range(model.columnCount())]
        shown[texts[ColumnsModel.HEADER]] = texts
    return shown


def _column(model: PreviewModel, section: int) -> list[str]:
    return [str(model.data(model.index(row, section))) for row in range(model.rowCount())]


def _drop(path: Path) -> tuple[QDropEvent, QMimeData]:
    """A drop event and its data (the event does not own the data: keep both alive)."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(
        QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    return event, mime


# -- opening ----------------------------------------------------------------------------------------


def test_empty_state_says_what_to_do(window: MainWindow) -> None:
    assert window.windowTitle() == "ExportGuard"
    assert [window.navigation.item(i).text() for i in range(6)] == [
        "Review", "Export", "Trace", "Audit", "Keys", "Settings"]
    assert window.review_page.columns_model.rowCount() == 0
    assert "Open an Excel or CSV file" in window.review_page.summary.text()
    assert not window.export_page.can_export


def test_open_button_shows_kinds_actions_and_preview(qtbot: QtBot, window: MainWindow, dialogs: Dialogs) -> None:
    dialogs.open_paths.append(SAMPLES / "customers_zh.xlsx")
    with qtbot.waitSignal(window.scan_finished, timeout=TIMEOUT_MS):
        window.open_action.trigger()
    qtbot.waitUntil(lambda: window.session.heads is not None, timeout=TIMEOUT_MS)

    page = window.review_page
    rows = _rows(page.columns_model)
    assert rows["手机号码"] == ["C", "手机号码", "Phone number", "certain (100%)", "Pseudonymize", "Direct identifier"]
    assert rows["户号"][2:] == ["Account number", "certain (100%)", "Pseudonymize", "Direct identifier"]
    assert rows["身份证号码"][5] == "Quasi-identifier"  # a masked ID still shows its sex digit
    assert rows["身份证号码"][2] == "Resident ID number"
    assert rows["备注"][2] == "Text with personal data"
    assert rows["抄表日期"][2:] == ["Not sensitive", "certain (100%)", "Keep", "Other"]
    assert page.sheet_list.count() == 1
    assert page.sheet_list.item(0).text() == "明细"
    assert page.findings_texts == []
    assert "200 data rows" in page.summary.text()
    # The preview: 50 rows, each column before and after, kinds in the header.
    preview = page.preview_model
    assert preview.rowCount() == 50
    assert preview.columnCount() == 2 * len(rows)
    assert preview.headerData(4, Qt.Orientation.Horizontal) == "手机号码\nPhone number, certain (100%)"
    assert preview.headerData(5, Qt.Orientation.Horizontal) == "手机号码 ⟶\nPseudonymize"
    assert dialogs.errors == []


def test_preview_after_is_the_export_operator_on_the_same_rows(
    qtbot: QtBot, window: MainWindow, dialogs: Dialogs, ring: KeyRing
) -> None:
    open_and_scan(qtbot, window, SAMPLES / "customers_zh.xlsx")
    window.export_page.recipient.setEditText("城东代收银行")
    qtbot.waitUntil(lambda: not window.review_page.standins_pending, timeout=TIMEOUT_MS)  # re-keyed once typed
    preview = window.review_page.preview_model
    head = window.session.sheet_head("明细")
    assert head is not None
    phones = [row[2] for row in head.rows]
    context = OperatorContext("recipient:城东代收银行", KeyMaterial.from_master(ring.active))
    expected = get_operator(Action.PSEUDONYMIZE, Kind.PHONE).apply_batch(phones, context).values

    assert _column(preview, 4) == [cell_text(v) for v in phones]
    assert _column(preview, 5) == [cell_text(v) for v in expected]
    assert _column(preview, 5) != _column(preview, 4)


def test_changing_an_action_updates_the_preview(qtbot: QtBot, window: MainWindow, dialogs: Dialogs) -> None:
    open_and_scan(qtbot, window, SAMPLES / "customers_zh.xlsx")
    page = window.review_page
    model = page.columns_model
    phone_row = next(r for r in range(model.rowCount()) if model.column_scan(r).header == "手机号码")
    combo = page.columns_view.indexWidget(model.index(phone_row, ColumnsModel.ACTION))
    assert isinstance(combo, QComboBox)
    offered = [Action(combo.itemData(i)) for i in range(combo.count())]
    assert Action.KEEP not in offered  # the policy does not allow a phone number in clear
    assert set(offered) == set(load_policy().allowed_actions(Kind.PHONE))
    assert combo.currentData() == Action.PSEUDONYMIZE

    combo.setCurrentIndex(combo.findData(Action.MASK))

    assert model.data(model.index(phone_row, ColumnsModel.ACTION), ACTION_ROLE) == Action.MASK
    assert window.session.choices() == ("明细!C=mask",)
    after = _column(page.preview_model, 5)
    assert all("****" in value for value in after if value), after[:3]
    assert page.preview_model.headerData(5, Qt.Orientation.Horizontal) == "手机号码 ⟶\nMask"
    combo.setCurrentIndex(combo.findData(Action.DROP))
    assert set(_column(page.preview_model, 5)) == {"(removed)"}


def test_preview_modes_show_before_or_after(qtbot: QtBot, window: MainWindow, dialogs: Dialogs) -> None:
    open_and_scan(qtbot, window, SAMPLES / "customers_zh.xlsx")
    page = window.review_page
    both = page.preview_model.columnCount()
    before = _column(page.preview_model, 4)
    after = _column(page.preview_model, 5)
    page.mode_combo.setCurrentIndex(page.mode_combo.findData("before"))
    assert page.preview_model.columnCount() == both // 2
    assert _column(page.preview_model, 2) == before
    page.mode_combo.setCurrentIndex(page.mode_combo.findData("after"))
    assert _column(page.preview_model, 2) == after


def test_hidden_sheets_marked_and_findings_in_plain_words(qtbot: QtBot, window: MainWindow,
                                                          dialogs: Dialogs) -> None:
    open_and_scan(qtbot, window, SAMPLES / "hidden_pii.xlsx")
    page = window.review_page
    sheets = [page.sheet_list.item(row).text() for row in range(page.sheet_list.count())]
    assert sheets == ["明细", "客户备份\n(hidden)", "系统数据\n(hidden, cannot be unhidden in Excel)"]
    findings = page.findings_texts
    assert ("Hidden column E “身份证号码” of sheet “明细”: Resident ID number. "
            "Exported, protected by the action chosen for the column.") in findings
    assert ("Comment on cell G5 of sheet “明细”: Name, Phone number. "
            "Will not be carried into the exported file.") in findings
    assert ("Document property “creator”: Name, Phone number. "
            "Will not be carried into the exported file.") in findings
    assert ("Hidden sheet “系统数据”: Account number, Name, Resident ID number, Bank card number, Password. "
            "Hidden sheets are not exported.") in findings
    assert len(findings) == 15
    assert "15 places" in page.findings_hint.text()
    assert _rows(page.columns_model)["身份证号码"][0] == "E (hidden)"

    page.sheet_list.setCurrentRow(2)
    assert _rows(page.columns_model)["服务密码"][2:] == [
        "Password", "certain (95%)", "Remove column", "Sensitive attribute"]


def test_first_rows_appear_before_the_scan_ends(qtbot: QtBot, window: MainWindow, dialogs: Dialogs,
                                                big_workbook: Path) -> None:
    started = time.perf_counter()
    with qtbot.waitSignal(window.heads_loaded, timeout=TIMEOUT_MS):
        window.open_path(big_workbook)
    first_rows = time.perf_counter() - started
    preview = window.review_page.preview_model
    rows_shown = preview.rowCount()
    kinds_known = window.session.report is not None
    qtbot.waitUntil(lambda: window.session.report is not None, timeout=TIMEOUT_MS)
    print(f"first {rows_shown} preview rows of {BIG_ROWS:,} after {first_rows * 1000:.0f} ms")

    assert rows_shown == 50
    assert first_rows < 2.0
    assert not kinds_known or first_rows < 0.5  # the scan may win on a tiny file, never on this one by much
    assert "(detecting" not in str(preview.headerData(0, Qt.Orientation.Horizontal))


def test_not_a_spreadsheet_shows_one_line_error(qtbot: QtBot, window: MainWindow, dialogs: Dialogs,
                                                tmp_path: Path) -> None:
    picture = tmp_path / "photo.xlsx"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    with qtbot.waitSignal(window.scan_failed, timeout=TIMEOUT_MS) as blocker:
        window.open_path(picture)

    assert dialogs.errors == blocker.args
    [message] = dialogs.errors
    assert message.startswith("This file cannot be read: ")
    assert "photo.xlsx" in message
    assert "\n" not in message
    assert window.session.report is None
    assert window.review_page.columns_model.rowCount() == 0


def test_cancelled_dialog_opens_nothing(window: MainWindow, dialogs: Dialogs) -> None:
    dialogs.open_paths.append(None)
    window.open_file()
    assert not window.scanning
    assert window.session.path is None


def test_second_open_replaces_the_first(qtbot: QtBot, window: MainWindow, dialogs: Dialogs) -> None:
    window.open_path(SAMPLES / "hidden_pii.xlsx")
    with qtbot.waitSignal(window.scan_finished, timeout=TIMEOUT_MS) as blocker:
        window.open_path(SAMPLES / "customers_zh.xlsx")

    assert blocker.args[0].path.name == "customers_zh.xlsx"
    assert window.review_page.sheet_list.count() == 1
    assert window.review_page.columns_model.rowCount() == 10
    assert dialogs.errors == []


def test_drop_a_file_opens_it(qtbot: QtBot, window: MainWindow, dialogs: Dialogs) -> None:
    event, _mime = _drop(SAMPLES / "customers_utf8bom.csv")
    with qtbot.waitSignal(window.scan_finished, timeout=TIMEOUT_MS):
        window.dropEvent(event)

    assert event.isAccepted()
    assert window.review_page.columns_model.rowCount() > 0
    assert window.session.format == "csv"
    assert dialogs.errors == []


def test_drop_of_a_folder_is_refused(window: MainWindow, tmp_path: Path) -> None:
    event, _mime = _drop(tmp_path)
    window.dropEvent(event)
    assert not event.isAccepted()
    assert not window.scanning


def test_recent_files_are_remembered_and_reopened(qtbot: QtBot, window: MainWindow, dialogs: Dialogs,
                                                  home: Path) -> None:
    open_and_scan(qtbot, window, SAMPLES / "customers_zh.xlsx")
    open_and_scan(qtbot, window, SAMPLES / "hidden_pii.xlsx")
    assert [p.name for p in AppSettings(home).recent_files()] == ["hidden_pii.xlsx", "customers_zh.xlsx"]

    window.recent_menu.aboutToShow.emit()
    actions = window.recent_menu.actions()
    assert [Path(a.text()).name for a in actions] == ["hidden_pii.xlsx", "customers_zh.xlsx"]
    with qtbot.waitSignal(window.scan_finished, timeout=TIMEOUT_MS) as blocker:
        actions[1].trigger()
    assert blocker.args[0].path.name == "customers_zh.xlsx"


def test_closing_cancels_a_running_scan_and_waits_for_it(qtbot: QtBot, home: Path, ring: KeyRing,
                                                         translations: Translations) -> None:
    started = threading.Event()
    outcome: list[str] = []
    pause = threading.Event()  # never set: wait() is just a short pause on the worker thread

    def endless_scan(path: Path, progress: Callable[[int, int], None]) -> ScanReport:
        started.set()
        try:
            for done in range(500):
                pause.wait(0.01)
                progress(done, 500)
        except Cancelled:
            outcome.append("cancelled")
            raise
        outcome.append("ran to the end")
        return ScanReport("csv", (), ())

    session = Session(Workspace(home), load_policy())
    main_window = MainWindow(session, AppSettings(home), endless_scan, lambda _language: None)
    qtbot.addWidget(main_window)
    main_window.open_path(SAMPLES / "customers_utf8bom.csv")
    qtbot.waitUntil(started.is_set, timeout=TIMEOUT_MS)
    was_scanning = main_window.scanning

    main_window.close()

    assert was_scanning
    assert outcome == ["cancelled"]
    assert not main_window.scanning
    assert main_window.session.report is None


# show() on the offscreen platform warns that it cannot pass size hints on; nothing of ours.
@pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
def test_main_opens_the_file_given_and_returns_the_exit_code(
    qtbot: QtBot, qapp: QApplication, monkeypatch: pytest.MonkeyPatch, home: Path, ring: KeyRing
) -> None:
    seen: list[str] = []

    def fake_exec() -> int:
        [main_window] = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        qtbot.addWidget(main_window)
        qtbot.waitUntil(lambda: main_window.review_page.columns_model.rowCount() == 10, timeout=TIMEOUT_MS)
        seen.append(main_window.navigation.item(0).text())
        main_window.shutdown()
        return 7

    monkeypatch.setattr(QApplication, "exec", staticmethod(fake_exec))
    AppSettings(home).language = CHINESE
    assert main([str(SAMPLES / "customers_zh.xlsx")]) == 7
    assert seen == ["审阅"]


# -- language ---------------------------------------------------------------------------------------


def _chooser(window: MainWindow, header: str) -> QComboBox:
    page = window.review_page
    row = next(r for r in range(page.columns_model.rowCount()) if page.columns_model.column_scan(r).header == header)
    editor = page.columns_view.indexWidget(page.columns_model.index(row, ColumnsModel.ACTION))
    assert isinstance(editor, QComboBox)
    return editor


def test_action_chooser_explains_each_action_with_the_columns_own_value(qtbot: QtBot, window: MainWindow,
                                                                        dialogs: Dialogs) -> None:
    """Plain words for staff: each choice says what it does and shows a value of this very column
    before and after, computed by the export's own operator for the recipient entered."""
    open_and_scan(qtbot, window, SAMPLES / "customers_zh.xlsx")
    session = window.session
    head = session.sheet_head("明细")
    assert head is not None
    phone = next(str(row[2]) for row in head.rows if row[2])
    combo = _chooser(window, "手机号码")
    items = {combo.itemData(i): combo.itemText(i) for i in range(combo.count())}
    assert items["mask"].startswith("Mask: part of each value is hidden with * · " + phone + " → ")
    assert "*" in items["mask"].split(" → ")[1]
    before_recipient = items["pseudonymize"]
    assert before_recipient.startswith("Pseudonymize: a different value of the same format, the same for this "
                                       f"recipient; cannot be reversed · {phone} → ")
    assert window.review_page.preview_hint.text().startswith("Stand-in values depend on the recipient")

    session.set_facts(recipient="城东代收银行", purpose="欠费催缴", use_password=False)
    qtbot.waitUntil(lambda: not window.review_page.standins_pending, timeout=TIMEOUT_MS)
    combo = _chooser(window, "手机号码")
    items = {combo.itemData(i): combo.itemText(i) for i in range(combo.count())}
    expected = session.preview_after(Kind.PHONE, Action.PSEUDONYMIZE, [phone])
    assert expected is not None
    assert items["pseudonymize"].endswith(f"{phone} → {expected[0]}")
    assert items["pseudonymize"] != before_recipient  # the stand-in is the recipient's own
    assert window.review_page.preview_hint.text() == "The preview shows what 城东代收银行 will receive."


def test_switching_language_relabels_the_open_window(qtbot: QtBot, window: MainWindow, dialogs: Dialogs,
                                                     home: Path) -> None:
    open_and_scan(qtbot, window, SAMPLES / "customers_zh.xlsx")
    page = window.review_page
    window.settings_page.choose_language(CHINESE)
    qtbot.waitUntil(lambda: window.navigation.item(0).text() != "Review", timeout=TIMEOUT_MS)

    assert AppSettings(home).language == CHINESE
    assert window.navigation.item(0).text() == "审阅"
    assert window.navigation.item(3).text() == "审计"
    assert window.windowTitle() == "数据外发卫士 ExportGuard"
    assert window.open_action.text() == "打开文件…"
    assert page.columns_model.headerData(2, Qt.Orientation.Horizontal) == "识别类型"
    assert _rows(page.columns_model)["手机号码"][2:] == ["电话号码", "确定（100%）", "假名化", "直接标识符"]
    assert page.sheets_box.title() == "工作表"
    assert window.export_page.export_button.text() == "导出"
    assert "请填写接收方" in window.export_page.verdict.text()
    assert window.statusBar().currentMessage() == "customers_zh.xlsx：已扫描 200 行数据。"  # shown before the switch
    assert "内置默认策略，未经安全办公室签名" in window.settings_page.policy_value.text()  # not the core's English

    window.settings_page.choose_language(ENGLISH)
    qtbot.waitUntil(lambda: window.navigation.item(0).text() != "审阅", timeout=TIMEOUT_MS)

    assert window.navigation.item(0).text() == "Review"
    assert _rows(page.columns_model)["手机号码"][2:] == [
        "Phone number", "certain (100%)", "Pseudonymize", "Direct identifier"]
    assert "Enter the recipient" in window.export_page.verdict.text()


def test_translations_are_complete_and_qt_strings_load(qapp: QApplication, qm_cache: Path) -> None:
    catalog = compiled_catalog(CHINESE, qm_cache)
    assert catalog is not None and catalog.stat().st_size > 0
    text = (Path(__file__).resolve().parent.parent / "desktop" / "translations" / "exportguard_zh_CN.ts").read_text(
        encoding="utf-8")
    assert 'type="unfinished"' not in text
    installed = Translations(qapp, qm_cache)
    try:
        assert installed.switch(CHINESE)
        assert len(installed.installed) == 2  # Qt's qtbase and ours
        assert QApplication.translate("QPlatformTheme", "Cancel") == "取消"  # dialog buttons
    finally:
        installed.remove_all()
    assert installed.installed == ()


_VIOLATION_ARGS = {"limit": 200, "column": "A '手机号码'", "kind": "phone", "action": "keep",
                   "version": "2026.1", "allowed": ("mask", "pseudonymize"), "rows": 200, "threshold": 100,
                   "approved": 150,
                   "format": "csv", "formats": ("xlsx",), "layer": "visible", "columns": ("A", "B"),
                   "layers": ("canaries", "marks"), "kinds": ("phone", "email"), "sheet": "客户", "min_k": 5, "k": 2,
                   "count": 3, "hours": 48, "name": "policy.signed.json", "path": "home/policy.toml",
                   "signer": "AK-0000AAAA", "office": "AK-1111BBBB", "time": "2026-12-06T09:00:00+00:00",
                   "export_id": "EX-20261206-0A1B2C3D", "recipient": "城东代收银行", "purpose": "欠费催缴",
                   "cells": 4, "now": "2026-12-06T09:00:00+00:00", "newest": "2026-12-07T09:00:00+00:00",
                   "expires": "2026-12-05T09:00:00+00:00"}


def _every_violation() -> list[Violation]:
    found = []
    for code, english in VIOLATION_TEXTS.items():
        names = [name for name in _VIOLATION_ARGS if "{" + name + "}" in english]
        found.append(violation(code, **{name: _VIOLATION_ARGS[name] for name in names}))
    return found


def test_every_policy_violation_is_worded_by_its_code_in_both_languages(qapp: QApplication, qm_cache: Path) -> None:
    """The export page words each violation by code; the core's English is only the fallback for a new code."""
    english = {v.code: violation_text(v) for v in _every_violation()}
    for v in _every_violation():
        assert english[v.code] != v.text and "{" not in english[v.code], v.code
    installed = Translations(qapp, qm_cache)
    try:
        assert installed.switch(CHINESE)
        for v in _every_violation():
            chinese = violation_text(v)
            assert chinese != english[v.code] and "{" not in chinese, v.code
            assert all("\u4e00" <= c <= "\u9fff" for c in chinese if c.isalpha() and not c.isascii()), v.code
    finally:
        installed.remove_all()


def test_qt_dialog_strings_come_from_the_first_folder_that_has_them(qapp: QApplication, tmp_path: Path) -> None:
    """Qt's file chooser and message boxes in Chinese even when Qt's configured folder lacks the catalog."""
    translator = QTranslator()
    assert not load_qt_catalog(translator, CHINESE, [str(tmp_path)])
    assert load_qt_catalog(translator, CHINESE, [str(tmp_path), *qt_translation_folders()])
    assert qapp.installTranslator(translator)
    try:
        assert QApplication.translate("QPlatformTheme", "Cancel") == "取消"
        assert QApplication.translate("QFileDialog", "File &name:") != "File &name:"
    finally:
        qapp.removeTranslator(translator)


def test_no_english_left_in_qts_own_file_chooser(qapp: QApplication, qm_cache: Path) -> None:
    """Qt's catalog lacks a few of its own file-chooser strings in this Qt; the app's catalog completes them."""
    installed = Translations(qapp, qm_cache)
    try:
        assert installed.switch(CHINESE)
        words = completed_qt_strings()
        assert all(text != source for source, text in words.items()), words
        chooser = QFileDialog(None, "x")
        chooser.setOption(QFileDialog.Option.DontUseNativeDialog)
        labels = {label.objectName(): label.text() for label in chooser.findChildren(QLabel)}
        assert labels["lookInLabel"] == "查找范围(&L)：" and labels["fileTypeLabel"] == "文件类型(&T)："
        chooser.deleteLater()
    finally:
        installed.remove_all()


def test_language_follows_the_system_unless_chosen() -> None:
    assert resolve_language("system", QLocale("zh_CN")) == CHINESE
    assert resolve_language("system", QLocale("en_GB")) == ENGLISH
    assert resolve_language("system", QLocale("de_DE")) == ENGLISH
    assert resolve_language(ENGLISH, QLocale("zh_CN")) == ENGLISH
    assert resolve_language(CHINESE, QLocale("en_US")) == CHINESE


def test_void_qt_calls_do_not_leak_references_to_none() -> None:
    """PySide6 6.12.0 on Python 3.11 drops a reference to None per void call and aborts the app after
    a few thousand calls; pyproject.toml excludes it. This fails clearly if such a build comes back."""
    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(2_000):
        probe.setObjectName("probe")
    assert sys.getrefcount(None) >= before - 100


def test_preview_fills_when_the_first_rows_arrive_after_the_scan(
    qtbot: QtBot, window: MainWindow, dialogs: Dialogs
) -> None:
    open_and_scan(qtbot, window, SAMPLES / "customers_zh.xlsx")
    heads = window.session.heads
    assert heads is not None and window.session.report is not None
    window.review_page.preview_model.clear()  # as if the scan had finished first
    window.session.set_heads(heads)
    assert window.review_page.preview_model.rowCount() == 50
    assert _column(window.review_page.preview_model, 5) != []
