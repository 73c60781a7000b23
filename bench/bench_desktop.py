"""How soon the desktop app shows a big file, and how responsive it stays while exporting it.

    .venv/bin/python bench/bench_desktop.py                         # 1,000,000 rows (generation ~2 min, once)
    .venv/bin/python bench/bench_desktop.py --rows 200000
    .venv/bin/python bench/bench_desktop.py --input /tmp/big.xlsx --export-seconds 20

Runs the real main window offscreen in a temporary home folder and prints: the time until the first
preview rows are on screen, the time until the scan has filled in the kinds, the cost of one keystroke
in the recipient box once the risk is measured (the policy re-check, the preview's stand-ins; and how
many passes over the file the typing started: none is the aim), and, while an export
runs for ``--export-seconds`` (then is cancelled), the longest gap between 10 ms timer ticks on the
GUI thread, i.e. the longest the window could not repaint.
"""

from __future__ import annotations

import argparse
import itertools
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"


def _workbook(rows: int) -> Path:
    path = OUT / f"input_{rows}.xlsx"
    if not path.is_file():
        OUT.mkdir(parents=True, exist_ok=True)
        print(f"generating {path} ...", flush=True)
        subprocess.run([sys.executable, str(ROOT / "resources" / "samples" / "generate.py"), "--big", str(rows),  # noqa: S603
                        "--out", str(path)], check=True)
    return path


def _measure_export(
    window: Any, rows: int, seconds: float, temp: Path, wait: Callable[[Callable[[], bool], float], bool]
) -> None:
    from PySide6.QtCore import QElapsedTimer, QTimer

    page = window.export_page
    page.recipient.setEditText("bench")
    page.purpose.setEditText("bench")
    page.output.setText(str(temp / "out.xlsx"))
    page._output_edited = True
    ticks: list[int] = []
    clock = QElapsedTimer()
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(clock.elapsed()))
    clock.start()
    timer.start()
    page.start_export()
    wait(lambda: False, seconds)
    timer.stop()
    done = page.progress.value() / 1000 * rows
    page.cancel_export()
    wait(lambda: not page.exporting, 120)
    gaps = sorted(b - a for a, b in itertools.pairwise(ticks))
    print(f"export for {seconds:.0f} s (~{done:,.0f} rows written, then cancelled): "
          f"longest GUI stall {gaps[-1]} ms, 99th percentile {gaps[int(len(gaps) * 0.99)]} ms, "
          f"{len(ticks)} ticks of 10 ms; leftovers: {sorted(p.name for p in temp.iterdir())}")


def _measure_typing(window: Any, wait: Callable[[Callable[[], bool], float], bool]) -> None:
    """Type a recipient one character at a time, as a user does (~8 keystrokes a second), and time what
    each keystroke costs the GUI thread: the handler itself, then everything its timers start."""
    from PySide6.QtCore import QCoreApplication

    from desktop import workers
    from masking import pipeline

    page = window.export_page
    opened: list[str] = []
    originals = {module: module.open_workbook for module in (workers, pipeline)}
    for module, original in originals.items():
        module.open_workbook = lambda path, *a, _o=original, **k: (opened.append(str(path)), _o(path, *a, **k))[1]
    text = "城东代收银行第二营业部"
    costs: list[float] = []
    started = time.perf_counter()
    try:
        for end in range(1, len(text) + 1):
            begin = time.perf_counter()
            page.recipient.setEditText(text[:end])
            QCoreApplication.processEvents()
            costs.append(time.perf_counter() - begin)
            pause = time.perf_counter() + 0.125
            while time.perf_counter() < pause:
                QCoreApplication.processEvents()
        settle = time.perf_counter()
        review = window.review_page
        wait(lambda: not (review.measuring or review.standins_pending or page.counting), 60)
        settled = time.perf_counter() - settle
    finally:
        for module, original in originals.items():
            module.open_workbook = original
    costs.sort()
    print(f"typing a {len(text)}-character recipient: per keystroke median {costs[len(costs) // 2] * 1000:.1f} ms, "
          f"longest {costs[-1] * 1000:.1f} ms; settled {settled * 1000:.0f} ms after the last key; "
          f"passes over the file started: {len(opened)} (in {time.perf_counter() - started:.1f} s)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--input", type=Path, help="an existing workbook instead of a generated one")
    parser.add_argument("--export-seconds", type=float, default=10.0)
    args = parser.parse_args()
    source = args.input or _workbook(args.rows)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(ROOT))

    from PySide6.QtCore import QCoreApplication, QEventLoop
    from PySide6.QtWidgets import QApplication

    from desktop.app import create_main_window

    app = QApplication([sys.argv[0]])
    app.setApplicationName("ExportGuard benchmark")

    def wait(condition: Callable[[], bool], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while not condition() and time.monotonic() < deadline:
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)
        return condition()

    with tempfile.TemporaryDirectory(prefix="exportguard-bench-") as temp:
        window = create_main_window(Path(temp) / "home")
        window.resize(1180, 760)
        window.show()
        window.keys_page.ensure_ring()
        session = window.session
        started = time.perf_counter()
        window.open_path(source)
        wait(lambda: session.heads is not None, 60)
        first_rows = time.perf_counter() - started
        wait(lambda: session.report is not None, 600)
        scanned = time.perf_counter() - started
        rows = sum(sheet.data_rows for sheet in session.report.sheets) if session.report else 0
        print(f"{source.name}: {rows:,} rows; first {window.review_page.preview_model.rowCount()} preview rows "
              f"after {first_rows * 1000:.0f} ms; kinds after {scanned:.1f} s")

        wait(lambda: session.risk is not None, 600)
        print(f"risk measured after {time.perf_counter() - started:.1f} s")
        _measure_typing(window, wait)
        _measure_export(window, rows, args.export_seconds, Path(temp), wait)
        window.shutdown()
        window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
