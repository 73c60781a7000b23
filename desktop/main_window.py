"""The main window: open a spreadsheet, see what each column holds and what hides outside the grid."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QGroupBox,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QTableView,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from desktop.models import ColumnsModel, finding_text, sheet_label
from desktop.workers import ScanFunction, ScanResult, ScanRunner
from masking.detect import ScanReport

log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    """Opens one file at a time (toolbar, command line or drag and drop) and shows its scan.

    Signals:
        scan_finished(object): the ``ScanResult`` now shown.
        scan_failed(str): the message just shown to the user.
    """

    scan_finished = Signal(object)
    scan_failed = Signal(str)

    def __init__(self, scan: ScanFunction, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._report: ScanReport | None = None
        self._path: Path | None = None
        self._runner = ScanRunner(scan, self)
        self._runner.progressed.connect(self._on_runner_progressed)
        self._runner.finished.connect(self._on_runner_finished)
        self._runner.failed.connect(self._on_runner_failed)

        self.setWindowTitle(self.tr("数据外发卫士 ExportGuard"))
        self.setAcceptDrops(True)
        self.resize(1100, 720)

        self.open_action = QAction(self.tr("打开文件…"), self)
        self.open_action.setShortcut(QKeySequence.StandardKey.Open)
        self.open_action.setToolTip(self.tr("打开要外发的 Excel 或 CSV 文件"))
        self.open_action.triggered.connect(self._on_open_action_triggered)
        toolbar = QToolBar(self.tr("工具栏"), self)
        toolbar.setObjectName("main_toolbar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        toolbar.addAction(self.open_action)
        self.addToolBar(toolbar)

        self.sheet_list = QListWidget()
        self.sheet_list.currentRowChanged.connect(self._on_sheet_list_current_row_changed)
        self.columns_model = ColumnsModel(self)
        self.columns_view = QTableView()
        self.columns_view.setModel(self.columns_model)
        self.columns_view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.columns_view.verticalHeader().setVisible(False)
        self.columns_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.columns_view.horizontalHeader().setStretchLastSection(True)
        self.findings_list = QListWidget()

        self.setCentralWidget(self._build_central())
        self.statusBar().showMessage(self.tr("请打开一个文件，或把文件拖到这里。"))

    def _build_central(self) -> QWidget:
        sheets_box = QGroupBox(self.tr("工作表"))
        QVBoxLayout(sheets_box).addWidget(self.sheet_list)
        columns_box = QGroupBox(self.tr("各列内容"))
        QVBoxLayout(columns_box).addWidget(self.columns_view)
        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(sheets_box)
        top.addWidget(columns_box)
        top.setStretchFactor(1, 4)

        findings_box = QGroupBox(self.tr("表格外的个人信息"))
        findings_layout = QVBoxLayout(findings_box)
        self.findings_hint = QLabel()
        self.findings_hint.setWordWrap(True)
        findings_layout.addWidget(self.findings_hint)
        findings_layout.addWidget(self.findings_list)

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(top)
        splitter.addWidget(findings_box)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        return splitter

    # -- opening files -------------------------------------------------------------------------

    @property
    def report(self) -> ScanReport | None:
        return self._report

    @property
    def scanning(self) -> bool:
        return self._runner.busy

    def open_file(self) -> None:
        """Ask for a file and scan it; nothing happens when the user cancels the dialog."""
        path = self._ask_open_path()
        if path is not None:
            self.open_path(path)

    def open_path(self, path: Path) -> None:
        """Scan ``path`` on a worker thread; a scan already running is cancelled."""
        log.info("opening %s", path.name)
        self._path = path
        self.statusBar().showMessage(self.tr("正在扫描 {name}…").format(name=path.name))
        self._runner.start(path)

    def shutdown(self) -> None:
        """Cancel any scan and wait for every worker thread; call before the application quits."""
        self._runner.wait()

    # -- replaceable dialogs (tests put their own in place; they never show a real modal) ------

    def _ask_open_path(self) -> Path | None:
        name, _ = QFileDialog.getOpenFileName(
            self,
            self.tr("打开文件"),
            "",
            self.tr("表格文件 (*.xlsx *.xlsm *.csv *.tsv *.txt);;所有文件 (*)"),
        )
        return Path(name) if name else None

    def _show_error(self, message: str) -> None:
        QMessageBox.warning(self, self.tr("数据外发卫士"), message)

    # -- slots ---------------------------------------------------------------------------------

    @Slot()
    def _on_open_action_triggered(self) -> None:
        self.open_file()

    @Slot(int, int)
    def _on_runner_progressed(self, done: int, total: int) -> None:
        name = self._path.name if self._path is not None else ""
        self.statusBar().showMessage(
            self.tr("正在扫描 {name}：第 {done}/{total} 个工作表").format(name=name, done=done, total=total)
        )

    @Slot(object)
    def _on_runner_finished(self, result: object) -> None:
        if not isinstance(result, ScanResult):
            return
        self._show_report(result.report)
        self.scan_finished.emit(result)

    @Slot(str)
    def _on_runner_failed(self, message: str) -> None:
        self.statusBar().showMessage(self.tr("未能打开文件。"))
        self._show_error(message)
        self.scan_failed.emit(message)

    @Slot(int)
    def _on_sheet_list_current_row_changed(self, row: int) -> None:
        report = self._report
        sheet = report.sheets[row] if report is not None and 0 <= row < len(report.sheets) else None
        self.columns_model.set_sheet(sheet)
        if sheet is not None:
            self.statusBar().showMessage(
                self.tr("工作表“{sheet}”：共 {rows} 行数据").format(sheet=sheet.info.name, rows=sheet.data_rows)
            )

    def _show_report(self, report: ScanReport) -> None:
        self._report = report
        self.sheet_list.clear()
        for sheet in report.sheets:
            item = QListWidgetItem(sheet_label(sheet))
            if sheet.info.hidden:
                item.setForeground(Qt.GlobalColor.darkRed)
            self.sheet_list.addItem(item)
        self.findings_list.clear()
        for finding in report.findings:
            self.findings_list.addItem(finding_text(finding))
        if report.findings:
            self.findings_hint.setText(
                self.tr("发现 {count} 处个人信息藏在表格之外（隐藏的工作表和列、批注、文档属性等）：").format(
                    count=len(report.findings)
                )
            )
        else:
            self.findings_hint.setText(self.tr("表格之外没有发现个人信息。"))
        first_visible = next((i for i, sheet in enumerate(report.sheets) if not sheet.info.hidden), 0)
        self.sheet_list.setCurrentRow(first_visible if report.sheets else -1)
        if not report.sheets:
            self.columns_model.set_sheet(None)

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

