"""The cost of checking every cell that leaves (masking/leak_check.py), on a whole export.

    .venv/bin/python bench/bench_leak_check.py --rows 200000 [--repeat 3]
    .venv/bin/python bench/bench_leak_check.py --rows 1000000 --direct   # the check alone, timed

The export is bench_export.py's main case (户号, 手机号码, 电能表资产编号 pseudonymized, 身份证号码
masked; 户名, 用电地址 and 备注 kept, so with the three measurement columns six columns, 60% of the
cells, are kept and every one of them is read by the check). Cases, each in its own process, in this
process's transform step (``parallel=False``) so that the check's work is all on the clock:
- check: the export as shipped;
- no-check: the same with the check switched off (``masking.transform.checked`` answers False);
- check:default: as shipped with the default worker (the check runs on the second core).
Prints seconds per case (median of the rounds) and the check's share: (check - no-check) / no-check.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_export import KEEP_FOR_FOUR, RECIPIENT  # noqa: E402 (after the path set-up)
from bench_io import OUT, ROOT, ensure_input  # noqa: E402

CASES = ("check", "no-check", "check:default")


def run_case(name: str, source: Path) -> dict[str, object]:
    from masking import transform
    from masking.pipeline import ExportRequest, prepare_export, run_export
    from masking.workspace import Workspace

    if name == "no-check":
        transform.checked = lambda column: False  # type: ignore[assignment]
    out = OUT / f"bench_leak_{name.replace(':', '_')}.xlsx"
    out.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-home-") as folder:
        home = Path(folder)
        workspace = Workspace(home)
        ring, _ = workspace.keystore.open_or_create()
        request = ExportRequest(input=source, recipient=RECIPIENT, purpose="bench", output=out,
                                choices=KEEP_FOR_FOUR, overwrite=True)
        started = time.perf_counter()
        prepared = prepare_export(request, home)
        result = run_export(prepared, ring, workspace.ledger(ring), parallel=None if name == "check:default" else False)
        seconds = time.perf_counter() - started
    out.unlink(missing_ok=True)
    verified = sum(c.check.verified for c in result.columns if c.check is not None)
    found = {c.header: c.check.found for c in result.columns if c.check is not None and c.check.found}
    return {"case": name, "rows": result.rows, "seconds": seconds, "verified": verified, "found": found}


def run_direct(source: Path) -> dict[str, object]:
    """The check alone: the export's plan, the input's rows read once, every kept column through
    LeakCheck.check (the reading is timed apart)."""
    from masking.io.reader import open_workbook
    from masking.leak_check import LeakCheck, checked
    from masking.operators.base import KeyMaterial, OperatorContext
    from masking.pipeline import ExportRequest, prepare_export

    with tempfile.TemporaryDirectory(prefix="bench-home-") as folder:
        request = ExportRequest(input=source, recipient=RECIPIENT, purpose="bench", output=OUT / "unused.xlsx",
                                choices=KEEP_FOR_FOUR, overwrite=True)
        prepared = prepare_export(request, Path(folder))
    ctx = OperatorContext("recipient:bench", KeyMaterial("K", b"p" * 32, b"e" * 32, b"h" * 32))
    check = LeakCheck("stop", {})
    read = checking = 0.0
    rows = 0
    with open_workbook(source) as workbook:
        for sheet in prepared.plan.included:
            columns = [c for c in sheet.columns if checked(c)]
            table = workbook.table(sheet.name)
            batch: list[tuple[object, ...]] = []
            started = time.perf_counter()
            for _, values in workbook.data_rows(sheet.name, table):
                batch.append(values)
                if len(batch) == 4096:
                    read += time.perf_counter() - started
                    started = time.perf_counter()
                    for column in columns:
                        check.check(column, [row[column.index] if column.index < len(row) else None
                                             for row in batch], ctx)
                    checking += time.perf_counter() - started
                    rows += len(batch)
                    batch = []
                    started = time.perf_counter()
            for column in columns:
                check.check(column, [row[column.index] if column.index < len(row) else None for row in batch], ctx)
            rows += len(batch)
    cells = sum(c.verified for c in check.columns.values())
    return {"rows": rows, "cells": cells, "read_seconds": read, "check_seconds": checking,
            "found": {f"{k[0]}!{k[1]}": c.found for k, c in check.columns.items() if c.found}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--direct", action="store_true",
                        help="time the check alone on the input's kept columns (no export), e.g. at 1,000,000 rows")
    parser.add_argument("--case", help=argparse.SUPPRESS)
    parser.add_argument("--input", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case, args.input), ensure_ascii=False))
        return 0
    source, how = ensure_input(args.rows)
    print(f"input: {source.relative_to(ROOT)} ({source.stat().st_size / 1e6:.0f} MB; {how})", flush=True)
    if args.direct:
        figures = run_direct(source)
        print(f"{figures['rows']:,} rows, {figures['cells']:,} kept cells checked in {figures['check_seconds']:.1f} s "
              f"({figures['cells'] / max(figures['check_seconds'], 1e-9):,.0f} cells/s); reading them took "
              f"{figures['read_seconds']:.1f} s; found {figures['found']}")
        return 0
    seconds: dict[str, list[float]] = {case: [] for case in CASES}
    for _ in range(max(1, args.repeat)):
        for case in CASES:
            command = [sys.executable, __file__, "--case", case, "--input", str(source)]
            done = subprocess.run(command, check=True, capture_output=True, text=True)  # noqa: S603 - our script
            result = json.loads(done.stdout.strip().splitlines()[-1])
            seconds[case].append(float(result["seconds"]))
            print(f"{case:15} {result['rows']:>9,} rows {result['seconds']:7.1f} s  verified {result['verified']:,} "
                  f"cells; found {result['found']}", flush=True)
    median = {case: statistics.median(values) for case, values in seconds.items()}
    share = (median["check"] - median["no-check"]) / median["no-check"]
    print(f"median: check {median['check']:.1f} s, no-check {median['no-check']:.1f} s, "
          f"default (worker) {median['check:default']:.1f} s; the check costs {share:+.1%} of an export")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
