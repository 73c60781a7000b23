"""Trace against a ledger of 10,000+ exports: the Done-when figures of issue 6, printed.

One module-scoped ledger: real exports of a 600-customer source (pseudonymized, masked, a repeat of
the masked one to the same recipient, two colluding recipients, a masked one with canaries) plus
10,000 decoy exports crafted through the trace store and the ledger, each holding a random subset of
the same customers' masked identities so that membership cannot rule them out: marks must.
"""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
import trace_harness as h

from masking.cli.main import run
from masking.errors import PolicyError
from masking.keys import KeyRing
from masking.kinds import Kind
from masking.operators.mask import MaskOperator, MaskParams
from masking.synth import Customer, customers
from masking.watermark.trace import ALPHA, Fragment, TraceIndex, TraceReport, read_fragment, trace_fragment
from masking.workspace import Workspace

DECOYS = 10_000
SOURCE_ROWS = 600


@dataclass(frozen=True)
class World:
    home: Path
    ring: KeyRing
    tmp: Path
    ids: dict[str, str]
    rows: dict[str, list[list[str]]]
    files: dict[str, Path]
    index: TraceIndex
    people: list[Customer]


def _seeded_urandom(seed: int) -> Callable[[int], bytes]:
    """Deterministic stand-in for os.urandom (keys, salts, export ids) so the world is the same every run."""
    rng = random.Random(seed)
    return rng.randbytes


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    # The figures below are statistical: with fresh random keys each run, a rare key can land a
    # case on the other side of a threshold. The world is pinned so that CI checks one fixed,
    # reproducible draw; bench/bench_trace.py measures across fresh keys.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(os, "urandom", _seeded_urandom(6))
        yield _build_world(tmp_path_factory)


def _build_world(tmp_path_factory: pytest.TempPathFactory) -> World:
    tmp = tmp_path_factory.mktemp("trace")
    home = tmp / "home"
    ring, _ = Workspace(home).keystore.open_or_create()
    source = tmp / "客户明细.csv"
    people = h.write_source(source, SOURCE_ROWS, seed=2024)
    no_canaries = h.write_policy(tmp / "no_canaries.toml", canary_rate=0.0)
    plans: dict[str, tuple[str, Sequence[str], Path | None, str]] = {
        "P": ("城东代收银行", (), no_canaries, "xlsx"),
        "T": ("城西催收公司", h.MASKED, no_canaries, "xlsx"),
        "D": ("城西催收公司", h.MASKED, no_canaries, "xlsx"),  # the same file to the same recipient again
        "A": ("甲公司", h.MASKED, no_canaries, "csv"),
        "B": ("乙公司", h.MASKED, no_canaries, "csv"),
        "C": ("丙公司", h.MASKED, None, "csv"),  # masked, with canary rows
    }
    ids, rows, files = {}, {}, {}
    for name, (recipient, actions, policy, fmt) in plans.items():
        out = tmp / f"{name}.{fmt}"
        result = h.export(home, ring, source, out, recipient, actions, policy)
        ids[name], rows[name], files[name] = result.export_id, h.read_rows(out), out
    population = h.population_masked_fps(people + list(customers(3000, seed=99)),
                                         ring.active.subkey("watermark"))
    started = time.perf_counter()
    h.seed_decoys(home, ring, DECOYS, population)
    seeded = time.perf_counter() - started
    started = time.perf_counter()
    index = TraceIndex(home, ring)
    print(f"\n[trace] seeded {DECOYS} decoy exports in {seeded:.1f} s; trace index of "
          f"{len(index.exports)} exports loaded in {time.perf_counter() - started:.1f} s")
    return World(home, ring, tmp, ids, rows, files, index, people)


def _trace(world: World, rows: Sequence[Sequence[str]]) -> TraceReport:
    return trace_fragment(Fragment(tuple(tuple(r) for r in rows)), world.index)


def _named(report: TraceReport) -> set[str]:
    return {c.export_id for c in report.named}


def _rows_to_name(world: World, name: str, make: object, sizes: Sequence[int], seeds: int = 3) -> int | None:
    """The smallest fragment size at which every one of ``seeds`` fragments names export ``name``."""
    assert callable(make)
    for size in sizes:
        reports = [_trace(world, make(size, random.Random(seed))) for seed in range(seeds)]
        for report in reports:
            assert _named(report) <= {world.ids[name]}, "an innocent export was named"
        if all(r.verdict is not None and r.verdict.export_id == world.ids[name] for r in reports):
            return size
    return None


def test_two_rows_name_the_export_when_a_pseudonymized_column_survives(world: World) -> None:
    rows = world.rows["P"]
    for seed in range(5):
        rng = random.Random(seed)
        fragment = [[row[2]] for row in rng.sample(rows, 2)]  # only the pseudonymized phone column
        report = _trace(world, fragment)
        assert report.verdict is not None and report.verdict.export_id == world.ids["P"]
        assert _named(report) == {world.ids["P"]}
    print(f"\n[trace] pseudonymized phone column only: named from 2 rows (p <= {report.named[0].p_value:.2g}, "
          f"{report.exports_tested} exports tested)")


def test_twenty_rows_of_a_masked_export_survive_csv_subset_shuffle_paste_and_unicode(world: World) -> None:
    def make(size: int, rng: random.Random) -> list[list[str]]:
        rows = h.csv_round_trip(world.rows["T"], world.tmp)  # xlsx -> csv
        rows = rng.sample(rows, size)  # random subset, shuffled
        rows = h.unicode_noise(rows, rng)  # full-width forms and zero-width spaces
        pasted = h.paste_as_values(rows, world.tmp / f"pasted_{size}_{rng.random():.6f}.xlsx")
        return [list(r) for r in read_fragment(pasted).rows]

    needed = _rows_to_name(world, "T", make, (10, 20))
    print(f"\n[trace] masked export after xlsx->csv, subset, shuffle, paste-as-values, NFKC, zero-width: "
          f"named from {needed} rows")
    assert needed is not None and needed <= 20
    # the same file sent to the same recipient again (export D) carries the same customers, yet is not named
    report = _trace(world, make(20, random.Random(11)))
    assert world.ids["D"] not in _named(report)


def test_one_surviving_marked_column_names_the_export(world: World) -> None:
    figures = {}
    for column, label in ((0, "户号"), (2, "手机号码"), (3, "电能表资产编号"), (4, "身份证号码"), (1, "户名")):
        def make(size: int, rng: random.Random, column: int = column) -> list[list[str]]:
            return h.keep_columns(rng.sample(world.rows["T"], size), [column])
        figures[label] = _rows_to_name(world, "T", make, (10, 20, 30, 50, 100, 150), seeds=2)
    print(f"\n[trace] one marked column only, rows needed: {figures}")
    for label in ("户号", "手机号码", "电能表资产编号", "身份证号码", "户名"):
        needed = figures[label]
        assert needed is not None and needed <= 50, label


def test_ten_percent_randomised_marked_cells(world: World) -> None:
    def make(size: int, rng: random.Random) -> list[list[str]]:
        return h.randomise_marked(rng.sample(world.rows["T"], size), 0.10, rng)[0]

    needed = _rows_to_name(world, "T", make, (20, 40, 60))
    print(f"\n[trace] 10% of marked cells randomised: named from {needed} rows")
    assert needed is not None and needed <= 60


def test_two_colluders_are_both_named_and_no_one_else(world: World) -> None:
    sizes = {}
    for size in (40, 80, 150):
        ok = True
        for seed in range(3):
            rng = random.Random(seed)
            merged = rng.sample(world.rows["A"], size // 2) + rng.sample(world.rows["B"], size - size // 2)
            rng.shuffle(merged)
            named = _named(_trace(world, merged))
            assert named <= {world.ids["A"], world.ids["B"]}
            ok = ok and named == {world.ids["A"], world.ids["B"]}
        if ok:
            sizes["both named"] = size
            break
    print(f"\n[trace] two colluders' copies merged: both named, no one else, from {sizes.get('both named')} rows")
    assert sizes.get("both named") is not None and sizes["both named"] <= 150


def test_any_single_canary_row_names_its_export(world: World) -> None:
    [entry] = [e for e in Workspace(world.home).ledger(world.ring).entries("export")
               if e.body["export_id"] == world.ids["C"]]
    expected = entry.body["trace"]["canary_rows"]
    assert expected >= 2
    canaries, real = _split_canaries(world.rows["C"], world.people)
    assert len(canaries) == expected
    for row in canaries:
        report = _trace(world, [row])
        assert _named(report) == {world.ids["C"]}
        assert any(e.layer == "canaries" for e in report.named[0].evidence)
    for row in random.Random(3).sample(real, 40):
        assert _named(_trace(world, [row])) == set()
    print(f"\n[trace] masked export with canaries: each of its {expected} canary rows alone names it; "
          "40 single real rows name no one")


def _split_canaries(
    rows: list[list[str]], people: Sequence[Customer]
) -> tuple[list[list[str]], list[list[str]]]:
    """Output rows follow the source order with canaries inserted: align on the visible phone digits."""
    canaries, real, j = [], [], 0
    for row in rows:
        if j < len(people) and len(row[2]) == len(people[j].mobile) and all(
                    shown in ("*", digit) for shown, digit in zip(row[2], people[j].mobile, strict=True)):
            real.append(row)
            j += 1
        else:
            canaries.append(row)
    assert j == len(people)
    return canaries, real


def test_no_innocent_export_is_named_at_any_fragment_size(world: World) -> None:
    rng = random.Random(5)
    fragments, lowest = 0, 1.0
    for name in ("P", "T", "A", "C"):
        for size in (1, 2, 5, 10, 20, 50, 150, 400):
            rows = rng.sample(world.rows[name], min(size, len(world.rows[name])))
            report = _trace(world, rows)
            fragments += 1
            assert _named(report) <= {world.ids[name]}
            innocent = [c.p_value for c in report.candidates
                        if c.export_id != world.ids[name] and c.p_value is not None]
            lowest = min([lowest, *innocent])
    # rows of customers that were never exported, masked in random patterns (names also with 某): no one
    # may be named
    people = list(customers(200, seed=4242))
    for size in (1, 20, 200):
        rows = []
        for c in people[:size]:
            rows.append([str(MaskOperator.mask_one(kind, value, MaskParams(), rng.randrange(4)))
                         for kind, value in ((Kind.PHONE, c.mobile), (Kind.ID_NUMBER, c.id_number),
                                             (Kind.PERSON_NAME, c.name))])
            # and as a naive masker would: the first character kept, the rest in a random pattern
            rows.append([h.random_name_rendering(c.name[0], len(c.name) - 1, rng)])
        report = _trace(world, rows)
        fragments += 1
        assert _named(report) == set() and report.verdict is None
    print(f"\n[trace] {fragments} fragments: no innocent export named; lowest innocent false-attribution bound "
          f"{lowest:.2g} (> ALPHA = {ALPHA:g})")
    assert lowest > ALPHA


def test_trace_time_with_ten_thousand_decoys(world: World) -> None:
    rows = random.Random(1).sample(world.rows["T"], 20)
    started = time.perf_counter()
    report = _trace(world, rows)
    masked_seconds = time.perf_counter() - started
    started = time.perf_counter()
    _trace(world, random.Random(1).sample(world.rows["P"], 20))
    token_seconds = time.perf_counter() - started
    print(f"\n[trace] {report.exports_tested} exports: 20 masked rows traced in {masked_seconds:.2f} s, "
          f"20 pseudonymized rows in {token_seconds:.2f} s")
    assert report.exports_tested >= DECOYS
    assert masked_seconds < 30


def test_trace_command_json_and_pasted_text(world: World, capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    code = run(["--home", str(world.home), "trace", str(world.files["A"]), "--json"])
    payload = json.loads(capsys.readouterr().out)
    assert code == 0
    assert payload["verdict"]["export_id"] == world.ids["A"]
    assert set(payload["candidates"][0]) >= {"export_id", "recipient", "score", "p_value", "evidence"}
    text = "\n".join("\t".join(row) for row in world.rows["P"][:3])
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode("utf-8"))))
    assert run(["--home", str(world.home), "trace", "-"]) == 0
    assert world.ids["P"] in capsys.readouterr().out


def test_clear_identifier_export_carries_marks_or_is_refused(tmp_path: Path) -> None:
    home = tmp_path / "home"
    ring, _ = Workspace(home).keystore.open_or_create()
    source = tmp_path / "src.csv"
    h.write_source(source, 50, seed=3)
    lenient = h.write_policy(tmp_path / "lenient.toml", clear_layers=["marks"])
    result = h.export(home, ring, source, tmp_path / "ok.csv", "r", ("手机号码=keep",), lenient)
    assert "marks" in result.layers
    everything_clear = ("户号=keep", "户名=keep", "手机号码=keep", "电能表资产编号=keep", "身份证号码=drop",
                        "用电地址=keep", "备注=drop")
    with pytest.raises(PolicyError, match="leave in clear"):
        h.export(home, ring, source, tmp_path / "no.csv", "r", everything_clear, lenient)
    assert not (tmp_path / "no.csv").exists()


def test_a_header_row_and_the_notice_sheet_are_not_counted_as_customer_rows(world: World) -> None:
    """A cut keeps the header row, and the whole file the notice sheet: trace counts the customers' rows."""
    rows = world.rows["T"][:30]
    bare = _trace(world, rows)
    with_header = _trace(world, [list(h.HEADERS), *rows])
    assert bare.rows == with_header.rows == 30
    assert with_header.verdict is not None and with_header.verdict.export_id == world.ids["T"]
    assert with_header.named[0].evidence == bare.named[0].evidence  # the same evidence, "30 of 30 fragment rows"
    whole = trace_fragment(read_fragment(world.files["T"]), world.index)  # notice sheet, header, every row
    assert whole.rows == len(world.rows["T"])
    assert any(e.layer == "visible" for e in whole.named[0].evidence)  # the notice still names the export
    # a customer row whose texts name columns is still a customer row: it holds numbers
    assert _trace(world, [[*rows[0][:2], "手机号码", "用电地址"], *rows[1:]]).rows == 30


def test_owners_of_many_fingerprints_at_once_are_those_of_each() -> None:
    """The index answers a whole fragment's fingerprints in one search: the same owners as one by one,
    for fingerprints held by one export, by several, by none, and past the signed 64-bit range."""
    import numpy as np

    from masking.watermark.trace_index import _Index

    rng = np.random.default_rng(17)
    parts = [(owner, rng.integers(0, 2**64 - 1, size=50, dtype=np.uint64, endpoint=True)) for owner in range(4)]
    shared = parts[0][1][:10]
    parts.append((7, shared))  # fingerprints that two exports hold
    index = _Index(parts)
    asked = [*map(int, parts[1][1][:5]), *map(int, shared), 0, 2**64 - 1, *map(int, rng.integers(0, 2**63, 20))]
    asked.append(asked[0])  # asked twice
    at_once = index.owners_of_each(asked)
    assert set(at_once) == set(asked)
    for fp in asked:
        assert sorted(at_once[fp].tolist()) == sorted(index.owners_of(fp).tolist())
    assert all(len(at_once[int(fp)]) == 2 for fp in shared)
    assert index.owners_of_each([]) == {}
