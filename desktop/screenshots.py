"""Render the main window offscreen to PNG files, for docs and for reviewing the layout:
``python -m desktop.screenshots --out DIR``. Needs a CJK font (Debian: fonts-noto-cjk)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

SAMPLES = Path(__file__).resolve().parent.parent / "resources" / "samples"
SCAN_TIMEOUT_MS = 30_000


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m desktop.screenshots")
    parser.add_argument("--out", type=Path, required=True, help="folder for the PNG files")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from PySide6.QtCore import QEventLoop, QLocale, QTimer
    from PySide6.QtWidgets import QApplication

    from desktop.app import create_main_window, install_translators
    from masking.home import resolve_home

    app = QApplication([sys.argv[0]])
    translators = install_translators(app, QLocale("zh_CN"))
    args.out.mkdir(parents=True, exist_ok=True)
    shots = {"main_window.png": SAMPLES / "customers_zh.xlsx", "hidden_pii.png": SAMPLES / "hidden_pii.xlsx"}
    failures = 0
    for name, sample in shots.items():
        window = create_main_window(resolve_home(None))
        window.resize(1100, 720)
        window.show()
        loop = QEventLoop()
        window.scan_finished.connect(loop.quit)
        window.scan_failed.connect(loop.quit)
        QTimer.singleShot(SCAN_TIMEOUT_MS, loop.quit)
        window.open_path(sample)
        loop.exec()
        target = args.out / name
        if window.report is None or not window.grab().save(str(target)):
            print(f"could not render {target}", file=sys.stderr)
            failures += 1
        else:
            print(target)
        window.close()
    del translators
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
