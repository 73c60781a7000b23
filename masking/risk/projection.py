"""What an output cell shows that a recipient could match against what they know about a person.

:class:`Projection` turns a batch of SOURCE values of one column into the texts the output shows
of them under the column's action, reduced to what is the same whatever the export does per row:

* keep: the value itself.
* mask: what EVERY watermark rendering shows. The watermark masks each row in one of several equally
  plausible patterns (139****5678, 1391****678, 139*****678, ...; an ID's first 1-4 and last 2-4
  characters; a name's hidden characters as *, 某, × or X), so
  the pattern is a per-row accident, not information; the projection keeps only the characters
  that all renderings show (139*****678, 5***************1X), computed with the mask operator itself.
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

from masking.cell_text import crypto_text, identifier_text
from masking.io.model import Value
from masking.kinds import Action, Kind
from masking.name_address import split_region_prefix
from masking.operators import OperatorContext, get_operator, params_from_dict
from masking.operators.base import is_blank
from masking.operators.canonical import canonical_digits
from masking.operators.mask import MASK_VARIANTS, MaskOperator, MaskParams, variant_count

__all__ = ["Projection"]

_CONTEXT = OperatorContext("risk")  # mask and generalize use no keys
_TOKENS = frozenset({Action.PSEUDONYMIZE, Action.ENCRYPT, Action.HASH})


def _common(renderings: Sequence[Value | None], char: str) -> str:
    """The characters every rendering shows at each position; ``char`` where they differ."""
    texts = [crypto_text(r) for r in renderings]
    first = texts[0]
    if all(t == first for t in texts):
        return first
    if any(len(t) != len(first) for t in texts):
        return char * len(first)
    return "".join(c if all(t[i] == c for t in texts) else char for i, c in enumerate(first))


class Projection:
    """The shown texts of one column under one action (see the module docstring)."""

    def __init__(self, kind: Kind | None, action: Action, params: Mapping[str, Any] | None = None) -> None:
        self.kind, self.action = kind, action
        typed = params_from_dict(action, params) if params else None
        self._variants = variant_count(kind) if action is Action.MASK and typed is None else 1
        table = MASK_VARIANTS.get(kind) if kind is not None else None
        if self._variants > 1 and table:
            # these variants only move where the kept head and tail end: what all of them show is
            # the shortest head and the shortest tail, one rendering instead of one per variant
            typed = MaskParams(keep_first=min(f for f, _ in table), keep_last=min(t for _, t in table))
            self._variants = 1
        self._operator = get_operator(action, kind, typed) if action in (Action.MASK, Action.GENERALIZE) else None

    def shown(self, values: Sequence[Value]) -> list[str]:
        action = self.action
        if action in (Action.DROP, Action.REDACT):
            return [""] * len(values)
        if action is Action.KEEP:
            return ["" if is_blank(v) else crypto_text(v) for v in values]
        if action in _TOKENS:
            return [self._token_part(v) for v in values]
        operator = self._operator
        assert operator is not None  # noqa: S101 - built for mask and generalize in __init__
        if action is Action.GENERALIZE or self._variants == 1:
            out = operator.apply_batch(values, _CONTEXT).values
            return ["" if is_blank(v) else crypto_text(v) for v in out]
        assert isinstance(operator, MaskOperator)  # noqa: S101 - action is MASK
        char = operator.params.char if hasattr(operator.params, "char") else "*"
        renderings = [operator.apply_batch(values, _CONTEXT, variants=[variant] * len(values)).values
                      for variant in range(self._variants)]
        return ["" if is_blank(v) else _common([r[i] for r in renderings], char) for i, v in enumerate(values)]

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
