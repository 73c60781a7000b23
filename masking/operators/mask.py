"""mask: keep the first N and last M characters, hide the rest, in the forms users know.

Defaults per kind (``keep_first``/``keep_last`` override them for the digit kinds and for untyped
columns):

============ ======================= =====================================================
phone         mobile 3 / 4            139****5678, separators kept: 139-****-5678
              landline area code / 4  0571-****6666
id_number     1 / 2                   5***************1X
bank_card     4 / 4                   6222***********1234; 6222 **** **** ***0 123: length and grouping kept
meter_id      5 / 4                   32050*************1234 (the unit code is not personal)
account_no    2 / 3                   12*****789
person_name   surname                 王**, 欧阳*; ``name_style="middle"``: 张*明; Latin: W*** X*******
email         first character         z***@163.com (three mask characters whatever the length)
address       the district            江苏省南京市玄武区**** (four mask characters)
secret        nothing                 ******
free_text     each PII span by kind   联系人王*电话139****5678, the rest kept
(untyped)     0 / 0                   every character masked
============ ======================= =====================================================

Watermark variants: ``apply_batch(values, ctx, variants=[...])`` renders each value in one of several
equally plausible forms (variant 0 is the default above): how many leading and trailing digits of an
18-digit ID, a 22-digit meter or a 10-digit account number stay (:data:`MASK_VARIANTS`: 12, 12 and 8
forms; an ID never shows its birth date, an account never more than its first 3 and last 3), where
a mobile's or landline's stars sit (:func:`~masking.mask_forms.phone_keeps`: 8 forms for a mobile,
each showing part of 139****5678), and for a Chinese name which characters are shown and which mask character stands
for the hidden ones: the star, or 某 / × / X as in court documents and official forms
(:data:`NAME_CHARS`): 张** / 张*明 / 张某某 / 张某明 / 张×× / 张×明 / 张XX / 张X明 for two or more hidden
characters, 张* / 张某 / 张× / 张X for one. Variants apply only where ``keep_first``/``keep_last`` are
not set; the other mask characters only with the star (``*`` or ``＊``) as the mask character.

Fallback: a value that is not of the kind (or that Excel damaged) becomes four mask characters
(``****``) and counts ``unparsed`` (``damaged``). If keeping N and M would leave nothing hidden,
every character is masked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import compress
from typing import Protocol, cast

import numpy as np

from masking.cell_text import crypto_text, identifier_text
from masking.detect.freetext import find_pii_spans
from masking.io.model import Damaged, Value
from masking.kinds import Action, Kind, is_email
from masking.kinds import is_person_name as _is_person_name
from masking.mask_forms import (
    MASK_VARIANTS,
    NAME1_VARIANTS,
    NAME_CHARS,
    phone_head,
    variant_keep,
)
from masking.name_address import split_chinese_name, split_region_prefix
from masking.operators.base import (
    BatchResult,
    Operator,
    OperatorContext,
    OperatorError,
    OperatorParams,
    Tally,
    is_blank,
)
from masking.operators.canonical import canonical_digits, valid_digits, valid_digits_many, with_format

__all__ = ["MASK_VARIANTS", "FormPicker", "MaskOperator", "MaskParams"]

_NAME_STYLES = ("surname", "middle")
_STARS = ("*", "\uff0a")  # mask characters the other name characters may stand in for (read_mark reads both)
_MAX_KEEP = 32
_FREE_TEXT_CACHE = 4096  # distinct free texts remembered per operator


@dataclass(frozen=True)
class MaskParams(OperatorParams):
    keep_first: int | None = None
    keep_last: int | None = None
    char: str = "*"
    name_style: str = "surname"


class FormPicker(Protocol):
    """Chooses the form of a chunk's plain digit values (the watermark's marker, see
    :meth:`MaskOperator.apply_batch`)."""

    def __call__(
        self, positions: Sequence[int], canonicals: Sequence[str], keeps: Sequence[tuple[int, int]]
    ) -> Sequence[tuple[int, int]]:
        """The (keep_first, keep_last) to render each value with, given its position in the chunk, its
        canonical digits (valid values of the kind) and the form it would take otherwise."""
        ...


_DEFAULT_KEEP: dict[Kind | None, tuple[int, int]] = {
    Kind.ID_NUMBER: (1, 2),
    Kind.BANK_CARD: (4, 4),
    Kind.METER_ID: (5, 4),
    Kind.ACCOUNT_NO: (2, 3),
    None: (0, 0),
}


def _hide(text: str, first: int, last: int, char: str) -> str:
    if first + last >= len(text):
        return char * len(text)
    return text[:first] + char * (len(text) - first - last) + text[len(text) - last :]


class MaskOperator(Operator):
    action = Action.MASK
    params_type = MaskParams

    def _validate_params(self) -> None:
        params = self.params
        assert isinstance(params, MaskParams)  # noqa: S101 - checked by validate()
        if not isinstance(params.char, str) or len(params.char) != 1 or params.char.isalnum() or params.char.isspace():
            raise OperatorError("the mask character must be one character that is not a letter, digit or space")
        for name in ("keep_first", "keep_last"):
            keep = getattr(params, name)
            if keep is not None and (not isinstance(keep, int) or isinstance(keep, bool) or not 0 <= keep <= _MAX_KEEP):
                raise OperatorError(f"mask {name} must be a whole number from 0 to {_MAX_KEEP}")
        if params.name_style not in _NAME_STYLES:
            raise OperatorError("mask name_style must be 'surname' or 'middle'")

    def __init__(self, kind: Kind | None, params: OperatorParams | None = None) -> None:
        super().__init__(kind, params)
        self._free_text_cache: dict[str, str | None] = {}  # see _free_text

    @property
    def _params(self) -> MaskParams:
        assert isinstance(self.params, MaskParams)  # noqa: S101 - checked by validate()
        return self.params

    def apply_batch(
        self, values: Sequence[Value], ctx: OperatorContext, *, variants: Sequence[int] | None = None,
        pick: FormPicker | None = None,
    ) -> BatchResult:
        """Mask a chunk; ``variants`` (one per value, 0 = default) picks each value's rendering.

        ``pick`` (digit kinds, default parameters): called once with the chunk's *plain* values (digits
        written as their canonical form, or a whole number cell; valid values of the kind), whose
        masked form is their canonical digits with the chosen ones kept and the rest hidden: it
        chooses their forms before anything is rendered. The other values render as by default.
        """
        if variants is not None and len(variants) != len(values):
            raise OperatorError("mask variants must give one variant per value")
        if self.kind in _DIGIT_KINDS:
            return self._apply_digits(values, variants, pick)
        tally = Tally()
        out = list(values)
        fallback = self._params.char * 4
        for position, value in enumerate(values):
            if is_blank(value):
                tally.blank += 1
                continue
            if isinstance(value, Damaged):
                out[position] = fallback
                tally.damaged += 1
                continue
            if self.kind is Kind.FREE_TEXT:
                masked_text = self._free_text(value if isinstance(value, str) else crypto_text(value))
                if masked_text is None:
                    tally.clean += 1
                else:
                    out[position] = masked_text
                    tally.transformed += 1
                continue
            variant = variants[position] if variants is not None else 0
            masked = self.mask_one(self.kind, value, self._params, variant)
            if masked is None:
                out[position] = fallback
                tally.unparsed += 1
            else:
                out[position] = masked
                tally.transformed += 1
        return BatchResult(out, tally.freeze())

    def _apply_digits(
        self, values: Sequence[Value], variants: Sequence[int] | None, pick: FormPicker | None
    ) -> BatchResult:
        """:meth:`apply_batch` of a digit kind: the plain values (the common case) validated together
        and masked from their canonical form, each other value by :func:`_mask_digits`."""
        kind, params = self.kind, self._params
        assert kind is not None  # noqa: S101 - a digit kind
        tally = Tally()
        out = list(values)
        fallback = params.char * 4
        positions, canonicals = _plain_many(kind, values)
        if len(positions) < len(values):
            plain = set(positions)
            for position, value in enumerate(values):
                if position not in plain:
                    out[position] = self._mask_other(value, variants[position] if variants is not None else 0, tally)
        valid = valid_digits_many(kind, canonicals)
        if not all(valid):
            for position in compress(positions, (not ok for ok in valid)):
                out[position] = fallback
            tally.unparsed += valid.count(False)
            positions, canonicals = list(compress(positions, valid)), list(compress(canonicals, valid))
        tally.transformed += len(positions)
        wanted = [variants[position] for position in positions] if variants is not None else [0] * len(positions)
        keeps = _digit_keeps(kind, canonicals, params, wanted)
        if pick is not None and params.keep_first is None and params.keep_last is None:
            keeps = list(pick(positions, canonicals, keeps))
        for position, masked in zip(positions, _hidden_many(canonicals, keeps, params.char), strict=True):
            out[position] = masked
        return BatchResult(out, tally.freeze())

    def _mask_other(self, value: Value, variant: int, tally: Tally) -> Value:
        """One value of a digit kind that is not plain, masked (or the fallback), and counted."""
        if is_blank(value):
            tally.blank += 1
            return value
        fallback = self._params.char * 4
        if isinstance(value, Damaged):
            tally.damaged += 1
            return fallback
        assert self.kind is not None  # noqa: S101 - a digit kind
        masked = _mask_digits(self.kind, value, self._params, variant)
        if masked is None:
            tally.unparsed += 1
            return fallback
        tally.transformed += 1
        return masked

    def remask(self, values: Sequence[Value], variants: Sequence[int]) -> list[Value | None]:
        """The renderings ``variants`` pick of values this operator has already masked once.

        For the watermark's second rendering: the values are known to be of the kind (their default
        rendering succeeded), so the digit kinds skip validating them again.
        """
        if len(variants) != len(values):
            raise OperatorError("mask variants must give one variant per value")
        kind, params = self.kind, self._params
        if kind in _DIGIT_KINDS:
            return [_mask_digits(kind, value, params, variant, validated=True)
                    for value, variant in zip(values, variants, strict=True)]
        return [self.mask_one(kind, value, params, variant) for value, variant in zip(values, variants, strict=True)]

    def _free_text(self, text: str) -> str | None:
        """The text with each PII span masked by its kind, or None when it holds none.

        Remarks repeat a lot (低保户减免, 催费单已送达): the answers for the latest few thousand
        distinct texts are kept on this operator (an export's lifetime, in memory only).
        """
        cache = self._free_text_cache
        if text in cache:
            return cache[text]
        if len(cache) >= _FREE_TEXT_CACHE:
            cache.clear()
        cache[text] = masked = self._mask_spans(text)
        return masked

    def _mask_spans(self, text: str) -> str | None:
        spans = find_pii_spans(text)
        if not spans:
            return None
        defaults = MaskParams(char=self._params.char, name_style=self._params.name_style)
        parts: list[str] = []
        cursor = 0
        for span in spans:
            piece = text[span.start : span.end]
            masked = self.mask_one(span.kind, piece, defaults)
            parts += [text[cursor : span.start], str(masked) if masked is not None else defaults.char * len(piece)]
            cursor = span.end
        parts.append(text[cursor:])
        return "".join(parts)

    @staticmethod
    def mask_one(  # noqa: PLR0911 - one return per kind reads best
        kind: Kind | None, value: Value, params: MaskParams, variant: int = 0
    ) -> Value | None:
        """The masked form of one non-blank value, or None when it is not of the kind.

        ``variant`` picks one of the equally plausible renderings (see :data:`MASK_VARIANTS`); it is
        ignored where the kind has none or the parameters fix what is kept.
        """
        char = params.char
        if kind is Kind.SECRET:
            return char * 6
        if kind is Kind.PERSON_NAME:
            return _mask_name(value, params, variant)
        if kind is Kind.EMAIL:
            text = identifier_text(value)
            if text is None or not is_email(text):
                return None
            local, domain = text.rsplit("@", 1)
            return f"{local[:1]}{char * 3}@{domain}"
        if kind is Kind.ADDRESS:
            text = identifier_text(value)
            prefix = split_region_prefix(text)[0] if text else ""
            return prefix + char * 4 if prefix else None
        if kind is None or kind is Kind.FREE_TEXT:
            first, last = _DEFAULT_KEEP[None]
            text = crypto_text(value)
            return _hide(text, _pick(params.keep_first, first), _pick(params.keep_last, last), char)
        return _mask_digits(kind, value, params, variant)


def _pick(given: int | None, default: int) -> int:
    return default if given is None else given


_DIGIT_KINDS = frozenset({Kind.PHONE, Kind.ID_NUMBER, Kind.BANK_CARD, Kind.METER_ID, Kind.ACCOUNT_NO})


def _plain_digits(kind: Kind, value: Value) -> str | None:
    """The canonical form of a value written as it (ASCII digits, an ID's trailing X; a whole number
    cell), else None. The common case: identifier_text and canonical_digits give it unchanged, and
    the value's masked form is its canonical form masked (with_format hands that back unchanged)."""
    if type(value) is str:
        digits = value.isdigit() or (kind is Kind.ID_NUMBER and value[-1:] == "X" and value[:-1].isdigit())
        return value if digits and value.isascii() else None
    if type(value) is int and value >= 0:
        return str(value)
    return None


def _plain_many(kind: Kind, values: Sequence[Value]) -> tuple[list[int], list[str]]:
    """(positions, canonical forms) of the values :func:`_plain_digits` reads. A column of text cells
    of one length that are all plain (the common one: digits, an ID's final X) is told so in numpy,
    each cell a row of the bytes of the cells joined, each ending in a newline."""
    count = len(values)
    if count and set(map(type, values)) == {str}:
        texts = cast("Sequence[str]", values)
        joined = "\n".join(texts) + "\n"
        length = len(texts[0])
        if length and joined.isascii() and len(joined) == count * (length + 1) and joined.count("\n") == count:
            rows = np.frombuffer(joined.encode("ascii"), dtype=np.uint8).reshape(count, length + 1)
            digits = rows[:, :length] - np.uint8(_ZERO)  # a byte that is no digit wraps to 10 or more
            last = digits[:, -1]
            x_last = kind is Kind.ID_NUMBER and length > 1
            if (rows[:, length] == _NEWLINE).all() and (digits[:, :-1] < 10).all() \
                    and ((last < 10) | (x_last & (last == _X - _ZERO))).all():
                return list(range(count)), list(texts)  # every cell of one length, digits (and an ID's X)
    positions: list[int] = []
    canonicals: list[str] = []
    for position, value in enumerate(values):
        canonical = _plain_digits(kind, value)
        if canonical is not None:
            positions.append(position)
            canonicals.append(canonical)
    return positions, canonicals


_ZERO, _NEWLINE, _X = ord("0"), ord("\n"), ord("X")


_STAR_ROWS_FROM = 64  # values from which _hidden_many masks in numpy


def _hidden_many(canonicals: Sequence[str], keeps: Sequence[tuple[int, int]], char: str) -> list[str]:
    """:func:`_hide` of each canonical form with its keep. Values of one length and an ASCII mask
    character (the usual chunk) are masked in numpy: each value a row of bytes, every row's hidden
    columns set at once, the rows read back as one text split at the newline ending each."""
    lengths = set(map(len, canonicals))
    if len(canonicals) < _STAR_ROWS_FROM or len(lengths) != 1 or not char.isascii():
        return [_hide(canonical, first, last, char) for canonical, (first, last) in zip(canonicals, keeps, strict=True)]
    length = lengths.pop()
    rows = np.empty((len(canonicals), length + 1), dtype=np.uint8)
    rows[:, :length] = np.frombuffer("".join(canonicals).encode("ascii"), dtype=np.uint8).reshape(-1, length)
    rows[:, length] = ord("\n")
    if len(set(keeps)) == 1:  # one form (no watermark): the same columns hidden in every row
        rows[:, _hidden_columns(*keeps[0], length)] = ord(char)
    else:  # a few forms (the watermark's): each row takes its form's hidden columns
        forms = {keep: index for index, keep in enumerate(dict.fromkeys(keeps))}
        hidden = np.zeros((len(forms), length + 1), dtype=np.bool_)
        for (first, last), index in forms.items():
            hidden[index, _hidden_columns(first, last, length)] = True
        rows[hidden[np.fromiter(map(forms.__getitem__, keeps), dtype=np.intp, count=len(keeps))]] = ord(char)
    texts = rows.tobytes().decode("ascii").split("\n")
    texts.pop()
    return texts


def _hidden_columns(first: int, last: int, length: int) -> slice:
    """The characters :func:`_hide` hides of a text of ``length``: all of them when keeping ``first``
    and ``last`` would leave none hidden."""
    return slice(0, length) if first + last >= length else slice(first, length - last)


def _digit_keep(kind: Kind, canonical: str, params: MaskParams, variant: int = 0) -> tuple[int, int]:
    """How many leading and trailing digits of a valid value stay: the parameters' choice, else the
    ``variant``'s form (:func:`~masking.mask_forms.variant_keep`), else the kind's default."""
    if kind is Kind.PHONE:
        first, last = phone_head(canonical), 4
    else:
        first, last = _DEFAULT_KEEP[kind]
    if params.keep_first is not None:
        first = params.keep_first
    if params.keep_last is not None:
        last = params.keep_last
    if variant and params.keep_first is None and params.keep_last is None:
        first, last = variant_keep(kind, canonical, variant) or (first, last)
    return first, last


def _digit_keeps(
    kind: Kind, canonicals: Sequence[str], params: MaskParams, variants: Sequence[int]
) -> list[tuple[int, int]]:
    """:func:`_digit_keep` of each value. A phone's follows from its digits (its head); any other
    kind's from its length alone, so those are worked out once per length and variant."""
    if kind is Kind.PHONE:
        return [_digit_keep(kind, c, params, variant) for c, variant in zip(canonicals, variants, strict=True)]
    if len(set(map(len, canonicals))) == 1 and len(set(variants)) == 1:  # the usual chunk: one keep for all
        return [_digit_keep(kind, canonicals[0], params, variants[0])] * len(canonicals)
    keys = list(zip(map(len, canonicals), variants, strict=True))
    firsts = dict(zip(reversed(keys), reversed(canonicals), strict=True))  # a value of each key (its first)
    known = {key: _digit_keep(kind, canonical, params, key[1]) for key, canonical in firsts.items()}
    return list(map(known.__getitem__, keys))


def _mask_digits(
    kind: Kind, value: Value, params: MaskParams, variant: int = 0, *, validated: bool = False
) -> Value | None:
    plain = _plain_digits(kind, value)
    if plain is not None:
        canonical = text = plain
    else:
        found, text_found = canonical_digits(kind, value), identifier_text(value)
        if found is None or text_found is None:
            return None
        canonical, text = found, text_found
    if not validated and not valid_digits(kind, canonical):
        return None
    masked = _hide(canonical, *_digit_keep(kind, canonical, params, variant), params.char)
    return masked if plain is not None else with_format(value, text, canonical, masked)


def _mask_name(value: Value, params: MaskParams, variant: int = 0) -> str | None:
    text = identifier_text(value)
    if not text:
        return None
    char = params.char
    compact = text.replace(" ", "").replace("·", "").replace("•", "")
    parts = split_chinese_name(compact)
    if parts is not None:
        surname, given, title = parts
        hidden = given + title
        middle = params.name_style == "middle"
        if len(hidden) >= 2:
            middle ^= bool(variant & 1)
            pick = (variant >> 1) % len(NAME_CHARS)
        else:
            pick = variant % NAME1_VARIANTS
        if pick and char in _STARS:
            char = NAME_CHARS[pick]
        if middle and len(given) >= 2:
            return surname + char * (len(given) - 1) + given[-1]
        return surname + char * len(hidden)
    if not _is_person_name(text) or not text.isascii():
        return None
    return " ".join(word[:1] + char * (len(word) - 1) for word in text.split())
