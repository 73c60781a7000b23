"""Plain records shared by the readers, the writers and everything built on them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

# A cell value as the readers yield it: None for an empty cell, str for text, int for a whole number
# (exact digits: str(value) is what the user typed), float for other numbers, bool, and datetime /
# date / time for cells Excel formats as dates. ``Damaged`` marks a number Excel already cut.
Value = str | int | float | bool | dt.datetime | dt.date | dt.time | None


class Damaged(str):
    """A long number that Excel stored as a float and so cut to 15 significant digits.

    The string holds the digits as Excel shows them (e.g. ``"110105194912310000"`` for an ID typed
    into a number cell). It is still text, so writers and transforms treat it as a value, but nothing
    downstream may pretend it is the original: detection counts it and transforms report it.
    """

    __slots__ = ()


class Visibility(StrEnum):
    VISIBLE = "visible"
    HIDDEN = "hidden"
    VERY_HIDDEN = "veryHidden"


@dataclass(frozen=True, slots=True)
class SheetInfo:
    """One sheet of a workbook (a CSV file has exactly one)."""

    name: str
    index: int
    visibility: Visibility = Visibility.VISIBLE

    @property
    def hidden(self) -> bool:
        return self.visibility is not Visibility.VISIBLE


@dataclass(frozen=True, slots=True)
class Table:
    """Where the data of a sheet sits: the header row (if any) and the columns under it.

    ``header_row`` is the 1-based row number in the sheet, or None when the sheet has no header
    row; ``first_data_row`` is the 1-based row number of the first data row. ``title_rows`` counts
    the non-blank rows above the header (titles, dates, unit lines): they are neither header nor
    data, so whoever drops them says so. A sheet without a header has none: every row is data.
    """

    sheet: SheetInfo
    header_row: int | None
    first_data_row: int
    headers: tuple[str | None, ...]
    title_rows: int = 0

    @property
    def width(self) -> int:
        return len(self.headers)


def column_letter(index: int) -> str:
    """Excel column letters of a 0-based index: 0 -> A, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
