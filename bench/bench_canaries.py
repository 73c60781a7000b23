"""Can a recipient tell canaries from real rows? The AUC of two classifiers trained across exports.

    .venv/bin/python bench/bench_canaries.py [--exports 40] [--rows 3000] [--seed 0]

Every column is kept in clear (the attacker's best view); the features are per row: region codes,
prefixes, lengths, blank pattern, readings, and cross-field checks (ID region against the address's
district, ID sex against the given name). Training on half the exports and scoring the other half,
an AUC near 0.5 is chance; issue 13 asks for at most 0.6. See tests/canary_harness.py.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import canary_harness as h


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--exports", type=int, default=40)
    parser.add_argument("--rows", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    started = time.perf_counter()
    figures = h.measure(args.exports, args.rows, args.seed)
    print(f"{args.exports} exports of {args.rows} source rows: {figures['canaries']:.0f} canaries in "
          f"{figures['rows']:.0f} rows ({time.perf_counter() - started:.0f} s)")
    print(f"AUC naive Bayes   {figures['auc_naive_bayes']:.3f}")
    print(f"AUC logistic      {figures['auc_logistic']:.3f}")


if __name__ == "__main__":
    main()
