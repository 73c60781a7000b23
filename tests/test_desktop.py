"""The desktop app driven offscreen with pytest-qt: no real modal dialog is ever shown."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import QLocale, QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.app import create_main_window, install_translators, main
from desktop.main_window import MainWindow
from desktop.models import ColumnsModel
from masking.detect import ScanReport
from masking.errors import Cancelled
from masking.home import resolve_home

pytestmark = pytest.mark.gui

SAMPLES = Path(__file__).resolve().parent.parent / "resources" / "samples"
TIMEOUT_MS = 10_000


class Dialogs:
    """Stands in for the window's modal dialogs and records what they were asked."""

    def __init__(self, window: MainWindow) -> None:
        self.next_path: Path | None = None
        self.errors: list[str] = []
        window._ask_open_path = self.ask_open_path  # type: ignore[method-assign]
        window._show_error = self.show_error  # type: ignore[method-assign]

    def ask_open_path(self) -> Path | None:
        return self.next_path

    def show_error(self, message: str) -> None:
        self.errors.append(message)


@pytest.fixture
def window(qtbot: QtBot) -> Iterator[MainWindow]:
    """A main window with the default policy; its scan threads are waited for at teardown."""
    main_window = create_main_window(resolve_home(None))
    qtbot.addWidget(main_window)
    yield main_window
    main_window.shutdown()
    assert not main_window.scanning


@pytest.fixture
def dialogs(window: MainWindow) -> Dialogs:
    return Dialogs(window)


def _rows(model: ColumnsModel) -> dict[str, list[str]]:
    """Header -> the shown texts of that row, for every row of the model."""
    shown: dict[str, list[str]] = {}
    for row in range(model.rowCount()):
        texts = [str(model.data(model.index(row, column))) for column in range(model.columnCount())]
        shown[texts[ColumnsModel.HEADER]] = texts
    return shown


def _open(qtbot: QtBot, window: MainWindow, dialogs: Dialogs, path: Path) -> None:
    dialogs.next_path = path
    with qtbot.waitSignal(window.scan_finished, timeout=TIMEOUT_MS):
        window.open_action.trigger()


def test_window_title_and_empty_state(window: MainWindow) -> None:
    assert window.windowTitle() == "数据外发卫士 ExportGuard"
    assert window.columns_model.rowCount() == 0
    assert window.columns_model.headerData(2, Qt.Orientation.Horizontal) == "识别类型"


def test_open_customers_shows_kinds_and_actions(qtbot: QtBot, window: MainWindow, dialogs: Dialogs) -> None:
    dialogs.next_path = SAMPLES / "customers_zh.xlsx"
    window.open_action.trigger()
    qtbot.waitUntil(lambda: window.columns_model.rowCount() == 10, timeout=TIMEOUT_MS)

    rows = _rows(window.columns_model)
    assert rows["手机号码"] == ["C", "手机号码", "电话号码", "100%", "假名化"]
    assert rows["户号"][2:] == ["户号", "100%", "假名化"]
    assert rows["身份证号码"][2] == "身份证号"
    assert rows["电能表资产编号"][2] == "电能表资产编号"
    assert rows["备注"][2] == "含个人信息的文本"
    assert rows["抄表日期"][2:] == ["非敏感", "100%", "保留"]
    assert window.sheet_list.count() == 1
    assert window.sheet_list.item(0).text() == "明细"
    assert window.findings_list.count() == 0
    assert "共 200 行数据" in window.statusBar().currentMessage()
    assert dialogs.errors == []


def test_hidden_sheets_are_marked_and_findings_listed(qtbot: QtBot, window: MainWindow, dialogs: Dialogs) -> None:
    _open(qtbot, window, dialogs, SAMPLES / "hidden_pii.xlsx")

    sheets = [window.sheet_list.item(row).text() for row in range(window.sheet_list.count())]
    assert sheets[0] == "明细"
    assert sheets[1] == "客户备份 (隐藏)"
    assert sheets[2].startswith("系统数据 (隐藏")
    findings = [window.findings_list.item(row).text() for row in range(window.findings_list.count())]
    assert "sheet '明细' column E '身份证号码' (hidden column)：发现身份证号" in findings
    assert any("comment" in text and text.endswith("发现电话号码") for text in findings)
    assert window.report is not None
    assert len(findings) == len(window.report.findings) == 30
    assert _rows(window.columns_model)["身份证号码"][0] == "E (隐藏列)"

    window.sheet_list.setCurrentRow(2)
    assert _rows(window.columns_model)["银行卡号"][2] == "银行卡号"
    assert _rows(window.columns_model)["服务密码"][2:] == ["密码", "95%", "删除"]
    assert "共 30 行数据" in window.statusBar().currentMessage()


def test_not_a_spreadsheet_shows_one_line_error(
    qtbot: QtBot, window: MainWindow, dialogs: Dialogs, tmp_path: Path
) -> None:
    picture = tmp_path / "photo.xlsx"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    dialogs.next_path = picture
    with qtbot.waitSignal(window.scan_failed, timeout=TIMEOUT_MS) as blocker:
        window.open_file()

    assert dialogs.errors == blocker.args
    [message] = dialogs.errors
    assert message.startswith("无法读取这个文件：")
    assert "photo.xlsx" in message
    assert "\n" not in message
    assert "Traceback" not in message
    assert window.report is None
    assert window.columns_model.rowCount() == 0


def test_cancelled_dialog_opens_nothing(window: MainWindow, dialogs: Dialogs) -> None:
    dialogs.next_path = None
    window.open_file()
    assert not window.scanning
    assert window.report is None


def test_second_open_replaces_the_first(qtbot: QtBot, window: MainWindow, dialogs: Dialogs) -> None:
    window.open_path(SAMPLES / "hidden_pii.xlsx")
    with qtbot.waitSignal(window.scan_finished, timeout=TIMEOUT_MS) as blocker:
        window.open_path(SAMPLES / "customers_zh.xlsx")

    assert blocker.args[0].path.name == "customers_zh.xlsx"
    assert window.sheet_list.count() == 1
    assert window.columns_model.rowCount() == 10
    assert dialogs.errors == []


def test_drop_a_file_opens_it(qtbot: QtBot, window: MainWindow, dialogs: Dialogs) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(SAMPLES / "customers_utf8bom.csv"))])
    event = QDropEvent(
        QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    with qtbot.waitSignal(window.scan_finished, timeout=TIMEOUT_MS):
        window.dropEvent(event)

    assert event.isAccepted()
    assert window.columns_model.rowCount() > 0
    assert dialogs.errors == []


def test_drop_of_a_folder_is_refused(window: MainWindow, tmp_path: Path) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(tmp_path))])
    event = QDropEvent(
        QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    window.dropEvent(event)
    assert not event.isAccepted()
    assert not window.scanning


def test_qt_translations_load_for_chinese(qapp: QApplication) -> None:
    translators = install_translators(qapp, QLocale("zh_CN"))
    try:
        assert len(translators) == 1
        assert not translators[0].isEmpty()
    finally:
        for translator in translators:
            qapp.removeTranslator(translator)
    assert install_translators(qapp, QLocale("en_US")) == []


def test_closing_cancels_a_running_scan_and_waits_for_it(qtbot: QtBot) -> None:
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

    main_window = MainWindow(endless_scan)
    qtbot.addWidget(main_window)
    Dialogs(main_window)
    main_window.open_path(Path("slow.csv"))
    qtbot.waitUntil(started.is_set, timeout=TIMEOUT_MS)
    was_scanning = main_window.scanning

    main_window.close()

    assert was_scanning

    assert outcome == ["cancelled"]
    assert not main_window.scanning
    assert main_window.report is None


# show() on the offscreen platform warns that it cannot pass size hints on; nothing of ours.
@pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
def test_main_opens_the_file_given_and_returns_the_exit_code(
    qtbot: QtBot, qapp: QApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []

    def fake_exec() -> int:
        [main_window] = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
        qtbot.addWidget(main_window)
        qtbot.waitUntil(lambda: main_window.columns_model.rowCount() == 10, timeout=TIMEOUT_MS)
        seen.append(main_window.windowTitle())
        return 7

    monkeypatch.setattr(QApplication, "exec", staticmethod(fake_exec))
    assert main([str(SAMPLES / "customers_zh.xlsx")]) == 7
    assert seen == ["数据外发卫士 ExportGuard"]
