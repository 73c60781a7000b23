"""Re-identification risk benchmark: what measuring k costs beside reading the file once.

    .venv/bin/python bench/bench_risk.py                 # 200,000 and 1,000,000 rows
    .venv/bin/python bench/bench_risk.py --rows 200000

Cases (each in its own subprocess, with its own peak resident memory), on the benchmark workbook
(bench_io.ensure_input: 10 columns, default plan: 身份证号 masked and 用电地址 generalized are the
quasi-identifiers, 电费金额 is a sensitive attribute):
- read: one pass over every row (``data_rows``), nothing else: the floor of any pass over the file.
- assess: scan + plan, then ``masking.risk.assess`` (k, rows below 5, prosecutor risk).
- generalize: scan + plan, then ``generalize_to_k`` to k = 5 (ladders measured in the same pass).
Only the measured call is timed, in wall-clock and in CPU seconds (the CPU figure does not move when
other work shares the machine); the peak memory is the whole process's. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_io import ensure_input, peak_mb  # noqa: E402 (after the path set-up)

CASES = ("read", "assess", "generalize")


def run_case(case: str, source: Path) -> dict[str, object]:
    from masking.detect import scan_workbook
    from masking.io.reader import open_workbook
    from masking.plan import build_plan
    from masking.policy import load_policy
    from masking.risk.assess import assess
    from masking.risk.generalize import generalize_to_k

    with tempfile.TemporaryDirectory() as home:
        policy = load_policy(None, Path(home))
    with open_workbook(source) as workbook:
        if case == "read":
            started, cpu = time.perf_counter(), time.process_time()
            rows = sum(1 for sheet in workbook.sheets for _ in workbook.data_rows(sheet.name))
            return {"case": case, "rows": rows, "seconds": time.perf_counter() - started,
                    "cpu_seconds": time.process_time() - cpu, "peak_mb": peak_mb()}
        report = scan_workbook(workbook, path=source)
        plan = build_plan(report, policy)
        started, cpu = time.perf_counter(), time.process_time()
        if case == "assess":
            risk = assess(workbook, plan, threshold=5)
            figures = risk.sheets[0]
            extra: dict[str, object] = {"suppressed": 0}
        else:
            chosen = generalize_to_k(workbook, plan, policy, 5, max_suppressed=policy.max_suppressed)
            figures = chosen.risk.sheets[0]
            extra = {"suppressed": figures.suppressed_rows, "changed": [list(c) for c in chosen.changed],
                     "reached": chosen.reached}
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    return {"case": case, "rows": figures.figures.rows, "seconds": seconds, "cpu_seconds": cpu_seconds,
            "peak_mb": peak_mb(),
            "k": figures.figures.k, "rows_below_k": figures.figures.rows_below_k,
            "classes": figures.figures.classes, "prosecutor_risk": figures.figures.prosecutor_risk,
            "quasi_identifiers": list(figures.quasi_identifiers), **extra}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, action="append", help="rows (repeatable; default 200000 and 1000000)")
    parser.add_argument("--case", choices=CASES)
    parser.add_argument("--source", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case is not None:  # the child process
        print(json.dumps(run_case(args.case, args.source), ensure_ascii=False))
        return
    for rows in args.rows or [200_000, 1_000_000]:
        source, how = ensure_input(rows)
        print(f"{rows:,} rows ({how}: {source.name})")
        for case in CASES:
            done = subprocess.run([sys.executable, __file__, "--case", case, "--source", str(source)],  # noqa: S603
                                  check=True, capture_output=True, text=True)
            result = json.loads(done.stdout)
            print(f"  {case:<11}{result['seconds']:8.2f} s wall {result['cpu_seconds']:8.2f} s cpu  "
                  f"peak {result['peak_mb']:7.0f} MB  "
                  + (f"k={result['k']} below5={result['rows_below_k']} classes={result['classes']} "
                     f"suppressed={result['suppressed']} qi={result['quasi_identifiers']}"
                     if case != "read" else ""))
            if case == "generalize":
                print(f"             changed: {result['changed']} reached: {result['reached']}")


if __name__ == "__main__":
    main()
