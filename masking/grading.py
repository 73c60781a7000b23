"""Data grading: a level per kind of personal data, an export's grade, and the policy's thresholds
per grade.

Levels follow GB/T 43697-2024 (data classification and grading) read together with GB/T 45574-2025
(identifying sensitive personal information), on a four-step scale:

==== =========================== ===========================================================
4    sensitive personal info      id_number, bank_card (financial accounts), secret
                                  (authentication data: service passwords)
3    personal information         phone, person_name, address, email, free_text (holds PII)
2    linkable to a person         account_no (户号), meter_id: identify a supply point, which
                                  identifies a household through the utility's own records
1    other data                   columns of no personal kind
==== =========================== ===========================================================

An export's grade is the highest level among the columns that leave (dropped and redacted columns
do not: nothing of them leaves). The office may change any kind's level in the policy
(``[grading.levels]``) and set, per grade, thresholds that tighten the ``[export]`` ones
(``[grading.thresholds.N]``: ``approval_threshold``, ``require_password``, ``min_k``); the
thresholds that apply to an export are the strictest of ``[export]`` and those of its grade.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Protocol

from masking.errors import UsageError
from masking.kinds import Action, Kind

__all__ = ["DEFAULT_LEVELS", "LEVELS", "GradeRule", "export_grade", "parse_grading"]

LEVELS = (1, 2, 3, 4)
DEFAULT_LEVELS: Mapping[Kind, int] = MappingProxyType({
    Kind.ID_NUMBER: 4, Kind.BANK_CARD: 4, Kind.SECRET: 4,
    Kind.PHONE: 3, Kind.PERSON_NAME: 3, Kind.ADDRESS: 3, Kind.EMAIL: 3, Kind.FREE_TEXT: 3,
    Kind.ACCOUNT_NO: 2, Kind.METER_ID: 2,
})
_UNTYPED_LEVEL = 1
_GONE = frozenset({Action.DROP, Action.REDACT})


@dataclass(frozen=True)
class GradeRule:
    """Thresholds for one grade; None: the grade adds nothing to ``[export]``."""

    approval_threshold: int | None = None
    require_password: bool = False
    min_k: int | None = None


class _Column(Protocol):
    @property
    def kind(self) -> Kind | None: ...

    @property
    def action(self) -> Action: ...


def export_grade(columns: Iterable[_Column], levels: Mapping[Kind, int]) -> int:
    """The highest level among the columns that leave (1 when only unclassified data leaves)."""
    return max((levels[c.kind] if c.kind is not None else _UNTYPED_LEVEL
                for c in columns if c.action not in _GONE), default=_UNTYPED_LEVEL)


def _fail(where: str, message: str) -> UsageError:
    return UsageError(f"policy {where}: {message}")


def parse_count(table: Mapping[str, Any], key: str, where: str, *, least: int = 0) -> int | None:
    """An optional whole number of at least ``least`` (a row count, a k)."""
    value = table.get(key)
    if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < least):
        raise _fail(where, f"'{key}' must be a whole number of at least {least}")
    return value


def parse_grading(data: Mapping[str, Any], where: str) -> tuple[Mapping[Kind, int], Mapping[int, GradeRule]]:
    """The ``[grading]`` table: levels per kind (defaults: :data:`DEFAULT_LEVELS`) and rules per grade."""
    table = data.get("grading", {})
    if not isinstance(table, dict):
        raise _fail(where, "[grading] must be a table")
    levels = dict(DEFAULT_LEVELS)
    given = table.get("levels", {})
    if not isinstance(given, dict):
        raise _fail(where, "[grading.levels] must be a table of kind = level")
    for name, level in given.items():
        try:
            kind = Kind(name)
        except ValueError:
            raise _fail(where, f"[grading.levels]: unknown kind {name!r}") from None
        if level not in LEVELS or isinstance(level, bool):
            raise _fail(where, f"[grading.levels]: the level of {name} must be 1, 2, 3 or 4")
        levels[kind] = level
    rules: dict[int, GradeRule] = {}
    thresholds = table.get("thresholds", {})
    if not isinstance(thresholds, dict):
        raise _fail(where, "[grading.thresholds] must hold one table per grade")
    for name, entry in thresholds.items():
        if name not in {str(level) for level in LEVELS} or not isinstance(entry, dict):
            raise _fail(where, f"[grading.thresholds.{name}]: grades are 1, 2, 3 and 4, each a table")
        inside = f"{where} [grading.thresholds.{name}]"
        unknown = set(entry) - {"approval_threshold", "require_password", "min_k"}
        if unknown:
            raise _fail(inside, f"unknown {'key' if len(unknown) == 1 else 'keys'} {', '.join(sorted(unknown))}")
        password = entry.get("require_password", False)
        if not isinstance(password, bool):
            raise _fail(inside, "'require_password' must be true or false")
        rules[int(name)] = GradeRule(parse_count(entry, "approval_threshold", inside),
                                     password, parse_count(entry, "min_k", inside, least=2))
    return MappingProxyType(levels), MappingProxyType(rules)
