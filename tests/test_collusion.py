"""Colluders who merge their copies by vote are all named, and no one else (issue 18), small and seeded.

Six real exports of one 600-customer source under a plan that masks ID, name, mobile, meter and
account (no pseudonym columns, no canaries), and 10,000 decoy exports in the ledger holding random
subsets of the same customers' masked identities. The first 3 (or 5) exports collude: every marked
cell of their merged copy shows the pattern the fewest (minority vote) or the most of them show.
Both run through the peeling rounds of trace (once some colluders are named, the groups they explain
are set aside and the others are scored again on the rest).
bench/bench_collusion.py runs the same world at a larger scale over several seeds.
"""

from __future__ import annotations

import math
import os
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pytest
import trace_harness as h

from masking.synth import customers
from masking.watermark.trace import ALPHA, Fragment, TraceIndex, trace_fragment
from masking.workspace import Workspace

DECOYS = 10_000
ROWS = 600
EXPORTS = ("K1", "K2", "K3", "K4", "K5", "I1")


@dataclass(frozen=True)
class World:
    index: TraceIndex
    ids: dict[str, str]
    rows: dict[str, list[list[str]]]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("collusion")
    home = tmp / "home"
    with pytest.MonkeyPatch.context() as patch:  # one fixed draw of keys and ids, as in test_trace
        patch.setattr(os, "urandom", random.Random(18).randbytes)
        ring, _ = Workspace(home).keystore.open_or_create()
        ids, rows, people = h.collusion_exports(home, ring, tmp, rows=ROWS, names=EXPORTS, seed=18)
        population = h.population_masked_fps(people + list(customers(3000, seed=99)),
                                             ring.active.subkey("watermark"))
        h.seed_decoys(home, ring, DECOYS, population)
        yield World(TraceIndex(home, ring), ids, rows)


def _trials(world: World, colluders: int, vote: str, sizes: Sequence[int], seeds: int = 3) -> tuple[int | None, float]:
    """The smallest size at which every fragment names all colluders; asserts no innocent is ever named.
    Also returns the lowest false-attribution bound an innocent export reached."""
    guilty = {world.ids[name] for name in EXPORTS[:colluders]}
    merged = h.vote_merge([world.rows[name] for name in EXPORTS[:colluders]], vote, random.Random(colluders))
    found, lowest = None, 1.0
    for size in sizes:
        every = True
        for seed in range(seeds):
            report = trace_fragment(Fragment(tuple(tuple(r) for r in random.Random(seed).sample(merged, size))),
                                    world.index)
            named = {c.export_id for c in report.named}
            assert named <= guilty, f"an innocent export was named from {size} rows"
            lowest = min([lowest, *(c.p_value for c in report.candidates
                                    if c.export_id not in guilty and c.p_value is not None)])
            every = every and named == guilty
            if named == guilty and len(named) > 1:
                assert all(any(e.key == "marks_together" for e in c.evidence) for c in report.named)
        if every and found is None:
            found = size
    return found, lowest


def test_three_colluders_by_minority_vote_are_all_named_from_at_most_300_rows(world: World) -> None:
    needed, lowest = _trials(world, 3, "minority", (1, 20, 60, 150, 300), seeds=2)
    print(f"\n[collusion] 3 colluders, minority vote on every marked cell, {len(world.index.exports)} exports: "
          f"all three named (no one else) from {needed} rows; lowest innocent bound {lowest:.2g}")
    assert needed is not None and needed <= 300
    assert lowest > ALPHA


def test_five_colluders_are_all_named_and_no_one_else(world: World) -> None:
    figures = {}
    for vote, sizes in (("minority", (50, 100, 300)), ("majority", (20, 50, 300))):
        figures[vote], lowest = _trials(world, 5, vote, sizes, seeds=2)
        assert lowest > ALPHA
    print(f"\n[collusion] 5 colluders, rows needed to name all five (no one else): {figures}")
    assert figures["minority"] is not None and figures["minority"] <= 300
    assert figures["majority"] is not None and figures["majority"] <= 300


@pytest.mark.slow
def test_later_rounds_give_innocent_exports_valid_p_values(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """The peeling rounds set aside the groups the named colluders explain and score everyone else again:
    under an export that took no part, each group left must still match by chance (m/k), so its p-values
    are valid: at most a share t of them fall at or below t. Checked on every innocent candidate of the
    later rounds of 150-row fragments of 5 colluders (exact tails below 1e-3, the Chernoff bound above)."""
    from masking.watermark import mark_scoring

    guilty = {world.ids[name] for name in EXPORTS[:5]}
    merged = h.vote_merge([world.rows[name] for name in EXPORTS[:5]], "minority", random.Random(5))
    later: list[float] = []
    pending: list[np.ndarray] = []
    counts_of, log_ps_of = mark_scoring._mark_counts, mark_scoring._marks_log_ps

    def counting(table: mark_scoring._MarkTable, rows: np.ndarray,
                 excluded: np.ndarray | None = None) -> mark_scoring._MarkCounts:
        pending.append(table.cands[rows] if excluded is not None else np.zeros(0, np.int64))
        return counts_of(table, rows, excluded)

    def scoring(counts: mark_scoring._MarkCounts) -> list[float | None]:
        log_ps = log_ps_of(counts)
        exports = pending.pop()
        later.extend(lp for i, lp in zip(exports.tolist(), log_ps, strict=False)
                     if lp is not None and world.index.exports[i].export_id not in guilty)
        return log_ps

    monkeypatch.setattr(mark_scoring, "_mark_counts", counting)
    monkeypatch.setattr(mark_scoring, "_marks_log_ps", scoring)
    for seed in range(6):  # sizes where the first round names some colluders, not all (all explain every group)
        rows = random.Random(seed).sample(merged, 150)
        named = {c.export_id for c in trace_fragment(Fragment(tuple(tuple(r) for r in rows)), world.index).named}
        assert named <= guilty
    shares = {t: sum(lp <= math.log(t) for lp in later) / len(later) for t in (0.01, 0.05, 0.2)}
    print(f"\n[collusion] later rounds: {len(later)} innocent p-values; share at or below t: {shares}")
    assert len(later) >= 2000
    for t, share in shares.items():
        assert share <= t + 3 * math.sqrt(t * (1 - t) / len(later)), (t, share)


def test_named_exports_say_when_many_masked_values_stay_unexplained(world: World) -> None:
    """Three colluders' merge with 40 % of its marked cells altered: the three are still named, and each
    says how many masked values none of them explains; without the alteration none says so."""
    guilty = {world.ids[name] for name in EXPORTS[:3]}
    merged = h.vote_merge([world.rows[name] for name in EXPORTS[:3]], "minority", random.Random(3))
    rows = random.Random(1).sample(merged, 200)
    for altered, share in ((False, 0.0), (True, 0.4)):
        fragment = h.randomise_marked(rows, share, random.Random(2))[0] if altered else rows
        report = trace_fragment(Fragment(tuple(tuple(r) for r in fragment)), world.index)
        assert {c.export_id for c in report.named} == guilty
        notes = [dict(e.args) for c in report.named for e in c.evidence if e.key == "marks_unexplained"]
        assert len(notes) == (3 if altered else 0), notes
    print(f"\n[collusion] 40 % of the marked cells altered: all three still named, each reporting "
          f"{notes[0]['count']} of {notes[0]['total']} masked values unexplained")
