"""Our SpreadsheetML writer: every part well-formed, every cell type read back by openpyxl,
python-calamine and (when installed) LibreOffice."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
from defusedxml import ElementTree
from python_calamine import CalamineWorkbook

from masking.errors import Cancelled
from masking.io.model import Value
from masking.io.writer import open_writer
from masking.io.xlsx_writer import XlsxWriter

CREATED = dt.datetime(2024, 3, 4, 5, 6, 7)
HEADERS = [
    "文本",
    "公式样",
    "转义",
    "整数",
    "小数",
    "极小",
    "真",
    "假",
    "日期",
    "时刻",
    "时间",
    "最早",
    "闰年前",
    "闰年后",
    None,
    "生僻字",
    "长数",
    "非数",
]
ROW: tuple[Value, ...] = (
    "国家电网 客户",
    "=HYPERLINK(1)",
    "a&b<c>d_x0041_e\nf",
    13912345678,
    -3.25,
    1.5e-7,
    True,
    False,
    dt.date(2024, 1, 2),
    dt.datetime(2024, 2, 29, 13, 45, 7, 123000),
    dt.time(7, 30, 1),
    dt.date(1900, 1, 1),
    dt.date(1900, 2, 28),
    dt.date(1900, 3, 1),
    None,
    "𠀋中",
    10**16,
    float("nan"),
)
EXPECTED: list[object] = [
    "国家电网 客户",
    "=HYPERLINK(1)",
    "a&b<c>d_x0041_e\nf",
    13912345678,
    -3.25,
    1.5e-7,
    True,
    False,
    dt.date(2024, 1, 2),
    dt.datetime(2024, 2, 29, 13, 45, 7, 123000),
    dt.time(7, 30, 1),
    dt.date(1900, 1, 1),
    dt.date(1900, 2, 28),
    dt.date(1900, 3, 1),
    None,
    "𠀋中",
    "10000000000000000",
    "nan",
]


@pytest.fixture
def book_path(tmp_path: Path) -> Path:
    path = tmp_path / "all.xlsx"
    with XlsxWriter(path, created=CREATED) as book:
        sink = book.add_sheet(
            "客户&<明细>", HEADERS, header='导出 "A"&<B>', footer="第1页", column_widths=[20, None, 0.5]
        )
        sink.write_rows([ROW, ROW])
        book.add_sheet("空", None)
        book.set_custom_properties({"export_id": "E&1<2>", "rows": -7, "canary": False, "at": dt.datetime(2024, 5, 6)})
        book.set_core_properties(title="客户 & 清单", subject="外发", keywords="k", comments="c<1>")
    return path


def as_date(value: object) -> object:
    """openpyxl reads a date cell as a datetime at midnight."""
    if isinstance(value, dt.datetime) and value.time() == dt.time() and not isinstance(value, bool):
        return value.date()
    return value


def test_every_part_is_well_formed_and_in_the_usual_order(book_path: Path) -> None:
    with zipfile.ZipFile(book_path) as archive:
        names = archive.namelist()
        assert names[0] == "[Content_Types].xml"  # what file-type sniffers look for first
        assert set(names) == {
            "[Content_Types].xml",
            "_rels/.rels",
            "docProps/app.xml",
            "docProps/core.xml",
            "docProps/custom.xml",
            "xl/workbook.xml",
            "xl/_rels/workbook.xml.rels",
            "xl/styles.xml",
            "xl/worksheets/sheet1.xml",
            "xl/worksheets/sheet2.xml",
        }
        for info in archive.infolist():
            assert info.compress_type == zipfile.ZIP_DEFLATED
            assert info.date_time == (1980, 1, 1, 0, 0, 0)
            ElementTree.fromstring(archive.read(info))  # raises on malformed XML
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert '<dimension ref="A1:R3"/>' in sheet
    assert "<f>" not in sheet
    assert sheet.index("<pageMargins") < sheet.index("<headerFooter>")
    assert '<oddHeader>&amp;C导出 "A"&amp;&amp;&lt;B&gt;</oddHeader>' in sheet
    assert "d_x005F_x0041_e" in sheet
    assert not list(book_path.parent.glob(".~exportguard-*"))


def test_openpyxl_reads_every_cell_type(book_path: Path) -> None:
    wb = openpyxl.load_workbook(book_path)
    try:
        assert wb.sheetnames == ["客户&<明细>", "空"]
        ws = wb.worksheets[0]
        assert [c.value for c in ws[1]] == HEADERS
        assert all(c.font.b for c in ws[1] if c.value is not None)
        # openpyxl does not decode Excel's _xHHHH_ escapes (Excel and calamine do)
        expected = [v.replace("_x0041_", "_x005F_x0041_") if isinstance(v, str) else v for v in EXPECTED]
        for row in (2, 3):
            assert [as_date(c.value) for c in ws[row]] == expected
        cells = ws[2]
        assert [c.number_format for c in cells[8:11]] == ["yyyy-mm-dd", "yyyy-mm-dd hh:mm:ss", "hh:mm:ss"]
        assert cells[0].number_format == "@" and not cells[0].quotePrefix
        assert cells[1].number_format == "@" and cells[1].quotePrefix and cells[1].data_type == "s"
        assert [cells[i].data_type for i in (3, 6)] == ["n", "b"]
        assert ws.freeze_panes == "A2"
        assert wb.worksheets[1].freeze_panes is None
        assert ws.column_dimensions["A"].width == pytest.approx(20.7109375)
        assert ws.oddHeader.center.text == '导出 "A"&&<B>'
        assert ws.oddFooter.center.text == "第1页"
        props = {p.name: p.value for p in wb.custom_doc_props.props}
        assert props == {"export_id": "E&1<2>", "rows": -7, "canary": False, "at": dt.datetime(2024, 5, 6)}
        core = wb.properties
        assert (core.title, core.subject, core.keywords, core.description) == ("客户 & 清单", "外发", "k", "c<1>")
        assert core.creator in (None, "") and core.lastModifiedBy in (None, "")
        assert core.created == CREATED and core.modified == CREATED
    finally:
        wb.close()


def test_calamine_reads_every_cell_type(book_path: Path) -> None:
    wb = CalamineWorkbook.from_path(str(book_path))
    try:
        assert wb.sheet_names == ["客户&<明细>", "空"]
        rows = wb.get_sheet_by_index(0).to_python()
        expected = [float(v) if type(v) is int else ("" if v is None else v) for v in EXPECTED]
        assert rows[0] == ["" if h is None else h for h in HEADERS]
        assert rows[1] == expected and rows[2] == expected
    finally:
        wb.close()


def test_text_is_cut_at_excel_limit_in_utf16_units(tmp_path: Path) -> None:
    out = tmp_path / "cut.xlsx"
    with open_writer(out, "xlsx") as book:
        sink = book.add_sheet("S", None)
        sink.write_rows([("𠀋" * 20_000, "a" * 32_767, "&" * 40_000)])
    assert sink.truncated_cells == 2
    wb = openpyxl.load_workbook(out)
    first, second, third = (c.value for c in wb.worksheets[0][1])
    wb.close()
    assert first == "𠀋" * 16_383  # 32,766 UTF-16 units: the next pair would not fit
    assert second == "a" * 32_767
    assert third == "&" * 32_767


def test_rows_before_a_failure_are_kept_and_numbering_continues(tmp_path: Path) -> None:
    def failing() -> object:
        yield ("a",)
        raise Cancelled("stop")

    out = tmp_path / "f.xlsx"
    with XlsxWriter(out) as book:
        sink = book.add_sheet("S", ["h"])
        with pytest.raises(Cancelled):
            sink.write_rows(failing())  # type: ignore[arg-type]
        sink.write_rows([("b",), (None,), ("c",)])
    assert sink.rows_written == 4
    wb = openpyxl.load_workbook(out)
    assert [tuple(r) for r in wb.worksheets[0].iter_rows(values_only=True)] == [("h",), ("a",), ("b",), (None,), ("c",)]
    wb.close()


def test_empty_workbook_gets_one_sheet(tmp_path: Path) -> None:
    out = tmp_path / "e.xlsx"
    with XlsxWriter(out):
        pass
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Sheet1"]
    wb.close()


def test_closed_writer_refuses_more(tmp_path: Path) -> None:
    book = XlsxWriter(tmp_path / "c.xlsx")
    book.close()
    with pytest.raises(ValueError, match="closed"):
        book.add_sheet("S", None)
    book.abort()  # harmless after close
    assert [p.name for p in tmp_path.iterdir()] == ["c.xlsx"]


SOFFICE = shutil.which("soffice")


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed")
def test_libreoffice_converts_it(book_path: Path, tmp_path: Path) -> None:
    outdir = tmp_path / "lo"
    subprocess.run(
        [
            str(SOFFICE),
            "--headless",
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76,1",
            "--outdir",
            str(outdir),
            str(book_path),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    with (outdir / "all.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["" if h is None else h for h in HEADERS]
    assert rows[1][:4] == ["国家电网 客户", "=HYPERLINK(1)", "a&b<c>d_x0041_e\nf", "13912345678"]
    assert rows[1][6:9] == ["TRUE", "FALSE", "2024-01-02"]
    assert rows[1][9:11] == ["2024-02-29 13:45:07", "07:30:01"]
    # Serials 1-59 are Excel's (1 = 1900-01-01, as xlsxwriter and openpyxl write them); LibreOffice
    # does not copy Excel's phantom 1900-02-29 and shows them a day early. From 1900-03-01 all agree.
    assert rows[1][11:14] == ["1899-12-31", "1900-02-27", "1900-03-01"]
    assert rows[1][15:] == ["𠀋中", "10000000000000000", "nan"]
