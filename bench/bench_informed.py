"""Issue 18's canary cases at full size: an informed single leaker and clear-phone exports, against a
ledger of 10,000+ realistic decoys (the same customers through the export's own marker under other
export ids). See tests/informed_world.py for the world and the leakers.

    .venv/bin/python bench/bench_informed.py [--decoys 10000] [--fragments 100] [--seed 18]

Prints, per scenario and fragment size, how many fragments named the guilty export and how many named
an innocent one (must be 0), at the policy's canary rate of 5 %.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import informed_world as w


def _run(world: w.World, label: str, guilty: Sequence[str], sizes: Sequence[int], *, fragments: int,
         make: Callable[[Sequence[Sequence[str]], int, random.Random], list[list[str]]]) -> int:
    innocents = 0
    for size in sizes:
        named = 0
        started = time.perf_counter()
        for n in range(fragments):
            name = guilty[n % len(guilty)]
            report = w.trace(world, make(world.rows[name], size, w.sample_seed(label, size, n)))
            found = w.named(report)
            named += found == {world.ids[name]}
            innocents += len(found - {world.ids[name]})
        seconds = (time.perf_counter() - started) / fragments
        print(f"{label:<28} {size:>4} rows: named {named:>3}/{fragments} ({100 * named / fragments:5.1f} %), "
              f"{seconds:.2f} s per trace")
    return innocents


def _with_canary(world: w.World, name: str, fragments: int, columns: Sequence[int] | None) -> tuple[int, int, int]:
    """Fragments of 1 to 80 rows that hold at least one canary row of ``name``: (named, total, innocents)."""
    rows, canaries = world.rows[name], world.canaries[name]
    real = [r for n, r in enumerate(rows) if n not in canaries]
    named = innocents = 0
    for n in range(fragments):
        rng = w.sample_seed("with canary", name, columns, n)
        size = rng.randrange(1, 81)
        chosen = [rows[p] for p in rng.sample(canaries, rng.randrange(1, 4))] + rng.sample(real, size - 1)
        rng.shuffle(chosen)
        fragment = [[r[c] for c in columns] for r in chosen] if columns is not None else chosen
        found = w.named(w.trace(world, fragment))
        named += found == {world.ids[name]}
        innocents += len(found - {world.ids[name]})
    return named, fragments, innocents


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--decoys", type=int, default=10_000)
    parser.add_argument("--fragments", type=int, default=100)
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--rate", type=float, default=w.CANARY_RATE, help="the policy's canary rate")
    args = parser.parse_args()
    os.urandom = random.Random(args.seed).randbytes  # one reproducible world per seed (keys, export ids)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        world = w.build(Path(tmp), decoys=args.decoys, seed=args.seed, rate=args.rate)
        print(f"world: {len(world.index.exports):,} exports ({args.decoys:,} decoys), canary rate "
              f"{args.rate:.1%}, {w.CUSTOMERS} customers per export, built in "
              f"{time.perf_counter() - started:.0f} s")
        innocents = _run(world, "informed leaker", [f"E{n}" for n in range(5)], (50, 100, 150, 200),
                         fragments=args.fragments, make=w.informed_leak)
        innocents += _run(world, "informed, IDs first 1 last 1", [f"E{n}" for n in range(5)], (200,),
                          fragments=args.fragments,
                          make=lambda rows, size, rng: w.informed_leak(rows, size, rng, id_keep=(1, 1)))
        innocents += _run(world, "clear phones, phone-only", ["phones", "phones2"], (20, 40, 60, 80),
                          fragments=args.fragments, make=w.phone_only)
        for label, columns in (("phone-only", [w.PHONE]), ("whole rows", None)):
            named, total, bad = _with_canary(world, "phones", args.fragments, columns)
            innocents += bad
            print(f"clear phones, {label:<13} holding a canary row (1-80 rows): named {named}/{total}")
        print(f"innocent exports named, all scenarios: {innocents}")


if __name__ == "__main__":
    main()
