"""The xlsx reader's and writer's fast paths give exactly what their general paths give.

The reader types the cells of common-shape rows a chunk at a time (``XlsxBook._common_rows``) and
reads plain shared strings with one pattern; the writer writes common values inline in
``SheetSink.write_rows``. Each is pinned here against the path that handles every shape.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from masking.errors import InputError
from masking.io import xlsx_reader
from masking.io.model import Damaged, Value, column_letter
from masking.io.reader import open_workbook
from masking.io.writer import open_writer
from masking.io.xlsx_writer import SheetSink, _RowText
from tests.test_read_xlsx import MAIN_NS, handmade_xlsx, sheet_xml

# ------------------------------------------------------------------------------------------ reader

STYLES = (
    f'<styleSheet xmlns="{MAIN_NS}"><numFmts count="1"><numFmt numFmtId="170" formatCode="yyyy/m/d"/></numFmts>'
    '<cellXfs count="4"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="2"/><xf numFmtId="170"/></cellXfs>'
    "</styleSheet>"
)
STRINGS = ["姓名", "", "a &amp; b", "1390000", "line_x000D_", "１２３", "zero\u200bwidth", "  pad  "]
NUMBER_TEXTS = ["0", "7", "-3", "0.0", "112.13", "1e5", "1.3912345678E10", "13912345678", "123456789012345",
                "1234567890123456", "110105194912310000", "45602", "60", "0.5", "45602.25", "-0.25", "", " 12",
                "１２", "abc", "nan"]
LETTERS = ["A", "B", "C", "D", "E", "Z", "AA"]


def _shared_table(count: int) -> str:
    items = "".join(f"<si><t>{STRINGS[i % len(STRINGS)]}{i // len(STRINGS) or ''}</t></si>" for i in range(count))
    return f'<sst xmlns="{MAIN_NS}" count="{count}" uniqueCount="{count}">{items}</sst>'


def _cell(column: str, row: int, shape: tuple[str, int, str]) -> str:
    kind, index, raw = shape
    style = "" if index == 0 else f' s="{index}"'
    if kind == "s":
        return f'<c r="{column}{row}"{style} t="s"><v>{raw}</v></c>'
    if kind == "empty":
        return f'<c r="{column}{row}"{style}/>'
    typed = ' t="n"' if kind == "n" else ""
    return f'<c r="{column}{row}"{style}{typed}><v>{raw}</v></c>'


CELL_SHAPES = st.one_of(
    st.tuples(st.just("s"), st.integers(0, 3), st.integers(0, 2_099).map(str)),
    st.tuples(st.sampled_from(["n", ""]), st.integers(0, 3), st.sampled_from(NUMBER_TEXTS)),
    st.tuples(st.just("empty"), st.integers(0, 3), st.just("")),
)
ROWS = st.lists(
    st.lists(st.tuples(st.sampled_from(LETTERS), CELL_SHAPES), min_size=1, max_size=8), min_size=1, max_size=60
)


def _rows_of(path: Path) -> tuple[list[tuple[int, tuple[Value, ...]]] | None, str | None]:
    try:
        with open_workbook(path) as wb:
            return list(wb.rows("S")), None
    except InputError as error:
        return None, str(error)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=ROWS, in_order=st.booleans(), date1904=st.booleans())
def test_common_rows_are_typed_as_cell_by_cell(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rows: list[list[tuple[str, tuple[str, int, str]]]],
    in_order: bool, date1904: bool,
) -> None:
    xml = "".join(
        f'<row r="{number}" spans="1:9">'
        + "".join(_cell(column_letter(i) if in_order else column, number, shape)
                  for i, (column, shape) in enumerate(cells))
        + "</row>"
        for number, cells in enumerate(rows, start=1)
    )
    path = handmade_xlsx(tmp_path / "common.xlsx", [("S", sheet_xml(xml), "")], shared=_shared_table(2_100),
                         styles=STYLES, workbook_pr='<workbookPr date1904="1"/>' if date1904 else "")
    with monkeypatch.context() as patched:
        patched.setattr(xlsx_reader.XlsxBook, "_common_rows", lambda *_: None)
        expected = _rows_of(path)
    with monkeypatch.context() as patched:
        calls: list[int] = []
        real = xlsx_reader.XlsxBook._common_rows
        patched.setattr(xlsx_reader.XlsxBook, "_common_rows", lambda *a: calls.append(1) or real(*a))
        assert _rows_of(path) == expected
        assert calls


def test_common_rows_are_taken_for_common_shapes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    xml = "".join(
        f'<row r="{n}"><c r="A{n}" t="s"><v>{n}</v></c><c r="B{n}" s="2"><v>{n}.5</v></c>'
        f'<c r="C{n}" s="1"><v>{45600 + n}</v></c><c r="E{n}"><v>{n}</v></c><c r="F{n}" s="3"/></row>'
        for n in range(1, 3_001)
    )
    path = handmade_xlsx(tmp_path / "common.xlsx", [("S", sheet_xml(xml), "")], shared=_shared_table(3_001),
                         styles=STYLES)
    monkeypatch.setattr(xlsx_reader.XlsxBook, "_rows_cell_by_cell", lambda *_: pytest.fail("read cell by cell"))
    rows, _ = _rows_of(path)
    assert rows is not None and len(rows) == 3_000
    assert rows[1] == (2, ("a & b", 2.5, dt.date(2024, 11, 6), None, 2))


def test_a_row_of_another_shape_sends_its_piece_cell_by_cell(tmp_path: Path) -> None:
    xml = ('<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1"><v>5</v></c></row>'
           '<row r="2"><c r="A2" t="inlineStr"><is><t>inline</t></is></c><c r="B2" t="b"><v>1</v></c></row>'
           '<row r="3" spans="1:2"/><row><c r="A4"><f>1+1</f><v>2</v></c></row>')
    path = handmade_xlsx(tmp_path / "mixed.xlsx", [("S", sheet_xml(xml), "")], shared=_shared_table(2))
    assert _rows_of(path) == ([(1, ("姓名", 5)), (2, ("inline", True)), (4, (2,))], None)


def test_a_missing_shared_string_is_refused_in_its_row(tmp_path: Path) -> None:
    xml = '<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2"><c r="A2" t="s"><v>9</v></c></row>'
    path = handmade_xlsx(tmp_path / "missing.xlsx", [("S", sheet_xml(xml), "")], shared=_shared_table(2))
    rows, error = _rows_of(path)
    assert rows is None and error is not None and "shared string 9 does not exist" in error


@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r"), max_size=12),
                min_size=1, max_size=40))
def test_plain_shared_strings_read_as_the_general_pattern_reads_them(texts: list[str]) -> None:
    items = "".join(f"<si><t>{_xml_escaped(text)}</t></si>" for text in texts)
    plain = _parsed(f'<sst xmlns="{MAIN_NS}">{items}</sst>')
    rich = _parsed(f'<sst xmlns="{MAIN_NS}"><si><r><t>rich</t></r></si>{items}</sst>')
    assert plain == rich[1:]
    assert rich[0] == "rich"


def _xml_escaped(text: str) -> str:
    legal = "".join(char for char in text if char in "\t\n" or ord(char) >= 0x20)
    legal = "".join(char for char in legal if char not in "\ufffe\uffff")
    return legal.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _parsed(xml: str) -> list[str | None]:
    class _Stream:
        def __init__(self, data: bytes) -> None:
            self.data = data

        def read(self, size: int) -> bytes:
            chunk, self.data = self.data[:size], self.data[size:]
            return chunk

        def close(self) -> None:
            pass

    batches = xlsx_reader.SharedStrings._parse(_Stream(xml.encode()), 1 << 20)  # type: ignore[arg-type]
    return [item for batch in batches for item in batch]


# ------------------------------------------------------------------------------------------ writer

VALUES = st.one_of(
    st.none(),
    st.text(max_size=8),
    st.sampled_from(["１２３", "a\u200bb", " lead", "trail ", "\u3000x", "=1", "-12.5", "_x000D_", "a_b", "<&>",
                     "a\x01b", "\r", "x\ud800", "", "中文"]),
    st.integers(min_value=-(10**17), max_value=10**17),
    st.sampled_from([10**15 - 1, 10**15, -(10**15), 0, True, False]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([1e15, -1e15, 999999999999999.9, 0.1, -0.0]),
    st.dates(min_value=dt.date(1, 1, 1)),
    st.sampled_from([dt.date(1900, 2, 28), dt.date(1900, 3, 1), dt.date(1899, 12, 31)]),
    st.datetimes(min_value=dt.datetime(1899, 1, 1)),
    st.times(),
    st.builds(Damaged, st.sampled_from(["110105194912310000", "1234567890123460"])),
)


@given(st.lists(VALUES, min_size=1, max_size=6))
def test_common_cells_are_written_as_the_careful_path_writes_them(row: list[Value]) -> None:
    part = _RowText(0, 0)
    sink = SheetSink(part, ("1", "2"), 0)  # type: ignore[arg-type]
    sink.write_rows([row])
    reference = SheetSink(_RowText(0, 0), ("1", "2"), 0)  # type: ignore[arg-type]
    cells = "".join(reference._careful_cell(f"{chr(65 + col)}1", value) for col, value in enumerate(row))
    assert part.text == (f'<row r="1">{cells}</row>' if cells else "")


def test_written_values_read_back_alike_in_openpyxl_calamine_and_our_reader(tmp_path: Path) -> None:
    rows: list[list[Value]] = [
        ["户号", 13912345678, 112.13, dt.date(2024, 11, 4), "  padded ", "a&b<c>", "=SUM(A1)", None, True],
        ["中文", 0, -0.25, dt.datetime(2024, 1, 2, 3, 4, 5), "１２３", "a_b", "-12.5", 10**16, "x"],
    ]
    path = tmp_path / "out.xlsx"
    with open_writer(path, "xlsx") as book:
        book.add_sheet("数据", None).write_rows(rows)
    expected = [[_as_read(value) for value in row] for row in rows]
    workbook = openpyxl.load_workbook(path, read_only=True)
    try:
        sheet = workbook["数据"]
        assert [[_as_read(value) for value in row] for row in sheet.iter_rows(values_only=True)] == expected
    finally:
        workbook.close()
    book = CalamineWorkbook.from_path(str(path))
    try:
        calamine = book.get_sheet_by_name("数据").to_python(skip_empty_area=False)
    finally:
        book.close()
    assert [[_as_read(value if value != "" else None) for value in row] for row in calamine] == expected
    with open_workbook(path) as wb:
        ours = [list(values) + [None] * (len(rows[0]) - len(values)) for _, values in wb.rows("数据")]
    assert [[_as_read(value) for value in row] for row in ours] == expected


def _as_read(value: object) -> object:
    """A value as the three readers agree to give it: whole numbers as int, dates as date or datetime."""
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**15:
        return str(value)
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date()
    return value
