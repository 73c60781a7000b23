"""Chinese names and addresses split into their parts: surname / given name / title, and an
address's administrative prefix (province, city, district) / the rest. Read from the reference
tables in :mod:`masking.namedata` and :mod:`masking.regions`."""

from __future__ import annotations

import functools
import re

from masking.namedata import compound_surnames, single_surnames
from masking.regions import Region, all_regions

__all__ = ["NAME_TITLES", "split_chinese_name", "split_region_prefix"]

# --------------------------------------------------------------------------------------------
# Addresses: the administrative prefix (province, city, district)

_PROVINCE_SUFFIXES = ("壮族自治区", "回族自治区", "维吾尔自治区", "自治区", "特别行政区", "省", "市")


@functools.cache
def _region_names() -> tuple[tuple[dict[str, bool], ...], tuple[dict[str, tuple[int, ...]], ...]]:
    """Names per level mapped to whether they are a short form (江苏, 南京), and per level, for each
    first character, the lengths (2 or more, ascending) of the names starting with it."""
    provinces: dict[str, bool] = {}
    cities: dict[str, bool] = {}
    districts: dict[str, bool] = {}
    region: Region
    for region in all_regions():
        provinces[region.province] = False
        for suffix in _PROVINCE_SUFFIXES:
            if region.province.endswith(suffix) and len(region.province) - len(suffix) >= 2:
                provinces.setdefault(region.province[: -len(suffix)], True)
                break
        if region.city:
            cities[region.city] = False
            if region.city.endswith("市") and len(region.city) >= 3:
                cities.setdefault(region.city[:-1], True)
        if region.district:
            districts[region.district] = False
    tables = (provinces, cities, districts)
    starts = []
    for table in tables:
        lengths: dict[str, set[int]] = {}
        for name in table:
            if len(name) >= 2:
                lengths.setdefault(name[0], set()).add(len(name))
        starts.append({first: tuple(sorted(found)) for first, found in lengths.items()})
    return tables, tuple(starts)


def _prefix_end(text: str, position: int, level: int, levels: int = 3) -> int:
    """The furthest end of a valid prefix from ``position`` using levels ``level`` up to ``levels``."""
    tables, starts = _region_names()
    if level == levels:
        return position
    best = _prefix_end(text, position, level + 1, levels)  # this level not named
    if position >= len(text):
        return best
    names = tables[level]
    for length in starts[level].get(text[position], ()):  # only the names that start here
        if position + length > len(text):
            break
        short = names.get(text[position : position + length])
        if short is None:
            continue
        end = _prefix_end(text, position + length, level + 1, levels)
        if short and end == position + length and (
            levels == len(tables) or _prefix_end(text, end, level + 1) == end
        ):
            continue  # a short form counts only when another level follows it (in the full prefix)
        best = max(best, end)
    return best


def split_region_prefix(text: str, levels: int = 3) -> tuple[str, str]:
    """(administrative prefix, rest) of an address: "江苏省南京市玄武区中山路18号" ->
    ("江苏省南京市玄武区", "中山路18号"). Province, city and district are each optional but in that
    order; a short form (江苏, 南京) counts only when another level follows it, so "中山路" is not
    read as 中山市. The prefix is empty when no division is named at the start. ``levels`` cuts the
    prefix coarser: 2 stops after the city, 1 after the province."""
    end = _prefix_end(text, 0, 0, levels)
    return text[:end], text[end:]


# --------------------------------------------------------------------------------------------
# Chinese names

NAME_TITLES = ("先生", "女士", "小姐", "师傅", "老师", "阿姨", "大爷", "经理")
_HAN_ONLY = re.compile(r"[\u4e00-\u9fff]+")


def split_chinese_name(text: str) -> tuple[str, str, str] | None:
    """(surname, given name, title) of "王小明", "欧阳明" or "王先生"; None for anything else."""
    if not _HAN_ONLY.fullmatch(text):
        return None
    title = next((t for t in NAME_TITLES if text.endswith(t) and len(text) > len(t)), "")
    body = text[: len(text) - len(title)]
    compounds, singles = compound_surnames(), single_surnames()
    if body[:2] in compounds and (len(body) >= 3 or title):
        surname = body[:2]
    elif body[:1] in singles:
        surname = body[:1]
    else:
        return None
    given = body[len(surname) :]
    if title and given:
        return None
    if not title and not 1 <= len(given) <= 3:
        return None
    return surname, given, title
