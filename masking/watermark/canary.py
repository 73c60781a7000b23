"""Canary rows: fictitious, format-valid customers unique to one export, that blend in.

About 1.5 % of the rows of an export (at least two) are canaries, inserted at keyed positions. A
canary is made from the source's own rows: as rows stream past, a keyed reservoir sample of them is
kept (:class:`Reservoir`), and each canary takes two of the rows seen before it (it is placed after
the rows it is drawn from): a *primary* donor and a *secondary* one. The canary copies the primary's
blank cells, dates, categories and region (the address's district and the ID's region agree as they
did in that row), and every identifier is changed only in the parts that do not describe the
customer's place or kind: a mobile keeps a real subscriber block (its first seven digits, from the
secondary donor) and gets new last four digits; an ID keeps the primary's region code and takes the
secondary's birth date and sex when the region code was in use then (a new sequence number of the
same parity, check character recomputed); a name keeps the primary's surname and takes the
secondary's given name; an address keeps the primary's district and street and takes new numbers;
meter, account and card numbers keep their unit, branch and issuer digits. So the canaries follow the
source's own distributions (regions, surnames, prefixes, readings, blanks), and no per-row rule tells
them apart (``bench/bench_canaries.py`` measures it).

The policy may name monitored phone numbers and e-mail addresses to use instead: phones come from the
workstation's slice of the office's numbers, in order, never repeated within an export
(:mod:`masking.watermark.pool`; ``make_canary`` takes them from ``phones``). A canary never
carries an identifier (phone, ID, meter, account, card, e-mail) that occurs in the source: every
source identifier is hashed as the rows pass, and a canary that hits one is drawn again. Canaries
are drawn while the rows still stream, against the identifiers seen so far, and checked against
every identifier of the source after the last row, where those a later row collides with are drawn
again (:mod:`masking.watermark.canary_draws`): the same canaries as a draw after the last row.
Plain decimal numbers (a kWh reading), as numbers or as text with decimals (a CSV source's "112.13",
"0.00"), are drawn anew so the row is unique as a whole. A redrawn number is never whole: trace
registers only non-whole readings (:func:`masking.watermark.membership.value_feature`), and in an
export without tokens a canary is recognised from its masked identities and readings alone.
"""

from __future__ import annotations

import hashlib
import math
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from masking import synth
from masking.cell_text import identifier_text
from masking.checksums import gs1_check_digit, id_check_char, luhn_check_digit
from masking.io.model import Value
from masking.kinds import Kind
from masking.name_address import split_chinese_name, split_region_prefix
from masking.namedata import given_name_chars
from masking.operators.canonical import canonical_digits, with_format
from masking.regions import code_in_use

DEFAULT_RATE = 0.015
MIN_CANARIES = 2
# The identifier kinds a canary must not share with any real customer of the source.
UNIQUE_KINDS = frozenset({Kind.PHONE, Kind.ID_NUMBER, Kind.METER_ID, Kind.ACCOUNT_NO, Kind.BANK_CARD, Kind.EMAIL})
_ID_LENGTH = 18
_METER_LENGTH = 22
_MOBILE_LENGTH = 11
RESERVOIR_ROWS = 256  # the source rows a canary may be drawn from, sampled as they stream
# A plain decimal written as text (CSV sources keep cells as text): "112.13", "0.00", "-3.5", "1,234.56".
_DIGITS = "0123456789"
_DECIMAL_TEXT = re.compile(r"-?(?:\d{1,3}(?:,\d{3})+|\d{1,9})\.(\d{1,4})")


@dataclass(frozen=True)
class CanaryPools:
    """Monitored phone numbers and e-mail addresses the policy wants canaries to use: ``phones`` is this
    workstation's slice in its keyed order, ``phone_offset`` how many of them its earlier exports used."""

    phones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    phone_offset: int = 0


def canary_count(rows: int, rate: float, *, largest: bool) -> int:
    """How many canaries a sheet of ``rows`` source rows gets (the largest sheet at least two)."""
    if rate <= 0 or rows <= 0:
        return 0
    count = round(rows * rate)
    return max(MIN_CANARIES, count) if largest else count


def canary_positions(seed: bytes, rows: int, count: int) -> list[int]:
    """Keyed, sorted positions in ``[1, rows)`` (``[0, 1)`` for a single row): a canary goes before
    the source row at that index, so after at least one row it can be drawn from.

    (Never ``rows`` itself: there is no source row there to go before, and such a canary was lost.)
    """
    rng = random.Random(int.from_bytes(hashlib.sha256(seed).digest(), "big"))  # noqa: S311 - keyed positions, not secrets
    if rows <= 0:
        return []
    first = 1 if rows > 1 else 0
    return sorted(first + rng.randrange(rows - first) for _ in range(count))


def canary_rng(seed: bytes) -> random.Random:
    return random.Random(int.from_bytes(hashlib.sha256(seed).digest(), "big"))  # noqa: S311 - keyed fictitious data


def _number_like(rng: random.Random, value: float, places: int = 2) -> float:
    """A reading near ``value`` with ``places`` decimals, never a whole number."""
    number = round(abs(value) * rng.uniform(0.7, 1.3) + rng.uniform(0.01, 9.99), places)
    if number.is_integer():
        number = round(number + 10.0**-places, places)
    return number


def _decimal_text_like(rng: random.Random, text: str) -> str | None:
    """A new reading in the form of the decimal text ``text`` (same decimals, separators), or None."""
    decimal = _DECIMAL_TEXT.fullmatch(text)
    if decimal is None:
        return None
    places = len(decimal.group(1))
    number = _number_like(rng, float(text.replace(",", "")), places)
    return f"{number:,.{places}f}" if "," in text else f"{number:.{places}f}"


class Reservoir:
    """A keyed uniform sample of the rows that streamed past (Li's algorithm L: a few random draws
    per replacement, none per row skipped)."""

    def __init__(self, rng: random.Random, size: int = RESERVOIR_ROWS) -> None:
        self.rows: list[Sequence[Value]] = []
        self._rng = rng
        self._size = size
        self._seen = 0
        self._next = size
        self._w = 1.0
        self.version = 0  # changes whenever ``rows`` does

    def _advance(self) -> None:
        self._w *= math.exp(math.log(1.0 - self._rng.random()) / self._size)
        self._next = self._seen + int(math.log(1.0 - self._rng.random()) / math.log(1.0 - self._w))

    def feed(self, rows: Sequence[Sequence[Value]]) -> None:
        i = 0
        while len(self.rows) < self._size and i < len(rows):
            self.version += 1
            self.rows.append(rows[i])
            i += 1
            self._seen += 1
            if len(self.rows) == self._size:
                self._advance()
        while len(self.rows) == self._size:
            skip = self._next - self._seen
            if skip >= len(rows) - i:
                self._seen += len(rows) - i
                return
            i += skip
            self._seen += skip
            self.rows[self._rng.randrange(self._size)] = rows[i]
            self.version += 1
            i += 1
            self._seen += 1
            self._advance()


def _blank(value: Value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _fresh_digits(rng: random.Random, count: int) -> str:
    """``count`` digits, each the ``rng.randrange(10)`` of its turn, drawn as CPython's ``Random``
    draws it (four random bits until they are below 10) without randrange's checks on every call:
    a canary has dozens of fresh digits (tests/test_canary_batching.py holds the two equal)."""
    bits = rng.getrandbits
    digits = []
    for _ in range(count):
        digit = bits(4)
        while digit >= 10:  # rejection sampling, as randrange(10) does
            digit = bits(4)
        digits.append(_DIGITS[digit])
    return "".join(digits)


def _rewritten(value: Value, canonical: str, new: str) -> Value:
    """``new`` written the way ``value`` was (separators, width, number cell); ``canonical`` is
    ``value``'s canonical digits (never empty)."""
    return with_format(value, identifier_text(value) or "", canonical, new)


def _phone_like(rng: random.Random, value: Value, other: Value) -> Value | None:
    canonical = canonical_digits(Kind.PHONE, value)
    if canonical is None:
        return None
    if len(canonical) == _MOBILE_LENGTH and canonical[0] == "1":
        donor = canonical_digits(Kind.PHONE, other)
        block = donor[:7] if donor is not None and len(donor) == _MOBILE_LENGTH and donor[0] == "1" else canonical[:7]
        return _rewritten(value, canonical, block + _fresh_digits(rng, 4))
    if len(canonical) <= 6:
        return None
    return _rewritten(value, canonical, canonical[:-4] + _fresh_digits(rng, 4))


def _id_like(rng: random.Random, value: Value, other: Value) -> Value | None:
    canonical = canonical_digits(Kind.ID_NUMBER, value)
    if canonical is None or len(canonical) not in (15, _ID_LENGTH) or not canonical[:-1].isdigit():
        return None
    if len(canonical) == 15:
        seq = rng.randrange(500) * 2 + int(canonical[14]) % 2
        return _rewritten(value, canonical, f"{canonical[:12]}{seq:03d}")
    donor = canonical_digits(Kind.ID_NUMBER, other)
    birth, sex = canonical[6:14], int(canonical[16]) % 2
    if donor is not None and len(donor) == _ID_LENGTH and donor[:-1].isdigit() \
            and code_in_use(canonical[:6], int(donor[6:10])):
        birth, sex = donor[6:14], int(donor[16]) % 2  # the given name comes from the same donor
    first17 = f"{canonical[:6]}{birth}{rng.randrange(500) * 2 + sex:03d}"
    return _rewritten(value, canonical, first17 + id_check_char(first17))


def _name_like(rng: random.Random, value: Value, other: Value) -> Value | None:
    text = identifier_text(value)
    parts = split_chinese_name(text) if text else None
    if parts is None:
        return None
    surname, given, title = parts
    if title:
        return value
    donor_text = identifier_text(other)
    donor = split_chinese_name(donor_text) if donor_text else None
    new_given = donor[1] if donor is not None and donor[1] and donor[1] != given else ""
    if not new_given:
        chars = given_name_chars()
        new_given = "".join(chars[rng.randrange(len(chars))] for _ in given)
    return surname + new_given


_NUMBER_RUN = re.compile(r"\d+")


def _address_like(rng: random.Random, value: Value, other: Value) -> Value | None:
    text = value if isinstance(value, str) else None
    if text is None or not _NUMBER_RUN.search(text):
        return None
    donor = _NUMBER_RUN.findall(other) if isinstance(other, str) else []
    runs = _NUMBER_RUN.findall(text)
    numbers = [donor[i] if i < len(donor) else run for i, run in enumerate(runs)]  # house, building, room
    if numbers == runs:  # nothing new from the donor: the last number is drawn in its own length
        last = runs[-1]
        numbers[-1] = str(1 + rng.randrange(9)) + _fresh_digits(rng, len(last) - 1) if last[0] != "0" \
            else _fresh_digits(rng, len(last))
    replacements = iter(numbers)
    return _NUMBER_RUN.sub(lambda _: next(replacements), text)


def _meter_like(rng: random.Random, value: Value) -> Value | None:
    canonical = canonical_digits(Kind.METER_ID, value)
    if canonical is None or len(canonical) != _METER_LENGTH:
        return None
    payload = canonical[:7] + _fresh_digits(rng, 14)
    return _rewritten(value, canonical, payload + gs1_check_digit(payload))


def _account_like(rng: random.Random, value: Value) -> Value | None:
    canonical = canonical_digits(Kind.ACCOUNT_NO, value)
    if canonical is None or len(canonical) < 4:
        return None
    keep = len(canonical) // 2
    return _rewritten(value, canonical, canonical[:keep] + _fresh_digits(rng, len(canonical) - keep))


def _card_like(rng: random.Random, value: Value) -> Value | None:
    canonical = canonical_digits(Kind.BANK_CARD, value)
    if canonical is None or len(canonical) < 13:
        return None
    payload = canonical[:6] + _fresh_digits(rng, len(canonical) - 7)
    return _rewritten(value, canonical, payload + luhn_check_digit(payload))


def _email_like(rng: random.Random, value: Value, other: Value) -> Value | None:
    text = value.strip() if isinstance(value, str) else ""
    local, at, domain = text.partition("@")
    if not at or not local:
        return None
    donor = other.strip().partition("@")[0] if isinstance(other, str) and "@" in other else ""
    base = local if _NUMBER_RUN.search(local) or not donor else donor
    if not _NUMBER_RUN.search(base):
        base += _fresh_digits(rng, 2 + rng.randrange(3))
    return _NUMBER_RUN.sub(lambda m: _fresh_digits(rng, len(m.group())), base) + "@" + domain


def _drawn(rng: random.Random, kind: Kind, primary: Value, secondary: Value) -> Value | None:  # noqa: PLR0911
    """A canary value for ``kind`` made from the donors' values, or None when ``primary`` has no
    form to follow (the caller then makes one up)."""
    if kind is Kind.PHONE:
        return _phone_like(rng, primary, secondary)
    if kind is Kind.ID_NUMBER:
        return _id_like(rng, primary, secondary)
    if kind is Kind.PERSON_NAME:
        return _name_like(rng, primary, secondary)
    if kind is Kind.ADDRESS:
        return _address_like(rng, primary, secondary)
    if kind is Kind.METER_ID:
        return _meter_like(rng, primary)
    if kind is Kind.ACCOUNT_NO:
        return _account_like(rng, primary)
    if kind is Kind.BANK_CARD:
        return _card_like(rng, primary)
    if kind is Kind.EMAIL:
        return _email_like(rng, primary, secondary)
    if kind is Kind.FREE_TEXT:
        return secondary if not _blank(secondary) else primary
    return None


def _made_up(rng: random.Random, kind: Kind, template: Value) -> Value:  # noqa: PLR0911
    """A synthetic value of ``kind`` (for a template without a form to follow)."""
    text = identifier_text(template)
    if kind is Kind.PHONE:
        if text and text.startswith("0") and "-" in text:
            return synth.fake_landline(rng, text.split("-")[0])
        return synth.fake_mobile(rng)
    if kind is Kind.PERSON_NAME:
        return synth.fake_name(rng)
    if kind is Kind.ID_NUMBER:
        return synth.fake_id_number(rng, text[:4] if text and len(text) == _ID_LENGTH and text[:4].isdigit() else "")
    if kind is Kind.METER_ID:
        return synth.fake_meter_id(rng)
    if kind is Kind.ACCOUNT_NO:
        return str(1 + rng.randrange(9)) + _fresh_digits(rng, 9)
    if kind is Kind.BANK_CARD:
        return synth.fake_bank_card(rng)
    if kind is Kind.ADDRESS:
        # in the real row's district: a canary joins its template's group of quasi-identifiers, so it
        # neither stands out nor lowers the output's k
        district = split_region_prefix(text)[0] if text else ""
        return district + synth.fake_street(rng) if district else synth.fake_address(rng)[0]
    if kind is Kind.EMAIL:
        return synth.fake_email(rng)
    return synth.fake_remark(rng)[0]


def make_canary(
    rng: random.Random, kinds: Sequence[Kind | None], template: Sequence[Value], pools: CanaryPools,
    secondary: Sequence[Value] | None = None, *, phones: Callable[[int], str | None] | None = None,
) -> list[Value]:
    """One fictitious row for columns of ``kinds``, made from the real row ``template`` (the primary
    donor) and ``secondary`` (another real row; the template itself when not given).

    With monitored phones in ``pools``, ``phones(n)`` gives the row's n-th monitored number (the
    export's next unused one; None when the pool has none left that the source lacks: the cell is
    then left blank rather than given a number that may be someone's)."""
    other = template if secondary is None else secondary
    row: list[Value] = []
    phone_cells = 0
    for kind, value, second in zip(kinds, template, other, strict=True):
        if kind is None:
            if isinstance(value, float) and not value.is_integer():
                row.append(_number_like(rng, value))
            elif isinstance(value, str) and (redrawn := _decimal_text_like(rng, value.strip())) is not None:
                row.append(redrawn)
            else:
                row.append(value)
        elif kind is Kind.SECRET:
            text = identifier_text(value)
            row.append(value if _blank(value) else _fresh_digits(rng, len(text)) if text and text.isdigit()
                       else synth.fake_service_password(rng))
        elif _blank(value):
            row.append(value)  # the donor's blank pattern
        elif kind is Kind.PHONE and pools.phones:
            row.append(phones(phone_cells) if phones is not None else pools.phones[phone_cells % len(pools.phones)])
            phone_cells += 1
        elif kind is Kind.EMAIL and pools.emails:
            row.append(pools.emails[rng.randrange(len(pools.emails))])
        else:
            drawn = _drawn(rng, kind, value, second)
            row.append(drawn if drawn is not None else _made_up(rng, kind, value))
    return row
