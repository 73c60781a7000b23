"""What an output cell shows that a recipient could match against what they know about a person.

:class:`Projection` turns a batch of SOURCE values of one column into the texts the output shows
of them under the column's action, reduced to what is the same whatever the export does per row:

* keep: the value itself.
* mask: what ANY watermark rendering shows, the union of the forms. The watermark masks each row in
  one of several equally plausible patterns (139****5678, 139*****678, 13*****5678, ...; an ID's first
  1-4 and last 2-4 characters; a name's hidden characters as *, 某, × or X), keyed per export, so a
  recipient holding several exports of the same customers (monthly lists) sees each row in several
  forms and can put together everything they show; within one export, some rows show the most-shown
  form. The projection counts that union (139****5678, 5101**********123X, 张*明): the tables of
  :mod:`masking.mask_forms` are rectangles, so one of the forms shows exactly the union
  (:func:`masking.mask_forms.most_shown_variant`), rendered by the mask operator itself (the default
  where the value's length carries no mark, as in the export).
* generalize: the generalized value, from the generalize operator itself (same parameters).
* pseudonymize / encrypt / hash: a token is unique per value but nothing outside the export links it
  to a person; what stays knowable is the part the format keeps (an ID number's 6-digit region code,
  a pseudonymized address's district, see ``masking.operators.formats``). An untyped column that was
  made a quasi-identifier keeps its equality (a token per value: rows sharing a value share it).
* drop / redact: nothing.

Blank cells show "" (one more value, as ARX treats missing values).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from masking.cell_text import crypto_text, crypto_texts, identifier_text
from masking.io.model import Value
from masking.kinds import Action, Kind
from masking.mask_forms import most_shown_variant
from masking.name_address import split_region_prefix
from masking.operators import OperatorContext, get_operator, params_from_dict
from masking.operators.base import is_blank
from masking.operators.canonical import canonical_digits
from masking.operators.mask import MaskOperator, MaskParams

__all__ = ["Projection"]

_CONTEXT = OperatorContext("risk")  # mask and generalize use no keys
_TOKENS = frozenset({Action.PSEUDONYMIZE, Action.ENCRYPT, Action.HASH})


class Projection:
    """The shown texts of one column under one action (see the module docstring)."""

    def __init__(self, kind: Kind | None, action: Action, params: Mapping[str, Any] | None = None) -> None:
        self.kind, self.action = kind, action
        typed = params_from_dict(action, params) if params else None
        # the one watermark form that shows what any form shows (0: the default rendering); the operator
        # renders the default where the parameters fix what is kept, as the export does
        middle = isinstance(typed, MaskParams) and typed.name_style == "middle"
        self._variant = most_shown_variant(kind, name_middle=middle) if action is Action.MASK else 0
        self._operator = get_operator(action, kind, typed) if action in (Action.MASK, Action.GENERALIZE) else None

    def shown(self, values: Sequence[Value]) -> list[str]:
        action = self.action
        if action in (Action.DROP, Action.REDACT):
            return [""] * len(values)
        if action is Action.KEEP:
            return crypto_texts(values)  # a blank cell's is "" (NFKC keeps whitespace whitespace)
        if action in _TOKENS:
            return [self._token_part(v) for v in values]
        operator = self._operator
        assert operator is not None  # noqa: S101 - built for mask and generalize in __init__
        if self._variant:
            assert isinstance(operator, MaskOperator)  # noqa: S101 - variants are set for mask only
            out = operator.apply_batch(values, _CONTEXT, variants=[self._variant] * len(values)).values
        else:
            out = operator.apply_batch(values, _CONTEXT).values
        return crypto_texts(out)

    def _token_part(self, value: Value) -> str:
        if is_blank(value):
            return ""
        kind = self.kind
        if kind is None:
            return crypto_text(value)  # a token per value: equality, and so frequencies, remain
        if kind is Kind.ID_NUMBER and self.action is not Action.HASH:
            digits = canonical_digits(kind, value)
            return digits[:6] if digits is not None else ""
        if kind is Kind.ADDRESS and self.action is Action.PSEUDONYMIZE:
            text = identifier_text(value)
            return split_region_prefix(text)[0] if text else ""
        return ""
