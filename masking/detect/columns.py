"""Column classification: header words plus validated content from a sample of rows.

The rules, strongest first:
1. A secret header (密码, PIN, password) makes a secret column whatever it holds.
2. Measurement content (non-whole floats, amounts written as text, dates, booleans) is never PII,
   however many digits it has; but a header that names a kind (联系电话 with half its cells dates,
   or a 2-row column with one date) is never overruled by it: the kind's rules below decide.
3. Content that validates strongly (ID check character, Luhn with an issuer prefix, GS1 meter
   check digit, allocated mobile prefix, e-mail) outweighs the header; a measurement or non-PII
   identifier header only yields to it when nearly every value validates.
4. A header naming a kind, with content that does not contradict it, gives that kind.
5. With no useful header: names, addresses, then 8-16 digit identifiers of one length that are
   nothing else (account numbers, lower confidence), then PII embedded in text (free_text).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from masking.cell_text import identifier_text
from masking.detect.freetext import find_pii_spans
from masking.detect.vocabulary import HeaderClass, HeaderMeaning, header_meaning
from masking.io.model import Damaged, Value
from masking.kinds import Kind, damaged_kind, digits_only, kind_strength


@dataclass(frozen=True, slots=True)
class ColumnVerdict:
    """What a column holds. ``kind`` None means no PII; ``inner_kinds`` lists what a free_text
    column carries inside; ``damaged`` counts sampled values Excel had cut to 15 digits."""

    kind: Kind | None
    confidence: float
    reason: str
    inner_kinds: tuple[Kind, ...] = ()
    damaged: int = 0
    sampled: int = 0


# Kinds whose validators are strong enough to overrule a header.
_STRONG = (Kind.ID_NUMBER, Kind.BANK_CARD, Kind.METER_ID, Kind.PHONE, Kind.EMAIL)
_TEXT_KINDS = (Kind.PHONE, Kind.ID_NUMBER, Kind.EMAIL, Kind.PERSON_NAME, Kind.ADDRESS)


def _kinds_of_length(length: int) -> tuple[Kind, ...]:
    """The kinds a value of only ``length`` digits can be, so each value meets few validators."""
    kinds = []
    if 10 <= length <= 13 or length == 15:  # landline, 400, mobile, 86 + mobile, 0086 + mobile
        kinds.append(Kind.PHONE)
    if length in (15, 18):
        kinds.append(Kind.ID_NUMBER)
    if 13 <= length <= 19:
        kinds.append(Kind.BANK_CARD)
    if length == 22:
        kinds.append(Kind.METER_ID)
    if 8 <= length <= 16:
        kinds.append(Kind.ACCOUNT_NO)
    return tuple(kinds)


_DIGIT_KINDS = {length: _kinds_of_length(length) for length in range(1, 41)}

_AMOUNT_TEXT = re.compile(r"[-+]?[¥$￥]?\s?\d{1,3}(?:,\d{3})*(?:\.\d+)?%?|[-+]?\d+\.\d+%?|[-+]?\d+(?:\.\d+)?%")
_DATE_TEXT = re.compile(
    r"(?:19|20)\d\d(?:[-/.年]\d{1,2}(?:[-/.月]\d{1,2}日?)?(?:[ T]\d{1,2}:\d\d(?::\d\d)?)?|年\d{1,2}月)"
    r"|\d{1,2}:\d\d(?::\d\d)?"
)


def _is_date_digits(digits: str) -> bool:
    """20240105 or 20240105093000 typed as a number: a date, not an identifier."""
    if len(digits) not in (8, 14) or digits[:2] not in ("19", "20"):
        return False
    try:
        dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return False
    return len(digits) == 8 or (int(digits[8:10]) < 24 and int(digits[10:12]) < 60 and int(digits[12:]) < 60)


def _is_measurement_value(value: Value) -> bool:
    if isinstance(value, bool | dt.date | dt.time):  # datetime is a date
        return True
    if isinstance(value, float):
        return not value.is_integer() or abs(value) >= 1e15 or value < 0
    if isinstance(value, int):
        return value < 0
    if isinstance(value, str) and not isinstance(value, Damaged):
        text = identifier_text(value) or ""
        return bool(_AMOUNT_TEXT.fullmatch(text) and ("." in text or "," in text or "%" in text)) or bool(
            _DATE_TEXT.fullmatch(text)
        )
    return False


@dataclass(slots=True)
class _Profile:
    """Counts over the non-empty sampled values of one column."""

    present: int = 0
    measurement: int = 0
    damaged: int = 0
    digit_values: int = 0
    date_digits: int = 0
    lengths: Counter[int] = field(default_factory=Counter)
    valid: Counter[Kind] = field(default_factory=Counter)
    strength: defaultdict[Kind, float] = field(default_factory=lambda: defaultdict(float))
    distinct: set[str] = field(default_factory=set)
    embedded: Counter[Kind] = field(default_factory=Counter)
    with_spans: int = 0

    def rate(self, kind: Kind) -> float:
        return self.valid[kind] / self.present if self.present else 0.0

    def score(self, kind: Kind) -> float:
        return self.strength[kind] / self.present if self.present else 0.0


def _add_text_value(profile: _Profile, value: Value, text: str) -> None:
    if len(profile.distinct) < 10_000:
        profile.distinct.add(text)
    digits = digits_only(value)
    if digits is not None:
        profile.digit_values += 1
        profile.lengths[len(digits)] += 1
        profile.date_digits += _is_date_digits(digits)
    for kind in _TEXT_KINDS if digits is None else _DIGIT_KINDS.get(len(digits), ()):
        strength = kind_strength(kind, value)
        if strength > 0.0:
            profile.valid[kind] += 1
            profile.strength[kind] += strength
    if digits is None and isinstance(value, str) and len(text) >= 4:
        spans = find_pii_spans(text)
        # one span covering the whole value is the value's own kind, not PII inside a text
        if spans and not (len(spans) == 1 and spans[0].end - spans[0].start >= len(text) - 1):
            profile.with_spans += 1
            profile.embedded.update(span.kind for span in spans)


def _profile(values: Sequence[Value]) -> _Profile:
    profile = _Profile()
    for value in values:
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        profile.present += 1
        if isinstance(value, Damaged):
            profile.damaged += 1
            guessed = damaged_kind(value)
            if guessed is not None:
                profile.valid[guessed] += 1
                profile.strength[guessed] += 0.8
        elif _is_measurement_value(value):
            profile.measurement += 1
        else:
            text = identifier_text(value)
            if text is not None:
                _add_text_value(profile, value, text)
    return profile


def _best_strong(profile: _Profile) -> tuple[Kind | None, float]:
    best: tuple[Kind | None, float] = (None, 0.0)
    for kind in _STRONG:
        rate = profile.rate(kind)
        if rate > best[1] or (rate == best[1] and best[0] is not None and profile.score(kind) > profile.score(best[0])):
            best = (kind, rate)
    return best


def _looks_like_account_numbers(profile: _Profile) -> bool:
    """8-16 digit identifiers of (nearly) one length that are nothing stronger: 户号 shape."""
    if profile.digit_values < 0.9 * profile.present or not profile.lengths:
        return False
    if profile.date_digits > 0.5 * profile.digit_values:
        return False
    length, count = profile.lengths.most_common(1)[0]
    near = count + profile.lengths[length - 1] + profile.lengths[length + 1]
    if not 8 <= length <= 16 or near < 0.9 * profile.digit_values:
        return False
    return profile.rate(Kind.ACCOUNT_NO) >= 0.8 and len(profile.distinct) >= 0.5 * profile.digit_values


def _describe_header(header: str | None, word: str) -> str:
    return f"header '{header}'" if word else ("no header" if header is None else f"header '{header}' (unknown)")


@dataclass(frozen=True, slots=True)
class _Column:
    """One column under judgement: what its header means and what its values show."""

    meaning: HeaderMeaning | None
    said: str
    profile: _Profile

    @property
    def header_kind(self) -> Kind | None:
        return self.meaning if isinstance(self.meaning, Kind) else None

    def verdict(self, kind: Kind | None, confidence: float, reason: str, inner: tuple[Kind, ...] = ()) -> ColumnVerdict:
        return ColumnVerdict(
            kind=kind,
            confidence=round(min(max(confidence, 0.0), 1.0), 3),
            reason=f"{self.said}{reason}",
            inner_kinds=inner,
            damaged=self.profile.damaged,
            sampled=self.profile.present,
        )


def classify_column(header: str | None, values: Sequence[Value]) -> ColumnVerdict:
    """Kind and confidence of one column from its header text (None when the sheet has no header
    row) and a sample of its values (the first rows, in order)."""
    meaning, word = header_meaning(header)
    column = _Column(meaning, _describe_header(header, word), _profile(values))
    for rule in (_by_secret_header, _by_emptiness, _by_measurement, _by_content, _by_free_text, _by_header_alone):
        verdict = rule(column)
        if verdict is not None:
            return verdict
    return column.verdict(None, 0.8, f"; no PII in {column.profile.present} values")


def _by_secret_header(column: _Column) -> ColumnVerdict | None:
    return column.verdict(Kind.SECRET, 0.95, " names a secret") if column.meaning is Kind.SECRET else None


def _by_emptiness(column: _Column) -> ColumnVerdict | None:
    if column.profile.present:
        return None
    return column.verdict(column.header_kind, 0.4 if column.header_kind else 0.5, "; no values sampled")


def _by_measurement(column: _Column) -> ColumnVerdict | None:
    """Amounts and dates are never PII; a measurement or non-PII identifier header only yields to
    content where nearly every value validates strongly."""
    profile = column.profile
    share = profile.measurement / profile.present
    if share >= 0.5:
        if column.header_kind is not None:
            return None  # a header that names a kind is never overruled by dates or amounts in its cells
        return column.verdict(None, 0.5 + share / 2, f" + {share:.0%} amounts/dates")
    if not isinstance(column.meaning, HeaderClass):
        return None
    strong, rate = _best_strong(profile)
    if strong is not None and rate >= 0.95:
        return column.verdict(strong, 0.8 * rate, f" but {rate:.0%} valid {strong}")
    return column.verdict(None, 0.9, f" is {column.meaning.value.replace('_', ' ')}")


def _by_content(column: _Column) -> ColumnVerdict | None:
    header_kind = column.header_kind
    found = _strong_content(column.profile, header_kind) or _weak_content(column.profile, header_kind)
    if found is None:
        return None
    kind, rate, what = found
    if header_kind is kind:
        return column.verdict(kind, 0.75 + 0.25 * rate, f" + {rate:.0%} {what}")
    if kind is Kind.ACCOUNT_NO and header_kind is None:
        return column.verdict(kind, 0.45 + 0.3 * rate, f"; content {rate:.0%} {what}")
    base = 0.65 if header_kind is None else 0.6
    return column.verdict(kind, base + 0.3 * rate, f"; content {rate:.0%} {what}")


def _by_free_text(column: _Column) -> ColumnVerdict | None:
    profile = column.profile
    titled = column.header_kind is Kind.FREE_TEXT
    if not profile.with_spans or (profile.with_spans < max(2, 0.03 * profile.present) and not titled):
        return None
    inner = tuple(kind for kind, _ in profile.embedded.most_common())
    share = profile.with_spans / profile.present
    confidence = 0.6 + 0.3 * min(1.0, share * 5) + (0.1 if titled else 0.0)
    return column.verdict(
        Kind.FREE_TEXT, confidence, f"; {share:.0%} of texts hold {', '.join(inner)}", inner
    )


def _by_header_alone(column: _Column) -> ColumnVerdict | None:
    header_kind = column.header_kind
    if header_kind is None or header_kind is Kind.FREE_TEXT:
        return None
    refusal = _refuses_header(column.profile, header_kind)
    if refusal:
        return column.verdict(None, 0.5, f" but {refusal}")
    return column.verdict(header_kind, 0.55, "; content does not confirm it")


def _refuses_header(profile: _Profile, header_kind: Kind) -> str:
    """Why content that does not confirm a header also rules it out ("" when it does not): one
    value repeated on every row identifies nobody (经办人 = 营业厅), and names, addresses and
    e-mail have shapes that plain numbers or texts without a single name do not have."""
    if profile.present < 10:
        return ""
    if len(profile.distinct) <= 1:
        return "every value is the same"
    if profile.digit_values >= 0.9 * profile.present and header_kind in (Kind.PERSON_NAME, Kind.ADDRESS, Kind.EMAIL):
        return "the values are plain numbers"
    if header_kind is Kind.PERSON_NAME and profile.valid[Kind.PERSON_NAME] == 0:
        return "no value is a name"
    return ""


def _strong_content(profile: _Profile, header_kind: Kind | None) -> tuple[Kind, float, str] | None:
    """A kind with a strong validator: a header claim lowers the bar for its own kind; it does not
    stop stronger content from winning."""
    strong, rate = _best_strong(profile)
    if strong is not None and rate >= 0.8:
        return strong, rate, f"valid {strong}"
    if header_kind in _STRONG and profile.rate(header_kind) >= 0.3:
        return header_kind, profile.rate(header_kind), f"valid {header_kind}"
    if strong is not None and rate >= 0.6:
        return strong, rate, f"valid {strong}"
    return None


def _weak_content(profile: _Profile, header_kind: Kind | None) -> tuple[Kind, float, str] | None:
    """Names, addresses and account numbers: shapes, not checksums."""
    names = profile.rate(Kind.PERSON_NAME)
    distinct = len(profile.distinct) / profile.present
    if (header_kind is Kind.PERSON_NAME and names >= 0.3) or (
        names >= 0.8 and profile.score(Kind.PERSON_NAME) >= 0.7 and distinct >= 0.5
    ):
        return Kind.PERSON_NAME, names, "names"
    places = profile.rate(Kind.ADDRESS)
    if places >= 0.6 or (header_kind is Kind.ADDRESS and places >= 0.3):
        return Kind.ADDRESS, places, "addresses"
    if header_kind is Kind.ACCOUNT_NO and profile.digit_values >= 0.8 * profile.present:
        return Kind.ACCOUNT_NO, profile.digit_values / profile.present, "digit identifiers"
    if header_kind in (None, Kind.ACCOUNT_NO) and _looks_like_account_numbers(profile):
        return Kind.ACCOUNT_NO, profile.rate(Kind.ACCOUNT_NO), "fixed-length digit identifiers"
    return None
