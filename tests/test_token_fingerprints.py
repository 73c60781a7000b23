"""The batched token fingerprints of the export's trace data against their per-cell reference."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Sequence

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from masking.cell_text import round_trip_text
from masking.io.model import Damaged, Value
from masking.watermark import marks
from masking.watermark.embed import _token_texts
from masking.watermark.membership import _NOT_PLAIN, fingerprinter, fingerprints, token_feature, token_fingerprints

KEYED = fingerprinter(bytes(range(32)))


def _reference(texts: Sequence[str]) -> list[int]:
    """The fingerprints of each text's token feature, one by one (what the batch must equal as a multiset)."""
    return sorted(int(x) for x in fingerprints(KEYED, [f for f in map(token_feature, texts) if f is not None]))


def _batched(texts: Sequence[str]) -> list[int]:
    return sorted(int(x) for x in token_fingerprints(KEYED, texts))


# names, addresses, pseudonyms and what a recipient or a spreadsheet may do to them
SAMPLES = [
    "张伟", "欧阳娜娜", "张", "王*明", "张某某", "李×", "刘X", "刘x", "陈ＸＸ", "张＊明", "阿依古丽·买买提",
    "江苏省南京市六合区光明南路164号", "南京市 鼓楼区", "南京市\u200b鼓楼区", "１３９１２３４５６７８", "Straße 5号",
    "ΣΊΣΥΦΟΣ", "ǅ", "ß", "13912345678", "1", "12", "139-1234-5678", "139 1234 5678", "AB12345", "x", "Wang Wei",
    "\ufeff张伟", "ｶﾀｶﾅ", "①②③", "\u00b7\u00b7", "张\t伟",
]


def test_token_fingerprints_equal_the_reference_on_samples() -> None:
    assert _batched(SAMPLES) == _reference(SAMPLES)
    for text in SAMPLES:  # each alone, so a clean column and a mixed one are both taken
        assert _batched([text] * 3) == _reference([text] * 3), text
    assert _batched([]) == []


def test_digit_columns_take_the_packed_path_and_equal_the_reference() -> None:
    digits = ["13912345678", "3210102124183518628150", "3470090718", "00"]
    assert _batched(digits) == _reference(digits)
    for broken in (["13912345678", "1"], ["139t|5678"], ["13912345678", "１２"], ["12", "3a"]):
        assert _batched(broken) == _reference(broken), broken


def test_the_quick_path_avoids_every_character_read_mark_looks_for() -> None:
    hint = re.search(r"\[(.*)\]", marks._MASK_HINT.pattern)
    assert hint is not None
    # after NFKC (the quick path's texts are in NFKC) every hint character is one of _NOT_PLAIN
    for char in hint.group(1):
        assert unicodedata.normalize("NFKC", char) in _NOT_PLAIN, char


_ALPHABET = st.sampled_from(
    [*"张王李某明伟*×Xx＊ＸｘAbß·- ０１２3456789号栋", "\u200b", "\u3000", "\ufeff", "\t", "Σ", "ǅ", "①"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(_ALPHABET, min_size=0, max_size=12), min_size=0, max_size=40))
def test_token_fingerprints_equal_the_reference(texts: list[str]) -> None:
    texts = [t for t in (t.strip() for t in texts) if t]  # round-trip texts: trimmed, never empty
    assert _batched(texts) == _reference(texts)


_VALUES: list[Value] = [
    " 张伟 ", "13912345678", "", "  ", None, 13912345678, 5, -12, 12.0, 12.5, float("nan"), 1e15, True,
    dt.date(2024, 1, 2), dt.datetime(2024, 1, 2, 3, 4), Damaged("123456789012345"), "１３９\u200b",
]


def test_token_texts_are_the_round_trip_texts() -> None:
    def reference(values: Sequence[Value]) -> list[str]:
        return [t for t in map(round_trip_text, values) if t]

    assert _token_texts(_VALUES) == reference(_VALUES)
    text_only: list[Value] = [v for v in _VALUES if v is None or isinstance(v, str)]
    assert _token_texts(text_only) == reference(text_only)
    assert _token_texts(["a", "b "]) == ["a", "b"]
    assert _token_texts([]) == []


def test_a_mixed_column_equals_the_reference_through_its_texts() -> None:
    texts = _token_texts(_VALUES * 5)
    fps = token_fingerprints(KEYED, texts)
    assert fps.dtype == np.uint64
    assert _batched(texts) == _reference(texts)
