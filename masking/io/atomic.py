"""Write a file so that it appears complete or not at all.

``atomic_output`` hands out a temporary path beside the target (same folder, so the final rename
stays on one file system). On success the data is flushed to disk and the temporary file takes the
target's name in one step; on any exception, including ``Cancelled`` and ``KeyboardInterrupt``, it
is deleted and the target is left exactly as it was.

Without ``overwrite`` the final step cannot replace a file that appeared in the meantime (it is a
hard link, or a rename on Windows, both of which refuse an existing name). The output keeps the
temporary file's owner-only permissions (0o600): it holds customer data, even if protected.
A process killed outright (SIGKILL, power loss) can still leave a ``.~exportguard-*.tmp`` file: the
temporary file is held (:mod:`masking.io.scratch`) while its export runs, and the next export into
the folder removes every such file that no export holds.

On Windows a target that Excel or WPS holds open cannot be replaced: after a short retry the error
says so in one line ("close the file in Excel and try again") and the temporary file is removed.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path

from masking.errors import OutputError
from masking.io.held_open import close_it_message, held_open, retry_while_held_open
from masking.io.paths import os_path
from masking.io.scratch import TEMP_PREFIX, TEMP_SUFFIX, Hold, sweep

__all__ = ["TEMP_PREFIX", "TEMP_SUFFIX", "atomic_output", "remove_quietly", "remove_tree_quietly"]

WINDOWS = os.name == "nt"


def _same_file(a: Path, b: Path) -> bool:
    """True when ``a`` and ``b`` name one file: same inode, or the same path once resolved."""
    with contextlib.suppress(OSError):
        if os.path.samefile(a, b):
            return True
    try:
        real_a, real_b = os.path.realpath(a), os.path.realpath(b)
    except OSError:
        return False
    return os.path.normcase(real_a) == os.path.normcase(real_b)


def _check_target(target: Path, *, overwrite: bool, protect: tuple[Path, ...]) -> None:
    folder = target.parent
    if not folder.is_dir():
        raise OutputError("the output folder does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError("the output folder is not writable")
    if any(_same_file(target, protected) for protected in protect):
        raise OutputError("the output would overwrite the input file; choose another output name")
    if os.path.lexists(target):
        if target.is_dir():
            raise OutputError(f"the output name {target.name!r} is a folder")
        if not overwrite:
            raise OutputError(f"the output file {target.name!r} already exists; allow overwriting or rename")


def _create_temp(folder: Path) -> tuple[Path, Hold]:
    """A new temporary file in ``folder``, held from the moment it exists."""
    flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOFOLLOW", 0)
    for _ in range(100):
        candidate = folder / f"{TEMP_PREFIX}{secrets.token_hex(8)}{TEMP_SUFFIX}"
        try:
            fd = os.open(candidate, flags, 0o600)
        except FileExistsError:
            continue
        except OSError as error:
            raise OutputError("cannot create a temporary file in the output folder") from error
        try:
            return candidate, Hold(fd)
        except OSError as error:
            remove_quietly(candidate)
            raise OutputError("cannot create a temporary file in the output folder") from error
    raise OutputError("cannot create a temporary file in the output folder")


def _flush_to_disk(path: Path) -> None:
    fd = os.open(path, os.O_RDWR | getattr(os, "O_BINARY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _flush_folder(folder: Path) -> None:
    if WINDOWS:  # Windows cannot open a folder as a file; NTFS journals the rename itself
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _place_new(temp: Path, target: Path) -> None:
    """Give ``temp`` the name ``target`` unless that name exists by now."""
    try:
        if WINDOWS:
            retry_while_held_open(lambda: os.rename(temp, target))
            return
        try:
            os.link(temp, target)
        except FileExistsError:
            raise
        except OSError:  # a file system without hard links (FAT, exFAT, some network shares)
            if os.path.lexists(target):
                raise FileExistsError(target) from None
            os.replace(temp, target)
            return
        remove_quietly(temp)
    except FileExistsError:
        raise OutputError(f"the output file {target.name!r} already exists; allow overwriting or rename") from None
    except OSError as error:
        if held_open(error):
            raise OutputError(close_it_message(target.name, error)) from None
        raise OutputError(f"cannot move the output into place as {target.name!r}") from error


def remove_quietly(path: Path) -> None:
    """Delete ``path`` if it exists; used on the way out of a failed write. A file that a virus scanner
    holds for a moment is tried again (:mod:`masking.io.held_open`); one still held after that stays."""
    with contextlib.suppress(FileNotFoundError, PermissionError):
        retry_while_held_open(lambda: os.unlink(path))


def remove_tree_quietly(folder: Path) -> None:
    """Delete a private scratch folder and everything in it, trying again while a file in it is held."""
    def remove() -> None:
        shutil.rmtree(folder)

    with contextlib.suppress(FileNotFoundError, PermissionError):
        retry_while_held_open(remove)
    shutil.rmtree(folder, ignore_errors=True)  # whatever could not go: the most that is possible


@contextlib.contextmanager
def atomic_output(target: Path, *, overwrite: bool = False, protect: Iterable[Path] = ()) -> Iterator[Path]:
    """Yield a temporary path to write to; on success it becomes ``target``, on failure it vanishes.

    Refuses with ``OutputError`` (one line, no values) when the folder is missing or not writable,
    when ``target`` is (or resolves to, through links or another spelling) any ``protect`` path,
    and when ``target`` exists and ``overwrite`` is false.
    """
    target = os_path(Path(target))
    protected = tuple(os_path(Path(p)) for p in protect)
    _check_target(target, overwrite=overwrite, protect=protected)
    sweep(target.parent)  # what killed exports left here: plaintext that nobody will remove otherwise
    temp, hold = _create_temp(target.parent)
    try:
        yield temp
        if not temp.is_file():
            raise OutputError("the temporary output file vanished before it was complete")
        try:
            _flush_to_disk(temp)
        except OSError as error:
            raise OutputError("the output could not be written to disk") from error
        if WINDOWS:
            hold.release()  # Windows renames no file that is open
        if overwrite:
            _check_target(target, overwrite=True, protect=protected)
            try:
                retry_while_held_open(lambda: os.replace(temp, target))
            except OSError as error:
                if held_open(error):
                    raise OutputError(close_it_message(target.name, error)) from None
                raise OutputError(f"cannot replace the output file {target.name!r}") from error
        else:
            _place_new(temp, target)
        _flush_folder(target.parent)
    except BaseException:
        hold.release()
        remove_quietly(temp)
        raise
    hold.release()
