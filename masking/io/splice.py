"""Rows written later into their places: a file copied with byte strings spliced in at given offsets.

The export reserves a row at each canary's place while it streams (the canaries are drawn once every
source row has been read); the xlsx writer splices the rows into the sheet's XML as it zips it, the
csv writer into its file when it closes.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from typing import IO

from masking.errors import OutputError

__all__ = ["copy_spliced"]


def copy_spliced(source: IO[bytes], target: IO[bytes], inserts: Sequence[tuple[int, bytes]]) -> None:
    """Copy ``source`` to ``target`` with each ``(offset, data)`` of ``inserts`` (in offset order)
    written where ``source`` reaches that offset."""
    done = 0
    for offset, data in inserts:
        left = offset - done
        while left > 0:
            chunk = source.read(min(left, 1 << 20))
            if not chunk:
                raise OutputError("the output's rows ended before a reserved row")
            target.write(chunk)
            left -= len(chunk)
        target.write(data)
        done = offset
    shutil.copyfileobj(source, target, 1 << 20)
