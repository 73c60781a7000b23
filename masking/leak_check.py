"""Every cell that leaves is checked, in the export's own pass.

The scan decides a column's kind from its first 1,000 rows, and a kept column was never looked at
again: a 备注 with tenants' mobiles from row 5,000 on, an ID column blank until row 1,000, a 处理结果
with PII in 2.5 % of its rows (under the free-text bar), phones under a 金额(元) header all left in
clear. So as the rows stream through the transform step, every cell of a column the plan keeps goes
through the scan's validators and free-text finder (:func:`found_kinds`: mobiles and landlines,
resident IDs, bank cards, meter numbers, e-mail addresses, names after cues or with titles,
addresses after 地址), and what is found is handled by the policy's ``[export] found_pii``:

* ``"stop"`` (the default): nothing is committed; the export ends with exit 4 naming each column
  (sheet position and letter: a header may itself hold personal data), kind and number of cells,
  never a value, and how to protect it.
* ``"protect"``: each found cell is protected, the way its kind is by default (a cell that is one
  value, by that kind's default action; text with values inside, by free text's), and the export
  reports it.

What the plan already says a kept column holds (its kind: meter numbers the policy lets leave in
clear; the kinds the scan found inside a text column the user chose to keep) is not a finding. Per
checked column the export's record keeps the cells verified and the kinds found with their counts
(:class:`ColumnCheck`).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from operator import is_not, itemgetter
from typing import Any, cast

import numpy as np

from masking.cell_text import identifier_text
from masking.checksums import PROVINCE_CODES
from masking.detect.freetext import Span, find_pii_kinds_each, find_pii_spans
from masking.io.model import Damaged, Value
from masking.kinds import Action, Kind
from masking.operators import get_operator
from masking.operators.base import Operator, OperatorContext
from masking.plan import ColumnPlan, Plan
from masking.policy import FoundPii
from masking.violations import Violation, violation

__all__ = ["ColumnCheck", "LeakCheck", "checked", "found_in_column", "found_kinds", "leak_verdict", "rechecked"]

_MIN_CHARS = 5  # nothing shorter holds a value the finder knows (a name after a cue: 联系人王伟 is 5)
_CACHE = 1 << 16  # distinct cell texts remembered per process (category columns repeat a few values)


@functools.lru_cache(maxsize=_CACHE)
def _kinds_of_text(text: str) -> tuple[tuple[Kind, ...], bool]:
    """The kinds in ``text``, and whether one value fills the whole text."""
    return _kinds_in(text, find_pii_spans(text))


def _kinds_in(text: str, spans: list[Span]) -> tuple[tuple[Kind, ...], bool]:
    """The kinds of ``spans`` (the finder's, in ``text``), and whether one value fills the whole text."""
    kinds = tuple(dict.fromkeys(span.kind for span in spans))
    whole = len(spans) == 1 and spans[0].start == 0 and spans[0].end == len(text)
    return kinds, whole


def found_kinds(value: Value) -> tuple[Kind, ...]:
    """The kinds of personal data in one cell, as the scan's validators and finder read it."""
    if isinstance(value, Damaged):
        return _damaged_kinds(value)
    if isinstance(value, str):
        if len(value) < _MIN_CHARS:
            return ()
        text = value.strip()
    elif type(value) is int and value >= 100_000:  # a number cell holding a phone, an ID's digits...
        text = str(value)
    elif isinstance(value, float) and value.is_integer() and value >= 100_000:
        text = identifier_text(value) or ""
    else:
        return ()
    return _kinds_of_text(text)[0] if len(text) >= _MIN_CHARS else ()


def found_in_column(values: Sequence[Value]) -> list[tuple[int, tuple[Kind, ...]]]:
    """``(position, found_kinds(value))`` for each cell of ``values`` holding personal data, in order
    of position. The text cells are read together: each distinct text once, by the finder run over
    them all joined (:func:`find_pii_kinds_each`)."""
    types = set(map(type, values))
    if types <= _TEXT_OR_BLANK:
        return _found_in_texts(values, types)
    if types <= _NEVER_FOUND or (types <= _NUMBERS and _all_below(values, _MIN_NUMBER)):
        return []  # blanks, dates, times, booleans and numbers below any identifier: found_kinds reads none
    found: list[tuple[int, tuple[Kind, ...]]] = []
    positions: list[int] = []
    texts: list[str] = []
    for position, value in enumerate(values):
        if type(value) is str:
            if len(value) >= _MIN_CHARS and len(text := value.strip()) >= _MIN_CHARS:
                positions.append(position)
                texts.append(text)
        elif (value is None or type(value) is dt.date or (type(value) is int and value < 100_000)
              or (type(value) is float and not value.is_integer())):
            continue  # what found_kinds answers () for without looking: blanks, dates, amounts, readings
        elif kinds := found_kinds(value):
            found.append((position, kinds))
    distinct = list(dict.fromkeys(texts))  # a category column repeats a few texts
    kinds_of = {distinct[index]: kinds for index, kinds in find_pii_kinds_each(distinct)}
    if kinds_of:
        found.extend((position, kinds_of[text]) for position, text in zip(positions, texts, strict=True)
                     if text in kinds_of)
    found.sort(key=itemgetter(0))  # by position: the tally counts kinds in the order the cells come
    return found


_MIN_NUMBER = 100_000  # a number cell below this holds no identifier (found_kinds)
_TEXT_OR_BLANK = frozenset({str, type(None)})
_NEVER_FOUND = frozenset({type(None), dt.date, dt.datetime, dt.time, bool})  # cells found_kinds reads nothing in
_NUMBERS = frozenset({int, float, bool, type(None)})


def _all_below(values: Sequence[Value], bound: int) -> bool:
    """Whether every number of ``values`` (numbers, booleans and blanks) is below ``bound``, asked in C:
    a column of readings and amounts. (A NaN first compares as nothing and answers False: cell by cell.)"""
    numbers = cast("Iterator[float]", filter(functools.partial(is_not, None), values))
    return bool(max(numbers, default=0) < bound)


def _found_in_texts(values: Sequence[Value], types: set[type]) -> list[tuple[int, tuple[Kind, ...]]]:
    """:func:`found_in_column` of a column of text and blank cells: each text trimmed in C, those of
    ``_MIN_CHARS`` or more read together (:func:`find_pii_kinds_each`, each distinct text once)."""
    cells = cast("Sequence[str | None]", values)
    stripped = ["" if cell is None else cell.strip() for cell in cells] if type(None) in types else list(
        map(str.strip, cast("Sequence[str]", cells)))
    lengths = np.fromiter(map(len, stripped), dtype=np.int64, count=len(stripped))
    positions: list[int] = np.flatnonzero(lengths >= _MIN_CHARS).tolist()
    texts = [stripped[position] for position in positions]
    distinct = list(dict.fromkeys(texts))  # a category column repeats a few texts
    kinds_of = {distinct[index]: found for index, found in find_pii_kinds_each(distinct)}
    if not kinds_of:
        return []
    return [(position, kinds_of[text]) for position, text in zip(positions, texts, strict=True) if text in kinds_of]


def _damaged_kinds(digits: str) -> tuple[Kind, ...]:
    """What a long number Excel cut to 15 digits was: its check digit is gone, so its shape says it."""
    if len(digits) == 18 and digits[:2] in PROVINCE_CODES and digits[6:8] in ("19", "20"):
        return (Kind.ID_NUMBER,)
    if len(digits) == 22:
        return (Kind.METER_ID,)
    if 16 <= len(digits) <= 19:
        return (Kind.BANK_CARD,)
    return ()


@dataclass
class ColumnCheck:
    """What the check saw in one column: cells verified, and per kind the cells holding it."""

    verified: int = 0
    found: dict[str, int] = field(default_factory=dict)
    protected: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"verified": self.verified, "found": dict(self.found), "protected": self.protected}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ColumnCheck:
        return cls(int(data.get("verified", 0)), {str(k): int(v) for k, v in dict(data.get("found", {})).items()},
                   int(data.get("protected", 0)))


def _expected(column: ColumnPlan) -> frozenset[Kind]:
    """What the plan already said the kept column holds (its kind, the kinds the scan found inside
    its text): the user and the policy let those leave, so they are not findings."""
    return frozenset(k for k in (column.kind, *column.inner_kinds) if k is not None)


def checked(column: ColumnPlan) -> bool:
    """Whether the check reads this column's cells: every column the plan keeps as it is."""
    return column.action is Action.KEEP


def rechecked(column: ColumnPlan) -> bool:
    """Whether the check reads what a partial transform left of this column's text: masked or
    generalized free text and addresses keep the rest of each text (pseudonymized text holds
    stand-ins that look like what they replace, so it is not read again)."""
    return column.action in (Action.MASK, Action.GENERALIZE) and column.kind in (Kind.FREE_TEXT, Kind.ADDRESS)


class LeakCheck:
    """The check of one export (one instance per export, inside the transform step)."""

    def __init__(self, mode: FoundPii, defaults: Mapping[Kind, Action]) -> None:
        self.mode = mode
        self._defaults = dict(defaults)
        self._operators: dict[Kind, Operator] = {}
        self.columns: dict[tuple[str, int], ColumnCheck] = {}

    def _operator(self, kind: Kind) -> Operator:
        operator = self._operators.get(kind)
        if operator is None:
            action = self._defaults.get(kind, Action.REDACT)
            if action is Action.KEEP:
                action = Action.REDACT  # a found value never leaves in clear
            operator = self._operators[kind] = get_operator(action, kind)
        return operator

    def check(
        self, column: ColumnPlan, values: Sequence[Value], ctx: OperatorContext, *, skip: Sequence[int] = (),
        transformed: bool = False,
    ) -> Sequence[Value]:
        """Count what ``values`` (a kept column's cells, or with ``transformed`` the text a partial
        transform left) hold; in "protect" mode, the values with every found cell protected (a new
        list), else ``values`` itself. ``skip``: positions of canary rows (copies of what the source
        holds elsewhere, not cells of the source). In transformed text every kind is a finding."""
        tally = self.columns.setdefault((column.sheet, column.index), ColumnCheck())
        tally.verified += len(values) - len(skip)
        expected = frozenset() if transformed else _expected(column)
        hits: list[tuple[int, tuple[Kind, ...]]] = []
        skipped = frozenset(skip)
        for position, kinds in found_in_column(values):
            if position in skipped:
                if self.mode == "protect":
                    hits.append((position, kinds))  # protected like its donor, not counted
            elif any(kind not in expected for kind in kinds):
                hits.append((position, kinds))
        if not hits:
            return values
        for position, kinds in hits:
            if position in skipped:
                continue
            for kind in kinds:
                if kind not in expected:
                    tally.found[kind.value] = tally.found.get(kind.value, 0) + 1
        if self.mode != "protect":
            return values
        out = list(values)
        for position, kinds in hits:
            value = values[position]
            text = value.strip() if isinstance(value, str) else identifier_text(value) or ""
            whole = isinstance(value, Damaged) or _kinds_of_text(text)[1]
            operator = self._operator(kinds[0] if whole else Kind.FREE_TEXT)
            out[position] = operator.apply_batch([value], ctx).values[0]
        tally.protected += sum(1 for position, _ in hits if position not in skipped)
        return out

    def findings(self) -> dict[tuple[str, int], ColumnCheck]:
        """The columns where something was found."""
        return {key: check for key, check in self.columns.items() if check.found}


def leak_verdict(
    plan: Plan, checks: Mapping[tuple[str, int], ColumnCheck], mode: FoundPii
) -> tuple[list[Violation], list[Violation]]:
    """(refusals, notes) for what the check found: in "stop" mode each column with a finding refuses
    the export, in "protect" mode it is a note. A column is named by its sheet's position and its
    letter (a sheet name or a header may itself hold personal data), never by a value."""
    refusals: list[Violation] = []
    notes: list[Violation] = []
    for position, sheet in enumerate(plan.included, 1):
        for column in sheet.columns:
            check = checks.get((column.sheet, column.index))
            if check is None or not check.found:
                continue
            cells = max(check.found.values())
            kinds = tuple(sorted(check.found))
            if mode == "protect":
                notes.append(violation("pii_found_protected", sheet=str(position), column=column.letter,
                                       cells=str(check.protected), kinds=kinds))
            else:
                refusals.append(violation("pii_found_in_kept", sheet=str(position), column=column.letter,
                                          cells=str(cells), kinds=kinds))
    return refusals, notes
