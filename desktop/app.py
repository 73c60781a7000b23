"""``main()``: the one place that builds the desktop object graph (translators, home, policy, window)."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator
from PySide6.QtWidgets import QApplication

from desktop.main_window import MainWindow
from desktop.workers import make_scan_function
from masking.home import resolve_home
from masking.policy import load_policy

log = logging.getLogger(__name__)


def install_translators(app: QCoreApplication, locale: QLocale) -> list[QTranslator]:
    """Install Qt's own Chinese strings (dialog buttons, context menus) for a Chinese locale.

    Must run before any widget exists. The returned translators must stay alive as long as the
    application. The app's own source strings are Chinese, so Chinese needs no app translation.
    """
    installed: list[QTranslator] = []
    if locale.language() is not QLocale.Language.Chinese:
        return installed
    translator = QTranslator(app)
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if translator.load(locale, "qtbase", "_", folder):
        app.installTranslator(translator)
        installed.append(translator)
    else:
        log.warning("Qt translation qtbase for %s not found in %s", locale.name(), folder)
    return installed


def create_main_window(home: Path) -> MainWindow:
    """The window wired to the policy found in ``home`` (or the built-in default)."""
    policy = load_policy(None, home)
    actions = {kind: rule.default for kind, rule in policy.kinds.items()}
    return MainWindow(make_scan_function(actions))


def _parse(argv: Sequence[str]) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(prog="exportguard-gui", description="ExportGuard desktop app")
    parser.add_argument("file", nargs="?", type=Path, help="a spreadsheet to open at start")
    parser.add_argument("--home", help="the ExportGuard home folder (default: $EXPORTGUARD_HOME or the user data dir)")
    return parser.parse_known_args(list(argv))  # the rest (-platform, -style, ...) is Qt's


def main(argv: Sequence[str] | None = None) -> int:
    """Run the desktop app; ``argv`` excludes the program name (as for ``exportguard gui ...``)."""
    args, qt_args = _parse(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication([sys.argv[0], *qt_args])
    app.setApplicationName("ExportGuard")
    app.setOrganizationName("ExportGuard")
    translators = install_translators(app, QLocale.system())
    window = create_main_window(resolve_home(args.home))
    app.aboutToQuit.connect(window.shutdown)
    window.show()
    if args.file is not None:
        window.open_path(args.file)
    code = app.exec()
    del translators  # kept alive until here on purpose
    return code


if __name__ == "__main__":
    sys.exit(main())
