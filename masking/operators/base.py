"""What every operator shares: errors, key material, the per-export context and batch results.

An operator is a small class bound to one kind and one typed, frozen parameter record. It is built
and checked (:meth:`Operator.validate`) before any cell is touched, then transforms a column chunk
at a time (:meth:`Operator.apply_batch`). It never mutates the caller's sequence and never puts a
cell value in a message or a log.

The rule for values that are not of the column's kind, shared by every protective action:

* ``None`` and blank text (empty or whitespace only) stay as they are and count as ``blank``;
* a value the action cannot handle in its proper form (``"N/A"``, a malformed number, a date in a
  phone column) is replaced by the action's *fallback*, which is still protective (a keyed token,
  an AES-SIV token or a constant) and counts as ``unparsed``;
* a :class:`~masking.io.model.Damaged` value (Excel cut it to 15 digits) gets the same fallback and
  counts as ``damaged``.

A protective action never returns a non-blank input unchanged. The one exception is by design:
free text in which no PII is found is kept as it is (that is what masking free text means) and
counts as ``clean``, so the caller can report it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Protocol

from masking.crypto import derive_key
from masking.errors import UsageError
from masking.io.model import Damaged, Value
from masking.kinds import Action, Kind

__all__ = [
    "BatchResult",
    "Counts",
    "KeyMaterial",
    "Operator",
    "OperatorContext",
    "OperatorError",
    "OperatorParams",
    "Tally",
    "is_blank",
    "scope_label",
]

FORMAT_VERSION = 1


class OperatorError(UsageError, ValueError):
    """An operator cannot be used as configured (kind not supported, bad parameter).

    A ``UsageError`` (exit code 2) and a ``ValueError``; the message is one line and names no value.
    """


class _MasterLike(Protocol):
    @property
    def key_id(self) -> str: ...

    def subkey(self, purpose: str, length: int = 32) -> bytes: ...


@dataclass(frozen=True)
class KeyMaterial:
    """The sub-keys operators use, and the id of the master they come from.

    Built by the caller from the key ring (``KeyMaterial.from_master(ring.active)``); operators
    never read the keystore. Each operator derives its own working keys from these with HKDF labels,
    so FF1, HMAC and AES-SIV never share a key.
    """

    key_id: str
    pseudonymize: bytes = field(repr=False)
    encrypt: bytes = field(repr=False)
    hash: bytes = field(repr=False)

    def __post_init__(self) -> None:
        for name in ("pseudonymize", "encrypt", "hash"):
            key = getattr(self, name)
            if not isinstance(key, bytes) or len(key) < 16:
                raise OperatorError(f"the {name} sub-key must be at least 16 bytes")

    @classmethod
    def from_master(cls, master: _MasterLike) -> KeyMaterial:
        return cls(
            key_id=master.key_id,
            pseudonymize=master.subkey("pseudonymize"),
            encrypt=master.subkey("encrypt"),
            hash=master.subkey("hash"),
        )

    def working_key(self, purpose: str, label: str, length: int = 32) -> bytes:
        """A key for one primitive of one operator, e.g. ``("pseudonymize", "ff1")``."""
        base = {"pseudonymize": self.pseudonymize, "encrypt": self.encrypt, "hash": self.hash}[purpose]
        return derive_key(base, f"exportguard/operators/{purpose}/{label}/v{FORMAT_VERSION}", length)


@dataclass(frozen=True)
class OperatorContext:
    """Per-export inputs of the keyed operators.

    ``scope`` names who the tokens are for (``"recipient:中国银行城东支行"``, or ``"org"`` when the
    policy wants organisation-wide pseudonyms); it enters every FF1 tweak, HMAC input and AES-SIV
    associated data together with the kind, so scopes and kinds never share tokens.

    ``sealed``: the export seals its encrypted originals to the security office (a managed
    workstation, masking/sealed.py), so encrypt's text tokens need not be reversible here and are
    made one-way (keyed HMAC): the workstation's keys cannot turn them back into the text.
    """

    scope: str
    keys: KeyMaterial | None = None
    sealed: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.scope, str) or not self.scope.strip():
            raise OperatorError("the token scope must be a non-empty string")

    def require_keys(self, action: Action) -> KeyMaterial:
        if self.keys is None:
            raise OperatorError(f"{action.value} needs key material and none was given")
        return self.keys


def scope_label(kind: Kind | None, scope: str, *extra: str) -> bytes:
    """The domain-separation string of one (kind, scope): FF1 tweak, HMAC prefix, SIV data."""
    parts = ["EG", str(FORMAT_VERSION), kind.value if kind is not None else "-", *extra, scope]
    return "\x1f".join(parts).encode("utf-8")


@dataclass(frozen=True)
class Counts:
    """What one batch did to its values (see the module docstring for the rule)."""

    transformed: int = 0
    blank: int = 0
    unparsed: int = 0
    damaged: int = 0
    clean: int = 0  # free text without PII, kept as it is
    failed: int = 0  # decrypt only: tokens that did not authenticate, left as they are

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.transformed + other.transformed,
            self.blank + other.blank,
            self.unparsed + other.unparsed,
            self.damaged + other.damaged,
            self.clean + other.clean,
            self.failed + other.failed,
        )

    def __sub__(self, other: Counts) -> Counts:
        """What is left of these counts without ``other``'s (a canary's share, when it is drawn again)."""
        return Counts(
            self.transformed - other.transformed,
            self.blank - other.blank,
            self.unparsed - other.unparsed,
            self.damaged - other.damaged,
            self.clean - other.clean,
            self.failed - other.failed,
        )

    @property
    def total(self) -> int:
        return self.transformed + self.blank + self.unparsed + self.damaged + self.clean + self.failed


@dataclass
class Tally:
    """Mutable counter an operator fills while it works; frozen into :class:`Counts` at the end."""

    transformed: int = 0
    blank: int = 0
    unparsed: int = 0
    damaged: int = 0
    clean: int = 0
    failed: int = 0

    def freeze(self) -> Counts:
        return Counts(self.transformed, self.blank, self.unparsed, self.damaged, self.clean, self.failed)

    def fallback(self, value: Value) -> None:
        """Count a value that gets the fallback: ``damaged`` or ``unparsed``."""
        if isinstance(value, Damaged):
            self.damaged += 1
        else:
            self.unparsed += 1


@dataclass(frozen=True)
class BatchResult:
    """The transformed chunk (a new list, same length and order) and its counts."""

    values: list[Value]
    counts: Counts


def is_blank(value: Value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())



@dataclass(frozen=True)
class OperatorParams:
    """Base of every operator's parameter record (frozen, typed, validated by the operator)."""


class Operator(ABC):
    """One action bound to one kind (``None`` for a column no kind was found for)."""

    action: ClassVar[Action]
    params_type: ClassVar[type[OperatorParams]] = OperatorParams
    # Kinds the action supports; None in the set means untyped columns too.
    supported: ClassVar[frozenset[Kind | None]] = frozenset({*Kind, None})
    needs_keys: ClassVar[bool] = False
    removes_column: ClassVar[bool] = False

    def __init__(self, kind: Kind | None, params: OperatorParams | None = None) -> None:
        self.kind = kind
        self.params = params if params is not None else self.params_type()

    def __repr__(self) -> str:
        kind = self.kind.value if self.kind is not None else None
        return f"{type(self).__name__}(kind={kind!r}, params={self.params!r})"

    def validate(self) -> None:
        """Raise :class:`OperatorError` (one line) unless this kind and these parameters work."""
        if not isinstance(self.params, self.params_type):
            raise OperatorError(f"{self.action.value} takes {self.params_type.__name__} parameters")
        if self.kind not in self.supported:
            kind = self.kind.value if self.kind is not None else "a column of unknown kind"
            raise OperatorError(f"{self.action.value} is not available for {kind}")
        self._validate_params()

    def _validate_params(self) -> None:  # noqa: B027 - optional hook, most operators have nothing to check
        """Operator-specific parameter checks."""

    @abstractmethod
    def apply_batch(self, values: Sequence[Value], ctx: OperatorContext) -> BatchResult:
        """Transform one column chunk; returns a new list and the counts."""
