"""A seeded, structure-aware mutation fuzzer for the readers and the export.

Mutant ``i`` of a run with seed ``s`` is a pure function of ``(s, i)``: any mutant can be rebuilt and
replayed from its number. Workbook mutations work on the package's structure: zip entries (dropped,
renamed with ``\\``, duplicated, stored, raw bytes of the deflate stream corrupted, the archive cut),
XML parts (bytes flipped, spans cut or repeated, the declared codec changed and the part re-encoded,
DOCTYPEs added, tags renamed), shared strings (texts replaced by hostile ones, ``_xD800_`` escapes,
references past the table) and cells (references, types, styles, values). CSV mutations change
bytes, quotes, line ends, byte-order marks, codecs and delimiters.

``check_mutant`` runs what a user would: open, scan, every row of every sheet, and (optionally) a
full export. It returns ``"ok"`` or ``"refused"``; anything else escapes as an exception, which is
an internal error (the CLI would print exit 1). Used by tests/test_fuzz.py (a bounded budget in
the default suite) and bench/soak_fuzz.py (the long soak, with a watchdog per mutant).
"""

from __future__ import annotations

import codecs
import io
import random
import re
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path

from masking.detect import scan_workbook
from masking.errors import ExportGuardError
from masking.io.reader import open_workbook
from masking.keys import KeyRing
from masking.pipeline import ExportRequest, prepare_export, run_export
from masking.workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "resources" / "samples"

HOSTILE_TEXTS = (
    "_xD800_", "_xDFFF_x", "_x0000_", "_xD83D__xDE00_", "&#0;", "&#xD800;", "&#x110000;", "&bogus;", "&amp",
    "A" * 40_000, "=cmd|' /C calc'!A0", "＝1+1", "@SUM(1)", "\u202e反转", "😀𠀋", "\x01\x02", "13912345678",
    "110105194912310021", "6222021234567890123", "0101234567890123456789", "张三", " ", "", "<![CDATA[x<y]]>",
    "1e999", "-0", "２０２４年３月", "\ufeff", "\r\n", "a\rb",
)
HOSTILE_VALUES = ("", "1e999", "nan", "inf", "-", "1,5", "99999999999999999999", "-0", "0x10", "1e-400",
                  "2024-13-45T25:61", "45000.5", "-1", "2958466", "3.14.15", " 7 ", "1" * 400, "TRUE", "#N/A")
REFS = ("A0", "XFE1", "XFD1048576", "A1048577", "ZZZZ1", "", "1A", "A-1", "a1", "AAA99999999", "B2", "A1")
TYPES = ("s", "n", "b", "e", "str", "inlineStr", "d", "bogus", "")
CODECS = ("gb18030", "utf-16", "utf-16-be", "utf-32", "utf-32-le", "latin-1", "shift_jis", "rot13", "base64",
          "no-such", "utf-8", "ascii", "cp1252", "gbk")
CSV_CODECS = ("utf-8", "utf-8-sig", "gb18030", "cp1252", "utf-16", "utf-16-le", "utf-32", "utf-32-be", "latin-1")


SEED_ROWS = 30  # a mutant of a short file exercises the same structure, 10-30x faster


def seeds() -> list[tuple[str, bytes]]:
    """The bundled samples, the inputs users have (every xlsx and csv in resources/samples), cut to
    their first ``SEED_ROWS`` rows."""
    return [(path.name, _shorten(path.name, path.read_bytes())) for path in sorted(SAMPLES.iterdir())
            if path.suffix in (".xlsx", ".csv")]


def _shorten(name: str, data: bytes) -> bytes:
    if name.endswith(".csv"):
        return b"".join(data.splitlines(keepends=True)[:SEED_ROWS])
    late_row = re.compile(rb'<row r="(\d+)".*?</row>', re.DOTALL)
    entries = [(part, late_row.sub(lambda m: b"" if int(m.group(1)) > SEED_ROWS else m.group(0), body)
                if "worksheets/" in part else body) for part, body in _entries(data)]
    return _pack(entries, random.Random(0))


# ------------------------------------------------------------------------------------------ xlsx


def _entries(data: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [(info.filename, archive.read(info)) for info in archive.infolist()]


def _pack(entries: list[tuple[str, bytes]], rng: random.Random) -> bytes:
    buffer = io.BytesIO()
    stored = rng.random() < 0.05
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names are one of the mutations
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED) as archive:
            for name, body in entries:
                archive.writestr(name, body)
    return buffer.getvalue()


def _pick_part(entries: list[tuple[str, bytes]], rng: random.Random) -> int:
    weights = [8 if "sheet" in name else 6 if "sharedStrings" in name else 3 if name.endswith(".xml")
               else 2 if name.endswith(".rels") else 1 for name, _ in entries]
    return rng.choices(range(len(entries)), weights)[0]


def _sub_random(pattern: str, body: str, rng: random.Random, make: Callable[[re.Match[str]], str]) -> str:
    found = list(re.finditer(pattern, body, re.DOTALL))
    if not found:
        return body
    match = rng.choice(found)
    return body[: match.start()] + make(match) + body[match.end() :]


_DOCTYPE = '<!DOCTYPE x [<!ENTITY e "e">]>'
# Each: (pattern, replacement made from the match and the random source); one is applied per mutation.
_TEXT_MUTATIONS: tuple[tuple[str, Callable[[re.Match[str], random.Random], str]], ...] = (
    (r"<t(?:\s[^>]*)?>[^<]*</t>", lambda m, rng: f"<t>{rng.choice(HOSTILE_TEXTS)}</t>"),  # a string
    (r'\br="[A-Z]*\d*"', lambda m, rng: f'r="{rng.choice(REFS)}"'),  # a cell reference
    (r'\bt="[^"]*"', lambda m, rng: f't="{rng.choice(TYPES)}"'),  # a cell type
    (r'\bs="\d+"', lambda m, rng: f's="{rng.choice(("99999", "-1", "x", "0"))}"'),  # a style index
    (r"<v>[^<]*</v>", lambda m, rng: f"<v>{rng.choice(HOSTILE_VALUES)}</v>"),  # a value
    (r'<row r="\d+"', lambda m, rng: f'<row r="{rng.choice(("0", "1", "1048577", "x"))}"'),  # a row number
    (r"<(/?)(row|c|v|si|t|sheetData|sst|sheet)\b", lambda m, rng: f"<{m.group(1)}{m.group(2)[::-1]}"),  # a tag
    (r"^(?:<\?xml[^>]*\?>)?", lambda m, rng: m.group(0) + _DOCTYPE),  # a DOCTYPE
    (r"<si>", lambda m, rng: "<si><t>x</t></si><si>"),  # shared strings shift: references point elsewhere
)


def _xml_text_mutation(body: str, rng: random.Random) -> str:
    pattern, make = rng.choice(_TEXT_MUTATIONS)
    return _sub_random(pattern, body, rng, lambda match: make(match, rng))


def _xml_bytes_mutation(body: bytes, rng: random.Random) -> bytes:
    choice = rng.randrange(5)
    if not body:
        return body
    at = rng.randrange(len(body))
    if choice == 0:
        flipped = bytearray(body)
        for _ in range(rng.randint(1, 8)):
            flipped[rng.randrange(len(flipped))] = rng.randrange(256)
        return bytes(flipped)
    if choice == 1:
        return body[:at]
    if choice == 2:
        end = min(len(body), at + rng.randint(1, 200))
        return body[:at] + body[end:]
    if choice == 3:
        end = min(len(body), at + rng.randint(1, 200))
        return body[:end] + body[at:end] * rng.randint(1, 50) + body[end:]
    return body[:at] + rng.choice((b"\x00", b"\xff\xfe", b"\xe9", b"<", b"&", b"]]>", b"\xed\xa0\x80")) + body[at:]


def _recode(body: bytes, rng: random.Random) -> bytes:
    """Declare another codec, and (when it is a text codec) really write the part in it."""
    codec = rng.choice(CODECS)
    text = body.decode("utf-8", "replace")
    text = re.sub(r"^\ufeff?\s*<\?xml[^>]*\?>", "", text)
    declared = f'<?xml version="1.0" encoding="{codec}" standalone="yes"?>' + text
    if rng.random() < 0.3:
        return declared.encode("utf-8")  # declaration and bytes disagree
    try:
        return declared.encode(codec, "replace")
    except (LookupError, TypeError, UnicodeError):
        return declared.encode("utf-8")


def mutate_xlsx(data: bytes, rng: random.Random) -> bytes:
    entries = _entries(data)
    for _ in range(rng.randint(1, 3)):
        if not entries:
            break
        index = _pick_part(entries, rng)
        name, body = entries[index]
        kind = rng.randrange(10)
        if kind <= 3:
            entries[index] = (name, _xml_text_mutation(body.decode("utf-8", "replace"), rng).encode("utf-8"))
        elif kind <= 5:
            entries[index] = (name, _xml_bytes_mutation(body, rng))
        elif kind == 6:
            entries[index] = (name, _recode(body, rng))
        elif kind == 7:
            del entries[index]
        elif kind == 8:
            entries[index] = (rng.choice((name.replace("/", "\\"), name.upper(), name + "x", "/" + name)), body)
        else:
            entries.append((name, body if rng.random() < 0.5 else body[: len(body) // 2]))
    packed = _pack(entries, rng)
    if rng.random() < 0.15:  # raw damage: the deflate streams, the directory, or the end cut off
        damaged = bytearray(packed)
        if rng.random() < 0.3:
            return bytes(damaged[: rng.randrange(len(damaged))])
        for _ in range(rng.randint(1, 16)):
            damaged[rng.randrange(len(damaged))] ^= 1 << rng.randrange(8)
        return bytes(damaged)
    return packed


# ------------------------------------------------------------------------------------------- csv


def mutate_csv(data: bytes, rng: random.Random) -> bytes:
    for _ in range(rng.randint(1, 3)):
        if not data:
            break
        at = rng.randrange(len(data))
        choice = rng.randrange(9)
        if choice == 0:
            flipped = bytearray(data)
            for _ in range(rng.randint(1, 8)):
                flipped[rng.randrange(len(flipped))] = rng.randrange(256)
            data = bytes(flipped)
        elif choice == 1:
            data = data[:at] + rng.choice((b'"', b'""', b'"\n', b"\x00", b"\r", b"\n\n", b",", b";", b"\t")) + data[at:]
        elif choice == 2:
            data = data.replace(b"\r\n", rng.choice((b"\r", b"\n", b"\n\r", b"\r\r\n")))
        elif choice == 3:
            marks = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE, b"")
            data = rng.choice(marks) + data
        elif choice == 4:
            text = data.decode("utf-8-sig", "replace") if rng.random() < 0.5 else data.decode("gb18030", "replace")
            data = text.encode(rng.choice(CSV_CODECS), "replace")
        elif choice == 5:
            data = data[:at]
        elif choice == 6:
            data = data[:at] + rng.choice(HOSTILE_TEXTS).encode("utf-8", "surrogatepass") + data[at:]
        elif choice == 7:
            data = data.replace(b",", rng.choice((b";", b"\t", b"|", b'","', b"")))
        else:
            end = min(len(data), at + rng.randint(1, 400))
            data = data[:end] + data[at:end] * rng.randint(1, 100) + data[end:]
    return data


# ---------------------------------------------------------------------------------------- running


def mutant(corpus: list[tuple[str, bytes]], seed: int, number: int) -> tuple[str, bytes]:
    """Mutant ``number`` of the run with ``seed``: ``(file name, bytes)``."""
    rng = random.Random(f"{seed}:{number}")
    name, data = corpus[number % len(corpus)]
    body = mutate_xlsx(data, rng) if name.endswith(".xlsx") else mutate_csv(data, rng)
    return name, body


def check_mutant(path: Path, home: Path, ring: KeyRing | None) -> str:
    """Open, scan and read every row of ``path``; with a ``ring``, export it too. ``"ok"`` or
    ``"refused"`` (an ``ExportGuardError``, which the CLI prints as one line); other exceptions escape."""
    try:
        with open_workbook(path) as workbook:
            report = scan_workbook(workbook, path=path)
            for sheet in workbook.sheets:
                for _ in workbook.rows(sheet.name):
                    pass
        if ring is None or not report.sheets:
            return "ok"
        out = path.with_name(path.stem + "_out" + (".csv" if path.suffix == ".csv" else ".xlsx"))
        request = ExportRequest(input=path, recipient="fuzz", purpose="fuzz", output=out, overwrite=True)
        prepared = prepare_export(request, home)
        if prepared.verdict.ok:
            run_export(prepared, ring, Workspace(home).ledger(ring), parallel=False)
    except ExportGuardError:
        return "refused"
    return "ok"
