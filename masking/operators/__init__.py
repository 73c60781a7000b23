"""Operators: one small class per action, found by name, built and checked before data is touched.

Usage::

    operator = get_operator(Action.PSEUDONYMIZE, Kind.PHONE)          # validated, or OperatorError
    ctx = OperatorContext(scope="recipient:中国银行城东支行", keys=KeyMaterial.from_master(ring.active))
    result = operator.apply_batch(chunk, ctx)                          # BatchResult(values, counts)

``OPERATORS`` maps each :class:`~masking.kinds.Action` to its class; it is an immutable mapping of
classes, not a registry of live objects. ``params_from_dict`` builds an action's typed parameter
record from plan or policy data (TOML/JSON), refusing unknown names and wrong types.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from masking.kinds import Action, Kind
from masking.operators.base import (
    BatchResult,
    Counts,
    KeyMaterial,
    Operator,
    OperatorContext,
    OperatorError,
    OperatorParams,
)
from masking.operators.encrypt import EncryptionRecord, EncryptOperator, EncryptParams
from masking.operators.generalize import GeneralizeOperator, GeneralizeParams
from masking.operators.hashing import HashOperator, HashParams
from masking.operators.mask import MaskOperator, MaskParams
from masking.operators.pseudonymize import PseudonymizeOperator, PseudonymizeParams
from masking.operators.simple import DropOperator, DropParams, KeepOperator, KeepParams, RedactOperator, RedactParams

__all__ = [
    "OPERATORS",
    "BatchResult",
    "Counts",
    "DropParams",
    "EncryptOperator",
    "EncryptParams",
    "EncryptionRecord",
    "GeneralizeParams",
    "HashParams",
    "KeepParams",
    "KeyMaterial",
    "MaskParams",
    "Operator",
    "OperatorContext",
    "OperatorError",
    "OperatorParams",
    "PseudonymizeParams",
    "RedactParams",
    "get_operator",
    "params_from_dict",
]


def _registry() -> Mapping[Action, type[Operator]]:
    classes: tuple[type[Operator], ...] = (
        KeepOperator,
        DropOperator,
        RedactOperator,
        MaskOperator,
        PseudonymizeOperator,
        EncryptOperator,
        HashOperator,
        GeneralizeOperator,
    )
    table = {cls.action: cls for cls in classes}
    missing = set(Action) - set(table)
    if missing:
        raise RuntimeError(f"no operator for {sorted(a.value for a in missing)}")
    return MappingProxyType(table)


OPERATORS: Mapping[Action, type[Operator]] = _registry()


def get_operator(action: Action | str, kind: Kind | str | None, params: OperatorParams | None = None) -> Operator:
    """The operator for ``action`` bound to ``kind``, validated; raises :class:`OperatorError`."""
    try:
        action = Action(action)
    except ValueError:
        raise OperatorError(f"unknown action {action!r}") from None
    try:
        kind = Kind(kind) if kind is not None else None
    except ValueError:
        raise OperatorError(f"unknown kind {kind!r}") from None
    operator = OPERATORS[action](kind, params)
    operator.validate()
    return operator


def params_from_dict(action: Action | str, data: Mapping[str, Any]) -> OperatorParams:
    """The typed parameters of ``action`` from plain data; unknown or mistyped fields are refused."""
    try:
        cls = OPERATORS[Action(action)].params_type
    except ValueError:
        raise OperatorError(f"unknown action {action!r}") from None
    fields = {field.name: field for field in dataclasses.fields(cls)}
    for name, value in data.items():
        field = fields.get(name)
        if field is None:
            raise OperatorError(f"{Action(action).value} has no parameter {name!r}")
        default = field.default
        expected: tuple[type, ...] = (float, int) if isinstance(default, float) else (type(default),)
        if default is None:
            expected = (int, type(None))  # keep_first / keep_last
        if (isinstance(value, bool) and bool not in expected) or not isinstance(value, expected):
            raise OperatorError(f"{Action(action).value} parameter {name!r} has the wrong type")
    return cls(**data)
