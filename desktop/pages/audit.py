"""The audit page: the ledger as a sortable table filtered by event, employee and text, in local time; a
verification with a clear verdict; and the trail as shown exported to an Excel workbook.

Two trails: this workstation's ledger, or, when the security office's evidence service is configured
(Settings), the office's trail of every workstation (``masking.evidence.trail``; read on a worker
thread), with the records the service stored flagged marked as a failed verification marks them. An
enrolled workstation also sees how far it has reported (records not yet sent, the last sync) and can
send them now.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.models import LedgerFilter, LedgerModel, local_minute
from desktop.pages import VERDICT_BAD_STYLE, VERDICT_IDLE_STYLE, VERDICT_OK_STYLE, Page, wrapped_label
from desktop.session import Session
from desktop.wording import error_message, event_label
from desktop.workers import Progress, TaskRunner
from masking.errors import ExportGuardError
from masking.events import Event
from masking.evidence.sync import SyncResult, sync, sync_state
from masking.evidence.trail import TRAIL_LIMIT, OfficeTrail, office_trail, older_page
from masking.io.writer import open_writer
from masking.ledger import VerifyReport

LOCAL, OFFICE = "local", "office"


class AuditPage(Page):
    """Signals:
        verified(object): the core's ``VerifyReport`` after a verification.
        trail_exported(object): the ``Path`` of the workbook the shown trail was written to.
        office_loaded(object): the ``OfficeTrail`` read from the service.
        synced(object): the ``SyncResult`` of sending this workstation's records now.
        service_failed(str): reading the office's trail or sending failed (the message shown).
    """

    verified = Signal(object)
    trail_exported = Signal(object)
    office_loaded = Signal(object)
    synced = Signal(object)
    service_failed = Signal(str)

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._runner = TaskRunner("verify", self)
        self._runner.finished.connect(self._on_runner_finished)
        self._runner.failed.connect(self._on_runner_failed)
        self.last_report: VerifyReport | None = None
        self.office: OfficeTrail | None = None  # the office's trail when it is the one shown
        self.office_page = TRAIL_LIMIT  # records read from the service at a time
        self._office_runner = TaskRunner("office trail", self)
        self._office_runner.finished.connect(self._on_office_runner_finished)
        self._office_runner.failed.connect(self._on_office_runner_failed)
        self._sync_runner = TaskRunner("sync", self)
        self._sync_runner.finished.connect(self._on_sync_runner_finished)
        self._sync_runner.failed.connect(self._on_sync_runner_failed)
        self.source = QComboBox()
        self.source.currentIndexChanged.connect(self._on_source_current_index_changed)
        self.sync_state = wrapped_label()
        self.sync_state.setObjectName("sync_state")
        self.sync_button = QPushButton()
        self.sync_button.clicked.connect(self._on_sync_button_clicked)

        self.model = LedgerModel(self)
        self.proxy = LedgerFilter(self)
        self.proxy.setSourceModel(self.model)
        self.view = QTableView()
        self.view.setModel(self.proxy)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(LedgerModel.TIME, Qt.SortOrder.DescendingOrder)
        self.view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.view.verticalHeader().setVisible(False)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.view.horizontalHeader().setStretchLastSection(True)

        self.search = QLineEdit()
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._on_search_text_changed)
        self.event_filter = QComboBox()
        self.event_filter.currentIndexChanged.connect(self._on_event_filter_current_index_changed)
        self.employee_filter = QComboBox()
        self.employee_filter.currentIndexChanged.connect(self._on_employee_filter_current_index_changed)
        self.export_button = QPushButton()
        self.export_button.clicked.connect(self._on_export_button_clicked)
        self.refresh_button = QPushButton()
        self.refresh_button.clicked.connect(self._on_refresh_button_clicked)
        self.older_button = QPushButton()  # the office's trail comes a page at a time, newest first
        self.older_button.clicked.connect(self._on_older_button_clicked)
        self.older_button.hide()
        self.verify_button = QPushButton()
        self.verify_button.clicked.connect(self._on_verify_button_clicked)
        self.verdict = wrapped_label()
        self.verdict.setObjectName("ledger_verdict")
        # the Details column is the last of ten and rarely fits: the chosen record's sentence in full here
        self.record_details = wrapped_label()
        self.record_details.setObjectName("record_details")
        self.record_details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.view.selectionModel().currentRowChanged.connect(self._on_view_current_row_changed)
        self.proxy.modelReset.connect(self._show_record_details)
        self.proxy.layoutChanged.connect(self._show_record_details)
        self.proxy.rowsInserted.connect(lambda *_: self._show_record_details())  # a filter chosen or cleared
        self.proxy.rowsRemoved.connect(lambda *_: self._show_record_details())

        bar = QHBoxLayout()
        bar.addWidget(self.source)
        bar.addWidget(self.event_filter)
        bar.addWidget(self.employee_filter)
        bar.addWidget(self.search, 1)
        bar.addWidget(self.refresh_button)
        bar.addWidget(self.export_button)
        bar.addWidget(self.verify_button)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.record_details)
        verdict_row = QHBoxLayout()
        verdict_row.addWidget(self.verdict, 1)
        verdict_row.addWidget(self.older_button)
        layout.addLayout(verdict_row)
        sync_row = QHBoxLayout()
        sync_row.addWidget(self.sync_state, 1)
        sync_row.addWidget(self.sync_button)
        layout.addLayout(sync_row)
        session.keys_changed.connect(self._on_session_keys_changed)
        session.ledger_changed.connect(self._on_session_ledger_changed)
        session.service_changed.connect(self._on_session_service_changed)
        self.retranslate()
        self.reload()

    def retranslate(self) -> None:
        self.search.setPlaceholderText(self.tr("Search: recipient, export id, file, employee…"))
        self.refresh_button.setText(self.tr("Refresh"))
        self.older_button.setText(self.tr("Load older records"))
        self.export_button.setText(self.tr("Export to Excel…"))
        self._fill_filters()
        self.verify_button.setText(self.tr("Verify the ledger"))
        self.sync_button.setText(self.tr("Send now"))
        self._fill_sources()
        self.model.retranslate()
        self._show_record_details()
        self._show_verdict()
        self._show_sync_state()

    def _fill_sources(self) -> None:
        """This workstation's ledger, and the office's trail when a service is configured."""
        chosen = self.source.currentData() if self._session.service is not None else LOCAL
        self.source.blockSignals(True)
        self.source.clear()
        self.source.addItem(self.tr("This workstation's ledger"), LOCAL)
        if self._session.service is not None:
            self.source.addItem(self.tr("The security office's trail (every workstation)"), OFFICE)
        self.source.setCurrentIndex(max(0, self.source.findData(chosen)))
        self.source.setVisible(self.source.count() > 1)
        self.source.blockSignals(False)

    def showing_office(self) -> bool:
        return bool(self.source.currentData() == OFFICE)

    def show_source(self, source: str) -> bool:
        """Show ``LOCAL`` (this workstation's ledger) or ``OFFICE`` (the office's trail, read on a worker
        thread: ``office_loaded`` or ``service_failed`` follows). False when that source is not available."""
        position = self.source.findData(source)
        if position < 0:
            return False
        if position == self.source.currentIndex():
            self.reload()
        else:
            self.source.setCurrentIndex(position)  # reloads
        return True

    def reload(self) -> None:
        if self.showing_office():
            self._load_office()
            return
        self.office = None
        ledger = self._session.ledger()
        self.last_report = None
        self._show_sync_state()
        if ledger is None:
            self.model.set_entries([])
        else:
            try:
                self.model.set_entries(ledger.entries())
            except ExportGuardError as error:
                self.model.set_entries([])
                self.verdict.setText(error_message(error))
                self.verdict.setStyleSheet(VERDICT_BAD_STYLE)
                return
        self._fill_filters()
        self._show_verdict()

    def _fill_filters(self) -> None:
        """Every event kind, and every employee the records name, each after "all"; the choice is kept."""
        event, employee = self.event_filter.currentData(), self.employee_filter.currentData()
        for combo in (self.event_filter, self.employee_filter):
            combo.blockSignals(True)
            combo.clear()
        self.event_filter.addItem(self.tr("All events"), None)
        for kind in Event:
            self.event_filter.addItem(event_label(kind), kind.value)
        self.employee_filter.addItem(self.tr("All employees"), None)
        for name in self.model.employees():
            self.employee_filter.addItem(name, name)
        self.event_filter.setCurrentIndex(max(0, self.event_filter.findData(event)))
        self.employee_filter.setCurrentIndex(max(0, self.employee_filter.findData(employee)))
        for combo in (self.event_filter, self.employee_filter):
            combo.blockSignals(False)
        self.proxy.set_event(self.event_filter.currentData())
        self.proxy.set_employee(self.employee_filter.currentData())

    def set_filters(self, *, event: str | None = None, employee: str | None = None) -> None:
        """Show one event kind and/or one employee (None: all)."""
        self.event_filter.setCurrentIndex(max(0, self.event_filter.findData(event)))
        self.employee_filter.setCurrentIndex(max(0, self.employee_filter.findData(employee)))

    def export_trail(self, path: Path) -> bool:
        """Write the trail as shown (filters and order applied) to an xlsx workbook, headers in the
        interface's language; the file appears complete or not at all."""
        if path.suffix.lower() != ".xlsx":
            path = path.with_name(path.name + ".xlsx")
        try:
            with open_writer(path, "xlsx", overwrite=True) as book:  # the save dialog asked before replacing
                book.add_sheet(self.tr("Audit trail"), self.proxy.headers()).write_rows(self.proxy.shown_rows())
        except ExportGuardError as error:
            self._show_error(error_message(error))
            return False
        self.trail_exported.emit(path)
        return True

    def _ask_trail_path(self) -> Path | None:
        name, _ = QFileDialog.getSaveFileName(self, self.tr("Export the audit trail"), "",
                                              self.tr("Excel workbook (*.xlsx)"))
        return Path(name) if name else None

    def _show_error(self, message: str) -> None:
        QMessageBox.warning(self, self.tr("ExportGuard"), message)

    def verify(self) -> bool:
        """Verify on a worker thread; ``verified`` follows. False if no keys are unlocked."""
        ledger = self._session.ledger()
        if ledger is None:
            return False

        def job(_progress: Progress) -> VerifyReport:
            return ledger.verify()

        self.verify_button.setEnabled(False)
        self.verdict.setText(self.tr("Verifying…"))
        self.verdict.setStyleSheet(VERDICT_IDLE_STYLE)
        self._runner.start(job)
        return True

    def shutdown(self) -> None:
        self._runner.wait()
        self._office_runner.wait()
        self._sync_runner.wait()

    def _load_office(self) -> None:
        access = self._session.service
        if access is None:
            return

        page = self.office_page

        def job(_progress: Progress) -> OfficeTrail:
            return office_trail(access, limit=page)

        self.last_report, self.office = None, None
        self.older_button.hide()
        self.model.set_entries([])  # never this workstation's records under the office's name
        self.verify_button.setEnabled(False)
        self.verdict.setText(self.tr("Reading the office's trail from {url}…").format(url=access.url))
        self.verdict.setStyleSheet(VERDICT_IDLE_STYLE)
        self._office_runner.start(job)

    def load_older(self) -> bool:
        """Add the next older page of the office's trail to the records shown (a worker thread:
        ``office_loaded`` with the whole trail shown, or ``service_failed``). False when there is none."""
        access, shown = self._session.service, self.office
        if access is None or shown is None or shown.older is None or self._office_runner.busy:
            return False
        page = self.office_page

        def job(_progress: Progress) -> OfficeTrail:
            return older_page(access, shown, limit=page)

        self.older_button.setEnabled(False)
        self._office_runner.start(job)
        return True

    def send_now(self) -> bool:
        """Send this workstation's unsent records to the office's service (a worker thread: ``synced`` or
        ``service_failed`` follows). False when the keys are locked or the workstation is not enrolled."""
        ledger, ring, home = self._session.ledger(), self._session.ring, self._session.home
        if ledger is None or ring is None or self._sync_runner.busy:
            return False

        def job(_progress: Progress) -> SyncResult | None:
            return sync(home, ring, ledger)

        self.sync_button.setEnabled(False)
        self.sync_state.setText(self.tr("Sending…"))
        self._sync_runner.start(job)
        return True

    def _show_sync_state(self) -> None:
        """How far this workstation has reported to the office's service (or that it does not)."""
        ledger = self._session.ledger()
        state = None
        if ledger is not None:
            try:
                state = sync_state(self._session.home, ledger)
            except ExportGuardError as error:
                self.sync_state.setText(error_message(error))
                self.sync_button.setVisible(False)
                return
        self.sync_button.setVisible(state is not None)
        self.sync_button.setEnabled(state is not None and not self._sync_runner.busy)
        if ledger is None:
            self.sync_state.setText("")
        elif state is None:
            self.sync_state.setText(self.tr("This workstation does not report to a security office's service: its "
                                            "records are kept here only."))
        else:
            last = local_minute(state.last_sync) if state.last_sync else self.tr("never")
            if state.pending:
                text = self.tr("Reports to the security office's service as {name}: %Ln record(s) not yet sent "
                               "({exports}); last sent {time}.", "", state.pending)
            else:
                text = self.tr("Reports to the security office's service as {name}: every record has been sent; "
                               "last sent {time}.")
            self.sync_state.setText(text.format(name=state.name, time=last, exports=self.tr(
                "%Ln of them export(s)", "", state.pending_exports)))

    def _show_verdict(self) -> None:
        report = self.last_report
        if self.office is not None:
            self.verify_button.setEnabled(False)  # the service checks every chain: 'exportguard server check'
            flagged = len(self.office.problems)
            text = self.tr("The office's trail: %Ln record(s) from every workstation, newest first.", "",
                           len(self.office.entries))
            text = self.tr("{sentence} {next}").format(sentence=text, next=self.tr(
                "%Ln of them was/were stored flagged and not yet resolved by an admin (marked in red; "
                "'exportguard server check' lists them).", "", flagged) if flagged else self.tr("None is flagged."))
            if self.office.older is not None:
                text += self.tr(" Older records are not shown yet (“Load older records”).")
            self.verdict.setText(text)
            self.older_button.setVisible(self.office.older is not None)
            self.older_button.setEnabled(True)
            self.verdict.setStyleSheet(VERDICT_BAD_STYLE if flagged else VERDICT_OK_STYLE)
            return
        self.older_button.hide()
        self.verify_button.setEnabled(self._session.ring is not None and not self._runner.busy)
        if self._session.ring is None:
            self.verdict.setText(self.tr("Unlock the keys (Keys page) to read and verify the ledger."))
            self.verdict.setStyleSheet(VERDICT_IDLE_STYLE)
        elif report is None:
            self.verdict.setText(self.tr("%Ln record(s). Press “Verify the ledger” to check that none was "
                                         "changed, removed or inserted.", "", self.model.rowCount()))
            self.verdict.setStyleSheet(VERDICT_IDLE_STYLE)
        elif report.ok:
            self.verdict.setText(self.tr("✔ Ledger intact: all %Ln record(s) are authentic and none is "
                                         "missing.", "", report.entries))
            self.verdict.setStyleSheet(VERDICT_OK_STYLE)
        else:
            lines = "\n".join(
                self.tr("• Record {seq} of workstation {workstation}: {problem}").format(
                    seq=p.seq, workstation=p.workstation, problem=p.problem)
                for p in report.problems)
            self.verdict.setText(self.tr("✘ The ledger has been tampered with. Problem records:\n{lines}").format(
                lines=lines))
            self.verdict.setStyleSheet(VERDICT_BAD_STYLE)

    def _show_record_details(self) -> None:
        """The chosen record (the newest shown when none is chosen) in one sentence, wrapped: its time,
        event, employee and details, which the table's last column can only show cut."""
        current = self.view.currentIndex()
        row = current.row() if current.isValid() else 0
        if not 0 <= row < self.proxy.rowCount():
            self.record_details.setText("")
            return
        text = [str(self.proxy.data(self.proxy.index(row, column)) or "")
                for column in (LedgerModel.TIME, LedgerModel.EVENT, LedgerModel.USER, LedgerModel.DETAILS)]
        self.record_details.setText(self.tr("{time} · {event} · {employee}: {details}").format(
            time=text[0], event=text[1], employee=text[2], details=text[3]))

    @Slot(QModelIndex, QModelIndex)
    def _on_view_current_row_changed(self, _current: QModelIndex, _previous: QModelIndex) -> None:
        self._show_record_details()

    @Slot(str)
    def _on_search_text_changed(self, text: str) -> None:
        self.proxy.setFilterFixedString(text)

    @Slot(int)
    def _on_event_filter_current_index_changed(self, _index: int) -> None:
        self.proxy.set_event(self.event_filter.currentData())

    @Slot(int)
    def _on_employee_filter_current_index_changed(self, _index: int) -> None:
        self.proxy.set_employee(self.employee_filter.currentData())

    @Slot()
    def _on_export_button_clicked(self) -> None:
        path = self._ask_trail_path()
        if path is not None:
            self.export_trail(path)

    @Slot()
    def _on_refresh_button_clicked(self) -> None:
        self.reload()

    @Slot()
    def _on_older_button_clicked(self) -> None:
        self.load_older()

    @Slot()
    def _on_verify_button_clicked(self) -> None:
        self.verify()

    @Slot()
    def _on_session_keys_changed(self) -> None:
        self.reload()

    @Slot()
    def _on_session_ledger_changed(self) -> None:
        if self.showing_office():
            self._show_sync_state()  # the office's trail is read again on request (Refresh)
        else:
            self.reload()

    @Slot()
    def _on_session_service_changed(self) -> None:
        was_office = self.showing_office()
        self._fill_sources()
        if was_office or self.showing_office():
            self.reload()

    @Slot(int)
    def _on_source_current_index_changed(self, _index: int) -> None:
        self.reload()

    @Slot()
    def _on_sync_button_clicked(self) -> None:
        self.send_now()

    @Slot(object)
    def _on_office_runner_finished(self, result: object) -> None:
        if isinstance(result, OfficeTrail) and self.showing_office():
            self.office = result
            self.model.set_entries(result.entries)
            self.model.set_problems(result.problems)
            self._fill_filters()
            self._show_verdict()
        self.office_loaded.emit(result)

    @Slot(str)
    def _on_office_runner_failed(self, message: str) -> None:
        self.older_button.setEnabled(True)
        if self.showing_office():
            self.verdict.setText(message)
            self.verdict.setStyleSheet(VERDICT_BAD_STYLE)
        self.service_failed.emit(message)

    @Slot(object)
    def _on_sync_runner_finished(self, result: object) -> None:
        self._show_sync_state()
        self.synced.emit(result)

    @Slot(str)
    def _on_sync_runner_failed(self, message: str) -> None:
        self._show_sync_state()
        self.sync_state.setText(message)
        self.service_failed.emit(message)

    @Slot(object)
    def _on_runner_finished(self, report: object) -> None:
        if isinstance(report, VerifyReport):
            self.last_report = report
            self.model.set_problems(report.problems)
        self._show_verdict()
        self.verified.emit(report)

    @Slot(str)
    def _on_runner_failed(self, message: str) -> None:
        self.verdict.setText(message)
        self.verdict.setStyleSheet(VERDICT_BAD_STYLE)
        self.verify_button.setEnabled(True)
