"""The review page: sheets, each column's kind and chosen action, a preview of the first rows before
and after the actions, and the personal data found outside the grid."""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    QTimer,
    Slot,
)
from PySide6.QtGui import QPaintEvent
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionComboBox,
    QStyleOptionViewItem,
    QStylePainter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop.models import ACTION_ROLE, RISK_ROLE, ColumnsModel, PreviewModel, cell_text
from desktop.pages import Page, wrapped_label
from desktop.session import MeasuredRisk, Session, usable_actions
from desktop.wording import (
    action_choice,
    action_hint,
    action_label,
    group_findings,
    risk_texts,
    role_hint,
    role_label,
    rows_text,
    sheet_label,
)
from desktop.workers import TaskRunner, measure_risk
from masking.detect import ColumnScan
from masking.errors import ExportGuardError
from masking.io.model import SheetInfo, Value
from masking.kinds import Action
from masking.risk.roles import Role

log = logging.getLogger(__name__)
_Index = QModelIndex | QPersistentModelIndex


MAX_PREVIEW_COLUMN = 260
RISK_DELAY_MS = 400  # a burst of action changes starts one measurement, not one each
# Stand-ins depend on the recipient: typing one re-keys the preview and the choosers' examples once the
# typing pauses, not on every keystroke (~70 ms each on the GUI thread; bench/README.md)
STANDINS_DELAY_MS = 300
RISK_OK_STYLE = "color: #1d5e20;"
RISK_BAD_STYLE = "color: #9b1c1c;"
RISK_IDLE_STYLE = "color: #555;"


SHORT_TEXT_ROLE = Qt.ItemDataRole.UserRole + 1


class ActionCombo(QComboBox):
    """A chooser whose list shows whole lines (what each action does, with an example) while the closed
    box shows only the chosen action's name, which fits a table cell. Signals: only QComboBox's."""

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QStylePainter(self)
        option = QStyleOptionComboBox()
        self.initStyleOption(option)
        short = self.currentData(SHORT_TEXT_ROLE)
        if isinstance(short, str):
            option.currentText = short
        painter.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, option)
        painter.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, option)


class ChoiceDelegate(QStyledItemDelegate):
    """A drop-down whose item data is the value of the model's ``data_role``; a choice applies at once.

    Signals: only QStyledItemDelegate's.
    """

    data_role: int = ACTION_ROLE

    def setEditorData(self, editor: QWidget, index: _Index) -> None:
        if isinstance(editor, QComboBox):
            position = editor.findData(index.data(self.data_role))
            if position >= 0 and position != editor.currentIndex():
                editor.blockSignals(True)
                editor.setCurrentIndex(position)
                editor.blockSignals(False)

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: _Index) -> None:
        if isinstance(editor, QComboBox) and isinstance(editor.currentData(), str):
            model.setData(index, editor.currentData(), self.data_role)

    @Slot(int)
    def _on_combo_current_index_changed(self, _position: int) -> None:
        editor = self.sender()
        if isinstance(editor, QComboBox):
            self.commitData.emit(editor)


class ActionDelegate(ChoiceDelegate):
    """A drop-down of the actions the policy allows for the row's kind (with an example of each).

    Signals: only QStyledItemDelegate's.
    """

    def __init__(self, session: Session, model: ColumnsModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._model = model

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: _Index) -> QWidget:
        combo = ActionCombo(parent)
        column = self._model.column_scan(index.row())
        sample = self._sample(column)
        for action in usable_actions(self._session.policy, column.kind):
            example = self._example(column, action, sample)
            combo.addItem(action_choice(action, example), action.value)  # Qt keeps a StrEnum as its plain str
            combo.setItemData(combo.count() - 1, action_hint(action), Qt.ItemDataRole.ToolTipRole)
            combo.setItemData(combo.count() - 1, action_label(action), SHORT_TEXT_ROLE)
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.view().setMinimumWidth(combo.view().sizeHintForColumn(0) + 24)  # the list shows whole lines
        combo.currentIndexChanged.connect(self._on_combo_current_index_changed)
        return combo

    def _sample(self, column: ColumnScan) -> Value | None:
        """The column's first non-empty value in the file's first rows (the user's own data, on screen)."""
        sheet = self._model.sheet
        head = self._session.sheet_head(sheet.info.name) if sheet is not None else None
        for row in head.rows if head is not None else ():
            value = row[column.index] if column.index < len(row) else None
            if value is not None and str(value).strip():
                return value
        return None

    def _example(self, column: ColumnScan, action: Action, sample: Value | None) -> tuple[str, str] | None:
        """``sample`` before and after ``action``, by the export's own operator; None without keys."""
        if sample is None:
            return None
        try:
            after = self._session.preview_after(column.kind, action, [sample])
        except ExportGuardError:
            return None
        if after is None:
            return None
        return cell_text(sample), cell_text(after[0])



class RoleDelegate(ChoiceDelegate):
    """A drop-down of the four roles a column can play in re-identification.

    Signals: only QStyledItemDelegate's.
    """

    data_role = RISK_ROLE

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: _Index) -> QWidget:
        combo = QComboBox(parent)
        for role in Role:
            combo.addItem(role_label(role), role.value)
            combo.setItemData(combo.count() - 1, role_hint(role), Qt.ItemDataRole.ToolTipRole)
        combo.currentIndexChanged.connect(self._on_combo_current_index_changed)
        return combo


class ReviewPage(Page):
    """Signals: none (changes go to the session)."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._sheet_name: str | None = None
        self._examples_for: tuple[bool, str] = (False, "")
        self._actions_for: tuple[object, ...] = ()  # the choices and roles the columns and preview show
        self._standins_timer = QTimer(self)
        self._standins_timer.setSingleShot(True)
        self._standins_timer.setInterval(STANDINS_DELAY_MS)
        self._standins_timer.timeout.connect(self._on_standins_timer_timeout)

        self.summary = wrapped_label()
        self.summary.setObjectName("review_summary")
        self.sheet_list = QListWidget()
        self.sheet_list.setWordWrap(True)  # a hidden sheet's mark on its own line, whole, in either language
        self.sheet_list.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.sheet_list.currentRowChanged.connect(self._on_sheet_list_current_row_changed)

        self.columns_model = ColumnsModel(session, self)
        self.columns_view = QTableView()
        self.columns_view.setModel(self.columns_model)
        self.columns_view.setItemDelegateForColumn(ColumnsModel.ACTION, ActionDelegate(session, self.columns_model,
                                                                                       self))
        self.columns_view.setItemDelegateForColumn(ColumnsModel.ROLE, RoleDelegate(self))
        self.columns_view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.columns_view.verticalHeader().setVisible(False)
        header = self.columns_view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(ColumnsModel.ACTION, QHeaderView.ResizeMode.Stretch)
        self.columns_view.selectionModel().currentRowChanged.connect(self._on_columns_view_current_row_changed)

        self.preview_model = PreviewModel(self)
        self.preview_view = QTableView()
        self.preview_view.setModel(self.preview_model)
        self.preview_view.horizontalHeader().setDefaultSectionSize(130)
        self.preview_view.verticalHeader().setDefaultSectionSize(24)
        self.preview_view.setWordWrap(False)
        self.mode_combo = QComboBox()
        self.mode_combo.currentIndexChanged.connect(self._on_mode_combo_current_index_changed)
        self.preview_hint = QLabel()

        self.findings_hint = wrapped_label()
        self.findings_view = QTextBrowser()  # wraps long sentences, unlike a list widget
        self.findings_texts: list[str] = []

        self.sheets_box = QGroupBox()
        QVBoxLayout(self.sheets_box).addWidget(self.sheet_list)
        self.columns_box = QGroupBox()
        columns_layout = QVBoxLayout(self.columns_box)
        columns_layout.addWidget(self.columns_view)
        self.risk_label = wrapped_label()
        self.risk_label.setObjectName("risk_summary")
        self.accept_button = QPushButton()
        self.accept_button.setObjectName("accept_generalization")
        self.accept_button.clicked.connect(self._on_accept_button_clicked)
        risk_bar = QHBoxLayout()
        risk_bar.addWidget(self.risk_label, 1)
        risk_bar.addWidget(self.accept_button, 0, Qt.AlignmentFlag.AlignTop)
        columns_layout.addLayout(risk_bar)
        self.risk_texts: list[str] = []
        self._risk_runner = TaskRunner("risk", self)
        self._risk_runner.finished.connect(self._on_risk_runner_finished)
        self._risk_runner.failed.connect(self._on_risk_runner_failed)
        self._risk_runner.cancelled.connect(self._on_risk_runner_cancelled)
        self._risk_timer = QTimer(self)
        self._risk_timer.setSingleShot(True)
        self._risk_timer.setInterval(RISK_DELAY_MS)
        self._risk_timer.timeout.connect(self._on_risk_timer_timeout)
        self._measured_key: tuple[object, ...] | None = None
        self._risk_held = False  # an export is running: it measures for itself, and the GUI stays fluid
        self.preview_box = QGroupBox()
        preview_layout = QVBoxLayout(self.preview_box)
        bar = QHBoxLayout()
        self.mode_label = QLabel()
        bar.addWidget(self.mode_label)
        bar.addWidget(self.mode_combo)
        bar.addStretch(1)
        bar.addWidget(self.preview_hint)
        preview_layout.addLayout(bar)
        preview_layout.addWidget(self.preview_view)
        self.findings_box = QGroupBox()
        findings_layout = QVBoxLayout(self.findings_box)
        findings_layout.addWidget(self.findings_hint)
        findings_layout.addWidget(self.findings_view)

        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(self.sheets_box)
        top.addWidget(self.columns_box)
        top.setStretchFactor(0, 1)
        top.setStretchFactor(1, 4)
        top.setSizes([250, 750])
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(top)
        right.addWidget(self.preview_box)
        right.addWidget(self.findings_box)
        right.setSizes([250, 240, 180])
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(right, 1)

        session.file_opened.connect(self._on_session_file_opened)
        session.heads_changed.connect(self._on_session_heads_changed)
        session.report_changed.connect(self._on_session_report_changed)
        session.plan_changed.connect(self._on_session_plan_changed)
        session.risk_changed.connect(self._on_session_risk_changed)
        self.retranslate()

    # -- texts ----------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.sheets_box.setTitle(self.tr("Sheets"))
        self.columns_box.setTitle(self.tr("Columns: what each holds, and what the export does with it"))
        self.preview_box.setTitle(self.tr("Preview of the first rows"))
        self.findings_box.setTitle(self.tr("Personal data outside the table"))
        self.mode_label.setText(self.tr("Show:"))
        current = self.mode_combo.currentIndex()
        self.mode_combo.blockSignals(True)
        self.mode_combo.clear()
        self.mode_combo.addItem(self.tr("Before and after"), "both")
        self.mode_combo.addItem(self.tr("Original values"), "before")
        self.mode_combo.addItem(self.tr("As exported"), "after")
        self.mode_combo.setCurrentIndex(max(current, 0))
        self.mode_combo.blockSignals(False)
        self.columns_model.retranslate()
        self.preview_model.retranslate()
        self._show_summary()
        self._show_findings()
        self._show_sheets()
        self._show_preview_hint()
        self._show_risk()

    def shutdown(self) -> None:
        """Stop a measurement in progress and wait for its thread (before the application quits)."""
        self._risk_timer.stop()
        self._standins_timer.stop()
        self._risk_runner.wait()

    def _show_risk(self) -> None:
        session = self._session
        measured = session.risk
        self.accept_button.setText(self.tr("Accept the suggestion"))
        current = measured is not None and measured.key == session.risk_key()
        if session.report is None:
            self.risk_texts = []
            self.risk_label.setText("")
            self.risk_label.setStyleSheet(RISK_IDLE_STYLE)
        elif not current or measured is None:
            rows = sum(sheet.data_rows for sheet in session.report.sheets)
            self.risk_texts = [self.tr("Measuring the re-identification risk over all {rows}…").format(
                rows=rows_text(rows))]
            self.risk_label.setStyleSheet(RISK_IDLE_STYLE)
        else:
            risk = session.output_risk()
            assert risk is not None  # noqa: S101 - measured is current
            accepted = session.generalize and measured.suggestion is not None
            self.risk_texts = risk_texts(risk, measured.threshold, measured.min_k,
                                         measured.suggestion if not accepted else None,
                                         measured.suggestion.changed if accepted and measured.suggestion else ())
            below = any(s.below(measured.threshold) for s in risk.sheets)
            self.risk_label.setStyleSheet(RISK_BAD_STYLE if below and measured.min_k else
                                          RISK_IDLE_STYLE if below else RISK_OK_STYLE)
        if self.risk_texts:
            self.risk_label.setText("\n".join(self.risk_texts))
        can_accept = (current and measured is not None and measured.suggestion is not None
                      and not session.generalize)
        self.accept_button.setVisible(bool(can_accept))

    @Slot()
    def hold_risk(self) -> None:
        """An export started: stop measuring (two passes over the file would compete with the export and
        the window for the interpreter); :meth:`resume_risk` when it ends."""
        self._risk_held = True
        self._risk_timer.stop()
        self._risk_runner.cancel()
        self._measured_key = None

    @property
    def measuring(self) -> bool:
        """A risk measurement is running or about to start."""
        return self._risk_runner.busy or self._risk_timer.isActive()

    @Slot()
    def resume_risk(self) -> None:
        self._risk_held = False
        self._schedule_risk()

    def _schedule_risk(self) -> None:
        session = self._session
        if session.report is None or session.path is None or self._risk_held:
            return
        key = session.risk_key()
        if key == self._measured_key:
            return
        self._measured_key = key
        self._risk_timer.start()

    @Slot()
    def _on_risk_timer_timeout(self) -> None:
        session = self._session
        plan, path = session.plan(), session.path
        if plan is None or path is None:
            return
        key, policy, selection = session.risk_key(), session.policy, session.selection

        def job(progress: Callable[[int, int], None]) -> MeasuredRisk:
            risk, suggestion, threshold, min_k = measure_risk(path, plan, policy, progress, selection)
            return MeasuredRisk(key, risk, suggestion, threshold, min_k)

        self._risk_runner.start(job)

    @Slot(object)
    def _on_risk_runner_finished(self, result: object) -> None:
        if isinstance(result, MeasuredRisk):
            self._session.set_risk(result)

    @Slot()
    def _on_risk_runner_cancelled(self) -> None:
        self._measured_key = None  # measured again when the export ends

    @Slot(str)
    def _on_risk_runner_failed(self, message: str) -> None:
        log.info("risk measurement failed: %s", message)
        self._measured_key = None
        self.risk_label.setText(message)

    @Slot()
    def _on_session_risk_changed(self) -> None:
        self._show_risk()
        self._show_after()  # an accepted generalization changes the exported values and rows

    @Slot()
    def _on_accept_button_clicked(self) -> None:
        self._session.accept_generalization()

    def _show_summary(self) -> None:
        session = self._session
        if session.path is None:
            self.summary.setText(self.tr("Open an Excel or CSV file (toolbar, or drop it on this window) to see "
                                         "what it holds before it leaves the building."))
        elif session.report is None:
            self.summary.setText(self.tr("{name}: reading the file and detecting personal data…").format(
                name=session.path.name))
        else:
            rows = sum(sheet.data_rows for sheet in session.report.sheets)
            self.summary.setText(self.tr("{name}: {sheets}, %Ln data row(s). Check each column's action; the "
                                         "preview shows the result.", "", rows).format(
                name=session.path.name, sheets=self.tr("%n sheet(s)", "", len(session.report.sheets))))

    def _show_preview_hint(self) -> None:
        if self._session.report is None and self._session.heads is not None:
            self.preview_hint.setText(self.tr("Detecting kinds…"))
        elif self._session.report is not None and self._session.ring is None:
            self.preview_hint.setText(self.tr("Unlock the keys (Keys page) to preview the exported values."))
        elif self._session.report is not None and not self._session.recipient.strip():
            self.preview_hint.setText(self.tr("Stand-in values depend on the recipient: enter the recipient on the "
                                              "Export page to see exactly what will be sent."))
        elif self._session.report is not None:
            self.preview_hint.setText(self.tr("The preview shows what {recipient} will receive.").format(
                recipient=self._session.recipient.strip()))
        else:
            self.preview_hint.setText("")

    # -- session changes ------------------------------------------------------------------------

    @Slot(object)
    def _on_session_file_opened(self, _path: object) -> None:
        self._risk_timer.stop()
        self._measured_key = None
        self._sheet_name = None
        self.sheet_list.clear()
        self.columns_model.set_sheet(None)
        self.preview_model.clear()
        self._show_summary()
        self._show_findings()

    @Slot()
    def _on_session_heads_changed(self) -> None:
        # The first rows and the scan come from two workers, in either order: the preview must be
        # filled whichever arrives last.
        self._show_sheets()
        self._show_preview_hint()

    @Slot()
    def _on_session_report_changed(self) -> None:
        self._show_summary()
        self._show_findings()
        self._show_preview_hint()
        if self._session.report is not None:
            self._show_sheets()
        self._schedule_risk()
        self._show_risk()

    @Slot()
    def _on_session_plan_changed(self) -> None:
        session = self._session
        keyed = (session.ring is not None, session.scope())
        if keyed[0] != self._examples_for[0]:
            self._refresh_standins()  # keys unlocked or locked: at once
        elif keyed != self._examples_for:
            self._standins_timer.start()  # the recipient is being typed: once the typing pauses
        actions = (session.choices(), session.roles(), id(session.policy), session.selection)
        if actions != self._actions_for:  # not on a keystroke in the recipient or purpose
            self._actions_for = actions
            self.columns_model.refresh_actions()
            self._show_after()
        self._schedule_risk()
        self._show_risk()

    def _refresh_standins(self) -> None:
        self._standins_timer.stop()
        self._open_choosers()
        self._show_after(fit=False)  # the same columns: their widths stay
        self._show_preview_hint()

    @Slot()
    def _on_standins_timer_timeout(self) -> None:
        self._refresh_standins()

    @property
    def standins_pending(self) -> bool:
        """The recipient changed and the preview's stand-ins are about to be re-keyed."""
        return self._standins_timer.isActive()

    # -- sheets, columns, preview ---------------------------------------------------------------

    def _sheet_infos(self) -> list[SheetInfo]:
        session = self._session
        if session.report is not None:
            return [sheet.info for sheet in session.report.sheets]
        return [head.table.sheet for head in session.heads.sheets] if session.heads is not None else []

    def _show_sheets(self) -> None:
        infos = self._sheet_infos()
        keep = self._sheet_name
        self.sheet_list.blockSignals(True)
        self.sheet_list.clear()
        width = max(self.sheet_list.viewport().width() - 12, 120)
        metrics = self.sheet_list.fontMetrics()
        for info in infos:
            item = QListWidgetItem(sheet_label(info, two_lines=True))
            # every line of the name and its mark, whatever fonts they fall back to (a Chinese name above an
            # English mark got a row too short for its second line, and Qt cut it to "客户备份...")
            lines = metrics.boundingRect(QRect(0, 0, width, 10_000), int(Qt.TextFlag.TextWordWrap), item.text())
            item.setSizeHint(QSize(width, lines.height() + 8))
            if info.hidden:
                item.setForeground(Qt.GlobalColor.darkRed)
                item.setToolTip(self.tr("Hidden sheets are not exported."))
            self.sheet_list.addItem(item)
        self.sheet_list.blockSignals(False)
        names = [info.name for info in infos]
        if keep in names:
            row = names.index(keep)
        else:
            row = next((i for i, info in enumerate(infos) if not info.hidden), 0 if infos else -1)
        self._sheet_name = None  # force a refresh of the sheet's views
        self.sheet_list.setCurrentRow(row)
        if row == self.sheet_list.currentRow():
            self._select_sheet(row)

    @Slot(int)
    def _on_sheet_list_current_row_changed(self, row: int) -> None:
        self._select_sheet(row)

    def _select_sheet(self, row: int) -> None:
        infos = self._sheet_infos()
        name = infos[row].name if 0 <= row < len(infos) else None
        if name == self._sheet_name and name is not None:
            return
        self._sheet_name = name
        scan = self._session.sheet_scan(name) if name is not None else None
        self.columns_model.set_sheet(scan)
        self._open_choosers()
        head = self._session.sheet_head(name) if name is not None else None
        if head is not None:
            self.preview_model.set_rows(head.table.headers, head.rows)
            self._fit_preview_columns()
        elif scan is not None:
            self.preview_model.set_rows(scan.table.headers, ())
        else:
            self.preview_model.clear()
        self._show_after()

    def _open_choosers(self) -> None:
        """(Re)build the action choosers: their examples depend on the keys and the recipient."""
        self._examples_for = (self._session.ring is not None, self._session.scope())
        for position in range(self.columns_model.rowCount()):
            index = self.columns_model.index(position, ColumnsModel.ACTION)
            if self.columns_view.isPersistentEditorOpen(index):
                self.columns_view.closePersistentEditor(index)
            self.columns_view.openPersistentEditor(index)
            role = self.columns_model.index(position, ColumnsModel.ROLE)
            if not self.columns_view.isPersistentEditorOpen(role):
                self.columns_view.openPersistentEditor(role)

    def _show_after(self, *, fit: bool = True) -> None:
        name = self._sheet_name
        scan = self._session.sheet_scan(name) if name is not None else None
        head = self._session.sheet_head(name) if name is not None else None
        if scan is None:
            return
        rows = head.rows if head is not None else ()
        steps = [self._session.exported_step(scan.info.name, column) for column in scan.columns]
        actions = [action for action, _ in steps]
        after: list[Any] = []
        for column, (action, params) in zip(scan.columns, steps, strict=True):
            values = [row[column.index] if column.index < len(row) else None for row in rows]
            try:
                after.append(self._session.preview_after(column.kind, action, values, params))
            except ExportGuardError as error:
                log.warning("preview of column %s failed: %s", column.letter, error)
                after.append(None)
        not_chosen, left_out = self._session.row_marks(scan.info.name, rows)
        self.preview_model.set_after(scan.columns, actions, after, left_out, not_chosen)
        if fit:
            self._fit_preview_columns()

    def _fit_preview_columns(self) -> None:
        """Each column as wide as its header and first rows need, within reason (only ~50 rows to measure)."""
        header = self.preview_view.horizontalHeader()
        for section in range(self.preview_model.columnCount()):
            wanted = max(self.preview_view.sizeHintForColumn(section), header.sectionSizeHint(section)) + 8
            header.resizeSection(section, min(wanted, MAX_PREVIEW_COLUMN))

    @Slot(QModelIndex, QModelIndex)
    def _on_columns_view_current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            return
        mode = self.preview_model.mode
        section = current.row() * 2 if mode == "both" else current.row()
        self.preview_view.scrollTo(self.preview_model.index(0, section))
        self.preview_view.selectColumn(section)

    @Slot(int)
    def _on_mode_combo_current_index_changed(self, _position: int) -> None:
        mode = self.mode_combo.currentData()
        if isinstance(mode, str):
            self.preview_model.set_mode(mode)
            self._fit_preview_columns()

    # -- findings -------------------------------------------------------------------------------

    def _show_findings(self) -> None:
        report = self._session.report
        groups = group_findings(report.findings) if report is not None else []
        self.findings_texts = [group.text for group in groups]
        items = "".join(
            '<li style="margin-bottom: 3px; color: {}">{}</li>'.format(
                "#1f3f8f" if group.exported else "#222", html.escape(group.text))
            for group in groups)
        self.findings_view.setHtml(f"<ul style='margin-left: -20px'>{items}</ul>" if groups else "")
        self.findings_view.setVisible(bool(groups))
        if report is None:
            self.findings_hint.setText(self.tr("Personal data hidden outside the table will be listed here.")
                                       if self._session.path is not None else "")
        elif groups:
            self.findings_hint.setText(self.tr(
                "Found personal data in %n place(s) outside the visible table (hidden sheets and columns, "
                "comments, document properties…). The exported file is rebuilt from the table's values only:",
                "", len(groups)))
        else:
            self.findings_hint.setText(self.tr("No personal data found outside the table."))
