"""The export's transform worker process: its entry point, and how it is started (see :mod:`masking.transform`).

Started as ``python -m masking.transform_worker``, or in a frozen app as ``exportguard`` with
:data:`FROZEN_FLAG` (a frozen program has no ``-m``; ``masking.cli.main.main`` hands over to :func:`main`).

A worker spends its first ~0.2-0.4 s loading its modules, and until then a large export's first
batches wait for it. :func:`start_early` starts one while the export is still being scanned and
planned (``prepare_export``), on the other core; the export's :class:`~masking.transform.ParallelTransform`
then takes it (:func:`take`). A worker holds nothing until an export sends it its spec, so one
started early and never used is harmless: at most one waits, the next export takes it, and it ends
with this process (its standard input closes, or :func:`_end_spare` closes it at exit).

This module imports nothing of the project: the CLI imports it at start-up, and a worker that starts
here must not pay for more than :mod:`masking.transform` itself.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import subprocess
import sys
import threading
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

FROZEN_FLAG = "--exportguard-transform-worker"
# Inputs from this size start a worker early (a 50,000-row customer sheet, the size from which an
# export uses a worker, is 2-7 MB as xlsx or csv); a smaller file's export rarely uses one.
EARLY_FROM_BYTES = 2_000_000
# The size of the worker's pipes where the system lets it be set (Linux; its default limit for a user).
PIPE_BYTES = 1 << 20

_spare: list[subprocess.Popen[bytes]] = []  # at most one worker started early, not yet taken
_spare_lock = threading.Lock()  # the desktop prepares and exports on its own threads


def command() -> list[str]:
    """The command line that starts a transform worker.

    In a frozen app (PyInstaller sets ``sys.frozen``) ``sys.executable`` is one of the app's own
    programs, which has no ``-m``: the worker is the console program ``exportguard`` beside it, told by
    :data:`FROZEN_FLAG` to serve (``masking.cli.main.main`` checks for it first). The console
    program, not the windowed one: a windowed program on Windows may have no standard streams at all.
    """
    if getattr(sys, "frozen", False):
        suffix = ".exe" if sys.platform == "win32" else ""
        return [str(Path(sys.executable).with_name(f"exportguard{suffix}")), FROZEN_FLAG]
    return [sys.executable, "-m", "masking.transform_worker"]


def start() -> subprocess.Popen[bytes]:
    """A new worker process, talking over its standard input and output. Its standard error is
    discarded: a traceback could quote a cell."""
    flags = getattr(subprocess, "CREATE_NO_WINDOW", 0)  # no console window from the desktop app
    process = subprocess.Popen(  # noqa: S603 - our own interpreter or program, fixed arguments
        command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, creationflags=flags,
    )
    _widen_pipes(process)
    return process


def _widen_pipes(process: subprocess.Popen[bytes]) -> None:
    """Linux: both pipes hold :data:`PIPE_BYTES` instead of 64 KiB, so that a batch or an answer goes
    through in one write and one read. With 64 KiB the worker stopped on each answer until this
    process's receiving thread had read it in pieces, each piece waiting for the interpreter lock
    while the exporting thread read the input (it then waited for the worker at the end: 0.04-0.29 s
    per 200,000 rows, 0.03-0.06 s with 1 MiB). Elsewhere, or above the system's limit, the pipes
    stay as they are (``Popen``'s own ``pipesize`` raises there instead, and the export would fail)."""
    set_size = getattr(fcntl, "F_SETPIPE_SZ", None) if fcntl is not None else None
    if set_size is None:
        return
    for stream in (process.stdin, process.stdout):
        if stream is not None:
            with contextlib.suppress(OSError):  # EPERM above /proc/sys/fs/pipe-max-size or the user's pipe quota
                fcntl.fcntl(stream.fileno(), set_size, PIPE_BYTES)


def start_early(source: Path) -> None:
    """Start a worker now if the export of ``source`` will likely use one (a file of
    :data:`EARLY_FROM_BYTES` or more, on a machine with two cores or more) and none waits already."""
    try:
        big = source.stat().st_size >= EARLY_FROM_BYTES
    except OSError:
        return  # the reader reports a missing or unreadable input in its own words
    if not big or (os.cpu_count() or 1) < 2:
        return
    with _spare_lock:
        if _spare and _spare[0].poll() is None:
            return
        _spare.clear()
        _spare.append(start())


def take() -> subprocess.Popen[bytes]:
    """The worker started early if one waits and is alive, else a new one."""
    with _spare_lock:
        while _spare:
            process = _spare.pop()
            if process.poll() is None:
                return process
            _closed(process)
    return start()


def _end_spare() -> None:
    """At exit: an unused early worker is told to stop (its input closed) and waited for."""
    with _spare_lock:
        for process in _spare:
            _closed(process)
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        _spare.clear()


atexit.register(_end_spare)


def _closed(process: subprocess.Popen[bytes]) -> None:
    for stream in (process.stdin, process.stdout):
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()


def main() -> None:
    from masking.transform import serve

    serve(sys.stdin.buffer, sys.stdout.buffer)


if __name__ == "__main__":
    main()
