"""Canaries that blend in: drawn from the source's own rows, no per-row rule tells them apart."""

from __future__ import annotations

import random

import canary_harness as h
import pytest

from masking.kinds import Kind
from masking.name_address import split_chinese_name
from masking.watermark.canary import CanaryPools, Reservoir, canary_positions, canary_rng, make_canary


def test_a_classifier_across_exports_does_no_better_than_chance() -> None:
    figures = h.measure(exports=10, rows=1500, seed=7)
    print(f"\n[canaries] {figures['canaries']:.0f} canaries in {figures['rows']:.0f} rows of 10 exports: "
          f"AUC naive Bayes {figures['auc_naive_bayes']:.3f}, logistic {figures['auc_logistic']:.3f}")
    assert figures["canaries"] >= 150
    assert figures["auc_naive_bayes"] <= 0.6 and figures["auc_logistic"] <= 0.6


def test_canaries_follow_their_donors_and_share_no_identifier_with_them() -> None:
    rows = h.source_rows(600, seed=3)
    out, flags = h.export_rows(rows, 3)
    canaries = [row for row, flag in zip(out, flags, strict=True) if flag]
    assert len(canaries) >= 9
    source = {value for row in rows for value in row}
    cities = {str(row[7])[:9] for row in rows}
    for canary in canaries:
        for column, (_, kind) in enumerate(h.COLUMNS):
            if kind in (Kind.PHONE, Kind.ID_NUMBER, Kind.METER_ID, Kind.ACCOUNT_NO, Kind.BANK_CARD, Kind.EMAIL) \
                    and canary[column] is not None:
                assert canary[column] not in source
        assert str(canary[7])[:9] in cities  # the address lies in the source's own city and district
        assert split_chinese_name(str(canary[1])) is not None


def test_blank_cells_of_the_donor_stay_blank_and_pools_still_serve() -> None:
    kinds = [Kind.PHONE, Kind.EMAIL, Kind.PERSON_NAME]
    template = ["13912345678", None, "王小明"]
    pools = CanaryPools(phones=("13800000000",))
    row = make_canary(canary_rng(b"s"), kinds, template, pools, ["13712345678", None, "李芳"])
    assert row == ["13800000000", None, "王芳"]


def test_the_reservoir_is_a_uniform_sample_of_what_streamed_past() -> None:
    hits = [0] * 10
    for trial in range(400):
        reservoir = Reservoir(random.Random(trial), size=5)
        stream = [(i,) for i in range(1000)]
        for start in range(0, 1000, 97):
            reservoir.feed(stream[start:start + 97])
        for row in reservoir.rows:
            hits[int(row[0]) // 100] += 1
    assert len(reservoir.rows) == 5
    assert min(hits) > 150 and max(hits) < 250  # 200 expected in each tenth


@pytest.mark.parametrize("rows", [2, 3, 7, 200])
def test_canaries_go_after_at_least_one_row(rows: int) -> None:
    for n in range(30):
        assert all(1 <= p < rows for p in canary_positions(f"seed{n}".encode(), rows, 5))
    assert canary_positions(b"seed", 1, 2) == [0, 0]
