"""Header detection, table-driven: title rows, unit lines, English headers, no header at all."""

from __future__ import annotations

import datetime as dt

import pytest

from masking.io.header import Shape, cell_shape, detect_table
from masking.io.model import Damaged, SheetInfo, Value

SHEET = SheetInfo("S", 0)

DATA = [
    ("张三", "13912345678", "110105194912310021", "北京市海淀区中关村大街1号", 12.5),
    ("李四", "13812345678", "110105194912310048", "北京市朝阳区建国路2号", 3),
    ("王五", "13712345678", "11010519491231006X", "上海市浦东新区3号", 0.5),
]
HEADER = ("姓名", "手机", "身份证号", "地址", "金额")


def numbered(*rows: tuple[Value, ...], start: int = 1) -> list[tuple[int, tuple[Value, ...]]]:
    return [(start + n, row) for n, row in enumerate(rows)]


CASES: list[tuple[str, list[tuple[int, tuple[Value, ...]]], int | None, int, tuple[str | None, ...]]] = [
    ("plain header", numbered(HEADER, *DATA), 1, 2, HEADER),
    (
        "title, unit line and blank rows above",
        [
            (1, ("XX供电公司2024年居民客户明细表",)),
            (2, ("制表单位：城区供电所", "日期：2024-03")),
            (5, HEADER),
            *numbered(*DATA, start=6),
        ],
        5,
        6,
        HEADER,
    ),
    (
        "title then a date cell line",
        [(1, ("居民客户明细",)), (2, ("制表日期", dt.date(2024, 3, 1))), (3, HEADER), *numbered(*DATA, start=4)],
        3,
        4,
        HEADER,
    ),
    ("no header: data from row 1", numbered(*DATA), None, 1, (None,) * 5),
    ("no header under a title: the title is kept as data", [(1, ("客户清单",)), *numbered(*DATA, start=2)], None, 1,
     (None,) * 5),
    (
        "english header with spacing",
        numbered(("Customer  Name", " Mobile ", "Meter\nNo."), ("Wang Wei", "139-1234-5678", "0101234567890123456789")),
        1,
        2,
        ("Customer Name", "Mobile", "Meter No."),
    ),
    (
        "categories repeat below: data, not a header",
        numbered(("居民", "城区", "正常"), ("居民", "城区", "欠费"), ("商业", "城区", "正常")),
        None,
        1,
        (None,) * 3,
    ),
    (
        "wider data than header",
        numbered(("姓名", "手机"), ("张三", "13912345678", "extra")),
        1,
        2,
        ("姓名", "手机", None),
    ),
    (
        "header cells with a gap",
        numbered(("户号", None, "姓名", "手机"), (3100012345, None, "张三", 13912345678)),
        1,
        2,
        ("户号", None, "姓名", "手机"),
    ),
    (
        "numbers and dates in the first wide row",
        numbered((3100012345, "张三", dt.date(2024, 1, 1)), (3100012346, "李四", dt.date(2024, 1, 2))),
        None,
        1,
        (None,) * 3,
    ),
    (
        "long sentences are not a header",
        numbered(
            ("本表数据仅供内部使用，请勿外传。如有疑问请联系信息中心。", "备注：以上数据截至2024年3月底，未经审计。"),
            ("张三", "13912345678"),
        ),
        None,
        1,
        (None,) * 2,
    ),
    ("empty sheet", [], None, 1, ()),
]


@pytest.mark.parametrize(
    ("rows", "header_row", "first_data_row", "headers"), [case[1:] for case in CASES], ids=[c[0] for c in CASES]
)
def test_detect_table(
    rows: list[tuple[int, tuple[Value, ...]]],
    header_row: int | None,
    first_data_row: int,
    headers: tuple[str | None, ...],
) -> None:
    table = detect_table(SHEET, rows)
    assert (table.header_row, table.first_data_row, table.headers) == (header_row, first_data_row, headers)
    assert table.width == len(headers)
    assert table.sheet == SHEET


@pytest.mark.parametrize(
    ("value", "shape"),
    [
        (None, Shape.EMPTY),
        ("  ", Shape.EMPTY),
        ("姓名", Shape.LABEL),
        ("Customer ID", Shape.LABEL),
        ("13912345678", Shape.DATA),
        ("139-1234-5678", Shape.DATA),
        ("+86 139 1234 5678", Shape.DATA),
        ("11010519491231002X", Shape.DATA),
        ("2024-03-01 10:00", Shape.DATA),
        ("2024年3月1日", Shape.DATA),
        ("¥1,234.50", Shape.DATA),
        ("12.5%", Shape.DATA),
        (12.5, Shape.DATA),
        (True, Shape.DATA),
        (dt.date(2024, 1, 1), Shape.DATA),
        (Damaged("110105194912310000"), Shape.DATA),
        ("备注：本表仅供内部使用。", Shape.PROSE),
        ("x" * 41, Shape.PROSE),
        ("2024年", Shape.LABEL),
    ],
)
def test_cell_shapes(value: Value, shape: Shape) -> None:
    assert cell_shape(value) is shape


def test_title_rows_above_a_header_are_counted() -> None:
    rows = [(1, ("XX供电公司2024年居民客户明细表",)), (2, ("制表日期：2024年3月",)),
            (4, ("姓名", "手机", "户号")), (5, ("张三", "13912345678", "3100012345")),
            (6, ("李四", "13812345678", "3100012346"))]
    table = detect_table(SHEET, rows)
    assert (table.header_row, table.first_data_row, table.title_rows) == (4, 5, 2)


def test_headless_sheet_keeps_every_row_from_the_first() -> None:
    """csvkit-style: a narrow first row over numbers is data too (``Foo`` over ``123`` lost nothing)."""
    rows = [(1, ("Foo",)), (2, ("123",)), (3, ("456",))]
    table = detect_table(SHEET, rows)
    assert (table.header_row, table.first_data_row, table.title_rows) == (None, 1, 0)
