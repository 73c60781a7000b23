"""Unit laws of the watermark layers: pattern parsing, keyed choice, statistics, trace data."""

from __future__ import annotations

import hashlib
import itertools
import math
import random
import unicodedata

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from masking.cell_text import trace_text
from masking.kinds import Action, Kind
from masking.operators import KeyMaterial, OperatorContext, get_operator
from masking.operators.mask import MaskOperator, MaskParams
from masking.plan import ColumnPlan, Plan, SheetPlan
from masking.watermark.canary import CanaryPools, canary_rng, make_canary
from masking.watermark.embed import ExportMarker, MarkSettings
from masking.watermark.marks import (
    MarkObservation,
    expected_variant,
    expected_variants,
    export_mark_key,
    identity_hash,
    identity_key,
    read_mark,
)
from masking.watermark.membership import value_feature
from masking.watermark.stats import chernoff_log_tail, log_combine, log_tail
from masking.watermark.store import TraceData

CTX = OperatorContext("recipient:test", KeyMaterial("KMARK01", b"p" * 32, b"e" * 32, b"h" * 32))


@pytest.mark.parametrize(("kind", "value", "forms"), [
    (Kind.PHONE, "13912345678", 8), (Kind.PHONE, "0571-84561234", 4), (Kind.PHONE, "010-84561234", 2),
    (Kind.ID_NUMBER, "11010519491231002X", 12), (Kind.METER_ID, "3210100000000000012345", 12),
    (Kind.ACCOUNT_NO, "3123456789", 8), (Kind.PERSON_NAME, "张小明", 8),
])
def test_every_variant_reads_back_with_the_same_identity(kind: Kind, value: str, forms: int) -> None:
    observations = [read_mark(str(MaskOperator.mask_one(kind, value, MaskParams(), v))) for v in range(16)]
    assert all(o is not None for o in observations)
    assert len({o.identity for o in observations if o}) == 1
    k = observations[0].k if observations[0] else 0
    assert k == forms
    assert [o.variant for o in observations if o] == [v % k for v in range(16)]
    assert len({MaskOperator.mask_one(kind, value, MaskParams(), v) for v in range(k)}) == k


def test_marks_survive_nfkc_forms_zero_width_and_separators() -> None:
    plain = read_mark("13*****5678")
    assert plain == MarkObservation("phone", "11::678", 2, 8)
    assert read_mark("１３＊＊＊＊＊５６７８") == plain
    assert read_mark("13\u200b*****5678 ") == plain
    assert read_mark("13*-****-5678") == plain
    assert read_mark("*******5678") == MarkObservation("phone", "11::678", 6, 8)
    # forms that show more than the default mask, or a landline's head in part, are no marks
    for text in ("1391****678", "139***45678", "0571***45678", "05*******234", "0*********34", "12******7890"):
        assert read_mark(text) is None, text
    assert read_mark("张*明") is not None and read_mark("13912345678") is None
    assert read_mark("王*") == MarkObservation("name1", "王2", 0, 4)
    assert read_mark("王某") == MarkObservation("name1", "王2", 1, 4)
    assert read_mark("王×") == MarkObservation("name1", "王2", 2, 4)
    assert read_mark("王x") == read_mark("王Ｘ") == MarkObservation("name1", "王2", 3, 4)
    # 某 is a mask character only in a whole masked name, never a surname, the shown character, or mixed with stars
    for text in ("某*", "某某", "张*某", "张某*", "某", "张某某来电", "某某小区", "王先生", "张X×", "张×*", "XX", "×明",
                 "Xbox", "11010519491231002X"):
        assert read_mark(text) is None, text


# --- names: eight renderings (3 bits) for two or more hidden characters, four for one ----------------

NAMES = {  # value -> (scheme, identity, renderings of variants 0..7 with the default name_style)
    "张伟": ("name1", "张2", ("张*", "张某", "张×", "张X") * 2),
    "张小明": ("name", "张3", ("张**", "张*明", "张某某", "张某明", "张××", "张×明", "张XX", "张X明")),
    "张小明华": ("name", "张4", ("张***", "张**华", "张某某某", "张某某华", "张×××", "张××华", "张XXX", "张XX华")),
    "欧阳明": ("name1", "欧3", ("欧阳*", "欧阳某", "欧阳×", "欧阳X") * 2),
    "欧阳小明": ("name", "欧4", ("欧阳**", "欧阳*明", "欧阳某某", "欧阳某明", "欧阳××", "欧阳×明", "欧阳XX",
                             "欧阳X明")),
    "司马小明华": ("name", "司5", ("司马***", "司马**华", "司马某某某", "司马某某华", "司马×××", "司马××华", "司马XXX",
                               "司马XX华")),
}


def _noisy(text: str) -> list[str]:
    """What a leaker's copy may make of a cell: full-width stars, zero-width characters, spaces."""
    full = text.replace("*", "\uff0a").replace("X", "\uff38")
    spread = "\u200b".join(text)
    return [text, full, unicodedata.normalize("NFKC", full), spread, "\ufeff" + full + "\u200d", " ".join(text) + " ",
            text.lower()]


@pytest.mark.parametrize("value", list(NAMES))
@pytest.mark.parametrize("style", ["surname", "middle"])
def test_every_name_rendering_reads_back_its_variant_and_identity(value: str, style: str) -> None:
    scheme, identity, renderings = NAMES[value]
    k = 8 if scheme == "name" else 4
    params = MaskParams(name_style=style)
    for variant in range(8):
        masked = MaskOperator.mask_one(Kind.PERSON_NAME, value, params, variant)
        assert isinstance(masked, str)
        if style == "surname":
            assert masked == renderings[variant]
        shown = variant ^ 1 if style == "middle" and scheme == "name" else variant
        for text in _noisy(masked):
            assert read_mark(text) == MarkObservation(scheme, identity, shown % k, k), (variant, text)


@pytest.mark.parametrize("char", ["#", "\u25cf"])
def test_other_mask_characters_keep_the_style_toggle_only(char: str) -> None:
    params = MaskParams(char=char)
    assert [MaskOperator.mask_one(Kind.PERSON_NAME, "张小明", params, v) for v in range(8)] == \
        [f"张{char}{char}", f"张{char}明"] * 4
    assert {MaskOperator.mask_one(Kind.PERSON_NAME, "张伟", params, v) for v in range(8)} == {f"张{char}"}


class _Master:
    key_id = "KMARK01"

    def subkey(self, purpose: str, length: int = 32) -> bytes:
        return hashlib.sha256(f"test/{purpose}".encode()).digest()[:length]


@pytest.mark.parametrize("style", ["surname", "middle"])
def test_the_embed_side_renders_the_pattern_the_read_side_expects(style: str) -> None:
    """ExportMarker.apply picks each name's pattern from the scheme read_mark gives its default
    rendering; every cell then shows the export's expected variant (k = 8 or 4), whatever the
    NFKC and zero-width noise, and the identity stays that of the default rendering."""
    column = ColumnPlan("S", 0, "A", "户名", Kind.PERSON_NAME, 1.0, Action.MASK, "policy")
    plan = Plan((SheetPlan("S", False, True, len(NAMES), (column,)),))
    operator = get_operator("mask", Kind.PERSON_NAME, MaskParams(name_style=style))
    assert isinstance(operator, MaskOperator)
    values = list(NAMES)
    master = _Master()
    watermark_key = master.subkey("watermark")
    id_key = identity_key(watermark_key)
    seen: dict[str, set[int]] = {scheme: set() for scheme in ("name", "name1")}
    for n in range(40):
        export_id = f"EX-20250101-{n:08X}"
        marker = ExportMarker(export_id, master, plan, {("S", 0): operator}, MarkSettings(canary_rate=0.0))
        out = marker.apply(column, operator, values, CTX).values
        assert marker.marked_cells == marker.markable_cells == len(values)
        mark_key = export_mark_key(watermark_key, export_id)
        for value, cell in zip(values, out, strict=True):
            scheme, identity, _ = NAMES[value]
            assert isinstance(cell, str)
            k = 8 if scheme == "name" else 4
            want = expected_variant(mark_key, identity_hash(id_key, scheme, identity), k)
            seen[scheme].add(want)
            for text in _noisy(cell):
                assert read_mark(text) == MarkObservation(scheme, identity, want, k), (export_id, value, text)
    assert seen == {"name": set(range(8)), "name1": set(range(4))}


def test_vectorised_choice_equals_the_scalar_one() -> None:
    rng = random.Random(1)
    keys = [rng.getrandbits(64) for _ in range(5)]
    hashes = [rng.getrandbits(64) for _ in range(7)]
    ks = [2, 4, 12, 6, 8, 3, 4]
    table = expected_variants(np.array(keys, np.uint64), np.array(hashes, np.uint64), np.array(ks))
    for (e, key), (g, h) in itertools.product(enumerate(keys), enumerate(hashes)):
        assert table[e, g] == expected_variant(key, h, ks[g])


def test_keyed_choice_is_balanced() -> None:
    for k in (4, 6, 8, 12):
        table = expected_variants(np.arange(200, dtype=np.uint64) * np.uint64(7919),
                                  np.arange(500, dtype=np.uint64), np.full(500, k))
        counts = np.bincount(table.ravel(), minlength=k) / table.size
        assert np.all(np.abs(counts - 1 / k) < 0.01)


def test_poisson_binomial_tail_matches_brute_force() -> None:
    trials = {0.25: 3, 0.5: 2}
    ps = [0.25] * 3 + [0.5] * 2
    for successes in range(6):
        exact = sum(math.prod(p if hit else 1 - p for p, hit in zip(ps, pattern, strict=True))
                    for pattern in itertools.product([0, 1], repeat=5) if sum(pattern) >= successes)
        assert math.exp(log_tail(successes, trials)) == pytest.approx(exact, rel=1e-9)
        assert chernoff_log_tail(successes, trials) >= math.log(exact) - 1e-9 or successes <= 1.75


def test_tiny_tails_stay_finite_and_fisher_is_conservative() -> None:
    assert log_tail(2000, {0.5: 2000}) == pytest.approx(2000 * math.log(0.5), rel=1e-6)
    assert log_combine([math.log(0.01), math.log(0.01)]) > math.log(0.0001)
    assert log_combine([]) == 0.0


def test_trace_data_round_trips_and_refuses_truncation() -> None:
    data = TraceData(np.array([3, 1], np.uint64), np.array([7], np.uint64), np.array([9, 8], np.uint64),
                     np.array([0, 1], np.uint32), np.array([True, False]))
    back = TraceData.from_bytes(data.to_bytes())
    assert back.tokens.tolist() == [3, 1] and back.canary_strong.tolist() == [True, False] and back.canaries == 2
    from masking.errors import InputError

    with pytest.raises(InputError):
        TraceData.from_bytes(data.to_bytes()[:-1])


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=30))
def test_strip_invisible_fast_paths_agree_with_the_definition(text: str) -> None:
    folded = unicodedata.normalize("NFKC", text)
    expected = "".join(ch for ch in folded if not ch.isspace() and unicodedata.category(ch) != "Cf")
    assert trace_text(text) == expected


def test_canary_readings_are_drawn_anew_and_never_whole() -> None:
    """A canary's plain decimals (numbers, or text from a CSV source, even "0.00") are redrawn as
    non-whole readings with the template's decimals, so trace registers them; other kind-less cells
    copy the template."""
    template = ["0.00", "112.13", 57.25, "13.7", "1,234.56", "2024-11-17", 12, "已缴清"]
    same = 0
    for seed in range(200):
        row = make_canary(canary_rng(seed.to_bytes(2, "big")), [None] * len(template), template, CanaryPools())
        assert row[5:] == template[5:]
        for before, after in zip(template[:5], row[:5], strict=True):
            assert type(after) is type(before)
            same += after == before
            text = str(after)
            assert value_feature(text) is not None, text
            if isinstance(before, str):
                assert len(text.rsplit(".", 1)[1]) == len(before.rsplit(".", 1)[1])  # the same decimals
    assert same < 20  # of 1,000 redrawn readings


def test_every_canary_position_has_a_source_row_to_go_before() -> None:
    from masking.watermark.canary import canary_positions

    assert canary_positions(b"seed", 0, 3) == []
    for rows in (1, 2, 3, 7, 200):
        for n in range(50):
            positions = canary_positions(f"seed{n}".encode(), rows, 5)
            assert len(positions) == 5 and all(0 <= p < rows for p in positions)
