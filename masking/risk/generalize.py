"""The generalization that brings an output to a minimum k: coarser places, birth years in bands, and
the few rows that are still rare left out (ARX's full-domain generalization with record suppression).

Each quasi-identifier column has a ladder of steps, from the plan's own action to coarser ones:

* address: the district (the usual generalize / mask), then the city, then the province;
* untyped quasi-identifiers (出生日期, 出生年份, 年龄, 性别...): bands of 5 years (numbers: of width 5),
  then of 10, then redacted;
* an ID number (what a masked or pseudonymized ID still shows): hashed (a keyed token: shows nothing a
  recipient can match), else redacted;
* a direct identifier left in clear: the policy's default action for its kind.

Only steps the policy allows for the kind are tried. Every combination of steps is measured on the
codes :func:`~masking.risk.assess.read_codes` kept (no second pass over the file); the chosen one is
the least generalized (fewest steps in all) whose rows in classes below k are at most
``max_suppressed`` of the sheet, and those rows are suppressed. With many quasi-identifiers (more than
:data:`EXHAUSTIVE_UP_TO` combinations) the search is greedy: one step at a time, on the column that
removes the most rows below k.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from masking.kinds import Action, Kind
from masking.plan import ColumnPlan, Plan
from masking.policy import Policy
from masking.risk.assess import (
    ColumnRole,
    PlanRisk,
    SheetCodes,
    SheetRisk,
    Step,
    Tick,
    column_roles,
    read_codes,
    sheet_risk,
)
from masking.risk.classes import class_sizes, figures
from masking.risk.roles import Role

__all__ = ["EXHAUSTIVE_UP_TO", "Generalization", "assess_and_suggest", "generalize_to_k", "ladder_for"]

EXHAUSTIVE_UP_TO = 256  # combinations of steps measured one by one; above this, greedy
_BANDS: tuple[Step, ...] = (
    (Action.GENERALIZE, (("band_width", 5.0), ("date_level", "band"), ("year_band", 5))),
    (Action.GENERALIZE, (("band_width", 10.0), ("date_level", "band"), ("year_band", 10))),
    (Action.REDACT, ()),
)
_PLACES: tuple[Step, ...] = (
    (Action.GENERALIZE, ()),
    (Action.GENERALIZE, (("address_level", "city"),)),
    (Action.GENERALIZE, (("address_level", "province"),)),
)

def ladder_for(policy: Policy) -> Callable[[ColumnRole, ColumnPlan], list[Step]]:
    """The coarser steps of a counted column that ``policy`` allows (see the module docstring)."""

    def ladder(role: ColumnRole, column: ColumnPlan) -> list[Step]:
        kind = column.kind
        steps: tuple[Step, ...]
        if role.role is Role.DIRECT and column.action is Action.KEEP and kind is not None:
            steps = ((policy.default_action(kind), ()),)
        elif kind is Kind.ADDRESS:
            steps = _PLACES
        elif kind is Kind.ID_NUMBER:
            steps = ((Action.HASH, ()), (Action.REDACT, ()))
        elif kind is None:
            steps = _BANDS
        else:
            steps = ((Action.REDACT, ()),)
        allowed = policy.allowed_actions(kind)
        usable = [s for s in steps if s[0] in allowed]
        return usable[:1] if kind is Kind.ID_NUMBER else usable

    return ladder

@dataclass(frozen=True)
class Generalization:
    """What :func:`generalize_to_k` chose: the plan with coarser steps (its sheets count the rows that
    will be written), the rows to leave out per sheet (0-based data-row ordinals, ascending), and the
    risk of the output so made."""

    plan: Plan
    suppressed: Mapping[str, npt.NDArray[np.int64]]
    risk: PlanRisk
    changed: tuple[tuple[str, str, str], ...]  # (column label, action before, action after with parameters)
    reached: bool  # every sheet reaches k within the suppression limit
    steps: tuple[tuple[str, Step], ...] = ()  # (column label, the step taken), for front ends to word

def _below(codes: SheetCodes, choice: Mapping[int, int], threshold: int) -> int:
    sizes, _ = class_sizes(codes.keys(choice))
    return int(sizes[sizes < threshold].sum())

def _search(codes: SheetCodes, threshold: int, limit: int) -> dict[int, int]:
    """The step per column (index into its steps) with the fewest steps in all that leaves at most
    ``limit`` rows below ``threshold``; the coarsest combination when none does."""
    columns = sorted(codes.codes)
    depths = [len(codes.codes[i]) for i in columns]
    if not columns:
        return {}
    combinations = int(np.prod(depths))
    if combinations <= EXHAUSTIVE_UP_TO:
        best: tuple[int, int, tuple[int, ...]] | None = None
        for levels in itertools.product(*(range(d) for d in depths)):
            below = _below(codes, dict(zip(columns, levels, strict=True)), threshold)
            if below <= limit:
                rank = (sum(levels), below, levels)
                if best is None or rank < best:
                    best = rank
        if best is not None:
            return dict(zip(columns, best[2], strict=True))
        return {i: d - 1 for i, d in zip(columns, depths, strict=True)}
    choice = dict.fromkeys(columns, 0)
    below = _below(codes, choice, threshold)
    while below > limit:
        trials = [(i, _below(codes, {**choice, i: choice[i] + 1}, threshold))
                  for i, d in zip(columns, depths, strict=True) if choice[i] + 1 < d]
        if not trials:
            break
        column, below = min(trials, key=lambda t: (t[1], t[0]))
        choice[column] += 1
    return choice

def _describe(step: Step) -> str:
    action, params = step
    return action.value + (f" ({', '.join(f'{k}={v}' for k, v in params)})" if params else "")

def generalize_to_k(workbook: Any, plan: Plan, policy: Policy, threshold: int, *, max_suppressed: float,
                    tick: Tick = lambda _rows: None) -> Generalization:
    """Choose and apply the generalization that reaches ``threshold`` (one pass over the input)."""
    codes = read_codes(workbook, plan, ladder_for(policy), tick)
    return _choose(codes, plan, threshold, max_suppressed)


def assess_and_suggest(workbook: Any, plan: Plan, policy: Policy, threshold: int, *, max_suppressed: float,
                       tick: Tick = lambda _rows: None) -> tuple[PlanRisk, Generalization]:
    """The plan's own risk and the generalization that would reach ``threshold``, from one pass."""
    codes = read_codes(workbook, plan, ladder_for(policy), tick)
    risk = PlanRisk(tuple(sheet_risk(name, sheet_codes, threshold) for name, sheet_codes in codes.items()))
    return risk, _choose(codes, plan, threshold, max_suppressed)


def _choose(codes: Mapping[str, SheetCodes], plan: Plan, threshold: int, max_suppressed: float) -> Generalization:
    suppressed: dict[str, npt.NDArray[np.int64]] = {}
    risks: list[SheetRisk] = []
    changes: dict[tuple[str, int], Step] = {}
    reached = True
    for name, sheet_codes in codes.items():
        limit = int(max_suppressed * sheet_codes.rows)
        choice = _search(sheet_codes, threshold, limit)
        for index, level in choice.items():
            if level:
                changes[(name, index)] = sheet_codes.steps[index][level]
        sizes, per_row = class_sizes(sheet_codes.keys(choice))
        rare = np.flatnonzero(per_row < threshold).astype(np.int64)
        if not sheet_codes.codes:  # no quasi-identifier: nothing to generalize, nobody singled out
            rare, kept_sizes = np.zeros(0, dtype=np.int64), sizes
        elif rare.size > limit:
            reached = False
            rare = np.zeros(0, dtype=np.int64)
            kept_sizes = sizes
        else:
            kept_sizes = sizes[sizes >= threshold]
        suppressed[name] = rare
        risks.append(SheetRisk(name, sheet_codes.columns, figures(kept_sizes, threshold), int(rare.size)))
    new_plan, changed = _apply(plan, changes, {name: int(rows.size) for name, rows in suppressed.items()})
    labels = {(c.sheet, c.index): c.label for c in plan.columns()}
    steps = tuple((labels[key], step) for key, step in changes.items())
    # the roles follow the new actions (an ID that is hashed is no quasi-identifier any more)
    roles = column_roles(new_plan)
    risk = PlanRisk(tuple(replace(r, columns=roles[r.name]) for r in risks))
    return Generalization(new_plan, suppressed, risk, changed, reached, steps)


def _apply(plan: Plan, changes: Mapping[tuple[str, int], Step],
           suppressed: Mapping[str, int]) -> tuple[Plan, tuple[tuple[str, str, str], ...]]:
    """The plan with the chosen steps, each sheet counting only the rows that will be written."""
    sheets = []
    changed = []
    for sheet in plan.sheets:
        columns = []
        for column in sheet.columns:
            step = changes.get((column.sheet, column.index))
            if step is None:
                columns.append(column)
                continue
            changed.append((column.label, _describe((column.action, column.params)), _describe(step)))
            columns.append(replace(column, action=step[0], params=step[1], source="user"))
        sheets.append(replace(sheet, columns=tuple(columns), data_rows=sheet.data_rows - suppressed.get(sheet.name, 0)))
    return Plan(tuple(sheets)), tuple(changed)
