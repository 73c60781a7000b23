"""Finding the header row of a sheet under title rows, unit lines and blank rows.

Branch-office sheets often start with a merged title ("XX供电公司2024年居民客户明细表"), perhaps a
date or unit line, and blank rows before the real header; some have English headers, some none.
The rules, applied to the first ``HEAD_ROWS`` non-empty rows:

* a *narrow* row (fewer than 2 filled cells, or under half the sheet's typical width) is preamble:
  a single wide title cell is never a header;
* the first *wide* row decides: it is the header when its filled cells are mostly short labels
  (not numbers, digit strings, dates or sentences) and its labels do not repeat in the rows
  below (a data row of categories would); the narrow rows above it are title rows, counted in
  ``Table.title_rows``. Otherwise the sheet has no header and every row, from the first non-blank
  one, is data: a row is never dropped because it looked like a title.

Shared by the xlsx and csv readers; it sees only values, never the file.
"""

from __future__ import annotations

import datetime as dt
import re
import statistics
from collections.abc import Sequence
from enum import Enum

from masking.io.model import Damaged, SheetInfo, Table, Value

HEAD_ROWS = 30  # the header is looked for among this many non-empty rows
SAMPLE_ROWS = 40  # rows read for the decision (the head plus followers to compare against)
FOLLOWERS = 10
MAX_LABEL_CHARS = 40
_NUMERIC_TEXT = re.compile(r"[+\-]?[\d\s.,:/()+\-%¥$￥]*\d[\d\s.,:/()+\-%¥$￥]*[Xx]?")
_CJK_DATE = re.compile(r"\d{2,4}\s*年\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*[日号])?.{0,12}")
_SENTENCE_MARKS = ("。", "；", "！", "？")  # a line break alone is common in header cells

Row = tuple[int, tuple[Value, ...]]


class Shape(Enum):
    """What a cell looks like, for telling a header from data."""

    EMPTY = "empty"
    LABEL = "label"  # short text: a header word, or a short text value
    DATA = "data"  # a number, digit string, date, boolean
    PROSE = "prose"  # long text or a sentence


def cell_shape(value: Value) -> Shape:
    if value is None:
        return Shape.EMPTY
    if isinstance(value, Damaged) or not isinstance(value, str):  # numbers, booleans, dates
        return Shape.DATA
    text = value.strip()
    if not text:
        shape = Shape.EMPTY
    elif _NUMERIC_TEXT.fullmatch(text) or _CJK_DATE.fullmatch(text):
        shape = Shape.DATA
    elif len(text) > MAX_LABEL_CHARS or any(mark in text for mark in _SENTENCE_MARKS):
        shape = Shape.PROSE
    else:
        shape = Shape.LABEL
    return shape


def header_text(value: Value) -> str | None:
    """A header cell as a column name: whitespace runs collapsed, empty as None."""
    if value is None:
        return None
    text = value.isoformat() if isinstance(value, dt.datetime | dt.date | dt.time) else str(value)
    text = " ".join(text.split())
    return text or None


def _filled(shapes: Sequence[Shape]) -> list[Shape]:
    return [shape for shape in shapes if shape is not Shape.EMPTY]


def _looks_like_header(values: tuple[Value, ...], shapes: list[Shape], below: Sequence[Row]) -> bool:
    filled = _filled(shapes)
    labels = [str(v).strip() for v, s in zip(values, shapes, strict=True) if s is Shape.LABEL]
    if len(labels) < 2 or len(labels) < 0.75 * len(filled):
        return False
    if len(set(labels)) < 0.8 * len(labels):  # headers name distinct things
        return False
    repeated = 0
    for column, value in enumerate(values):
        if shapes[column] is Shape.LABEL:
            text = str(value).strip()
            repeated += any(column < len(row) and str(row[column]).strip() == text for _, row in below)
    return repeated * 2 < len(labels)


def detect_table(sheet: SheetInfo, rows: Sequence[Row]) -> Table:
    """The header row (if any), the first data row and the column names, from the first rows.

    ``rows`` are the sheet's first non-empty rows as the readers yield them (``SAMPLE_ROWS`` is
    enough). ``Table.width`` is the widest of the header and the sampled data rows.
    """
    sample = [(number, values) for number, values in rows if any(v is not None for v in values)][:SAMPLE_ROWS]
    if not sample:
        return Table(sheet=sheet, header_row=None, first_data_row=1, headers=())
    shapes = [[cell_shape(v) for v in values] for _, values in sample]
    widths = [len(_filled(row_shapes)) for row_shapes in shapes]
    typical = statistics.median([w for w in widths if w >= 2] or [1])
    for index in range(min(HEAD_ROWS, len(sample))):
        number, values = sample[index]
        row_shapes = shapes[index]
        if widths[index] < max(2, typical / 2):
            continue
        below = sample[index + 1 : index + 1 + FOLLOWERS]
        if _looks_like_header(values, row_shapes, below):
            width = max([len(values), *(len(row) for _, row in sample[index + 1 :])])
            headers = tuple(header_text(v) for v in values) + (None,) * (width - len(values))
            return Table(sheet=sheet, header_row=number, first_data_row=number + 1, headers=headers,
                         title_rows=index)
        break
    return _headless(sheet, sample)


def _headless(sheet: SheetInfo, data: Sequence[Row]) -> Table:
    width = max(len(values) for _, values in data)
    return Table(sheet=sheet, header_row=None, first_data_row=data[0][0], headers=(None,) * width)
