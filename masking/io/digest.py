"""The SHA-256 of an input file, computed from the very bytes its reader reads (hash while reading).

An export reads its input once: the zip reader (or the CSV reader) reads through a
:class:`DigestingFile`, which feeds every byte to one :class:`FileDigest` in file order. A zip is
not read front to back (the central directory at the end comes first, parts are visited in the
order the workbook names them), so the digest keeps a *hashed up to* offset: a read that continues
it is hashed as it is; a small gap before a read (a part the reader skips, such as a thumbnail) is
read and hashed first; a far jump (the central directory at the end) is left for :meth:`finish`,
which reads whatever is still unhashed. Every byte is hashed exactly once and, in a single pass, the
file is read about once (``bytes_read`` tells; tests/test_read_once.py holds it to that).
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import BinaryIO

__all__ = ["DigestingFile", "FileDigest"]

# A gap up to this size before a read is read and hashed on the spot (a part the reader skips).
_CATCH_UP_BYTES = 64 << 10
# Reads ahead of the hashed offset (the shared strings, read beside the sheet) are kept until the
# hash reaches them, up to this much memory; beyond it finish() reads them again.
_AHEAD_BYTES = 32 << 20
_CHUNK = 1 << 20


class FileDigest:
    """SHA-256 of one file, fed by the reads of any number of :class:`DigestingFile` views of it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._sha = hashlib.sha256()
        self._hashed = 0  # every byte before this offset is in the digest
        self._ahead: dict[int, bytes] = {}  # reads past the hashed offset, by position
        self._ahead_bytes = 0
        self.bytes_read = 0  # by the reader and by the digest's own catch-up reads
        self._result: str | None = None

    def open(self) -> DigestingFile:
        """A new read-only view of the file whose reads feed this digest."""
        return DigestingFile(self.path.open("rb"), self)

    def absorb(self, source: BinaryIO, position: int, data: bytes) -> None:
        """Note that ``data`` was read at ``position`` of the file (through ``source``)."""
        self.bytes_read += len(data)
        if self._result is not None or not data or position + len(data) <= self._hashed:
            return
        if position > self._hashed and position - self._hashed <= _CATCH_UP_BYTES:
            self._read_gap(source, position)
        if position <= self._hashed:
            self._take(position, data)
            self._drain()
        elif self._ahead_bytes + len(data) <= _AHEAD_BYTES:
            self._ahead[position] = bytes(data)
            self._ahead_bytes += len(data)

    def _take(self, position: int, data: bytes) -> None:
        end = position + len(data)
        if position <= self._hashed < end:
            self._sha.update(memoryview(data)[self._hashed - position :])
            self._hashed = end

    def _drain(self) -> None:
        """Hash the reads kept ahead that the hashed offset has now reached."""
        progressed = True
        while progressed and self._ahead:
            progressed = False
            for position in sorted(self._ahead):
                if position > self._hashed:
                    break
                data = self._ahead.pop(position)
                self._ahead_bytes -= len(data)
                if position + len(data) > self._hashed:
                    self._take(position, data)
                    progressed = True

    def _read_gap(self, source: BinaryIO, until: int | None) -> None:
        """Read and hash the file from the hashed offset to ``until`` (the end for None); the
        reader's position in ``source`` is left where it was."""
        here = source.tell()
        source.seek(self._hashed)
        try:
            while until is None or self._hashed < until:
                chunk = source.read(_CHUNK if until is None else min(_CHUNK, until - self._hashed))
                if not chunk:
                    break
                self.bytes_read += len(chunk)
                self._sha.update(chunk)
                self._hashed += len(chunk)
        finally:
            source.seek(here)

    def finish(self) -> str:
        """The file's SHA-256 (hex): the bytes no read has covered are read now, once."""
        if self._result is None:
            with self.path.open("rb") as source:
                self._drain()
                while self._ahead:
                    self._read_gap(source, min(self._ahead))
                    self._drain()
                self._read_gap(source, None)
            self._result = self._sha.hexdigest()
        return self._result


class DigestingFile(io.RawIOBase):
    """A read-only, seekable binary file whose reads feed a :class:`FileDigest`."""

    def __init__(self, raw: BinaryIO, digest: FileDigest) -> None:
        super().__init__()
        self._raw = raw
        self._digest = digest

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._raw.fileno()

    def tell(self) -> int:
        return self._raw.tell()

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._raw.seek(offset, whence)

    def read(self, size: int | None = -1) -> bytes:
        position = self._raw.tell()
        data = self._raw.read(-1 if size is None else size)
        self._digest.absorb(self._raw, position, data)
        return data

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
        super().close()
