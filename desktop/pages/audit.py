"""The audit page: the ledger as a sortable, searchable table, and a verification with a clear verdict."""

from __future__ import annotations

from PySide6.QtCore import QSortFilterProxyModel, Qt, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QHeaderView, QLineEdit, QPushButton, QTableView, QVBoxLayout, QWidget

from desktop.models import SORT_ROLE, LedgerModel
from desktop.pages import VERDICT_BAD_STYLE, VERDICT_IDLE_STYLE, VERDICT_OK_STYLE, Page, wrapped_label
from desktop.session import Session
from desktop.wording import error_message
from desktop.workers import Progress, TaskRunner
from masking.errors import ExportGuardError
from masking.ledger import VerifyReport


class AuditPage(Page):
    """Signals:
        verified(object): the core's ``VerifyReport`` after a verification.
    """

    verified = Signal(object)

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._runner = TaskRunner("verify", self)
        self._runner.finished.connect(self._on_runner_finished)
        self._runner.failed.connect(self._on_runner_failed)
        self.last_report: VerifyReport | None = None

        self.model = LedgerModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.proxy.setFilterKeyColumn(-1)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
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
        self.refresh_button = QPushButton()
        self.refresh_button.clicked.connect(self._on_refresh_button_clicked)
        self.verify_button = QPushButton()
        self.verify_button.clicked.connect(self._on_verify_button_clicked)
        self.verdict = wrapped_label()
        self.verdict.setObjectName("ledger_verdict")

        bar = QHBoxLayout()
        bar.addWidget(self.search, 1)
        bar.addWidget(self.refresh_button)
        bar.addWidget(self.verify_button)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.verdict)
        session.keys_changed.connect(self._on_session_keys_changed)
        session.ledger_changed.connect(self._on_session_ledger_changed)
        self.retranslate()
        self.reload()

    def retranslate(self) -> None:
        self.search.setPlaceholderText(self.tr("Search: recipient, export id, file, employee…"))
        self.refresh_button.setText(self.tr("Refresh"))
        self.verify_button.setText(self.tr("Verify the ledger"))
        self.model.retranslate()
        self._show_verdict()

    def reload(self) -> None:
        ledger = self._session.ledger()
        self.last_report = None
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
        self._show_verdict()

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

    def _show_verdict(self) -> None:
        report = self.last_report
        self.verify_button.setEnabled(self._session.ring is not None and not self._runner.busy)
        if self._session.ring is None:
            self.verdict.setText(self.tr("Unlock the keys (Keys page) to read and verify the ledger."))
            self.verdict.setStyleSheet(VERDICT_IDLE_STYLE)
        elif report is None:
            self.verdict.setText(self.tr("{count} record(s). Press “Verify the ledger” to check that none was "
                                         "changed, removed or inserted.").format(count=self.model.rowCount()))
            self.verdict.setStyleSheet(VERDICT_IDLE_STYLE)
        elif report.ok:
            self.verdict.setText(self.tr("✔ Ledger intact: all {count} record(s) are authentic and none is "
                                         "missing.").format(count=report.entries))
            self.verdict.setStyleSheet(VERDICT_OK_STYLE)
        else:
            lines = "\n".join(
                self.tr("• Record {seq} of workstation {workstation}: {problem}").format(
                    seq=p.seq, workstation=p.workstation, problem=p.problem)
                for p in report.problems)
            self.verdict.setText(self.tr("✘ The ledger has been tampered with. Problem records:\n{lines}").format(
                lines=lines))
            self.verdict.setStyleSheet(VERDICT_BAD_STYLE)

    @Slot(str)
    def _on_search_text_changed(self, text: str) -> None:
        self.proxy.setFilterFixedString(text)

    @Slot()
    def _on_refresh_button_clicked(self) -> None:
        self.reload()

    @Slot()
    def _on_verify_button_clicked(self) -> None:
        self.verify()

    @Slot()
    def _on_session_keys_changed(self) -> None:
        self.reload()

    @Slot()
    def _on_session_ledger_changed(self) -> None:
        self.reload()

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
