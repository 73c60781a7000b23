"""The writers: only the written values go out, formulas stay inert, long numbers stay exact."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl.comments import Comment
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import NamedStyle
from openpyxl.workbook.defined_name import DefinedName

from masking.errors import OutputError
from masking.io import xlsx_writer
from masking.io.cells import XlsxCell, csv_field, format_float, is_formula_like, xlsx_cell, xlsx_text
from masking.io.csv_writer import CsvWriter, csv_sheet_path
from masking.io.model import Damaged, Value
from masking.io.writer import open_writer
from masking.io.xlsx_writer import XlsxWriter, header_footer_code, sheet_name

FORMULA_LIKE = ['=HYPERLINK("http://x","y")', "+cmd", "-1+1", "@SUM(A1)", "\t=1", "\r=1", "=1+1",
                "＝HYPERLINK(\"http://x\",\"y\")", "﹦1+1"]  # full-width equals signs, as an IME types them
PLAIN_NUMBERS = ["-12.5", "+3", "-1e5", "12"]
ALLOWED_PARTS = {
    "[Content_Types].xml",
    "_rels/.rels",
    "docProps/app.xml",
    "docProps/core.xml",
    "docProps/custom.xml",
    "xl/workbook.xml",
    "xl/_rels/workbook.xml.rels",
    "xl/styles.xml",
    "xl/theme/theme1.xml",
    "xl/sharedStrings.xml",
}


def write_xlsx(path: Path, rows: Sequence[Sequence[Value]], headers: Sequence[str | None] | None = None) -> Path:
    with open_writer(path, "xlsx") as book:
        book.add_sheet("数据", headers).write_rows(rows)
    return path


def write_csv(path: Path, rows: Sequence[Sequence[Value]], **options: object) -> bytes:
    with open_writer(path, "csv", **options) as book:  # type: ignore[arg-type]
        book.add_sheet("数据", None).write_rows(rows)
    return path.read_bytes()


def zip_texts(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name).decode("utf-8") for name in archive.namelist()}


def read_back(path: Path) -> list[tuple[object, ...]]:
    workbook = openpyxl.load_workbook(path)
    try:
        return [tuple(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
    finally:
        workbook.close()


# --- nothing of the input comes along -------------------------------------------------------------

MARKERS = [f"PLANTED{i:02d}" for i in range(12)]


def planted_source(path: Path) -> None:
    """A workbook hiding markers everywhere a careless copy would carry them."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "客户"
    ws.append(["姓名", "手机"])
    ws.append(["张三", "13912345678"])
    ws.append(["李四", "13800001111"])
    ws["A2"].comment = Comment(f"comment {MARKERS[0]}", f"author {MARKERS[1]}")
    wb.properties.creator = MARKERS[2]
    wb.properties.title = MARKERS[3]
    wb.properties.keywords = MARKERS[4]
    wb.custom_doc_props.append(StringProperty(name=MARKERS[5], value=MARKERS[6]))
    wb.defined_names[MARKERS[7]] = DefinedName(MARKERS[7], attr_text="'客户'!$A$1")
    hidden = wb.create_sheet(MARKERS[8])
    hidden["A1"] = MARKERS[9]
    hidden.sheet_state = "hidden"
    style = NamedStyle(name=MARKERS[10])
    wb.add_named_style(style)
    ws["B2"].style = MARKERS[10]
    ws.oddHeader.center.text = MARKERS[11]
    wb.save(path)


def test_output_is_rebuilt_from_values_only(tmp_path: Path) -> None:
    source = tmp_path / "source.xlsx"
    planted_source(source)
    planted = "".join(zip_texts(source).values())
    assert [m for m in MARKERS if m not in planted] == []

    workbook = openpyxl.load_workbook(source)
    sheet = workbook["客户"]
    values = [tuple(row) for row in sheet.iter_rows(values_only=True)]
    workbook.close()

    out = tmp_path / "out.xlsx"
    with open_writer(out, "xlsx", protect=[source]) as book:
        book.add_sheet("客户", [str(h) for h in values[0]]).write_rows(values[1:])

    parts = zip_texts(out)
    worksheets = {n for n in parts if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)}
    assert worksheets == {"xl/worksheets/sheet1.xml"}
    assert set(parts) - worksheets <= ALLOWED_PARTS
    everything = "".join(parts.values())
    for value in ("姓名", "张三", "13912345678", "李四", "13800001111"):
        assert value in everything
    raw = out.read_bytes()
    for marker in MARKERS:
        assert marker not in everything
        assert marker.encode() not in raw
    assert "<definedName" not in everything
    assert "hidden" not in parts["xl/workbook.xml"]
    assert "comments" not in everything
    assert "<f>" not in everything and "<f " not in everything
    assert "<dc:creator></dc:creator>" in parts["docProps/core.xml"]
    assert "<cp:lastModifiedBy></cp:lastModifiedBy>" in parts["docProps/core.xml"]
    assert "<Company></Company>" in parts["docProps/app.xml"]


def test_properties_set_on_purpose_are_the_only_metadata(tmp_path: Path) -> None:
    out = tmp_path / "out.xlsx"
    with open_writer(out, "xlsx") as book:
        book.add_sheet("S", None, header="导出 A&B 给 银行", footer="AT&G").write_rows([("x",)])
        book.set_custom_properties({"export_id": "E-1", "rows": 1, "canary": True, "at": dt.datetime(2024, 5, 6)})
        book.set_core_properties(title="客户清单", subject="外发")
    parts = zip_texts(out)
    custom = parts["docProps/custom.xml"]
    assert 'name="export_id"><vt:lpwstr>E-1<' in custom
    assert 'name="rows"><vt:i4>1<' in custom
    assert 'name="canary"><vt:bool>true<' in custom
    assert "<vt:filetime>2024-05-06T00:00:00Z<" in custom
    assert "<dc:title>客户清单</dc:title>" in parts["docProps/core.xml"]
    sheet = parts["xl/worksheets/sheet1.xml"]
    assert "<oddHeader>&amp;C导出 A&amp;&amp;B 给 银行</oddHeader>" in sheet
    assert "<oddFooter>&amp;CAT&amp;&amp;G</oddFooter>" in sheet


def test_property_and_header_limits_raise(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="255"):
        header_footer_code("水" * 254)
    assert header_footer_code("a&b") == "&Ca&&b"
    with XlsxWriter(tmp_path / "t.xlsx") as book:
        with pytest.raises(ValueError, match="255"):
            book.add_sheet("S", None, footer="&" * 127)
        with pytest.raises(ValueError, match="255"):
            book.set_custom_properties({"k": "x" * 256})
        with pytest.raises(ValueError, match="32 bits"):
            book.set_custom_properties({"k": 2**40})
        with pytest.raises(ValueError, match="cannot store"):
            book.set_core_properties(title="a\x00b")


def test_header_row_is_bold_and_frozen(tmp_path: Path) -> None:
    out = write_xlsx(tmp_path / "h.xlsx", [("a", 1)], headers=["名称", None])
    wb = openpyxl.load_workbook(out)
    ws = wb.worksheets[0]
    assert ws.freeze_panes == "A2"
    assert ws["A1"].font.b is True
    assert ws["B1"].value is None
    assert [c.value for c in ws[2]] == ["a", 1]
    wb.close()


# --- formula injection -----------------------------------------------------------------------------


@pytest.mark.parametrize("text", FORMULA_LIKE)
def test_formula_like_text_is_inert_in_xlsx(tmp_path: Path, text: str) -> None:
    out = write_xlsx(tmp_path / "f.xlsx", [(text, "ok")], headers=[text, "h"])
    sheet = zip_texts(out)["xl/worksheets/sheet1.xml"]
    assert "<f>" not in sheet and "<f " not in sheet
    wb = openpyxl.load_workbook(out)
    ws = wb.worksheets[0]
    for cell in (ws["A1"], ws["A2"]):
        assert cell.data_type == "s"
        # A raw CR would become LF in any XML parser, so CR goes out as Excel's own escape
        # _x000D_, which Excel decodes and openpyxl leaves as is.
        assert cell.value == text.replace("\r", "_x000D_")
        assert cell.quotePrefix is True
        assert cell.number_format == "@"
    assert ws["B2"].quotePrefix is False
    wb.close()


@pytest.mark.parametrize("text", FORMULA_LIKE)
def test_formula_like_text_is_inert_in_csv(tmp_path: Path, text: str) -> None:
    data = write_csv(tmp_path / "f.csv", [(text, "ok")])
    fields = next(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert fields == ["'" + text, "ok"]


@pytest.mark.parametrize("text", PLAIN_NUMBERS)
def test_plain_numbers_in_text_are_left_alone(tmp_path: Path, text: str) -> None:
    assert not is_formula_like(text)
    assert csv_field(text) == text
    out = write_xlsx(tmp_path / "n.xlsx", [(text,)])
    wb = openpyxl.load_workbook(out)
    cell = wb.worksheets[0]["A1"]
    assert (cell.value, cell.data_type, cell.quotePrefix) == (text, "s", False)
    wb.close()


@given(st.text(max_size=30))
def test_no_text_reaches_xlsx_as_formula_unprotected(text: str) -> None:
    kind, payload = xlsx_cell(text)
    if kind is XlsxCell.TEXT:
        assert isinstance(payload, str) and not is_formula_like(payload)
    assert not is_formula_like(csv_field(text))


# --- types -----------------------------------------------------------------------------------------


def test_long_digit_strings_and_numbers_come_back_exactly(tmp_path: Path) -> None:
    row: tuple[Value, ...] = (
        "13912345678",
        "1234567890123456789012",
        "11010519491231002X",
        "0012",
        Damaged("110105194912310000"),
        13912345678,
        999_999_999_999_999,
        10**15,
        -(10**21),
        12.5,
        1e16,
    )
    out = write_xlsx(tmp_path / "d.xlsx", [row])
    assert read_back(out) == [
        (
            "13912345678",
            "1234567890123456789012",
            "11010519491231002X",
            "0012",
            "110105194912310000",
            13912345678,
            999_999_999_999_999,
            "1000000000000000",
            "-1000000000000000000000",
            12.5,
            "10000000000000000",
        )
    ]
    wb = openpyxl.load_workbook(out)
    assert wb.worksheets[0]["A1"].number_format == "@"
    wb.close()


def test_dates_times_booleans(tmp_path: Path) -> None:
    moment = dt.datetime(2024, 2, 29, 13, 45, 7)
    aware = dt.datetime(2024, 1, 1, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    row: tuple[Value, ...] = (dt.date(2024, 1, 2), moment, dt.time(7, 30), True, False, dt.date(1850, 1, 1), aware)
    out = write_xlsx(tmp_path / "t.xlsx", [row])
    wb = openpyxl.load_workbook(out)
    cells = list(wb.worksheets[0][1])
    assert cells[0].value == dt.datetime(2024, 1, 2) and cells[0].number_format == "yyyy-mm-dd"
    assert cells[1].value == moment and cells[1].number_format == "yyyy-mm-dd hh:mm:ss"
    assert cells[2].value == dt.time(7, 30) and cells[2].number_format == "hh:mm:ss"
    assert [c.value for c in cells[3:]] == [True, False, "1850-01-01", "2024-01-01 08:00:00+08:00"]
    wb.close()
    assert [csv_field(v) for v in row] == [
        "2024-01-02",
        "2024-02-29 13:45:07",
        "07:30:00",
        "TRUE",
        "FALSE",
        "1850-01-01",
        "2024-01-01 08:00:00+08:00",
    ]


@pytest.mark.parametrize(
    ("number", "text"),
    [(0.1, "0.1"), (2.0, "2"), (-12.5, "-12.5"), (1e16, "10000000000000000"), (1.5e-7, "0.00000015"), (1e-12, "1e-12")],
)
def test_float_formatting(number: float, text: str) -> None:
    assert format_float(number) == text
    assert float(text) == number


def test_xml_illegal_characters_are_removed_and_long_text_is_cut(tmp_path: Path) -> None:
    out = tmp_path / "c.xlsx"
    with open_writer(out, "xlsx") as book:
        sink = book.add_sheet("S", None)
        sink.write_rows([("a\x00b\x1fc\td", "x" * 40_000, "\x0b")])
    assert (sink.rows_written, sink.truncated_cells) == (1, 1)
    ((first, second),) = read_back(out)  # the third cell held nothing XML can carry: blank
    assert first == "abc\td"
    assert isinstance(second, str) and len(second) == 32_767


def test_rows_beyond_excel_limit_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx_writer, "MAX_ROWS", 3)
    out = tmp_path / "big.xlsx"
    with pytest.raises(OutputError, match="more rows"), open_writer(out, "xlsx") as book:
        book.add_sheet("S", ["h"]).write_rows([("a",), ("b",), ("c",)])
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("wanted", "taken", "expected"),
    [
        ("客户:数据[1]/*?", (), "客户_数据_1____"),
        ("x" * 40, (), "x" * 31),
        ("Sheet", ("sheet",), "Sheet (2)"),
        ("y" * 40, ("y" * 31,), "y" * 27 + " (2)"),
        ("'quoted'", (), "quoted"),
        ("", (), "Sheet"),
        ("History", (), "History_"),
    ],
)
def test_sheet_names_follow_excel_rules(wanted: str, taken: tuple[str, ...], expected: str) -> None:
    assert sheet_name(wanted, taken) == expected


def test_multiple_sheets_get_unique_names(tmp_path: Path) -> None:
    out = tmp_path / "m.xlsx"
    with open_writer(out, "xlsx") as book:
        for _ in range(3):
            book.add_sheet("数据", None).write_rows([(1,)])
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["数据", "数据 (2)", "数据 (3)"]
    wb.close()


# --- csv -------------------------------------------------------------------------------------------


def test_csv_utf8_has_bom_crlf_and_minimal_quoting(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "a.csv", [("张三", "a,b", 'say "hi"', "two\nlines", 13912345678, 1.5, None)])
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.endswith(b"\r\n")
    text = data[3:].decode("utf-8")
    assert text == '张三,"a,b","say ""hi""","two\nlines",13912345678,1.5,\r\n'


def test_csv_gb18030_roundtrips_chinese_and_delimiter(tmp_path: Path) -> None:
    rows = [("国家电网", "𠀋", "户号;1"), ("李四", "€", "x")]
    data = write_csv(tmp_path / "g.csv", rows, csv_encoding="gb18030", csv_delimiter=";")
    assert not data.startswith(b"\xef\xbb\xbf")
    back = list(csv.reader(io.StringIO(data.decode("gb18030"), newline=""), delimiter=";"))
    assert back == [list(r) for r in rows]


@given(
    st.lists(
        st.lists(st.one_of(st.none(), st.text(), st.integers(), st.booleans()), min_size=1, max_size=4), max_size=4
    )
)
def test_csv_field_text_roundtrips_through_a_csv_reader(rows: list[list[Value]]) -> None:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows([[csv_field(v) for v in row] for row in rows])
    back = list(csv.reader(io.StringIO(buffer.getvalue(), newline="")))
    assert back == [[csv_field(v) for v in row] for row in rows]


def test_csv_holds_one_sheet_unless_per_sheet(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="one sheet"), open_writer(tmp_path / "one.csv", "csv") as book:
        book.add_sheet("a", None)
        book.add_sheet("b", None)
    assert list(tmp_path.iterdir()) == []

    target = tmp_path / "客户.csv"
    with open_writer(target, "csv", csv_per_sheet=True) as book:
        book.add_sheet("数据", ["h"]).write_rows([("1",)])
        book.add_sheet("a/b", None).write_rows([("2",)])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["客户_a_b.csv", "客户_数据.csv"]
    assert (tmp_path / "客户_数据.csv").read_bytes() == b"\xef\xbb\xbfh\r\n1\r\n"


def test_csv_sheet_path_names() -> None:
    target = Path("/o/out.csv")
    assert csv_sheet_path(target, "表1") == Path("/o/out_表1.csv")
    assert csv_sheet_path(target, 'a<b>:"|?*') == Path("/o/out_a_b______.csv")
    assert csv_sheet_path(target, "x", [Path("/o/OUT_x.csv")]) == Path("/o/out_x_2.csv")
    assert csv_sheet_path(target, " . ") == Path("/o/out_sheet.csv")


def test_csv_writer_rejects_unknown_encoding(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="encoding"):
        CsvWriter(tmp_path / "x.csv", "latin-1")  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


def test_empty_csv_output_is_still_a_file(tmp_path: Path) -> None:
    with open_writer(tmp_path / "e.csv", "csv"):
        pass
    assert (tmp_path / "e.csv").read_bytes() == b""


def _header_codes(code: str) -> tuple[list[str], str]:
    """Excel's reading of a header/footer code: the control codes it holds, and the text it shows."""
    codes, shown, i = [], [], 0
    while i < len(code):
        if code[i] == "&" and i + 1 < len(code):
            if code[i + 1] == "&":
                shown.append("&")
            else:
                codes.append(code[i + 1])
            i += 2
            continue
        shown.append(code[i])
        i += 1
    return codes, "".join(shown)


@given(st.text(max_size=300))
def test_recipient_text_cannot_change_the_page_header(recipient: str) -> None:
    import datetime as dt_

    from masking.watermark.visible import visible_mark

    mark = visible_mark("EX-20261206-0A1B2C3D", recipient, "p", dt_.datetime(2026, 12, 6, tzinfo=dt_.UTC), b"k" * 32)
    for text in (mark.header, mark.footer):
        codes, shown = _header_codes(header_footer_code(text))  # within Excel's 255 characters, whatever the name
        assert codes == ["C"]  # centred, and nothing else: no font, colour, page field or section switch
        assert shown == xlsx_text(text)
    assert _header_codes(header_footer_code('A&P&"Arial,Bold"&20&K00FF00&R&&'))[0] == ["C"]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_reserved_rows_are_filled_in_their_places(tmp_path: Path, fmt: str) -> None:
    from masking.io.reader import open_workbook

    out = tmp_path / f"reserved.{fmt}"
    with open_writer(out, fmt) as book:  # type: ignore[arg-type]
        sink = book.add_sheet("S", ["a", "b"])
        assert sink.write_rows([None, (1, "x"), (2, "y"), None, (3, "z,q"), None]) == 3
        with pytest.raises(ValueError, match="3 row"):
            sink.fill_reserved([("c1", 10)])
        assert sink.fill_reserved([("c1", 10), ("清单\n二", 20), (None, "=1+1")]) == 3
        assert sink.rows_written == 6
    with open_workbook(out) as workbook:
        rows = [values for _, values in workbook.rows(workbook.sheets[0].name)]
    shown = [tuple(str(v) for v in row) for row in rows]
    assert shown == [("a", "b"), ("c1", "10"), ("1", "x"), ("2", "y"), ("清单\n二", "20"), ("3", "z,q"),
                     ("None", "'=1+1" if fmt == "csv" else "=1+1")]
    if fmt == "xlsx":
        with zipfile.ZipFile(out) as archive:
            assert b'<dimension ref="A1:B7"/>' in archive.read("xl/worksheets/sheet1.xml")


def test_a_reserved_row_never_filled_leaves_no_output(tmp_path: Path) -> None:
    out = tmp_path / "unfilled.xlsx"
    with pytest.raises(ValueError, match="never filled"), open_writer(out, "xlsx") as book:
        book.add_sheet("S", None).write_rows([(1,), None])
    assert list(tmp_path.iterdir()) == []
