"""The re-identification risk of an export's output, measured on the full input before anything is
written: one streaming pass per sheet over just the columns that count towards k.

:func:`column_roles` says what each column is (:mod:`masking.risk.roles`); :func:`read_codes` reads
the rows once and keeps, per counted column and per candidate action ("step"), one 64-bit code per
row of what the output would show (:mod:`masking.risk.projection`); :func:`assess` turns the plan's
own steps into k and the prosecutor risk per sheet (:mod:`masking.risk.classes`). Canary rows are
not part of the input and are left out: they are fictitious people, nobody to re-identify.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from masking.detect.freetext import holds_pii
from masking.io.model import Table, Value
from masking.kinds import Action, Kind
from masking.plan import ColumnPlan, Plan
from masking.risk.classes import Codes, RiskFigures, class_sizes, combine, figures, value_codes
from masking.risk.projection import Projection
from masking.risk.roles import Role, counts_in_k, default_role

__all__ = ["CodeCollector", "ColumnRole", "PlanRisk", "SheetCodes", "SheetRisk", "Step", "assess", "collectors",
           "column_roles", "plan_risk", "read_codes"]

BATCH_ROWS = 8192
Step = tuple[Action, tuple[tuple[str, Any], ...]]  # an action and its parameters, as in the plan
Tick = Callable[[int], None]  # told how many rows were read


class _Rows(Protocol):
    def table(self, name: str) -> Table: ...
    def data_rows(self, name: str, table: Table | None = None) -> Iterator[tuple[int, tuple[Value, ...]]]: ...


@dataclass(frozen=True)
class ColumnRole:
    """A column's role in re-identification, and whether it is part of the quasi-identifier tuple."""

    sheet: str
    index: int
    letter: str
    header: str | None
    kind: Kind | None
    action: Action
    role: Role
    counted: bool
    chosen: bool = False  # the role was set by the user or a plan file, not inferred

    @property
    def name(self) -> str:
        """How the risk report names the column: its header, else (no header, or one that holds personal
        data itself) its letter."""
        return self.header if self.header and not holds_pii(self.header) else self.letter

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "index": self.index, "letter": self.letter, "header": self.header,
                "kind": self.kind.value if self.kind else None, "action": self.action.value,
                "role": self.role.value, "counted": self.counted}


def role_of(column: ColumnPlan) -> ColumnRole:
    role = column.role or default_role(column.kind, column.header, column.action)
    return ColumnRole(column.sheet, column.index, column.letter, column.header, column.kind, column.action, role,
                      counts_in_k(role, column.action), column.role is not None)


def column_roles(plan: Plan) -> dict[str, tuple[ColumnRole, ...]]:
    """Every included sheet's columns with their roles."""
    return {sheet.name: tuple(role_of(c) for c in sheet.columns) for sheet in plan.included}


@dataclass(frozen=True)
class SheetRisk:
    """The risk of one output sheet."""

    name: str
    columns: tuple[ColumnRole, ...]
    figures: RiskFigures
    suppressed_rows: int = 0  # rows left out of the output so that every class reaches the threshold

    @property
    def quasi_identifiers(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.counted)

    def below(self, k: int) -> bool:
        """Whether some rows can be singled out by fewer than ``k`` shared quasi-identifier values. A
        sheet without quasi-identifiers never is: its one class only says how small it is."""
        return bool(self.quasi_identifiers) and 0 < self.figures.k < k

    def as_dict(self) -> dict[str, Any]:
        """The ``"risk"`` object of ``scan``/``export --json`` (docs/cli.md)."""
        return {**self.figures.as_dict(), "quasi_identifiers": list(self.quasi_identifiers),
                "suppressed_rows": self.suppressed_rows}


@dataclass(frozen=True)
class PlanRisk:
    """The risk of every included sheet, in plan order."""

    sheets: tuple[SheetRisk, ...]

    @property
    def k(self) -> int:
        """The smallest k over the sheets that have rows (0 when none has)."""
        ks = [s.figures.k for s in self.sheets if s.figures.rows]
        return min(ks) if ks else 0

    def sheet(self, name: str) -> SheetRisk:
        return next(s for s in self.sheets if s.name == name)


@dataclass
class SheetCodes:
    """Per counted column, per step, one code per data row of the sheet (row order)."""

    columns: tuple[ColumnRole, ...]
    steps: dict[int, list[Step]]  # column index -> its candidate steps (step 0: the plan's own)
    codes: dict[int, list[Codes]] = field(default_factory=dict)  # column index -> codes per step
    rows: int = 0

    def keys(self, choice: Mapping[int, int]) -> Codes:
        """The class key of every row when each column takes the step ``choice`` names (default 0)."""
        return combine([self.codes[i][choice.get(i, 0)] for i in sorted(self.codes)], self.rows)


class CodeCollector:
    """The codes of one sheet, fed batch by batch (by a pass of its own, or by the export's pass)."""

    def __init__(self, columns: tuple[ColumnRole, ...], steps: dict[int, list[Step]], known_rows: int) -> None:
        self._columns, self._steps, self._known_rows = columns, steps, known_rows
        kinds = {c.index: c.kind for c in columns}
        self._projections = {i: [Projection(kinds[i], action, dict(params)) for action, params in candidates]
                             for i, candidates in steps.items()}
        self._parts: dict[int, list[list[Codes]]] = {i: [[] for _ in candidates] for i, candidates in steps.items()}
        self._rows = 0

    @property
    def needs_rows(self) -> bool:
        """False when no column counts towards k: the sheet is one class, and no row need be seen."""
        return bool(self._steps)

    def add(self, batch: Sequence[tuple[Value, ...]]) -> None:
        """A batch of source rows (each of the table's width, or shorter: missing cells are blank)."""
        if not self._steps or not batch:
            return
        width = max(self._steps) + 1
        self.add_columns(list(zip(*(row if len(row) >= width else (*row, *(None,) * (width - len(row)))
                                    for row in batch), strict=True)), len(batch))

    def add_columns(self, by_column: Sequence[Sequence[Value]], count: int) -> None:
        """A batch of ``count`` source rows as its columns (a column past the last is blank): the export's
        transform step holds its batches so."""
        if not self._steps or not count:
            return
        blank = (None,) * count
        for i, projections in self._projections.items():
            column = by_column[i] if i < len(by_column) else blank
            for step, projection in enumerate(projections):
                self._parts[i][step].append(value_codes(projection.shown(column)))
        self._rows += count

    def finish(self) -> SheetCodes:
        codes = {i: [np.concatenate(p) if p else np.zeros(0, dtype=np.uint64) for p in per_step]
                 for i, per_step in self._parts.items()}
        return SheetCodes(self._columns, self._steps, codes, self._rows if self._steps else self._known_rows)


def collectors(plan: Plan, ladders: Callable[[ColumnRole, ColumnPlan], list[Step]] | None = None
               ) -> dict[str, CodeCollector]:
    """A collector per included sheet; ``ladders`` adds candidate steps per counted column (generalization)."""
    result = {}
    for sheet in plan.included:
        columns = tuple(role_of(c) for c in sheet.columns)
        steps: dict[int, list[Step]] = {}
        for role, column in zip(columns, sheet.columns, strict=True):
            if role.counted:
                own: Step = (column.action, column.params)
                extra = ladders(role, column) if ladders is not None else []
                steps[column.index] = [own, *(s for s in extra if s != own)]
        result[sheet.name] = CodeCollector(columns, steps, sheet.data_rows)
    return result


def read_codes(workbook: _Rows, plan: Plan, ladders: Callable[[ColumnRole, ColumnPlan], list[Step]] | None = None,
               tick: Tick = lambda _rows: None) -> dict[str, SheetCodes]:
    """One pass per included sheet over its rows (none for a sheet where nothing counts towards k)."""
    result = {}
    for name, collector in collectors(plan, ladders).items():
        if collector.needs_rows:
            batch: list[tuple[Value, ...]] = []
            for _, values in workbook.data_rows(name, workbook.table(name)):
                batch.append(values)
                if len(batch) == BATCH_ROWS:
                    collector.add(batch)
                    tick(len(batch))
                    batch = []
            collector.add(batch)
            tick(len(batch))
        result[name] = collector.finish()
    return result


def plan_risk(codes: Mapping[str, SheetCodes], threshold: int) -> PlanRisk:
    """k and the prosecutor risk of every sheet, each column at its plan's own step."""
    return PlanRisk(tuple(sheet_risk(name, c, threshold) for name, c in codes.items()))


def sheet_risk(name: str, codes: SheetCodes, threshold: int, choice: Mapping[int, int] | None = None) -> SheetRisk:
    sizes, _ = class_sizes(codes.keys(choice or {}))
    return SheetRisk(name, codes.columns, figures(sizes, threshold))


def assess(workbook: _Rows, plan: Plan, threshold: int, tick: Tick = lambda _rows: None) -> PlanRisk:
    """k, rows below ``threshold`` and the prosecutor risk of every included sheet, as the plan stands."""
    return plan_risk(read_codes(workbook, plan, tick=tick), threshold)
