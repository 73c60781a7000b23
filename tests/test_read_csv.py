"""The CSV reader: encodings as branch offices have them, delimiters, quoting, exact text."""

from __future__ import annotations

from pathlib import Path

import pytest

from masking.errors import InputError
from masking.io.csv_reader import detect_encoding, sniff_delimiter
from masking.io.reader import open_workbook

ROWS = [
    ["户号", "姓名", "手机", "地址"],
    ["3100012345", "张三", "13912345678", "北京市海淀区,中关村1号"],
    ["0031000123", "李四", "", '他说"你好"\n第二行'],
]


def write_csv(path: Path, text: str, encoding: str) -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def csv_text(rows: list[list[str]], delimiter: str = ",", newline: str = "\r\n") -> str:
    def quote(field: str) -> str:
        if any(char in field for char in (delimiter, '"', "\n", "\r")):
            return '"' + field.replace('"', '""') + '"'
        return field

    return "".join(delimiter.join(quote(field) for field in row) + newline for row in rows)


EXPECTED = [
    (1, ("户号", "姓名", "手机", "地址")),
    (2, ("3100012345", "张三", "13912345678", "北京市海淀区,中关村1号")),
    (3, ("0031000123", "李四", None, '他说"你好"\n第二行')),
]


@pytest.mark.parametrize(
    ("encoding", "detected"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("gb18030", "gb18030"),
        ("gbk", "gb18030"),
        ("utf-16", "utf-16"),
        ("utf-16-be", "utf-16"),
    ],
)
def test_encodings(tmp_path: Path, encoding: str, detected: str) -> None:
    text = csv_text(ROWS)
    data = text.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    path = tmp_path / "客户.csv"
    path.write_bytes(data)
    assert detect_encoding(data, at_eof=True).codec == detected
    with open_workbook(path) as wb:
        assert wb.format == "csv"
        assert [s.name for s in wb.sheets] == ["客户"]
        assert list(wb.rows("客户")) == EXPECTED
        table = wb.table("客户")
        assert table.header_row == 1
        assert table.headers == ("户号", "姓名", "手机", "地址")
        assert list(wb.data_rows("客户")) == EXPECTED[1:]
        assert wb.count_rows("客户") == 2


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiters_are_sniffed(tmp_path: Path, delimiter: str) -> None:
    rows = [["name", "phone", "note"], ["Wang, Wei", "139", "a;b|c"], ["Li", "137", "x\ty"]]
    path = write_csv(tmp_path / "d.csv", csv_text(rows, delimiter, "\n"), "utf-8")
    with open_workbook(path) as wb:
        assert [values for _, values in wb.rows("d")] == [tuple(row) for row in rows]


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["a,b,c\n", "1,2,3\n"], ","),
        (["a;b;c\n", "1,5;2,5;3\n", "4,5;5;6\n"], ";"),  # decimal commas do not fool it
        (["title only\n", "a\tb\n", "1\t2\n"], "\t"),
        (["one column\n", "x\n"], ","),
        (['"a,b";c\n', '"d,e";f\n'], ";"),  # quotes honoured
        (["a|b|c\n", "1|2|3\n"], "|"),
    ],
)
def test_sniff_delimiter_table(lines: list[str], expected: str) -> None:
    assert sniff_delimiter(lines) == expected


def test_exact_text_and_empty_fields(tmp_path: Path) -> None:
    text = "a,b,c,d\n  padded ,,007,\r\n,,,\n\n1.50,=1+1,x\r\n"
    path = write_csv(tmp_path / "t.csv", text, "utf-8")
    with open_workbook(path) as wb:
        assert list(wb.rows("t")) == [
            (1, ("a", "b", "c", "d")),
            (2, ("  padded ", None, "007")),
            (5, ("1.50", "=1+1", "x")),
        ]
        assert list(wb.data_rows("t")) == [(2, ("  padded ", None, "007", None)), (5, ("1.50", "=1+1", "x", None))]
        assert wb.count_rows("t") == 2


def test_title_line_above_header(tmp_path: Path) -> None:
    text = "XX供电公司2024年居民客户明细表\n\n姓名,手机,金额\n张三,13912345678,12.5\n李四,13812345678,3\n"
    path = write_csv(tmp_path / "title.csv", text, "gb18030")
    with open_workbook(path) as wb:
        table = wb.table("title")
        assert (table.header_row, table.first_data_row, table.headers) == (3, 4, ("姓名", "手机", "金额"))
        assert [values for _, values in wb.data_rows("title")] == [
            ("张三", "13912345678", "12.5"),
            ("李四", "13812345678", "3"),
        ]
        assert wb.count_rows("title") == 2


def test_ascii_sample_then_gb18030_switches_cleanly(tmp_path: Path) -> None:
    ascii_part = "id,name\n" + "".join(f"{n},name{n}\n" for n in range(200_000))  # > 1 MiB sample
    assert len(ascii_part) > 1 << 20
    path = tmp_path / "late.csv"
    path.write_bytes(ascii_part.encode() + "9,王五\n".encode("gb18030"))
    with open_workbook(path) as wb:
        rows = list(wb.rows("late"))
    assert rows[-1] == (200_002, ("9", "王五"))
    assert len(rows) == 200_002


def test_bad_byte_after_utf8_text_names_offset_and_line(tmp_path: Path) -> None:
    good = "姓名,手机\n" + "".join(f"张{n},139{n:08d}\n" for n in range(100_000))
    path = tmp_path / "bad.csv"
    data = good.encode() + b"\xff\xfe oops\n"
    path.write_bytes(data)
    with open_workbook(path) as wb, pytest.raises(InputError) as caught:
        list(wb.rows("bad"))
    message = str(caught.value)
    assert f"at byte {len(good.encode())}" in message
    assert "line 100002" in message
    assert "bad.csv: not valid utf-8" in message


def test_unclosed_quote_is_refused_not_swallowed(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "q.csv", 'a,b\n"open,1\n' + "x,y\n" * 40_000, "utf-8")
    with open_workbook(path) as wb, pytest.raises(InputError, match=r"q\.csv: line \d+: field larger"):
        list(wb.rows("q"))
