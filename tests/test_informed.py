"""Issue 18, canary side: an informed single leaker and clear-phone exports, in a small seeded world
(the large one, 10,000 decoys and 100+ fragments per case, is bench/bench_informed.py)."""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from pathlib import Path

import informed_world as w
import numpy as np
import pytest
import trace_harness as h

from masking.errors import UsageError
from masking.synth import customers
from masking.watermark.pool import PhonePool, expand_pool, workstation_slice
from masking.watermark.profile import cell_features, reading_p, suffix_p
from masking.watermark.store import TraceData
from masking.watermark.trace import ALPHA
from masking.workspace import Workspace

DECOYS = 150


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[w.World]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(os, "urandom", random.Random(18).randbytes)  # keys and export ids: one fixed world
        yield w.build(tmp_path_factory.mktemp("informed"), decoys=DECOYS)


def test_an_informed_leaker_is_named_from_200_rows_by_canaries_alone(world: w.World) -> None:
    guilty = world.ids["E0"]
    named = 0
    for seed in range(12):
        report = w.trace(world, w.informed_leak(world.rows["E0"], 200, w.sample_seed("informed", seed)))
        assert w.named(report) <= {guilty}, "an innocent export was named"
        named += w.named(report) == {guilty}
        if w.named(report):
            kinds = {e.key for e in report.named[0].evidence}
            assert "canary_profile" in kinds and "marks" in kinds  # the marks are there, and say nothing
    print(f"\n[informed] {DECOYS + 7} exports: named from 200 re-masked, rounded rows in {named} of 12 fragments")
    assert named >= 11


def test_rows_of_an_informed_leak_name_no_one_else_at_any_size(world: w.World) -> None:
    lowest = 1.0
    for name in ("E1", "E3"):
        for size in (1, 5, 20, 60, 210):
            report = w.trace(world, w.informed_leak(world.rows[name], size, w.sample_seed("size", name, size)))
            assert w.named(report) <= {world.ids[name]}
            lowest = min([lowest, *(c.p_value for c in report.candidates
                                    if c.export_id != world.ids[name] and c.p_value is not None)])
    assert lowest > ALPHA


def test_customers_never_exported_match_no_canary(world: w.World) -> None:
    rows = [[c.name[0] + "**", c.id_number[0] + "*" * 15 + c.id_number[-2:], c.address[:9], f"{c.usage_kwh:.0f}",
             f"{c.arrears:.0f}", c.reading_date.isoformat()] for c in customers(300, seed=4242)]
    report = w.trace(world, rows)
    assert w.named(report) == set()
    assert not any(e.key == "canary_profile" for c in report.candidates for e in c.evidence)


def test_one_canary_row_of_a_clear_phone_export_names_it_even_as_a_bare_phone(world: w.World) -> None:
    guilty = world.ids["phones"]
    rows = world.rows["phones"]
    canaries = world.canaries["phones"]
    real = [r for n, r in enumerate(rows) if n not in canaries]
    for position in canaries:
        rng = w.sample_seed("one canary", position)
        full = [rows[position], *rng.sample(real, 5)]
        bare = [[r[w.PHONE]] for r in full]
        for fragment in (full, bare):
            report = w.trace(world, fragment)
            assert w.named(report) == {guilty}
            assert any(e.key == "pool_unique" for e in report.named[0].evidence)
    # the other clear-phone export held the same customers' phones: without a canary row, no one
    report = w.trace(world, [[r[w.PHONE]] for r in real[:80]])
    assert w.named(report) == set()
    assert any(e.key == "membership_all" for c in report.candidates for e in c.evidence)


def test_phone_only_fragments_of_80_rows(world: w.World) -> None:
    guilty = world.ids["phones"]
    named = 0
    for seed in range(20):
        report = w.trace(world, w.phone_only(world.rows["phones"], 80, w.sample_seed("phones", seed)))
        assert w.named(report) <= {guilty}
        named += w.named(report) == {guilty}
    print(f"\n[clear phones] named from 80 phone-only rows in {named} of 20 fragments")
    assert named >= 19


def test_monitored_numbers_are_not_repeated_within_or_across_a_workstations_exports(world: w.World) -> None:
    numbers = set(expand_pool([w.MONITORED_BLOCK]))
    seen: list[set[str]] = []
    for name in ("phones", "phones2"):
        phones = [world.rows[name][n][w.PHONE] for n in world.canaries[name]]
        assert len(phones) == len(set(phones)) == len(world.canaries[name])
        assert set(phones) <= numbers
        seen.append(set(phones))
    assert not seen[0] & seen[1]
    records = [e.body for e in Workspace(world.home).ledger(world.ring).entries("export")
               if e.body["export_id"] in (world.ids["phones"], world.ids["phones2"])]
    assert [r["trace"]["pool_used"] for r in records] == [10, 10]
    assert [r["trace"]["pool_left"] for r in records] == [10_000, 9_990]


def test_a_small_pool_runs_low_says_so_and_a_shared_number_points_to_a_set(tmp_path: Path) -> None:
    home = tmp_path / "home"
    ring, _ = Workspace(home).keystore.open_or_create()
    source = tmp_path / "src.csv"
    h.write_source(source, 40, seed=5)
    policy = h.write_policy(tmp_path / "p.toml", canary_rate=0.05)
    policy.write_text(policy.read_text(encoding="utf-8").replace('# canary_phones = ["13800000000"]',
                                                                 'canary_phones = ["1700000000x"]'), encoding="utf-8")
    results, monitored = [], []
    for n in range(6):  # two canaries each from 10 numbers: the sixth export starts the order over
        out = tmp_path / f"o{n}.csv"
        results.append(h.export(home, ring, source, out, f"r{n}", ("手机号码=keep",), policy))
        monitored.append({row[2] for row in h.read_rows(out) if row[2].startswith("1700000000")})
    assert [len(m) for m in monitored] == [2] * 6
    assert not set.intersection(*monitored[:5])
    low = [any("monitored" in warning for warning in r.warnings) for r in results]
    assert low == [False, False, False, False, True, True]
    assert any("used up" in warning for warning in results[5].warnings)
    shared = monitored[0] & monitored[5]
    assert shared
    report = w.trace_fragment(w.Fragment(((sorted(shared)[0],),)), w.TraceIndex(home, ring))
    assert report.named == ()
    assert {c.export_id for c in report.candidates if any(e.key == "pool_shared" for e in c.evidence)} \
        == {results[0].export_id, results[5].export_id}


def test_pool_entries_slices_and_order() -> None:
    assert expand_pool(["13800000000", "1700000000x"])[:3] == ("13800000000", "17000000000", "17000000001")
    assert len(expand_pool(["1701234xxxx"])) == 10_000
    with pytest.raises(UsageError, match="not a phone number"):
        expand_pool(["1380000abcd"])
    numbers = expand_pool(["1701234xxxx"])
    slices = {workstation_slice(numbers, 8, f"ws-{n}")[0] for n in range(40)}
    assert len(slices) == 8  # 40 workstations land on every one of the 8 disjoint slices
    pool = PhonePool(("a", "b", "c"), 2)
    assert [pool.take(lambda n: n == "a") for _ in range(3)] == ["c", "b", "c"]
    assert pool.use().wrapped and pool.use().used == 4


def test_trace_data_reads_both_formats() -> None:
    empty = np.zeros(0, np.uint64)
    old = TraceData(np.array([5], np.uint64), empty, empty, np.zeros(0, np.uint32), np.zeros(0, np.bool_))
    blob = old.to_bytes()
    v1 = b"EGTRACE1" + blob[8:16] + blob[16:24] + blob[24:32] + blob[40:]
    assert TraceData.from_bytes(v1).tokens.tolist() == [5]
    new = TraceData(empty, empty, empty, np.zeros(0, np.uint32), np.zeros(0, np.bool_),
                    np.array([9, 4], np.uint64), np.array([0, 1], np.uint32), np.array([0, 11], np.uint8),
                    np.array([3, 4], np.uint8))
    back = TraceData.from_bytes(new.to_bytes())
    assert back.profile_fps.tolist() == [9, 4] and back.profile_kinds.tolist() == [0, 11]


def test_the_odds_of_each_surviving_feature() -> None:
    assert suffix_p(18, 2) == pytest.approx(0.04) and suffix_p(11, 4) == pytest.approx(2e-4)
    assert reading_p(0, 3) == pytest.approx(1.2 / 9.98)
    assert reading_p(0, 500) == pytest.approx(1.2 / (0.46 * 489))
    masked = cell_features("１＊＊＊＊＊＊＊＊＊＊＊＊＊＊＊2X")  # full-width: NFKC folds it
    assert masked.suffix is not None and masked.suffix[1] == "s|18|2|2X"
    assert cell_features("112.10").reading == ("r1|112.1", reading_p(1, 112.1))
    assert cell_features("张某某").ctx == "m|name|张3" and cell_features("江苏省南京市").ctx == "x|江苏省南京市"


def test_export_scoped_tokens_name_the_export_from_two_rows(tmp_path: Path) -> None:
    home = tmp_path / "home"
    ring, _ = Workspace(home).keystore.open_or_create()
    source = tmp_path / "src.csv"
    h.write_source(source, 30, seed=9)
    policy = h.write_policy(tmp_path / "p.toml", canary_rate=0.0)
    policy.write_text(policy.read_text(encoding="utf-8").replace('pseudonym_scope = "recipient"',
                                                                 'pseudonym_scope = "export"'), encoding="utf-8")
    first = h.export(home, ring, source, tmp_path / "a.csv", "银行", (), policy)
    second = h.export(home, ring, source, tmp_path / "b.csv", "银行", (), policy)
    rows_a, rows_b = h.read_rows(tmp_path / "a.csv"), h.read_rows(tmp_path / "b.csv")
    assert all(a[2] != b[2] for a, b in zip(rows_a, rows_b, strict=True))  # same recipient, other tokens
    report = w.trace_fragment(w.Fragment(tuple((row[2],) for row in rows_b[:2])), w.TraceIndex(home, ring))
    assert {c.export_id for c in report.named} == {second.export_id} != {first.export_id}


def test_a_keyed_plus_or_minus_one_on_a_reading_survives_rounding(tmp_path: Path) -> None:
    home = tmp_path / "home"
    ring, _ = Workspace(home).keystore.open_or_create()
    source = tmp_path / "src.csv"
    people = h.write_source(source, 150, seed=11)
    policy = h.write_policy(tmp_path / "p.toml", canary_rate=0.0)
    policy.write_text(policy.read_text(encoding="utf-8").replace('# mark_readings = ["本月电量(kWh)"]',
                                                                 'mark_readings = ["本月电量(kWh)"]'), encoding="utf-8")
    results = [h.export(home, ring, source, tmp_path / f"{n}.csv", f"r{n}", (), policy) for n in range(3)]
    rows = [h.read_rows(tmp_path / f"{n}.csv") for n in range(3)]
    moved = [float(row[6]) - c.usage_kwh for row, c in zip(rows[0], people, strict=True) if c.usage_kwh >= 1]
    assert {round(m, 2) for m in moved} == {-1.0, 1.0}
    assert all(row[7] == f"{c.arrears:.2f}" for row, c in zip(rows[0], people, strict=True))  # only the listed column
    index = w.TraceIndex(home, ring)
    for size in (60, 150):
        fragment = w.informed_leak(rows[1], size, random.Random(size))
        report = w.trace_fragment(w.Fragment(tuple(tuple(r) for r in fragment)), index)
        assert {c.export_id for c in report.named} == {results[1].export_id}  # the others held the same rows
        assert any(e.key == "reading_marks" for e in report.named[0].evidence)
