"""One module answers "the text of a cell"; each row of its table of differences is pinned here."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from masking.cell_text import crypto_text, crypto_texts, identifier_text, round_trip_text, trace_text
from masking.io.model import Damaged, Value

# value -> (identifier_text, crypto_text, round_trip_text), as the table in masking/cell_text.py says
TABLE: list[tuple[Value, str | None, str, str | None]] = [
    (" 1３9 ", "139", "139", "1３9"),
    ("", "", "", None),
    ("  ", "", "", None),
    (True, None, "TRUE", None),
    (False, None, "FALSE", None),
    (-5, None, "-5", "-5"),
    (12.0, "12", "12", "12"),
    (1e15, None, "1000000000000000.0", "1000000000000000"),
    (-12.0, None, "-12", "-12"),
    (12.5, None, "12.5", "12.5"),
    (math.nan, None, "nan", None),
    (math.inf, None, "inf", None),
    (None, None, "", None),
    (dt.date(2026, 12, 6), None, "2026-12-06", None),
    (dt.time(9, 30), None, "09:30:00", None),
    (Damaged("13912345678000"), "13912345678000", "13912345678000", "13912345678000"),
]


@pytest.mark.parametrize(("value", "identifier", "crypto", "round_trip"), TABLE)
def test_each_purpose_reads_a_cell_as_the_table_says(value: Value, identifier: str | None, crypto: str,
                                                     round_trip: str | None) -> None:
    assert identifier_text(value) == identifier
    assert crypto_text(value) == crypto
    assert round_trip_text(value) == round_trip


def test_the_cut_offs_differ_by_purpose() -> None:
    below = 999_999_999_999_999.0
    assert identifier_text(below) == crypto_text(below) == round_trip_text(below) == "999999999999999"
    assert round_trip_text(9_999_999_999_999_998.0) == "9999999999999998"
    assert identifier_text(9_999_999_999_999_998.0) is None


def test_trace_text_drops_what_a_recipient_can_add_unseen() -> None:
    assert trace_text(" 138 1234\u200b5678\ufeff ") == "13812345678"
    assert trace_text("１３８\u3000**５６７８") == "138**5678"
    assert trace_text("王*明") == "王*明"
    assert round_trip_text("138\u200b") == "138\u200b"  # round trips keep what was written


# texts NFKC changes and texts it leaves, composing and combining characters among them
_CELL = st.one_of(st.none(), st.text(st.sampled_from(" a\u00c5A\u030a\u1100\u1161\u3000１中\u0301\x00"), max_size=5),
                  st.sampled_from([5, 1.5, Damaged("1234"), dt.date(2026, 12, 6)]))


@given(st.lists(_CELL, max_size=8))
def test_crypto_texts_is_crypto_text_of_each(values: list[Value]) -> None:
    """A column told NFKC as a whole (its texts joined by NUL) is each cell's crypto_text."""
    assert crypto_texts(values) == [crypto_text(value) for value in values]
