"""The one way to write an output: pick the format, write atomically, leave nothing behind on failure.

    with open_writer(out, "xlsx", protect=[source]) as book:
        sink = book.add_sheet("客户", headers)
        sink.write_rows(rows)
        book.set_custom_properties({"export_id": export_id})

On leaving the ``with`` block normally the file (or files) appear complete under their final names;
on any exception, ``Cancelled`` and ``KeyboardInterrupt`` included, no output and no temporary or
scratch file remains and existing files are untouched. Files are never overwritten unless
``overwrite`` is true, and never when they are one of ``protect`` (pass the input). A single output
file is checked on entry, before any work is done.

csv with ``csv_per_sheet=True`` writes each sheet to ``<stem>_<sheet>.csv`` beside ``path``; all
of them are committed together at the end (if the very last step, the renames, fails half way, the
files already renamed stay: each is complete). Without it, a second ``add_sheet`` is a ValueError.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Literal, Protocol

from masking.io.atomic import atomic_output
from masking.io.csv_writer import CsvEncoding, CsvSink, CsvWriter, csv_sheet_path
from masking.io.model import Value
from masking.io.xlsx_writer import CustomProperty, SheetSink, XlsxWriter

OutputFormat = Literal["xlsx", "csv"]


class RowSink(Protocol):
    """Where the rows of one sheet go."""

    @property
    def name(self) -> str: ...

    rows_written: int
    truncated_cells: int

    def write_rows(self, rows: Iterable[Sequence[Value] | None]) -> int:
        """Append ``rows``; a ``None`` reserves a row for :meth:`fill_reserved`."""
        ...

    def fill_reserved(self, rows: Sequence[Sequence[Value]]) -> int:
        """The reserved rows, in order, each written in its place by the time the book is closed."""
        ...


class BookWriter(Protocol):
    """What ``open_writer`` yields, for xlsx and csv alike."""

    @property
    def keeps_properties(self) -> bool:
        """False for csv: document properties and page header/footer are not stored."""
        ...

    paths: list[Path]  # the final output files (one, or one csv per sheet)

    def add_sheet(
        self,
        name: str,
        headers: Sequence[str | None] | None,
        *,
        header: str | None = None,
        footer: str | None = None,
        column_widths: Sequence[float | None] | None = None,
    ) -> RowSink: ...

    def set_custom_properties(self, properties: Mapping[str, CustomProperty]) -> None: ...

    def set_core_properties(
        self,
        *,
        title: str | None = None,
        subject: str | None = None,
        keywords: str | None = None,
        comments: str | None = None,
    ) -> None: ...


class _CsvBook:
    """One csv file, or several staged together (one per sheet)."""

    keeps_properties = False

    def __init__(
        self,
        path: Path,
        stack: contextlib.ExitStack,
        *,
        encoding: CsvEncoding,
        delimiter: str,
        per_sheet: bool,
        overwrite: bool,
        protect: tuple[Path, ...],
    ) -> None:
        self._path = path
        self._stack = stack
        self._encoding: CsvEncoding = encoding
        self._delimiter = delimiter
        self._per_sheet = per_sheet
        self._overwrite = overwrite
        self._protect = protect
        self._writers: list[CsvWriter] = []
        self._unused: CsvWriter | None = None
        self.paths: list[Path] = []
        if not per_sheet:  # one known file: refuse an existing one before any work is done
            self._unused = self._open(path)

    def _open(self, target: Path) -> CsvWriter:
        temp = self._stack.enter_context(atomic_output(target, overwrite=self._overwrite, protect=self._protect))
        writer = CsvWriter(temp, self._encoding, self._delimiter)
        # Runs before atomic_output's exit (LIFO): the file is closed before it is renamed or deleted.
        self._stack.callback(writer.abort)
        self._writers.append(writer)
        self.paths.append(target)
        return writer

    def add_sheet(
        self,
        name: str,
        headers: Sequence[str | None] | None,
        *,
        header: str | None = None,
        footer: str | None = None,
        column_widths: Sequence[float | None] | None = None,
    ) -> CsvSink:
        if self._per_sheet:
            writer = self._open(csv_sheet_path(self._path, name, self.paths))
        elif self._unused is not None:
            writer, self._unused = self._unused, None
        else:
            raise ValueError("a csv file holds one sheet; ask for one file per sheet")
        return writer.add_sheet(name, headers)

    def set_custom_properties(self, properties: Mapping[str, CustomProperty]) -> None:
        """Ignored: csv has no document properties."""

    def set_core_properties(
        self,
        *,
        title: str | None = None,
        subject: str | None = None,
        keywords: str | None = None,
        comments: str | None = None,
    ) -> None:
        """Ignored: csv has no document properties."""

    def close(self) -> None:
        for writer in self._writers:
            writer.close()


@contextlib.contextmanager
def open_writer(
    path: Path,
    format: OutputFormat,
    *,
    csv_encoding: CsvEncoding = "utf-8-sig",
    csv_delimiter: str = ",",
    csv_per_sheet: bool = False,
    overwrite: bool = False,
    protect: Iterable[Path] = (),
) -> Iterator[BookWriter]:
    """Yield a writer for ``path`` in ``format``; see the module notes for the guarantees."""
    path = Path(path)
    protected = tuple(Path(p) for p in protect)
    if format == "xlsx":
        with atomic_output(path, overwrite=overwrite, protect=protected) as temp:
            book = XlsxWriter(temp)
            book.paths = [path]
            try:
                yield book
            except BaseException:
                book.abort()
                raise
            book.close()
    elif format == "csv":
        with contextlib.ExitStack() as stack:
            csv_book = _CsvBook(
                path,
                stack,
                encoding=csv_encoding,
                delimiter=csv_delimiter,
                per_sheet=csv_per_sheet,
                overwrite=overwrite,
                protect=protected,
            )
            yield csv_book
            csv_book.close()
    else:
        raise ValueError(f"unknown output format {format!r}")


__all__ = ["BookWriter", "OutputFormat", "RowSink", "SheetSink", "open_writer"]
