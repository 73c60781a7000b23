"""Spreadsheet I/O benchmark: rows/s and peak memory of each reader and writer, one process per case.

    .venv/bin/python bench/bench_io.py                      # 1,000,000 rows, every case
    .venv/bin/python bench/bench_io.py --rows 200000        # quicker
    .venv/bin/python bench/bench_io.py --rows 200000 --only copy --only read:python-calamine

The input workbook (10 columns, shared strings, the layout Excel saves) is generated once into
bench/out/ by resources/samples/generate.py --big N when that script exists, else by a local
openpyxl write_only fallback. Write cases write generated rows (the same 10 columns) to bench/out/.
Each case runs in its own subprocess and reports its own peak resident memory (VmHWM), so one case's
garbage never counts against another. See bench/README.md for the figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import resource
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
GENERATOR = ROOT / "resources" / "samples" / "generate.py"
sys.path.insert(0, str(ROOT))

Row = tuple[object, ...]
HEADERS = [
    "户名",
    "手机号码",
    "身份证号",
    "电能表资产编号",
    "户号",
    "用电地址",
    "电费金额",
    "用电量",
    "抄表日期",
    "备注",
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂"
STREETS = ["人民路", "解放大道", "建设街", "中山北路", "长江路", "和平里", "光明巷", "新华西街"]


# ------------------------------------------------------------------------------------------ data


def generated_rows(count: int) -> Iterator[Row]:
    """``count`` rows of fictitious, mostly unique customer data (cheap: ~3 µs a row)."""
    base = dt.datetime(2024, 1, 1, 8, 0)
    for i in range(count):
        yield (
            SURNAMES[i % 20] + GIVEN[(i // 20) % len(GIVEN)] + GIVEN[(i // 500) % len(GIVEN)],
            f"13{i % 10}{(i * 7919) % 100_000_000:08d}",
            f"1101051980{(i % 12) + 1:02d}{(i % 28) + 1:02d}{i % 1000:03d}{'0123456789X'[i % 11]}",
            f"333000{i:016d}",
            f"{5_000_000_000 + i:010d}",
            f"北京市东城区{STREETS[i % 8]}{i % 300 + 1}号{i % 20 + 1}单元{i % 600 + 101}室",
            round((i % 100_000) / 100 + 0.07, 2),
            (i * 37) % 5000,
            base + dt.timedelta(days=i % 365, minutes=i % 600),
            "" if i % 3 else f"备注{i}",
        )


def fallback_input(path: Path, rows: int) -> None:
    """The benchmark input when resources/samples/generate.py is not there: openpyxl write_only."""
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("客户信息")
    ws.append(HEADERS)
    for row in generated_rows(rows):
        ws.append(list(row))
    wb.save(path)


def ensure_input(rows: int) -> tuple[Path, str]:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"input_{rows}.xlsx"
    if path.exists():
        return path, "cached"
    partial = path.with_suffix(".partial.xlsx")
    partial.unlink(missing_ok=True)
    started = time.perf_counter()
    if GENERATOR.exists():
        command = [sys.executable, str(GENERATOR), "--big", str(rows), "--out", str(partial)]
        subprocess.run(command, check=True, cwd=ROOT)  # noqa: S603 - our own script, fixed arguments
        how = "resources/samples/generate.py --big"
    else:
        fallback_input(partial, rows)
        how = "openpyxl write_only fallback"
    with zipfile.ZipFile(partial) as archive:
        if "xl/sharedStrings.xml" not in archive.namelist():
            how += " (WARNING: no shared strings)"
    partial.replace(path)
    return path, f"{how}, {time.perf_counter() - started:.1f} s"


# ----------------------------------------------------------------------------------------- cases


def write_baseline(rows: int, out: Path) -> int:
    """Only the row generator: the part of every write figure that is not the writer."""
    return sum(1 for _ in generated_rows(rows))


def write_xlsxwriter(rows: int, out: Path) -> int:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(out), {"constant_memory": True})
    ws = wb.add_worksheet("客户信息")
    text = wb.add_format({"num_format": "@"})
    date = wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    ws.write_row(0, 0, HEADERS)
    count = 0
    for r, row in enumerate(generated_rows(rows), start=1):
        for c, value in enumerate(row):
            if isinstance(value, str):
                ws.write_string(r, c, value, text)
            elif isinstance(value, dt.datetime):
                ws.write_datetime(r, c, value, date)
            else:
                ws.write_number(r, c, value)
        count += 1
    wb.close()
    return count


def write_openpyxl(rows: int, out: Path) -> int:
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("客户信息")
    ws.append(HEADERS)
    count = 0
    for row in generated_rows(rows):
        ws.append(list(row))
        count += 1
    wb.save(out)
    return count


def write_exportguard(rows: int, out: Path) -> int:
    from masking.io.writer import open_writer

    with open_writer(out, "xlsx", overwrite=True) as book:
        return book.add_sheet("客户信息", HEADERS).write_rows(generated_rows(rows))


def write_exportguard_csv(rows: int, out: Path) -> int:
    from masking.io.writer import open_writer

    with open_writer(out.with_suffix(".csv"), "csv", overwrite=True) as book:
        return book.add_sheet("客户信息", HEADERS).write_rows(generated_rows(rows))


def read_openpyxl(path: Path) -> int:
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True)
    count = sum(1 for _ in wb.worksheets[0].iter_rows(values_only=True))
    wb.close()
    return count


def read_calamine(path: Path) -> int:
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    count = sum(1 for _ in wb.get_sheet_by_index(0).iter_rows())
    wb.close()
    return count


def exportguard_rows(path: Path) -> tuple[Iterator[Sequence[object]], Callable[[], None], str]:
    """Rows of the first sheet from our reader: the facade if it exists, else the xlsx module."""
    try:
        from masking.io.reader import open_workbook
    except ImportError:
        from masking.io.xlsx_reader import XlsxBook

        book = XlsxBook(path)
        info = (book.sheets() if callable(book.sheets) else book.sheets)[0]
        return (values for _, values in book.rows(info)), book.close, "masking.io.xlsx_reader.XlsxBook"
    context = open_workbook(path)
    opened = context.__enter__()
    sheets = opened.sheets() if callable(opened.sheets) else opened.sheets
    first = sheets[0]
    rows = opened.rows(getattr(first, "name", first))
    return (values for _, values in rows), lambda: context.__exit__(None, None, None), "masking.io.reader"


def read_exportguard(path: Path) -> int:
    rows, close, _ = exportguard_rows(path)
    try:
        return sum(1 for _ in rows)
    finally:
        close()


def copy_exportguard(path: Path, out: Path) -> int:
    """The read-and-write pass of an export: our reader into our writer, headers included."""
    from masking.io.writer import open_writer

    rows, close, _ = exportguard_rows(path)
    try:
        headers = [None if h is None else str(h) for h in next(rows)]
        with open_writer(out, "xlsx", overwrite=True, protect=[path]) as book:
            return book.add_sheet("客户信息", headers).write_rows(rows)
    finally:
        close()


WRITERS: dict[str, Callable[[int, Path], int]] = {
    "write:generator-only": write_baseline,
    "write:xlsxwriter-constant_memory": write_xlsxwriter,
    "write:openpyxl-write_only": write_openpyxl,
    "write:exportguard-writer": write_exportguard,
    "write:exportguard-csv": write_exportguard_csv,
}
READERS: dict[str, Callable[[Path], int]] = {
    "read:openpyxl-read_only": read_openpyxl,
    "read:python-calamine": read_calamine,
    "read:exportguard-reader": read_exportguard,
}
CASES = [*WRITERS, *READERS, "copy"]


def peak_mb() -> float:
    try:
        status = Path("/proc/self/status").read_text()
        match = re.search(r"VmHWM:\s+(\d+) kB", status)
        if match:
            return int(match.group(1)) / 1024
    except OSError:
        pass
    scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB elsewhere
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 1024 / 1024


def run_case(name: str, rows: int, source: Path) -> dict[str, object]:
    """Runs in the child process."""
    out = OUT / f"{name.replace(':', '_')}.xlsx"
    note = ""
    started = time.perf_counter()
    if name in WRITERS:
        done = WRITERS[name](rows, out)
    elif name in READERS:
        done = READERS[name](source)
    else:
        done = copy_exportguard(source, out)
    seconds = time.perf_counter() - started
    if name in ("copy", "read:exportguard-reader"):
        note = _reader_label(source)
    for written in (out, out.with_suffix(".csv")):
        if written.exists():
            note = (note + "; " if note else "") + f"{written.stat().st_size / 1e6:.0f} MB out"
            written.unlink()
    return {"case": name, "rows": done, "seconds": seconds, "peak_mb": peak_mb(), "note": note}


def _reader_label(source: Path) -> str:
    _rows, close, label = exportguard_rows(source)
    close()
    return label


# ------------------------------------------------------------------------------------------ main


def selected(only: list[str] | None) -> list[str]:
    if not only:
        return CASES
    chosen = [case for case in CASES if any(pattern in case for pattern in only)]
    if not chosen:
        raise SystemExit(f"no case matches {only}; cases: {', '.join(CASES)}")
    return chosen


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000, help="data rows (default 1,000,000)")
    parser.add_argument("--only", action="append", help="run cases whose name contains this (repeatable)")
    parser.add_argument("--case", help=argparse.SUPPRESS)  # internal: run one case in this process
    parser.add_argument("--input", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.case:
        print(json.dumps(run_case(args.case, args.rows, args.input)))
        return 0

    cases = selected(args.only)
    needs_input = any(not case.startswith("write:") for case in cases)
    source, how = ensure_input(args.rows) if needs_input else (OUT / "unused.xlsx", "")
    OUT.mkdir(parents=True, exist_ok=True)
    if how:
        print(f"input: {source.relative_to(ROOT)} ({source.stat().st_size / 1e6:.0f} MB; {how})")
    print(f"{'case':36} {'rows':>10} {'seconds':>9} {'rows/s':>10} {'peak MB':>8}  note")
    for case in cases:
        command = [sys.executable, __file__, "--case", case, "--rows", str(args.rows), "--input", str(source)]
        done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)  # noqa: S603
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["?"])[-1]
            print(f"{case:36} {'skipped':>10}  ({last[:100]})")
            continue
        result = json.loads(done.stdout.strip().splitlines()[-1])
        seconds = float(result["seconds"])
        rate = int(result["rows"]) / seconds if seconds else 0.0
        print(
            f"{case:36} {int(result['rows']):>10,} {seconds:>9.1f} {rate:>10,.0f} "
            f"{float(result['peak_mb']):>8.0f}  {result['note']}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
