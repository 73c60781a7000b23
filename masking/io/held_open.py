"""Files that another program holds open, the everyday trap on Windows.

Excel and WPS lock a workbook while it is open: Windows then refuses to replace, rename or delete it
(``PermissionError`` with ``winerror`` 32, a sharing violation, or 33, a lock violation; replacing a
file that is open or read-only gives 5, access denied). Antivirus scanners do the same to a file
just written, for a moment. So the file operations of an export retry briefly, and when the file
stays held, the user is told in one line what to do. On other systems ``winerror`` does not exist
and nothing here changes what happens.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

ACCESS_DENIED = 5
SHARING_VIOLATION = 32
LOCK_VIOLATION = 33
HELD_OPEN = frozenset({ACCESS_DENIED, SHARING_VIOLATION, LOCK_VIOLATION})
RETRY_DELAYS_S = (0.05, 0.1, 0.2, 0.4)  # 0.75 s in all: longer than a virus scan, short for a person

T = TypeVar("T")


def held_open(error: BaseException) -> bool:
    """True when Windows refused a file operation because a program holds the file (or it is read-only)."""
    return isinstance(error, PermissionError) and getattr(error, "winerror", None) in HELD_OPEN


def retry_while_held_open(operation: Callable[[], T], *, sleep: Callable[[float], None] = time.sleep) -> T:
    """``operation()``, tried again after short pauses while the file is held open; the last error is raised."""
    for delay in RETRY_DELAYS_S:
        try:
            return operation()
        except PermissionError as error:
            if not held_open(error):
                raise
            sleep(delay)
    return operation()


def close_it_message(name: str, error: BaseException) -> str:
    """The one line for a file that stays held: which file, and what to do."""
    if getattr(error, "winerror", None) == ACCESS_DENIED:
        return f"the file {name!r} is open in another program or read-only: close the file in Excel and try again"
    return f"the file {name!r} is open in another program: close the file in Excel and try again"
