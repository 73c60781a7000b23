"""Grading: levels per kind, an export's grade, and the thresholds a grade tightens."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass

import pytest

from masking.errors import UsageError
from masking.grading import DEFAULT_LEVELS, GradeRule, export_grade
from masking.kinds import Action, Kind
from masking.policy import DEFAULT_POLICY, Policy, parse_policy


@dataclass(frozen=True)
class _Col:
    kind: Kind | None
    action: Action


def _policy(extra: str) -> Policy:
    with DEFAULT_POLICY.open("rb") as handle:
        data = tomllib.load(handle)
    data.update(tomllib.loads(extra))
    return parse_policy(data, "test")


@pytest.mark.parametrize(
    ("columns", "grade"),
    [
        ([_Col(Kind.ID_NUMBER, Action.MASK), _Col(Kind.PHONE, Action.PSEUDONYMIZE)], 4),
        ([_Col(Kind.ID_NUMBER, Action.DROP), _Col(Kind.PHONE, Action.PSEUDONYMIZE)], 3),
        ([_Col(Kind.BANK_CARD, Action.REDACT), _Col(Kind.METER_ID, Action.KEEP), _Col(None, Action.KEEP)], 2),
        ([_Col(None, Action.KEEP)], 1),
        ([], 1),
    ],
)
def test_an_exports_grade_is_the_highest_level_that_leaves(columns: list[_Col], grade: int) -> None:
    assert export_grade(columns, DEFAULT_LEVELS) == grade


def test_policy_levels_and_thresholds_per_grade() -> None:
    policy = _policy("""
[export]
approval_threshold = 5000
min_k = 3
[grading.levels]
meter_id = 4
[grading.thresholds.4]
approval_threshold = 500
require_password = true
min_k = 10
[grading.thresholds.2]
approval_threshold = 9000
""")
    assert policy.levels[Kind.METER_ID] == 4
    assert export_grade([_Col(Kind.METER_ID, Action.KEEP)], policy.levels) == 4
    assert policy.thresholds(4) == GradeRule(500, True, 10)
    assert policy.thresholds(2) == GradeRule(5000, False, 3)  # [export] stays the stricter
    assert policy.thresholds(3) == GradeRule(5000, False, 3)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("[grading.levels]\nphone = 5", "the level of phone must be 1, 2, 3 or 4"),
        ("[grading.levels]\nfax = 3", "unknown kind 'fax'"),
        ("[grading.thresholds.7]\nmin_k = 5", "grades are 1, 2, 3 and 4"),
        ("[grading.thresholds.4]\nmin_k = 1", "'min_k' must be a whole number of at least 2"),
        ("[grading.thresholds.4]\nmax_k = 1", "unknown key max_k"),
        ("[export]\nmin_k = \"five\"", "'min_k' must be a whole number of at least 2"),
        ("[export]\nmax_suppressed = 0.9", "'max_suppressed' must be a share from 0 to 0.5"),
    ],
)
def test_bad_grading_is_a_one_line_usage_error(extra: str, message: str) -> None:
    with pytest.raises(UsageError, match=message.replace("(", r"\(").replace(")", r"\)")):
        _policy(extra)
