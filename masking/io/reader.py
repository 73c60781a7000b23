"""``open_workbook``: one entry point for reading xlsx/xlsm and csv files, streamed row by row.

The format is decided by the file's first bytes, not its name: a zip is opened as a workbook, an OLE
compound file (legacy .xls, or any workbook saved with a password) is refused with advice, and text
is read as CSV when the name says .csv/.tsv/.txt. Every problem with the input is ``InputError``
(exit 3) with one line that names the file and never quotes a cell.
"""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Literal, Protocol

from masking.errors import InputError, UsageError
from masking.io.csv_reader import CsvBook
from masking.io.digest import FileDigest
from masking.io.header import SAMPLE_ROWS, detect_table
from masking.io.held_open import close_it_message, held_open
from masking.io.legacy_reader import LegacyBook
from masking.io.limits import DEFAULT_LIMITS, Limits, human_bytes, human_limit
from masking.io.model import SheetInfo, Table, Value
from masking.io.paths import os_path
from masking.io.text_encoding import EncodingChoice, user_codec
from masking.io.xlsx_reader import BinaryWorkbook, XlsxBook

Row = tuple[int, tuple[Value, ...]]

_OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_TEXT_SUFFIXES = (".csv", ".tsv", ".txt")
_ODS_SUFFIXES = (".ods", ".ots")
_BINARY_MAGICS = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"%PDF", b"\x1f\x8b", b"Rar!", b"7z\xbc\xaf", b"BM")


class _Backend(Protocol):
    @property
    def sheets(self) -> tuple[SheetInfo, ...]: ...

    def rows(self, info: SheetInfo) -> Iterator[Row]: ...
    def count_value_rows(self, info: SheetInfo) -> int: ...
    def close(self) -> None: ...


class Workbook:
    """An open input file: its sheets, and their rows streamed on demand.

    A context manager; ``close()`` releases the file. Each ``rows``/``data_rows``/``count_rows``
    call is a fresh pass over the file, so passes may overlap (a preview while counting).
    """

    def __init__(self, path: Path, file_format: Literal["xlsx", "csv", "xls", "xlsb", "ods"], backend: _Backend,
                 digest: FileDigest | None = None, encoding: EncodingChoice | None = None) -> None:
        self.path = path
        self.format = file_format
        self.encoding = encoding  # how a text file was decoded, and why; None for a workbook
        self._backend = backend
        self._digest = digest
        self.sheets: tuple[SheetInfo, ...] = backend.sheets
        self._heads: dict[str, tuple[Table, tuple[Row, ...]]] = {}
        # the pass that read a sheet's first rows, paused after them: the next pass over that sheet
        # continues it instead of reading the start of the sheet again
        self._paused: dict[str, Iterator[Row]] = {}
        self._closed = False

    def __enter__(self) -> Workbook:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Release the file; closing again does nothing (an export closes its input as soon as the
        last row is read, and the ``with`` block closes it once more)."""
        if self._closed:
            return
        self._closed = True
        paused, self._paused = self._paused, {}
        for rows in paused.values():
            close = getattr(rows, "close", None)
            if close is not None:
                close()
        self._backend.close()

    def sha256(self) -> str:
        """The SHA-256 of the file as this workbook read it (opened with ``hashed=True``): the
        bytes no pass has read yet are read now, once. Call it after the passes."""
        if self._digest is None:
            raise ValueError("open the workbook with hashed=True to hash it while reading")
        return self._digest.finish()

    @property
    def hashed(self) -> bool:
        return self._digest is not None

    @property
    def bytes_read(self) -> int:
        """Bytes read from the file so far (opened with ``hashed=True``; 0 otherwise)."""
        return self._digest.bytes_read if self._digest is not None else 0

    def sheet(self, name: str) -> SheetInfo:
        """The sheet called ``name`` (exact, else ignoring case as Excel does); ``UsageError`` if none."""
        for info in self.sheets:
            if info.name == name:
                return info
        for info in self.sheets:
            if info.name.casefold() == name.casefold():
                return info
        known = ", ".join(repr(info.name) for info in self.sheets) or "none"
        raise UsageError(f"{self.path.name}: no sheet named {name!r} (sheets: {known})")

    def rows(self, name: str) -> Iterator[Row]:
        """``(row number, values)`` for every row holding a value, trailing empty cells trimmed."""
        info = self.sheet(name)
        paused = self._paused.pop(info.name, None)
        if paused is None:
            return self._backend.rows(info)
        return self._resumed(self._heads[info.name][1], paused)

    @staticmethod
    def _resumed(head: tuple[Row, ...], rest: Iterator[Row]) -> Iterator[Row]:
        try:
            yield from head
            yield from rest
        finally:
            close = getattr(rest, "close", None)
            if close is not None:
                close()

    def _head(self, name: str) -> tuple[Table, tuple[Row, ...]]:
        info = self.sheet(name)
        cached = self._heads.get(info.name)
        if cached is None:
            head: list[Row] = []
            rows = self._backend.rows(info)
            try:
                for row in rows:
                    head.append(row)
                    if len(head) >= SAMPLE_ROWS:
                        break
            except BaseException:
                close = getattr(rows, "close", None)
                if close is not None:
                    close()
                raise
            self._paused[info.name] = rows  # the next pass over the sheet goes on from here
            cached = self._heads[info.name] = (detect_table(info, head), tuple(head))
        return cached

    def table(self, name: str) -> Table:
        """Header row and columns, decided from the first rows only (cached per sheet)."""
        return self._head(name)[0]

    def data_rows(self, name: str, table: Table | None = None) -> Iterator[Row]:
        """Rows after the header, blank rows skipped, each padded or cut to ``table.width``.

        A row whose only values lie beyond the width still comes out (as empty cells), so that
        ``count_rows`` and this iterator agree.
        """
        table = table or self.table(name)
        width = table.width
        padding = (None,) * width
        for number, values in self.rows(name):
            if number < table.first_data_row:
                continue
            yield number, ((values + padding)[:width] if len(values) < width else values[:width])

    def row_estimate(self, name: str) -> tuple[int, bool]:
        """How many rows ``data_rows`` yields, as ``(rows, exact)``, without a pass over the sheet
        where possible: exact when its first rows (read to find the header) are all it has; else, for
        an xlsx sheet, from the last row its ``<dimension>`` states (blank rows make that an upper
        bound; a producer may also state it wrongly); else from :meth:`count_rows` (exact)."""
        table, head = self._head(name)
        in_head = sum(1 for number, _ in head if number >= table.first_data_row)
        if len(head) < SAMPLE_ROWS:
            return in_head, True
        stated = getattr(self._backend, "stated_last_row", None)
        last = stated(self.sheet(name)) if stated is not None else None
        if last is None or last < head[-1][0]:
            return self.count_rows(name), True
        return last - max(table.first_data_row, 1) + 1, False

    def count_rows(self, name: str) -> int:
        """How many rows ``data_rows`` yields, from a cheap pass that does not type any cell."""
        table, head = self._head(name)
        before = sum(1 for number, _ in head if number < table.first_data_row)
        return max(0, self._backend.count_value_rows(self.sheet(name)) - before)


def open_workbook(path: str | Path, limits: Limits = DEFAULT_LIMITS, *, hashed: bool = False,
                  encoding: str | None = None) -> Workbook:
    """Open a workbook (xlsx/xlsm, xlsb, xls/et, ods) or a text file (csv/tsv/txt) for streaming;
    ``InputError`` (one line) if it cannot be read.

    Use as ``with open_workbook(path) as wb: ...``. With ``hashed``, every read also feeds the
    file's SHA-256 (:meth:`Workbook.sha256`), so a pass over the file needs no second read to hash it.
    ``encoding`` names a text file's codec instead of detecting it (``--input-encoding``); a
    workbook ignores it.
    """
    path = os_path(Path(path))
    codec = user_codec(encoding) if encoding else None
    label = path.name or str(path)
    magic = _check_file(path, label, limits)
    suffix = path.suffix.lower()
    if magic.startswith(_OLE_MAGIC):  # Excel 97-2003 or WPS .et, or any workbook saved with a password
        digest = FileDigest(path) if hashed else None
        return Workbook(path, "xls", LegacyBook(path, "xls", digest), digest)
    if magic.startswith(_ZIP_MAGICS) and suffix in _ODS_SUFFIXES:
        digest = FileDigest(path) if hashed else None
        return Workbook(path, "ods", LegacyBook(path, "ods", digest), digest)
    if magic.startswith(_ZIP_MAGICS) and suffix == ".xlsb":
        digest = FileDigest(path) if hashed else None
        return Workbook(path, "xlsb", LegacyBook(path, "xlsb", digest), digest)
    if magic.startswith(_ZIP_MAGICS):
        digest = FileDigest(path) if hashed else None
        try:
            return Workbook(path, "xlsx", XlsxBook(path, limits, digest), digest)
        except BinaryWorkbook:  # an .xlsb saved under another name: read as what it is
            digest = FileDigest(path) if hashed else None
            return Workbook(path, "xlsb", LegacyBook(path, "xlsb", digest), digest)
    if suffix in (".xlsx", ".xlsm", ".xltx", ".xltm") and magic.startswith(b"PK"):
        raise InputError(f"{label}: corrupt or truncated workbook (not a readable zip archive)")
    if suffix in _TEXT_SUFFIXES and not magic.startswith(_BINARY_MAGICS):
        digest = FileDigest(path) if hashed else None
        book = CsvBook(path, limits, digest, codec)
        dialect = book.dialect
        return Workbook(path, "csv", book, digest, EncodingChoice(dialect.encoding, dialect.evidence))
    raise InputError(f"{label}: not a spreadsheet (expected .xlsx, .xlsm or .csv)")


def _check_file(path: Path, label: str, limits: Limits) -> bytes:
    """Refuse what is not a readable, non-empty regular file within the size limit; return its magic."""
    try:
        status = path.stat()
    except FileNotFoundError:
        raise InputError(f"{label}: no such file") from None
    except OSError as exc:
        raise InputError(f"{label}: cannot read the file ({exc.strerror or type(exc).__name__})") from None
    if stat.S_ISDIR(status.st_mode):
        raise InputError(f"{label}: is a folder, not a file")
    if not stat.S_ISREG(status.st_mode):
        raise InputError(f"{label}: not a regular file")
    if status.st_size == 0:
        raise InputError(f"{label}: the file is empty")
    if status.st_size > limits.max_file_bytes:
        raise InputError(
            f"{label}: refused: the file is {human_bytes(status.st_size)} (limit {human_limit(limits.max_file_bytes)})"
        )
    try:
        with path.open("rb") as handle:
            return handle.read(8)
    except OSError as exc:
        if held_open(exc):  # WPS, and Excel for some files, lock a workbook against reading while it is open
            raise InputError(close_it_message(label, exc)) from None
        raise InputError(f"{label}: cannot read the file ({exc.strerror or type(exc).__name__})") from None


__all__ = ["Limits", "Workbook", "open_workbook"]
