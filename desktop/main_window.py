"""The main window: a navigation list on the left (review, export, trace, audit, keys, settings), the
pages on the right, and the ways to open a file (toolbar, recent files, drag and drop, command line)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEvent, QSize, Qt, Signal, Slot
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QListWidget,
    QMainWindow,
    QMenu,
    QMessageBox,
    QStackedWidget,
    QToolBar,
    QToolButton,
    QWidget,
)

from desktop.pages import Page
from desktop.pages.audit import AuditPage
from desktop.pages.export import ExportPage
from desktop.pages.keys import KeysPage
from desktop.pages.review import ReviewPage
from desktop.pages.settings import SettingsPage
from desktop.pages.trace import TracePage
from desktop.session import Session
from desktop.settings import AppSettings
from desktop.workers import PreviewResult, ScanFunction, ScanResult, TaskRunner, read_heads

log = logging.getLogger(__name__)

REVIEW, EXPORT, TRACE, AUDIT, KEYS, SETTINGS = range(6)
NAV_STYLE = """
QListWidget#navigation { background: #24364b; color: #e8eef5; border: none; font-size: 15px; outline: 0; }
QListWidget#navigation::item { padding: 12px 16px; }
QListWidget#navigation::item:selected { background: #3a78c2; color: white; }
"""


class MainWindow(QMainWindow):
    """Opens one file at a time and hosts the pages.

    Signals:
        heads_loaded(object): the ``PreviewResult`` with the first rows of the opened file.
        scan_finished(object): the ``ScanResult`` now shown.
        scan_failed(str): the message just shown to the user.
    """

    heads_loaded = Signal(object)
    scan_finished = Signal(object)
    scan_failed = Signal(str)

    def __init__(
        self,
        session: Session,
        settings: AppSettings,
        scan: ScanFunction,
        switch_language: Callable[[str], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.settings = settings
        self._scan = scan
        self._scan_runner = TaskRunner("scan", self)
        self._scan_runner.progressed.connect(self._on_scan_runner_progressed)
        self._scan_runner.finished.connect(self._on_scan_runner_finished)
        self._scan_runner.failed.connect(self._on_scan_runner_failed)
        self._heads_runner = TaskRunner("preview", self)
        self._heads_runner.finished.connect(self._on_heads_runner_finished)
        self._heads_runner.failed.connect(self._on_heads_runner_failed)

        self._status: Callable[[], str] | None = None  # the status line, re-worded on a language switch
        self.setAcceptDrops(True)
        self.resize(1180, 760)

        self.keys_page = KeysPage(session)
        self.review_page = ReviewPage(session)
        self.export_page = ExportPage(session, settings, self.keys_page.ensure_ring)
        # an export measures its own risk: the Review page's measurement waits until it ends
        self.export_page.export_started.connect(self.review_page.hold_risk)
        for ended in (self.export_page.export_finished, self.export_page.export_failed,
                      self.export_page.export_cancelled):
            ended.connect(self.review_page.resume_risk)
        self.trace_page = TracePage(session, self.keys_page.ensure_ring)
        self.audit_page = AuditPage(session)
        self.settings_page = SettingsPage(session, settings, switch_language)
        self.pages: tuple[Page, ...] = (self.review_page, self.export_page, self.trace_page, self.audit_page,
                                        self.keys_page, self.settings_page)

        self.navigation = QListWidget()
        self.navigation.setObjectName("navigation")
        self.navigation.setStyleSheet(NAV_STYLE)
        self.navigation.setFixedWidth(150)
        self.navigation.setIconSize(QSize(0, 0))
        self.stack = QStackedWidget()
        for page in self.pages:
            self.navigation.addItem("")
            self.stack.addWidget(page)
        self.navigation.currentRowChanged.connect(self.stack.setCurrentIndex)
        self.navigation.setCurrentRow(REVIEW)
        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.navigation)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        self.open_action = QAction(self)
        self.open_action.setShortcut(QKeySequence.StandardKey.Open)
        self.open_action.triggered.connect(self._on_open_action_triggered)
        self.recent_menu = QMenu(self)
        self.recent_menu.aboutToShow.connect(self._on_recent_menu_about_to_show)
        self.recent_button = QToolButton()
        self.recent_button.setMenu(self.recent_menu)
        self.recent_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.toolbar = QToolBar(self)
        self.toolbar.setObjectName("main_toolbar")
        self.toolbar.setMovable(False)
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.toolbar.addAction(self.open_action)
        self.toolbar.addWidget(self.recent_button)
        self.addToolBar(self.toolbar)
        self.retranslate()

    # -- texts ----------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("ExportGuard"))
        names = (self.tr("Review"), self.tr("Export"), self.tr("Trace"), self.tr("Audit"), self.tr("Keys"),
                 self.tr("Settings"))
        for row, name in enumerate(names):
            self.navigation.item(row).setText(name)
        self.open_action.setText(self.tr("Open file…"))
        self.open_action.setToolTip(self.tr("Open the Excel or CSV file to be sent out"))
        self.recent_button.setText(self.tr("Recent files"))
        self.toolbar.setWindowTitle(self.tr("Toolbar"))
        if self._status is None:
            self._status = lambda: self.tr("Open a file, or drop it here.")
        self.statusBar().showMessage(self._status())  # the message shown is re-worded in the new language

    def say(self, words: Callable[[], str]) -> None:
        """Show a status message; ``words`` is called again when the language changes."""
        self._status = words
        self.statusBar().showMessage(words())

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # -- opening files -------------------------------------------------------------------------

    @property
    def report(self) -> object | None:
        return self.session.report

    @property
    def scanning(self) -> bool:
        return self._scan_runner.busy

    def show_page(self, index: int) -> None:
        self.navigation.setCurrentRow(index)

    def open_file(self) -> None:
        """Ask for a file and open it; nothing happens when the user cancels the dialog."""
        path = self._ask_open_path()
        if path is not None:
            self.open_path(path)

    def open_path(self, path: Path) -> None:
        """Show the first rows at once, and scan on a worker thread; a scan already running is dropped."""
        log.info("opening %s", path.name)
        self.session.begin_file(path)
        self.say(lambda: self.tr("Reading {name}…").format(name=path.name))
        self._heads_runner.start(lambda _progress: read_heads(path))
        scan = self._scan
        self._scan_runner.start(lambda progress: ScanResult(path, scan(path, progress)))
        self.show_page(REVIEW)

    def start(self) -> None:
        """After the window is shown: the first-run offer for keys, or the unlock prompt."""
        self.keys_page.first_run()

    def shutdown(self) -> None:
        """Cancel the work in progress and wait for every worker thread; call before the application quits."""
        self._heads_runner.wait()
        self._scan_runner.wait()
        self.review_page.shutdown()
        self.export_page.shutdown()
        self.audit_page.shutdown()
        self.trace_page.shutdown()

    # -- replaceable dialogs (tests put their own in place; they never show a real modal) ------

    def _ask_open_path(self) -> Path | None:
        kinds = self.tr("Spreadsheets (*.xlsx *.xlsm *.xlsb *.xls *.et *.ods *.csv *.tsv *.txt);;All files (*)")
        name, _ = QFileDialog.getOpenFileName(self, self.tr("Open file"), "", kinds)
        return Path(name) if name else None

    def _show_error(self, message: str) -> None:
        QMessageBox.warning(self, self.tr("ExportGuard"), message)

    # -- slots ---------------------------------------------------------------------------------

    @Slot()
    def _on_open_action_triggered(self) -> None:
        self.open_file()

    @Slot()
    def _on_recent_menu_about_to_show(self) -> None:
        self.recent_menu.clear()
        recent = self.settings.recent_files()
        for path in recent:
            action = self.recent_menu.addAction(str(path))
            action.setData(str(path))
            action.setEnabled(path.is_file())
            action.triggered.connect(self._on_recent_action_triggered)
        if not recent:
            self.recent_menu.addAction(self.tr("(none yet)")).setEnabled(False)

    @Slot()
    def _on_recent_action_triggered(self) -> None:
        action = self.sender()
        if isinstance(action, QAction) and isinstance(action.data(), str):
            self.open_path(Path(action.data()))

    @Slot(object)
    def _on_heads_runner_finished(self, result: object) -> None:
        if isinstance(result, PreviewResult):
            self.session.set_heads(result)
            self.heads_loaded.emit(result)

    @Slot(str)
    def _on_heads_runner_failed(self, message: str) -> None:
        log.info("preview failed: %s", message)  # the scan reports the same problem to the user

    @Slot(int, int)
    def _on_scan_runner_progressed(self, done: int, total: int) -> None:
        name = self.session.path.name if self.session.path is not None else ""
        self.say(lambda: self.tr("Scanning {name}: sheet {done} of {total}").format(name=name, done=done, total=total))

    @Slot(object)
    def _on_scan_runner_finished(self, result: object) -> None:
        if not isinstance(result, ScanResult):
            return
        self.settings.add_recent_file(result.path)
        self.session.set_report(result.path, result.report)
        rows = sum(sheet.data_rows for sheet in result.report.sheets)
        self.say(lambda: self.tr("{name}: %Ln data row(s) scanned.", "", rows).format(name=result.path.name))
        self.scan_finished.emit(result)

    @Slot(str)
    def _on_scan_runner_failed(self, message: str) -> None:
        self.say(lambda: self.tr("The file could not be opened."))
        self._show_error(message)
        self.scan_failed.emit(message)

    # -- events --------------------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if _dropped_path(event) is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        path = _dropped_path(event)
        if path is None:
            event.ignore()
            return
        event.acceptProposedAction()
        self.open_path(path)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)


def _dropped_path(event: QDropEvent | QDragEnterEvent) -> Path | None:
    """The one local file being dropped, or None (several files, a folder, a web link)."""
    mime = event.mimeData()
    urls = mime.urls() if mime.hasUrls() else []
    if len(urls) != 1 or not urls[0].isLocalFile():
        return None
    path = Path(urls[0].toLocalFile())
    return path if not path.is_dir() else None
