"""Render every page of the main window offscreen to PNG files, in Chinese and in English, for docs and
for reviewing the layout: ``python -m desktop.screenshots --out DIR``. Needs a CJK font (Debian:
fonts-noto-cjk). Works in a fresh temporary home folder (keys, ledger), never the user's."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from desktop.main_window import MainWindow

SAMPLES = Path(__file__).resolve().parent.parent / "resources" / "samples"
TIMEOUT_S = 60.0
PAGES = ("review", "export", "trace", "audit", "keys", "settings")


def _wait(condition: Callable[[], bool], timeout: float = TIMEOUT_S) -> bool:
    from PySide6.QtCore import QCoreApplication, QEventLoop

    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
    return True


def _quiet(window: MainWindow) -> None:
    """Message boxes would block an offscreen run: print their text instead."""

    def say(message: str) -> None:
        print(message, file=sys.stderr)

    for owner in (window, *window.pages):
        for name in ("_show_error", "_show_info"):
            if hasattr(owner, name):
                setattr(owner, name, say)


def _shoot(window: MainWindow, language: str, sample: Path, out: Path, temp: Path) -> int:
    """Open the sample, export it, verify the ledger, then grab every page; returns the failures."""
    from desktop.i18n import CHINESE
    from desktop.main_window import AUDIT, EXPORT

    failures = 0
    window.keys_page.ensure_ring()  # first use, as the CLI does: an unprotected keystore
    window.open_path(sample)
    session = window.session
    if not _wait(lambda: session.report is not None and session.heads is not None):
        print(f"scan of {sample} did not finish", file=sys.stderr)
        failures += 1
    export = window.export_page
    window.show_page(EXPORT)
    _grab(window, out / f"export_blocked_{language}.png")  # the policy panel saying what to fill in
    export.output.setText(str(temp / f"export_{language}.xlsx"))
    export._output_edited = True
    if language == CHINESE:
        export.recipient.setEditText("城东代收银行")
        export.purpose.setEditText("欠费催缴")
    else:
        export.recipient.setEditText("Eastside Collection Bank")
        export.purpose.setEditText("Arrears collection")
    window.show_page(EXPORT)
    if export.start_export() and not _wait(lambda: not export.exporting):
        failures += 1
    trace = window.trace_page
    trace.set_source(temp / f"export_{language}.xlsx")
    if trace.trace():
        _wait(lambda: trace.investigation is not None)
    window.show_page(AUDIT)
    audit = window.audit_page
    if audit.verify():
        _wait(lambda: audit.last_report is not None)
    for index, page in enumerate(PAGES):
        window.show_page(index)
        failures += not _grab(window, out / f"{page}_{language}.png")
    return failures


def _grab(window: MainWindow, target: Path) -> bool:
    _wait(lambda: False, 0.2)  # let layouts settle and repaint
    if window.grab().save(str(target)):
        print(target)
        return True
    print(f"could not render {target}", file=sys.stderr)
    return False


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m desktop.screenshots")
    parser.add_argument("--out", type=Path, required=True, help="folder for the PNG files")
    parser.add_argument("--sample", type=Path, default=SAMPLES / "hidden_pii.xlsx", help="the file to show")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from PySide6.QtWidgets import QApplication

    from desktop.app import create_main_window
    from desktop.i18n import CHINESE, ENGLISH, Translations

    app = QApplication([sys.argv[0]])
    args.out.mkdir(parents=True, exist_ok=True)
    failures = 0
    with tempfile.TemporaryDirectory(prefix="exportguard-shots-") as temp:
        home = Path(temp) / "home"
        translations = Translations(app, home / "cache" / "i18n")
        for language in (CHINESE, ENGLISH):
            translations.switch(language)
            window = create_main_window(home, translations, outbox=Path(temp) / "外发")
            _quiet(window)
            window.resize(1180, 760)
            window.show()
            failures += _shoot(window, language, args.sample, args.out, Path(temp))
            window.close()
            window.deleteLater()
        translations.remove_all()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
