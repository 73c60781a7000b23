"""Streaming CSV reader for the files branch offices really get (UTF-8, GB18030, Windows-1252, UTF-16/32,
any of , ; tab |, line ends LF, CRLF or CR alone).

Encoding: decided on evidence from a 1 MiB leading sample (``masking.io.text_encoding``), or named by
the user. The file is decoded as it streams, so a bad byte far into the file is only found when
reached: it raises ``InputError`` naming the byte offset and line, never mojibake. One clean fallback
exists: while every byte so far was ASCII (identical in UTF-8 and the legacy code pages), a later
non-UTF-8 byte has the same rules decide the codec for the rest of the file.

Values are ``str`` with the exact text (CSV has no types), an empty field is ``None``.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, cast

from masking.errors import InputError
from masking.io.digest import FileDigest
from masking.io.limits import DEFAULT_LIMITS, Limits
from masking.io.model import SheetInfo, Value
from masking.io.text_encoding import EncodingChoice, detect_encoding, legacy_encoding

CHUNK_BYTES = 1 << 20
SAMPLE_BYTES = 1 << 20
SNIFF_LINES = 50
DELIMITERS = (",", "\t", ";", "|")
_LINE_END = re.compile(r"(\r\n|\r|\n)")


@dataclass(frozen=True, slots=True)
class CsvDialect:
    """What sniffing decided: the codec to decode with (and why), and the field delimiter."""

    encoding: str
    delimiter: str
    evidence: str = "given"


class _Decoder:
    """Incremental decoding that reports the byte offset of a bad byte and can leave UTF-8 cleanly."""

    def __init__(self, encoding: str, label: str, fallback: bool = True) -> None:
        self.encoding = encoding
        self._label = label
        self._decoder = codecs.getincrementaldecoder(encoding)("strict")
        self._consumed = 0  # bytes fully decoded so far
        self._only_ascii = fallback and encoding == "utf-8"
        self.switched: EncodingChoice | None = None
        self.lines_done = 0

    def decode(self, data: bytes, final: bool = False) -> str:
        pending = len(self._decoder.getstate()[0])
        try:
            text = self._decoder.decode(data, final)
        except UnicodeDecodeError as exc:
            return self._recover(data, pending, exc, final)
        self._note(text, len(data))
        return text

    def _note(self, text: str, fed: int) -> None:
        self._consumed += fed
        self.lines_done += text.count("\n")
        if self._only_ascii and not text.isascii():
            self._only_ascii = False

    def _recover(self, data: bytes, pending: int, exc: UnicodeDecodeError, final: bool) -> str:
        del data  # ``exc.object`` holds the undecoded bytes carried over plus ``data``
        undecoded = bytes(exc.object)
        offset = self._consumed - pending + exc.start
        if self._only_ascii and undecoded[: exc.start].isascii():
            self.switched = legacy_encoding(undecoded[exc.start :], final)
            self.encoding = self.switched.codec
            self._decoder = codecs.getincrementaldecoder(self.encoding)("strict")
            self._only_ascii = False
            self._consumed -= pending  # those bytes are fed again
            return self.decode(undecoded, final)
        line = self.lines_done + 1 + undecoded[: exc.start].count(b"\n")
        raise InputError(
            f"{self._label}: not valid {self.encoding} text at byte {offset} (line {line}): "
            "save the file again as UTF-8, or name its encoding with --input-encoding"
        )


def _lines(raw: BinaryIO, decoder: _Decoder, first: bytes, label: str, max_chars: int) -> Iterator[str]:
    """Decoded lines, each keeping its line end (LF, CRLF or a lone CR), as the ``csv`` module wants them."""
    carry = ""
    data = first
    while True:
        at_eof = not data
        text = carry + decoder.decode(data, final=at_eof)
        if "\r" in text:
            held = "\r" if text.endswith("\r") and not at_eof else ""  # its LF may start the next chunk
            pieces = _LINE_END.split(text[: len(text) - len(held)])
            carry = pieces.pop() + held
            for at in range(0, len(pieces), 2):
                yield pieces[at] + pieces[at + 1]
        else:
            pieces = text.split("\n")
            carry = pieces.pop()
            for piece in pieces:
                yield piece + "\n"
        if len(carry) > max_chars:
            raise InputError(f"{label}: refused: a line longer than {max_chars} characters")
        if at_eof:
            break
        data = raw.read(CHUNK_BYTES)
    if carry:
        yield carry


def sniff_delimiter(lines: Iterable[str]) -> str:
    """The delimiter that splits the first lines into the same number (> 1) of fields most often.

    Quotes are honoured (each candidate parses the sample with the ``csv`` module). Ties go to
    more fields, then to the order , tab ; |. A single-column file gets ",".
    """
    sample = list(lines)
    best: tuple[float, int, int] = (0.0, 1, 0)
    choice = ","
    for rank, delimiter in enumerate(DELIMITERS):
        try:
            counts = [len(row) for row in csv.reader(sample, delimiter=delimiter, strict=False) if row]
        except csv.Error:
            continue
        if not counts:
            continue
        mode = max(set(counts), key=lambda n: (counts.count(n), n))
        if mode < 2:
            continue
        score = (counts.count(mode) / len(counts), mode, -rank)
        if score > best:
            best, choice = score, delimiter
    return choice


class CsvBook:
    """A CSV file seen as a workbook with one sheet named after the file stem."""

    def __init__(self, path: Path, limits: Limits = DEFAULT_LIMITS, digest: FileDigest | None = None,
                 encoding: str | None = None) -> None:
        self.path = path
        self._digest = digest
        self.label = path.name
        self.limits = limits
        self.sheets: tuple[SheetInfo, ...] = (SheetInfo(path.stem, 0),)
        with self._open() as raw:
            sample = raw.read(SAMPLE_BYTES)
            at_eof = not raw.read(1)
        choice = EncodingChoice(encoding, "given") if encoding else detect_encoding(sample, at_eof)
        if b"\x00" in sample and not choice.codec.startswith(("utf-16", "utf-32")):
            raise InputError(f"{self.label}: not a spreadsheet (binary data; expected .xlsx, .xlsm or .csv)")
        self._fallback = encoding is None
        head = []
        with self._open() as raw:
            decoder = _Decoder(choice.codec, self.label, self._fallback)
            for line in _lines(raw, decoder, raw.read(CHUNK_BYTES), self.label, limits.max_row_chars):
                head.append(line)
                if len(head) >= SNIFF_LINES:
                    break
        self.dialect = CsvDialect(choice.codec, sniff_delimiter(head), choice.evidence)

    def _open(self) -> BinaryIO:
        try:
            if self._digest is not None:
                return cast(BinaryIO, self._digest.open())
            return self.path.open("rb")
        except OSError as exc:
            raise InputError(f"{self.label}: cannot read the file ({exc.strerror or type(exc).__name__})") from None

    def close(self) -> None:
        """Nothing stays open between passes; present for symmetry with ``XlsxBook``."""

    def _records(self) -> Iterator[tuple[int, list[str]]]:
        with self._open() as raw:
            lines = _lines(
                raw,
                _Decoder(self.dialect.encoding, self.label, self._fallback),
                raw.read(CHUNK_BYTES),
                self.label,
                self.limits.max_row_chars,
            )
            reader = csv.reader(lines, delimiter=self.dialect.delimiter, strict=False)
            number = 0
            while True:
                try:
                    record = next(reader, None)
                except csv.Error as exc:
                    raise InputError(f"{self.label}: line {reader.line_num}: {exc}") from None
                if record is None:
                    return
                number += 1
                if len(record) > self.limits.max_columns:
                    raise InputError(
                        f"{self.label}: line {reader.line_num}: more than {self.limits.max_columns} columns (limit)"
                    )
                yield number, record

    def rows(self, info: SheetInfo) -> Iterator[tuple[int, tuple[Value, ...]]]:
        """Records with at least one non-empty field, numbered as Excel would show them."""
        del info  # one sheet only
        for number, record in self._records():
            while record and not record[-1]:
                record.pop()
            if record:
                yield number, tuple(field or None for field in record)

    def count_value_rows(self, info: SheetInfo) -> int:
        """Records with a non-empty field."""
        del info
        return sum(1 for _, record in self._records() if any(record))
