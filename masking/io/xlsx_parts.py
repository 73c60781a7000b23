"""Text that sits outside the grid of an xlsx workbook, where PII hides from a quick look.

One pass over the zip, cheap by design:
- small structural parts (workbook, rels, comments, document properties) are parsed with
  defusedxml, each refused above ``Limits.max_xml_part_bytes``;
- sheet parts are streamed in chunks and only searched with byte patterns: column and row
  attributes (hidden), formulas (up to ``max_formulas``), and the short tail after
  ``</sheetData>`` (headers and footers, data validation lists, hyperlinks). Cell values are not
  read here: the reader samples them, hidden sheets included.

Nothing here judges the texts; ``masking.detect.outside`` does, and never repeats them in clear.
"""

from __future__ import annotations

import html
import posixpath
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from defusedxml import ElementTree as SafeET

from masking.errors import InputError
from masking.io.limits import (
    DEFAULT_LIMITS,
    MIB,
    GuardedStream,
    Limits,
    check_member_size,
    corrupt,
    open_checked_zip,
)
from masking.io.xml_encoding import xml_as_utf8


class Where(StrEnum):
    HIDDEN_SHEET = "hidden_sheet"
    COMMENT = "comment"
    DEFINED_NAME = "defined_name"
    PROPERTY = "property"
    HEADER_FOOTER = "header_footer"
    DATA_VALIDATION = "data_validation"
    HYPERLINK = "hyperlink"
    FORMULA = "formula"


@dataclass(frozen=True, slots=True)
class OutsideText:
    """A text found outside the grid. ``location`` is for people ("sheet '用户' cell B3 comment by
    王工"), ``where`` for code; ``sheet`` names the sheet it belongs to, when it belongs to one."""

    location: str
    text: str
    where: Where
    sheet: str | None = None


@dataclass(frozen=True, slots=True)
class OutsideParts:
    """Everything ``read_outside_parts`` found. Hidden columns are 0-based indexes, hidden rows
    1-based row numbers (``rows_capped`` when more than ``max_hidden_rows`` were hidden)."""

    texts: tuple[OutsideText, ...] = ()
    hidden_columns: dict[str, tuple[int, ...]] = field(default_factory=dict)
    hidden_rows: dict[str, tuple[int, ...]] = field(default_factory=dict)
    rows_capped: frozenset[str] = frozenset()


_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_CHUNK = 1 * MIB
_TAIL_CAP = 16 * MIB
_OVERLAP = 4096
# Formulas are looked for in the first 8 MiB of sheet data only (about the first 20,000 rows):
# a formula that points at a sensitive column is written down every row, so its first rows show
# it, and a full search would cost as much as reading the sheet.
_FORMULA_WINDOW = 8 * MIB

_ROW_HIDDEN = re.compile(rb'<(?:\w+:)?row\b[^>]*?\bhidden="(?:1|true)"[^>]*>')
_ROW_NUMBER = re.compile(rb'\br="(\d+)"')
_COL = re.compile(rb"<(?:\w+:)?col\b[^>]*>")
_ATTR = re.compile(rb'\b(\w+)="([^"]*)"')
_FORMULA = re.compile(
    rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,3}\d+)"[^>]*>'  # the cell and its reference
    rb"(?:(?!</(?:\w+:)?c>).){0,200}?"  # inside the same cell
    rb"<(?:\w+:)?f\b[^>/]*>([^<]{1,2000})</(?:\w+:)?f>",  # a formula with text (not a shared one)
    re.S,
)
_HEADER_FOOTER = re.compile(rb"<(?:\w+:)?(oddHeader|oddFooter|evenHeader|evenFooter|firstHeader|firstFooter)>([^<]*)</")
_VALIDATION = re.compile(rb"<(?:\w+:)?dataValidation\b([^>]*)>(.*?)</(?:\w+:)?dataValidation>", re.S)
_FORMULA1 = re.compile(rb"<(?:\w+:)?formula1>(.*?)</(?:\w+:)?formula1>", re.S)
_TAGS = re.compile(rb"<[^>]*>")
_HYPERLINK = re.compile(rb"<(?:\w+:)?hyperlink\b([^>]*)>")
# Header/footer codes: &L &C &R, &P page, &N pages, &D date, &T time, &F file, &A sheet, &"font", &12 size.
_HF_CODES = re.compile(r'&(?:"[^"]*"|\d+|[LCRPNDTFAZGBIUESXY&+\-])')


def _attrs(raw: bytes) -> dict[str, str]:
    return {key.decode(): html.unescape(value.decode("utf-8", "replace")) for key, value in _ATTR.findall(raw)}


def _text(raw: bytes) -> str:
    return html.unescape(raw.decode("utf-8", "replace"))


def column_index(letters: str) -> int:
    """0-based index of column letters: A -> 0, AA -> 26."""
    index = 0
    for char in letters.upper():
        index = index * 26 + ord(char) - 64
    return index - 1


class _Package:
    """The zip, opened once, with guarded reads."""

    def __init__(self, archive: zipfile.ZipFile, label: str, limits: Limits) -> None:
        self.archive = archive
        self.label = label
        self.limits = limits
        self.names = set(archive.namelist())

    def xml(self, part: str) -> Any | None:
        """The parsed root of a structural part, None when absent."""
        if part not in self.names:
            return None
        info = self.archive.getinfo(part)
        check_member_size(info, self.limits.max_xml_part_bytes, self.label)
        stream = GuardedStream(self.archive, info, self.limits.max_xml_part_bytes, self.label)
        try:
            data = b"".join(iter(lambda: stream.read(_CHUNK), b""))
        finally:
            stream.close()
        try:
            return SafeET.fromstring(xml_as_utf8(data))
        except Exception as exc:  # defusedxml raises its own errors and ParseError
            raise corrupt(self.label, part, exc) from None

    def rels(self, part: str) -> dict[str, tuple[str, str, str]]:
        """Relationship id -> (type suffix, resolved target, target mode) of ``part``."""
        folder, name = posixpath.split(part)
        root = self.xml(posixpath.join(folder, "_rels", name + ".rels"))
        found: dict[str, tuple[str, str, str]] = {}
        if root is None:
            return found
        for rel in root.iter(f"{{{_NS_PKG_REL}}}Relationship"):
            mode = rel.get("TargetMode", "Internal")
            target = rel.get("Target", "")
            if mode != "External":
                target = (
                    target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
                )
            found[rel.get("Id", "")] = (rel.get("Type", "").rsplit("/", 1)[-1], target, mode)
        return found

    def stream_chunks(self, part: str) -> Iterator[bytes]:
        info = self.archive.getinfo(part)
        stream = GuardedStream(self.archive, info, self.limits.max_uncompressed_bytes, self.label)
        try:
            while chunk := stream.read(_CHUNK):
                yield chunk
        finally:
            stream.close()


@dataclass(slots=True)
class _SheetPass:
    hidden_columns: list[int] = field(default_factory=list)
    hidden_rows: list[int] = field(default_factory=list)
    rows_capped: bool = False
    formulas: list[tuple[str, str]] = field(default_factory=list)
    tail: bytes = b""


def _scan_sheet_part(package: _Package, part: str, *, max_formulas: int, max_hidden_rows: int) -> _SheetPass:
    """One streamed pass over a sheet part; byte searches only, no XML tree."""
    result = _SheetPass()
    carry = b""
    tail_parts: list[bytes] = []
    tail_size = 0
    in_tail = False
    first = True
    searched = 0
    for chunk in package.stream_chunks(part):
        if in_tail:
            if tail_size < _TAIL_CAP:
                tail_parts.append(chunk)
                tail_size += len(chunk)
            continue
        data = carry + chunk
        if first:
            head_end = data.find(b"sheetData")
            head = data if head_end < 0 else data[:head_end]
            for raw in _COL.findall(head):
                attrs = _attrs(raw)
                if attrs.get("hidden") in ("1", "true") and attrs.get("min", "").isdigit():
                    low, high = int(attrs["min"]), int(attrs.get("max", attrs["min"]) or attrs["min"])
                    result.hidden_columns.extend(range(low - 1, min(high, 16_384)))
            first = False
        # Only whole elements before the overlap are searched, so nothing is seen twice.
        end_data = _end_of_sheet_data(data)
        if end_data >= 0:
            searchable, carry = data[:end_data], b""
            tail_parts.append(data[end_data:])
            tail_size += len(data) - end_data
            in_tail = True
        else:
            cut = _row_boundary(data)
            searchable, carry = data[:cut], data[cut:]
        formulas = searched < _FORMULA_WINDOW
        searched += len(searchable)
        _search_rows(searchable, result, max_formulas=max_formulas if formulas else 0, max_hidden_rows=max_hidden_rows)
    if carry:
        _search_rows(carry, result, max_formulas=max_formulas, max_hidden_rows=max_hidden_rows)
    result.tail = b"".join(tail_parts)[:_TAIL_CAP]
    return result


def _end_of_sheet_data(data: bytes) -> int:
    """Offset of ``</sheetData>`` (or ``</x:sheetData>``) in ``data``, -1 when absent; a plain find
    first, since a regex over every ``</`` of a large sheet costs more than inflating it."""
    at = data.find(b"sheetData>")
    while at >= 0:
        start = data.rfind(b"</", max(0, at - 40), at)
        if start >= 0 and (start + 2 == at or (data[start + 2 : at - 1].isalnum() and data[at - 1 : at] == b":")):
            return start
        at = data.find(b"sheetData>", at + 1)
    return -1


def _row_boundary(data: bytes) -> int:
    """Where to cut a chunk so that no row (or, failing that, no element) is split: the search
    looks at ``data[:cut]`` now and carries the rest into the next chunk."""
    limit = len(data) - _OVERLAP
    if limit <= 0:
        return 0
    cut = max(data.rfind(b"<row", 0, limit), data.rfind(b":row ", 0, limit) - 1)
    if cut <= 0:
        cut = data.rfind(b"<", 0, limit)
    return max(cut, 0)


def _search_rows(data: bytes, result: _SheetPass, *, max_formulas: int, max_hidden_rows: int) -> None:
    if b'hidden="' in data and not result.rows_capped:
        for raw in _ROW_HIDDEN.findall(data):
            number = _ROW_NUMBER.search(raw)
            if number is not None:
                if len(result.hidden_rows) >= max_hidden_rows:
                    result.rows_capped = True
                    break
                result.hidden_rows.append(int(number.group(1)))
    if len(result.formulas) < max_formulas and (b"</f>" in data or b":f>" in data):
        for ref, formula in _FORMULA.findall(data):
            result.formulas.append((ref.decode(), _text(formula)))
            if len(result.formulas) >= max_formulas:
                break


def _tail_texts(sheet: str, tail: bytes, rels: dict[str, tuple[str, str, str]]) -> Iterator[OutsideText]:
    for element, raw in _HEADER_FOOTER.findall(tail):
        text = _HF_CODES.sub(" ", _text(raw)).strip()
        if text:
            label = re.sub(r"([a-z])([A-Z])", r"\1 \2", element.decode()).lower()
            yield OutsideText(f"sheet '{sheet}' {label}", text, Where.HEADER_FOOTER, sheet)
    for attrs_raw, body in _VALIDATION.findall(tail):
        attrs = _attrs(attrs_raw)
        if attrs.get("type") != "list":
            continue
        for formula in _FORMULA1.findall(body):
            text = _text(_TAGS.sub(b"", formula)).strip()
            if text:
                cells = attrs.get("sqref", "?")
                location = f"sheet '{sheet}' data validation list on {cells}"
                yield OutsideText(location, text, Where.DATA_VALIDATION, sheet)
    for raw in _HYPERLINK.findall(tail):
        attrs = _attrs(raw)
        ref = attrs.get("ref", "?")
        rel_id = next((value for key, value in attrs.items() if key == "id"), None)
        target = rels.get(rel_id, ("", "", ""))[1] if rel_id else ""
        for text in (target, attrs.get("location", ""), attrs.get("display", ""), attrs.get("tooltip", "")):
            if text:
                yield OutsideText(f"sheet '{sheet}' cell {ref} hyperlink", text, Where.HYPERLINK, sheet)


def _comment_texts(package: _Package, sheet: str, rels: dict[str, tuple[str, str, str]]) -> Iterator[OutsideText]:
    for rel_type, target, _mode in rels.values():
        if rel_type == "comments":
            yield from _legacy_comments(package, sheet, target)
        elif rel_type == "threadedComment":
            yield from _threaded_comments(package, sheet, target)


def _legacy_comments(package: _Package, sheet: str, part: str) -> Iterator[OutsideText]:
    root = package.xml(part)
    if root is None:
        return
    authors = [a.text or "" for a in root.iter(f"{{{_NS_MAIN}}}author")]
    for comment in root.iter(f"{{{_NS_MAIN}}}comment"):
        location = f"sheet '{sheet}' cell {comment.get('ref', '?')} comment"
        text = "".join(t.text or "" for t in comment.iter(f"{{{_NS_MAIN}}}t"))
        if text.strip():
            yield OutsideText(location, text, Where.COMMENT, sheet)
        author_id = comment.get("authorId", "")
        author = authors[int(author_id)] if author_id.isdigit() and int(author_id) < len(authors) else ""
        if author.strip():
            yield OutsideText(f"{location} author", author, Where.COMMENT, sheet)


def _threaded_comments(package: _Package, sheet: str, part: str) -> Iterator[OutsideText]:
    root = package.xml(part)
    if root is None:
        return
    persons = _persons(package)
    for comment in root.iter():
        if not comment.tag.endswith("}threadedComment"):
            continue
        location = f"sheet '{sheet}' cell {comment.get('ref', '?')} threaded comment"
        text = "".join(child.text or "" for child in comment if child.tag.endswith("}text"))
        if text.strip():
            yield OutsideText(location, text, Where.COMMENT, sheet)
        author = persons.get(comment.get("personId", ""), "")
        if author.strip():
            yield OutsideText(f"{location} author", author, Where.COMMENT, sheet)


def _persons(package: _Package) -> dict[str, str]:
    found: dict[str, str] = {}
    for name in package.names:
        if name.startswith("xl/persons/") and name.endswith(".xml"):
            root = package.xml(name)
            if root is None:
                continue
            for person in root.iter():
                if person.tag.endswith("}person"):
                    found[person.get("id", "")] = person.get("displayName", "")
    return found


_CORE_FIELDS = ("creator", "lastModifiedBy", "title", "subject", "keywords", "description", "category")
_APP_FIELDS = ("Company", "Manager")


def _property_texts(package: _Package) -> Iterator[OutsideText]:
    core = package.xml("docProps/core.xml")
    if core is not None:
        for element in core.iter():
            local = element.tag.rsplit("}", 1)[-1]
            if local in _CORE_FIELDS and (element.text or "").strip():
                yield OutsideText(f"document property '{local}'", element.text or "", Where.PROPERTY)
    app = package.xml("docProps/app.xml")
    if app is not None:
        for element in app.iter():
            local = element.tag.rsplit("}", 1)[-1]
            if local in _APP_FIELDS and (element.text or "").strip():
                yield OutsideText(f"document property '{local}'", element.text or "", Where.PROPERTY)
    custom = package.xml("docProps/custom.xml")
    if custom is not None:
        for prop in custom.iter():
            if prop.tag.rsplit("}", 1)[-1] != "property":
                continue
            name = prop.get("name", "?")
            value = "".join(child.text or "" for child in prop)
            if value.strip():
                yield OutsideText(f"custom document property '{name}'", value, Where.PROPERTY)


def _workbook_part(package: _Package) -> str:
    root = package.xml("_rels/.rels")
    if root is not None:
        for rel in root.iter(f"{{{_NS_PKG_REL}}}Relationship"):
            if rel.get("Type", "").endswith("/officeDocument"):
                return str(rel.get("Target", "xl/workbook.xml")).lstrip("/")
    return "xl/workbook.xml"


def read_outside_parts(
    path: str | Path,
    *,
    limits: Limits = DEFAULT_LIMITS,
    max_formulas: int = 500,
    max_hidden_rows: int = 10_000,
) -> OutsideParts:
    """Texts outside the grid and the hidden rows and columns of an xlsx/xlsm file.

    Raises InputError for a file that is not a readable, acceptable xlsx package.
    """
    path = Path(path)
    label = path.name
    with open_checked_zip(path, limits, label) as archive:
        package = _Package(archive, label, limits)
        workbook_part = _workbook_part(package)
        root = package.xml(workbook_part)
        if root is None:
            raise InputError(f"{label}: not an xlsx workbook (no {workbook_part})")
        book_rels = package.rels(workbook_part)
        texts: list[OutsideText] = []
        hidden_columns: dict[str, tuple[int, ...]] = {}
        hidden_rows: dict[str, tuple[int, ...]] = {}
        capped: set[str] = set()
        sheet_names: list[str] = []
        for sheet in root.iter(f"{{{_NS_MAIN}}}sheet"):
            name = sheet.get("name", "?")
            sheet_names.append(name)
            state = sheet.get("state", "visible")
            if state in ("hidden", "veryHidden"):
                texts.append(OutsideText(f"sheet '{name}' ({state})", "", Where.HIDDEN_SHEET, name))
            target = book_rels.get(sheet.get(f"{{{_NS_REL}}}id", ""), ("", "", ""))[1]
            if target not in package.names:
                continue
            rels = package.rels(target)
            found = _scan_sheet_part(package, target, max_formulas=max_formulas, max_hidden_rows=max_hidden_rows)
            if found.hidden_columns:
                hidden_columns[name] = tuple(sorted(set(found.hidden_columns)))
            if found.hidden_rows:
                hidden_rows[name] = tuple(found.hidden_rows)
            if found.rows_capped:
                capped.add(name)
            for ref, formula in found.formulas:
                texts.append(OutsideText(f"sheet '{name}' cell {ref} formula", formula, Where.FORMULA, name))
            texts.extend(_tail_texts(name, found.tail, rels))
            texts.extend(_comment_texts(package, name, rels))
        for defined in root.iter(f"{{{_NS_MAIN}}}definedName"):
            text = defined.text or ""
            if not text.strip():
                continue
            local = defined.get("localSheetId", "")
            scope = sheet_names[int(local)] if local.isdigit() and int(local) < len(sheet_names) else None
            hidden = " (hidden)" if defined.get("hidden") in ("1", "true") else ""
            location = f"defined name '{defined.get('name', '?')}'{hidden}"
            texts.append(OutsideText(location, text, Where.DEFINED_NAME, scope))
        texts.extend(_property_texts(package))
    return OutsideParts(tuple(texts), hidden_columns, hidden_rows, frozenset(capped))
