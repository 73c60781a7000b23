"""``main()``: the one place that builds the desktop object graph (translators, home, policy, window)."""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, QStandardPaths, QTimer, Slot
from PySide6.QtWidgets import QApplication

from desktop.i18n import Translations, resolve_language
from desktop.main_window import MainWindow
from desktop.session import Session
from desktop.settings import AppSettings
from desktop.snapshot import ReadySnapshot
from desktop.workers import scan_file
from masking import os_secrets
from masking.errors import PolicyError, UsageError
from masking.evidence.client import TOKEN_ENV, normalise_url
from masking.home import resolve_home
from masking.policy import builtin_policy, load_policy
from masking.workspace import Workspace

log = logging.getLogger(__name__)
CACHE_DIR = "cache"
OUTBOX_NAME = "外发"


class MainThreadGarbageCollector(QObject):
    """Runs Python's cyclic garbage collector on the GUI thread only, as qutebrowser does.

    Left to itself, the collector runs in whichever thread happens to allocate, and collecting a Qt
    wrapper on a worker thread crashes. So automatic collection is off while the app runs, and a timer
    collects here, generation by generation, when the thresholds say so.

    Signals: none.
    """

    INTERVAL_MS = 1000

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._was_enabled = gc.isenabled()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(self.INTERVAL_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._timer.start()

    @Slot()
    def _on_timer_timeout(self) -> None:
        threshold = gc.get_threshold()
        counts = gc.get_count()
        for generation in (2, 1, 0):
            if counts[generation] > threshold[generation]:
                gc.collect(generation)
                break

    def stop(self) -> None:
        self._timer.stop()
        gc.collect()
        if self._was_enabled:
            gc.enable()


def install_translations(app: QCoreApplication, home: Path, settings: AppSettings) -> Translations:
    """Install the translators of the language the settings ask for (or the system's). Must run before
    any widget exists; the returned object must live as long as the application."""
    translations = Translations(app, home / CACHE_DIR / "i18n")
    translations.switch(resolve_language(settings.language))
    return translations


def user_outbox() -> Path:
    """The per-user folder for exports (``Documents\\外发`` on Windows, ``~/Documents/外发`` elsewhere), one
    place where a user finds everything prepared for sending."""
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return (Path(documents) if documents else Path.home() / "Documents") / OUTBOX_NAME


def create_main_window(home: Path, translations: Translations | None = None, *,
                       outbox: Path | None = None) -> MainWindow:
    """The window wired to the policy, keys and ledger found in ``home``; exports go to ``outbox``
    (default :func:`user_outbox`) unless the user picks another file."""
    settings = AppSettings(home)
    try:
        policy = load_policy(None, home)
    except PolicyError as error:
        # A managed home whose policy is unsigned or was edited: the pages show the built-in rules, and
        # every export is refused with this same coded reason (prepare_export loads the policy again).
        log.warning("policy refused: %s", error)
        policy = builtin_policy()
    session = Session(Workspace(home), policy, outbox=outbox if outbox is not None else user_outbox())
    session.try_unlock_unprotected()
    try:  # an officer's token in the environment (as the CLI's trace --server takes it) or in the OS secret store
        url = settings.service_url or session.enrolled_service()
        token = os.environ.get(TOKEN_ENV, "") or (os_secrets.remembered_token(normalise_url(url)) if url else "")
        session.configure_service(url, token or "")
    except UsageError as error:
        log.warning("service address not used: %s", error)

    def switch_language(setting: str) -> None:
        if translations is not None:
            translations.switch(resolve_language(setting))

    return MainWindow(session, settings, scan_file, switch_language)


def _parse(argv: Sequence[str]) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(prog="exportguard-gui", description="ExportGuard desktop app")
    parser.add_argument("file", nargs="?", type=Path, help="a spreadsheet to open at start")
    parser.add_argument("--home", help="the ExportGuard home folder (default: $EXPORTGUARD_HOME or the user data dir)")
    parser.add_argument("--screenshot", type=Path, metavar="PNG",
                        help="save a picture of the window once it is ready (and FILE scanned), then quit")
    return parser.parse_known_args(list(argv))  # the rest (-platform, -style, ...) is Qt's


def main(argv: Sequence[str] | None = None) -> int:
    """Run the desktop app; ``argv`` excludes the program name (as for ``exportguard gui ...``)."""
    args, qt_args = _parse(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication([sys.argv[0], *qt_args])
    app.setApplicationName("ExportGuard")
    app.setOrganizationName("ExportGuard")
    home = resolve_home(args.home)
    translations = install_translations(app, home, AppSettings(home))
    collector = MainThreadGarbageCollector(app)
    try:
        window = create_main_window(home, translations)
        app.aboutToQuit.connect(window.shutdown)
        window.show()
        if args.screenshot is not None:
            ReadySnapshot(window, args.screenshot, expect_file=args.file is not None)
        else:
            window.start()  # the first-run offer or the unlock prompt: never in a check that nobody watches
        if args.file is not None:
            window.open_path(args.file)
        return app.exec()
    finally:
        collector.stop()
        translations.remove_all()


if __name__ == "__main__":
    sys.exit(main())
