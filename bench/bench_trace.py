"""Trace at a larger scale: the Done-when figures of issue 6 with more decoys and more trials.

    .venv/bin/python bench/bench_trace.py [--decoys 10000] [--rows 2000] [--trials 10]

Prints, for each attack, the smallest fragment size at which every trial named the right export,
plus trace time and the lowest false-attribution bound any innocent export reached.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import trace_harness as h

from masking.synth import customers
from masking.watermark.trace import Fragment, TraceIndex, trace_fragment
from masking.workspace import Workspace


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--decoys", type=int, default=10_000)
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--trials", type=int, default=10)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench_trace_"))
    home = tmp / "home"
    ring, _ = Workspace(home).keystore.open_or_create()
    source = tmp / "source.csv"
    people = h.write_source(source, args.rows, seed=1)
    no_canaries = h.write_policy(tmp / "p.toml", canary_rate=0.0)
    started = time.perf_counter()
    ids, rows = {}, {}
    for name, recipient, actions in (("P", "P银行", ()), ("T", "T公司", h.MASKED), ("A", "甲", h.MASKED),
                                     ("B", "乙", h.MASKED)):
        out = tmp / f"{name}.csv"
        ids[name] = h.export(home, ring, source, out, recipient, actions, no_canaries).export_id
        rows[name] = h.read_rows(out)
    print(f"4 exports of {args.rows} rows in {time.perf_counter() - started:.1f} s")
    population = h.population_masked_fps(people + list(customers(5000, seed=2)), ring.active.subkey("watermark"))
    started = time.perf_counter()
    h.seed_decoys(home, ring, args.decoys, population)
    print(f"{args.decoys} decoys seeded in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    index = TraceIndex(home, ring)
    print(f"trace index of {len(index.exports)} exports in {time.perf_counter() - started:.1f} s")
    lowest = [1.0]
    timings: list[float] = []

    def named(fragment: list[list[str]], truth: set[str]) -> set[str]:
        t = time.perf_counter()
        report = trace_fragment(Fragment(tuple(tuple(r) for r in fragment)), index)
        timings.append(time.perf_counter() - t)
        got = {c.export_id for c in report.named}
        if not got <= truth:
            raise SystemExit(f"an innocent export was named: {sorted(got - truth)}")
        lowest[0] = min([lowest[0], *(c.p_value for c in report.candidates
                                      if c.export_id not in truth and c.p_value is not None)])
        return got

    def smallest(label: str, sizes: tuple[int, ...], make: object, truth: set[str], want: set[str]) -> None:
        if not callable(make):
            raise TypeError("make must be callable")
        for size in sizes:
            if all(named(make(size, random.Random(s)), truth) == want for s in range(args.trials)):
                print(f"{label}: {size} rows")
                return
        print(f"{label}: not within {sizes[-1]} rows")

    smallest("pseudonymized phone column only", (1, 2, 3, 5), lambda n, r: [[x[2]] for x in r.sample(rows["P"], n)],
             {ids["P"]}, {ids["P"]})
    smallest("masked export, csv + subset + shuffle + NFKC + zero-width", (5, 10, 15, 20),
             lambda n, r: h.unicode_noise(r.sample(rows["T"], n), r), {ids["T"]}, {ids["T"]})
    for column, label in ((0, "户号"), (1, "户名"), (2, "手机号码"), (3, "电能表资产编号"), (4, "身份证号码")):
        smallest(f"only column {label}", (10, 20, 30, 40, 50, 75, 100, 150, 200),
                 lambda n, r, c=column: h.keep_columns(r.sample(rows["T"], n), [c]), {ids["T"]}, {ids["T"]})
    smallest("10% of marked cells randomised", (10, 20, 30, 40, 60),
             lambda n, r: h.randomise_marked(r.sample(rows["T"], n), 0.1, r)[0], {ids["T"]}, {ids["T"]})
    smallest("two colluders merged (both named)", (20, 40, 60, 80, 100, 150),
             lambda n, r: r.sample(rows["A"], n // 2) + r.sample(rows["B"], n - n // 2),
             {ids["A"], ids["B"]}, {ids["A"], ids["B"]})
    timings.sort()
    print(f"{len(timings)} traces: median {timings[len(timings) // 2]:.2f} s, max {timings[-1]:.2f} s; "
          f"lowest innocent false-attribution bound {lowest[0]:.2g}")


if __name__ == "__main__":
    main()
