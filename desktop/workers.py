"""Workers that run core functions off the GUI thread and report back through signals.

The core knows nothing of threads: it takes a ``progress(done, total)`` callback, and a worker
cancels it by raising ``Cancelled`` from inside that callback.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

from masking.detect import ScanReport, scan_workbook
from masking.errors import Cancelled, ExportGuardError, InputError, KeyProblem, OutputError, PolicyError, UsageError
from masking.io.reader import open_workbook
from masking.kinds import Action, Kind

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
ScanFunction = Callable[[Path, Progress], ScanReport]


@dataclass(frozen=True, slots=True)
class ScanResult:
    path: Path
    report: ScanReport


def make_scan_function(actions: Mapping[Kind, Action]) -> ScanFunction:
    """The scan the window runs: open the file, classify every sheet with the policy's defaults."""
    chosen = dict(actions)

    def scan(path: Path, progress: Progress) -> ScanReport:
        with open_workbook(path) as workbook:
            return scan_workbook(workbook, path=path, actions=chosen, progress=progress)

    return scan


def error_message(error: ExportGuardError) -> str:
    """The one place where a core error becomes a line for the user: a translated heading, then
    the core's own one-line message (which never quotes a cell)."""
    tr = QCoreApplication.translate
    if isinstance(error, InputError):
        heading = tr("errors", "无法读取这个文件")
    elif isinstance(error, PolicyError):
        heading = tr("errors", "单位的数据外发策略不允许这样做")
    elif isinstance(error, KeyProblem):
        heading = tr("errors", "密钥有问题")
    elif isinstance(error, OutputError):
        heading = tr("errors", "无法写入输出文件")
    elif isinstance(error, UsageError):
        heading = tr("errors", "操作有误")
    else:
        heading = tr("errors", "操作未完成")
    detail = " ".join(str(error).split())  # keep it on one line whatever the core sent
    return tr("errors", "{heading}：{detail}").format(heading=heading, detail=detail)


class ScanWorker(QObject):
    """Scans one file on a worker thread.

    Signals:
        progressed(int, int): sheets done and sheets in total, after each sheet.
        finished(object): the ``ScanResult``.
        failed(str): a one-line message for the user (not emitted when cancelled).
    """

    progressed = Signal(int, int)
    finished = Signal(object)
    failed = Signal(str)

    def __init__(self, path: Path, scan: ScanFunction) -> None:
        super().__init__()
        self._path = path
        self._scan = scan
        self._cancel = threading.Event()

    @property
    def path(self) -> Path:
        return self._path

    def cancel(self) -> None:
        """Ask the scan to stop at the next progress report; safe from any thread."""
        self._cancel.set()

    def _on_progress(self, done: int, total: int) -> None:
        if self._cancel.is_set():
            raise Cancelled("scan cancelled")
        self.progressed.emit(done, total)

    @Slot()
    def run(self) -> None:
        try:
            report = self._scan(self._path, self._on_progress)
        except Cancelled:
            log.info("scan of %s cancelled", self._path.name)
        except ExportGuardError as error:
            log.info("scan of %s failed: %s", self._path.name, error)
            self.failed.emit(error_message(error))
        except Exception:  # a defect in the core must not take the window down with it
            log.exception("unexpected error while scanning %s", self._path.name)
            self.failed.emit(QCoreApplication.translate("errors", "扫描时发生内部错误，详情已写入日志。"))
        else:
            self.finished.emit(ScanResult(self._path, report))
        finally:
            QThread.currentThread().quit()  # one scan per thread, whatever the outcome


class ScanRunner(QObject):
    """Runs one ScanWorker at a time on its own QThread: a new scan cancels and disconnects the
    previous one, whose thread is still waited for before the application quits.

    Signals:
        progressed(int, int), finished(object), failed(str): those of the current worker only.
    """

    progressed = Signal(int, int)
    finished = Signal(object)
    failed = Signal(str)

    def __init__(self, scan: ScanFunction, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._scan = scan
        self._current: ScanWorker | None = None
        self._running: dict[QThread, ScanWorker] = {}

    @property
    def busy(self) -> bool:
        return self._current is not None

    def start(self, path: Path) -> None:
        self.cancel()
        worker = ScanWorker(path, self._scan)
        thread = QThread(self)
        thread.setObjectName(f"scan-{path.name}")
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        worker.progressed.connect(self._on_worker_progressed)
        worker.finished.connect(self._on_worker_finished)
        worker.failed.connect(self._on_worker_failed)
        thread.finished.connect(self._on_thread_finished)
        self._running[thread] = worker
        self._current = worker
        thread.start()

    def cancel(self) -> None:
        """Stop listening to the current worker and ask it to stop; its thread ends on its own."""
        worker, self._current = self._current, None
        if worker is None:
            return
        worker.cancel()
        worker.progressed.disconnect(self._on_worker_progressed)
        worker.finished.disconnect(self._on_worker_finished)
        worker.failed.disconnect(self._on_worker_failed)

    def wait(self) -> None:
        """Cancel, then block until every worker thread has ended (never ``terminate()``)."""
        self.cancel()
        for thread in list(self._running):
            thread.wait()
        QCoreApplication.sendPostedEvents(self)
        self._running.clear()

    def _is_current(self) -> bool:
        return self._current is not None and self.sender() is self._current

    @Slot(int, int)
    def _on_worker_progressed(self, done: int, total: int) -> None:
        if self._is_current():
            self.progressed.emit(done, total)

    @Slot(object)
    def _on_worker_finished(self, result: object) -> None:
        if self._is_current():
            self._current = None
            self.finished.emit(result)

    @Slot(str)
    def _on_worker_failed(self, message: str) -> None:
        if self._is_current():
            self._current = None
            self.failed.emit(message)

    @Slot()
    def _on_thread_finished(self) -> None:
        thread = self.sender()
        if isinstance(thread, QThread):
            worker = self._running.pop(thread, None)
            if worker is not None:
                worker.deleteLater()
            thread.deleteLater()
