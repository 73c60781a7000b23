"""Numbering plans as data: mobile network prefixes per carrier, landline area codes, bank card
issuer numbers. Read from ``data/``; used to make, recognise and pseudonymize numbers so that a
result stays a number that could exist (a real carrier prefix, a real area code, a real issuer).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from masking.datafiles import read_tsv


class Carrier(StrEnum):
    MOBILE = "mobile"      # 中国移动
    UNICOM = "unicom"      # 中国联通
    TELECOM = "telecom"    # 中国电信
    BROADNET = "broadnet"  # 中国广电
    VIRTUAL = "virtual"    # 虚拟运营商 (MVNO ranges)


class PrefixUse(StrEnum):
    VOICE = "voice"
    DATA = "data"          # data cards with 11-digit numbers
    IOT = "iot"            # machine-to-machine: 13-digit numbers, no 11-digit number is allocated
    SATELLITE = "satellite"  # only some blocks of 174 are allocated


#: The classes whose every 11-digit number is a valid allocation: format-preserving transforms map a
#: mobile inside its class, so only these can be pseudonymized or encrypted into valid numbers.
FULL_BLOCK_USES = frozenset({PrefixUse.VOICE, PrefixUse.DATA})


@dataclass(frozen=True, slots=True)
class MobilePrefix:
    prefix: str  # three digits, e.g. "139"
    carrier: Carrier
    use: PrefixUse


@dataclass(frozen=True, slots=True)
class AreaCode:
    code: str          # with the leading zero: "010", "0755"
    city: str
    region_code: str   # GB/T 2260 code of the city (see masking.regions)
    local_digits: int  # length of a local number there (7 or 8)


@dataclass(frozen=True, slots=True)
class CardIssuer:
    bin: str  # first six digits
    bank: str
    length: int  # whole card number, check digit included


@cache
def mobile_prefixes() -> tuple[MobilePrefix, ...]:
    return tuple(
        MobilePrefix(prefix, Carrier(carrier), PrefixUse(use))
        for prefix, carrier, use in read_tsv("mobile_prefixes.tsv", columns=3)
    )


@cache
def _carrier_by_prefix() -> dict[str, Carrier]:
    return {p.prefix: p.carrier for p in mobile_prefixes()}


def carrier_of(mobile: str) -> Carrier | None:
    """The carrier of an 11-digit mobile number, or None if its prefix is not assigned."""
    if len(mobile) != 11 or not mobile.isdigit():
        return None
    return _carrier_by_prefix().get(mobile[:3])


@cache
def area_codes() -> tuple[AreaCode, ...]:
    return tuple(
        AreaCode(code, city, region_code, int(digits))
        for code, city, region_code, digits in read_tsv("area_codes.tsv", columns=4)
    )


@cache
def area_code_for(code: str) -> AreaCode | None:
    """The area code entry for ``"0755"`` (leading zero included), or None if it is not listed."""
    return next((entry for entry in area_codes() if entry.code == code), None)


@cache
def card_issuers() -> tuple[CardIssuer, ...]:
    return tuple(
        CardIssuer(bin_, bank, int(length)) for bin_, bank, length in read_tsv("card_issuers.tsv", columns=3)
    )
