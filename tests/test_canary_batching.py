"""The canaries' batched paths against the per-item reference: same fingerprints, same order."""

from __future__ import annotations

import hashlib
import pickle
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from masking.io.model import Damaged, Value
from masking.kinds import Action, Kind
from masking.plan import ColumnPlan, Plan, SheetPlan
from masking.watermark import profile
from masking.watermark.canary import _fresh_digits
from masking.watermark.embed import ExportMarker, MarkSettings
from masking.watermark.membership import MIN_TOKEN_CHARS, fingerprint, fingerprinter
from masking.watermark.profile import ProfileEntries
from masking.watermark.source_ids import SourceIdCollector, _other_hash, identifier_hash, identifier_hashes

KEYED = fingerprinter(bytes(range(32)))
_FEATURE = st.text(st.sampled_from("0123456789.|sxrm张王*X\u200b\uff11 "), max_size=24)
_Entry = tuple[str, int, int]
_ENTRY = st.tuples(_FEATURE, st.integers(0, 210), st.integers(0, 400))


@given(st.lists(st.tuples(st.integers(0, 70_000), st.lists(_ENTRY, max_size=6)), max_size=12))
def test_profile_entries_equal_one_fingerprint_per_feature(canaries: list[tuple[int, list[_Entry]]]) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(profile, "QUEUED_FEATURES", 3)  # several keyed calls, one queue boundary after another
        entries = ProfileEntries(KEYED)
        for number, features in canaries:
            entries.add(number, features)
        fps, numbers, kinds, slots = entries.arrays()
    expected = [(fingerprint(KEYED, f), n, k, min(s, 255)) for n, features in canaries for f, k, s in features]
    assert [(int(fp), int(n), int(k), int(s)) for fp, n, k, s in zip(fps, numbers, kinds, slots, strict=True)] \
        == expected
    assert (fps.dtype, numbers.dtype, kinds.dtype, slots.dtype) == ("uint64", "uint32", "uint8", "uint8")


@given(st.integers(0, 2**32), st.integers(0, 40))
def test_fresh_digits_are_the_randrange_digits(seed: int, count: int) -> None:
    fast, reference = random.Random(seed), random.Random(seed)
    assert _fresh_digits(fast, count) == "".join(str(reference.randrange(10)) for _ in range(count))
    assert fast.random() == reference.random()  # the stream goes on from the same place


_TOKEN_TEXT = st.text(st.sampled_from("0123456789Xab张"), min_size=1, max_size=8)


@given(st.lists(st.lists(_TOKEN_TEXT, max_size=30), max_size=5), st.lists(_TOKEN_TEXT, max_size=6))
def test_found_is_a_lookup_of_each(chunks: list[list[Value]], asked: list[str]) -> None:
    """Asked between chunks (against the sorted runs so far) and at the end, as the canary draws ask."""
    collector = SourceIdCollector()
    held: set[int] = set()
    for chunk in chunks:
        collector.add(chunk)
        held |= _reference_hashes(chunk)  # the collector's token texts
        assert collector.found(identifier_hashes(asked)).tolist() == [identifier_hash(text) in held for text in asked]
    assert collector.result().tolist() == sorted(held)


class _Master:
    key_id = "KCANARY"

    def subkey(self, purpose: str, length: int = 32) -> bytes:
        return hashlib.sha256(f"test/{purpose}".encode()).digest()[:length]


_COLUMNS = (
    ColumnPlan("S", 0, "A", "户号", Kind.ACCOUNT_NO, 1.0, Action.PSEUDONYMIZE, "policy"),
    ColumnPlan("S", 1, "B", "户名", Kind.PERSON_NAME, 1.0, Action.MASK, "policy"),
    ColumnPlan("S", 2, "C", "手机", Kind.PHONE, 1.0, Action.KEEP, "policy"),
    ColumnPlan("S", 3, "D", "身份证", Kind.ID_NUMBER, 1.0, Action.MASK, "policy"),
    ColumnPlan("S", 4, "E", "电量", None, 1.0, Action.KEEP, "policy"),
    ColumnPlan("S", 5, "F", "备注", Kind.FREE_TEXT, 1.0, Action.KEEP, "policy"),
    ColumnPlan("S", 6, "G", "密码", Kind.SECRET, 1.0, Action.DROP, "policy"),
)
_CELL = st.one_of(
    st.none(), st.integers(-5, 10**12), st.floats(allow_nan=True, allow_infinity=True),
    st.dates(), st.sampled_from(["", " ", "张*明", "张某", "110***********1234", "1381234****", "13812345678",
                                 "１３８１２３４５６７８", "138\u200b1234\u200b5678", "112.13", "0.00", "1,234.56",
                                 "低保户", "2024-11-06", "X", "ab"]),
    st.builds(Damaged, st.sampled_from(["110105194912310000", "3210102124183518"])),
    st.text(st.sampled_from("0123456789.*X张明 \u200b\uff11"), max_size=20),
)


@given(st.lists(st.tuples(*[_CELL] * len(_COLUMNS)), min_size=1, max_size=8))
def test_canaries_recorded_together_equal_one_at_a_time(rows: list[tuple[Value, ...]]) -> None:
    """record_canaries works a column at a time and shares the features of equal cells: the trace
    data are those of recording each canary row alone."""
    plan = Plan((SheetPlan("S", False, True, 10, _COLUMNS),))

    def marker() -> ExportMarker:
        return ExportMarker("EX-20260101-CANARY00", _Master(), plan, {}, MarkSettings(canary_rate=0.0))

    together, alone = marker(), marker()
    numbers = list(range(3, 3 + len(rows)))
    together.record_canaries(_COLUMNS, list(zip(*rows, strict=True)), numbers)
    for number, row in zip(numbers, rows, strict=True):
        alone.record_canaries(_COLUMNS, [(cell,) for cell in row], [number])
    assert pickle.dumps(together.finish()) == pickle.dumps(alone.finish())


_ID_CELL = st.one_of(
    st.text(st.sampled_from("0123456789"), min_size=0, max_size=22),
    st.builds(Damaged, st.text(st.sampled_from("0123456789"), min_size=1, max_size=18)),
    st.sampled_from(["51152519900507390X", "51152519900507390x", " 13812345678 ", "138-1234-5678",
                     "１３８１２３４５６７８", "138\u200b12345678", "110***********1234", "5", "", "abc", "张三"]),
    st.integers(-20, 10**18), st.floats(allow_nan=True), st.none(), st.dates(),
)


def _reference_hashes(chunk: list[Value]) -> set[int]:
    """Each cell's token-text hash the slow way (plain digit strings as they are, others through
    their token feature)."""
    out = set()
    for value in chunk:
        if type(value) is str and value.isdigit() and value.isascii():
            if len(value) >= MIN_TOKEN_CHARS:
                out.add(identifier_hash(value))
        elif (hashed := _other_hash(value)) is not None:
            out.add(hashed)
    return out


@given(st.lists(st.lists(_ID_CELL, max_size=12), max_size=4),
       st.lists(st.text(st.sampled_from("0123456789"), min_size=2, max_size=22), max_size=12))
def test_source_ids_equal_each_cell_hashed_alone(chunks: list[list[Value]], digits: list[str]) -> None:
    ids = [text[:-1] + "X" if index % 2 else text for index, text in enumerate(digits)]
    # columns of plain digit strings only, and with some ending in X (resident IDs): the bulk path
    chunks = [*chunks, digits, ids]
    collector = SourceIdCollector()
    for chunk in chunks:
        collector.add(chunk)
    assert collector.result().tolist() == sorted(set().union(*map(_reference_hashes, chunks)))
