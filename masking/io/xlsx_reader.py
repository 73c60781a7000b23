"""Streaming reader for xlsx/xlsm workbooks (SpreadsheetML), without openpyxl.

Why not openpyxl or calamine: openpyxl's read-only mode needs ~80 s for a 1,000,000-row sheet and
calamine loads the whole sheet before the first row. Here the sheet part is inflated on the fly
(``zipfile``), decoded in ~1 MiB chunks, cut after the last ``</row>`` and tokenized with compiled
regular expressions, so the first rows come out at once and memory stays flat.

Small structural parts (``[Content_Types].xml``, rels, ``workbook.xml``, ``styles.xml``) are parsed
with defusedxml. The sheet and shared-string parts are tokenized here; the tokenizer refuses any
``<!DOCTYPE``/``<!ENTITY`` and expands only the five predefined entities and numeric character
references. Shared strings are read lazily, as far as the cells read so far need them.

Only worksheets are listed: chart sheets and dialog sheets hold no cells and are skipped.
"""

from __future__ import annotations

import codecs
import posixpath
import re
import threading
import zipfile
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass
from itertools import compress
from operator import itemgetter
from pathlib import Path
from typing import Any, BinaryIO, cast
from urllib.parse import unquote

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from masking.errors import InputError
from masking.io.digest import FileDigest
from masking.io.limits import DEFAULT_LIMITS, GuardedStream, Limits, open_checked_zip
from masking.io.model import SheetInfo, Value, Visibility, column_letter
from masking.io.xlsx_values import (
    MalformedXml,
    date_style_ids,
    decode_text,
    number_value,
    serial_to_value,
    typed_date,
)
from masking.io.xml_encoding import xml_as_utf8, xml_encoding

CHUNK_BYTES = 1 << 20
FIRST_CHUNK_BYTES = 1 << 15

_REL_OFFICE_DOCUMENT = "/officeDocument"
_SHEET_KINDS_SKIPPED = ("/chartsheet", "/dialogsheet", "/macrosheet")
_SHEETDATA_OPEN = re.compile(r"<([A-Za-z_][\w.\-]*:)?sheetData(?=[\s/>])[^>]*?(/?)>")
_ROW_NUMBER = re.compile(r"""(?:^|\s)r\s*=\s*["'](\d+)["']""")
_SST_OPEN = re.compile(r"<([A-Za-z_][\w.\-]*:)?sst(?=[\s/>])[^>]*?(/?)>")
_DOCTYPE = re.compile(r"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_DIGITS = "0123456789"
_DIMENSION = re.compile(
    r"""<(?:[A-Za-z_][\w.\-]*:)?dimension\s[^>]*?ref\s*=\s*["'][^"':]*?(?::[A-Za-z]{0,3}(\d+))?["']"""
)
_LONE_CELL = re.compile(r"[A-Za-z]{0,3}(\d+)")
_COLUMN_LETTERS = tuple(column_letter(i) for i in range(16_384))  # A..XFD, Excel's columns

Row = tuple[int, tuple[Value, ...]]
_FIRST, _SECOND, _FOURTH, _LAST = itemgetter(0), itemgetter(1), itemgetter(3), itemgetter(-1)


# ---------------------------------------------------------------------------------------- XML text


def _refuse_markup_declarations(text: str) -> str:
    """Refuse DTDs and entity declarations; drop comments (legal, but they would confuse the regexes)."""
    if "<!" not in text:
        return text
    if _DOCTYPE.search(text):
        raise MalformedXml("it declares a DOCTYPE or ENTITY (refused: XML entity attack)")
    return _COMMENT.sub("", text)


def _decoded_chunks(stream: GuardedStream) -> Iterator[str]:
    """Inflate and decode a part in pieces growing to ~1 MiB, in the codec its bytes and declaration
    name (small at first: a look at a sheet's first rows reads little more of the file than they take)."""
    size = FIRST_CHUNK_BYTES
    first = stream.read(size)
    encoding = xml_encoding(first[:200])
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    data = first
    while data:
        try:
            yield decoder.decode(data)
        except UnicodeDecodeError:
            raise MalformedXml(f"it is not valid {encoding}") from None
        size = min(size * 2, CHUNK_BYTES)
        data = stream.read(size)
    try:
        tail = decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise MalformedXml(f"it is not valid {encoding}") from None
    if tail:
        yield tail


def _segments(
    chunks: Iterator[str], open_re: re.Pattern[str], item: str, container: str, max_chars: int,
    *, prologue: Callable[[str], None] | None = None,
) -> Iterator[tuple[str, str]]:
    """Yield ``(prefix, text)`` pieces of a part, each ending just after a complete ``</item>``.

    ``open_re`` finds the container's start tag and tells the namespace prefix (``x:`` for files
    that write ``<x:row>``); reading stops at the container's end tag, so whatever follows it (merged
    cells, page set-up) is never inflated. ``prologue`` is given the text before the container.
    """
    buf = ""
    prefix: str | None = None
    end_item = end_container = ""
    for chunk in chunks:
        # Look where the new text begins too: "<!DOC" may end one chunk and "TYPE" start the next.
        seam = buf[-16:] + chunk
        buf = _refuse_markup_declarations(buf + chunk) if "<!" in seam else buf + chunk
        if prefix is None:
            found = open_re.search(buf)
            if found is None:
                if len(buf) > max_chars:
                    raise MalformedXml(f"no <{container}> in the first {max_chars} characters")
                continue
            prefix = found.group(1) or ""
            if prologue is not None:
                prologue(buf[: found.start()])
            if found.group(2) == "/":
                return
            buf = buf[found.end() :]
            end_item, end_container = f"</{prefix}{item}>", f"</{prefix}{container}>"
        stop = buf.find(end_container)
        if stop >= 0:
            yield prefix, buf[:stop]
            return
        cut = buf.rfind(end_item)
        if cut < 0:
            if len(buf) > max_chars:
                raise MalformedXml(f"a <{item}> element is longer than {max_chars} characters")
            continue
        cut += len(end_item)
        yield prefix, buf[:cut]
        buf = buf[cut:]
    if prefix is not None:
        raise MalformedXml(f"it ends before </{container}>")


@dataclass(frozen=True, slots=True)
class _Grammar:
    """The compiled regular expressions for one namespace prefix ("" or e.g. "x:")."""

    row_open: str
    row_close: str
    cell_open: str
    value_close: str
    text_close: str
    cell: re.Pattern[str]
    common_shapes: re.Pattern[str]  # see XlsxBook._common_rows
    value: re.Pattern[str]
    inline: re.Pattern[str]
    item_open: str
    shared_item: re.Pattern[str]
    plain_item: re.Pattern[str]
    text_run: re.Pattern[str]
    phonetic: re.Pattern[str]


_ATTRIBUTE = (
    r"""\s+(?:r\s*=\s*["'](?P<r>[A-Za-z]{1,3})[0-9]*["']|s\s*=\s*["'](?P<s>[^"']*)["']|t\s*=\s*["'](?P<t>[^"']*)["']"""
    r"""|[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))"""
)
_GRAMMARS: dict[str, _Grammar] = {}


def _grammar(prefix: str) -> _Grammar:
    cached = _GRAMMARS.get(prefix)
    if cached is not None:
        return cached
    p = re.escape(prefix)
    grammar = _Grammar(
        row_open=f"<{prefix}row",
        row_close=f"</{prefix}row>",
        cell_open=f"<{prefix}c",
        value_close=f"</{prefix}v>",
        text_close=f"</{prefix}t>",
        cell=re.compile(
            rf"<{p}c(?:{_ATTRIBUTE})*\s*(?:/>|>(?:<{p}v>(?P<v>[^<]*)</{p}v>|(?P<body>.*?))</{p}c>)", re.DOTALL
        ),
        common_shapes=re.compile(
            rf'<(?:{p}row r="([0-9]+)"[^>/]*>|{p}c r="([A-Z]{{1,3}})[0-9]+"(?: s="([0-9]+)")?'
            rf'(?: t="s"><{p}v>([0-9]+)</{p}v></{p}c>|(?: t="n")?(?:/>|><{p}v>([^<]*)</{p}v></{p}c>))(</{p}row>)?)'
        ),
        value=re.compile(rf"<{p}v(?:\s[^>]*)?>(.*?)</{p}v>", re.DOTALL),
        inline=re.compile(rf"<{p}is(?:\s[^>]*)?>(.*?)</{p}is>", re.DOTALL),
        item_open=f"<{prefix}si",
        plain_item=re.compile(rf"<{p}si><{p}t>([^<]*)</{p}t></{p}si>"),
        shared_item=re.compile(
            rf"<{p}si(?:\s[^>]*)?(?:/>|>(?:<{p}t>(?P<plain>[^<]*)</{p}t>|(?P<rich>.*?))</{p}si>)", re.DOTALL
        ),
        text_run=re.compile(rf"<{p}t(?:\s[^>]*)?(?:/>|>(.*?)</{p}t>)", re.DOTALL),
        phonetic=re.compile(rf"<{p}rPh(?:\s[^>]*)?(?:/>|>.*?</{p}rPh>)", re.DOTALL),
    )
    _GRAMMARS[prefix] = grammar
    return grammar


def _rich_text(body: str, grammar: _Grammar) -> str:
    """The text of an ``<si>``/``<is>``: runs concatenated, phonetic (``<rPh>``) runs left out."""
    if "rPh" in body:
        body = grammar.phonetic.sub("", body)
    return "".join(decode_text(run or "") for run in grammar.text_run.findall(body))


def _rich_item(body: str, grammar: _Grammar) -> str | None:
    """The string of an ``<si>`` that is not one plain ``<t>`` (None when it holds no text)."""
    return (_rich_text(body, grammar) or None) if body else None


# ---------------------------------------------------------------------------------- shared strings


class SharedStrings:
    """``xl/sharedStrings.xml`` read lazily: items are parsed only as far as a cell asks for them.

    Producers number strings in order of first use, so the first rows of a sheet need only the
    first few strings and a preview does not wait for a 200 MB string table. The list is kept for
    later rows and later passes (that is inherent to the format). A lock makes the extension safe
    when a preview and a count run on different threads.
    """

    def __init__(
        self, open_part: Callable[[], GuardedStream] | None, fail: Callable[[str], InputError], max_chars: int
    ) -> None:
        self.items: list[str | None] = []
        self._open_part = open_part
        self._fail = fail
        self._stream: GuardedStream | None = None
        self._batches: Iterator[list[str | None]] | None = None
        self._lock = threading.Lock()
        self._max_chars = max_chars

    def get(self, index: int) -> str | None:
        if not self.read_to(index):
            raise self._fail(f"shared string {index} does not exist (corrupt workbook)")
        return self.items[index]

    @property
    def complete(self) -> bool:
        """Has the whole table been read?"""
        return self._open_part is None

    def read_to(self, index: int) -> bool:
        """Read the table as far as string ``index``; False when the table has no such string."""
        items = self.items
        if index >= len(items):
            with self._lock:
                while index >= len(items) and self._extend():
                    pass
        return 0 <= index < len(items)

    def _extend(self) -> bool:
        if self._batches is None:
            if self._open_part is None:
                return False
            self._stream = self._open_part()
            self._batches = self._parse(self._stream, self._max_chars)
        try:
            batch = next(self._batches, None)
        except MalformedXml as exc:
            raise self._fail(f"xl/sharedStrings.xml: {exc}") from None
        if batch is None:
            self.close()
            self._open_part = None
            return False
        self.items.extend(batch)
        return True

    @staticmethod
    def _parse(stream: GuardedStream, max_chars: int) -> Iterator[list[str | None]]:
        segments = _segments(_decoded_chunks(stream), _SST_OPEN, "si", "sst", max_chars)
        for prefix, text in segments:
            grammar = _grammar(prefix)
            escaped = "&" in text or "_x" in text or "\r" in text
            simple = grammar.plain_item.findall(text)
            if len(simple) == text.count(grammar.item_open):  # every item one plain <t>: the common case
                yield [decode_text(item) or None for item in simple] if escaped else [item or None for item in simple]
                continue
            items = grammar.shared_item.findall(text)  # (plain text, rich body): one of them is ""
            if escaped:
                yield [(decode_text(plain) or None) if plain else _rich_item(rich, grammar) for plain, rich in items]
            else:  # no escape anywhere in this piece: a plain <t>'s text is the string
                yield [plain or _rich_item(rich, grammar) for plain, rich in items]

    def close(self) -> None:
        if self._stream is not None:
            self._stream.close()
            self._stream = None

    def release(self) -> None:
        """Close, and let the strings read so far go (the workbook is closed: no cell asks again)."""
        self.close()
        self._open_part = None
        self.items = []


# ---------------------------------------------------------------------------------------- package


def _column_index(letters: str, cache: dict[str, int], max_columns: int) -> int:
    """0-based column of ``AB``-style letters, remembered in ``cache``; past the limit is refused."""
    index = 0
    for char in letters.upper():
        index = index * 26 + ord(char) - 64
    if index > max_columns:
        raise MalformedXml(f"more than {max_columns} columns (limit)")
    cache[letters] = index - 1
    return index - 1


@dataclass(frozen=True, slots=True)
class _SheetPart:
    info: SheetInfo
    part: zipfile.ZipInfo


class BinaryWorkbook(InputError):
    """The zip holds a binary (``.xlsb``) workbook: it is read by the legacy reader instead."""


class XlsxBook:
    """An open xlsx/xlsm package: its worksheets, styles and shared strings, read on demand."""

    def __init__(self, path: Path, limits: Limits = DEFAULT_LIMITS, digest: FileDigest | None = None) -> None:
        self.label = path.name
        self.limits = limits
        # a file object passed to ZipFile is not closed by it: this class closes it
        self._source = cast(BinaryIO, digest.open()) if digest is not None else None
        try:
            self._zip = open_checked_zip(self._source or path, limits, self.label)
        except BaseException:
            if self._source is not None:
                self._source.close()
            raise
        try:
            self._names = {info.filename.replace("\\", "/").lower(): info for info in self._zip.infolist()}
            workbook_part = self._find_workbook_part()
            self._sheets, rels, self._date1904 = self._read_workbook(workbook_part)
            styles = rels.get("styles")
            self._date_styles = frozenset(date_style_ids(self._xml(styles))) if styles else frozenset()
            shared = rels.get("sharedStrings")
            opener = (lambda: self._stream(shared, limits.max_shared_strings_bytes)) if shared else None
            self._dates = _SerialDates(self._date1904)
            self._last_rows: dict[int, int | None] = {}  # per sheet read so far: its <dimension>'s last row
            self._shared = SharedStrings(opener, self._error, limits.max_row_chars)
        except BaseException:
            self.close()
            raise

    # -- structure ------------------------------------------------------------------------------

    def _error(self, message: str) -> InputError:
        return InputError(f"{self.label}: {message}")

    def _member(self, name: str) -> zipfile.ZipInfo | None:
        return self._names.get(name.lstrip("/").replace("\\", "/").lower())

    def _xml(self, info: zipfile.ZipInfo) -> Any:
        """Parse a small structural part with defusedxml (no DTDs, no entities)."""
        stream = GuardedStream(self._zip, info, self.limits.max_xml_part_bytes, self.label)
        try:
            chunks = []
            while data := stream.read(CHUNK_BYTES):
                chunks.append(data)
        finally:
            stream.close()
        try:
            return SafeET.fromstring(xml_as_utf8(b"".join(chunks)), forbid_dtd=True)
        except MalformedXml as exc:
            raise self._error(f"corrupt workbook: {info.filename}: {exc}") from None
        except DefusedXmlException:
            raise self._error(f"refused: {info.filename} declares a DOCTYPE or ENTITY (XML entity attack)") from None
        except (SafeET.ParseError, ValueError):  # ValueError: expat's refusal of a codec it cannot read
            raise self._error(f"corrupt workbook: {info.filename} is not well-formed XML") from None

    def _stream(self, info: zipfile.ZipInfo, cap: int) -> GuardedStream:
        return GuardedStream(self._zip, info, cap, self.label)

    def _relationships(self, part: str) -> list[tuple[str, str, str]]:
        """``(id, type, resolved part name)`` for each internal relationship of ``part``."""
        folder, name = posixpath.split(part)
        rels = self._member(posixpath.join(folder, "_rels", name + ".rels"))
        if rels is None:
            return []
        found = []
        for rel in self._xml(rels).iter():
            if not str(rel.tag).endswith("Relationship") or rel.get("TargetMode") == "External":
                continue
            target = unquote(rel.get("Target", ""))
            if target.startswith("/"):
                resolved = target.lstrip("/")
            else:
                resolved = posixpath.normpath(posixpath.join(folder, target))
            found.append((rel.get("Id", ""), rel.get("Type", ""), resolved))
        return found

    def _find_workbook_part(self) -> zipfile.ZipInfo:
        targets = [target for _, kind, target in self._relationships("") if kind.endswith(_REL_OFFICE_DOCUMENT)]
        if not targets and self._member("xl/workbook.xml"):
            targets = ["xl/workbook.xml"]
        for target in targets:
            if target.lower().endswith(".bin"):
                raise BinaryWorkbook(f"{self.label}: a binary workbook (.xlsb) under another name")
            if (info := self._member(target)) is not None and self._is_workbook_content(info):
                return info
        if self._member("mimetype") is not None or self._member("content.xml") is not None:
            raise self._error("OpenDocument spreadsheets (.ods) are not supported: save as .xlsx first")
        raise self._error("not a spreadsheet (expected .xlsx, .xlsm or .csv)")

    def _is_workbook_content(self, info: zipfile.ZipInfo) -> bool:
        """Check ``[Content_Types].xml``: a Word or PowerPoint main part is not a workbook."""
        types = self._member("[Content_Types].xml")
        if types is None:
            return info.filename.lower().endswith("workbook.xml")
        wanted = "/" + info.filename.lower()
        for node in self._xml(types).iter():
            if str(node.tag).endswith("Override") and node.get("PartName", "").lower() == wanted:
                content = node.get("ContentType", "")
                if "binary" in content:
                    raise BinaryWorkbook(f"{self.label}: a binary workbook (.xlsb) under another name")
                return "spreadsheetml" in content or "ms-excel" in content
        return info.filename.lower().endswith("workbook.xml")

    def _read_workbook(self, part: zipfile.ZipInfo) -> tuple[tuple[_SheetPart, ...], dict[str, zipfile.ZipInfo], bool]:
        root = self._xml(part)
        relationships = self._relationships(part.filename.replace("\\", "/"))
        by_id = {rel_id: (kind, target) for rel_id, kind, target in relationships}
        singletons: dict[str, zipfile.ZipInfo] = {}
        for _, kind, target in relationships:
            for wanted in ("styles", "sharedStrings"):
                if kind.endswith("/" + wanted) and (info := self._member(target)) is not None:
                    singletons[wanted] = info
        date1904 = False
        for node in root.iter():
            if str(node.tag).endswith("}workbookPr"):
                date1904 = node.get("date1904", "0").strip().lower() in ("1", "true")
        sheets: list[_SheetPart] = []
        for node in root.iter():
            if not str(node.tag).endswith("}sheet"):
                continue
            rel_id = next((value for key, value in node.attrib.items() if key.endswith("}id")), "")
            kind, target = by_id.get(rel_id, ("", ""))
            if kind.endswith(_SHEET_KINDS_SKIPPED):
                continue
            info = self._member(target) if target else None
            if info is None:
                raise self._error(f"corrupt workbook: the part of sheet #{len(sheets) + 1} is missing")
            state = node.get("state", "visible")
            visibility = Visibility(state) if state in ("hidden", "veryHidden") else Visibility.VISIBLE
            name = node.get("name", f"Sheet{len(sheets) + 1}")
            sheets.append(_SheetPart(SheetInfo(name, len(sheets), visibility), info))
            if len(sheets) > self.limits.max_sheets:
                raise self._error(f"refused: more than {self.limits.max_sheets} sheets")
        return tuple(sheets), singletons, date1904

    # -- public ---------------------------------------------------------------------------------

    @property
    def sheets(self) -> tuple[SheetInfo, ...]:
        return tuple(sheet.info for sheet in self._sheets)

    def close(self) -> None:
        shared = getattr(self, "_shared", None)
        if shared is not None:
            shared.release()
        self._zip.close()
        if self._source is not None:
            self._source.close()

    def stated_last_row(self, info: SheetInfo) -> int | None:
        """The last row the sheet's ``<dimension>`` states (a producer's claim, not checked against
        the rows), once a pass has begun reading the sheet; None without one."""
        return self._last_rows.get(info.index)

    def _prologue(self, info: SheetInfo, text: str) -> None:
        found = _DIMENSION.search(text)
        last: int | None = None
        if found is not None:
            if found.group(1):
                last = int(found.group(1))
            else:  # ref="A1": one cell
                ref = re.search(r"""ref\s*=\s*["']([^"']*)["']""", found.group(0))
                lone = _LONE_CELL.fullmatch(ref.group(1).strip()) if ref else None
                last = int(lone.group(1)) if lone else None
        self._last_rows[info.index] = last

    def _segments(self, info: SheetInfo) -> Generator[tuple[str, str], None, None]:
        part = self._sheets[info.index].part
        stream = self._stream(part, self.limits.max_uncompressed_bytes)
        try:
            yield from _segments(
                _decoded_chunks(stream), _SHEETDATA_OPEN, "row", "sheetData", self.limits.max_row_chars,
                prologue=lambda text: self._prologue(info, text),
            )
        except MalformedXml as exc:
            raise self._error(f"{part.filename}: {exc}") from None
        finally:
            stream.close()

    def rows(self, info: SheetInfo) -> Iterator[Row]:
        """Rows holding at least one value, in file order, trailing empty cells trimmed."""
        row_number = 0
        columns: dict[str, int] = {}
        for prefix, text in self._segments(info):
            grammar = _grammar(prefix)
            common = self._common_rows(text, grammar, columns)
            if common is not None:
                rows, row_number = common
                yield from rows
            else:
                row_number = yield from self._rows_cell_by_cell(info.name, text, grammar, columns, row_number)

    def _common_rows(self, text: str, grammar: _Grammar, columns: dict[str, int]) -> tuple[list[Row], int] | None:
        """The rows of one piece of sheet XML and its last row number, when every row and cell in it
        has a common shape: ``<row r="..">`` holding cells ``<c r=".." s="..">`` that hold a number,
        a shared string (``t="s"``) or nothing.

        One ``findall`` over the piece gives its row tags and cells in order, one comprehension types
        the cells by the rules of :meth:`_cells`, and a row whose cells run A, B, C... is a slice of
        them. None when anything else is there (formulas, inline strings, booleans, a row without
        cells or ``r=``, a value that does not parse): the caller then reads that piece cell by
        cell, which also words any error with its row.
        """
        found = grammar.common_shapes.findall(text)
        numbers = list(map(_FIRST, found))
        everywhere = range(len(found))
        starts = list(compress(everywhere, numbers))  # where each <row> tag is in ``found``
        ends = list(compress(range(1, len(found) + 1), map(_LAST, found)))  # just after its </row>
        if (
            not starts
            or len(starts) != len(ends)
            or len(starts) != text.count(grammar.row_open)
            or len(found) - len(starts) != text.count(grammar.cell_open)
            or starts[0] != 0
            or ends[-1] != len(found)
            or starts[1:] != ends[:-1]
        ):
            return None  # another shape, a row without cells, or a cell outside a row
        letters = tuple(map(_SECOND, found))
        max_columns = self.limits.max_columns
        in_order = _COLUMN_LETTERS[:max_columns]
        rows: list[Row] = []
        try:
            typed = self._typed_common(found)
            for number, start, end in zip(map(int, compress(numbers, numbers)), starts, ends, strict=True):
                first = start + 1
                if letters[first:end] == in_order[: end - first]:
                    values = typed[first:end]
                    if values[-1] is None:
                        values = _trimmed(values)
                else:  # gaps, or columns out of order
                    values = _trimmed(_placed(found[first:end], typed[first:end], columns, max_columns))
                if values:
                    rows.append((number, values))
        except (ValueError, IndexError):  # MalformedXml included
            return None
        return rows, int(numbers[starts[-1]])

    def _typed_common(self, found: list[tuple[str, ...]]) -> tuple[Value, ...]:
        """The values of common-shape cells (see :meth:`_common_rows`), None for an empty one;
        IndexError for a shared string the table does not have."""
        shared = self._shared
        if not shared.complete:  # read the table as far as these cells need, and no further
            shared.read_to(max(map(int, filter(None, map(_FOURTH, found))), default=0))
        return _typed_cells(found, shared=shared.items, date_styles=self._date_styles, dates=self._dates)

    def _rows_cell_by_cell(
        self, sheet: str, text: str, grammar: _Grammar, columns: dict[str, int], row_number: int
    ) -> Generator[Row, None, int]:
        """The rows of one piece of sheet XML, a row and a cell at a time (any shape the format
        allows); returns the number of the last row, ``row_number`` being the one before the piece."""
        for piece in text.split(grammar.row_close):
            start = piece.rfind(grammar.row_open)
            if start < 0:
                continue
            tag_end = piece.find(">", start)
            attributes = piece[start + len(grammar.row_open) : tag_end]
            if attributes.endswith("/") or (attributes and not attributes[0].isspace()):
                continue
            numbered = _ROW_NUMBER.search(attributes)
            row_number = int(numbered.group(1)) if numbered else _next_row_number(piece, start, grammar, row_number)
            try:
                values = self._cells(piece, tag_end + 1, grammar, columns)
            except MalformedXml as exc:
                raise self._error(f"{sheet!r} row {row_number}: {exc}") from None
            except (ValueError, IndexError):
                raise self._error(f"{sheet!r} row {row_number}: a cell is not valid SpreadsheetML") from None
            if values:
                yield row_number, values
        return row_number

    def _cells(  # noqa: PLR0912 - the per-cell hot loop is inlined on purpose (no call per cell)
        self, piece: str, start: int, grammar: _Grammar, columns: dict[str, int]
    ) -> tuple[Value, ...]:
        """Typed values of one row's cells, placed by their ``r=`` column (or by order without one).

        The loop for rows of any shape (one pass per cell), hence ``findall`` tuples instead of match
        objects and the common cases first.
        """
        values: list[Value] = []
        append = values.append
        position = -1
        shared = self._shared.items
        date_styles = self._date_styles
        dates = self._dates
        max_columns = self.limits.max_columns
        value: Any
        for letters, style, kind, raw, body in grammar.cell.findall(piece, start):
            if letters:
                position = columns.get(letters, -1)
                if position < 0:
                    position = _column_index(letters, columns, max_columns)
            else:
                position += 1
                if position >= max_columns:
                    raise MalformedXml(f"more than {max_columns} columns (limit)")
            if not raw:
                if not body:
                    continue
                if kind == "inlineStr" and (inline := grammar.inline.search(body)):
                    _place(values, position, _rich_text(inline.group(1), grammar) or None)
                    continue
                found = grammar.value.search(body)
                if found is None or not (raw := found.group(1)):
                    continue
            if not kind or kind == "n":
                if style and style in date_styles:
                    value = dates[raw]
                elif len(raw) < 16 and raw.isdigit():
                    value = int(raw)
                else:
                    value = number_value(raw)
            elif kind == "s":
                index = int(raw)
                value = shared[index] if 0 <= index < len(shared) else self._shared.get(index)
            else:
                value = _other_value(kind, raw)
            if position == len(values):
                append(value)
            else:
                _place(values, position, value)
        while values and values[-1] is None:
            values.pop()
        return tuple(values)

    def count_value_rows(self, info: SheetInfo) -> int:
        """Rows holding a ``<v>`` or an inline ``<t>``: a cheap pass that parses no cell."""
        count = 0
        for prefix, text in self._segments(info):
            grammar = _grammar(prefix)
            for piece in text.split(grammar.row_close):
                start = piece.rfind(grammar.row_open)
                if start >= 0 and (
                    piece.find(grammar.value_close, start) >= 0 or piece.find(grammar.text_close, start) >= 0
                ):
                    count += 1
        return count

def _next_row_number(piece: str, start: int, grammar: _Grammar, previous: int) -> int:
    """The number of a ``<row>`` without ``r=``: one past the previous row, empty ``<row/>`` included."""
    skipped = piece.count(grammar.row_open, 0, start)
    if skipped:
        last = piece.rfind(grammar.row_open, 0, start)
        numbered = _ROW_NUMBER.search(piece, last + len(grammar.row_open), piece.find(">", last))
        previous = int(numbered.group(1)) if numbered else previous + skipped
    return previous + 1


class _SerialDates(dict[str, Value]):
    """The values of date-formatted serials (``"45602"``), each computed once: a date column
    repeats few distinct serials. Forgets them all past 100,000 (a column of distinct times)."""

    def __init__(self, date1904: bool) -> None:
        super().__init__()
        self.date1904 = date1904

    def __missing__(self, raw: str) -> Value:
        if len(self) >= 100_000:
            self.clear()
        value = self[raw] = serial_to_value(raw, self.date1904)
        return value


def _typed_cells(
    found: list[tuple[str, ...]], *, shared: list[str | None], date_styles: frozenset[str], dates: _SerialDates
) -> tuple[Value, ...]:
    """The values of ``_Grammar.common_shapes`` matches (``XlsxBook._common_rows``), typed by the
    rules of ``XlsxBook._cells``, a chunk at a time: None for an empty cell or a row tag. IndexError
    when a shared string is not in ``shared`` (not read yet, or missing)."""
    return tuple([
        shared[int(index)] if index
        else None if not raw
        else dates[raw] if style in date_styles
        else int(raw) if len(raw) < 16 and raw.isdigit()
        else number_value(raw)
        for _, _, style, index, raw, _ in found
    ])


def _trimmed(values: Sequence[Value]) -> tuple[Value, ...]:
    """``values`` without their trailing empty cells."""
    end = len(values)
    while end and values[end - 1] is None:
        end -= 1
    return tuple(values[:end])


def _placed(
    cells: list[tuple[str, ...]], typed: Sequence[Value], columns: dict[str, int], max_columns: int
) -> list[Value]:
    """A row's typed common-shape cells placed by their columns (a row with gaps or out of order);
    as in ``XlsxBook._cells``, a later cell holding a value replaces one in the same column."""
    values: list[Value] = []
    for (_, column, _, index, raw, _), value in zip(cells, typed, strict=True):
        position = columns.get(column, -1)
        if position < 0:
            position = _column_index(column, columns, max_columns)
        if index or raw:
            _place(values, position, value)
    return values


def _other_value(kind: str, raw: str) -> Value:
    """A cell that is neither a number nor a shared string: boolean, date, or kept as text."""
    if kind == "b":
        return raw.strip() in ("1", "true")
    if kind == "d":
        return typed_date(raw)
    # "str", "e", "inlineStr" carrying a <v>, or an unknown type: keep the text
    return (decode_text(raw) if ("&" in raw or "_x" in raw or "\r" in raw) else raw) or None


def _place(values: list[Value], position: int, value: Value) -> None:
    if position == len(values):
        values.append(value)
    elif position > len(values):
        values.extend([None] * (position - len(values)))
        values.append(value)
    else:
        values[position] = value
