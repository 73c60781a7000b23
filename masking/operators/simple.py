"""keep, drop and redact: the actions that need no key and no parsing.

* keep: the values pass through (copied into a new list); every non-blank value counts
  ``transformed`` (handled), blanks ``blank``.
* drop: the column goes. ``removes_column`` tells the writer; the batch result holds ``None`` for
  every row so that lengths still line up for callers that keep the column's slot.
* redact: every non-blank value becomes one constant text (``[已隐藏]`` by default); blanks stay
  blank. There is nothing to parse, so nothing is ``unparsed``; values Excel cut count ``damaged``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

from masking.io.model import Damaged, Value
from masking.kinds import Action
from masking.operators.base import (
    BatchResult,
    Operator,
    OperatorContext,
    OperatorError,
    OperatorParams,
    Tally,
    is_blank,
)

__all__ = ["DropOperator", "DropParams", "KeepOperator", "KeepParams", "RedactOperator", "RedactParams"]

_MAX_REDACT = 64


@dataclass(frozen=True)
class KeepParams(OperatorParams):
    pass


@dataclass(frozen=True)
class DropParams(OperatorParams):
    pass


@dataclass(frozen=True)
class RedactParams(OperatorParams):
    text: str = "[已隐藏]"


def _count(values: Sequence[Value]) -> Tally:
    """Blank, damaged and other values of a chunk (``is_blank``'s rule; strings are the only maybe-blanks)."""
    kinds = set(map(type, values))
    if not any(issubclass(kind, str) for kind in kinds - {str}):  # no Damaged: the blanks counted in C
        blank = values.count(None) if type(None) in kinds else 0
        if str in kinds:
            cells = values if len(kinds) == 1 else [value for value in values if type(value) is str]
            blank += list(map(str.strip, cast("Sequence[str]", cells))).count("")
        return Tally(transformed=len(values) - blank, blank=blank)
    texts = [value for value in values if isinstance(value, str)]
    blank = sum(1 for value in values if value is None) + sum(1 for text in texts if not text.strip())
    damaged = sum(1 for text in texts if type(text) is Damaged and text.strip())
    return Tally(transformed=len(values) - blank - damaged, blank=blank, damaged=damaged)


class KeepOperator(Operator):
    action = Action.KEEP
    params_type = KeepParams

    def apply_batch(self, values: Sequence[Value], ctx: OperatorContext) -> BatchResult:
        return BatchResult(list(values), _count(values).freeze())


class DropOperator(Operator):
    action = Action.DROP
    params_type = DropParams
    removes_column = True

    def apply_batch(self, values: Sequence[Value], ctx: OperatorContext) -> BatchResult:
        return BatchResult([None] * len(values), _count(values).freeze())


class RedactOperator(Operator):
    action = Action.REDACT
    params_type = RedactParams

    def _validate_params(self) -> None:
        text = getattr(self.params, "text", None)
        if not isinstance(text, str) or not text.strip() or len(text) > _MAX_REDACT:
            raise OperatorError(f"redact text must be non-blank and at most {_MAX_REDACT} characters")

    def apply_batch(self, values: Sequence[Value], ctx: OperatorContext) -> BatchResult:
        assert isinstance(self.params, RedactParams)  # noqa: S101 - checked by validate()
        text = self.params.text
        return BatchResult([value if is_blank(value) else text for value in values], _count(values).freeze())
