"""The trace page: a leaked file or pasted rows in; the exports it may come from, with the evidence
per watermark layer, out, and a report a security officer can file (PDF or HTML).

The work is the core's (``masking.investigation``): ``investigate`` traces this workstation's ledger
and records the trace there, ``investigate_at_service`` traces every workstation's exports at the
security office's service when one is configured (the CLI's ``trace --server``; the service records
it), and ``file_report`` writes the report the CLI writes and records it where the trace was made.
When the service cannot be reached the page traces this workstation's ledger instead and says so.
The evidence pane shows the same document the report holds, in the interface's language.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
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
from desktop.wording import error_message, rows_text
from desktop.workers import Progress, TaskRunner
from masking.errors import ExportGuardError, ServiceUnreachable
from masking.events import current_user
from masking.evidence.client import ServiceAccess
from masking.evidence.remote_trace import investigate_at_service, service_recorder
from masking.investigation import Investigation, Recorder, file_report, investigate, ledger_recorder
from masking.keys import KeyRing
from masking.report import CHINESE, ENGLISH, Language, confidence_summary, evidence_document, local_time, render_html
from masking.watermark.trace import Candidate

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TraceOutcome:
    """A finished trace and where it was made: ``access`` is the service it ran at (None: this
    workstation's ledger); ``unreachable`` names the service that could not be reached, when the
    trace fell back to this workstation's ledger."""

    investigation: Investigation
    access: ServiceAccess | None = None
    unreachable: str | None = None


def run_trace(subject: Path | str, home: Path, ring: KeyRing | None, access: ServiceAccess | None) -> TraceOutcome:
    """At the office's service when one is configured, else (or when it cannot be reached, if this
    workstation's keys are unlocked) here."""
    if access is not None:
        try:
            return TraceOutcome(investigate_at_service(subject, access), access)
        except ServiceUnreachable as error:
            if ring is None:
                raise
            log.warning("%s; tracing this workstation's ledger", error)
            return TraceOutcome(investigate(subject, home, ring), None, access.url)
    if ring is None:
        raise ValueError("a trace of this workstation's ledger needs its keys")
    return TraceOutcome(investigate(subject, home, ring))


class TracePage(Page):
    """Signals:
        traced(object): the core's ``Investigation`` (its ``report`` is the ``TraceReport``; its
            ``service`` the service it was made at, None for this workstation's ledger).
        trace_failed(str): the message shown on the page.
        report_saved(object): the ``ReportSaved`` record of a report just written.
    """

    traced = Signal(object)
    trace_failed = Signal(str)
    report_saved = Signal(object)

    def __init__(self, session: Session, ensure_ring: Callable[[str], KeyRing | None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._ensure_ring = ensure_ring
        self._runner = TaskRunner("trace", self)
        self._runner.finished.connect(self._on_runner_finished)
        self._runner.failed.connect(self._on_runner_failed)
        self._source: Path | None = None
        self.candidates: list[Candidate] = []
        self.investigation: Investigation | None = None
        self.outcome: TraceOutcome | None = None
        self._state: tuple[Callable[[], str], str] | None = None  # the state line, re-worded on a language switch
        self.setAcceptDrops(True)

        self.intro = wrapped_label()
        self.drop_label = QLabel()
        self.drop_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.drop_label.setMinimumHeight(54)
        self.drop_label.setStyleSheet("QLabel { border: 2px dashed #9aa7b8; color: #3d4a5c; padding: 8px; }")
        self.choose_button = QPushButton()
        self.choose_button.clicked.connect(self._on_choose_button_clicked)
        self.clear_button = QPushButton()
        self.clear_button.clicked.connect(self._on_clear_button_clicked)
        self.paste = QPlainTextEdit()
        self.paste.setMaximumHeight(90)
        self.paste.textChanged.connect(self._on_paste_text_changed)
        self.investigator_label = QLabel()
        self.investigator = QLineEdit(current_user())
        self.trace_button = QPushButton()
        self.trace_button.clicked.connect(self._on_trace_button_clicked)
        self.state = wrapped_label()
        self.state.setObjectName("trace_state")
        self.origin = wrapped_label()  # where the trace searches, and where the last one searched
        self.origin.setObjectName("trace_origin")
        session.service_changed.connect(self._on_session_service_changed)

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
        buttons = QVBoxLayout()
        buttons.addWidget(self.choose_button)
        buttons.addWidget(self.clear_button)
        drop_row.addLayout(buttons)
        input_layout.addLayout(drop_row)
        self.paste_label = QLabel()
        input_layout.addWidget(self.paste_label)
        input_layout.addWidget(self.paste)
        run_row = QHBoxLayout()
        run_row.addWidget(self.investigator_label)
        run_row.addWidget(self.investigator)
        run_row.addWidget(self.trace_button)
        run_row.addWidget(self.state, 1)
        input_layout.addLayout(run_row)
        input_layout.addWidget(self.origin)

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

    def retranslate(self) -> None:
        self.input_box.setTitle(self.tr("The leaked data"))
        self.result_box.setTitle(self.tr("Where it came from"))
        self.intro.setText(self.tr("Every export carries watermarks. Give the leaked file, or paste a few of its "
                                   "rows, to find the export it comes from."))
        self._show_source()
        self.choose_button.setText(self.tr("Choose file…"))
        self.clear_button.setText(self.tr("Clear"))
        self.paste_label.setText(self.tr("…or paste rows here (copied from Excel, a web page or a chat):"))
        self.investigator_label.setText(self.tr("Investigator:"))
        self.trace_button.setText(self.tr("Trace"))
        self.save_button.setText(self.tr("Save report…"))
        self.table.setHorizontalHeaderLabels([self.tr("Recipient"), self.tr("Employee"), self.tr("Date"),
                                              self.tr("Confidence")])
        self._show_state()
        self._show_origin()
        self._fill_table()

    def _show_origin(self) -> None:
        """Where the next trace searches, or, after a trace, where it searched and how many exports."""
        outcome, service = self.outcome, self._session.service
        if outcome is None:
            if service is not None:
                text = self.tr("Searches every workstation's exports at the security office's service ({url}).").format(
                    url=service.url)
            else:
                text = self.tr("Searches this workstation's audit ledger.")
            self.origin.setText(text)
            self.origin.setStyleSheet("")
            return
        count = outcome.investigation.report.exports_tested
        if outcome.access is not None:
            text = self.tr("Source: the security office's service ({url}), %Ln export(s) from every "
                           "workstation.", "", count).format(url=outcome.access.url)
        elif outcome.unreachable is not None:
            text = self.tr("The security office's service ({url}) could not be reached (no network, or the "
                           "service is down), so only this workstation's audit ledger was searched (%Ln "
                           "export(s)). Trace again when it can be reached.", "", count).format(
                url=outcome.unreachable)
        else:
            text = self.tr("Source: this workstation's audit ledger, %Ln export(s).", "", count)
        self.origin.setText(text)
        self.origin.setStyleSheet(VERDICT_BAD_STYLE if outcome.unreachable is not None else "")

    def report_language(self) -> Language:
        """The language of the interface's loaded catalog (its translation of this marker), so the
        report and the evidence pane are written in the language the user reads."""
        marker = self.tr("en", "the language code of this translation: the trace report is written in it")
        return CHINESE if marker == CHINESE else ENGLISH

    def _show_source(self) -> None:
        if self._source is None:
            self.drop_label.setText(self.tr("Drop the leaked file here (.xlsx or .csv)"))
        else:
            self.drop_label.setText(self.tr("File: {name}").format(name=self._source.name))
        self.clear_button.setEnabled(self._source is not None)

    def _set_state(self, words: Callable[[], str] | None, style: str = VERDICT_IDLE_STYLE) -> None:
        """Show a state line; ``words`` is called again when the language changes."""
        self._state = None if words is None else (words, style)
        self._show_state()

    def _show_state(self) -> None:
        text, style = (self._state[0](), self._state[1]) if self._state is not None else ("", "")
        self.state.setText(text)
        self.state.setStyleSheet(style if text else "")

    def set_source(self, path: Path | None) -> None:
        """Choose the leaked file (None clears it); the pasted rows give way to it."""
        self._source = path
        if path is not None and self.paste.toPlainText():
            self.paste.blockSignals(True)
            self.paste.clear()
            self.paste.blockSignals(False)
        self._show_source()

    def trace(self) -> bool:
        """Trace the chosen file, or else the pasted text, on a worker thread."""
        pasted = self.paste.toPlainText().strip()
        subject: Path | str | None = self._source if self._source is not None else (pasted or None)
        if subject is None:
            self._set_state(lambda: self.tr("Choose or drop a file, or paste rows, first."))
            return False
        home, access = self._session.home, self._session.service
        # at the service the keys are not needed (it holds the watermark keys); here they are
        ring = self._session.ring if access is not None else self._ensure_ring(
            self.tr("They are needed to read the watermarks of the leaked data."))
        if ring is None and access is None:
            return False

        def job(_progress: Progress) -> TraceOutcome:
            return run_trace(subject, home, ring, access)

        self.show_outcome(None)  # never show the last trace's findings beside a new one
        self._set_state(lambda: self.tr("Tracing…"))
        self.trace_button.setEnabled(False)
        self._runner.start(job)
        return True

    def shutdown(self) -> None:
        self._runner.wait()

    def _employees(self) -> dict[str, str]:
        """Who made each candidate export; at the service, with the workstation it was made on."""
        if self.investigation is None:
            return {}
        users = {export_id: record.user for export_id, (_, record) in self.investigation.records.items()}
        for candidate in self.candidates:
            user = users.get(candidate.export_id, candidate.user or "")
            if candidate.workstation:
                user = self.tr("{user} ({workstation})").format(user=user, workstation=candidate.workstation)
            users[candidate.export_id] = user
        return users

    def show_outcome(self, outcome: TraceOutcome | None) -> None:
        """Show a finished trace and where it was made (None empties the results)."""
        self.outcome = outcome
        self.show_investigation(outcome.investigation if outcome is not None else None)
        self._show_origin()

    def show_investigation(self, investigation: Investigation | None) -> None:
        """Show a finished trace (None empties the results): table, verdict, and the first row's evidence."""
        self.investigation = investigation
        self.candidates = list(investigation.report.candidates) if investigation is not None else []
        self._fill_table()
        self.save_button.setEnabled(investigation is not None)
        if investigation is None:
            self._set_state(None)
            return
        report = investigation.report
        verdict = report.verdict
        if verdict is not None:
            self._set_state(lambda: self.tr("Traced: this data comes from export {export_id} to {recipient}.").format(
                export_id=verdict.export_id, recipient=verdict.recipient), VERDICT_OK_STYLE)
        elif report.rows_needed:
            rows = report.rows_needed
            self._set_state(lambda: self.tr("No export can be named with confidence yet; about {rows} more of "
                                            "the leaked data would be needed.").format(rows=rows_text(rows)))
        else:
            self._set_state(lambda: self.tr("No export matches this data."))

    def _fill_table(self) -> None:
        """The candidates in the current language; the evidence pane follows the selected row (the first
        after every new trace, whether or not the selection moved)."""
        language = self.report_language()
        employees = self._employees()
        self.table.blockSignals(True)
        self.table.setRowCount(len(self.candidates))
        for row, candidate in enumerate(self.candidates):
            texts = (candidate.recipient, employees.get(candidate.export_id, ""), local_time(candidate.time),
                     confidence_summary(candidate, language))
            for column, text in enumerate(texts):
                self.table.setItem(row, column, QTableWidgetItem(text))
        current = self.table.currentRow()
        if self.candidates and not 0 <= current < len(self.candidates):
            current = 0
        if self.candidates:
            self.table.setCurrentCell(current, 0)
        self.table.blockSignals(False)
        self._show_evidence(current if self.candidates else -1)

    def _show_evidence(self, row: int) -> None:
        if self.investigation is None or not 0 <= row < len(self.candidates):
            self.evidence.clear()
            return
        document = evidence_document(self.candidates[row], self.investigation.records, self.report_language(),
                                     at_service=self.investigation.service is not None)
        self.evidence.setHtml(render_html(document, fragment=True))

    def save_report(self, path: Path) -> bool:
        """Write the report (PDF when ``path`` ends in .pdf, else HTML) through the core, and record it."""
        ring, outcome = self._session.ring, self.outcome
        if self.investigation is None or outcome is None or (outcome.access is None and ring is None):
            return False
        if path.suffix.lower() not in (".pdf", ".html", ".htm"):
            path = path.with_name(path.name + ".html")
        record: Recorder  # where the trace was made: the service records it there, this ledger here
        if outcome.access is not None:
            record = service_recorder(outcome.access)
        else:
            assert ring is not None  # noqa: S101 (checked above)
            record = ledger_recorder(self._session.home, ring)
        try:
            saved = file_report(self.investigation, path, record,
                                investigator=self.investigator.text(), language=self.report_language(),
                                overwrite=True)  # the save dialog has asked before replacing a file
        except ExportGuardError as error:
            self._show_error(error_message(error))
            return False
        self._session.ledger_changed.emit()
        self.report_saved.emit(saved)
        return True

    # -- replaceable dialogs --------------------------------------------------------------------

    def _ask_leaked_file(self) -> Path | None:
        name, _ = QFileDialog.getOpenFileName(self, self.tr("The leaked file"), "",
                                              self.tr("Spreadsheets (*.xlsx *.xlsm *.csv *.txt);;All files (*)"))
        return Path(name) if name else None

    def _ask_report_path(self) -> Path | None:
        name, _ = QFileDialog.getSaveFileName(self, self.tr("Save the trace report"), "",
                                              self.tr("PDF (*.pdf);;Web page (*.html)"))
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
        self.trace()

    @Slot()
    def _on_choose_button_clicked(self) -> None:
        chosen = self._ask_leaked_file()
        if chosen is not None:
            self.set_source(chosen)
            self.trace()  # choosing the leaked file is asking for its trace

    @Slot()
    def _on_clear_button_clicked(self) -> None:
        self.set_source(None)

    @Slot()
    def _on_paste_text_changed(self) -> None:
        if self._source is not None and self.paste.toPlainText().strip():
            self.set_source(None)  # rows pasted after a file was chosen are what the user means to trace now

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

    @Slot()
    def _on_session_service_changed(self) -> None:
        self._show_origin()

    @Slot(object)
    def _on_runner_finished(self, result: object) -> None:
        self.trace_button.setEnabled(True)
        if isinstance(result, TraceOutcome):
            self.show_outcome(result)
            if result.access is None:
                self._session.ledger_changed.emit()  # the trace is in this workstation's ledger now
            self.traced.emit(result.investigation)

    @Slot(str)
    def _on_runner_failed(self, message: str) -> None:
        self.trace_button.setEnabled(True)
        self._set_state(lambda: message, VERDICT_BAD_STYLE)
        self.trace_failed.emit(message)
