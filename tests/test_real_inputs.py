"""Inputs as other programs write them: legacy code pages, wide encodings without a mark, CR-only line
ends, zip parts named with backslashes, XML parts in other codecs, corrupt deflate data, Excel escapes
of lone surrogates. Each is read correctly or refused with one InputError line."""

from __future__ import annotations

import codecs
import zipfile
from pathlib import Path

import pytest
from test_hostile import MAIN_NS, SHEET_PART, workbook_parts, write_zip

from masking.errors import InputError, UsageError
from masking.io.reader import open_workbook

WESTERN = "nom,ville,montant\r\npremière,Zürich,12\r\nDéjà,Besançon,3\r\n"
CHINESE = "姓名,手机,地址\r\n张三,13912345678,北京市海淀区\r\n李四,13812345678,上海市浦东新区\r\n"


def rows_of(path: Path, encoding: str | None = None) -> list[tuple[object, ...]]:
    with open_workbook(path, encoding=encoding) as workbook:
        return [values for _, values in workbook.rows(workbook.sheets[0].name)]


@pytest.mark.parametrize(
    ("text", "written_as", "mark", "codec", "evidence"),
    [
        (WESTERN, "cp1252", b"", "cp1252", "not UTF-8 or Chinese"),
        (WESTERN, "latin-1", b"", "cp1252", "not UTF-8 or Chinese"),
        (CHINESE, "gb18030", b"", "gb18030", "GB2312 characters"),
        (CHINESE, "gbk", b"", "gb18030", "GB2312 characters"),
        (CHINESE, "utf-8", b"", "utf-8", "valid UTF-8"),
        (CHINESE, "utf-16-le", b"", "utf-16-le", "zero-byte pattern"),
        (WESTERN, "utf-16-be", b"", "utf-16-be", "zero-byte pattern"),
        (CHINESE, "utf-32-le", codecs.BOM_UTF32_LE, "utf-32", "byte-order mark"),
        (WESTERN, "utf-32-be", b"", "utf-32-be", "zero-byte pattern"),
    ],
    ids=["cp1252", "latin-1", "gb18030", "gbk", "utf-8", "utf-16le-no-bom", "utf-16be-no-bom", "utf-32-bom",
         "utf-32be-no-bom"],
)
def test_encoding_is_decided_on_evidence_and_reported(  # noqa: PLR0917 - one row of the table above
    tmp_path: Path, text: str, written_as: str, mark: bytes, codec: str, evidence: str
) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(mark + text.encode(written_as))
    with open_workbook(path) as workbook:
        assert workbook.encoding is not None
        assert (workbook.encoding.codec, workbook.encoding.evidence) == (codec, evidence)
    assert rows_of(path) == [tuple(line.split(",")) for line in text.strip().split("\r\n")]


def test_windows_1252_is_not_read_as_gb18030(tmp_path: Path) -> None:
    """The issue's case: ``premi\\xe8re`` is valid GB18030 (``premi鑢e``) but is French."""
    path = tmp_path / "w.csv"
    path.write_bytes("a,b\r\npremière,1\r\n".encode("cp1252"))
    assert rows_of(path)[1] == ("première", "1")


def test_input_encoding_overrides_detection(tmp_path: Path) -> None:
    path = tmp_path / "o.csv"
    path.write_bytes("名前,住所\r\n東京,大阪\r\n".encode("shift_jis"))
    assert rows_of(path, "shift_jis") == [("名前", "住所"), ("東京", "大阪")]
    with pytest.raises(UsageError, match="unknown input encoding"):
        rows_of(path, "klingon")
    with pytest.raises(UsageError, match="not a text encoding"):
        rows_of(path, "rot13")
    path.write_bytes("a,b\r\nprem\xe8re,1\r\n".encode("latin-1"))
    with pytest.raises(InputError, match="--input-encoding"):
        rows_of(path, "utf-8")


@pytest.mark.parametrize("newline", ["\r", "\n", "\r\n"], ids=["cr", "lf", "crlf"])
def test_line_ends_including_cr_only(tmp_path: Path, newline: str) -> None:
    path = tmp_path / "mac.csv"
    text = newline.join(["a,b", '"x\ny",1', "z,2"]) + newline
    path.write_bytes(text.encode())
    assert rows_of(path) == [("a", "b"), ("x\ny", "1"), ("z", "2")]


def test_cr_only_across_chunk_boundary(tmp_path: Path) -> None:
    """A CRLF split between two 1 MiB chunks is one line end, not two."""
    line = "1234567,abcdefgh\r\n"
    count = (1 << 20) // len(line) + 50
    path = tmp_path / "big.csv"
    path.write_bytes(("a,b\r\n" + line * count).encode())
    with open_workbook(path) as workbook:
        assert workbook.count_rows("big") == count


def test_ascii_start_then_windows_1252_late(tmp_path: Path) -> None:
    head = "id,name\n" + "".join(f"{n},name{n}\n" for n in range(120_000))
    path = tmp_path / "late.csv"
    path.write_bytes(head.encode() + "9,Müller\n".encode("cp1252"))
    assert rows_of(path)[-1] == ("9", "Müller")


def test_zip_parts_named_with_backslashes(tmp_path: Path) -> None:
    path = tmp_path / "win.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in workbook_parts().items():
            archive.writestr(name.replace("/", "\\"), data)
    assert rows_of(path) == [("姓名", 13912345678)]
    from masking.io.xlsx_parts import read_outside_parts

    assert read_outside_parts(path).texts == ()


@pytest.mark.parametrize("codec", ["gb18030", "utf-16", "utf-16-be", "utf-32", "iso-8859-1"])
def test_xml_parts_in_other_codecs_are_read(tmp_path: Path, codec: str) -> None:
    parts = workbook_parts()
    for name in ("xl/sharedStrings.xml", "xl/workbook.xml", SHEET_PART):
        text = str(parts[name])
        if codec == "iso-8859-1":
            text = text.replace("姓名", "Prénom")
        declared = f'<?xml version="1.0" encoding="{codec}"?>{text}'
        data = declared.encode(codec)
        if codec == "utf-16-be":  # no byte-order mark: the pattern of "<?" tells
            assert not data.startswith(codecs.BOM_UTF16_BE)
        parts[name] = data
    path = write_zip(tmp_path / f"{codec}.xlsx", parts)
    expected = "Prénom" if codec == "iso-8859-1" else "姓名"
    assert rows_of(path) == [(expected, 13912345678)]


@pytest.mark.parametrize("codec", ["rot13", "base64", "no-such-codec"])
def test_nonsense_xml_codecs_are_refused(tmp_path: Path, codec: str) -> None:
    parts = workbook_parts()
    parts["xl/sharedStrings.xml"] = (f'<?xml version="1.0" encoding="{codec}"?>'
                                     f'<sst xmlns="{MAIN_NS}"><si><t>x</t></si></sst>')
    path = write_zip(tmp_path / "n.xlsx", parts)
    with pytest.raises(InputError, match="encoding"):
        rows_of(path)


def test_corrupt_deflate_data_is_an_input_error(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "z.xlsx", workbook_parts())
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(SHEET_PART)
    start = info.header_offset + 30 + len(info.filename.encode())
    for offset in range(start, start + info.compress_size):
        data[offset] ^= 0x55
    path.write_bytes(bytes(data))
    with pytest.raises(InputError, match="corrupt or truncated workbook"):
        rows_of(path)


def test_lone_surrogate_escape_stays_text(tmp_path: Path) -> None:
    parts = workbook_parts()
    parts["xl/sharedStrings.xml"] = (f'<sst xmlns="{MAIN_NS}"><si><t>a_xD800_b</t></si>'
                                     "<si><t>_xD83D__xDE00_</t></si></sst>")
    parts[SHEET_PART] = (f'<worksheet xmlns="{MAIN_NS}"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c>'
                         '<c r="B1" t="s"><v>1</v></c></row></sheetData></worksheet>')
    path = write_zip(tmp_path / "s.xlsx", parts)
    assert rows_of(path) == [("a_xD800_b", "😀")]
