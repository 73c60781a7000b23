"""Workers that run core functions off the GUI thread and report back through signals.

The core knows nothing of threads: it takes a ``progress(done, total)`` callback, and a worker
cancels it by raising ``Cancelled`` from inside that callback. Every long job of the app (scan,
preview, export, ledger verification, trace) is a plain function ``job(progress) -> result`` run by
a :class:`TaskRunner`, one at a time per runner.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

from desktop.wording import error_message
from masking import transform_worker
from masking.detect import ScanReport, scan_workbook
from masking.errors import Cancelled, ExportGuardError
from masking.grading import export_grade
from masking.io.model import Table, Value
from masking.io.reader import open_workbook
from masking.keys import KeyRing
from masking.ledger import Ledger
from masking.pipeline import ExportRequest, ExportResult, prepare_export, risk_threshold, run_export
from masking.plan import Plan
from masking.policy import Policy
from masking.risk.assess import PlanRisk
from masking.risk.generalize import Generalization, assess_and_suggest
from masking.row_selection import RowSelection, SelectedRows, count_selected

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
Job = Callable[[Progress], object]
ScanFunction = Callable[[Path, Progress], ScanReport]
PREVIEW_ROWS = 50
PROGRESS_STEPS = 1000  # progress is re-emitted only when done/total moves by a thousandth
EVERY_ROW = RowSelection()


@dataclass(frozen=True, slots=True)
class ScanResult:
    path: Path
    report: ScanReport


@dataclass(frozen=True, slots=True)
class SheetHead:
    """The first data rows of one sheet, straight from the reader (no scan needed)."""

    name: str
    table: Table
    rows: tuple[tuple[Value, ...], ...]


@dataclass(frozen=True, slots=True)
class PreviewResult:
    path: Path
    sheets: tuple[SheetHead, ...]


def scan_file(path: Path, progress: Progress) -> ScanReport:
    """The scan the window runs: open the file, classify every sheet (actions are the plan's). A large
    file's export will want a transform worker: one starts now, to be ready when the export is."""
    transform_worker.start_early(path)
    with open_workbook(path, hashed=True) as workbook:  # the export checks it reads the file scanned
        return scan_workbook(workbook, path=path, progress=progress)


def read_heads(path: Path, rows: int = PREVIEW_ROWS) -> PreviewResult:
    """The first ``rows`` data rows of every sheet: a few streamed rows, fast even for huge sheets."""
    heads = []
    with open_workbook(path) as workbook:
        for info in workbook.sheets:
            table = workbook.table(info.name)
            stream = workbook.data_rows(info.name, table)
            try:
                picked = tuple(values for _, values in itertools.islice(stream, rows))
            finally:
                close = getattr(stream, "close", None)
                if close is not None:
                    close()  # stop the reader's pass over the rest of the sheet
            heads.append(SheetHead(info.name, table, picked))
    return PreviewResult(path, tuple(heads))


def measure_risk(path: Path, plan: Plan, policy: Policy, progress: Progress, selection: RowSelection = EVERY_ROW
                 ) -> tuple[PlanRisk, Generalization | None, int, int | None]:
    """The plan's re-identification risk over the rows ``selection`` keeps (every row by default), and the
    generalization that would reach the k it is held to (None when every sheet already does): one pass,
    as ``export`` measures it."""
    threshold = risk_threshold(plan, policy)
    min_k = policy.thresholds(export_grade(plan.columns(), policy.levels)).min_k
    done = 0

    def tick(rows: int) -> None:
        nonlocal done
        done += rows
        progress(done, plan.rows)

    with open_workbook(path) as workbook:
        rows = workbook if selection.everything else SelectedRows(workbook, plan, selection)
        risk, suggestion = assess_and_suggest(rows, plan, policy, threshold,
                                              max_suppressed=policy.max_suppressed, tick=tick)
    needed = any(sheet.below(threshold) for sheet in risk.sheets)
    return risk, suggestion if needed and suggestion.reached else None, threshold, min_k


class Worker(QObject):
    """Runs one job on a worker thread.

    Signals:
        progressed(int, int): done and total in the job's own units, throttled to visible steps.
        finished(object): the job's result.
        failed(str): a one-line, translated message for the user (not emitted when cancelled).
        cancelled(): the job stopped because :meth:`cancel` was called.
    """

    progressed = Signal(int, int)
    finished = Signal(object)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, job: Job, name: str) -> None:
        super().__init__()
        self._job = job
        self._name = name
        self._cancel = threading.Event()
        self._last_step = -1

    def cancel(self) -> None:
        """Ask the job to stop at its next progress report; safe from any thread."""
        self._cancel.set()

    def _on_progress(self, done: int, total: int) -> None:
        if self._cancel.is_set():
            raise Cancelled(f"{self._name} cancelled")
        step = done * PROGRESS_STEPS // total if total > 0 else done
        if step != self._last_step:
            self._last_step = step
            self.progressed.emit(done, total)

    @Slot()
    def run(self) -> None:
        try:
            result = self._job(self._on_progress)
        except Cancelled:
            log.info("%s cancelled", self._name)
            self.cancelled.emit()
        except ExportGuardError as error:
            log.info("%s failed: %s", self._name, error)
            self.failed.emit(error_message(error))
        except Exception:  # a defect in the core must not take the window down with it
            log.exception("unexpected error in %s", self._name)
            self.failed.emit(QCoreApplication.translate(
                "errors", "An internal error occurred; details are in the log."))
        else:
            self.finished.emit(result)
        finally:
            QThread.currentThread().quit()  # one job per thread, whatever the outcome


class TaskRunner(QObject):
    """Runs one :class:`Worker` at a time on its own QThread: a new job cancels and disconnects the
    previous one, whose thread is still waited for before the application quits.

    Signals:
        progressed(int, int), finished(object), failed(str), cancelled(): those of the current job only.
    """

    progressed = Signal(int, int)
    finished = Signal(object)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._name = name
        self._current: Worker | None = None
        self._running: dict[QThread, Worker] = {}

    @property
    def busy(self) -> bool:
        return self._current is not None

    def start(self, job: Job) -> None:
        self.abandon()
        worker = Worker(job, self._name)
        thread = QThread(self)
        thread.setObjectName(self._name)
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        worker.progressed.connect(self._on_worker_progressed)
        worker.finished.connect(self._on_worker_finished)
        worker.failed.connect(self._on_worker_failed)
        worker.cancelled.connect(self._on_worker_cancelled)
        thread.finished.connect(self._on_thread_finished)
        self._running[thread] = worker
        self._current = worker
        thread.start()

    def cancel(self) -> None:
        """Ask the current job to stop; ``cancelled`` follows once it has cleaned up."""
        if self._current is not None:
            self._current.cancel()

    def abandon(self) -> None:
        """Stop listening to the current job and ask it to stop; its thread ends on its own."""
        worker, self._current = self._current, None
        if worker is None:
            return
        worker.cancel()
        worker.progressed.disconnect(self._on_worker_progressed)
        worker.finished.disconnect(self._on_worker_finished)
        worker.failed.disconnect(self._on_worker_failed)
        worker.cancelled.disconnect(self._on_worker_cancelled)

    def wait(self) -> None:
        """Abandon the current job, then block until every worker thread has ended (never ``terminate()``)."""
        self.abandon()
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
    def _on_worker_cancelled(self) -> None:
        if self._is_current():
            self._current = None
            self.cancelled.emit()

    @Slot()
    def _on_thread_finished(self) -> None:
        thread = self.sender()
        if isinstance(thread, QThread):
            # ``finished`` is emitted just before the thread ends: wait for the end, then let Python
            # delete the worker it owns (deleteLater would post to a thread with no event loop left,
            # and the wrapper would delete it a second time).
            thread.wait()
            self._running.pop(thread, None)
            thread.deleteLater()


def count_rows(path: Path, plan: Plan, selection: RowSelection, progress: Progress) -> dict[str, int]:
    """The rows a filter keeps in each exported sheet (one pass; ``progress`` in rows read)."""
    total = sum(selection.in_range(sheet.data_rows) for sheet in plan.included)
    done = 0

    def tick(rows: int) -> None:
        nonlocal done
        done += rows
        progress(min(done, total), total)

    with open_workbook(path) as workbook:
        return count_selected(workbook, plan, selection, tick)


def make_export_job(request: ExportRequest, home: Path, ring: KeyRing, ledger: Ledger,
                    report: ScanReport | None = None, *, selected: dict[str, int] | None = None) -> Job:
    """The export as the CLI runs it: ``prepare_export`` (on the Review page's ``report`` and the rows
    the Export page counted: the file is not scanned or counted again) then ``run_export``, with the
    worker's progress."""

    def job(progress: Progress) -> ExportResult:
        prepared = prepare_export(request, home, report, selected)
        return run_export(prepared, ring, ledger, progress=progress)

    return job
