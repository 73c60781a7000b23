"""Paths that Windows would refuse for their length.

A Windows program reaches paths of 260 characters or more (MAX_PATH, the terminating NUL included)
only when the system allows long paths (the LongPathsEnabled policy, which packaging/README.md has the
installer set) and the program says it can (python.exe and PyInstaller's programs do). Where the
policy is off, the ``\\\\?\\`` prefix still works, so the two places where every input and output meets
the file system (:func:`masking.io.reader.open_workbook`, :func:`masking.io.atomic.atomic_output`)
pass their path through :func:`os_path` first. Elsewhere (and for short paths) it changes nothing.
"""

from __future__ import annotations

import ntpath
import sys
from pathlib import Path

WINDOWS = sys.platform == "win32"
MAX_PATH = 260
# Files made beside a path (the atomic temporary file, the xlsx writer's scratch folder and its parts)
# have longer names than it: a path this close to MAX_PATH is prefixed too.
MARGIN = 80
_PREFIX = "\\\\?\\"
_UNC_PREFIX = "\\\\?\\UNC\\"


def long_path_text(path: str) -> str:
    """``path`` as Windows reaches it whatever its length: absolute, and with ``\\\\?\\`` from MAX_PATH on."""
    if path.startswith(_PREFIX):
        return path
    absolute = ntpath.abspath(path)  # the prefix turns off Windows' own normalisation: do it first
    if len(absolute) < MAX_PATH - MARGIN:
        return path
    if absolute.startswith("\\\\"):  # \\server\share\... (a network share)
        return _UNC_PREFIX + absolute[2:]
    return _PREFIX + absolute


def os_path(path: Path) -> Path:
    """The path to give the operating system: :func:`long_path_text` on Windows, ``path`` elsewhere."""
    if not WINDOWS:
        return path
    return Path(long_path_text(str(path)))
