"""Unit laws of the watermark layers: pattern parsing, keyed choice, statistics, trace data."""

from __future__ import annotations

import itertools
import math
import random
import unicodedata

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from masking.kinds import Kind
from masking.operators.mask import MaskOperator, MaskParams
from masking.watermark.marks import (
    SCHEME_VARIANTS,
    expected_variant,
    expected_variants,
    read_mark,
    strip_invisible,
)
from masking.watermark.stats import chernoff_log_tail, log_combine, log_tail
from masking.watermark.store import TraceData


@pytest.mark.parametrize(("kind", "value"), [
    (Kind.PHONE, "13912345678"), (Kind.PHONE, "0571-84561234"), (Kind.ID_NUMBER, "11010519491231002X"),
    (Kind.METER_ID, "3210100000000000012345"), (Kind.ACCOUNT_NO, "3123456789"), (Kind.PERSON_NAME, "张小明"),
])
def test_every_variant_reads_back_with_the_same_identity(kind: Kind, value: str) -> None:
    observations = [read_mark(str(MaskOperator.mask_one(kind, value, MaskParams(), v))) for v in range(4)]
    assert all(o is not None for o in observations)
    assert len({o.identity for o in observations if o}) == 1
    k = SCHEME_VARIANTS[observations[0].scheme] if observations[0] else 0
    assert [o.variant for o in observations if o] == [v % k for v in range(4)]


def test_marks_survive_nfkc_forms_zero_width_and_separators() -> None:
    plain = read_mark("1391****678")
    assert read_mark("１３９１＊＊＊＊６７８") == plain
    assert read_mark("139\u200b1****678 ") == plain
    assert read_mark("139-1***-*678") == plain
    assert read_mark("张*明") is not None and read_mark("王*") is None and read_mark("13912345678") is None


def test_vectorised_choice_equals_the_scalar_one() -> None:
    rng = random.Random(1)
    keys = [rng.getrandbits(64) for _ in range(5)]
    hashes = [rng.getrandbits(64) for _ in range(7)]
    ks = [2, 4, 4, 2, 4, 2, 4]
    table = expected_variants(np.array(keys, np.uint64), np.array(hashes, np.uint64), np.array(ks))
    for (e, key), (g, h) in itertools.product(enumerate(keys), enumerate(hashes)):
        scheme = "phone" if ks[g] == 2 else "id"
        assert table[e, g] == expected_variant(key, h, scheme)


def test_keyed_choice_is_balanced() -> None:
    table = expected_variants(np.arange(200, dtype=np.uint64) * np.uint64(7919), np.arange(500, dtype=np.uint64),
                              np.full(500, 4))
    counts = np.bincount(table.ravel(), minlength=4) / table.size
    assert np.all(np.abs(counts - 0.25) < 0.01)


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
    assert strip_invisible(text) == expected
