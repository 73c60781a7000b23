"""CSV output the way Excel on a Chinese Windows reads it.

UTF-8 with a byte-order mark by default (without it Excel guesses the ANSI code page and shows
garbage for Chinese), or GB18030 on request for older tools. GB18030 maps every Unicode code point,
so it can never fail on a value. Lines end in CRLF, fields are quoted only when they must be
(delimiter, quote, CR or LF inside), and every value is formatted by ``masking.io.cells.csv_field``
(exact digits, ISO dates, formula-like text prefixed with an apostrophe).

A csv file holds one sheet. For a workbook with several sheets the caller writes one file per sheet,
named by ``csv_sheet_path``; ``masking.io.writer.open_writer(..., csv_per_sheet=True)`` does that.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Final, Literal, TextIO

from masking.errors import OutputError
from masking.io.cells import csv_field
from masking.io.closing import ClosingWriter
from masking.io.model import Value
from masking.io.splice import copy_spliced

CsvEncoding = Literal["utf-8-sig", "gb18030"]
CSV_ENCODINGS: Final[tuple[CsvEncoding, ...]] = ("utf-8-sig", "gb18030")

_FILE_NAME_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f]')
_MAX_SHEET_PART = 60


def csv_sheet_path(target: Path, sheet: str, taken: Iterable[Path] = ()) -> Path:
    """``<stem>_<sheet>.csv`` beside ``target``, the sheet name made safe for Windows file names.

    Clashes with ``taken`` (compared without case, as Windows does) get ``_2``, ``_3``, ...
    """
    part = _FILE_NAME_FORBIDDEN.sub("_", sheet).strip(" .") or "sheet"
    part = part[:_MAX_SHEET_PART]
    stem = f"{target.stem}_{part}"  # never a reserved Windows name (CON, NUL...): it holds "_"
    used = {str(p).casefold() for p in taken}
    candidate, counter = target.with_name(f"{stem}.csv"), 1
    while str(candidate).casefold() in used:
        counter += 1
        candidate = target.with_name(f"{stem}_{counter}.csv")
    return candidate


class CsvSink:
    """Rows going into a ``CsvWriter``."""

    def __init__(self, writer: CsvWriter, name: str) -> None:
        self._writer = writer
        self.name = name
        self.rows_written = 0
        self.truncated_cells = 0  # csv never cuts a value; kept for the same interface as xlsx

    def write_rows(self, rows: Iterable[Sequence[Value] | None]) -> int:
        """Append ``rows``; return how many were written. Iterator exceptions pass through.

        A ``None`` reserves a line for :meth:`fill_reserved` (counted when filled)."""
        count = self._writer._write(rows)
        self.rows_written += count
        return count

    def fill_reserved(self, rows: Sequence[Sequence[Value]]) -> int:
        """The lines reserved by ``None``, in order; ``close`` splices each in at its place."""
        count = self._writer._fill(rows)
        self.rows_written += count
        return count


class CsvWriter(ClosingWriter):
    """One csv file at ``path``: a single sheet, written as rows arrive.

    Header/footer text, column widths and document properties have no place in csv: the keyword
    arguments are accepted for a common interface and ignored (``keeps_properties`` is False, so a
    caller recording a watermark knows that layer is absent).
    """

    keeps_properties = False
    multi_sheet = False

    def __init__(self, path: Path, encoding: CsvEncoding = "utf-8-sig", delimiter: str = ",") -> None:
        if encoding not in CSV_ENCODINGS:
            raise ValueError(f"unsupported csv encoding {encoding!r}; use one of {', '.join(CSV_ENCODINGS)}")
        if len(delimiter) != 1 or delimiter in "\"'\r\n":
            raise ValueError("the csv delimiter must be one character other than a quote or a line break")
        self._path = Path(path)
        try:
            self._file: TextIO = open(self._path, "w", encoding=encoding, newline="")  # noqa: SIM115
        except OSError as error:
            raise OutputError("the output could not be opened for writing") from error
        self._csv = csv.writer(self._file, delimiter=delimiter, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
        self._sink: CsvSink | None = None
        self._codec = "utf-8" if encoding == "utf-8-sig" else encoding  # a spliced line has no byte-order mark
        self._delimiter = delimiter
        self._reserved: list[int] = []  # byte offsets of the lines filled later
        self._inserts: list[tuple[int, bytes]] = []

    def add_sheet(
        self,
        name: str,
        headers: Sequence[str | None] | None,
        *,
        header: str | None = None,
        footer: str | None = None,
        column_widths: Sequence[float | None] | None = None,
    ) -> CsvSink:
        """The one sheet of this file; ``headers`` (if any) become its first line."""
        if self._sink is not None:
            raise ValueError("a csv file holds one sheet; write one file per sheet")
        self._sink = CsvSink(self, name)
        if headers is not None:
            self._write([headers])
        return self._sink

    def set_custom_properties(self, properties: Mapping[str, object]) -> None:
        """Ignored: csv has no document properties (see ``keeps_properties``)."""

    def set_core_properties(
        self,
        *,
        title: str | None = None,
        subject: str | None = None,
        keywords: str | None = None,
        comments: str | None = None,
    ) -> None:
        """Ignored: csv has no document properties (see ``keeps_properties``)."""

    def _write(self, rows: Iterable[Sequence[Value] | None]) -> int:
        writerow = self._csv.writerow
        count = 0
        for row in rows:
            try:
                if row is None:
                    self._file.flush()
                    self._reserved.append(self._file.buffer.tell())
                    continue
                writerow([csv_field(value) for value in row])
            except OSError as error:
                raise OutputError("the output could not be written (disk full or access denied)") from error
            count += 1
        return count

    def _fill(self, rows: Sequence[Sequence[Value]]) -> int:
        if len(rows) != len(self._reserved):
            raise ValueError(f"{len(self._reserved)} row(s) were reserved, {len(rows)} given")
        for offset, row in zip(self._reserved, rows, strict=True):
            line = io.StringIO()
            csv.writer(line, delimiter=self._delimiter, lineterminator="\r\n",
                       quoting=csv.QUOTE_MINIMAL).writerow([csv_field(value) for value in row])
            self._inserts.append((offset, line.getvalue().encode(self._codec)))
        self._reserved.clear()
        return len(rows)

    def close(self) -> None:
        if self._reserved:
            raise ValueError("rows were reserved and never filled")
        try:
            self._file.close()
            if self._inserts:
                self._splice()
        except OSError as error:
            raise OutputError("the output could not be written (disk full or access denied)") from error

    def _splice(self) -> None:
        """Rewrite the file with the filled lines in their places (beside it, then renamed over it)."""
        spliced = self._path.with_name(self._path.name + ".lines")
        try:
            with open(self._path, "rb") as source, open(spliced, "xb") as target:
                copy_spliced(source, target, self._inserts)
            os.replace(spliced, self._path)
        finally:
            spliced.unlink(missing_ok=True)

    def abort(self) -> None:
        """Close the file without caring about errors; the caller deletes it."""
        try:
            self._file.close()
        except OSError:
            return
