#!/usr/bin/env python3
"""Does scanning cost little more than opening? Times both on a large generated workbook.

    .venv/bin/python bench/bench_scan.py [--rows 1000000] [--path FILE] [--sample-rows 1000]

- open: ``open_workbook`` + ``table`` + ``count_rows`` of every sheet (what any command pays);
- scan: ``scan_workbook`` on a fresh open: the same count, plus classification of a sample of
  rows per sheet and the pass over the xlsx parts outside the grid.
The workbook is written once by resources/samples/generate.py --big N (kept for reruns).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from masking.detect import scan_workbook  # noqa: E402
from masking.io.reader import open_workbook  # noqa: E402
from masking.io.xlsx_parts import read_outside_parts  # noqa: E402


def _workbook(rows: int, path: Path | None) -> Path:
    target = path or Path(tempfile.gettempdir()) / f"exportguard-bench-{rows}.xlsx"
    if not target.exists():
        started = time.perf_counter()
        subprocess.run(  # noqa: S603 - our own generator script, fixed arguments
            [sys.executable, str(ROOT / "resources" / "samples" / "generate.py"), "--big", str(rows),
             "--out", str(target)],
            check=True,
        )
        print(f"generated {target} ({rows} rows) in {time.perf_counter() - started:.1f} s")
    return target


def _time_open(path: Path) -> tuple[float, int]:
    started = time.perf_counter()
    with open_workbook(path) as workbook:
        rows = 0
        for info in workbook.sheets:
            workbook.table(info.name)
            rows += workbook.count_rows(info.name)
    return time.perf_counter() - started, rows


def _time_scan(path: Path, sample_rows: int) -> tuple[float, int, int]:
    started = time.perf_counter()
    with open_workbook(path) as workbook:
        report = scan_workbook(workbook, sample_rows=sample_rows)
    flagged = sum(1 for sheet in report.sheets for column in sheet.columns if column.kind is not None)
    return time.perf_counter() - started, flagged, len(report.findings)


def _time_parts(path: Path) -> float:
    started = time.perf_counter()
    read_outside_parts(path)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--path", type=Path, help="an existing workbook (else one is generated)")
    parser.add_argument("--sample-rows", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=2, help="best of N runs")
    args = parser.parse_args()
    path = _workbook(args.rows, args.path)
    print(f"workbook: {path} ({path.stat().st_size / 2**20:.1f} MiB)")
    open_runs = [_time_open(path) for _ in range(args.repeat)]
    scan_runs = [_time_scan(path, args.sample_rows) for _ in range(args.repeat)]
    parts_runs = [_time_parts(path) for _ in range(args.repeat)]
    open_s, rows = min(open_runs)
    scan_s, flagged, findings = min(scan_runs)
    parts_s = min(parts_runs)
    print(f"rows: {rows}")
    print(f"open + count_rows:        {open_s:7.2f} s")
    print(f"scan (sample {args.sample_rows} rows):  {scan_s:7.2f} s  ({flagged} columns flagged, {findings} findings)")
    print(f"  of which outside parts: {parts_s:7.2f} s")
    print(f"scan / open:              {scan_s / open_s:7.2f}x  (extra {scan_s - open_s:+.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
