"""Qt models over the core's scan records, and the Chinese words for kinds and actions.

The models only read frozen records from ``masking.detect``; they never change them.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QCoreApplication, QModelIndex, QObject, QPersistentModelIndex, Qt

from masking.detect import ColumnScan, Finding, SheetScan
from masking.io.model import Visibility
from masking.kinds import Action, Kind

_Index = QModelIndex | QPersistentModelIndex


def kind_label(kind: Kind | None) -> str:
    """The word a branch-office user knows for a kind; None means the column holds no PII."""
    # Literal translate() calls, one per word, so that pyside6-lupdate finds every source string.
    tr = QCoreApplication.translate
    labels = {
        Kind.PHONE: tr("kinds", "电话号码"),
        Kind.METER_ID: tr("kinds", "电能表资产编号"),
        Kind.ACCOUNT_NO: tr("kinds", "户号"),
        Kind.ID_NUMBER: tr("kinds", "身份证号"),
        Kind.BANK_CARD: tr("kinds", "银行卡号"),
        Kind.PERSON_NAME: tr("kinds", "姓名"),
        Kind.ADDRESS: tr("kinds", "地址"),
        Kind.EMAIL: tr("kinds", "电子邮箱"),
        Kind.SECRET: tr("kinds", "密码"),
        Kind.FREE_TEXT: tr("kinds", "含个人信息的文本"),
    }
    return tr("kinds", "非敏感") if kind is None else labels[kind]


def action_label(action: Action) -> str:
    """The word for what an export does to a column."""
    tr = QCoreApplication.translate
    labels = {
        Action.KEEP: tr("actions", "保留"),
        Action.DROP: tr("actions", "删除"),
        Action.REDACT: tr("actions", "替换为常量"),
        Action.MASK: tr("actions", "遮盖"),
        Action.PSEUDONYMIZE: tr("actions", "假名化"),
        Action.ENCRYPT: tr("actions", "加密"),
        Action.HASH: tr("actions", "哈希"),
        Action.GENERALIZE: tr("actions", "泛化"),
    }
    return labels[action]


def sheet_label(sheet: SheetScan) -> str:
    """A sheet's name, marked when Excel hides it from the user."""
    tr = QCoreApplication.translate
    if sheet.info.visibility is Visibility.VERY_HIDDEN:
        return tr("sheets", "{name} (隐藏，Excel 中无法取消隐藏)").format(name=sheet.info.name)
    if sheet.info.hidden:
        return tr("sheets", "{name} (隐藏)").format(name=sheet.info.name)
    return sheet.info.name


def finding_text(finding: Finding) -> str:
    """One finding outside the grid, in plain words; the location names where, never the value."""
    return QCoreApplication.translate("findings", "{location}：发现{kind}").format(
        location=finding.location, kind=kind_label(finding.kind)
    )


class ColumnsModel(QAbstractTableModel):
    """One row per column of the shown sheet: letter, header, kind, confidence, default action.

    Signals: only those of QAbstractTableModel (a new sheet resets the model).
    """

    LETTER, HEADER, KIND, CONFIDENCE, ACTION = range(5)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._sheet: SheetScan | None = None

    @property
    def sheet(self) -> SheetScan | None:
        return self._sheet

    def set_sheet(self, sheet: SheetScan | None) -> None:
        self.beginResetModel()
        self._sheet = sheet
        self.endResetModel()

    def column_scan(self, row: int) -> ColumnScan:
        if self._sheet is None:
            raise IndexError(row)
        return self._sheet.columns[row]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        if parent.isValid() or self._sheet is None:
            return 0
        return len(self._sheet.columns)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else 5

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation is not Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        titles = (self.tr("列"), self.tr("表头"), self.tr("识别类型"), self.tr("置信度"), self.tr("默认处理"))
        return titles[section] if 0 <= section < len(titles) else None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self._sheet is None or not 0 <= index.row() < len(self._sheet.columns):
            return None
        column = self._sheet.columns[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(column, index.column())
        if role == Qt.ItemDataRole.ToolTipRole:
            return column.verdict.reason  # the core's reason, in English like the logs
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == self.CONFIDENCE:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _display(self, column: ColumnScan, section: int) -> str | None:
        if section == self.LETTER:
            return self.tr("{letter} (隐藏列)").format(letter=column.letter) if column.hidden else column.letter
        if section == self.HEADER:
            return column.header if column.header is not None else self.tr("(无表头)")
        if section == self.KIND:
            return kind_label(column.kind)
        if section == self.CONFIDENCE:
            return f"{column.verdict.confidence:.0%}"
        if section == self.ACTION:
            return action_label(column.default_action)
        return None
