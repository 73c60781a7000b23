"""The bundled samples: the generator reproduces them, and each file holds what its truth says."""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import sys
import unicodedata
import zipfile
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import openpyxl
import pytest
from defusedxml import ElementTree

SAMPLES = Path(__file__).resolve().parents[1] / "resources" / "samples"
NAMES = sorted(p.name.removesuffix(".truth.json") for p in SAMPLES.glob("*.truth.json"))


def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("sample_generator", SAMPLES / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being created
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generator() -> ModuleType:
    return load_generator()


@pytest.fixture(scope="module")
def regenerated(generator: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("samples")
    generator.write_samples(out)
    return out


def truth_of(stem: str) -> dict[str, Any]:
    truth: dict[str, Any] = json.loads((SAMPLES / f"{stem}.truth.json").read_text(encoding="utf-8"))
    return truth


def values_of(stem: str) -> dict[str, list[str]]:
    values: dict[str, list[str]] = json.loads((SAMPLES / f"{stem}.values.json").read_text(encoding="utf-8"))["values"]
    return values


def test_the_expected_samples_are_bundled() -> None:
    expected = [
        "customers_en", "customers_gb18030", "customers_semicolon", "customers_utf8bom", "customers_zh",
        "hidden_pii", "messy", "multi_sheet", "no_header", "numbers_as_numbers",
    ]
    assert sorted(expected) == NAMES
    total = sum(p.stat().st_size for p in SAMPLES.iterdir() if p.is_file())
    assert total < 2 * 1024 * 1024


@pytest.mark.parametrize("stem", NAMES)
def test_generator_reproduces_the_bundled_sample(stem: str, regenerated: Path) -> None:
    for suffix in (".truth.json", ".values.json"):
        assert (regenerated / f"{stem}{suffix}").read_text(encoding="utf-8") == (
            SAMPLES / f"{stem}{suffix}"
        ).read_text(encoding="utf-8"), f"{stem}{suffix} is stale: run resources/samples/generate.py"
    name = truth_of(stem)["file"]
    fresh, bundled = regenerated / name, SAMPLES / name
    if name.endswith(".xlsx"):
        # Compare the package parts, not the zip bytes, which also depend on the zlib build.
        with zipfile.ZipFile(fresh) as a, zipfile.ZipFile(bundled) as b:
            assert a.namelist() == b.namelist()
            for part in a.namelist():
                assert _xml_content(a.read(part)) == _xml_content(b.read(part)), (
                    f"{name}:{part} differs: run generate.py"
                )
    else:
        assert fresh.read_bytes() == bundled.read_bytes()


def _xml_content(data: bytes) -> object:
    """A part's content as (tag, attributes, text) tuples: openpyxl serialises the same workbook with
    different namespace-declaration layouts depending on whether lxml is installed."""
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError:
        return data
    return [(el.tag, sorted(el.attrib.items()), (el.text or "").strip()) for el in root.iter()]


def excel_cell_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value > 1e15:  # as Excel shows it: 15 digits, then zeros
        return format(Decimal(f"{value:.15g}"), "f")
    return str(value)


def normalised(generator: ModuleType, kind: str, value: Any) -> str:
    result: str = generator.normalise(kind, excel_cell_text(value) or "")
    return result


@pytest.mark.parametrize("stem", [n for n in NAMES if truth_of(n)["format"] == "xlsx"])
def test_workbook_matches_its_truth(stem: str, generator: ModuleType) -> None:
    truth, values = truth_of(stem), values_of(stem)
    book = openpyxl.load_workbook(SAMPLES / truth["file"])
    assert book.sheetnames == [sheet["name"] for sheet in truth["sheets"]]
    for sheet in truth["sheets"]:
        ws = book[sheet["name"]]
        assert ws.sheet_state == sheet["visibility"]
        assert sheet["hidden"] == (sheet["visibility"] != "visible")
        first, count = sheet["first_data_row"], sheet["data_rows"]
        assert ws.max_row == first + count - 1
        assert ws.max_column == len(sheet["columns"])
        if sheet["header_row"] is None:
            assert first == 1
        else:
            assert first == sheet["header_row"] + 1
            assert [c.value for c in ws[sheet["header_row"]]] == [c["header"] for c in sheet["columns"]]
        for column in sheet["columns"]:
            assert ws.column_dimensions[column["letter"]].hidden == column["hidden"]
            position = column["index"] + 1
            cells = [row[0] for row in ws.iter_rows(min_row=first, min_col=position, max_col=position)]
            assert len(cells) == count
            damaged = sum(isinstance(c.value, float) and c.value >= 1e15 for c in cells)
            assert damaged == column["damaged"]
            kind = column["kind"]
            if kind in (None, "free_text"):
                continue
            for cell in cells:
                text = normalised(generator, kind, cell.value)
                if text and text not in ("NA", "无"):
                    assert text in values[kind], f"{stem} {cell.coordinate}: {cell.value!r}"


def test_title_rows_and_dates_of_the_chinese_sample() -> None:
    ws = openpyxl.load_workbook(SAMPLES / "customers_zh.xlsx")["明细"]
    assert "A1:J1" in {str(r) for r in ws.merged_cells.ranges}
    assert str(ws["A1"].value).endswith("2024年11月居民客户明细")
    assert all(c.value is None for c in ws[2])
    assert all(c.is_date for c in ws["I"][3:])
    assert all(isinstance(c.value, str) and len(c.value) == 10 for c in ws["A"][3:])


def test_numbers_sample_stores_numbers_and_cuts_long_ones() -> None:
    truth = truth_of("numbers_as_numbers")
    columns = {c["header"]: c for c in truth["sheets"][0]["columns"]}
    rows = truth["sheets"][0]["data_rows"]
    assert columns["电能表资产编号"]["damaged"] == rows
    assert 0 < columns["身份证号码"]["damaged"] < rows  # IDs ending in X stay text
    ws = openpyxl.load_workbook(SAMPLES / "numbers_as_numbers.xlsx").active
    assert all(isinstance(c.value, int) for c in ws["A"][1:])
    assert all(isinstance(c.value, int) and len(str(c.value)) == 11 for c in ws["C"][1:])


def test_messy_sample_has_every_kind_of_mess() -> None:
    ws = openpyxl.load_workbook(SAMPLES / "messy.xlsx").active
    phones = [c.value for c in ws["C"][1:]]
    assert any(isinstance(v, str) and v.startswith("+86 ") for v in phones)
    assert any(isinstance(v, str) and v.startswith("0086") for v in phones)
    assert any(isinstance(v, str) and "１３" in v for v in phones) or any(
        isinstance(v, str) and "１" in v for v in phones
    )
    assert {"N/A", "无", None} <= set(phones)
    assert any(isinstance(v, str) and v.endswith(" ") for v in phones)
    ids = [c.value for c in ws["D"][1:]]
    assert any(isinstance(v, str) and v.strip().endswith("x") for v in ids)
    assert any(isinstance(v, str) and v.endswith(" ") for v in ids)


@pytest.mark.parametrize("stem", [n for n in NAMES if truth_of(n)["format"] == "csv"])
def test_csv_matches_its_truth(stem: str, generator: ModuleType) -> None:
    truth, values = truth_of(stem), values_of(stem)
    raw = (SAMPLES / truth["file"]).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") == (truth["encoding"] == "utf-8-sig")
    rows = list(csv.reader(io.StringIO(raw.decode(truth["encoding"])), delimiter=truth["delimiter"]))
    sheet = truth["sheets"][0]
    assert rows[0] == [c["header"] for c in sheet["columns"]]
    assert len(rows) - 1 == sheet["data_rows"]
    assert all(len(row) == len(rows[0]) for row in rows)
    for column in sheet["columns"]:
        if column["kind"] not in (None, "free_text"):
            for row in rows[1:]:
                text = generator.normalise(column["kind"], row[column["index"]])
                assert not text or text in values[column["kind"]]
    if stem == "customers_gb18030":
        assert "服务密码" in rows[0]
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")


def package_text(path: Path) -> str:
    """Every text and attribute value of every XML part, whitespace and dashes removed, NFKC."""
    pieces: list[str] = []
    with zipfile.ZipFile(path) as package:
        for part in package.namelist():
            if part.endswith((".xml", ".rels", ".vml")):
                for element in ElementTree.fromstring(package.read(part)).iter():
                    pieces.extend(element.attrib.values())
                    pieces.extend(t for t in (element.text, element.tail) if t)
    return "".join(unicodedata.normalize("NFKC", "".join(pieces)).split()).replace("-", "")


@pytest.mark.parametrize("stem", [n for n in NAMES if truth_of(n)["format"] == "xlsx"])
def test_every_listed_value_is_in_the_file(stem: str) -> None:
    path = SAMPLES / truth_of(stem)["file"]
    text = package_text(path).upper()  # IDs may end in x or X
    cut_numbers = {
        excel_cell_text(cell.value)
        for ws in openpyxl.load_workbook(path).worksheets
        for row in ws.iter_rows()
        for cell in row
        if isinstance(cell.value, float) and cell.value > 1e15
    }
    for kind, items in values_of(stem).items():
        for value in items:
            assert value.upper() in text or value in cut_numbers, f"{stem}: {kind} {value} not found"


def test_hidden_pii_lands_outside_the_grid() -> None:
    truth = truth_of("hidden_pii")
    locations = {(f["location"], f["kind"]) for f in truth["findings"]}
    for expected in [
        ("sheet 客户备份 (hidden)", "phone"),
        ("sheet 系统数据 (veryHidden)", "secret"),
        ("hidden column 明细!E", "id_number"),
        ("comment on 明细!G5", "phone"),
        ("document property creator", "person_name"),
        ("document property 联系电话 (custom)", "phone"),
        ("header/footer of 明细", "phone"),
        ("defined name 联系人", "phone"),
        ("defined name 备用证件", "id_number"),
        ("data validation on 明细!H2:H61", "person_name"),
        ("hyperlink 明细!H3", "email"),
    ]:
        assert expected in locations
    book = openpyxl.load_workbook(SAMPLES / "hidden_pii.xlsx")
    ws = book["明细"]
    values = values_of("hidden_pii")
    assert book.properties.creator == "张伟 13800138000"
    assert "13800138000" in values["phone"] and "张伟" in values["person_name"]
    assert any(p in ws["G5"].comment.text for p in values["phone"])
    assert ws.column_dimensions["E"].hidden
    assert ws["H3"].hyperlink.target.removeprefix("mailto:") in values["email"]
    assert any(p in ws.oddHeader.center.text for p in values["phone"])
    assert {"联系人", "备用证件"} <= set(book.defined_names)
    assert any(p in book.defined_names["联系人"].attr_text for p in values["phone"])
    assert ws.data_validations.dataValidation[0].type == "list"
    assert {p.name for p in book.custom_doc_props} == {"联系电话"}
    assert book["系统数据"].sheet_state == "veryHidden"


def test_big_workbook_uses_shared_strings_and_holds_the_customers(generator: ModuleType, tmp_path: Path) -> None:
    path = tmp_path / "big.xlsx"
    assert generator.main(["--big", "300", "--out", str(path), "--seed", "5"]) == 0
    with zipfile.ZipFile(path) as package:
        assert package.testzip() is None
        sheet_xml = package.read("xl/worksheets/sheet1.xml")
        assert b'<dimension ref="A1:J301"/>' in sheet_xml and b"inlineStr" not in sheet_xml
        strings = ElementTree.fromstring(package.read("xl/sharedStrings.xml"))
        assert int(strings.get("uniqueCount")) == len(strings) < int(strings.get("count"))
    rows = list(openpyxl.load_workbook(path).active.iter_rows(values_only=True))
    assert rows[0] == ("户号", "户名", "手机号码", "电能表资产编号", "身份证号码",
                       "用电地址", "本月电量(kWh)", "欠费金额(元)", "抄表日期", "备注")
    expected = list(generator.synth.customers(300, 5))
    assert len(rows) == 301
    for row, customer in zip(rows[1:], expected, strict=True):
        assert row[:6] == (customer.account_no, customer.name, customer.mobile, customer.meter_id,
                           customer.id_number, customer.address)
        assert (row[6], row[7], row[8].date(), row[9]) == (
            customer.usage_kwh, customer.arrears, customer.reading_date, customer.remark or None)
