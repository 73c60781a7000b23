"""Canary rows: fictitious, format-valid customers unique to one export.

About 1.5 % of the rows of an export (at least two) are canaries, inserted before keyed source rows.
Their identifiers come from :mod:`masking.synth` with a generator seeded by a keyed hash of the
export id, so they differ per export; the policy may name monitored phone numbers and e-mail
addresses to use instead. A canary never carries an identifier (phone, ID, meter, account, card,
e-mail) that occurs in the source: every source identifier is fingerprinted first and a canary that
hits one is drawn again. Non-identifying columns copy the template row beside the canary, except
that plain decimal numbers (a kWh reading), as numbers or as text with decimals (a CSV source's
"112.13", "0.00"), are drawn anew so the row is unique as a whole. A redrawn number is never whole:
trace registers only non-whole readings (:func:`masking.watermark.membership.value_feature`), and in
an export without tokens a canary is recognised from its masked identities and readings alone, so a
canary whose readings all copied a whole "0.00" could fall short of the naming threshold.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass

from masking import synth
from masking.cell_text import round_trip_text
from masking.io.model import Value
from masking.kinds import Kind
from masking.name_address import split_region_prefix

DEFAULT_RATE = 0.015
MIN_CANARIES = 2
# The identifier kinds a canary must not share with any real customer of the source.
UNIQUE_KINDS = frozenset({Kind.PHONE, Kind.ID_NUMBER, Kind.METER_ID, Kind.ACCOUNT_NO, Kind.BANK_CARD, Kind.EMAIL})
_ID_LENGTH = 18
_METER_LENGTH = 22
# A plain decimal written as text (CSV sources keep cells as text): "112.13", "0.00", "-3.5", "1,234.56".
_DECIMAL_TEXT = re.compile(r"-?(?:\d{1,3}(?:,\d{3})+|\d{1,9})\.(\d{1,4})")


@dataclass(frozen=True)
class CanaryPools:
    """Monitored phone numbers and e-mail addresses the policy wants canaries to use."""

    phones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()


def canary_count(rows: int, rate: float, *, largest: bool) -> int:
    """How many canaries a sheet of ``rows`` source rows gets (the largest sheet at least two)."""
    if rate <= 0 or rows <= 0:
        return 0
    count = round(rows * rate)
    return max(MIN_CANARIES, count) if largest else count


def canary_positions(seed: bytes, rows: int, count: int) -> list[int]:
    """Keyed, sorted positions in ``[0, rows)``: a canary goes before the source row at that index.

    (Never ``rows`` itself: there is no source row there to go before, and such a canary was lost.)
    """
    rng = random.Random(int.from_bytes(hashlib.sha256(seed).digest(), "big"))  # noqa: S311 - keyed positions, not secrets
    return sorted(rng.randrange(rows) for _ in range(count)) if rows > 0 else []


def canary_rng(seed: bytes) -> random.Random:
    return random.Random(int.from_bytes(hashlib.sha256(seed).digest(), "big"))  # noqa: S311 - keyed fictitious data


def _digits_like(rng: random.Random, template: str | None, length: int = 10) -> str:
    if template and template.isdigit():
        length = len(template)
        return template[0] + "".join(str(rng.randrange(10)) for _ in range(length - 1))
    return str(1 + rng.randrange(9)) + "".join(str(rng.randrange(10)) for _ in range(length - 1))


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


def make_canary(  # noqa: PLR0912 - one branch per kind reads best
    rng: random.Random, kinds: Sequence[Kind | None], template: Sequence[Value], pools: CanaryPools
) -> list[Value]:
    """One fictitious row for columns of ``kinds``, shaped like the real row ``template``."""
    row: list[Value] = []
    for kind, value in zip(kinds, template, strict=True):
        text = round_trip_text(value)
        if kind is None or kind is Kind.SECRET:
            if kind is Kind.SECRET:
                row.append(synth.fake_service_password(rng))
            elif isinstance(value, float) and not value.is_integer():
                row.append(_number_like(rng, value))
            elif isinstance(value, str) and (redrawn := _decimal_text_like(rng, value.strip())) is not None:
                row.append(redrawn)
            else:
                row.append(value)
        elif kind is Kind.PHONE:
            if pools.phones:
                row.append(pools.phones[rng.randrange(len(pools.phones))])
            elif text and text.startswith("0") and "-" in text:
                row.append(synth.fake_landline(rng, text.split("-")[0]))
            else:
                row.append(synth.fake_mobile(rng))
        elif kind is Kind.PERSON_NAME:
            row.append(synth.fake_name(rng))
        elif kind is Kind.ID_NUMBER:
            prefix = text[:4] if text and len(text) == _ID_LENGTH and text[:4].isdigit() else ""
            row.append(synth.fake_id_number(rng, prefix))
        elif kind is Kind.METER_ID:
            unit = text[:5] if text and len(text) == _METER_LENGTH and text.isdigit() else None
            row.append(synth.fake_meter_id(rng, unit))
        elif kind is Kind.ACCOUNT_NO:
            row.append(_digits_like(rng, text))
        elif kind is Kind.BANK_CARD:
            row.append(synth.fake_bank_card(rng))
        elif kind is Kind.ADDRESS:
            # in the real row's district (as an ID keeps its city): a canary joins its template's group
            # of quasi-identifiers, so it neither stands out nor lowers the output's k
            district = split_region_prefix(text)[0] if text else ""
            row.append(district + synth.fake_street(rng) if district else synth.fake_address(rng)[0])
        elif kind is Kind.EMAIL:
            row.append(pools.emails[rng.randrange(len(pools.emails))] if pools.emails else synth.fake_email(rng))
        else:  # free text
            row.append(synth.fake_remark(rng)[0])
    return row
