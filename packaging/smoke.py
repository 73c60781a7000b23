"""Smoke test of an installed or frozen ExportGuard, as a new user would run it.

    python packaging/smoke.py --cli PATH/exportguard --gui PATH/exportguard-gui --sample SAMPLE.xlsx

Uses only the standard library (it may run beside a bundle that has no Python environment of its own).
Everything happens in a fresh temporary folder whose name has Chinese characters and a space, outside
any source tree: scan, an xlsx export and a csv export to two recipients, trace of a fragment of the
csv export (it must name that export and no other) with its PDF report, a 50,000-row export (which runs the export's
worker process, a separate program in a frozen app), audit verify, and the desktop app offscreen with a
screenshot that must show something (not one flat colour). Each program runs with only the
environment given by --env (default: the current one), so a bundle can be checked with a clean one.
Prints one line per step with its time; exit 0 when all steps pass, 1 at the first failure.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import shlex
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from collections import Counter
from pathlib import Path

TIMEOUT_S = 300
BIG_ROWS = 50_000  # masking.transform.PARALLEL_FROM_ROWS: the export runs its worker process from here on


class SmokeFailure(Exception):
    """A step did not do what it should; the message says which and why."""


def run(command: list[str], env: dict[str, str], cwd: Path) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    done = subprocess.run(  # noqa: S603 - the programs under test, given on our own command line
        command, env=env, cwd=cwd, capture_output=True, text=True, encoding="utf-8", errors="replace",
        timeout=TIMEOUT_S, check=False,
    )
    return done, time.monotonic() - started


def run_json(command: list[str], env: dict[str, str], cwd: Path) -> tuple[dict[str, object], float]:
    done, seconds = run(command, env, cwd)
    if done.returncode != 0:
        raise SmokeFailure(f"{' '.join(command[1:4])}... exited {done.returncode}: {done.stderr.strip()[-400:]}")
    try:
        payload = json.loads(done.stdout)
    except json.JSONDecodeError as error:
        raise SmokeFailure(f"{' '.join(command[1:4])}... printed no JSON object: {error}") from None
    if not isinstance(payload, dict):
        raise SmokeFailure("the JSON output is not an object")
    return payload, seconds


# -- PNG: enough of a decoder to count colours in what Qt writes (8-bit RGB or RGBA, no interlace) --

def png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and the rows of pixels (``channels`` bytes each) of an 8-bit RGB/RGBA PNG."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise SmokeFailure("the screenshot is not a PNG file")
    position, chunks, header = 8, [], b""
    while position < len(data):
        (length,) = struct.unpack(">I", data[position:position + 4])
        kind = data[position + 4:position + 8]
        body = data[position + 8:position + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            chunks.append(body)
        position += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    channels = {2: 3, 6: 4}.get(colour)
    if depth != 8 or channels is None or interlace:
        raise SmokeFailure(f"unexpected PNG layout (depth {depth}, colour type {colour}, interlace {interlace})")
    raw = zlib.decompress(b"".join(chunks))
    stride = width * channels
    rows: list[bytes] = []
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            upper_left = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                estimate = left + up - upper_left
                pa, pb, pc = abs(estimate - left), abs(estimate - up), abs(estimate - upper_left)
                nearest = left if pa <= pb and pa <= pc else up if pb <= pc else upper_left
                line[i] = (line[i] + nearest) & 0xFF
        rows.append(bytes(line))
        previous = line
    return width, height, [bytes(row) for row in rows]


def check_not_blank(path: Path, *, min_colours: int = 8, max_share: float = 0.97) -> str:
    """Refuse a missing, tiny or flat picture; return a short description of it."""
    if not path.is_file():
        raise SmokeFailure(f"no screenshot at {path}")
    width, height, rows = png_pixels(path.read_bytes())
    if width < 400 or height < 300:
        raise SmokeFailure(f"the screenshot is only {width}x{height}")
    channels = len(rows[0]) // width
    counts: Counter[bytes] = Counter()
    for row in rows[::4]:
        for x in range(0, len(row), channels * 4):
            counts[row[x:x + 3]] += 1
    share = counts.most_common(1)[0][1] / sum(counts.values())
    if len(counts) < min_colours or share > max_share:
        raise SmokeFailure(f"the screenshot looks blank ({len(counts)} colours, {share:.0%} one colour)")
    return f"{width}x{height}, {len(counts)} colours, {share:.0%} background"


# -- the steps --------------------------------------------------------------------------------

def fragment_of(csv_path: Path, target: Path) -> int:
    """Every second data row of a csv export, its header first; returns the rows kept."""
    with csv_path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    header_at = next(i for i, row in enumerate(rows) if sum(bool(cell) for cell in row) >= 3)
    kept = rows[header_at + 1::2]
    buffer = io.StringIO()
    csv.writer(buffer).writerows([rows[header_at], *kept])
    target.write_text(buffer.getvalue(), encoding="utf-8")
    return len(kept)


def enlarged(csv_path: Path, target: Path, rows: int) -> None:
    """The data rows of a csv export repeated to ``rows`` rows: big enough for the export's worker process."""
    with csv_path.open(encoding="utf-8-sig", newline="") as handle:
        table = list(csv.reader(handle))
    header_at = next(i for i, row in enumerate(table) if sum(bool(cell) for cell in row) >= 3)
    data = table[header_at + 1:]
    with target.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(table[header_at])
        writer.writerows(data[i % len(data)] for i in range(rows))


def smoke(cli: list[str], gui: list[str], sample: Path, env: dict[str, str], work: Path) -> None:
    home = work / "home 用户"
    source = work / f"客户 明细{sample.suffix}"
    shutil.copyfile(sample, source)
    base = [*cli, "--home", str(home)]

    def step(name: str, seconds: float, detail: str) -> None:
        print(f"ok   {name:<12} {seconds:6.2f} s  {detail}", flush=True)

    scan, seconds = run_json([*base, "scan", str(source), "--json"], env, work)
    kinds = {column["kind"] for sheet in scan["sheets"] for column in sheet["columns"]}  # type: ignore[index,attr-defined]
    if not {"phone", "id_number"} <= kinds:
        raise SmokeFailure(f"scan found kinds {sorted(k for k in kinds if k)}, expected phone and id_number")
    step("scan", seconds, f"kinds {', '.join(sorted(k for k in kinds if k))}")

    out_xlsx = work / "外发 城东银行.xlsx"
    first, seconds = run_json([*base, "export", str(source), "--recipient", "城东代收银行", "--purpose", "欠费催缴",
                               "--out", str(out_xlsx), "--format", "xlsx", "--json"], env, work)
    if not out_xlsx.is_file() or out_xlsx.read_bytes()[:2] != b"PK" or int(first["rows"]) < 10:  # type: ignore[call-overload]
        raise SmokeFailure("the xlsx export did not produce a workbook with rows")
    step("export xlsx", seconds, f"{first['rows']} rows, id {first['export_id']}")

    out_csv = work / "外发 西城物业.csv"
    second, seconds = run_json([*base, "export", str(source), "--recipient", "西城物业公司", "--purpose", "上门服务",
                                "--out", str(out_csv), "--format", "csv", "--json"], env, work)
    if not out_csv.is_file():
        raise SmokeFailure("the csv export did not produce a file")
    step("export csv", seconds, f"{second['rows']} rows, id {second['export_id']}")

    leaked = work / "泄露 片段.csv"
    kept = fragment_of(out_csv, leaked)
    report = work / "溯源 报告.pdf"
    trace, seconds = run_json([*base, "trace", str(leaked), "--report", str(report), "--investigator", "王调查",
                               "--language", "zh_CN", "--json"], env, work)
    verdict = trace.get("verdict")
    if not isinstance(verdict, dict) or verdict.get("export_id") != second["export_id"]:
        raise SmokeFailure(f"trace of a {kept}-row fragment named {verdict!r}, not export {second['export_id']}")
    if not report.is_file() or report.read_bytes()[:5] != b"%PDF-":
        raise SmokeFailure("trace --report did not write a PDF (reportlab missing from the bundle?)")
    step("trace", seconds, f"{kept}-row fragment -> {verdict['export_id']} ({verdict['recipient']}), "
                           f"PDF report {report.stat().st_size:,} bytes")

    big, big_out = work / "大 文件.csv", work / "大 文件 外发.csv"
    enlarged(out_csv, big, BIG_ROWS)
    third, seconds = run_json([*base, "export", str(big), "--recipient", "南区代收点", "--purpose", "批量核对",
                               "--out", str(big_out), "--json"], env, work)
    if not big_out.is_file() or int(third["rows"]) < BIG_ROWS:  # type: ignore[call-overload]
        raise SmokeFailure(f"the {BIG_ROWS}-row export wrote {third.get('rows')} rows")
    step("export big", seconds, f"{third['rows']} rows in the export's worker process")

    audit, seconds = run_json([*base, "audit", "verify", "--json"], env, work)
    if audit.get("ok") is not True or int(audit.get("entries", 0)) < 3:  # type: ignore[call-overload]
        raise SmokeFailure(f"audit verify: {audit}")
    step("audit", seconds, f"{audit['entries']} entries, chain intact")

    gui_env = {**env, "QT_QPA_PLATFORM": env.get("QT_QPA_PLATFORM", "offscreen"), "LANG": "zh_CN.UTF-8"}
    for name, extra in (("gui start", []), ("gui + scan", [str(source)])):
        shot = work / f"窗口 {len(extra)}.png"
        done, seconds = run([*gui, "--home", str(home), "--screenshot", str(shot), *extra], gui_env, work)
        if done.returncode != 0:
            raise SmokeFailure(f"{name}: exited {done.returncode}: {done.stderr.strip()[-400:]}")
        if "could not be loaded" in done.stderr or "Qt translation" in done.stderr:
            raise SmokeFailure(f"{name}: a translation is missing: {done.stderr.strip()[-400:]}")
        step(name, seconds, check_not_blank(shot))


def command_line(text: str) -> list[str]:
    """A program given on the command line; a relative path is made absolute (the steps run elsewhere)."""
    words = shlex.split(text)
    if words and Path(words[0]).exists():
        words[0] = str(Path(words[0]).resolve())
    return words


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python packaging/smoke.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--cli", required=True, help="the exportguard program (a path, or a command line)")
    parser.add_argument("--gui", required=True, help="the exportguard-gui program (a path, or a command line)")
    parser.add_argument("--sample", type=Path, required=True, help="a customer workbook (resources/samples/)")
    parser.add_argument("--clean-env", action="store_true",
                        help="run the programs with only HOME, PATH=/usr/bin:/bin, LANG and DISPLAY (a bundle)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder and print its name")
    args = parser.parse_args(argv)
    if args.clean_env:
        env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
        env.update({name: os.environ[name] for name in ("DISPLAY", "SYSTEMROOT", "TEMP", "TMP") if name in os.environ})
    else:
        env = dict(os.environ)
    work = Path(tempfile.mkdtemp(prefix="exportguard-烟测 "))
    env["HOME"] = str(work)
    started = time.monotonic()
    try:
        smoke(command_line(args.cli), command_line(args.gui), args.sample.resolve(), env, work)
    except (SmokeFailure, subprocess.TimeoutExpired, OSError) as error:
        print(f"FAIL {error}", file=sys.stderr)
        return 1
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(f"smoke test passed in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
