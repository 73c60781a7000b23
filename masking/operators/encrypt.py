"""encrypt: deterministic, reversible with the key, scoped.

* Digit kinds: FF1 format-preserving encryption through
  :class:`~masking.operators.format_cipher.FormatCipher` under the *encrypt* sub-key; the ciphertext is a
  valid value of its kind (same rules as pseudonymize) and decrypts to the canonical value in the
  same formatting.
* Text kinds (and untyped columns): AES-SIV tokens ``ENC1:`` + unpadded URL-safe base64. The
  associated data is the kind and the scope (not the column: columns move between files and joins
  should survive).
* The fallback for a digit-kind value that does not parse (or that Excel damaged) is the same
  AES-SIV token, so even those decrypt.

The output file records, per encrypted column, an :class:`EncryptionRecord` (kind, key id, scope,
token format); :meth:`EncryptOperator.decrypt_batch` checks it against the key material given, so
decrypt never guesses.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from masking.cell_text import crypto_text
from masking.crypto import DecryptionFailed, HmacSha256, TextCipher
from masking.errors import KeyProblem
from masking.io.model import Damaged, Value
from masking.kinds import Action, Kind
from masking.operators.base import (
    BatchResult,
    Counts,
    KeyMaterial,
    Operator,
    OperatorContext,
    OperatorError,
    OperatorParams,
    Tally,
    is_blank,
    scope_label,
)
from masking.operators.canonical import DIGIT_KINDS
from masking.operators.format_cipher import FormatCipher, format_id

__all__ = ["TOKEN_PREFIX", "EncryptOperator", "EncryptParams", "EncryptionRecord"]

TOKEN_PREFIX = "ENC1:"  # noqa: S105 - a token marker, not a password
# A sealed export's text token: keyed HMAC, restored only from the originals sealed to the office.
ONE_WAY_PREFIX = "ENC2:"


@dataclass(frozen=True)
class EncryptParams(OperatorParams):
    """No options: the kind decides the form; the context's key and scope decide the tokens."""


@dataclass(frozen=True)
class EncryptionRecord:
    """What the output file records about one encrypted column, so decrypt needs no guessing."""

    kind: Kind | None
    key_id: str
    scope: str
    format: str

    def as_dict(self) -> dict[str, str | None]:
        return {
            "kind": self.kind.value if self.kind is not None else None,
            "key_id": self.key_id,
            "scope": self.scope,
            "format": self.format,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EncryptionRecord:
        try:
            kind = Kind(data["kind"]) if data.get("kind") is not None else None
            key_id, scope, token_format = data["key_id"], data["scope"], data["format"]
        except (KeyError, ValueError, TypeError):
            raise OperatorError("the encryption record of a column is damaged") from None
        if not all(isinstance(item, str) and item for item in (key_id, scope, token_format)):
            raise OperatorError("the encryption record of a column is damaged")
        return cls(kind, key_id, scope, token_format)


def _token_format(kind: Kind | None, sealed: bool = False) -> str:
    if kind in DIGIT_KINDS and kind is not None:
        return format_id(kind)
    return "hmac1" if sealed else "siv1"


def _plain(values: Sequence[Value]) -> list[bytes]:
    """The UTF-8 bytes each value is encrypted as: text as it is (so it decrypts to exactly the cell),
    other values by :func:`crypto_text`."""
    if all(issubclass(t, str) for t in set(map(type, values))):
        return list(map(str.encode, values))  # type: ignore[arg-type]  # every value is a str here
    return [v.encode("utf-8") if isinstance(v, str) else crypto_text(v).encode("utf-8") for v in values]


def _non_blank(values: Sequence[Value]) -> list[int]:
    """Positions of the values that are not blank (see :func:`~masking.operators.base.is_blank`)."""
    if set(map(type, values)) <= {str} and "" not in values and not any(map(str.isspace, values)):  # type: ignore[arg-type]
        return list(range(len(values)))  # the usual column: text in every cell, found without a call per value
    # `not v or v.isspace()` is is_blank's `not v.strip()` without building a new string.
    return [i for i, v in enumerate(values) if v is not None and not (isinstance(v, str) and (not v or v.isspace()))]


class _Encryptor:
    def __init__(self, kind: Kind | None, keys: KeyMaterial, scope: str, *, one_way: bool = False) -> None:
        self._kind = kind
        self._siv = TextCipher(keys.working_key("encrypt", "siv", 64))
        self._ad = scope_label(kind, scope, "encrypt", "siv")
        # sealed exports: the office holds the originals, so the text tokens are one-way
        self._mac = HmacSha256(keys.working_key("encrypt", "hmac")) if one_way else None
        self._mac_prefix = scope_label(kind, scope, "encrypt", "hmac") + b"\x00"
        self._fpe = (
            FormatCipher(kind, keys.working_key("encrypt", "fpe"), scope, purpose="encrypt")
            if kind in DIGIT_KINDS and kind is not None
            else None
        )

    def tokens(self, values: Sequence[Value]) -> list[str]:
        if self._mac is not None:
            prefix = self._mac_prefix
            digests = self._mac.digest_many([prefix + plain for plain in _plain(values)])
            return [ONE_WAY_PREFIX + base64.urlsafe_b64encode(d[:16]).decode("ascii").rstrip("=") for d in digests]
        return self._siv.encrypt_many_text(_plain(values), self._ad, TOKEN_PREFIX)

    def untoken(self, token: str) -> str:
        body = token[len(TOKEN_PREFIX) :]
        try:
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
            return self._siv.decrypt(raw, self._ad).decode("utf-8")
        except (binascii.Error, ValueError, UnicodeDecodeError):
            raise DecryptionFailed from None

    def fpe(self, values: Sequence[Value], *, inverse: bool) -> list[Value]:
        if self._fpe is None:
            return [None] * len(values)
        return self._fpe.apply(values, inverse=inverse)


class EncryptOperator(Operator):
    action = Action.ENCRYPT
    params_type = EncryptParams
    needs_keys = True

    def record(self, ctx: OperatorContext) -> EncryptionRecord:
        """The metadata the output file keeps for this column."""
        keys = ctx.require_keys(self.action)
        return EncryptionRecord(self.kind, keys.key_id, ctx.scope, _token_format(self.kind, ctx.sealed))

    def apply_batch(self, values: Sequence[Value], ctx: OperatorContext) -> BatchResult:
        engine = _Encryptor(self.kind, ctx.require_keys(self.action), ctx.scope, one_way=ctx.sealed)
        if self.kind not in DIGIT_KINDS:
            return self._apply_text(values, engine)
        tally = Tally()
        out = list(values)
        made = engine.fpe(values, inverse=False)
        to_token: list[int] = []
        for position, (value, new) in enumerate(zip(values, made, strict=True)):
            if is_blank(value):
                tally.blank += 1
            elif new is not None:
                out[position] = new
                tally.transformed += 1
            else:
                to_token.append(position)
                tally.fallback(value)
        for position, token in zip(to_token, engine.tokens([values[i] for i in to_token]), strict=True):
            out[position] = token
        return BatchResult(out, tally.freeze())

    @staticmethod
    def _apply_text(values: Sequence[Value], engine: _Encryptor) -> BatchResult:
        """Text kinds: every non-blank value becomes a token (the hot path, kept free of per-value calls)."""
        to_token = _non_blank(values)
        damaged = sum(1 for i in to_token if type(values[i]) is not str and isinstance(values[i], Damaged))
        out = np.empty(len(values), dtype=object)
        out[:] = list(values)
        out[to_token] = engine.tokens([values[i] for i in to_token])
        counts = Counts(transformed=len(to_token) - damaged, blank=len(values) - len(to_token), damaged=damaged)
        result: list[Value] = out.tolist()
        return BatchResult(result, counts)

    def decrypt_batch(
        self, values: Sequence[Value], ctx: OperatorContext, record: EncryptionRecord | None = None
    ) -> BatchResult:
        """Invert :meth:`apply_batch` with the same key and scope.

        With ``record`` (read from the encrypted file) the kind, key id, scope and token format are
        checked first: a different key is a :class:`~masking.errors.KeyProblem`, a different kind
        or format an :class:`OperatorError`. Values that are not tokens of this column are left as
        they are and count ``unparsed``; tokens that do not authenticate are left and count ``failed``.
        """
        keys = ctx.require_keys(self.action)
        if record is not None:
            if record.key_id != keys.key_id:
                raise KeyProblem(f"the column was encrypted under key {record.key_id}, not {keys.key_id}")
            if record.kind != self.kind or record.scope != ctx.scope:
                raise OperatorError("the encryption record names another kind or scope than the decrypt request")
            if record.format != _token_format(self.kind):
                expected = _token_format(self.kind)
                raise OperatorError(f"the column uses token format {record.format}, this version reads {expected}")
        engine = _Encryptor(self.kind, keys, ctx.scope)
        tally = Tally()
        out = list(values)
        tokens = [i for i, v in enumerate(values) if isinstance(v, str) and v.startswith(TOKEN_PREFIX)]
        token_set = set(tokens)
        for position in tokens:
            try:
                out[position] = engine.untoken(str(values[position]))
                tally.transformed += 1
            except DecryptionFailed:
                tally.failed += 1
        rest = [i for i in range(len(values)) if i not in token_set]
        plain = engine.fpe([values[i] for i in rest], inverse=True)
        for position, new in zip(rest, plain, strict=True):
            if is_blank(values[position]):
                tally.blank += 1
            elif new is None:
                tally.unparsed += 1
            else:
                out[position] = new
                tally.transformed += 1
        return BatchResult(out, tally.freeze())
