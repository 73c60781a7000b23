"""PII outside the grid: xlsx parts read cheaply, judged into findings that never repeat a value."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.comments import Comment
from openpyxl.packaging.custom import StringProperty
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from masking.detect import Finding, referenced_columns, scan_workbook
from masking.errors import InputError
from masking.io.limits import Limits
from masking.io.reader import open_workbook
from masking.io.xlsx_parts import OutsideText, Where, column_index, read_outside_parts
from masking.kinds import Kind

MOBILE = "13912345678"
ID = "110105199003071239"
SECRETS = (MOBILE, ID, "zhangsan@163.com", "王小明", "李四", "张三", "欧阳娜娜")


def _workbook(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "用户"
    ws.append(["户号", "户名", "手机", "本月电量"])
    for n in range(30):
        ws.append([f"30000000{n:02d}", ["王伟", "李娜", "张敏"][n % 3], f"1391234{n:04d}", 12.5 + n])
    ws["B2"].comment = Comment(f"联系人张先生 {MOBILE}", "王小明")
    ws.column_dimensions["C"].hidden = True
    ws.row_dimensions[5].hidden = True
    ws.row_dimensions[6].hidden = True
    ws["F2"] = "=C2&\"x\""
    ws["G2"] = "=SUM(D2:D31)"
    ws["H2"] = "=VLOOKUP(A2,备份!A:C,3,0)"
    ws.cell(2, 9).hyperlink = "mailto:zhangsan@163.com"
    ws.oddFooter.center.text = f"制表人 李四 {MOBILE}"
    validation = DataValidation(type="list", formula1='"张三,李四,欧阳娜娜"')
    ws.add_data_validation(validation)
    validation.add("J2")
    backup = wb.create_sheet("备份")
    backup.sheet_state = "veryHidden"
    backup.append(["户号", "证件号", "手机"])
    backup.append(["3000000001", ID, MOBILE])
    wb.defined_names["联系人"] = DefinedName("联系人", attr_text="'用户'!$C$2:$C$31")
    wb.defined_names["备用"] = DefinedName("备用", attr_text=f'"{ID}"')
    wb.properties.creator = "王小明"
    wb.properties.title = f"客户{MOBILE}"
    wb.properties.keywords = "户号;欠费"
    wb.custom_doc_props.append(StringProperty(name="联系电话", value=MOBILE))
    out = path / "outside.xlsx"
    wb.save(out)
    return out


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _workbook(tmp_path_factory.mktemp("outside"))


def test_parts_are_read(book: Path) -> None:
    parts = read_outside_parts(book)
    assert parts.hidden_columns == {"用户": (2,)}
    assert parts.hidden_rows == {"用户": (5, 6)}
    where = {(t.where, t.location) for t in parts.texts}
    assert (Where.HIDDEN_SHEET, "sheet '备份' (veryHidden)") in where
    assert (Where.COMMENT, "sheet '用户' cell B2 comment") in where
    assert (Where.COMMENT, "sheet '用户' cell B2 comment author") in where
    assert (Where.FORMULA, "sheet '用户' cell F2 formula") in where
    assert (Where.HEADER_FOOTER, "sheet '用户' odd footer") in where
    assert (Where.DATA_VALIDATION, "sheet '用户' data validation list on J2") in where
    assert (Where.HYPERLINK, "sheet '用户' cell I2 hyperlink") in where
    assert (Where.DEFINED_NAME, "defined name '联系人'") in where
    assert (Where.PROPERTY, "document property 'creator'") in where
    assert (Where.PROPERTY, "custom document property '联系电话'") in where
    footer = next(t for t in parts.texts if t.where is Where.HEADER_FOOTER)
    assert footer.text == f"制表人 李四 {MOBILE}"  # &C code removed


def _findings(book: Path) -> list[Finding]:
    with open_workbook(book) as workbook:
        return list(scan_workbook(workbook).findings)


def test_findings_name_location_and_kind(book: Path) -> None:
    found = {(f.location, f.kind) for f in _findings(book)}
    expected = {
        ("sheet '用户' column C '手机' (hidden column)", Kind.PHONE),
        ("sheet '备份' column B '证件号' (veryHidden sheet)", Kind.ID_NUMBER),
        ("sheet '备份' column C '手机' (veryHidden sheet)", Kind.PHONE),
        ("sheet '用户' cell B2 comment", Kind.PHONE),
        ("sheet '用户' cell B2 comment", Kind.PERSON_NAME),
        ("sheet '用户' cell B2 comment author", Kind.PERSON_NAME),
        ("sheet '用户' cell F2 formula", Kind.PHONE),  # refers to the phone column
        ("sheet '用户' cell H2 formula", Kind.ID_NUMBER),  # reads the hidden sheet's ID column
        ("sheet '用户' odd footer", Kind.PHONE),
        ("sheet '用户' odd footer", Kind.PERSON_NAME),
        ("sheet '用户' data validation list on J2", Kind.PERSON_NAME),
        ("sheet '用户' cell I2 hyperlink", Kind.EMAIL),
        ("defined name '联系人'", Kind.PHONE),
        ("defined name '备用'", Kind.ID_NUMBER),
        ("document property 'creator'", Kind.PERSON_NAME),
        ("document property 'title'", Kind.PHONE),
        ("custom document property '联系电话'", Kind.PHONE),
    }
    assert expected <= found
    hidden_rows = {f.kind for f in _findings(book) if f.location == "sheet '用户' hidden rows (2)"}
    assert hidden_rows == {Kind.ACCOUNT_NO, Kind.PERSON_NAME, Kind.PHONE}
    assert not any(f.location == "sheet '用户' cell G2 formula" for f in _findings(book))  # SUM of kWh
    assert not any("keywords" in f.location for f in _findings(book))


def test_findings_never_repeat_a_value(book: Path) -> None:
    for finding in _findings(book):
        for secret in SECRETS:
            assert secret not in finding.detail, finding


def test_a_plain_workbook_has_no_findings(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["户号", "本月电量"])
    ws.append(["3000000001", 12.5])
    wb.properties.creator = "openpyxl"
    path = tmp_path / "plain.xlsx"
    wb.save(path)
    with open_workbook(path) as workbook:
        assert scan_workbook(workbook).findings == ()


def test_structural_parts_over_the_limit_are_refused(book: Path) -> None:
    with pytest.raises(InputError, match="refused"):
        read_outside_parts(book, limits=Limits(max_xml_part_bytes=200))


def test_not_a_zip_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "fake.xlsx"
    path.write_bytes(b"not a zip")
    with pytest.raises(InputError):
        read_outside_parts(path)


_THREADED_BOOK = {
    "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
    "_rels/.rels": (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
    ),
    "xl/worksheets/sheet1.xml": (
        '<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<x:sheetData><x:row r="1" hidden="1"><x:c r="A1"><x:f>Other!B7</x:f></x:c></x:row>'
        "</x:sheetData></x:worksheet>"
    ),
    "xl/worksheets/_rels/sheet1.xml.rels": (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.microsoft.com/office/2017/10/relationships/'
        'threadedComment" Target="../threadedComments/threadedComment1.xml"/></Relationships>'
    ),
    "xl/threadedComments/threadedComment1.xml": (
        '<ThreadedComments xmlns="http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments">'
        '<threadedComment ref="A1" personId="{P1}" id="{C1}"><text>客户电话 010-62345678</text>'
        "</threadedComment></ThreadedComments>"
    ),
    "xl/persons/person.xml": (
        '<personList xmlns="http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments">'
        '<person displayName="欧阳娜娜" id="{P1}"/></personList>'
    ),
}


def test_threaded_comments_prefixed_xml_and_hidden_rows(tmp_path: Path) -> None:
    path = tmp_path / "threaded.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in _THREADED_BOOK.items():
            archive.writestr(name, text)
    parts = read_outside_parts(path)
    assert parts.hidden_rows == {"S": (1,)}
    texts = {(t.location, t.text) for t in parts.texts}
    assert ("sheet 'S' cell A1 threaded comment", "客户电话 010-62345678") in texts
    assert ("sheet 'S' cell A1 threaded comment author", "欧阳娜娜") in texts
    assert ("sheet 'S' cell A1 formula", "Other!B7") in texts


@pytest.mark.parametrize(
    ("formula", "sheet", "expected"),
    [
        ("C2&\"x\"", "用户", {("用户", 2)}),
        ("VLOOKUP(A2,备份!A:C,3,0)", "用户", {("用户", 0), ("备份", 0), ("备份", 1), ("备份", 2)}),
        ("'客户 表'!$B$2:$B$9", None, {("客户 表", 1)}),
        ('LOG10(4)+"A1"', "S", set()),
        ("TRUE", "S", set()),
    ],
)
def test_referenced_columns(formula: str, sheet: str | None, expected: set[tuple[str, int]]) -> None:
    assert referenced_columns(formula, sheet) == expected


def test_column_index() -> None:
    assert [column_index(x) for x in ("A", "Z", "AA", "XFD")] == [0, 25, 26, 16383]


def test_outside_text_is_a_plain_record() -> None:
    item = OutsideText("defined name 'x'", "y", Where.DEFINED_NAME)
    assert item.sheet is None
