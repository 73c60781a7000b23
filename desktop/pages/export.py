"""The export page: recipient, purpose, format and password; a live policy verdict in plain words; the
export on a worker thread with progress, speed and Cancel; a summary at the end."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal, Slot
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
    QVBoxLayout,
    QWidget,
)

from desktop.pages import VERDICT_BAD_STYLE, VERDICT_IDLE_STYLE, VERDICT_OK_STYLE, Page, wrapped_label
from desktop.session import Session
from desktop.settings import AppSettings
from desktop.wording import action_label, error_message, violation_texts, warning_text
from desktop.workers import TaskRunner, make_export_job
from masking.approval_request import REQUEST_SUFFIX, write_request
from masking.errors import ExportGuardError
from masking.events import Event
from masking.export_record import export_records
from masking.keys import KeyRing
from masking.pipeline import ExportResult

EnsureRing = Callable[[str], KeyRing | None]  # the reason the keys are needed -> the unlocked keys


APPROVAL_CODES = frozenset({"approval_needed", "approval_too_few_rows"})  # a request to the office can fix these


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
        self.approval_state = wrapped_label()
        self.approval_state.setVisible(False)

        self.form_box = QGroupBox()
        form = QFormLayout(self.form_box)
        self._labels = [QLabel() for _ in range(6)]
        output_row = QHBoxLayout()
        output_row.addWidget(self.output, 1)
        output_row.addWidget(self.browse_button)
        approval_column = QVBoxLayout()
        approval_row = QHBoxLayout()
        approval_row.addWidget(self.approval, 1)
        approval_row.addWidget(self.request_button)
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
            text = self.tr("{name}: {rows} rows from {sheets} sheet(s) will be exported with the actions chosen "
                           "on the Review page.").format(name=session.path.name, rows=f"{plan.rows:,}",
                                                         sheets=len(plan.included))
            if left_out:
                text += " " + self.tr("Not exported (hidden): {names}.").format(names=self.tr(", ").join(left_out))
            self.summary.setText(text)

    def _show_verdict(self) -> None:
        verdict = self._session.verdict() if self._session.report is not None else None
        running = self._runner.busy
        if verdict is None:
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
            self.approval_state.setText(self.tr("✔ Approved by {approver} for up to {rows} rows, valid until {date}.")
                                        .format(approver=session.approval.approver, rows=f"{session.approval.rows:,}",
                                                date=session.approval.expires.date().isoformat()))
        elif session.approval_error is not None:
            self.approval_state.setText(self.tr("✘ {problem}").format(problem=session.approval_error))
        self.approval_state.setVisible(session.approval is not None or session.approval_error is not None)

    @property
    def can_export(self) -> bool:
        return self.export_button.isEnabled()

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
        self.rate.setText(self.tr("Preparing…"))
        self._started = time.monotonic()
        self.export_started.emit()
        self._runner.start(make_export_job(request, session.home, ring, ledger, session.report))
        self._set_running(True)
        return True

    def cancel_export(self) -> None:
        self._runner.cancel()
        self.rate.setText(self.tr("Cancelling…"))

    def shutdown(self) -> None:
        self._runner.wait()

    def _set_running(self, running: bool) -> None:
        self.cancel_button.setEnabled(running)
        self.form_box.setEnabled(not running)
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
        ).format(file=str(result.output), rows=f"{result.rows:,}", actions=action_text, export_id=result.export_id))
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
        self.progress.setValue(done * 1000 // total if total else 0)
        elapsed = max(time.monotonic() - self._started, 1e-6)
        self.rate.setText(self.tr("{done} / {total} rows · {rate} rows/s").format(
            done=f"{done:,}", total=f"{total:,}", rate=f"{done / elapsed:,.0f}"))

    @Slot(object)
    def _on_runner_finished(self, result: object) -> None:
        if not isinstance(result, ExportResult):
            return
        self.last_result = result
        self.progress.setValue(1000)
        elapsed = max(time.monotonic() - self._started, 1e-6)
        self.rate.setText(self.tr("{rows} rows in {seconds} s").format(
            rows=f"{result.rows:,}", seconds=f"{elapsed:.1f}"))
        self._settings.add_recipient(self._session.recipient)
        self._settings.add_purpose(self._session.purpose)
        self._set_running(False)
        self._show_result(result)
        self.load_names()
        self._session.ledger_changed.emit()
        self.export_finished.emit(result)

    @Slot(str)
    def _on_runner_failed(self, message: str) -> None:
        self._set_running(False)
        self.progress.setValue(0)
        self.rate.setText(self.tr("Export failed; nothing was written."))
        self._show_error(message)
        self.export_failed.emit(message)

    @Slot()
    def _on_runner_cancelled(self) -> None:
        self._set_running(False)
        self.progress.setValue(0)
        self.rate.setText(self.tr("Export cancelled; nothing was written."))
        self.export_cancelled.emit()
