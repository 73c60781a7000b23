"""Export benchmark: a whole export beside two plain copies of the same file, one process per case.

    .venv/bin/python bench/bench_export.py                    # 1,000,000 rows x 10 columns
    .venv/bin/python bench/bench_export.py --rows 200000      # quicker
    .venv/bin/python bench/bench_export.py --rows 200000 --only export --only copy
    .venv/bin/python bench/bench_export.py --repeat 3 --only export --only copy:exportguard   # medians
    .venv/bin/python bench/bench_export.py --rows 200000 --rows 1000000 --repeat 3   # both sizes, one run

Cases (each in its own subprocess, with its own peak resident memory; rounds interleaved):
- export: ``prepare_export`` + ``run_export`` as the CLI runs them (scan, plan, policy, transforms,
  visible/metadata marks, atomic xlsx, ledger), timed in a process that has loaded the modules and
  made its home and keystore before the clock starts, as an app or script that exports has (``cli``
  times a fresh process's start-up, keystore and all) with 4 protected columns at their default actions:
  户号 and 手机号码 and 电能表资产编号 pseudonymized (FF1, recipient-scoped), 身份证号码 masked;
  户名, 用电地址 and 备注 are kept (the policy allows it) so exactly four columns are transformed.
- export:all-defaults: the same with every default action (7 protected columns), for reference.
- export:no-checks: ``export`` with the other issues' per-cell checks switched off (the every-cell PII
  check of kept columns and the risk measured in the export's pass), for the ratio without them: the
  case's process and its worker start with ``bench/no_checks`` on PYTHONPATH (a sitecustomize; the
  product has no such switch).
- copy:exportguard: our reader into our writer, no masking (the floor an export can reach).
- copy:contended: the same copy while a second one runs on the other core, as the export's transform
  worker keeps it busy: what the exporting process's read-and-write share costs when both cores work
  (shared caches and memory bandwidth), so a bound on how close the export can come to the own copy.
- copy:openpyxl: openpyxl read_only into openpyxl write_only (what a plain-Python tool would do).
- floor: python-calamine read into rustpy-xlsxwriter write (Rust both ways): the I/O floor. Every
  figure is also printed as a ratio to it, measured in the same run.
- cli: ``exportguard export`` as a user runs it (a fresh process: start-up, keystore, scan, plan,
  policy, export, ledger), timed from outside, with the same four protected columns.
- floor:process: the floor in a fresh process timed from outside, the yardstick of ``cli``.

Goals (issue 17): export <= 2.0x the floor and <= 1.3x the own copy, cli <= 2.0x floor:process,
export peak < 1.2 GB (issue 5: openpyxl copy / export >= 2.5).
The input comes from bench_io.ensure_input (resources/samples/generate.py --big N, cached in
bench/out/). See bench/README.md for the figures.
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import importlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_io import OUT, ROOT, copy_exportguard, ensure_input, peak_mb  # noqa: E402 (after the path set-up)

RECIPIENT = "城东代收银行"
KEEP_FOR_FOUR = ("户名=keep", "用电地址=keep", "备注=keep")
CASES = ("export", "export:all-defaults", "export:no-checks", "copy:exportguard", "copy:contended", "copy:openpyxl",
         "floor", "cli", "floor:process")
NO_CHECKS = HERE / "no_checks"  # a sitecustomize that switches the other issues' per-cell checks off
GOAL_OWN_COPY = 1.3
GOAL_FLOOR = 2.0
GOAL_OPENPYXL = 2.5
GOAL_PEAK_MB = 1200


@contextlib.contextmanager
def export_home() -> Iterator[tuple[Any, Any]]:
    """A fresh home with its keystore (a workspace and its key ring): made once per user, not per
    export, so before an export case's clock starts; ``cli`` makes its own inside its clock."""
    from masking.workspace import Workspace

    with tempfile.TemporaryDirectory(prefix="bench-home-") as folder:
        workspace = Workspace(Path(folder))
        ring, _ = workspace.keystore.open_or_create()
        yield workspace, ring


def run_export_case(source: Path, out: Path, choices: Sequence[str], home: tuple[Any, Any]) -> tuple[int, str]:
    from masking.pipeline import ExportRequest, prepare_export, run_export

    workspace, ring = home
    started = time.perf_counter()
    request = ExportRequest(input=source, recipient=RECIPIENT, purpose="bench", output=out,
                            choices=tuple(choices), overwrite=True)
    prepared = prepare_export(request, workspace.home)
    prepare_seconds = time.perf_counter() - started
    result = run_export(prepared, ring, workspace.ledger(ring))
    transformed = [f"{c.header}:{c.action}" for c in result.columns if c.action != "keep"]
    note = f"prepare {prepare_seconds:.1f} s; {len(transformed)} protected ({', '.join(transformed)})"
    return result.rows, note


def _set_up(name: str, stack: contextlib.ExitStack) -> tuple[Any, Any] | None:
    """What a case's process does before its clock starts: load the modules the case runs (an app or
    script that exports has them loaded; ``cli`` and ``floor:process`` pay a fresh process's start-up
    inside their clocks) and, for an export, make the home it exports from."""
    if name.startswith("export"):
        importlib.import_module("masking.pipeline")
        return stack.enter_context(export_home())
    if name in ("copy:exportguard", "copy:contended"):
        for module in ("masking.io.reader", "masking.io.writer"):
            importlib.import_module(module)
    return None


def copy_openpyxl(source: Path, out: Path) -> int:
    import openpyxl

    reader = openpyxl.load_workbook(source, read_only=True)
    writer = openpyxl.Workbook(write_only=True)
    count = -1  # the header row is copied but not counted
    try:
        for sheet in reader.worksheets:
            target = writer.create_sheet(sheet.title)
            for row in sheet.iter_rows(values_only=True):
                target.append(list(row))
                count += 1
        writer.save(out)
    finally:
        reader.close()
    return count


def copy_floor(source: Path, out: Path) -> int:
    """python-calamine reads the whole sheet (Rust), rustpy-xlsxwriter writes it (Rust)."""
    import rustpy_xlsxwriter
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(source))
    name = book.sheet_names[0]
    rows = book.get_sheet_by_name(name).to_python()
    headers = [str(h) for h in rows[0]]
    rustpy_xlsxwriter.write_worksheet((dict(zip(headers, row, strict=False)) for row in rows[1:]), str(out),
                                      sheet_name=name)
    return len(rows) - 1


def contended_copy(source: Path, out: Path) -> int:
    """Our copy of ``source`` while a second process copies it too (on the other core), timed here."""
    other = out.with_name(out.stem + "_other.xlsx")
    command = [sys.executable, __file__, "--copy", "--input", str(source), "--out", str(other)]
    sibling = subprocess.Popen(command, cwd=ROOT)  # noqa: S603 - our own script
    try:
        return copy_exportguard(source, out)
    finally:
        sibling.wait()
        other.unlink(missing_ok=True)


def run_process_case(name: str, source: Path, out: Path) -> tuple[int, str]:
    """``exportguard export`` (or the floor) in a fresh process, as a user runs it; timed by the caller."""
    if name == "floor:process":
        command = [sys.executable, __file__, "--floor", "--input", str(source), "--out", str(out)]
        subprocess.run(command, check=True, cwd=ROOT, capture_output=True)  # noqa: S603 - our own script
        return 0, ""
    with tempfile.TemporaryDirectory(prefix="bench-home-") as folder:
        exe = Path(sys.executable).with_name("exportguard")
        command = [str(exe), "--home", folder, "export", str(source), "--recipient", RECIPIENT,
                   "--purpose", "bench", "--out", str(out), "--force", "--quiet", "--json",
                   *(f"--action={choice}" for choice in KEEP_FOR_FOUR)]
        done = subprocess.run(command, check=True, cwd=ROOT, capture_output=True, text=True)  # noqa: S603
        result = json.loads(done.stdout)
        return int(result["rows"]), "exportguard export, fresh process"


def run_case(name: str, source: Path) -> dict[str, object]:
    """Runs in the child process."""
    out = OUT / f"bench_export_{name.replace(':', '_')}.xlsx"
    out.unlink(missing_ok=True)
    note = ""
    stack = contextlib.ExitStack()
    setting_up = time.perf_counter()
    home = _set_up(name, stack)
    set_up = time.perf_counter() - setting_up
    alone = name == "copy:contended"  # its sibling is the load, not part of the case
    cpu_before = _cpu_seconds(children=not alone)
    started = time.perf_counter()
    if name in ("export", "export:no-checks"):
        done, note = run_export_case(source, out, KEEP_FOR_FOUR, home)
    elif name == "export:all-defaults":
        done, note = run_export_case(source, out, (), home)
    elif name == "copy:exportguard":
        done = copy_exportguard(source, out)
    elif name == "copy:contended":
        done = contended_copy(source, out)
    elif name == "floor":
        done = copy_floor(source, out)
    elif name in ("cli", "floor:process"):
        done, note = run_process_case(name, source, out)
    else:
        done = copy_openpyxl(source, out)
    seconds = time.perf_counter() - started
    cpu = _cpu_seconds(children=not alone) - cpu_before
    stack.close()
    if home is not None or name.startswith("copy:"):
        note = (note + "; " if note else "") + f"set-up before the clock {set_up:.2f} s"
    peak = peak_mb()
    worker = 0.0 if alone else _children_peak_mb()
    if worker:  # the export's transform worker: its own memory counts too (an upper bound of the sum)
        note = (note + "; " if note else "") + f"peak {peak:.0f} MB here + {worker:.0f} MB in the worker"
        peak += worker
    if out.exists():
        note = (note + "; " if note else "") + f"{out.stat().st_size / 1e6:.0f} MB out"
        out.unlink()
    return {"case": name, "rows": done, "seconds": seconds, "cpu": cpu, "peak_mb": peak, "note": note}


def _cpu_seconds(*, children: bool = True) -> float:
    """CPU time (user + system) of this process and (with ``children``) the children it waited for: on
    a shared machine the wall clock measures the other users' load as much as the case; CPU time does not."""
    try:
        import resource
    except ImportError:  # Windows
        return 0.0
    own = resource.getrusage(resource.RUSAGE_SELF)
    waited = resource.getrusage(resource.RUSAGE_CHILDREN) if children else None
    return own.ru_utime + own.ru_stime + (waited.ru_utime + waited.ru_stime if waited else 0.0)


def _children_peak_mb() -> float:
    """The largest resident set of the child processes waited for (the export's worker), or 0."""
    try:
        import resource
    except ImportError:  # Windows
        return 0.0
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, action="append",
                        help="data rows (default 1,000,000); repeatable: one table and verdict per size, in one run")
    parser.add_argument("--only", action="append", help="run cases whose name contains this (repeatable)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="rounds of every case, interleaved; the verdicts use each case's median")
    parser.add_argument("--case", help=argparse.SUPPRESS)  # internal: run one case in this process
    parser.add_argument("--input", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--floor", action="store_true", help=argparse.SUPPRESS)  # internal: the floor copy only
    parser.add_argument("--copy", action="store_true", help=argparse.SUPPRESS)  # internal: our copy only
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.floor:
        copy_floor(args.input, args.out)
        return 0
    if args.copy:
        copy_exportguard(args.input, args.out)
        return 0
    if args.case:
        print(json.dumps(run_case(args.case, args.input)))
        return 0

    # Every case starts fresh processes: their modules' bytecode compiled first, as an installed app has it
    # (pip compiles a wheel's modules on install, a frozen app ships them compiled), not compiled again
    # by each process where the environment says not to write bytecode (PYTHONDONTWRITEBYTECODE).
    compileall.compile_dir(ROOT / "masking", quiet=1)
    # a pattern that names a case exactly selects only that case ("export" is not also export:all-defaults)
    cases = [c for c in CASES if not args.only or any(p == c or (p not in CASES and p in c) for p in args.only)]
    sizes = args.rows or [1_000_000]
    for number, rows in enumerate(sizes):
        if number:
            print()
        _verdicts(run_size(rows, cases, args.repeat))
    return 0


def run_size(rows: int, cases: Sequence[str], repeat: int) -> dict[str, dict[str, float]]:
    """Every case on the ``rows``-row input, ``repeat`` interleaved rounds; each case's medians."""
    source, how = ensure_input(rows)
    print(f"input: {source.relative_to(ROOT)} ({rows:,} rows, {source.stat().st_size / 1e6:.0f} MB; {how})")
    print(f"{'case':22} {'rows':>10} {'seconds':>9} {'cpu s':>7} {'rows/s':>9} {'peak MB':>8}  note", flush=True)
    runs: dict[str, list[dict[str, float]]] = {}
    for _ in range(max(1, repeat)):
        for case in cases:
            command = [sys.executable, __file__, "--case", case, "--input", str(source)]
            path = os.pathsep.join(filter(None, (str(NO_CHECKS), os.environ.get("PYTHONPATH"))))
            env = {**os.environ, "PYTHONPATH": path} if case == "export:no-checks" else None
            done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False, env=env)  # noqa: S603
            if done.returncode != 0:
                last = (done.stderr.strip().splitlines() or ["?"])[-1]
                print(f"{case:22} {'failed':>10}  ({last[:100]})", flush=True)
                continue
            result = json.loads(done.stdout.strip().splitlines()[-1])
            seconds, done_rows, peak = float(result["seconds"]), int(result["rows"]), float(result["peak_mb"])
            cpu = float(result.get("cpu", 0.0))
            runs.setdefault(case, []).append({"seconds": seconds, "cpu": cpu, "peak_mb": peak})
            print(f"{case:22} {done_rows:>10,} {seconds:>9.1f} {cpu:>7.1f} "
                  f"{done_rows / seconds if done_rows else 0:>9,.0f} {peak:>8.0f}  {result['note']}", flush=True)
    results = {case: {"seconds": statistics.median(r["seconds"] for r in rounds),
                      "cpu": statistics.median(r["cpu"] for r in rounds),
                      "peak_mb": max(r["peak_mb"] for r in rounds)} for case, rounds in runs.items()}
    if repeat > 1:
        print()
        for case, rounds in runs.items():
            times = ", ".join(f"{r['seconds']:.1f}" for r in rounds)
            cpus = ", ".join(f"{r['cpu']:.1f}" for r in rounds)
            print(f"{case:22} median {results[case]['seconds']:.1f} s of {times}; "
                  f"CPU median {results[case]['cpu']:.1f} s of {cpus}")
    return results


def _verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def _verdicts(results: dict[str, dict[str, float]]) -> None:
    export = results.get("export")
    if export is None:
        return
    own, openpyxl = results.get("copy:exportguard"), results.get("copy:openpyxl")
    floor, cli, floor_process = results.get("floor"), results.get("cli"), results.get("floor:process")
    print()
    if floor:
        for case, measured in results.items():
            cpu = f", CPU {measured['cpu'] / floor['cpu']:5.2f}x" if floor["cpu"] else ""
            print(f"{case:22} {measured['seconds'] / floor['seconds']:5.2f}x the floor{cpu}")
        ratio = export["seconds"] / floor["seconds"]
        print(f"export / floor         {ratio:5.2f}x  (goal <= {GOAL_FLOOR}: {_verdict(ratio <= GOAL_FLOOR)})")
        if floor["cpu"]:
            print(f"export / floor         {export['cpu'] / floor['cpu']:5.2f}x in CPU time")
    if cli and floor_process:
        ratio = cli["seconds"] / floor_process["seconds"]
        print(f"cli / floor:process    {ratio:5.2f}x  (goal <= {GOAL_FLOOR}: {_verdict(ratio <= GOAL_FLOOR)})")
        if floor_process["cpu"]:
            print(f"cli / floor:process    {cli['cpu'] / floor_process['cpu']:5.2f}x in CPU time")
    unchecked = results.get("export:no-checks")
    if unchecked and floor:
        print(f"export without checks  {unchecked['seconds'] / floor['seconds']:5.2f}x the floor (checks on: "
              f"{export['seconds'] / floor['seconds']:.2f}x)")
    if own:
        ratio = export["seconds"] / own["seconds"]
        print(f"export / own copy      {ratio:5.2f}x  (goal <= {GOAL_OWN_COPY}: {_verdict(ratio <= GOAL_OWN_COPY)})")
        contended = results.get("copy:contended")
        if contended:
            print(f"contended / own copy   {contended['seconds'] / own['seconds']:5.2f}x  (the copy's work with the "
                  f"other core busy: the export's exporting process does at least that)")
    if openpyxl:
        ratio = openpyxl["seconds"] / export["seconds"]
        print(f"openpyxl copy / export {ratio:5.2f}x  (goal >= {GOAL_OPENPYXL}: {_verdict(ratio >= GOAL_OPENPYXL)})")
    peak = export["peak_mb"]
    print(f"export peak memory     {peak:5.0f} MB (goal < {GOAL_PEAK_MB} MB: {_verdict(peak < GOAL_PEAK_MB)})")

if __name__ == "__main__":
    raise SystemExit(main())
