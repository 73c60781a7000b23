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
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, cast
from urllib.parse import unquote

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from masking.errors import InputError
from masking.io.digest import FileDigest
from masking.io.limits import DEFAULT_LIMITS, GuardedStream, Limits, open_checked_zip
from masking.io.model import SheetInfo, Value, Visibility, column_letter, values_in_columns
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
    value_close: str
    text_close: str
    cell: re.Pattern[str]
    value: re.Pattern[str]
    inline: re.Pattern[str]
    shared_item: re.Pattern[str]
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
        value_close=f"</{prefix}v>",
        text_close=f"</{prefix}t>",
        cell=re.compile(
            rf"<{p}c(?:{_ATTRIBUTE})*\s*(?:/>|>(?:<{p}v>(?P<v>[^<]*)</{p}v>|(?P<body>.*?))</{p}c>)", re.DOTALL
        ),
        value=re.compile(rf"<{p}v(?:\s[^>]*)?>(.*?)</{p}v>", re.DOTALL),
        inline=re.compile(rf"<{p}is(?:\s[^>]*)?>(.*?)</{p}is>", re.DOTALL),
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
        items = self.items
        if index < len(items):
            return items[index]
        with self._lock:
            while index >= len(items) and self._extend():
                pass
        if not 0 <= index < len(items):
            raise self._fail(f"shared string {index} does not exist (corrupt workbook)")
        return items[index]

    def load_all(self) -> None:
        """Read the whole table now, in one tight pass (its strings then sit together in memory)."""
        with self._lock:
            while self._extend():
                pass

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
            batch: list[str | None] = []
            for match in grammar.shared_item.finditer(text):
                plain = match.group("plain")
                if plain is not None:
                    value = decode_text(plain) if ("&" in plain or "_x" in plain or "\r" in plain) else plain
                else:
                    value = _rich_text(match.group("rich") or "", grammar)
                batch.append(value or None)
            yield batch

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
            self._date_cache: dict[str, Value] = {}  # a date column repeats few distinct serials
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

    def rows(self, info: SheetInfo) -> Iterator[tuple[int, tuple[Value, ...]]]:
        """Rows holding at least one value, in file order, trailing empty cells trimmed."""
        row_number = 0
        columns: dict[str, int] = {}
        for prefix, text in self._segments(info):
            grammar = _grammar(prefix)
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
                    raise self._error(f"{info.name!r} row {row_number}: {exc}") from None
                except (ValueError, IndexError):
                    raise self._error(f"{info.name!r} row {row_number}: a cell is not valid SpreadsheetML") from None
                if values:
                    yield row_number, values

    def _cells(  # noqa: PLR0912 - the per-cell hot loop is inlined on purpose (no call per cell)
        self, piece: str, start: int, grammar: _Grammar, columns: dict[str, int]
    ) -> tuple[Value, ...]:
        """Typed values of one row's cells, placed by their ``r=`` column (or by order without one).

        This is the hot loop (one pass per cell of a million-row sheet), hence ``findall`` tuples
        instead of match objects and the common cases first.
        """
        values: list[Value] = []
        append = values.append
        position = -1
        shared = self._shared.items
        date_styles = self._date_styles
        dates = self._date_cache
        if len(dates) > 100_000:
            dates.clear()
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
                    value = dates.get(raw, dates)
                    if value is dates:
                        value = dates[raw] = serial_to_value(raw, self._date1904)
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

    def column_values(self, info: SheetInfo, columns: Iterable[int]) -> Iterator[list[Value]]:
        """The non-empty values of the cells in ``columns`` (0-based), in chunks, in no set order;
        title and header rows included.

        A pass several times cheaper than :meth:`rows` when a few columns of a wide sheet are wanted:
        one regular expression per chunk picks out just those cells by their ``r=`` reference, and
        they are typed as :meth:`rows` types them. A chunk where some ``<c`` tag does not start with
        an ``r="`` reference (a rare producer, or rich text) sends the whole sheet through
        :meth:`rows` instead, from the start.
        """
        wanted = sorted(set(columns))
        if not wanted:
            return
        letters = "|".join(column_letter(i) for i in wanted)
        # a whole-sheet pass needs nearly every shared string: read the table first, in one go, rather
        # than interleaved with this pass's short-lived lists (which would leave it spread thin in memory)
        self._shared.load_all()
        segments = self._segments(info)
        try:
            for prefix, text in segments:
                tag = f"<{prefix}c"
                if text.count(tag) != text.count(f'{tag} r="'):
                    break
                yield self._typed(_column_cells(prefix, letters).findall(text), _grammar(prefix))
            else:
                return
        finally:
            segments.close()
        yield list(values_in_columns(self.rows(info), wanted))

    def _typed(self, cells: list[tuple[str, str, str]], grammar: _Grammar) -> list[Value]:
        """The non-empty values of ``(attributes, <v> text, body)`` cells, typed by the rules of
        :meth:`_cells`; the two common shapes (shared strings, plain numbers) a chunk at a time."""
        shared = [int(raw) for attributes, raw, _ in cells if raw and attributes in _SHARED_STRING_ATTRIBUTES]
        numbers = [raw for attributes, raw, _ in cells if raw and "=" not in attributes]
        values: list[Value] = []
        if shared:
            self._shared.get(max(shared))  # reads the table that far (or refuses a corrupt index)
            items = self._shared.items
            values = [items[index] for index in shared]
        values += [int(raw) if len(raw) < 16 and raw.isdigit() else number_value(raw) for raw in numbers]
        for attributes, raw, body in cells:
            if raw and (attributes in _SHARED_STRING_ATTRIBUTES or "=" not in attributes):
                continue  # done above
            kind = found.group(1) if (found := _KIND_ATTRIBUTE.search(attributes)) else ""
            if not raw:
                if kind == "inlineStr" and (inline := grammar.inline.search(body)):
                    values.append(_rich_text(inline.group(1), grammar) or None)
                    continue
                found = grammar.value.search(body) if body else None
                if found is None or not (raw := found.group(1)):
                    continue
            if not kind or kind == "n":
                style = found.group(1) if (found := _STYLE_ATTRIBUTE.search(attributes)) else ""
                values.append(serial_to_value(raw, self._date1904) if style in self._date_styles
                              else int(raw) if len(raw) < 16 and raw.isdigit() else number_value(raw))
            elif kind == "s":
                values.append(self._shared.get(int(raw)))
            else:
                values.append(_other_value(kind, raw))
        return [value for value in values if value is not None]

    def count_value_rows(
        self, info: SheetInfo, columns: Iterable[int] = (), sink: Callable[[list[Value]], None] | None = None
    ) -> int:
        """Rows holding a ``<v>`` or an inline ``<t>``: a cheap pass that parses no cell, or only the
        cells of ``columns``, whose non-empty values go to ``sink`` a chunk at a time (as
        :meth:`column_values` gives them, and by it when a chunk has cells without ``r=``)."""
        count = 0
        wanted = sorted(set(columns)) if sink is not None else []
        letters = "|".join(column_letter(i) for i in wanted)
        fallback = False
        for prefix, text in self._segments(info):
            grammar = _grammar(prefix)
            if wanted and not fallback and sink is not None:
                tag = f"<{prefix}c"
                if text.count(tag) == text.count(f'{tag} r="'):
                    try:
                        typed = self._typed(_column_cells(prefix, letters).findall(text), grammar)
                    except MalformedXml as exc:
                        raise self._error(f"{info.name!r}: {exc}") from None
                    except (ValueError, IndexError):  # as in rows(): markup where a value belongs
                        raise self._error(f"{info.name!r}: a cell is not valid SpreadsheetML") from None
                    sink(typed)
                else:
                    fallback = True
            for piece in text.split(grammar.row_close):
                start = piece.rfind(grammar.row_open)
                if start >= 0 and (
                    piece.find(grammar.value_close, start) >= 0 or piece.find(grammar.text_close, start) >= 0
                ):
                    count += 1
        if fallback and sink is not None:  # a rare producer: the values from a pass of their own
            for chunk in self.column_values(info, wanted):
                sink(chunk)
        return count


def _next_row_number(piece: str, start: int, grammar: _Grammar, previous: int) -> int:
    """The number of a ``<row>`` without ``r=``: one past the previous row, empty ``<row/>`` included."""
    skipped = piece.count(grammar.row_open, 0, start)
    if skipped:
        last = piece.rfind(grammar.row_open, 0, start)
        numbered = _ROW_NUMBER.search(piece, last + len(grammar.row_open), piece.find(">", last))
        previous = int(numbered.group(1)) if numbered else previous + skipped
    return previous + 1


def _other_value(kind: str, raw: str) -> Value:
    """A cell that is neither a number nor a shared string: boolean, date, or kept as text."""
    if kind == "b":
        return raw.strip() in ("1", "true")
    if kind == "d":
        return typed_date(raw)
    # "str", "e", "inlineStr" carrying a <v>, or an unknown type: keep the text
    return (decode_text(raw) if ("&" in raw or "_x" in raw or "\r" in raw) else raw) or None


_COLUMN_CELLS: dict[tuple[str, str], re.Pattern[str]] = {}
_KIND_ATTRIBUTE = re.compile(r"""\st\s*=\s*["']([^"']*)["']""")
_STYLE_ATTRIBUTE = re.compile(r"""\ss\s*=\s*["']([^"']*)["']""")
_SHARED_STRING_ATTRIBUTES = frozenset({' t="s"'} | {f' s="{n}" t="s"' for n in range(64)})


def _column_cells(prefix: str, letters: str) -> re.Pattern[str]:
    """Cells whose start tag begins ``<c r="`` with one of ``letters`` (``A|C|AB``): the groups are
    the rest of the start tag's attributes, a lone ``<v>``'s text, or else the whole content."""
    key = (prefix, letters)
    pattern = _COLUMN_CELLS.get(key)
    if pattern is None:
        p = re.escape(prefix)
        pattern = _COLUMN_CELLS[key] = re.compile(
            rf"<{p}c r=\"(?:{letters})[0-9]+\"([^>]*?)(?:/>|>(?:<{p}v>([^<]*)</{p}v>|(.*?))</{p}c>)", re.DOTALL
        )
    return pattern


def _place(values: list[Value], position: int, value: Value) -> None:
    if position == len(values):
        values.append(value)
    elif position > len(values):
        values.extend([None] * (position - len(values)))
        values.append(value)
    else:
        values[position] = value
