"""Qt models over the core's records: the columns of a sheet (with the chosen action), a virtual
preview of its first rows before and after the actions, and the audit ledger.

The models only read frozen records; a user's choice goes to the :class:`~desktop.session.Session`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QBrush, QColor

from desktop.session import Session
from desktop.wording import (
    action_hint,
    action_label,
    confidence_label,
    count_text,
    event_details,
    event_label,
    kind_label,
    role_hint,
    role_label,
)
from masking.detect import ColumnScan, SheetScan
from masking.events import Event
from masking.io.model import Damaged, Value
from masking.kinds import Action
from masking.ledger import LedgerEntry, LedgerProblem
from masking.risk.roles import Role

_Index = QModelIndex | QPersistentModelIndex
_DISPLAY = Qt.ItemDataRole.DisplayRole
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
ACTION_ROLE = Qt.ItemDataRole.UserRole + 2
RISK_ROLE = Qt.ItemDataRole.UserRole + 3  # the column's re-identification role (masking.risk.roles.Role)
PROBLEM_BRUSH = QBrush(QColor("#fde2e1"))
AFTER_BRUSH = QBrush(QColor("#eef6ee"))
MUTED = QBrush(QColor("#8a8a8a"))


def cell_text(value: Value) -> str:
    """A cell as the user would read it in Excel (exact digits, ISO dates)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    if isinstance(value, float):
        return f"{value:.15g}"
    return str(value)


class ColumnsModel(QAbstractTableModel):
    """One row per column of the shown sheet: letter, header, kind, confidence, the chosen action
    (editable through ``ACTION_ROLE``) and the column's role for the re-identification risk (editable
    through ``RISK_ROLE``); choices are stored in the session.

    Signals: only those of QAbstractTableModel.
    """

    LETTER, HEADER, KIND, CONFIDENCE, ACTION, ROLE = range(6)

    def __init__(self, session: Session, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._sheet: SheetScan | None = None

    @property
    def sheet(self) -> SheetScan | None:
        return self._sheet

    def set_sheet(self, sheet: SheetScan | None) -> None:
        self.beginResetModel()
        self._sheet = sheet
        self.endResetModel()

    def refresh_actions(self) -> None:
        if self.rowCount():
            self.dataChanged.emit(self.index(0, self.ACTION), self.index(self.rowCount() - 1, self.ROLE))

    def retranslate(self) -> None:
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, self.columnCount() - 1)
        if self.rowCount():
            self.dataChanged.emit(self.index(0, 0), self.index(self.rowCount() - 1, self.columnCount() - 1))

    def column_scan(self, row: int) -> ColumnScan:
        if self._sheet is None:
            raise IndexError(row)
        return self._sheet.columns[row]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        if parent.isValid() or self._sheet is None:
            return 0
        return len(self._sheet.columns)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else 6

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        if orientation is not Qt.Orientation.Horizontal or role != _DISPLAY:
            return None
        titles = (self.tr("Column"), self.tr("Header"), self.tr("Detected kind"), self.tr("Confidence"),
                  self.tr("Action in the export"), self.tr("Role for the risk"))
        return titles[section] if 0 <= section < len(titles) else None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        flags = super().flags(index)
        if index.isValid() and index.column() in (self.ACTION, self.ROLE):
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(self, index: _Index, role: int = _DISPLAY) -> Any:
        if not index.isValid() or self._sheet is None or not 0 <= index.row() < len(self._sheet.columns):
            return None
        column = self._sheet.columns[index.row()]
        action = self._session.action_for(self._sheet.info.name, column)
        if role in (_DISPLAY, Qt.ItemDataRole.EditRole):
            return self._display(column, index.column(), action)
        if role == ACTION_ROLE:
            return action.value
        if role == RISK_ROLE:
            return self._session.role_for(self._sheet.info.name, column).value
        if role == Qt.ItemDataRole.ToolTipRole:
            if index.column() == self.ROLE:
                return role_hint(self._session.role_for(self._sheet.info.name, column))
            return action_hint(action) if index.column() == self.ACTION else column.verdict.reason
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == self.CONFIDENCE:
            return _RIGHT
        if role == Qt.ItemDataRole.ForegroundRole and column.kind is None and index.column() == self.KIND:
            return MUTED
        return None

    def setData(self, index: _Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if index.isValid() and index.column() == self.ROLE and self._sheet is not None and role == RISK_ROLE:
            column = self._sheet.columns[index.row()]
            self._session.set_role(self._sheet.info.name, column.letter, Role(value))
            self.dataChanged.emit(index, index)
            return True
        if not index.isValid() or index.column() != self.ACTION or self._sheet is None:
            return False
        if role not in (Qt.ItemDataRole.EditRole, ACTION_ROLE) or not isinstance(value, Action | str):
            return False
        column = self._sheet.columns[index.row()]
        self._session.set_action(self._sheet.info.name, column.letter, Action(value))
        self.dataChanged.emit(index, index)
        return True

    def _display(self, column: ColumnScan, section: int, action: Action) -> str | None:
        if section == self.LETTER:
            return self.tr("{letter} (hidden)").format(letter=column.letter) if column.hidden else column.letter
        if section == self.HEADER:
            return column.header if column.header is not None else self.tr("(no header)")
        if section == self.KIND:
            return kind_label(column.kind)
        if section == self.CONFIDENCE:
            return confidence_label(column.verdict.confidence)
        if section == self.ACTION:
            return action_label(action)
        if section == self.ROLE and self._sheet is not None:
            return role_label(self._session.role_for(self._sheet.info.name, column))
        return None


class PreviewModel(QAbstractTableModel):
    """A virtual table over the first rows of one sheet: the values as read and, once the scan has
    classified the columns, as the export will write them. Nothing is a widget per cell.

    ``mode`` is ``"both"`` (each column, then its exported form), ``"before"`` or ``"after"``.

    Signals: only those of QAbstractTableModel.
    """

    MODES = ("both", "before", "after")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._headers: tuple[str | None, ...] = ()
        self._rows: tuple[tuple[Value, ...], ...] = ()
        self._columns: tuple[ColumnScan, ...] = ()
        self._actions: tuple[Action, ...] = ()
        self._after: list[list[Value] | None] = []
        self._left_out: frozenset[int] = frozenset()
        self._not_chosen: frozenset[int] = frozenset()
        self._mode = "both"

    def set_rows(self, headers: Sequence[str | None], rows: Sequence[tuple[Value, ...]]) -> None:
        self.beginResetModel()
        self._headers, self._rows = tuple(headers), tuple(rows)
        self._columns, self._actions, self._after = (), (), []
        self._left_out, self._not_chosen = frozenset(), frozenset()
        self.endResetModel()

    def set_after(
        self, columns: Sequence[ColumnScan], actions: Sequence[Action], after: Sequence[list[Value] | None],
        left_out: frozenset[int] = frozenset(), not_chosen: frozenset[int] = frozenset(),
    ) -> None:
        """The columns' scans, chosen actions and exported values (None: not available without keys);
        the rows (0-based) the export will not write: ``left_out`` (rare rows of a generalization) and
        ``not_chosen`` (outside the rows chosen on the Export page)."""
        self._left_out, self._not_chosen = left_out, not_chosen
        if len(columns) == len(self._columns) and self.rowCount() and self.columnCount():
            # Same shape: update in place, so the view keeps its scroll position and selection.
            self._columns, self._actions, self._after = tuple(columns), tuple(actions), list(after)
            self.dataChanged.emit(self.index(0, 0), self.index(self.rowCount() - 1, self.columnCount() - 1))
            self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, self.columnCount() - 1)
            return
        self.beginResetModel()
        self._columns, self._actions, self._after = tuple(columns), tuple(actions), list(after)
        self.endResetModel()

    def clear(self) -> None:
        self.set_rows((), ())

    @property
    def mode(self) -> str:
        return self._mode

    def set_mode(self, mode: str) -> None:
        if mode in self.MODES and mode != self._mode:
            self.beginResetModel()
            self._mode = mode
            self.endResetModel()

    def retranslate(self) -> None:
        if self.columnCount():
            self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, self.columnCount() - 1)

    @property
    def has_after(self) -> bool:
        return bool(self._after)

    def source_column(self, section: int) -> tuple[int, bool]:
        """(data column index, is the exported form) for a view column."""
        if self._mode == "both":
            return section // 2, section % 2 == 1
        return section, self._mode == "after"

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        if parent.isValid():
            return 0
        return len(self._headers) * 2 if self._mode == "both" else len(self._headers)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        if orientation is Qt.Orientation.Vertical:
            return str(section + 1) if role == _DISPLAY else None
        if not 0 <= section < self.columnCount():
            return None
        index, after = self.source_column(section)
        if role == Qt.ItemDataRole.BackgroundRole and after:
            return AFTER_BRUSH
        if role != _DISPLAY:
            return None
        header = self._headers[index] or self.tr("(no header)")
        if index >= len(self._columns):
            return self.tr("{header}\n(detecting…)").format(header=header) if not after else self.tr("exported")
        column = self._columns[index]
        if after:
            return self.tr("{header} ⟶\n{action}").format(header=header, action=action_label(self._actions[index]))
        if column.kind is None:
            return self.tr("{header}\n{kind}").format(header=header, kind=kind_label(None))
        return self.tr("{header}\n{kind}, {confidence}").format(
            header=header, kind=kind_label(column.kind), confidence=confidence_label(column.verdict.confidence))

    def data(self, index: _Index, role: int = _DISPLAY) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        column, after = self.source_column(index.column())
        row = self._rows[index.row()]
        before = row[column] if column < len(row) else None
        if role == Qt.ItemDataRole.BackgroundRole and after:
            return AFTER_BRUSH
        if not after:
            if role == _DISPLAY:
                return cell_text(before)
            if role == Qt.ItemDataRole.ToolTipRole and isinstance(before, Damaged):
                return self.tr("Excel already cut this number to 15 digits.")
            return None
        values = self._after[column] if column < len(self._after) else None
        action = self._actions[column] if column < len(self._actions) else None
        if index.row() in self._not_chosen or index.row() in self._left_out:
            return self._left_out_data(index.row(), role)
        if role == _DISPLAY:
            if action is Action.DROP:
                return self.tr("(removed)")
            if values is None:
                return self.tr("(keys needed)") if action is not None else ""
            return cell_text(values[index.row()])
        if role == Qt.ItemDataRole.ForegroundRole and (action is Action.DROP or values is None):
            return MUTED
        return None

    def _left_out_data(self, row: int, role: int) -> Any:
        """An exported cell of a row the export does not write: why, muted."""
        chosen = row not in self._not_chosen
        if role == _DISPLAY:
            return self.tr("(row left out)") if chosen else self.tr("(not chosen)")
        if role == Qt.ItemDataRole.ToolTipRole:
            return (self.tr("A rare combination: the accepted generalization leaves this row out of the export.")
                    if chosen else
                    self.tr("Not among the rows chosen under “Export fewer rows”: this row is not exported."))
        return MUTED if role == Qt.ItemDataRole.ForegroundRole else None


_FILE_KEYS: Mapping[str, str] = {Event.TRACE: "leaked_name", Event.REPORT: "report_name"}  # else input_name


class LedgerModel(QAbstractTableModel):
    """The audit ledger, one row per record; records named by a failed verification are marked.

    Times are shown in the local time zone (the records keep UTC). Sort with ``SORT_ROLE`` (times and
    numbers sort as values). Signals: only QAbstractTableModel's.
    """

    TIME, EVENT, USER, EXPORT_ID, RECIPIENT, PURPOSE, ROWS, FILE, RECORD, DETAILS = range(10)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._entries: tuple[LedgerEntry, ...] = ()
        self._problems: dict[tuple[str, int], str] = {}

    def set_entries(self, entries: Sequence[LedgerEntry]) -> None:
        self.beginResetModel()
        self._entries = tuple(entries)
        self._problems = {}
        self.endResetModel()

    def set_problems(self, problems: Sequence[LedgerProblem]) -> None:
        self.beginResetModel()
        self._problems = {(p.workstation, p.seq): p.problem for p in problems}
        self.endResetModel()

    def entry(self, row: int) -> LedgerEntry:
        return self._entries[row]

    def employees(self) -> list[str]:
        """Every employee named in the records, sorted."""
        return sorted({self._body(entry, "user") for entry in self._entries} - {""})

    def retranslate(self) -> None:
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, self.columnCount() - 1)
        if self._entries:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._entries) - 1, self.columnCount() - 1))

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._entries)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else 10

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        if orientation is not Qt.Orientation.Horizontal or role != _DISPLAY:
            return None
        titles = (self.tr("Time"), self.tr("Event"), self.tr("Employee"), self.tr("Export id"), self.tr("Recipient"),
                  self.tr("Purpose"), self.tr("Rows"), self.tr("File"), self.tr("Record"), self.tr("Details"))
        return titles[section] if 0 <= section < len(titles) else None

    def data(self, index: _Index, role: int = _DISPLAY) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._entries):
            return None
        entry = self._entries[index.row()]
        problem = self._problems.get((entry.workstation, entry.seq))
        if role == Qt.ItemDataRole.BackgroundRole and problem is not None:
            return PROBLEM_BRUSH
        if role == Qt.ItemDataRole.ToolTipRole and problem is not None:
            return problem  # the core's words, in English like the records themselves
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == self.TIME:
            return self.tr("{time} UTC").format(time=entry.time[:19].replace("T", " "))
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == self.DETAILS:
            return self._display(entry, self.DETAILS)
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == self.ROWS:
            return _RIGHT
        if role == SORT_ROLE:
            return self._sort_value(entry, index.column())
        if role == _DISPLAY:
            return self._display(entry, index.column())
        return None

    @staticmethod
    def _body(entry: LedgerEntry, key: str) -> str:
        value = entry.body.get(key)
        return "" if value is None else str(value)

    def _display(self, entry: LedgerEntry, section: int) -> str:
        if section == self.TIME:
            return local_minute(entry.time)
        if section == self.EVENT:
            return event_label(entry.event)
        if section == self.USER:
            return self._body(entry, "user")
        if section == self.EXPORT_ID:
            return self._body(entry, "export_id")
        if section == self.RECIPIENT:
            return self._body(entry, "recipient")
        if section == self.PURPOSE:
            return self._body(entry, "purpose")
        if section == self.ROWS:
            rows = entry.body.get("rows")
            return count_text(rows) if isinstance(rows, int) and not isinstance(rows, bool) else ""
        if section == self.FILE:
            return self._body(entry, _FILE_KEYS.get(entry.event, "input_name"))
        if section == self.DETAILS:
            return event_details(entry.event, entry.body)
        return f"{entry.workstation} #{entry.seq}"

    def _sort_value(self, entry: LedgerEntry, section: int) -> Any:
        if section == self.TIME:  # records of one second keep their order in the chain
            return f"{entry.time}#{entry.workstation}#{entry.seq:012d}"
        if section == self.ROWS:
            rows = entry.body.get("rows")
            return rows if isinstance(rows, int) else -1
        if section == self.RECORD:
            return f"{entry.workstation}#{entry.seq:012d}"
        return self._display(entry, section)


def local_minute(utc: str) -> str:
    """A ledger time (UTC, ISO) in the local time zone, to the second: 2026-12-06 17:30:05."""
    try:
        moment = dt.datetime.fromisoformat(utc)
    except ValueError:
        return utc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return f"{moment.astimezone():%Y-%m-%d %H:%M:%S}"


class LedgerFilter(QSortFilterProxyModel):
    """The ledger as the Audit page shows it: one event kind or all, one employee or all, and rows
    holding the search text in any column. Signals: only QSortFilterProxyModel's."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._event: str | None = None
        self._employee: str | None = None
        self.setSortRole(SORT_ROLE)
        self.setFilterKeyColumn(-1)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)

    def set_event(self, event: str | None) -> None:
        self._refilter(lambda: setattr(self, "_event", event or None))

    def set_employee(self, employee: str | None) -> None:
        self._refilter(lambda: setattr(self, "_employee", employee or None))

    def _refilter(self, change: Callable[[], None]) -> None:
        # Qt 6.10 deprecates invalidateFilter() for begin/endFilterChange(); older Qt has only the former
        if hasattr(self, "endFilterChange"):
            self.beginFilterChange()
            change()
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            change()
            self.invalidateFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: _Index) -> bool:
        model = self.sourceModel()
        if isinstance(model, LedgerModel) and (self._event is not None or self._employee is not None):
            entry = model.entry(source_row)
            if self._event is not None and entry.event != self._event:
                return False
            if self._employee is not None and entry.body.get("user") != self._employee:
                return False
        return super().filterAcceptsRow(source_row, source_parent)

    def shown_rows(self) -> list[list[str]]:
        """The rows as shown (filtered and sorted), every column's text."""
        return [[str(self.data(self.index(row, column)) or "") for column in range(self.columnCount())]
                for row in range(self.rowCount())]

    def headers(self) -> list[str]:
        return [str(self.headerData(c, Qt.Orientation.Horizontal)) for c in range(self.columnCount())]
