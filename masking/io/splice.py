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

_WRITE_BYTES = 1 << 20


def copy_spliced(source: IO[bytes], target: IO[bytes], inserts: Sequence[tuple[int, bytes]]) -> None:
    """Copy ``source`` to ``target`` with each ``(offset, data)`` of ``inserts`` (in offset order)
    written where ``source`` reaches that offset. Pieces are joined into writes of about
    :data:`_WRITE_BYTES`: a zip entry deflates and checksums each write, and 3,000 inserts (an
    export's canaries per 200,000 rows) made 6,000 small ones."""
    pieces: list[bytes] = []
    waiting = 0
    done = 0
    for offset, data in inserts:
        left = offset - done
        while left > 0:
            chunk = source.read(min(left, _WRITE_BYTES))
            if not chunk:
                raise OutputError("the output's rows ended before a reserved row")
            pieces.append(chunk)
            waiting += len(chunk)
            left -= len(chunk)
        pieces.append(data)
        waiting += len(data)
        done = offset
        if waiting >= _WRITE_BYTES:
            target.write(b"".join(pieces))
            pieces.clear()
            waiting = 0
    if pieces:
        target.write(b"".join(pieces))
    shutil.copyfileobj(source, target, _WRITE_BYTES)

