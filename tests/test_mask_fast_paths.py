"""The mask's fast paths give what the reference paths give, value by value (issue 17).

* :func:`masking.checksums.id_numbers_valid_many` (numpy) against :func:`id_number_valid`;
* :func:`masking.operators.canonical.valid_digits_many` against :func:`valid_digits`;
* :meth:`MaskOperator.apply_batch` (plain values validated together) against :meth:`MaskOperator.mask_one`
  cell by cell, with and without watermark variants, over full-width digits, zero-width characters,
  separators, blanks, whole and fractional numbers, ``Damaged``, dates and booleans;
* :func:`masking.watermark.marks.digit_form` against :func:`read_mark` of the rendering;
* :meth:`ExportMarker.apply`, which picks a plain value's pattern before rendering it, against the
  render / read back / render again algorithm it replaced (outputs, counts and the marks recorded).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from masking.checksums import id_check_char, id_number_valid, id_numbers_valid_many
from masking.io.model import Damaged, Value
from masking.kinds import Action, Kind
from masking.operators import KeyMaterial, OperatorContext, get_operator
from masking.operators.base import BatchResult, is_blank
from masking.operators.canonical import valid_digits, valid_digits_many
from masking.operators.mask import MaskOperator, MaskParams
from masking.plan import ColumnPlan, Plan, SheetPlan
from masking.risk.projection import Projection
from masking.watermark.embed import ExportMarker, MarkSettings
from masking.watermark.marks import (
    MarkObservation,
    digit_form,
    expected_variant,
    export_mark_key,
    identity_hash,
    identity_key,
    read_mark,
)

FAST = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CTX = OperatorContext("recipient:test", KeyMaterial("KFAST01", b"p" * 32, b"e" * 32, b"h" * 32))
DIGITS = "0123456789"


def _id18(rng: random.Random, *, region: str | None = None) -> str:
    born = dt.date(1890, 1, 1) + dt.timedelta(days=rng.randrange(160 * 366))
    first17 = f"{region or rng.choice(['110105', '320102', '440305', '510104', '990000', '000000'])}" \
              f"{born:%Y%m%d}{rng.randrange(1000):03d}"
    return first17 + id_check_char(first17)


def _ids(rng: random.Random, count: int) -> list[str]:
    """Valid IDs, and IDs broken in every way the validator checks: check character, province, date."""
    out = []
    for _ in range(count):
        number = _id18(rng)
        match rng.randrange(6):
            case 0:
                number = number[:17] + rng.choice("0123456789X")  # a wrong check character, mostly
            case 1:
                number = number[:10] + f"{rng.randrange(100):02d}" + number[12:]  # month 00-99
            case 2:
                number = number.lower() if number.endswith("X") else number[:17] + "x"
            case _:
                pass
        out.append(number)
    return out


@FAST
@given(st.lists(st.text(alphabet=DIGITS + "X", min_size=18, max_size=18), max_size=20), st.integers(0, 2**32))
def test_batched_id_validation_equals_the_scalar_one(texts: list[str], seed: int) -> None:
    edges = [f"110105{born}001" for born in ("19000101", "18991231", "19900101", "19900102", "20261206", "20261207")]
    numbers = [*texts, *_ids(random.Random(seed), 40), *(n + id_check_char(n) for n in edges)]
    upper = [n.upper() for n in numbers]
    chars = (np.frombuffer("".join(upper).encode("ascii"), dtype=np.uint8) - ord("0")).reshape(-1, 18)
    for today in (dt.date(2026, 12, 6), dt.date(1990, 1, 1), None):
        assert id_numbers_valid_many(chars, today=today).tolist() == \
            [id_number_valid(n, today=today) for n in numbers]


def test_batched_id_validation_refuses_other_bytes() -> None:
    good = "11010519491231002X"
    rows = [good, good.replace("1", "-", 1), good[:17] + "Y", good[:5] + "\u0000" + good[6:]]
    chars = (np.frombuffer("".join(rows).encode("ascii"), dtype=np.uint8) - ord("0")).reshape(-1, 18)
    assert id_numbers_valid_many(chars).tolist() == [True, False, False, False]


_CANONICAL_CASES = {
    Kind.ID_NUMBER: st.one_of(
        st.integers(0, 2**32).map(lambda seed: _ids(random.Random(seed), 1)[0]),
        st.text(alphabet=DIGITS + "Xx -", min_size=14, max_size=19),
        st.sampled_from(["110-105-491231-002", "110105491231002", "11010519491231002X",
                         "１１０１０５１９４９１２３１００２Ｘ"]),
    ),
    Kind.PHONE: st.text(alphabet=DIGITS, min_size=9, max_size=13),
    Kind.METER_ID: st.text(alphabet=DIGITS, min_size=21, max_size=23),
    Kind.ACCOUNT_NO: st.text(alphabet=DIGITS + "a", min_size=4, max_size=42),
    Kind.BANK_CARD: st.text(alphabet=DIGITS, min_size=12, max_size=20),
}


@pytest.mark.parametrize("kind", list(_CANONICAL_CASES))
@FAST
@given(data=st.data())
def test_valid_digits_many_equals_valid_digits(kind: Kind, data: st.DataObject) -> None:
    canonicals = data.draw(st.lists(_CANONICAL_CASES[kind], max_size=30))
    assert valid_digits_many(kind, canonicals) == [valid_digits(kind, c) for c in canonicals]


def _variants(rng: random.Random) -> list[Value]:
    """Values of every digit kind in every spelling, and cells that are no identifier at all."""
    base: list[str] = [
        *_ids(rng, 12), "13912345678", "13812345678", "0571-84561234", "057184561234", "01084561234",
        "4008001234", "02112345678", "3210100000000000012345", "3123456789", "31234567890", "312345678901",
        "123456", "6222021234567890123", "110105491231002",
    ]
    spelled: list[Value] = []
    for text in base:
        spelled += [
            text, f" {text} ", "+86 " + text, text[:3] + "-" + text[3:], text[:4] + " " + text[4:],
            text.translate({ord(d): ord(d) + 0xFEE0 for d in DIGITS}),  # full-width digits
            "\u200b".join(text), text.lower(),
        ]
        if text.isdigit():
            spelled += [int(text), float(int(text)), Damaged(text[:15] + "0" * (len(text) - 15))]
    return [*spelled, None, "", "  ", "n/a", "139****5678", 12.5, -13912345678, True, dt.date(2024, 1, 2),
            dt.datetime(2024, 1, 2, 3, 4), 0, 7]


def _one_by_one(operator: MaskOperator, values: list[Value], variants: list[int] | None) -> BatchResult:
    """apply_batch as it was: each value masked on its own by mask_one."""
    params = operator.params
    assert isinstance(params, MaskParams)
    out: list[Value] = []
    counts = {"transformed": 0, "blank": 0, "unparsed": 0, "damaged": 0}
    for position, value in enumerate(values):
        if is_blank(value):
            out.append(value)
            counts["blank"] += 1
        elif isinstance(value, Damaged):
            out.append(params.char * 4)
            counts["damaged"] += 1
        else:
            masked = MaskOperator.mask_one(operator.kind, value, params, variants[position] if variants else 0)
            out.append(params.char * 4 if masked is None else masked)
            counts["unparsed" if masked is None else "transformed"] += 1
    result = operator.apply_batch(values, CTX)
    return BatchResult(out, type(result.counts)(**counts))


@pytest.mark.parametrize("kind", [Kind.ID_NUMBER, Kind.PHONE, Kind.METER_ID, Kind.ACCOUNT_NO, Kind.BANK_CARD])
@pytest.mark.parametrize("params", [MaskParams(), MaskParams(char="#"), MaskParams(keep_first=2),
                                    MaskParams(keep_first=0, keep_last=1)])
def test_batch_mask_equals_mask_one_per_cell(kind: Kind, params: MaskParams) -> None:
    rng = random.Random(f"{kind}{params}")
    values = _variants(rng)
    rng.shuffle(values)
    operator = get_operator("mask", kind, params)
    assert isinstance(operator, MaskOperator)
    for variants in (None, [rng.randrange(16) for _ in values]):
        expected = _one_by_one(operator, values, variants)
        got = operator.apply_batch(values, CTX, variants=variants)
        assert got.values == expected.values
        assert [type(v) for v in got.values] == [type(v) for v in expected.values]
        assert got.counts == expected.counts


@FAST
@given(st.text(alphabet=DIGITS, min_size=1, max_size=24), st.integers(0, 8), st.integers(0, 8))
def test_digit_form_is_what_read_mark_reads_from_the_rendering(digits: str, first: int, last: int) -> None:
    for number in (digits, digits[:-1] + "X"):
        hidden = max(len(number) - first - last, 0)
        shown = "*" * len(number) if hidden == 0 else number[:first] + "*" * hidden + number[len(number) - last:]
        form = digit_form(number, first, last)
        assert (MarkObservation(*form) if form else None) == read_mark(shown)


def test_digit_form_reads_every_mark_table() -> None:
    assert digit_form("13912345678", 3, 4) == ("phone", "11::678", 0, 8)
    assert digit_form("11010519491231002X", 4, 4) == ("id", "1:2X", 11, 12)
    assert digit_form("057184561234", 4, 4) == ("phone", "12:057:234", 0, 4)
    assert digit_form("3123456789", 2, 3) == ("account", ":89", 0, 8)
    assert digit_form("3123456789", 4, 3) is None


class _Master:
    key_id = "KFAST01"

    def subkey(self, purpose: str, length: int = 32) -> bytes:
        return hashlib.sha256(f"fast/{purpose}".encode()).digest()[:length]


def _read_back(export_id: str, operator: MaskOperator, values: list[Value]) -> tuple[list[Value], list, int, int]:
    """The marker's algorithm before the forms were picked ahead: every output read back, and the cells
    whose pattern differs rendered again. (outputs, marks, marked cells, markable cells)"""
    watermark_key = _Master().subkey("watermark")
    mark_key, id_key = export_mark_key(watermark_key, export_id), identity_key(watermark_key)
    out = list(operator.apply_batch(values, CTX).values)
    marks = [read_mark(v) if isinstance(v, str) else None for v in out]
    marked = markable = 0
    for position, mark in enumerate(marks):
        if mark is None:
            continue
        markable += 1
        target = expected_variant(mark_key, identity_hash(id_key, mark.scheme, mark.identity), mark.k)
        variant = target ^ mark.variant if mark.scheme == "name" else target
        if variant:
            out[position] = operator.remask([values[position]], [variant])[0]
            marks[position] = read_mark(out[position]) if isinstance(out[position], str) else None
        again = marks[position]
        marked += again is not None and again.variant == target
    return out, marks, marked, markable


@pytest.mark.parametrize("kind", [Kind.ID_NUMBER, Kind.PHONE, Kind.METER_ID, Kind.ACCOUNT_NO, Kind.PERSON_NAME])
@pytest.mark.parametrize("char", ["*", "#", "\uff0a"])
def test_marker_picks_the_form_the_read_back_algorithm_rendered(kind: Kind, char: str) -> None:
    rng = random.Random(f"{kind}{char}")
    values = [*_variants(rng), "张小明", "欧阳娜娜", "王伟", "张 小明", "Wang Xiaoming"]
    values += [f"1{rng.randrange(3, 10)}{rng.randrange(10**9):09d}" for _ in range(300)]  # mobiles
    values += [f"{rng.randrange(10**10):010d}" for _ in range(100)]  # accounts, some read as nothing
    values += [f"{rng.randrange(10**11):011d}" for _ in range(100)]  # 11-digit accounts read as phones
    values += [f"{rng.randrange(10**21, 10**22)}" for _ in range(100)]  # meters
    values += _ids(rng, 300)
    rng.shuffle(values)
    column = ColumnPlan("S", 0, "A", "列", kind, 1.0, Action.MASK, "policy")
    plan = Plan((SheetPlan("S", False, True, len(values), (column,)),))
    operator = get_operator("mask", kind, MaskParams(char=char))
    assert isinstance(operator, MaskOperator)
    for n in range(3):
        export_id = f"EX-20260101-{n:08X}"
        marker = ExportMarker(export_id, _Master(), plan, {("S", 0): operator}, MarkSettings(canary_rate=0.0))
        expected, marks, marked, markable = _read_back(export_id, operator, values)
        for chunk in range(0, len(values), 256):  # several chunks: the marker's memo carries over
            out = marker.apply(column, operator, values[chunk:chunk + 256], CTX).values
            assert out == expected[chunk:chunk + 256]
            assert [type(v) for v in out] == [type(v) for v in expected[chunk:chunk + 256]]
            assert marker._marks[("S", 0)][1] == marks[chunk:chunk + 256]  # what record() reuses
        assert (marker.marked_cells, marker.markable_cells) == (marked, markable)
        if char == "*" and kind is not Kind.PERSON_NAME:
            assert markable > 50


def test_the_projection_shows_a_blank_cell_as_nothing() -> None:
    """Projection.shown takes crypto_text of every cell, blank or not: NFKC turns no whitespace
    character into anything else, so a blank cell's text is "" (every whitespace character checked)."""
    spaces = [c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace()]
    blanks: list[Value] = [None, "", *spaces, "".join(spaces), " \u3000\t"]
    for kind, action in ((Kind.PERSON_NAME, Action.KEEP), (Kind.ID_NUMBER, Action.MASK), (None, Action.KEEP)):
        assert Projection(kind, action).shown(blanks) == [""] * len(blanks)
        assert Projection(kind, action).shown([" 张伟 ", "11010519491231002X"])[0] != ""


def _plain_chunk(kind: Kind, rng: random.Random) -> list[Value]:
    """A chunk of plain text cells of one length, the usual one of an identifier column."""
    if kind is Kind.ID_NUMBER:
        return [number for number in _ids(rng, 600) if not number.endswith("x")]  # valid, invalid, final X
    length = {Kind.PHONE: 11, Kind.METER_ID: 22, Kind.ACCOUNT_NO: 10}[kind]
    head = "1" if kind is Kind.PHONE else ""
    return [head + "".join(rng.choices(DIGITS, k=length - len(head))) for _ in range(600)]


@pytest.mark.parametrize("kind", [Kind.ID_NUMBER, Kind.PHONE, Kind.METER_ID, Kind.ACCOUNT_NO])
def test_a_chunk_of_plain_values_of_one_length_is_masked_and_marked_as_cell_by_cell(kind: Kind) -> None:
    """Such a chunk is told plain, given its forms and masked in bulk (one join of its cells, one form
    for all or per distinct identity, the stars set in numpy): the same outputs, counts and marks."""
    rng = random.Random(str(kind))
    values = _plain_chunk(kind, rng)
    assert any(str(v).endswith("X") for v in values) or kind is not Kind.ID_NUMBER
    operator = get_operator("mask", kind, MaskParams())
    assert isinstance(operator, MaskOperator)
    for variants in (None, [5] * len(values), [rng.randrange(16) for _ in values]):
        expected = _one_by_one(operator, values, variants)
        got = operator.apply_batch(values, CTX, variants=variants)
        assert (got.values, got.counts) == (expected.values, expected.counts)
    column = ColumnPlan("S", 0, "A", "列", kind, 1.0, Action.MASK, "policy")
    plan = Plan((SheetPlan("S", False, True, len(values), (column,)),))
    marker = ExportMarker("EX-20260101-00000001", _Master(), plan, {("S", 0): operator}, MarkSettings(canary_rate=0.0))
    expected_out, marks, marked, markable = _read_back("EX-20260101-00000001", operator, values)
    out = marker.apply(column, operator, values, CTX).values
    assert out == expected_out
    assert marker._marks[("S", 0)][1] == marks
    assert (marker.marked_cells, marker.markable_cells) == (marked, markable)
    assert markable > 100
