"""The trace page: a leaked file or pasted rows in; the exports it may come from, with the evidence
per watermark layer, out, and a report a security officer can file (HTML or PDF).

The engine is ``masking.watermark.trace.trace_file(path_or_text, home, ring) -> TraceReport``. It is
looked up when a trace starts, so the page shows a clear "not available" state when it is absent.
"""

from __future__ import annotations

import html
import importlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QMarginsF, QSizeF, Qt, Signal, Slot
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QPageLayout, QPageSize, QPdfWriter, QTextDocument
from PySide6.QtWidgets import (
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop.pages import VERDICT_BAD_STYLE, VERDICT_IDLE_STYLE, VERDICT_OK_STYLE, Page, wrapped_label
from desktop.session import Session
from desktop.wording import evidence_text, layer_label
from desktop.workers import Progress, TaskRunner
from masking.export_record import export_records
from masking.keys import KeyRing

log = logging.getLogger(__name__)
TRACE_MODULE = "masking.watermark.trace"
TINY = 1e-12  # smaller false-attribution chances are shown as this bound (they underflow to 0)
TraceFunction = Callable[[Any, Path, KeyRing], Any]


def find_trace_engine() -> TraceFunction | None:
    """The core's ``trace_file``, or None while it is not part of this build."""
    try:
        module = importlib.import_module(TRACE_MODULE)
    except ImportError:
        return None
    engine = getattr(module, "trace_file", None)
    return engine if callable(engine) else None


@dataclass(frozen=True)
class Candidate:
    """One export a fragment may come from, as the page shows it (employee from the ledger)."""

    export_id: str
    recipient: str
    employee: str
    date: str
    named: bool
    p_value: float | None
    evidence: tuple[tuple[str, str], ...]  # (layer, what was found, in the interface's language)


def read_candidates(report: Any, employees: dict[str, str]) -> list[Candidate]:
    """The candidates of a ``TraceReport``, most likely first; ``employees`` maps export ids to users."""
    return [
        Candidate(
            export_id=str(candidate.export_id),
            recipient=str(candidate.recipient),
            employee=employees.get(str(candidate.export_id), ""),
            date=str(candidate.time)[:19].replace("T", " "),
            named=bool(candidate.named),
            p_value=candidate.p_value,
            evidence=tuple((str(e.layer), evidence_text(e.key, e.args, e.detail)) for e in candidate.evidence),
        )
        for candidate in getattr(report, "candidates", ())
    ]


class TracePage(Page):
    """Signals:
        traced(object): the engine's ``TraceReport``.
        trace_failed(str): the message shown on the page.
    """

    traced = Signal(object)
    trace_failed = Signal(str)

    def __init__(self, session: Session, ensure_ring: Callable[[], KeyRing | None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._ensure_ring = ensure_ring
        self._runner = TaskRunner("trace", self)
        self._runner.finished.connect(self._on_runner_finished)
        self._runner.failed.connect(self._on_runner_failed)
        self._source: Path | None = None
        self.candidates: list[Candidate] = []
        self.report: Any = None
        self.setAcceptDrops(True)

        self.intro = wrapped_label()
        self.drop_label = QLabel()
        self.drop_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.drop_label.setMinimumHeight(54)
        self.drop_label.setStyleSheet("QLabel { border: 2px dashed #9aa7b8; color: #3d4a5c; padding: 8px; }")
        self.choose_button = QPushButton()
        self.choose_button.clicked.connect(self._on_choose_button_clicked)
        self.paste = QPlainTextEdit()
        self.paste.setMaximumHeight(90)
        self.trace_button = QPushButton()
        self.trace_button.clicked.connect(self._on_trace_button_clicked)
        self.state = wrapped_label()
        self.state.setObjectName("trace_state")

        self.table = QTableWidget(0, 4)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.currentCellChanged.connect(self._on_table_current_cell_changed)
        self.evidence = QTextBrowser()
        self.save_button = QPushButton()
        self.save_button.setEnabled(False)
        self.save_button.clicked.connect(self._on_save_button_clicked)

        self.input_box = QGroupBox()
        input_layout = QVBoxLayout(self.input_box)
        input_layout.addWidget(self.intro)
        drop_row = QHBoxLayout()
        drop_row.addWidget(self.drop_label, 1)
        drop_row.addWidget(self.choose_button)
        input_layout.addLayout(drop_row)
        self.paste_label = QLabel()
        input_layout.addWidget(self.paste_label)
        input_layout.addWidget(self.paste)
        run_row = QHBoxLayout()
        run_row.addWidget(self.trace_button)
        run_row.addWidget(self.state, 1)
        input_layout.addLayout(run_row)

        self.result_box = QGroupBox()
        result_layout = QVBoxLayout(self.result_box)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.evidence)
        result_layout.addWidget(split, 1)
        save_row = QHBoxLayout()
        save_row.addStretch(1)
        save_row.addWidget(self.save_button)
        result_layout.addLayout(save_row)

        layout = QVBoxLayout(self)
        layout.addWidget(self.input_box)
        layout.addWidget(self.result_box, 1)
        self.retranslate()

    @property
    def engine_available(self) -> bool:
        return find_trace_engine() is not None

    def retranslate(self) -> None:
        self.input_box.setTitle(self.tr("The leaked data"))
        self.result_box.setTitle(self.tr("Where it came from"))
        self.intro.setText(self.tr("Every export carries watermarks. Give the leaked file, or paste a few of its "
                                   "rows, to find the export it comes from."))
        self._show_source()
        self.choose_button.setText(self.tr("Choose file…"))
        self.paste_label.setText(self.tr("…or paste rows here (copied from Excel, a web page or a chat):"))
        self.trace_button.setText(self.tr("Trace"))
        self.save_button.setText(self.tr("Save report…"))
        self.table.setHorizontalHeaderLabels([self.tr("Recipient"), self.tr("Employee"), self.tr("Date"),
                                              self.tr("Confidence")])
        if not self.engine_available:
            self._set_state(self.tr("The trace engine is not available in this version: the leaked data can be "
                                    "entered, but not yet traced."), VERDICT_BAD_STYLE)
        elif not self.candidates:
            self._set_state("", VERDICT_IDLE_STYLE)
        self._show_evidence(self.table.currentRow())

    def _show_source(self) -> None:
        if self._source is None:
            self.drop_label.setText(self.tr("Drop the leaked file here (.xlsx or .csv)"))
        else:
            self.drop_label.setText(self.tr("File: {name}").format(name=self._source.name))

    def _set_state(self, text: str, style: str) -> None:
        self.state.setText(text)
        self.state.setStyleSheet(style if text else "")

    def set_source(self, path: Path | None) -> None:
        self._source = path
        self._show_source()

    def trace(self) -> bool:
        """Trace the chosen file, or else the pasted text, on a worker thread."""
        engine = find_trace_engine()
        if engine is None:
            self.trace_failed.emit(self.state.text())
            return False
        pasted = self.paste.toPlainText().strip()
        subject: Path | str | None = self._source if self._source is not None else (pasted or None)
        if subject is None:
            self._set_state(self.tr("Choose or drop a file, or paste rows, first."), VERDICT_IDLE_STYLE)
            return False
        ring = self._ensure_ring()
        if ring is None:
            return False
        home = self._session.home

        def job(_progress: Progress) -> Any:
            return engine(subject, home, ring)

        self._set_state(self.tr("Tracing…"), VERDICT_IDLE_STYLE)
        self.trace_button.setEnabled(False)
        self._runner.start(job)
        return True

    def shutdown(self) -> None:
        self._runner.wait()

    def confidence_text(self, candidate: Candidate) -> str:
        if candidate.p_value is None:
            return self.tr("No evidence")
        if candidate.named:
            bound = f"{candidate.p_value:.1e}" if candidate.p_value >= TINY else f"{TINY:.0e}"
            return self.tr("Named · chance of error ≤ {p}").format(p=bound)
        return self.tr("Not enough evidence · p = {p}").format(p=f"{candidate.p_value:.2g}")

    def _employees(self) -> dict[str, str]:
        ledger = self._session.ledger()
        if ledger is None:
            return {}
        return {record.export_id: record.user for _, record in export_records(ledger)}

    def show_report(self, report: Any) -> None:
        self.report = report
        self.candidates = read_candidates(report, self._employees())
        self.table.setRowCount(len(self.candidates))
        for row, candidate in enumerate(self.candidates):
            texts = (candidate.recipient, candidate.employee, candidate.date, self.confidence_text(candidate))
            for column, text in enumerate(texts):
                self.table.setItem(row, column, QTableWidgetItem(text))
        verdict = getattr(report, "verdict", None)
        if verdict is not None:
            self._set_state(self.tr("Traced: this data comes from export {export_id} to {recipient}.").format(
                export_id=verdict.export_id, recipient=verdict.recipient), VERDICT_OK_STYLE)
        elif getattr(report, "rows_needed", None):
            self._set_state(self.tr("No export can be named with confidence yet; about {rows} more rows of the "
                                    "leaked data would be needed.").format(rows=report.rows_needed),
                            VERDICT_IDLE_STYLE)
        else:
            self._set_state(self.tr("No export matches this data."), VERDICT_IDLE_STYLE)
        if self.candidates:
            self.table.setCurrentCell(0, 0)
        else:
            self.evidence.clear()
        self.save_button.setEnabled(report is not None)

    def _show_evidence(self, row: int) -> None:
        if not 0 <= row < len(self.candidates):
            self.evidence.clear()
            return
        self.evidence.setHtml(self.report_html([self.candidates[row]], heading=False))

    def report_html(self, candidates: Sequence[Candidate] | None = None, *, heading: bool = True) -> str:
        """The findings as an HTML page a security officer can file."""
        chosen = self.candidates if candidates is None else candidates
        parts = []
        if heading:
            source = self._source.name if self._source is not None else self.tr("pasted rows")
            parts.append("<h1>{}</h1><p>{}</p><p><b>{}</b></p>".format(
                html.escape(self.tr("ExportGuard trace report")),
                html.escape(self.tr("Traced data: {source}").format(source=source)),
                html.escape(self.state.text())))
            if self.report is not None:
                parts.append("<p>{}</p>".format(html.escape(self.tr(
                    "Rows read from the leaked data: {rows}. Exports in the ledger compared: {exports}.").format(
                    rows=self.report.rows, exports=self.report.exports_tested))))
                parts.extend(f"<p><i>{html.escape(note)}</i></p>" for note in self.report.notes)
        for candidate in chosen:
            confidence = self.confidence_text(candidate)
            parts.append("<h2>{}</h2><p>{}</p><ul>{}</ul>".format(
                html.escape(self.tr("Export {export_id}").format(export_id=candidate.export_id)),
                html.escape(self.tr("Recipient: {recipient} · Employee: {employee} · Date: {date} · "
                                    "Confidence: {confidence}").format(
                    recipient=candidate.recipient, employee=candidate.employee, date=candidate.date,
                    confidence=confidence)),
                "".join(f"<li><b>{html.escape(layer_label(layer))}</b>: {html.escape(text)}</li>"
                        for layer, text in candidate.evidence)))
        return "<html><body>{}</body></html>".format("".join(parts))

    def save_report(self, path: Path) -> bool:
        """HTML, or PDF when ``path`` ends in .pdf."""
        document = QTextDocument()
        document.setHtml(self.report_html())
        if path.suffix.lower() == ".pdf":
            writer = QPdfWriter(str(path))
            writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
            writer.setPageMargins(QMarginsF(15, 15, 15, 15), QPageLayout.Unit.Millimeter)
            document.setPageSize(QSizeF(writer.width(), writer.height()))
            document.print_(writer)
            return path.is_file()
        try:
            path.write_text(self.report_html(), encoding="utf-8")
        except OSError as error:
            self._show_error(str(error))
            return False
        return True

    # -- replaceable dialogs --------------------------------------------------------------------

    def _ask_leaked_file(self) -> Path | None:
        name, _ = QFileDialog.getOpenFileName(self, self.tr("The leaked file"), "",
                                              self.tr("Spreadsheets (*.xlsx *.xlsm *.csv *.txt);;All files (*)"))
        return Path(name) if name else None

    def _ask_report_path(self) -> Path | None:
        name, _ = QFileDialog.getSaveFileName(self, self.tr("Save the trace report"), "",
                                              self.tr("Web page (*.html);;PDF (*.pdf)"))
        return Path(name) if name else None

    def _show_error(self, message: str) -> None:
        QMessageBox.warning(self, self.tr("ExportGuard"), message)

    # -- events and slots -----------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
        if len(urls) == 1 and urls[0].isLocalFile():
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
        if len(urls) != 1 or not urls[0].isLocalFile():
            event.ignore()
            return
        event.acceptProposedAction()
        self.set_source(Path(urls[0].toLocalFile()))

    @Slot()
    def _on_choose_button_clicked(self) -> None:
        chosen = self._ask_leaked_file()
        if chosen is not None:
            self.set_source(chosen)

    @Slot()
    def _on_trace_button_clicked(self) -> None:
        self.trace()

    @Slot()
    def _on_save_button_clicked(self) -> None:
        path = self._ask_report_path()
        if path is not None:
            self.save_report(path)

    @Slot(int, int, int, int)
    def _on_table_current_cell_changed(self, row: int, _column: int, _previous_row: int, _previous: int) -> None:
        self._show_evidence(row)

    @Slot(object)
    def _on_runner_finished(self, report: object) -> None:
        self.trace_button.setEnabled(True)
        self.show_report(report)
        self.traced.emit(report)

    @Slot(str)
    def _on_runner_failed(self, message: str) -> None:
        self.trace_button.setEnabled(True)
        self._set_state(message, VERDICT_BAD_STYLE)
        self.trace_failed.emit(message)
