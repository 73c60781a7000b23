"""Administrative divisions of China (GB/T 2260): typed, cached lookups over ``data/regions.tsv``.

Used by synthetic data (an ID number carries a real region code, an address a real district),
by detection (the first six digits of an ID must be a real place) and by pseudonymization (a
pseudonym keeps its region). The table is read once per process, on first use.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from types import MappingProxyType

from masking.datafiles import read_tsv


class Level(StrEnum):
    PROVINCE = "province"      # 省级: 110000 北京市, 320000 江苏省
    PREFECTURE = "prefecture"  # 地级: 320100 南京市
    COUNTY = "county"          # 县级: 320102 玄武区


@dataclass(frozen=True, slots=True)
class Region:
    """One division. ``city`` is empty for a province and for a county-level unit that a province
    governs directly (429004 仙桃市); ``district`` is empty above county level. For the four
    municipalities the city is the municipality itself (110105: 北京市 / 北京市 / 朝阳区)."""

    code: str
    province: str
    city: str
    district: str

    @property
    def level(self) -> Level:
        if self.code.endswith("0000"):
            return Level.PROVINCE
        if self.code.endswith("00"):
            return Level.PREFECTURE
        return Level.COUNTY

    @property
    def full_name(self) -> str:
        """The name as written at the start of an address: 北京市朝阳区, 江苏省南京市玄武区."""
        parts = [self.province]
        for part in (self.city, self.district):
            if part and part != parts[-1]:
                parts.append(part)
        return "".join(parts)


@cache
def all_regions() -> tuple[Region, ...]:
    """Every division in the table, in code order."""
    return tuple(Region(*record) for record in read_tsv("regions.tsv", columns=4))


@cache
def _regions_by_code() -> Mapping[str, Region]:
    return MappingProxyType({region.code: region for region in all_regions()})


def region_for_code(code6: str) -> Region | None:
    """The division with this six-digit code, or None if the code names no current division."""
    return _regions_by_code().get(code6)


def is_real_region(code6: str) -> bool:
    return code6 in _regions_by_code()


@cache
def residence_regions() -> tuple[Region, ...]:
    """Divisions a resident ID's first six digits point at: county-level units, plus the
    prefecture-level cities that have no counties (441900 东莞市, 442000 中山市, 460400 儋州市)."""
    by_code = _regions_by_code()
    has_counties = {region.code[:4] for region in all_regions() if region.level is Level.COUNTY}
    return tuple(
        region
        for region in by_code.values()
        if region.level is Level.COUNTY
        or (region.level is Level.PREFECTURE and region.code[:4] not in has_counties)
    )


@cache
def regions_under(prefix: str) -> tuple[Region, ...]:
    """Residence-level divisions whose code starts with ``prefix`` ("32" for 江苏省, "3201" for
    南京市); empty when there are none."""
    return tuple(region for region in residence_regions() if region.code.startswith(prefix))


@cache
def region_years() -> Mapping[str, tuple[tuple[int | None, int | None], ...]]:
    """The periods (first year, last year; None: open) in which each region code that was not in
    use throughout was in use (``data/region_years.tsv``); a code not listed was in use throughout."""
    table = {}
    for code, years in read_tsv("region_years.tsv", columns=2):
        periods = []
        for period in years.split(","):
            first, last = period.split("-")
            periods.append((int(first) if first else None, int(last) if last else None))
        table[code] = tuple(periods)
    return MappingProxyType(table)


def code_in_use(code: str, year: int) -> bool:
    """Whether the region code was in use in ``year`` (codes not listed were in use throughout)."""
    periods = region_years().get(code)
    if periods is None:
        return True
    return any((first is None or first <= year) and (last is None or year <= last) for first, last in periods)
