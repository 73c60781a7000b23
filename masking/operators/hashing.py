"""hash: keyed HMAC-SHA256 of the value, as lower-case hex (optionally truncated).

The key is the *hash* sub-key narrowed by HKDF to the kind and the scope, so equal values give
equal hashes within one kind and scope (joins work) and unrelated hashes elsewhere. Digit kinds are
hashed in their canonical form ("139-1234-5678" and "+86 13912345678" hash alike); a digit-kind
value that is not a valid value of its kind is hashed as its text and counts ``unparsed`` (``damaged`` for values
Excel cut): still keyed and one-way, never the input. Text is hashed NFKC-normalised and trimmed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from masking.cell_text import crypto_text
from masking.crypto import HmacSha256, derive_key
from masking.io.model import Damaged, Value
from masking.kinds import Action, Kind
from masking.operators.base import (
    BatchResult,
    Operator,
    OperatorContext,
    OperatorError,
    OperatorParams,
    Tally,
    is_blank,
    scope_label,
)
from masking.operators.canonical import DIGIT_KINDS, canonical_digits, valid_digits

__all__ = ["HashOperator", "HashParams"]


@dataclass(frozen=True)
class HashParams(OperatorParams):
    length: int = 64  # hex characters kept, 16..64


class HashOperator(Operator):
    action = Action.HASH
    params_type = HashParams
    needs_keys = True

    def _validate_params(self) -> None:
        length = getattr(self.params, "length", None)
        if not isinstance(length, int) or isinstance(length, bool) or not 16 <= length <= 64:
            raise OperatorError("hash length must be a whole number of hex characters from 16 to 64")

    def apply_batch(self, values: Sequence[Value], ctx: OperatorContext) -> BatchResult:
        keys = ctx.require_keys(self.action)
        assert isinstance(self.params, HashParams)  # noqa: S101 - checked by validate()
        length = self.params.length
        label = scope_label(self.kind, ctx.scope, "hash").decode("utf-8")
        mac = HmacSha256(derive_key(keys.working_key("hash", "hmac"), label))
        tally = Tally()
        digit_kind: Kind | None = self.kind if self.kind in DIGIT_KINDS else None
        positions: list[int] = []
        texts: list[bytes] = []
        for position, value in enumerate(values):
            if is_blank(value):
                tally.blank += 1
                continue
            canonical = canonical_digits(digit_kind, value) if digit_kind is not None else None
            if canonical is not None and digit_kind is not None and valid_digits(digit_kind, canonical):
                tally.transformed += 1
                texts.append(canonical.encode("ascii"))
            else:
                if digit_kind is not None or isinstance(value, Damaged):
                    tally.fallback(value)
                else:
                    tally.transformed += 1
                texts.append(crypto_text(value).encode("utf-8"))
            positions.append(position)
        out = list(values)
        for position, digest in zip(positions, mac.digest_many(texts), strict=True):
            out[position] = digest.hex()[:length]
        return BatchResult(out, tally.freeze())
