"""Scratch entries beside an output: held while their export runs, swept when a killed one left them.

Everything an export writes before its output is complete sits beside the target under the prefix
``.~exportguard-``: the atomic temporary file (``*.tmp``, :mod:`masking.io.atomic`) and private
folders (``*.d``: the xlsx writer's sheet rows, the unencrypted workbook of ``--password``). They
hold plaintext cells. An export that ends in any ordinary way removes them; a process killed outright
(SIGKILL, a crash, power loss) cannot. So each entry is *held* while its export runs: a lock on a
file of its own (the temporary file itself; ``owner.lock`` inside a folder), taken when the entry is
created and dropped by the operating system when the process dies. The next export into the same
folder first :func:`sweep` s it: every entry whose lock nobody holds is removed, and one that another
export holds is left alone.

Locks: ``fcntl.flock`` on POSIX (advisory, so it never blocks the writer's own writes), and on
Windows ``msvcrt.locking`` on one byte far past the end of the file, which no write reaches.
A folder without ``owner.lock`` (an export killed between creating the folder and locking it) is
removed once it is older than :data:`UNHELD_GRACE` seconds.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import time
from pathlib import Path

TEMP_PREFIX = ".~exportguard-"
TEMP_SUFFIX = ".tmp"
OWNER_FILE = "owner.lock"
FOLDER_SUFFIX = ".d"
UNHELD_GRACE = 600.0
_LOCK_OFFSET = 1 << 40  # Windows locks a byte range; this one lies beyond any output's size


def _try_lock(fd: int) -> bool:
    """Take the exclusive lock on ``fd`` without waiting; False when another holder has it."""
    if sys.platform == "win32":
        import msvcrt

        os.lseek(fd, _LOCK_OFFSET, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


class Hold:
    """The lock that marks one scratch entry as in use; :meth:`release` when the entry is gone or done."""

    def __init__(self, fd: int) -> None:
        """Hold through ``fd``, an open descriptor of the entry's lock file (closed by :meth:`release`)."""
        self._fd: int | None = fd
        if not _try_lock(fd):
            self.release()
            raise OSError("the scratch entry is held by another export")

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing drops the lock on every platform
            self._fd = None


def is_held(lock_file: Path) -> bool:
    """Whether some export (this process included) holds ``lock_file``'s lock."""
    try:
        fd = os.open(lock_file, os.O_RDWR | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        return False
    except OSError:
        return True  # cannot tell: leave the entry alone
    try:
        return not _try_lock(fd)
    finally:
        os.close(fd)


def hold_folder(folder: Path) -> Hold:
    """Hold a freshly created private scratch folder (its ``owner.lock``)."""
    flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOFOLLOW", 0)
    return Hold(os.open(folder / OWNER_FILE, flags, 0o600))


def make_folder(parent: Path) -> tuple[Path, Hold]:
    """A new private (0o700) scratch folder in ``parent``, held; raises OSError."""
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix=TEMP_PREFIX, suffix=FOLDER_SUFFIX, dir=parent))
    try:
        return folder, hold_folder(folder)
    except OSError:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def sweep(folder: Path, *, now: float | None = None) -> int:
    """Remove the scratch entries in ``folder`` that no running export holds; returns how many.

    Never raises: an entry that cannot be examined or removed stays for a later sweep.
    """
    removed = 0
    moment = time.time() if now is None else now
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    for entry in entries:
        if not entry.name.startswith(TEMP_PREFIX):
            continue
        path = Path(entry.path)
        with contextlib.suppress(OSError):
            if entry.is_symlink():
                continue  # ours are never links; someone else's business
            if entry.name.endswith(TEMP_SUFFIX) and entry.is_file():
                if not is_held(path):
                    path.unlink()
                    removed += 1
            elif entry.name.endswith(FOLDER_SUFFIX) and entry.is_dir():
                owner = path / OWNER_FILE
                stale = (not is_held(owner)) if owner.exists() else moment - entry.stat().st_mtime > UNHELD_GRACE
                if stale:
                    shutil.rmtree(path)
                    removed += 1
    return removed
