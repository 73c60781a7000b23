"""The xlsx reader: typed cells, odd but valid SpreadsheetML, streaming, and the header on top."""

from __future__ import annotations

import datetime as dt
import time
import tracemalloc
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from masking.io import xlsx_reader
from masking.io.model import Damaged, Visibility
from masking.io.reader import open_workbook
from masking.io.xlsx_values import is_date_format, number_value, serial_to_value

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"


def handmade_xlsx(
    path: Path,
    sheets: list[tuple[str, str, str]],
    *,
    shared: str | None = None,
    styles: str | None = None,
    workbook_pr: str = "",
    absolute_targets: bool = False,
) -> Path:
    """A minimal xlsx written by hand: ``sheets`` are (name, sheet XML, state) in workbook order.

    Sheet parts get unusual names (``xl/worksheets/data_<n>.xml``) so the reader must follow rels.
    """
    prefix = "/xl/" if absolute_targets else ""
    rels = [
        f'<Relationship Id="rId{n + 1}" Type="{REL_NS}/worksheet" Target="{prefix}worksheets/data_{n}.xml"/>'
        for n in range(len(sheets))
    ]
    if shared is not None:
        rels.append(f'<Relationship Id="rSst" Type="{REL_NS}/sharedStrings" Target="{prefix}strings.xml"/>')
    if styles is not None:
        rels.append(f'<Relationship Id="rSty" Type="{REL_NS}/styles" Target="{prefix}styles.xml"/>')
    sheet_nodes = "".join(
        f'<sheet name="{name}" sheetId="{n + 1}" r:id="rId{n + 1}"' + (f' state="{state}"' if state else "") + "/>"
        for n, (name, _, state) in enumerate(sheets)
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>',
        )
        archive.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{PKG_REL_NS}"><Relationship Id="r1" '
            f'Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        archive.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">{workbook_pr}<sheets>{sheet_nodes}</sheets></workbook>',
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels", f'<Relationships xmlns="{PKG_REL_NS}">{"".join(rels)}</Relationships>'
        )
        for n, (_, xml, _) in enumerate(sheets):
            archive.writestr(f"xl/worksheets/data_{n}.xml", xml)
        if shared is not None:
            archive.writestr("xl/strings.xml", shared)
        if styles is not None:
            archive.writestr("xl/styles.xml", styles)
    return path


def sheet_xml(rows: str, prefix: str = "") -> str:
    p = f"{prefix}:" if prefix else ""
    xmlns = f'xmlns:{prefix}="{MAIN_NS}"' if prefix else f'xmlns="{MAIN_NS}"'
    declaration = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    return f"{declaration}<{p}worksheet {xmlns}><{p}sheetData>{rows}</{p}sheetData></{p}worksheet>"


def read_all(path: Path, sheet: str) -> list[tuple[int, tuple[object, ...]]]:
    with open_workbook(path) as wb:
        return list(wb.rows(sheet))


# ------------------------------------------------------------------------- workbooks from writers


@pytest.fixture
def xlsxwriter_book(tmp_path: Path) -> Path:
    path = tmp_path / "客户明细.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("明细")
    title = book.add_format({"bold": True})
    cjk_date = book.add_format({"num_format": 'yyyy"年"m"月"d"日"'})
    stamp = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    clock = book.add_format({"num_format": "h:mm"})
    builtin_cjk = book.add_format({"num_format": 31})  # built-in 31: yyyy"年"m"月"d"日"
    sheet.merge_range("A1:F1", "XX供电公司2024年居民客户明细表", title)
    sheet.write_row(2, 0, ["户号", "姓名", "手机", "身份证", "开户日期", "金额"])
    sheet.write_number(3, 0, 3100012345)
    sheet.write_string(3, 1, "张三")
    sheet.write_number(3, 2, 13912345678)
    sheet.write_number(3, 3, 110105194912310020)
    sheet.write_datetime(3, 4, dt.datetime(2024, 3, 1), cjk_date)
    sheet.write_number(3, 5, 123.45)
    sheet.write_number(4, 0, 3100012346)
    sheet.write_string(4, 1, "李四")
    sheet.write_string(4, 2, "13812345678")
    sheet.write_string(4, 3, "11010519491231002X")
    sheet.write_datetime(4, 4, dt.datetime(2024, 3, 2, 8, 30), stamp)
    sheet.write_formula(4, 5, "=F4*2", None, 246.9)
    sheet.write_datetime(5, 0, dt.datetime(1900, 1, 1, 9, 15), clock)
    sheet.write_datetime(5, 1, dt.datetime(2023, 12, 31), builtin_cjk)
    sheet.write_boolean(5, 2, True)
    sheet.write_formula(5, 3, '="ab"&"c"', None, "abc")
    sheet.write_formula(5, 4, "=1/0", None, "#DIV/0!")
    hidden = book.add_worksheet("隐藏")
    hidden.hide()
    hidden.write(0, 0, "secret")
    very = book.add_worksheet("very")
    very.very_hidden()
    book.close()
    return path


def test_sheets_come_in_workbook_order_with_visibility(xlsxwriter_book: Path) -> None:
    with open_workbook(xlsxwriter_book) as wb:
        assert wb.format == "xlsx"
        assert [(s.name, s.index, s.visibility) for s in wb.sheets] == [
            ("明细", 0, Visibility.VISIBLE),
            ("隐藏", 1, Visibility.HIDDEN),
            ("very", 2, Visibility.VERY_HIDDEN),
        ]
        assert list(wb.rows("隐藏")) == [(1, ("secret",))]
        assert list(wb.rows("very")) == []


def test_typed_values_from_xlsxwriter(xlsxwriter_book: Path) -> None:
    rows = dict(read_all(xlsxwriter_book, "明细"))
    assert rows[1] == ("XX供电公司2024年居民客户明细表",)
    assert 2 not in rows  # blank rows are skipped
    assert rows[3] == ("户号", "姓名", "手机", "身份证", "开户日期", "金额")
    account, name, phone, id_number, opened, amount = rows[4]
    assert (account, name, phone, opened, amount) == (3100012345, "张三", 13912345678, dt.date(2024, 3, 1), 123.45)
    assert type(phone) is int and str(phone) == "13912345678"
    assert isinstance(id_number, Damaged) and id_number == "110105194912310000"
    assert rows[5] == (3100012346, "李四", "13812345678", "11010519491231002X", dt.datetime(2024, 3, 2, 8, 30), 246.9)
    assert rows[6] == (dt.time(9, 15), dt.date(2023, 12, 31), True, "abc", "#DIV/0!")


def test_openpyxl_workbook_with_chartsheet_and_header(tmp_path: Path) -> None:
    path = tmp_path / "op.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Customers"
    sheet["A1"] = "Branch office customer list"
    sheet.merge_cells("A1:D1")
    sheet["A2"] = "Unit: CNY"
    sheet.append([])
    sheet.append(["Name", "Mobile", "Meter", "Balance"])
    sheet.append(["Wang Wei", 13912345678, "0101234567890123456789", 12.5])
    sheet.append(["Li Na", 13700000000, "0101234567890123456790", -3])
    book.create_chartsheet("Chart")
    secret = book.create_sheet("Secret")
    secret.sheet_state = "veryHidden"
    secret["B2"] = "x"
    book.save(path)
    with open_workbook(path) as wb:
        assert [s.name for s in wb.sheets] == ["Customers", "Secret"]  # the chart sheet holds no cells
        table = wb.table("Customers")
        assert (table.header_row, table.first_data_row) == (4, 5)
        assert table.headers == ("Name", "Mobile", "Meter", "Balance")
        assert list(wb.data_rows("Customers")) == [
            (5, ("Wang Wei", 13912345678, "0101234567890123456789", 12.5)),
            (6, ("Li Na", 13700000000, "0101234567890123456790", -3)),
        ]
        assert wb.count_rows("Customers") == 2
        assert list(wb.rows("Secret")) == [(2, (None, "x"))]


# --------------------------------------------------------------------------------- handmade XML

SHARED = (
    f'<sst xmlns="{MAIN_NS}" count="6" uniqueCount="6">'
    "<si><t>姓名</t></si>"
    '<si><t xml:space="preserve">  padded  </t></si>'
    '<si><r><rPr><b/></rPr><t>张</t></r><r><t xml:space="preserve">三 </t></r>'
    '<rPh sb="0" eb="1"><t>ちょう</t></rPh><phoneticPr fontId="1"/></si>'
    "<si><t>a &amp; b &lt;c&gt; &#x4E2D;&#25991; &quot;q&quot; &apos;</t></si>"
    "<si><t>line1_x000D_\nline2 _x005F_x0041_</t></si>"
    "<si><t/></si>"
    "</sst>"
)


def test_handmade_cells_in_every_shape(tmp_path: Path) -> None:
    rows = (
        '<row r="1" spans="1:5"><c r="A1" t="s"><v>0</v></c><c t="s" r="C1" s="0"><v>1</v></c>'
        '<c r="E1" t="s"><v>2</v></c></row>'
        '<row r="2"><c r="A2" t="inlineStr"><is><t>inline &amp; text</t></is></c>'
        '<c r="B2" t="inlineStr"><is><r><t>rich</t></r><r><rPr><i/></rPr><t xml:space="preserve"> run</t></r></is></c>'
        '<c r=\'C2\' t=\'n\'><v>1.3912345678E10</v></c><c r="D2" s="0" cm="1" vm="2" t="b"><v>0</v></c>'
        '<c r="E2" t="e"><v>#N/A</v></c></row>'
        '<row r="4"><c r="B4"/><c r="C4" t="s"><v>3</v></c><c r="D4" t="s"><v>4</v></c>'
        '<c r="E4" t="s"><v>5</v></c></row>'
        '<row r="5"><c r="A5" t="d"><v>2024-02-29</v></c><c r="B5" t="d"><v>2024-02-29T13:45:00</v></c>'
        '<c r="C5"><f>SUM(A1:A3)</f><v>6</v></c><c r="D5" t="str"><f>A1&amp;"x"</f><v>x&lt;y</v></c>'
        '<c r="E5"><v>-0.25</v></c></row>'
        '<row r="6"/>'
        '<row><c><v>1</v></c><c><v>2</v></c><c r="E7"><v>5</v></c><c><v>6</v></c></row>'
    )
    path = handmade_xlsx(tmp_path / "hand.xlsx", [("S", sheet_xml(rows), "")], shared=SHARED)
    assert read_all(path, "S") == [
        (1, ("姓名", None, "  padded  ", None, "张三 ")),
        (2, ("inline & text", "rich run", 13912345678, False, "#N/A")),
        (4, (None, None, 'a & b <c> 中文 "q" \'', "line1\r\nline2 _x0041_")),
        (5, (dt.date(2024, 2, 29), dt.datetime(2024, 2, 29, 13, 45), 6, "x<y", -0.25)),
        (7, (1, 2, None, None, 5, 6)),
    ]


def test_namespace_prefixes_absolute_targets_and_1904(tmp_path: Path) -> None:
    styles = (
        f'<styleSheet xmlns="{MAIN_NS}"><numFmts count="1">'
        '<numFmt numFmtId="170" formatCode="[$-804]yyyy/m/d;@"/></numFmts>'
        '<cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="170"/><xf numFmtId="4"/></cellXfs></styleSheet>'
    )
    rows = (
        '<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>日期</x:t></x:is></x:c>'
        '<x:c r="B1" t="inlineStr"><x:is><x:t>金额</x:t></x:is></x:c></x:row>'
        '<x:row r="2"><x:c r="A2" s="1"><x:v>0</x:v></x:c><x:c r="B2" s="2"><x:v>1234.5</x:v></x:c></x:row>'
        '<x:row r="3"><x:c r="A3" s="1"><x:v>43830.5</x:v></x:c><x:c r="B3" s="2"><x:v>2</x:v></x:c></x:row>'
    )
    path = handmade_xlsx(
        tmp_path / "prefixed.xlsx",
        [("P", sheet_xml(rows, prefix="x"), "")],
        styles=styles,
        workbook_pr='<workbookPr date1904="1"/>',
        absolute_targets=True,
    )
    with open_workbook(path) as wb:
        assert list(wb.rows("P")) == [
            (1, ("日期", "金额")),
            (2, (dt.date(1904, 1, 1), 1234.5)),
            (3, (dt.datetime(2024, 1, 1, 12, 0), 2)),
        ]
        assert wb.table("P").headers == ("日期", "金额")
        assert wb.count_rows("P") == 2


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13912345678", 13912345678),
        ("1.3912345678E10", 13912345678),
        ("1.3912345678E+10", 13912345678),
        ("-42", -42),
        ("0", 0),
        ("-0", 0),
        ("12.5", 12.5),
        ("1E-3", 0.001),
        ("999999999999999", 999999999999999),
        ("110105194912310020", Damaged("110105194912310000")),
        ("1.1010519491231002E+17", Damaged("110105194912310000")),
        ("1234567890123456789012", Damaged("1234567890123460000000")),
        ("-1000000000000000", Damaged("-1000000000000000")),
    ],
)
def test_number_cells_keep_exact_digits(raw: str, expected: object) -> None:
    value = number_value(raw)
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize(
    ("raw", "date1904", "expected"),
    [
        ("1", False, dt.date(1900, 1, 1)),
        ("59", False, dt.date(1900, 2, 28)),
        ("60", False, 60),  # 1900-02-29 never existed
        ("61", False, dt.date(1900, 3, 1)),
        ("45352", False, dt.date(2024, 3, 1)),
        ("45352.75", False, dt.datetime(2024, 3, 1, 18, 0)),
        ("0.5", False, dt.time(12, 0)),
        ("0.41666666666666669", False, dt.time(10, 0)),
        ("0.99999999999", False, dt.date(1900, 1, 1)),
        ("0", True, dt.date(1904, 1, 1)),
        ("43830", True, dt.date(2024, 1, 1)),
        ("-1", False, -1),
    ],
)
def test_date_serials(raw: str, date1904: bool, expected: object) -> None:
    assert serial_to_value(raw, date1904) == expected


@pytest.mark.parametrize(
    ("code", "is_date"),
    [
        ('yyyy"年"m"月"d"日"', True),
        ("[$-804]yyyy/m/d;@", True),
        ("[DBNum1][$-804]yyyy年m月d日", True),
        ("[h]:mm:ss", True),
        ("h:mm AM/PM", True),
        ("mm:ss.0", True),
        ("General", False),
        ("0.00", False),
        ('#,##0.00 "元"', False),
        ("0.00E+00", False),
        ('0 "days"', False),
        ("[Red]#,##0;[Blue]-#,##0", False),
        ("\\d0", False),
        ("@", False),
    ],
)
def test_date_format_codes(code: str, is_date: bool) -> None:
    assert is_date_format(code) is is_date


def test_numeric_cell_in_builtin_cjk_format_is_a_date(tmp_path: Path) -> None:
    formats = '<xf numFmtId="0"/><xf numFmtId="57"/><xf numFmtId="49"/>'
    styles = f'<styleSheet xmlns="{MAIN_NS}"><cellXfs>{formats}</cellXfs></styleSheet>'
    rows = '<row r="1"><c r="A1" s="1"><v>45352</v></c><c r="B1" s="2"><v>45352</v></c></row>'
    path = handmade_xlsx(tmp_path / "cjk.xlsx", [("S", sheet_xml(rows), "")], styles=styles)
    assert read_all(path, "S") == [(1, (dt.date(2024, 3, 1), 45352))]


# ------------------------------------------------------------------------------------ streaming


def _big_sheet(path: Path, rows: int) -> Path:
    body = "".join(
        f'<row r="{n}"><c r="A{n}"><v>{13900000000 + n}</v></c><c r="B{n}" t="inlineStr"><is><t>客户{n}</t></is></c>'
        f'<c r="C{n}"><v>{n}.5</v></c></row>'
        for n in range(2, rows + 2)
    )
    header = "".join(
        f'<c r="{column}1" t="inlineStr"><is><t>{text}</t></is></c>'
        for column, text in zip("ABC", ["手机", "姓名", "金额"], strict=True)
    )
    header = f'<row r="1">{header}</row>'
    return handmade_xlsx(path, [("Big", sheet_xml(header + body), "")])


def test_streams_rows_without_holding_the_sheet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _big_sheet(tmp_path / "big.xlsx", 40_000)
    with zipfile.ZipFile(path) as archive:
        sheet_bytes = archive.getinfo("xl/worksheets/data_0.xml").file_size
    assert sheet_bytes > 4 * 1024 * 1024
    started = time.perf_counter()
    with open_workbook(path) as wb:
        first = next(wb.data_rows("Big"))
        first_after = time.perf_counter() - started
        assert first == (2, (13900000002, "客户2", 2.5))
        assert wb.count_rows("Big") == 40_000
        monkeypatch.setattr(xlsx_reader, "CHUNK_BYTES", 64 * 1024)
        tracemalloc.start()
        count = 0
        for number, values in wb.data_rows("Big"):
            count += 1
            last = (number, values)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert count == 40_000
    assert last == (40_001, (13900040001, "客户40001", 40001.5))
    assert first_after < 1.0
    assert peak < sheet_bytes / 4  # a few 64 KiB chunks in flight, never the sheet


def test_rows_can_be_read_twice_and_interleaved(xlsxwriter_book: Path) -> None:
    with open_workbook(xlsxwriter_book) as wb:
        first = wb.rows("明细")
        second = wb.rows("明细")
        assert next(first) == next(second)
        assert list(first) == list(second)
