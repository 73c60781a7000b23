"""Colluders merging their copies by vote (issue 18): how many rows name all of them, and no one else.

    .venv/bin/python bench/bench_collusion.py [--seeds 5] [--rows 1200] [--decoys 10000] [--trials 3]
                                              [--colluders 3 5] [--votes minority majority]

One seeded world per seed (keys, export ids and salts from a seeded os.urandom, so a run is
reproducible): a source of ``--rows`` customers exported to 7 recipients under a plan that masks ID,
name, mobile, meter and account (no pseudonym columns, no canaries), plus ``--decoys`` decoy exports in
the ledger and the trace store holding random subsets of the same customers' masked identities (so
membership cannot rule them out; their mark keys are those of their own export ids). The first c
exports collude: every marked cell of the merged copy shows the pattern the fewest (minority) or the
most (majority) of them show, ties at random; the other 7 - c real exports and the decoys are innocent.
Fragments are random subsets of the merged rows, shuffled. For each (c, vote) the smallest size of
the ladder at which all ``--trials`` fragments name every colluder is printed, with the named and
innocent counts per size, and the lowest false-attribution bound any innocent export reached.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import trace_harness as h

from masking.synth import customers
from masking.watermark.trace import ALPHA, Fragment, TraceIndex, trace_fragment
from masking.workspace import Workspace

LADDERS = {3: (5, 10, 15, 20, 25, 50, 100, 200, 300), 5: (25, 50, 75, 100, 125, 150, 200, 300, 500, 1000)}
EXPORTS = ("K1", "K2", "K3", "K4", "K5", "I1", "I2")


def world(seed: int, rows: int, decoys: int) -> tuple[TraceIndex, dict[str, str], dict[str, list[list[str]]]]:
    tmp = Path(tempfile.mkdtemp(prefix=f"bench_collusion_{seed}_"))
    home = tmp / "home"
    with mock.patch.object(os, "urandom", random.Random(seed).randbytes):
        ring, _ = Workspace(home).keystore.open_or_create()
        ids, out, people = h.collusion_exports(home, ring, tmp, rows=rows, names=EXPORTS, seed=seed)
        population = h.population_masked_fps(people + list(customers(5000, seed=seed + 1000)),
                                             ring.active.subkey("watermark"))
        h.seed_decoys(home, ring, decoys, population, seed=seed)
    return TraceIndex(home, ring), ids, out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--rows", type=int, default=1200)
    parser.add_argument("--decoys", type=int, default=10_000)
    parser.add_argument("--trials", type=int, default=3)
    parser.add_argument("--colluders", type=int, nargs="+", default=[3, 5])
    parser.add_argument("--votes", nargs="+", default=["minority", "majority"])
    args = parser.parse_args()
    lowest = 1.0
    innocent_named = 0
    traces = 0
    needed: dict[tuple[int, str], list[int | None]] = {}
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        started = time.perf_counter()
        index, ids, out = world(seed, args.rows, args.decoys)
        print(f"seed {seed}: {len(index.exports)} exports in the ledger, world built in "
              f"{time.perf_counter() - started:.0f} s")
        for c in args.colluders:
            guilty = {ids[name] for name in EXPORTS[:c]}
            for vote in args.votes:
                merged = h.vote_merge([out[name] for name in EXPORTS[:c]], vote, random.Random(seed * 31 + c))
                found = None
                line = []
                for size in LADDERS[c]:
                    if size > len(merged):
                        break
                    named_counts = []
                    for trial in range(args.trials):
                        rows = random.Random(seed * 1000 + size * 10 + trial).sample(merged, size)
                        report = trace_fragment(Fragment(tuple(tuple(r) for r in rows)), index)
                        traces += 1
                        named = {cand.export_id for cand in report.named}
                        innocent_named += len(named - guilty)
                        named_counts.append(f"{len(named & guilty)}/{len(named - guilty)}")
                        lowest = min([lowest, *(cand.p_value for cand in report.candidates
                                                if cand.export_id not in guilty and cand.p_value is not None)])
                    line.append(f"{size}:{' '.join(named_counts)}")
                    if found is None and all(n == f"{c}/0" for n in named_counts):
                        found = size
                needed.setdefault((c, vote), []).append(found)
                print(f"  {c} colluders, {vote} vote: all named from {found} rows "
                      f"(size: guilty named/innocent named per trial) {'; '.join(line)}")
    print(f"\n{traces} traces; innocent exports named: {innocent_named}; lowest innocent bound {lowest:.2g} "
          f"(ALPHA = {ALPHA:g})")
    for (c, vote), sizes in needed.items():
        print(f"{c} colluders, {vote}: rows needed per seed {sizes}")


if __name__ == "__main__":
    main()
