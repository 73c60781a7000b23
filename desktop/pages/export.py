"""The export page: recipient, purpose, format and password; a live policy verdict in plain words; the
export on a worker thread with progress, speed and Cancel; a summary at the end."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QLocale, Qt, QTimer, QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.pages import VERDICT_BAD_STYLE, VERDICT_IDLE_STYLE, VERDICT_OK_STYLE, Page, wrapped_label
from desktop.qr_image import QrUnavailable, codes_in_image
from desktop.session import Session
from desktop.settings import AppSettings
from desktop.wording import (
    action_label,
    count_text,
    error_message,
    remaining_text,
    rows_text,
    selection_text,
    violation_texts,
    warning_text,
)
from desktop.workers import TaskRunner, count_rows, make_export_job
from masking.approval import PREFIX as APPROVAL_PREFIX
from masking.approval_request import REQUEST_SUFFIX, write_request
from masking.errors import ExportGuardError
from masking.events import Event
from masking.export_record import export_records
from masking.keys import KeyRing
from masking.pipeline import ExportResult
from masking.plan import find_column
from masking.policy_check import PolicyVerdict
from masking.row_selection import MAX_VALUE, RowFilter, RowSelection

EnsureRing = Callable[[str], KeyRing | None]  # the reason the keys are needed -> the unlocked keys


APPROVAL_CODES = frozenset({"approval_needed", "approval_too_few_rows"})  # a request to the office can fix these
SELECTION_DELAY_MS = 400  # typing a filter's text counts its rows once the typing pauses, not per keystroke
ESTIMATE_AFTER_S = 1.0  # the time left is estimated from the rows written after the first batches


class ExportPage(Page):
    """Signals:
        export_started(): an export began (the Review page stops measuring the risk meanwhile).
        export_finished(object): the core's ``ExportResult``.
        export_failed(str): the message shown to the user.
        export_cancelled(): the user cancelled; nothing was written.
    """

    export_started = Signal()
    export_finished = Signal(object)
    export_failed = Signal(str)
    export_cancelled = Signal()

    def __init__(self, session: Session, settings: AppSettings, ensure_ring: EnsureRing,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._settings = settings
        self._ensure_ring = ensure_ring
        self._runner = TaskRunner("export", self)
        self._runner.progressed.connect(self._on_runner_progressed)
        self._runner.finished.connect(self._on_runner_finished)
        self._runner.failed.connect(self._on_runner_failed)
        self._runner.cancelled.connect(self._on_runner_cancelled)
        self._count_runner = TaskRunner("count", self)
        self._count_runner.progressed.connect(self._on_count_runner_progressed)
        self._count_runner.finished.connect(self._on_count_runner_finished)
        self._count_runner.failed.connect(self._on_count_runner_failed)
        self._selection_timer = QTimer(self)
        self._selection_timer.setSingleShot(True)
        self._selection_timer.setInterval(SELECTION_DELAY_MS)
        self._selection_timer.timeout.connect(self._on_selection_timer_timeout)
        self._selection_problem: str | None = None  # why the rows chosen cannot be counted
        self._preparing_timer = QTimer(self)  # "Preparing… 12 s" until the first rows are written
        self._preparing_timer.setInterval(1000)
        self._preparing_timer.timeout.connect(self._on_preparing_timer_timeout)
        self._first_batch: tuple[float, int] | None = None  # when rows first flowed, and how many: the rate's start
        self._started = 0.0
        self._output_edited = False
        self._target: Path | None = None
        self.last_result: ExportResult | None = None

        self.summary = wrapped_label()
        self.recipient = QComboBox()
        self.recipient.setEditable(True)
        self.recipient.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.purpose = QComboBox()
        self.purpose.setEditable(True)
        self.purpose.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.format_combo = QComboBox()
        self.format_combo.addItem("Excel (.xlsx)", "xlsx")
        self.format_combo.addItem("CSV (.csv)", "csv")
        self.output = QLineEdit()
        self.browse_button = QPushButton()
        self.password_check = QCheckBox()
        self.approval = QLineEdit()
        self.request_button = QPushButton()
        self.request_button.setVisible(False)
        self.request_button.clicked.connect(self._on_request_button_clicked)
        self.scan_button = QPushButton()  # the code read back from a picture of the office's QR code
        self.scan_button.clicked.connect(self._on_scan_button_clicked)
        self.fewer_button = QPushButton()  # the policy suggests fewer rows: open the rows box, pre-filled
        self.fewer_button.setVisible(False)
        self.fewer_button.clicked.connect(self._on_fewer_button_clicked)
        self.approval_state = wrapped_label()
        self.approval_state.setVisible(False)

        # fewer rows: a range and/or a filter (export --rows / --where)
        self.rows_box = QGroupBox()
        self.rows_box.setObjectName("rows_box")
        self.rows_box.setCheckable(True)
        self.rows_box.setChecked(False)
        self.range_check = QCheckBox()
        self.first_row = QSpinBox()
        self.last_row = QSpinBox()
        for spin in (self.first_row, self.last_row):
            spin.setRange(1, 1)
            spin.setGroupSeparatorShown(True)
            spin.setMinimumWidth(110)
        self._to_label = QLabel()
        self._range_hint = QLabel()
        self._range_hint.setStyleSheet("color: #666;")
        self.filter_check = QCheckBox()
        self.filter_column = QComboBox()
        self.filter_match = QComboBox()
        self.filter_value = QLineEdit()
        self.selection_state = wrapped_label()
        self.selection_state.setObjectName("selection_state")
        self._rows_body = QWidget()
        body = QVBoxLayout(self._rows_body)
        body.setContentsMargins(0, 0, 0, 0)
        range_row = QHBoxLayout()
        for widget in (self.range_check, self.first_row, self._to_label, self.last_row, self._range_hint):
            range_row.addWidget(widget)
        range_row.addStretch(1)
        filter_row = QHBoxLayout()
        filter_row.addWidget(self.filter_check)
        filter_row.addWidget(self.filter_column)
        filter_row.addWidget(self.filter_match)
        filter_row.addWidget(self.filter_value, 1)
        body.addLayout(range_row)
        body.addLayout(filter_row)
        body.addWidget(self.selection_state)
        QVBoxLayout(self.rows_box).addWidget(self._rows_body)
        self._rows_body.setVisible(False)

        self.form_box = QGroupBox()
        form = QFormLayout(self.form_box)
        self._labels = [QLabel() for _ in range(6)]
        output_row = QHBoxLayout()
        output_row.addWidget(self.output, 1)
        output_row.addWidget(self.browse_button)
        approval_column = QVBoxLayout()
        approval_row = QHBoxLayout()
        approval_row.addWidget(self.approval, 1)
        approval_row.addWidget(self.scan_button)
        approval_row.addWidget(self.request_button)
        approval_row.addWidget(self.fewer_button)
        approval_column.addLayout(approval_row)
        approval_column.addWidget(self.approval_state)
        form.addRow(self._labels[0], self.recipient)
        form.addRow(self._labels[1], self.purpose)
        form.addRow(self._labels[2], self.format_combo)
        form.addRow(self._labels[3], output_row)
        form.addRow(self._labels[4], self.password_check)
        form.addRow(self._labels[5], approval_column)

        self.policy_box = QGroupBox()
        self.verdict = wrapped_label()
        self.verdict.setObjectName("policy_verdict")
        self.notes = wrapped_label()
        policy_layout = QVBoxLayout(self.policy_box)
        policy_layout.addWidget(self.verdict)
        policy_layout.addWidget(self.notes)

        self.export_button = QPushButton()
        self.export_button.setDefault(True)
        self.cancel_button = QPushButton()
        self.cancel_button.setEnabled(False)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)
        self.progress.setTextVisible(False)
        self.rate = QLabel()
        run_row = QHBoxLayout()
        run_row.addWidget(self.export_button)
        run_row.addWidget(self.cancel_button)
        run_row.addWidget(self.progress, 1)
        run_row.addWidget(self.rate)

        self.result_box = QGroupBox()
        self.result = wrapped_label()
        self.result.setObjectName("export_result")
        self.open_folder_button = QPushButton()
        result_layout = QVBoxLayout(self.result_box)
        result_layout.addWidget(self.result)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.open_folder_button)
        folder_row.addStretch(1)
        result_layout.addLayout(folder_row)
        self.result_box.setVisible(False)

        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.form_box)
        layout.addWidget(self.rows_box)
        layout.addWidget(self.policy_box)
        layout.addLayout(run_row)
        layout.addWidget(self.result_box)
        layout.addStretch(1)

        self.recipient.editTextChanged.connect(self._on_recipient_edit_text_changed)
        self.purpose.editTextChanged.connect(self._on_purpose_edit_text_changed)
        self.password_check.toggled.connect(self._on_password_check_toggled)
        self.approval.textChanged.connect(self._on_approval_text_changed)
        self.format_combo.currentIndexChanged.connect(self._on_format_combo_current_index_changed)
        self.output.textEdited.connect(self._on_output_text_edited)
        self.browse_button.clicked.connect(self._on_browse_button_clicked)
        self.export_button.clicked.connect(self._on_export_button_clicked)
        self.cancel_button.clicked.connect(self._on_cancel_button_clicked)
        self.open_folder_button.clicked.connect(self._on_open_folder_button_clicked)
        self.rows_box.toggled.connect(self._on_rows_box_toggled)
        for check in (self.range_check, self.filter_check):
            check.toggled.connect(self._on_selection_edited)
        for spin in (self.first_row, self.last_row):
            spin.valueChanged.connect(self._on_selection_edited)
        for combo in (self.filter_column, self.filter_match):
            combo.currentIndexChanged.connect(self._on_selection_edited)
        self.filter_value.textChanged.connect(self._on_selection_edited)
        session.report_changed.connect(self._on_session_report_changed)
        session.plan_changed.connect(self._on_session_plan_changed)
        session.risk_changed.connect(self._on_session_risk_changed)
        session.file_opened.connect(self._on_session_file_opened)
        session.keys_changed.connect(self._on_session_keys_changed)
        self.load_names()
        self.retranslate()

    # -- texts ----------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.form_box.setTitle(self.tr("Who receives it, and why"))
        for label, text in zip(self._labels, (self.tr("Recipient:"), self.tr("Purpose:"), self.tr("Format:"),
                                              self.tr("Save as:"), self.tr("Password:"),
                                              self.tr("Approval code:")), strict=True):
            label.setText(text)
        for combo, hint in ((self.recipient, self.tr("e.g. the bank or contractor receiving the file")),
                            (self.purpose, self.tr("e.g. arrears collection for November"))):
            line = combo.lineEdit()
            if line is not None:
                line.setPlaceholderText(hint)
        self.browse_button.setText(self.tr("Choose…"))
        self.request_button.setText(self.tr("Request approval…"))
        self.request_button.setToolTip(self.tr("Write a request (a file and a QR code) for the security office: "
                                               "the file's fingerprint, the recipient, the purpose and the rows"))
        self.password_check.setText(self.tr("Protect with a password (Excel only; the password is made for you "
                                            "and shown once after the export)"))
        self.approval.setPlaceholderText(self.tr("Only for bulk exports: the EGA1-… code from the security office"))
        self.scan_button.setText(self.tr("Read from picture…"))
        self.scan_button.setToolTip(self.tr("Read the approval code from a photo or screenshot of the QR code the "
                                            "security office shows; pasting the code works too"))
        self.fewer_button.setText(self.tr("Export fewer rows…"))
        self.fewer_button.setToolTip(self.tr("Choose a range of rows or only the rows you need, so that no "
                                             "approval is needed"))
        self.rows_box.setTitle(self.tr("Export fewer rows"))
        self.range_check.setText(self.tr("Only rows"))
        self._to_label.setText(self.tr("to"))
        self._range_hint.setText(self.tr("(row 1 is the first row under the header)"))
        self.filter_check.setText(self.tr("Only rows where"))
        match = self.filter_match.currentIndex()
        self.filter_match.blockSignals(True)
        self.filter_match.clear()
        self.filter_match.addItem(self.tr("is"), "equals")
        self.filter_match.addItem(self.tr("contains"), "contains")
        self.filter_match.setCurrentIndex(max(match, 0))
        self.filter_match.blockSignals(False)
        self.filter_value.setPlaceholderText(self.tr("e.g. 城东区"))
        self._show_selection()
        self.policy_box.setTitle(self.tr("Policy check"))
        self.export_button.setText(self.tr("Export"))
        self.cancel_button.setText(self.tr("Cancel"))
        self.result_box.setTitle(self.tr("Export finished"))
        self.open_folder_button.setText(self.tr("Open folder"))
        self._show_summary()
        self._show_verdict()
        if self.last_result is not None:
            self._show_result(self.last_result)

    def _show_summary(self) -> None:
        session = self._session
        plan = session.plan() if session.report is not None else None
        if session.path is None:
            self.summary.setText(self.tr("Open a file first; then check its columns on the Review page."))
        elif plan is None:
            self.summary.setText(self.tr("{name}: waiting for the scan to finish…").format(name=session.path.name))
        else:
            left_out = [sheet.name for sheet in plan.sheets if not sheet.include]
            text = self.tr("{name}: %Ln row(s) from {sheets} will be exported with the actions chosen on the "
                           "Review page.", "", plan.rows).format(
                name=session.path.name, sheets=self.tr("%n sheet(s)", "", len(plan.included)))
            if session.counting:
                text = self.tr("{name}: counting the rows chosen…").format(name=session.path.name)
            if left_out:
                text = self.tr("{sentence} {next}").format(sentence=text, next=self.tr(
                    "Not exported (hidden): {names}.").format(names=self.tr(", ").join(left_out)))
            self.summary.setText(text)

    def _show_verdict(self) -> None:
        session = self._session
        verdict = session.verdict() if session.report is not None else None
        running = self._runner.busy
        plan = session.plan() if verdict is not None and not session.selection.everything else None
        if plan is not None and not plan.rows:  # the core refuses an export that keeps no row (exit 2)
            self.verdict.setText(self.tr("✘ No row is chosen: change the rows or the filter under “Export fewer "
                                         "rows”."))
            self.verdict.setStyleSheet(VERDICT_BAD_STYLE)
            verdict = None
        elif verdict is None and session.counting and self._selection_problem is not None:
            self.verdict.setText(self.tr("✘ {problem}").format(problem=self._selection_problem))  # counting failed
            self.verdict.setStyleSheet(VERDICT_BAD_STYLE)
        elif verdict is None and session.counting:
            self.verdict.setText(self.tr("Counting the rows chosen; the policy check follows."))
            self.verdict.setStyleSheet(VERDICT_IDLE_STYLE)
            self.notes.setText("")
        elif verdict is None:
            self.verdict.setText(self.tr("The policy check appears once a file is open and scanned."))
            self.verdict.setStyleSheet(VERDICT_IDLE_STYLE)
            self.notes.setText("")
        elif verdict.ok:
            self.verdict.setText(self.tr("✔ The policy allows this export."))
            self.verdict.setStyleSheet(VERDICT_OK_STYLE)
        else:
            lines = "\n".join(f"• {text}" for text in violation_texts(verdict.violations))
            self.verdict.setText(self.tr("✘ The export is blocked. To fix it:\n{lines}").format(lines=lines))
            self.verdict.setStyleSheet(VERDICT_BAD_STYLE)
        self._show_approval()
        self.request_button.setVisible(verdict is not None and any(
            v.code in APPROVAL_CODES for v in verdict.violations))
        self.fewer_button.setVisible(self._fewer_rows_limit(verdict) is not None)
        if verdict is not None:
            notes = [warning_text(w) for w in verdict.warnings]
            self.notes.setText("\n".join(f"• {note}" for note in notes))
            self.notes.setVisible(bool(notes))
        self.export_button.setEnabled(verdict is not None and verdict.ok and not running)

    def _allow_password(self, allowed: bool) -> None:
        """Only an Excel file can carry a password; the box is unticked and greyed for CSV."""
        if not allowed:
            self.password_check.setChecked(False)
        self.password_check.setEnabled(allowed)
        self.password_check.setToolTip("" if allowed else self.tr("Only Excel (.xlsx) files can have a password."))

    def _show_approval(self) -> None:
        session = self._session
        if session.approval is not None:
            approval = session.approval
            self.approval_state.setText(self.tr("✔ Approved by {approver} for up to {rows}, valid until {date}.")
                                        .format(approver=approval.approver, rows=rows_text(approval.rows),
                                                date=approval.expires.date().isoformat()))
        elif session.approval_error is not None:
            self.approval_state.setText(self.tr("✘ {problem}").format(problem=session.approval_error))
        self.approval_state.setVisible(session.approval is not None or session.approval_error is not None)

    @staticmethod
    def _fewer_rows_limit(verdict: PolicyVerdict | None) -> int | None:
        """The most rows that may leave, when the policy refuses this export for its size: the policy's
        limit without approval, or the rows an approval code covers."""
        for violation in verdict.violations if verdict is not None else ():
            if violation.code in ("approval_needed", "approval_too_few_rows"):
                limit = violation.arg("threshold" if violation.code == "approval_needed" else "approved")
                return int(limit) if limit.isdigit() else None  # the core's arguments are text
        return None

    @property
    def can_export(self) -> bool:
        return self.export_button.isEnabled()

    @property
    def counting(self) -> bool:
        """The rows a filter keeps are being counted, or will be once the typing pauses."""
        return self._count_runner.busy or self._selection_timer.isActive()

    # -- fewer rows -----------------------------------------------------------------------------

    def chosen_selection(self) -> RowSelection:
        """The rows the box chooses (every row when it is unticked or holds nothing yet)."""
        if not self.rows_box.isChecked():
            return RowSelection()
        first, last = 1, None
        if self.range_check.isChecked():
            first, last = self.first_row.value(), max(self.first_row.value(), self.last_row.value())
        where = None
        column, match = self.filter_column.currentData(), self.filter_match.currentData()
        if self.filter_check.isChecked() and self.filter_value.text().strip() and isinstance(column, str):
            where = RowFilter(column, self.filter_value.text().strip(), "contains" if match == "contains" else "equals")
        return RowSelection(first, last, where)

    def apply_selection(self) -> None:
        """Hand the rows chosen to the session, and count a filter's rows on a worker (once per change)."""
        self._selection_timer.stop()
        session = self._session
        self._selection_problem = None
        selection = self.chosen_selection()
        if selection.where is not None and len(selection.where.value) > MAX_VALUE:
            self._selection_problem = self.tr("The text to look for is too long.")
            selection = RowSelection(selection.first, selection.last)
        session.set_selection(selection)
        plan, path = session.full_plan(), session.path
        if session.counting and plan is not None and path is not None:
            key = session.selection_key()
            self._count_runner.start(lambda progress: (key, count_rows(path, plan, selection, progress)))
        elif not session.counting:
            self._count_runner.abandon()
        self._show_selection()

    def _fill_selection_choices(self) -> None:
        """The range's limits and the filter's columns, from the scan: the first exported sheet's columns
        that every exported sheet has under the same header (one sheet: all of them, by letter if need be)."""
        plan = self._session.full_plan()
        most = max((sheet.data_rows for sheet in plan.included), default=1) if plan is not None else 1
        for spin, value in ((self.first_row, 1), (self.last_row, most)):
            spin.blockSignals(True)
            spin.setRange(1, max(most, 1))
            spin.setValue(value)
            spin.blockSignals(False)
        self.filter_column.blockSignals(True)
        self.filter_column.clear()
        sheets = plan.included if plan is not None else ()
        for column in sheets[0].columns if sheets else ():
            shown = column.shown_header
            ref = column.header if column.header and shown == column.header else column.letter
            if len(sheets) > 1 and (ref == column.letter or any(find_column(s, ref) is None for s in sheets[1:])):
                continue  # the same letter would be another column in another sheet
            self.filter_column.addItem(f"{column.letter} · {shown}" if shown else column.letter, ref)
        self.filter_column.blockSignals(False)
        common = self.filter_column.count() > 0
        self.filter_check.setEnabled(common)
        self.filter_check.setToolTip("" if common else self.tr("The sheets have no column in common to filter on."))

    def _show_selection(self, done: int | None = None, total: int | None = None) -> None:
        session = self._session
        self._rows_body.setVisible(self.rows_box.isChecked())
        # unticked: the title alone, not an empty frame (Fusion draws a flat box's frame too)
        self.rows_box.setStyleSheet("" if self.rows_box.isChecked() else
                                    "QGroupBox#rows_box { border: none; margin-top: 0; padding-top: 14px; }")
        self.first_row.setEnabled(self.range_check.isChecked())
        self.last_row.setEnabled(self.range_check.isChecked())
        for widget in (self.filter_column, self.filter_match, self.filter_value):
            widget.setEnabled(self.filter_check.isChecked())
        plan, full = session.plan(), session.full_plan()
        if self._selection_problem is not None:
            text = self._selection_problem
        elif session.selection.everything or plan is None or full is None:
            text = self.tr("Tick “Only rows” or “Only rows where” to choose the rows.")
        elif session.counting:
            share = f" {done * 100 // total} %" if done is not None and total else ""
            text = self.tr("Counting the rows that match…{share}").format(share=share)
        else:
            text = self.tr("{chosen} of {total} will be exported ({selection}).").format(
                chosen=rows_text(plan.rows), total=count_text(full.rows),
                selection=selection_text(session.selection.record(full, keep_value=True)))
        self.selection_state.setText(text)
    @property
    def exporting(self) -> bool:
        return self._runner.busy

    # -- names used before ----------------------------------------------------------------------

    def load_names(self) -> None:
        """Recipients and purposes from the ledger's export records and the settings, newest first."""
        recipients = self._settings.recipients()
        purposes = self._settings.purposes()
        ledger = self._session.ledger()
        if ledger is not None:
            try:
                records = [record for _, record in export_records(ledger)]
            except ExportGuardError:
                records = []
            for record in reversed(records):
                for value, names in ((record.recipient, recipients), (record.purpose, purposes)):
                    if value.strip() and value not in names:
                        names.append(value)
        for combo, names in ((self.recipient, recipients), (self.purpose, purposes)):
            text = combo.currentText()
            combo.blockSignals(True)
            combo.clear()
            combo.addItems(names)
            combo.setEditText(text)
            combo.blockSignals(False)

    # -- running the export ---------------------------------------------------------------------

    def output_path(self) -> Path | None:
        text = self.output.text().strip()
        return Path(text) if text else self._session.default_output()

    def start_export(self) -> bool:
        """Start the export on the worker thread; False if it could not start."""
        session = self._session
        verdict = session.verdict()
        output = self.output_path()
        if verdict is None or not verdict.ok or output is None or self._runner.busy:
            return False
        overwrite = False
        if output.exists():
            if not self._confirm_overwrite(output):
                return False
            overwrite = True
        ring = self._ensure_ring(self.tr("They are needed to protect and watermark this export."))
        ledger = session.ledger()
        if ring is None or ledger is None:
            return False
        try:
            request = session.export_request(output, overwrite=overwrite)
        except ExportGuardError as error:
            self._show_error(error_message(error))
            return False
        self._target = output
        self.last_result = None
        self.result_box.setVisible(False)
        self.progress.setValue(0)
        self._started = time.monotonic()
        self._first_batch = None
        self._show_preparing()
        self._preparing_timer.start()
        self.export_started.emit()
        self._runner.start(make_export_job(request, session.home, ring, ledger, session.report,
                                           selected=session.selection_counts()))
        self._set_running(True)
        return True

    def _show_preparing(self) -> None:
        """Before the first rows are written (the checks, the file read up to its data): time so far."""
        self.rate.setText(self.tr("Preparing… %n s", "", int(time.monotonic() - self._started)))

    def cancel_export(self) -> None:
        self._runner.cancel()
        self._preparing_timer.stop()
        self.rate.setText(self.tr("Cancelling…"))

    def shutdown(self) -> None:
        self._selection_timer.stop()
        self._preparing_timer.stop()
        self._count_runner.wait()
        self._runner.wait()

    def _set_running(self, running: bool) -> None:
        self.cancel_button.setEnabled(running)
        self.form_box.setEnabled(not running)
        self.rows_box.setEnabled(not running)  # the rows chosen are the export's
        self._show_verdict()

    def _show_result(self, result: ExportResult) -> None:
        actions: dict[str, int] = {}
        for column in result.columns:
            label = action_label(column.action)
            actions[label] = actions.get(label, 0) + 1
        action_text = self.tr(", ").join(
            self.tr("{action} × {count}").format(action=label, count=count) for label, count in actions.items())
        self.result.setText(self.tr(
            "File: {file}\nRows: {rows}\nColumns: {actions}\nExport id: {export_id} (recorded in the audit ledger)"
        ).format(file=str(result.output), rows=count_text(result.rows), actions=action_text,
                 export_id=result.export_id))
        if result.selection is not None:
            self.result.setText(self.result.text() + "\n" + self.tr("Rows chosen: {selection}").format(
                selection=selection_text(result.selection)))
        if result.password is not None:
            self.result.setText(self.result.text() + "\n\n" + self.tr(
                "Password of the file: {password}\nWrite it down now and give it to the recipient by another "
                "channel (telephone, not the same e-mail). It is not stored anywhere and will not be shown "
                "again.").format(password=result.password))
            self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.result_box.setVisible(True)

    # -- replaceable dialogs and the desktop hand-off (tests put their own in place) ------------

    def _confirm_overwrite(self, path: Path) -> bool:
        answer = QMessageBox.question(self, self.tr("ExportGuard"), self.tr(
            "{name} already exists. Replace it?").format(name=path.name))
        return answer == QMessageBox.StandardButton.Yes

    def _ask_output_path(self, suggested: Path | None) -> Path | None:
        name, _ = QFileDialog.getSaveFileName(self, self.tr("Save the exported file as"),
                                              str(suggested) if suggested else "",
                                              self.tr("Excel (*.xlsx);;CSV (*.csv)"))
        return Path(name) if name else None

    def request_approval(self, path: Path) -> bool:
        """Write the approval request (``path`` and its QR code beside it) and record it in the ledger."""
        ring = self._ensure_ring(self.tr("They are needed to record the request in the audit ledger."))
        if ring is None:
            return False
        session = self._session
        try:
            request = session.approval_request()
            qr = write_request(request, path, overwrite=True)  # the save dialog asked before replacing
            session.workspace.ledger(ring).append(Event.APPROVAL, {
                "action": "request", "input_name": request.input_name, "input_sha256": request.input_sha256,
                "recipient": request.recipient, "purpose": request.purpose, "rows": request.rows,
                "user": request.user, "machine": request.machine})
        except (ExportGuardError, OSError) as error:
            self._show_error(error_message(error) if isinstance(error, ExportGuardError) else str(error))
            return False
        session.ledger_changed.emit()
        self._show_info(self.tr("Send the request {request} (or show its QR code {qr}) to the security office. "
                                "Paste the approval code they give you into “Approval code”.").format(
            request=path.name, qr=qr.name))
        return True

    def _ask_code_image(self) -> Path | None:
        name, _ = QFileDialog.getOpenFileName(self, self.tr("Picture of the approval code"), "",
                                              self.tr("Pictures (*.png *.jpg *.jpeg *.bmp *.gif *.webp);;"
                                                      "All files (*)"))
        return Path(name) if name else None

    def _ask_request_path(self, suggested: Path) -> Path | None:
        name, _ = QFileDialog.getSaveFileName(self, self.tr("Save the approval request"), str(suggested),
                                              self.tr("Approval request (*.egreq)"))
        return Path(name) if name else None

    def _show_info(self, message: str) -> None:
        QMessageBox.information(self, self.tr("ExportGuard"), message)

    def _show_error(self, message: str) -> None:
        QMessageBox.warning(self, self.tr("ExportGuard"), message)

    def _open_folder(self, folder: Path) -> bool:
        return QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

    # -- slots ----------------------------------------------------------------------------------

    def _push_facts(self) -> None:
        self._session.set_facts(recipient=self.recipient.currentText(), purpose=self.purpose.currentText(),
                                use_password=self.password_check.isChecked(), approval_code=self.approval.text())

    @Slot(str)
    def _on_recipient_edit_text_changed(self, _text: str) -> None:
        self._push_facts()

    @Slot(str)
    def _on_purpose_edit_text_changed(self, _text: str) -> None:
        self._push_facts()

    @Slot(bool)
    def _on_password_check_toggled(self, _checked: bool) -> None:
        self._push_facts()

    @Slot(str)
    def _on_approval_text_changed(self, _text: str) -> None:
        self._push_facts()

    @Slot(int)
    def _on_format_combo_current_index_changed(self, _position: int) -> None:
        fmt = self.format_combo.currentData()
        self._allow_password(fmt == "xlsx")
        if fmt in ("xlsx", "csv") and fmt != self._session.format:
            if self._output_edited and self.output.text().strip():
                self.output.setText(str(Path(self.output.text()).with_suffix(f".{fmt}")))
            self._session.set_format(fmt)

    @Slot(str)
    def _on_output_text_edited(self, _text: str) -> None:
        self._output_edited = True

    @Slot()
    def _on_browse_button_clicked(self) -> None:
        chosen = self._ask_output_path(self.output_path())
        if chosen is not None:
            self._output_edited = True
            self.output.setText(str(chosen))

    @Slot()
    def _on_export_button_clicked(self) -> None:
        self.start_export()

    @Slot()
    def _on_cancel_button_clicked(self) -> None:
        self.cancel_export()

    @Slot()
    def _on_request_button_clicked(self) -> None:
        path = self._session.path
        if path is None:
            return
        words = self.tr("approval request")  # part of the suggested file name
        chosen = self._ask_request_path(path.with_name(f"{path.stem}_{words}{REQUEST_SUFFIX}"))
        if chosen is not None:
            if chosen.suffix.lower() != REQUEST_SUFFIX:
                chosen = chosen.with_name(chosen.name + REQUEST_SUFFIX)
            self.request_approval(chosen)

    @Slot()
    def _on_open_folder_button_clicked(self) -> None:
        if self.last_result is not None:
            folder = self.last_result.output.parent
            if not self._open_folder(folder):  # no file manager, or the desktop refused: say where it is
                self._show_error(self.tr("The folder could not be opened here. The exported file is in:\n{folder}")
                                 .format(folder=str(folder)))

    @Slot(object)
    def _on_session_file_opened(self, _path: object) -> None:
        self._output_edited = False
        self.last_result = None
        self.result_box.setVisible(False)
        self.progress.setValue(0)
        self.rate.setText("")
        self.format_combo.blockSignals(True)
        self.format_combo.setCurrentIndex(max(0, self.format_combo.findData(self._session.format)))
        self.format_combo.blockSignals(False)
        self._allow_password(self._session.format == "xlsx")
        self.approval.blockSignals(True)
        self.approval.clear()
        self.approval.blockSignals(False)
        self._selection_timer.stop()
        self._count_runner.abandon()
        self._selection_problem = None
        for check in (self.rows_box, self.range_check, self.filter_check):
            check.blockSignals(True)
            check.setChecked(False)
            check.blockSignals(False)
        self.filter_value.blockSignals(True)
        self.filter_value.clear()
        self.filter_value.blockSignals(False)
        self._show_selection()

    @Slot()
    def _on_session_report_changed(self) -> None:
        self._fill_selection_choices()
        self._show_selection()

    @Slot(bool)
    def _on_rows_box_toggled(self, _checked: bool) -> None:
        self.apply_selection()  # unticked: every row again, at once

    @Slot()
    def _on_selection_edited(self) -> None:
        self._show_selection()
        self._selection_timer.start()

    @Slot()
    def _on_selection_timer_timeout(self) -> None:
        self.apply_selection()

    @Slot(int, int)
    def _on_count_runner_progressed(self, done: int, total: int) -> None:
        self._show_selection(done, total)

    @Slot(object)
    def _on_count_runner_finished(self, result: object) -> None:
        if isinstance(result, tuple) and len(result) == 2 and isinstance(result[1], dict):
            self._session.set_selection_counts(result[0], result[1])
        self._show_selection()

    @Slot(str)
    def _on_count_runner_failed(self, message: str) -> None:
        self._selection_problem = message
        self._show_selection()
        self._show_verdict()

    @Slot()
    def _on_fewer_button_clicked(self) -> None:
        limit = self._fewer_rows_limit(self._session.verdict())
        if limit is None:
            return
        self.rows_box.blockSignals(True)
        self.rows_box.setChecked(True)
        self.rows_box.blockSignals(False)
        self.range_check.blockSignals(True)
        self.range_check.setChecked(True)
        self.range_check.blockSignals(False)
        for spin, value in ((self.first_row, 1), (self.last_row, limit)):
            spin.blockSignals(True)
            spin.setValue(value)
            spin.blockSignals(False)
        self.apply_selection()
        self.last_row.setFocus()

    @Slot()
    def _on_scan_button_clicked(self) -> None:
        path = self._ask_code_image()
        if path is None:
            return
        try:
            texts = codes_in_image(path)
        except QrUnavailable:
            self._show_error(self.tr("QR codes cannot be read on this computer; paste the approval code instead."))
            return
        except OSError:
            self._show_error(self.tr("{name} could not be read as a picture.").format(name=path.name))
            return
        codes = [text.strip() for text in texts if text.strip().upper().startswith(APPROVAL_PREFIX)]
        if not codes:
            self._show_error(self.tr("No approval code was found in {name}. Take the picture again, closer and "
                                     "straight on, or paste the code.").format(name=path.name))
            return
        self.approval.setText(codes[0])

    @Slot()
    def _on_session_keys_changed(self) -> None:
        self.load_names()

    @Slot()
    def _on_session_plan_changed(self) -> None:
        if not self._output_edited:
            default = self._session.default_output()
            self.output.setText(str(default) if default is not None else "")
        self._show_summary()
        self._show_verdict()

    @Slot()
    def _on_session_risk_changed(self) -> None:
        self._show_verdict()  # a measured risk below the policy's minimum k blocks the export

    @Slot(int, int)
    def _on_runner_progressed(self, done: int, total: int) -> None:
        """Rows written; after the first batches, the rate since then and the time left at that rate."""
        self._preparing_timer.stop()
        self.progress.setValue(done * 1000 // total if total else 0)
        now = time.monotonic()
        if self._first_batch is None:
            self._first_batch = (now, done)
        since, rows_then = self._first_batch
        elapsed = now - since
        progress = self.tr("{done} / {total}").format(done=count_text(done), total=rows_text(total))
        if elapsed < ESTIMATE_AFTER_S or done <= rows_then:
            self.rate.setText(self.tr("{progress} · estimating the time left…").format(progress=progress))
            return
        rate = (done - rows_then) / elapsed
        self.rate.setText(self.tr("{progress} · {rate} rows/s · {left}").format(
            progress=progress, rate=count_text(round(rate)), left=remaining_text((total - done) / rate)))

    @Slot()
    def _on_preparing_timer_timeout(self) -> None:
        self._show_preparing()

    @Slot(object)
    def _on_runner_finished(self, result: object) -> None:
        if not isinstance(result, ExportResult):
            return
        self.last_result = result
        self.progress.setValue(1000)
        self._preparing_timer.stop()
        elapsed = max(time.monotonic() - self._started, 1e-6)
        self.rate.setText(self.tr("%Ln row(s) in {seconds} s", "", result.rows).format(
            seconds=QLocale().toString(elapsed, "f", 1)))
        self._settings.add_recipient(self._session.recipient)
        self._settings.add_purpose(self._session.purpose)
        self._set_running(False)
        self._show_result(result)
        self.load_names()
        self._session.ledger_changed.emit()
        self.export_finished.emit(result)

    @Slot(str)
    def _on_runner_failed(self, message: str) -> None:
        self._preparing_timer.stop()
        self._set_running(False)
        self.progress.setValue(0)
        self.rate.setText(self.tr("Export failed; nothing was written."))
        self._show_error(message)
        self.export_failed.emit(message)

    @Slot()
    def _on_runner_cancelled(self) -> None:
        self._preparing_timer.stop()
        self._set_running(False)
        self.progress.setValue(0)
        self.rate.setText(self.tr("Export cancelled; nothing was written."))
        self.export_cancelled.emit()
