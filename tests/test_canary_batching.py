"""The canaries' batched paths against the per-item reference: same fingerprints, same order."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from masking.watermark import profile
from masking.watermark.membership import fingerprint, fingerprinter
from masking.watermark.profile import ProfileEntries

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
