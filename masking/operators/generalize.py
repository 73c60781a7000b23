"""generalize: replace a value by a coarser one.

* address -> its administrative prefix (province, city, district as written): "江苏省南京市玄武区";
  ``address_level="city"`` stops after the city ("江苏省南京市"), ``"province"`` after the province
* id_number -> a band of birth years: "1980-1989" (``year_band`` years wide)
* untyped columns: dates and date-times -> "2024-11" (``date_level="month"``), "2024" (``"year"``) or
  a band of years "1980-1984" (``"band"``, ``year_band`` wide); date text such as "2024/11/03" or
  "2024年11月3日" the same; numbers and numeric text -> a band "100-200" of ``band_width`` (lower
  bound included, upper excluded)

Fallback: a value that cannot be generalized becomes "[无法归类]" and counts ``unparsed``
(``damaged`` for values Excel cut). Other kinds are refused by ``validate()``.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from masking.cell_text import identifier_text
from masking.checksums import id_birth_date
from masking.io.model import Damaged, Value
from masking.kinds import Action, Kind, is_id_number
from masking.name_address import split_region_prefix
from masking.operators.base import (
    BatchResult,
    Operator,
    OperatorContext,
    OperatorError,
    OperatorParams,
    Tally,
    is_blank,
)
from masking.operators.canonical import canonical_digits

__all__ = ["FALLBACK_TEXT", "GeneralizeOperator", "GeneralizeParams"]

FALLBACK_TEXT = "[无法归类]"
_DATE_TEXT = re.compile(r"\s*(\d{4})\s*[-/.年]\s*(\d{1,2})(?:\s*[-/.月]\s*(\d{1,2})\s*日?)?.*")
_NUMBER_TEXT = re.compile(r"\s*[-+]?(?:\d+(?:\.\d*)?|\.\d+)\s*")


@dataclass(frozen=True)
class GeneralizeParams(OperatorParams):
    date_level: str = "month"  # "month", "year" or "band"
    band_width: float = 100.0
    year_band: int = 10
    address_level: str = "district"  # "district", "city" or "province"


_ADDRESS_LEVELS = {"province": 1, "city": 2, "district": 3}


def _band(number: float, width: float) -> str:
    low = math.floor(number / width) * width
    high = low + width

    def show(x: float) -> str:
        return str(int(x)) if float(x).is_integer() else f"{x:g}"

    return f"{show(low)}-{show(high)}"


class GeneralizeOperator(Operator):
    action = Action.GENERALIZE
    params_type = GeneralizeParams
    supported = frozenset({Kind.ADDRESS, Kind.ID_NUMBER, None})

    @property
    def _params(self) -> GeneralizeParams:
        assert isinstance(self.params, GeneralizeParams)  # noqa: S101 - checked by validate()
        return self.params

    def _validate_params(self) -> None:
        params = self._params
        if params.date_level not in ("month", "year", "band"):
            raise OperatorError("generalize date_level must be 'month', 'year' or 'band'")
        if params.address_level not in _ADDRESS_LEVELS:
            raise OperatorError("generalize address_level must be 'district', 'city' or 'province'")
        width = params.band_width
        if isinstance(width, bool) or not isinstance(width, (int, float)) or not math.isfinite(width) or width <= 0:
            raise OperatorError("generalize band_width must be a positive number")
        band = params.year_band
        if isinstance(band, bool) or not isinstance(band, int) or not 1 <= band <= 100:
            raise OperatorError("generalize year_band must be a whole number of years from 1 to 100")

    def apply_batch(self, values: Sequence[Value], ctx: OperatorContext) -> BatchResult:
        tally = Tally()
        out = list(values)
        for position, value in enumerate(values):
            if is_blank(value):
                tally.blank += 1
                continue
            coarse = None if isinstance(value, Damaged) else self._one(value)
            if coarse is None:
                out[position] = FALLBACK_TEXT
                tally.fallback(value)
            else:
                out[position] = coarse
                tally.transformed += 1
        return BatchResult(out, tally.freeze())

    def _one(self, value: Value) -> str | None:
        params = self._params
        if self.kind is Kind.ADDRESS:
            text = identifier_text(value)
            prefix = split_region_prefix(text, _ADDRESS_LEVELS[params.address_level])[0] if text else ""
            return prefix or None
        if self.kind is Kind.ID_NUMBER:
            canonical = canonical_digits(Kind.ID_NUMBER, value)
            born = id_birth_date(canonical) if canonical is not None and is_id_number(canonical) else None
            if born is None:
                return None
            return self._years(born.year)
        return self._untyped(value)

    def _years(self, year: int) -> str:
        band = self._params.year_band
        start = year - year % band
        return f"{start}-{start + band - 1}" if band > 1 else str(start)

    def _date(self, year: int, month: int) -> str:
        level = self._params.date_level
        if level == "month":
            return f"{year:04d}-{month:02d}"
        return f"{year:04d}" if level == "year" else self._years(year)

    def _untyped(self, value: Value) -> str | None:
        params = self._params
        if isinstance(value, (dt.date, dt.datetime)):
            return self._date(value.year, value.month)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return _band(float(value), float(params.band_width)) if math.isfinite(value) else None
        if not isinstance(value, str):
            return None  # booleans and times have no coarser form
        match = _DATE_TEXT.fullmatch(value)
        if match is not None and 1 <= int(match.group(2)) <= 12:
            return self._date(int(match.group(1)), int(match.group(2)))
        if _NUMBER_TEXT.fullmatch(value):
            return _band(float(value), float(params.band_width))
        return None
