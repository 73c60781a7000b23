"""The cost of checking every cell that leaves (masking/leak_check.py), on a whole export.

    .venv/bin/python bench/bench_leak_check.py --rows 200000 [--repeat 3]
    .venv/bin/python bench/bench_leak_check.py --rows 1000000

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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--case", help=argparse.SUPPRESS)
    parser.add_argument("--input", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case, args.input), ensure_ascii=False))
        return 0
    source, how = ensure_input(args.rows)
    print(f"input: {source.relative_to(ROOT)} ({source.stat().st_size / 1e6:.0f} MB; {how})", flush=True)
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
