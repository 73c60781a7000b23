"""``exportguard-gui --screenshot PNG [FILE]``: start as usual, wait until the window is usable (and FILE,
if given, is scanned), save a picture of the window, and quit.

For checks of an installed or frozen app (packaging/smoke.py) and for support ("send us a picture"):
it runs the real start-up path of :func:`desktop.app.main`, so its exit code says whether this build
can show its window, find its translations and read a file. No dialog is ever waited for.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Slot

from desktop.main_window import MainWindow

log = logging.getLogger(__name__)

POLL_MS = 50
TIMEOUT_S = 120.0
SETTLE_S = 0.3  # a few more event-loop turns after ready, so layouts and repaints are done


class ReadySnapshot(QObject):
    """Polls the window until it is ready, then saves its picture and ends the application.

    The exit code: 0 when the picture was saved, 1 when the file could not be scanned, the picture
    could not be saved, or :data:`TIMEOUT_S` passed.

    Signals: none.
    """

    def __init__(self, window: MainWindow, target: Path, *, expect_file: bool) -> None:
        super().__init__(window)
        self._window = window
        self._target = target
        self._expect_file = expect_file
        self._started = time.monotonic()
        self._ready_at: float | None = None
        self._failed = False
        window.scan_failed.connect(self._on_window_scan_failed)
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._timer.start()

    def _ready(self) -> bool:
        if not self._window.isVisible():
            return False
        return not self._expect_file or self._window.session.report is not None

    @Slot(str)
    def _on_window_scan_failed(self, _message: str) -> None:
        self._failed = True

    @Slot()
    def _on_timer_timeout(self) -> None:
        now = time.monotonic()
        if self._failed:
            self._finish(1, "the file could not be scanned")
        elif self._ready_at is None and self._ready():
            self._ready_at = now
        elif self._ready_at is not None and now - self._ready_at >= SETTLE_S:
            saved = self._window.grab().save(str(self._target))
            self._finish(0 if saved else 1, f"saved {self._target}" if saved else f"could not save {self._target}")
        elif now - self._started > TIMEOUT_S:
            self._finish(1, f"the window was not ready after {TIMEOUT_S:.0f} s")

    def _finish(self, code: int, message: str) -> None:
        self._timer.stop()
        log.info("screenshot: %s", message)
        QCoreApplication.exit(code)
