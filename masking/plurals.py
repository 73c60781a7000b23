"""Singular or plural in an English sentence with counts: ``{count|row|rows}`` is ``row`` when the value
named ``count`` is 1 and ``rows`` otherwise (``"1"`` counts as 1: figures often arrive formatted).

The sentences of the trace (``masking.watermark.trace``) and of its report (``masking.report.words``)
write their choices this way, so "1 export" and "12,345 exports" both read right; the Chinese texts
need none. The desktop's own strings use Qt's plural forms instead."""

from __future__ import annotations

import re
from collections.abc import Mapping

_CHOICE = re.compile(r"\{(\w+)\|([^|{}]*)\|([^|{}]*)\}")


def choose_plurals(text: str, values: Mapping[str, object]) -> str:
    """``text`` with each ``{name|singular|plural}`` replaced by the form ``values[name]`` calls for."""
    return _CHOICE.sub(lambda m: m.group(2) if str(values.get(m.group(1), "")).strip() == "1" else m.group(3), text)


def counted(number: int, singular: str, plural: str = "") -> str:
    """``1 record``, ``12,345 records``: the number with digit grouping, then the noun in the form it
    calls for (``plural`` defaults to ``singular`` + "s")."""
    return f"{number:,} {singular if number == 1 else plural or singular + 's'}"


def numbered(first: int, last: int, singular: str, plural: str = "") -> str:
    """``record 3`` or ``records 3-5``: the items numbered ``first`` to ``last``."""
    if first == last:
        return f"{singular} {first}"
    return f"{plural or singular + 's'} {first}-{last}"
