"""Hostile and broken inputs: each is refused with one clear InputError line, fast, in little memory,
and the input file is left exactly as it was."""

from __future__ import annotations

import hashlib
import os
import struct
import time
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from masking.errors import InputError
from masking.io import xlsx_reader
from masking.io.limits import DEFAULT_LIMITS, MIB, Limits
from masking.io.reader import open_workbook

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
SHEET_PART = "xl/worksheets/sheet1.xml"

BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">'
    '<!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>'
)
EXTERNAL_ENTITY = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def workbook_parts(sheet: str | None = None) -> dict[str, str | bytes]:
    """The parts of a minimal valid workbook with one sheet; tests replace or add parts."""
    rows = '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1"><v>13912345678</v></c></row>'
    return {
        "[Content_Types].xml": '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>',
        "_rels/.rels": f'<Relationships xmlns="{PKG_REL_NS}"><Relationship Id="r1" Type="{REL_NS}/officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><sheets>'
        '<sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{PKG_REL_NS}">'
        f'<Relationship Id="rId1" Type="{REL_NS}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{REL_NS}/sharedStrings" Target="sharedStrings.xml"/>'
        f'<Relationship Id="rId3" Type="{REL_NS}/styles" Target="styles.xml"/></Relationships>',
        SHEET_PART: sheet or f'<worksheet xmlns="{MAIN_NS}"><sheetData>{rows}</sheetData></worksheet>',
        "xl/sharedStrings.xml": f'<sst xmlns="{MAIN_NS}"><si><t>姓名</t></si></sst>',
        "xl/styles.xml": f'<styleSheet xmlns="{MAIN_NS}"><cellXfs><xf numFmtId="0"/></cellXfs></styleSheet>',
    }


def write_zip(path: Path, parts: dict[str, str | bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


def digest(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


def refused(path: Path, match: str, limits: Limits = DEFAULT_LIMITS, *, read_all: bool = True) -> str:
    """Open and read every sheet; assert InputError matching ``match``, fast, small, input unchanged."""
    before = digest(path)
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(InputError, match=match) as caught, open_workbook(path, limits) as wb:
            for sheet in wb.sheets if read_all else ():
                for _ in wb.rows(sheet.name):
                    pass
    finally:
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    message = str(caught.value)
    assert elapsed < 5.0
    assert peak < 32 * MIB
    assert digest(path) == before
    assert "\n" not in message and "Traceback" not in message
    assert message.startswith(f"{path.name}: ")
    assert caught.value.exit_code == 3
    return message


def test_the_baseline_workbook_is_fine(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "ok.xlsx", workbook_parts())
    with open_workbook(path) as wb:
        assert list(wb.rows("S")) == [(1, ("姓名", 13912345678))]


# ------------------------------------------------------------------------------- not a workbook


def test_missing_file(tmp_path: Path) -> None:
    refused(tmp_path / "nope.xlsx", r"nope\.xlsx: no such file")


def test_directory(tmp_path: Path) -> None:
    folder = tmp_path / "folder.xlsx"
    folder.mkdir()
    refused(folder, "is a folder")


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "locked.xlsx", workbook_parts())
    path.chmod(0)
    try:
        refused(path, "cannot read the file")
    finally:
        path.chmod(0o600)


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    refused(path, "the file is empty")


@pytest.mark.parametrize("name", ["input.xlsx", "photo.csv", "notes.doc"])
def test_png_is_not_a_spreadsheet(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    refused(path, r"not a spreadsheet \(expected \.xlsx, \.xlsm or \.csv\)")


def test_docx_is_not_a_spreadsheet(tmp_path: Path) -> None:
    path = write_zip(
        tmp_path / "letter.xlsx",
        {
            "[Content_Types].xml": '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Override PartName="/word/document.xml" ContentType='
            '"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
            "_rels/.rels": f'<Relationships xmlns="{PKG_REL_NS}"><Relationship Id="r1" '
            f'Type="{REL_NS}/officeDocument" Target="word/document.xml"/></Relationships>',
            "word/document.xml": "<w:document/>",
        },
    )
    refused(path, "not a spreadsheet")


def test_truncated_workbook(tmp_path: Path) -> None:
    whole = write_zip(tmp_path / "whole.xlsx", workbook_parts())
    path = tmp_path / "half.xlsx"
    path.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    refused(path, "corrupt or truncated")


def test_file_over_the_size_limit(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "big.xlsx", workbook_parts())
    refused(path, r"refused: the file is .* \(limit 1 KiB\)", Limits(max_file_bytes=1024))


@pytest.mark.parametrize(
    ("name", "magic"),
    [("locked.xlsx", "D0CF11E0A1B11AE1"), ("old.xls", "D0CF11E0A1B11AE1")],
)
def test_ole_files_password_or_legacy(tmp_path: Path, name: str, magic: str) -> None:
    """An OLE file is read as a legacy workbook (tests/test_legacy_formats.py); one that is not, such as
    an xlsx saved with a password, is refused with advice."""
    path = tmp_path / name
    path.write_bytes(bytes.fromhex(magic) + b"\x00" * 4096 + "EncryptionInfo".encode("utf-16-le"))
    refused(path, r"password-protected or unreadable \.xls workbook: remove the password / save as \.xlsx")


def test_broken_xlsb_and_ods_are_refused(tmp_path: Path) -> None:
    xlsb = write_zip(tmp_path / "b.xlsb", {"xl/workbook.bin": b"\x00"})
    refused(xlsb, r"corrupt or unreadable xlsb workbook")
    renamed = write_zip(
        tmp_path / "b.xlsx",
        {
            "_rels/.rels": f'<Relationships xmlns="{PKG_REL_NS}"><Relationship Id="r1" '
            f'Type="{REL_NS}/officeDocument" Target="xl/workbook.bin"/></Relationships>',
            "xl/workbook.bin": b"\x00",
        },
    )
    refused(renamed, r"corrupt or unreadable xlsb workbook")
    ods = write_zip(tmp_path / "c.ods", {"mimetype": "application/vnd.oasis.opendocument.spreadsheet"})
    refused(ods, r"corrupt or unreadable ods workbook")


# ------------------------------------------------------------------------------------ zip bombs


def _bomb(path: Path, inflated: int) -> Path:
    parts = workbook_parts()
    del parts[SHEET_PART]
    write_zip(path, parts)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive, archive.open(SHEET_PART, "w") as member:
        member.write(b"<worksheet><sheetData>")
        zeros = b"0" * MIB
        for _ in range(inflated // MIB):
            member.write(zeros)
    return path


def test_zip_bomb_is_refused_from_the_directory(tmp_path: Path) -> None:
    path = _bomb(tmp_path / "bomb.xlsx", 48 * MIB)
    message = refused(path, r"refused: xl/worksheets/sheet1\.xml is compressed \d+:1 \(limit 200:1\)")
    assert "zip bomb" in message


def _patch_declared_size(path: Path, member: str, size: int) -> None:
    """Rewrite the central directory's uncompressed size of ``member`` (declared sizes can lie)."""
    data = bytearray(path.read_bytes())
    name = member.encode()
    at = data.find(b"PK\x01\x02" + b"", 0)
    while at >= 0:
        name_length = struct.unpack_from("<H", data, at + 28)[0]
        if bytes(data[at + 46 : at + 46 + name_length]) == name:
            struct.pack_into("<I", data, at + 24, size)
            path.write_bytes(bytes(data))
            return
        at = data.find(b"PK\x01\x02", at + 4)
    raise AssertionError(member)


def test_member_that_inflates_past_its_declared_size(tmp_path: Path) -> None:
    rows = "".join(f'<row r="{n}"><c r="A{n}"><v>{n * 7919}</v></c></row>' for n in range(1, 20_000))
    sheet = f'<worksheet xmlns="{MAIN_NS}"><sheetData>{rows}</sheetData></worksheet>'
    path = write_zip(tmp_path / "liar.xlsx", workbook_parts(sheet))
    _patch_declared_size(path, SHEET_PART, 4096)
    refused(path, "corrupt or truncated|inflates past its declared size")


def test_declared_total_over_the_limit(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "huge.xlsx", workbook_parts())
    _patch_declared_size(path, SHEET_PART, 3 * 1024 * MIB)
    limits = Limits(max_uncompressed_bytes=2 * 1024 * MIB, max_compression_ratio=1e12)
    refused(path, r"refused: xl/worksheets/sheet1\.xml would expand to 3\.0 GiB \(limit 2 GiB\)", limits)


def test_too_many_members(tmp_path: Path) -> None:
    parts = workbook_parts()
    parts.update({f"junk/{n}.bin": b"x" for n in range(60)})
    path = write_zip(tmp_path / "many.xlsx", parts)
    refused(path, r"refused: 67 zip members \(limit 50\)", Limits(max_zip_members=50))


# --------------------------------------------------------------------------------- XML attacks

XML_ATTACKS: list[tuple[str, str, Callable[[], str]]] = [
    (
        "billion laughs in workbook",
        "xl/workbook.xml",
        lambda: BILLION_LAUGHS + f'<workbook xmlns="{MAIN_NS}">&lol9;</workbook>',
    ),
    (
        "external entity in styles",
        "xl/styles.xml",
        lambda: EXTERNAL_ENTITY + f'<styleSheet xmlns="{MAIN_NS}">&xxe;</styleSheet>',
    ),
    (
        "external entity in rels",
        "xl/_rels/workbook.xml.rels",
        lambda: EXTERNAL_ENTITY + "<Relationships>&xxe;</Relationships>",
    ),
    (
        "billion laughs in sheet",
        SHEET_PART,
        lambda: (
            BILLION_LAUGHS + f'<worksheet xmlns="{MAIN_NS}"><sheetData><row r="1"><c r="A1" t="str"><v>&lol9;</v></c>'
            "</row></sheetData></worksheet>"
        ),
    ),
    (
        "external entity in sheet",
        SHEET_PART,
        lambda: (
            EXTERNAL_ENTITY + f'<worksheet xmlns="{MAIN_NS}"><sheetData><row r="1"><c r="A1" t="inlineStr">'
            "<is><t>&xxe;</t></is></c></row></sheetData></worksheet>"
        ),
    ),
    (
        "external entity in shared strings",
        "xl/sharedStrings.xml",
        lambda: EXTERNAL_ENTITY + f'<sst xmlns="{MAIN_NS}"><si><t>&xxe;</t></si></sst>',
    ),
    (
        "undefined entity in sheet",
        SHEET_PART,
        lambda: (
            f'<worksheet xmlns="{MAIN_NS}"><sheetData><row r="1"><c r="A1" t="str"><v>&nbsp;</v></c>'
            "</row></sheetData></worksheet>"
        ),
    ),
]


@pytest.mark.parametrize(("part", "payload"), [case[1:] for case in XML_ATTACKS], ids=[case[0] for case in XML_ATTACKS])
def test_xml_attacks_are_refused(tmp_path: Path, part: str, payload: Callable[[], str]) -> None:
    parts = workbook_parts()
    parts[part] = payload()
    path = write_zip(tmp_path / "attack.xlsx", parts)
    message = refused(path, "DOCTYPE or ENTITY|undefined entity")
    assert "root:" not in message and "lol" not in message


# ------------------------------------------------------------------------------- size of things


def test_row_without_end_is_refused(tmp_path: Path) -> None:
    sheet = f'<worksheet xmlns="{MAIN_NS}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>{"x" * 300_000}'
    path = write_zip(tmp_path / "endless.xlsx", workbook_parts(sheet))
    refused(path, r"a <row> element is longer than 100000 characters", Limits(max_row_chars=100_000))


def test_too_many_columns(tmp_path: Path) -> None:
    sheet = f'<worksheet xmlns="{MAIN_NS}"><sheetData><row r="1"><c r="XFE1"><v>1</v></c></row></sheetData></worksheet>'
    path = write_zip(tmp_path / "wide.xlsx", workbook_parts(sheet))
    refused(path, r"more than 16384 columns")


def test_bad_shared_string_index(tmp_path: Path) -> None:
    cell = '<c r="A1" t="s"><v>7</v></c>'
    sheet = f'<worksheet xmlns="{MAIN_NS}"><sheetData><row r="1">{cell}</row></sheetData></worksheet>'
    path = write_zip(tmp_path / "sst.xlsx", workbook_parts(sheet))
    refused(path, r"shared string 7 does not exist")


def test_binary_garbage_named_csv(tmp_path: Path) -> None:
    path = tmp_path / "garbage.csv"
    path.write_bytes(b"a,b\n\x00\x01\x02\x03" * 100)
    refused(path, "not a spreadsheet")


def test_doctype_split_across_chunks_is_still_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx_reader, "CHUNK_BYTES", 7)  # cut the part into tiny pieces
    sheet = EXTERNAL_ENTITY + f'<worksheet xmlns="{MAIN_NS}"><sheetData><row r="1"><c r="A1" t="inlineStr">'
    sheet += "<is><t>&xxe;</t></is></c></row></sheetData></worksheet>"
    for pad in range(7):
        path = write_zip(tmp_path / f"split{pad}.xlsx", workbook_parts(" " * pad + sheet))
        refused(path, "DOCTYPE or ENTITY")


def test_broken_deflate_data_is_a_clear_input_error(tmp_path: Path) -> None:
    """Damaged compressed bytes inside a part (the zip directory intact) are InputError, not a traceback."""
    source = Path(__file__).resolve().parent.parent / "resources" / "samples" / "customers_zh.xlsx"
    data = bytearray(source.read_bytes())
    with zipfile.ZipFile(source) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for i in range(start + 50, start + 150):
        data[i] ^= 0x5A
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(bytes(data))
    with pytest.raises(InputError, match="corrupt or truncated workbook"), open_workbook(broken) as workbook:
        for sheet in workbook.sheets:
            list(workbook.rows(sheet.name))
