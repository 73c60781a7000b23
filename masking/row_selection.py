"""Exporting fewer rows: a range of data rows and/or a filter on one column, honoured while streaming.

When the policy wants an approval for a bulk export, the user can instead send fewer rows: data rows
FIRST to LAST (``export --rows 1-5000``), only the rows whose column equals or contains a text
(``export --where 区县=城东区``, ``--where 备注~欠费``), or both. The selection applies to every
exported sheet:

* row numbers count a sheet's data rows from the first row under its header (1), blank rows not
  counted, which is the order the export writes them in;
* the filter compares the cell's text as a keyed transform reads it (:func:`masking.cell_text.crypto_text`:
  trimmed, full-width forms folded, 12.0 reads 12, a date reads 2024-11-01) with the text given,
  ignoring case; within the range, only the rows that match are kept.

The plan's row counts become the selected counts (:func:`selected_plan`), so the policy check, the
approval, the canary rows and the progress all follow the rows that leave; :class:`SelectedRows` wraps
the open workbook so that every pass of the export (the risk, the data pass) streams only those rows.
The ledger and the approval request record the selection (:meth:`RowSelection.record`): the range,
the column, the match, and the text only when it is not personal data (a filter on an identifier
column, such as part of a mobile number or a name, keeps no text; nor does a text the finder sees as
personal data in a remark or an address column).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal, Protocol

from masking.cell_text import crypto_text
from masking.detect.freetext import holds_pii
from masking.errors import UsageError
from masking.io.model import Table, Value
from masking.kinds import Kind
from masking.plan import ColumnPlan, Plan, find_column

Match = Literal["equals", "contains"]
MATCHES: tuple[Match, ...] = ("equals", "contains")
_RANGE = re.compile(r"^\s*(\d+)\s*-\s*(\d*)\s*$")
TICK_ROWS = 4096  # progress of a counting pass, in rows read
# a filter's text on these columns is part of a person's identifier (a phone's digits, a name): never recorded
IDENTIFIER_KINDS = frozenset({Kind.PHONE, Kind.METER_ID, Kind.ACCOUNT_NO, Kind.ID_NUMBER, Kind.BANK_CARD,
                              Kind.PERSON_NAME, Kind.EMAIL, Kind.SECRET})
MAX_VALUE = 200  # a filter's text, like a recipient, is a short phrase


def _folded(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().casefold()


@dataclass(frozen=True)
class RowFilter:
    """Keep the rows whose ``column`` (a header text or letter, optionally ``Sheet!``) equals or
    contains ``value``."""

    column: str
    value: str
    match: Match = "equals"

    @classmethod
    def parse(cls, text: str) -> RowFilter:
        """``COLUMN=VALUE`` (equals) or ``COLUMN~TEXT`` (contains), split at the first ``=`` or ``~``."""
        cut = min((i for i in (text.find("="), text.find("~")) if i >= 0), default=-1)
        if cut <= 0:
            raise UsageError(f"--where {text!r}: expected COLUMN=VALUE or COLUMN~TEXT")
        column, value = text[:cut].strip(), text[cut + 1:]
        return cls(column, value, "equals" if text[cut] == "=" else "contains").checked("--where")

    def checked(self, where: str) -> RowFilter:
        if not self.column.strip():
            raise UsageError(f"{where}: name the column to filter on")
        if not _folded(self.value):
            raise UsageError(f"{where}: give the text to look for")
        if len(self.value) > MAX_VALUE:
            raise UsageError(f"{where}: the text to look for is longer than {MAX_VALUE} characters")
        if self.match not in MATCHES:
            raise UsageError(f"{where}: unknown match {self.match!r} (equals, contains)")
        return self

    def keeps(self) -> Callable[[Value], bool]:
        """The test one cell passes to be kept."""
        wanted = _folded(self.value)
        if self.match == "equals":
            return lambda value: _folded(crypto_text(value)) == wanted
        return lambda value: wanted in _folded(crypto_text(value))


@dataclass(frozen=True)
class RowSelection:
    """Which data rows of each sheet leave: ``first`` to ``last`` (1-based, inclusive; ``last`` None: to
    the end), and of those only the ones ``where`` keeps. The default selects every row."""

    first: int = 1
    last: int | None = None
    where: RowFilter | None = None

    @classmethod
    def parse(cls, rows: str | None = None, where: str | None = None) -> RowSelection:
        """The CLI's ``--rows FIRST-LAST`` (or ``FIRST-``) and ``--where``; ``UsageError`` when malformed."""
        first, last = 1, None
        if rows is not None:
            found = _RANGE.match(rows)
            if found is None:
                raise UsageError(f"--rows {rows!r}: expected FIRST-LAST, e.g. 1-5000")
            first, last = int(found.group(1)), int(found.group(2)) if found.group(2) else None
        return cls(first, last, RowFilter.parse(where) if where is not None else None).checked("--rows")

    def checked(self, where: str) -> RowSelection:
        if self.first < 1:
            raise UsageError(f"{where}: rows are numbered from 1")
        if self.last is not None and self.last < self.first:
            raise UsageError(f"{where}: the last row ({self.last}) comes before the first ({self.first})")
        return self

    @property
    def everything(self) -> bool:
        return self.first == 1 and self.last is None and self.where is None

    @property
    def ranged(self) -> bool:
        return self.first != 1 or self.last is not None

    def in_range(self, rows: int) -> int:
        """How many of ``rows`` data rows the range covers (before any filter)."""
        end = rows if self.last is None else min(rows, self.last)
        return max(0, end - self.first + 1)

    def record(self, plan: Plan, *, keep_value: bool = False) -> SelectionRecord:
        """The selection as the ledger and the approval request keep it: the filter's text left out when
        it is personal data (``keep_value``: kept, for the user's own screen)."""
        if self.where is None:
            return SelectionRecord(self.first, self.last)
        columns = filter_columns(plan, self.where).values()
        shown = next(iter(columns), None)
        value = self.where.value.strip()
        personal = holds_pii(value) or any(column.kind in IDENTIFIER_KINDS for column in columns)
        return SelectionRecord(self.first, self.last, (shown.shown_header or shown.letter) if shown else "",
                               self.where.match, value if keep_value or not personal else None)


@dataclass(frozen=True)
class SelectionRecord:
    """A selection as records keep it: the range, and the filter's column (as the output shows it),
    match and text; ``value`` is None when the text is personal data itself (never recorded)."""

    first: int = 1
    last: int | None = None
    column: str | None = None  # None: no filter
    match: Match = "equals"
    value: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"first": self.first, "last": self.last}
        if self.column is not None:
            data["where"] = {"column": self.column, "match": self.match, "value": self.value}
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SelectionRecord:
        first, last, where = data.get("first"), data.get("last"), data.get("where")
        record = cls(first if isinstance(first, int) and first >= 1 else 1,
                     last if isinstance(last, int) and not isinstance(last, bool) else None)
        if isinstance(where, Mapping):
            column, match, value = where.get("column"), where.get("match"), where.get("value")
            record = replace(record, column=column if isinstance(column, str) else "",
                             match="contains" if match == "contains" else "equals",
                             value=value if isinstance(value, str) else None)
        return record

    def describe(self) -> str:
        """In English, for the CLI and the logs: ``rows 1-5000 where 区县 = 城东区``."""
        parts = []
        if self.first != 1 or self.last is not None:
            parts.append(f"rows {self.first}-{self.last if self.last is not None else 'end'}")
        if self.column is not None:
            shown = repr(self.value) if self.value is not None else "(a value not recorded: personal data)"
            parts.append(f"where {self.column} {'=' if self.match == 'equals' else 'contains'} {shown}")
        return " ".join(parts) or "all rows"


def filter_columns(plan: Plan, where: RowFilter) -> dict[str, ColumnPlan]:
    """The filter's column in every exported sheet; ``UsageError`` naming the first sheet without it."""
    found = {}
    for position, sheet in enumerate(plan.sheets, 1):
        if not sheet.include:
            continue
        column = find_column(sheet, where.column)
        if column is None:
            shown = f"工作表{position}" if holds_pii(sheet.name) else sheet.name
            raise UsageError(f"--where: sheet {shown!r} has no column {where.column!r} "
                             f"(columns: {', '.join(c.letter for c in sheet.columns)})")
        found[sheet.name] = column
    return found


class _Rows(Protocol):
    def table(self, name: str) -> Table: ...
    def data_rows(self, name: str, table: Table | None = None) -> Iterator[tuple[int, tuple[Value, ...]]]: ...


class SelectedRows:
    """An open workbook whose ``data_rows`` yields only the selected rows of each sheet; every other
    question (sheets, tables, column values for the canaries' source identifiers, the SHA-256) goes to
    the workbook itself."""

    def __init__(self, workbook: Any, plan: Plan, selection: RowSelection) -> None:
        self._workbook = workbook
        self._selection = selection
        columns = filter_columns(plan, selection.where) if selection.where is not None else {}
        self._columns = {name: column.index for name, column in columns.items()}
        self._keeps = selection.where.keeps() if selection.where is not None else None
        self.read = 0  # source data rows read so far, kept or not (a filter's progress)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._workbook, name)

    def table(self, name: str) -> Table:
        table: Table = self._workbook.table(name)
        return table

    def data_rows(self, name: str, table: Table | None = None) -> Iterator[tuple[int, tuple[Value, ...]]]:
        last = self._selection.last
        kept = _keeper(self._selection, self._keeps, self._columns.get(name))
        rows = self._workbook.data_rows(name, table)
        try:
            for ordinal, row in enumerate(rows, 1):
                self.read += 1
                if last is not None and ordinal > last:
                    return  # the rest of the sheet is not read
                if kept(ordinal, row[1]):
                    yield row
        finally:
            close = getattr(rows, "close", None)
            if close is not None:
                close()


def _keeper(selection: RowSelection, keeps: Callable[[Value], bool] | None, index: int | None
            ) -> Callable[[int, tuple[Value, ...]], bool]:
    """Whether the data row numbered ``ordinal`` (from 1) with ``values`` is one ``selection`` keeps."""
    first, last = selection.first, selection.last

    def kept(ordinal: int, values: tuple[Value, ...]) -> bool:
        if ordinal < first or (last is not None and ordinal > last):
            return False
        return keeps is None or index is None or keeps(values[index] if index < len(values) else None)
    return kept


def selected_positions(plan: Plan, selection: RowSelection, sheet: str, rows: Iterable[tuple[Value, ...]]
                       ) -> list[int | None]:
    """For the first data rows of ``sheet`` (its data rows from the first, in order: a preview's), each
    one's 0-based position among the rows ``selection`` keeps, or None for a row it leaves out; the
    positions are those ``--generalize-to-k`` names its left-out rows by. ``UsageError`` as the export
    when an exported sheet lacks the filter's column."""
    index = None
    if selection.where is not None:
        column = filter_columns(plan, selection.where).get(sheet)
        index = column.index if column is not None else None
    kept = _keeper(selection, selection.where.keeps() if selection.where is not None else None, index)
    positions: list[int | None] = []
    chosen = 0
    for ordinal, values in enumerate(rows, 1):
        if kept(ordinal, values):
            positions.append(chosen)
            chosen += 1
        else:
            positions.append(None)
    return positions


def count_selected(workbook: _Rows | None, plan: Plan, selection: RowSelection,
                   tick: Callable[[int], None] = lambda _rows: None) -> dict[str, int]:
    """The rows ``selection`` keeps in each exported sheet: arithmetic for a range (``workbook`` may be
    None), one pass over the sheet's rows (within the range) for a filter. ``tick(rows)`` as rows are read."""
    counts = {}
    if selection.where is None:
        return {sheet.name: selection.in_range(sheet.data_rows) for sheet in plan.included}
    if workbook is None:
        raise ValueError("a filter is counted on an open workbook")
    selected = SelectedRows(workbook, plan, selection)
    reported = 0
    for sheet in plan.included:
        kept = 0
        for _ in selected.data_rows(sheet.name, workbook.table(sheet.name)):
            kept += 1
            if selected.read - reported >= TICK_ROWS:
                tick(selected.read - reported)
                reported = selected.read
        counts[sheet.name] = kept
    tick(selected.read - reported)
    return counts


def selected_plan(plan: Plan, counts: Mapping[str, int]) -> Plan:
    """``plan`` with each exported sheet's row count replaced by the rows selected in it."""
    return Plan(tuple(replace(sheet, data_rows=counts.get(sheet.name, sheet.data_rows)) if sheet.include else sheet
                      for sheet in plan.sheets))
