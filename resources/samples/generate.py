#!/usr/bin/env python3
"""Write the bundled sample files and their ground truth, deterministically.

    python resources/samples/generate.py [--out DIR]          # the samples (default: this folder)
    python resources/samples/generate.py --big N --out PATH   # an N-row workbook for benchmarks

Every customer is fictitious (masking.synth). Beside each sample ``NAME.EXT`` go
``NAME.truth.json`` (sheets, header rows, the kind of every column, PII outside the grid) and
``NAME.values.json`` (every sensitive value in the file, normalised), see README.md here. Zip
entries carry a fixed timestamp, so running the script twice writes the same bytes.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import random
import re
import sys
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
for _folder in (HERE.parents[1], HERE):  # the project's `masking`, and `bigxlsx` beside this file
    if str(_folder) not in sys.path:
        sys.path.insert(0, str(_folder))

import bigxlsx  # noqa: E402 (a sibling module of this script)
import xlsxwriter  # noqa: E402 (after the sys.path lines above)
from openpyxl import Workbook  # noqa: E402
from openpyxl.comments import Comment  # noqa: E402
from openpyxl.packaging.custom import StringProperty  # noqa: E402
from openpyxl.utils import get_column_letter  # noqa: E402
from openpyxl.workbook.defined_name import DefinedName  # noqa: E402
from openpyxl.worksheet.datavalidation import DataValidation  # noqa: E402
from openpyxl.worksheet.worksheet import Worksheet  # noqa: E402

from masking import synth  # noqa: E402
from masking.regions import region_for_code  # noqa: E402
from masking.synth import Customer  # noqa: E402

# Kinds, as the CLI contract names them.
PHONE, METER_ID, ACCOUNT_NO, ID_NUMBER = "phone", "meter_id", "account_no", "id_number"
BANK_CARD, PERSON_NAME, ADDRESS, EMAIL = "bank_card", "person_name", "address", "email"
SECRET, FREE_TEXT = "secret", "free_text"
DIGIT_KINDS = frozenset({PHONE, METER_ID, ACCOUNT_NO, ID_NUMBER, BANK_CARD})

FIXED_TIME = dt.datetime(2024, 12, 1, 9, 0, 0)
DATE_FORMAT = "yyyy-mm-dd"
EXCEL_DIGITS = 15  # Excel keeps 15 significant digits of a number


# --- values and ground truth -----------------------------------------------------------------------


def normalise(kind: str, text: str) -> str:
    """The form a sensitive value takes in ``*.values.json``: NFKC (full-width to ASCII), no
    whitespace; for digit kinds digits only (upper-case X kept in IDs, +86/0086 dropped)."""
    text = "".join(unicodedata.normalize("NFKC", text).split())
    if kind in DIGIT_KINDS:
        text = text.upper()
        if kind == PHONE:
            text = re.sub(r"^(\+86|0086|\(\+86\))", "", text)
        text = "".join(char for char in text if char.isdigit() or char == "X")
    return text


def excel_shown_digits(digits: str) -> str:
    """What Excel keeps of a long number typed into a number cell: 15 digits, then zeros."""
    return digits[:EXCEL_DIGITS] + "0" * max(0, len(digits) - EXCEL_DIGITS)


@dataclass(frozen=True)
class Cell:
    """A value to write and the sensitive values it holds, as (kind, text) pairs."""

    value: Any
    pii: tuple[tuple[str, str], ...] = ()
    damaged: bool = False


def plain(value: Any) -> Cell:
    return Cell(value)


def sensitive(kind: str, value: Any, text: str | None = None) -> Cell:
    """A cell holding one sensitive value; ``text`` when the value's text differs from ``value``."""
    if value is None:
        return Cell(None)
    return Cell(value, ((kind, str(value) if text is None else text),))


def remark(customer: Customer) -> Cell:
    return Cell(customer.remark or None, tuple((e.kind, e.text) for e in customer.remark_pii))


CellFn = Callable[[Any, int], Cell]  # (row record, row index) -> cell; records are usually Customers


@dataclass(frozen=True)
class Column:
    header: str | None
    kind: str | None
    cell: CellFn
    number_format: str | None = None
    hidden: bool = False
    width: float | None = None


@dataclass(frozen=True)
class Sheet:
    name: str
    columns: Sequence[Column]
    rows: Sequence[Any]
    title: str | None = None  # a merged title row and a blank row above the header
    header: bool = True
    visibility: str = "visible"


@dataclass
class Truth:
    """What a sample holds, collected while it is written."""

    file: str
    format: str
    sheets: list[dict[str, Any]] = field(default_factory=list)
    findings: list[dict[str, str]] = field(default_factory=list)
    values: dict[str, set[str]] = field(default_factory=dict)
    encoding: str | None = None
    delimiter: str | None = None

    def add_value(self, kind: str, text: str) -> None:
        normalised = normalise(kind, text)
        if normalised:
            self.values.setdefault(kind, set()).add(normalised)

    def add_finding(self, location: str, kind: str, detail: str, *texts: str) -> None:
        self.findings.append({"location": location, "kind": kind, "detail": detail})
        for text in texts:
            self.add_value(kind, text)

    def truth_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"file": self.file, "format": self.format}
        if self.encoding is not None:
            doc["encoding"] = self.encoding
            doc["delimiter"] = self.delimiter
        doc["sheets"] = self.sheets
        doc["findings"] = self.findings
        return doc

    def values_json(self) -> dict[str, Any]:
        return {"file": self.file, "values": {kind: sorted(v) for kind, v in sorted(self.values.items())}}


def layout(sheet: Sheet) -> tuple[int | None, int]:
    """(header row, first data row), 1-based."""
    if not sheet.header:
        return None, 1
    header_row = 3 if sheet.title else 1
    return header_row, header_row + 1


def sheet_cells(sheet: Sheet, truth: Truth) -> list[list[Cell]]:
    """The cells of every data row, recording the sheet's truth and sensitive values."""
    grid = [[column.cell(customer, index) for column in sheet.columns] for index, customer in enumerate(sheet.rows)]
    header_row, first_data_row = layout(sheet)
    columns = []
    for position, column in enumerate(sheet.columns):
        cells = [row[position] for row in grid]
        entry: dict[str, Any] = {
            "index": position,
            "letter": get_column_letter(position + 1),
            "header": column.header if sheet.header else None,
            "kind": column.kind,
            "hidden": column.hidden,
            "damaged": sum(cell.damaged for cell in cells),
        }
        if column.kind == FREE_TEXT:
            entry["embedded"] = sorted({kind for cell in cells for kind, _ in cell.pii})
        columns.append(entry)
        for cell in cells:
            for kind, text in cell.pii:
                truth.add_value(kind, text)
    truth.sheets.append(
        {
            "name": sheet.name,
            "visibility": sheet.visibility,
            "hidden": sheet.visibility != "visible",
            "header_row": header_row,
            "first_data_row": first_data_row,
            "data_rows": len(grid),
            "columns": columns,
        }
    )
    if sheet.visibility != "visible":
        kinds = sorted({kind for row in grid for cell in row for kind, _ in cell.pii})
        for kind in kinds:
            truth.findings.append(
                {"location": f"sheet {sheet.name} ({sheet.visibility})", "kind": kind, "detail": "sheet not shown"}
            )
    return grid


# --- writers ---------------------------------------------------------------------------------------


def write_sheet(ws: Worksheet, sheet: Sheet, truth: Truth) -> None:
    """Write ``sheet`` into an openpyxl worksheet (which stores text as inline strings)."""
    grid = sheet_cells(sheet, truth)
    header_row, first_data_row = layout(sheet)
    ws.title = sheet.name
    ws.sheet_state = sheet.visibility
    if sheet.title:
        ws.cell(row=1, column=1, value=sheet.title)
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(sheet.columns))
    if header_row is not None:
        for position, column in enumerate(sheet.columns, start=1):
            ws.cell(row=header_row, column=position, value=column.header)
    for offset, row in enumerate(grid):
        for position, (column, cell) in enumerate(zip(sheet.columns, row, strict=True), start=1):
            if cell.value is None:
                continue
            target = ws.cell(row=first_data_row + offset, column=position, value=cell.value)
            if column.number_format:
                target.number_format = column.number_format
    for position, column in enumerate(sheet.columns, start=1):
        dimension = ws.column_dimensions[get_column_letter(position)]
        if column.width:
            dimension.width = column.width
        if column.hidden:
            dimension.hidden = True


def write_xlsx(path: Path, sheets: Sequence[Sheet], truth: Truth) -> None:
    """Write ``sheets`` with xlsxwriter, which keeps text in a shared-strings table as Excel and
    WPS do; the package is then given fixed timestamps."""
    options = {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False}
    book = xlsxwriter.Workbook(str(path), options)
    book.set_properties({"author": "营业厅", "created": FIXED_TIME})
    formats: dict[str, Any] = {}

    def number_format(code: str | None) -> Any:
        if code is None:
            return None
        if code not in formats:
            formats[code] = book.add_format({"num_format": code})
        return formats[code]

    for sheet in sheets:
        grid = sheet_cells(sheet, truth)
        header_row, first_data_row = layout(sheet)
        ws = book.add_worksheet(sheet.name)
        if sheet.visibility == "hidden":
            ws.hide()
        elif sheet.visibility == "veryHidden":
            ws.very_hidden()
        if sheet.title:
            ws.merge_range(0, 0, 0, len(sheet.columns) - 1, sheet.title, book.add_format({"bold": True}))
        if header_row is not None:
            ws.write_row(header_row - 1, 0, [column.header for column in sheet.columns])
        for position, column in enumerate(sheet.columns):
            ws.set_column(position, position, column.width, None, {"hidden": column.hidden})
        for offset, row in enumerate(grid):
            for position, (column, cell) in enumerate(zip(sheet.columns, row, strict=True)):
                style = number_format(column.number_format)
                value = cell.value
                if value is None:
                    continue
                if isinstance(value, dt.date):
                    ws.write_datetime(first_data_row - 1 + offset, position, value, style)
                elif isinstance(value, str):
                    ws.write_string(first_data_row - 1 + offset, position, value)
                else:
                    ws.write_number(first_data_row - 1 + offset, position, value, style)
    book.close()
    fix_zip(path)


def new_workbook() -> Workbook:
    wb = Workbook()
    wb.properties.creator = "营业厅"
    wb.properties.created = FIXED_TIME
    return wb


def save_workbook(wb: Workbook, path: Path) -> None:
    wb.save(path)
    fix_zip(path)


_MODIFIED = re.compile(rb"<dcterms:modified([^>]*)>[^<]*</dcterms:modified>")


def fix_zip(path: Path) -> None:
    """Rewrite a saved package with fixed entry timestamps and a fixed modified time (openpyxl
    stamps both with the clock), so that the same input gives the same bytes."""
    with zipfile.ZipFile(path) as source:
        entries = [(info.filename, source.read(info)) for info in source.infolist()]
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            if name == "docProps/core.xml":
                target.writestr(info, _MODIFIED.sub(rb"<dcterms:modified\1>" + stamp + b"</dcterms:modified>", data))
            else:
                target.writestr(info, data)


def csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def write_csv(path: Path, sheet: Sheet, truth: Truth, *, encoding: str, delimiter: str) -> None:
    grid = sheet_cells(sheet, truth)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([column.header for column in sheet.columns])
    for row in grid:
        writer.writerow([csv_text(cell.value) for cell in row])
    path.write_bytes(buffer.getvalue().encode(encoding))
    truth.encoding, truth.delimiter = encoding, delimiter


def write_truth(out: Path, stem: str, truth: Truth) -> None:
    for suffix, doc in ((".truth.json", truth.truth_json()), (".values.json", truth.values_json())):
        text = json.dumps(doc, ensure_ascii=False, indent=1) + "\n"
        (out / f"{stem}{suffix}").write_text(text, encoding="utf-8", newline="\n")


# --- column sets -----------------------------------------------------------------------------------


def col(header: str | None, kind: str | None, cell: CellFn, **options: Any) -> Column:
    return Column(header, kind, cell, **options)


def text_of(kind: str, attribute: str) -> CellFn:
    return lambda c, _: sensitive(kind, getattr(c, attribute))


def plain_of(attribute: str) -> CellFn:
    return lambda c, _: plain(getattr(c, attribute))


def zh_columns() -> list[Column]:
    return [
        col("户号", ACCOUNT_NO, text_of(ACCOUNT_NO, "account_no"), width=13),
        col("户名", PERSON_NAME, text_of(PERSON_NAME, "name")),
        col("手机号码", PHONE, text_of(PHONE, "mobile"), width=14),
        col("电能表资产编号", METER_ID, text_of(METER_ID, "meter_id"), width=26),
        col("身份证号码", ID_NUMBER, text_of(ID_NUMBER, "id_number"), width=21),
        col("用电地址", ADDRESS, text_of(ADDRESS, "address"), width=50),
        col("本月电量(kWh)", None, plain_of("usage_kwh")),
        col("欠费金额(元)", None, plain_of("arrears"), number_format="0.00"),
        col("抄表日期", None, plain_of("reading_date"), number_format=DATE_FORMAT, width=12),
        col("备注", FREE_TEXT, lambda c, _: remark(c), width=36),
    ]


def en_columns() -> list[Column]:
    return [
        col("Account No", ACCOUNT_NO, text_of(ACCOUNT_NO, "account_no")),
        col("Customer Name", PERSON_NAME, text_of(PERSON_NAME, "name")),
        col("Mobile", PHONE, text_of(PHONE, "mobile")),
        col("Meter ID", METER_ID, text_of(METER_ID, "meter_id")),
        col("ID Number", ID_NUMBER, text_of(ID_NUMBER, "id_number")),
        col("Address", ADDRESS, text_of(ADDRESS, "address")),
        col("Usage kWh", None, plain_of("usage_kwh")),
        col("Arrears", None, plain_of("arrears"), number_format="0.00"),
        col("Reading Date", None, plain_of("reading_date"), number_format=DATE_FORMAT),
        col("Notes", FREE_TEXT, lambda c, _: remark(c)),
        col("Email", EMAIL, text_of(EMAIL, "email")),
        col("Bank Card", BANK_CARD, text_of(BANK_CARD, "bank_card")),
    ]


def as_number(kind: str, digits: str) -> Cell:
    """A number typed into a number cell: exact up to 15 digits, cut by Excel beyond that. An ID
    ending in X cannot be a number and stays text."""
    if not digits.isdigit():
        return sensitive(kind, digits)
    if len(digits) <= EXCEL_DIGITS:
        return sensitive(kind, int(digits))
    shown = excel_shown_digits(digits)
    return Cell(float(shown), ((kind, shown),), damaged=True)


def numbers_columns() -> list[Column]:
    return [
        col("户号", ACCOUNT_NO, lambda c, _: as_number(ACCOUNT_NO, c.account_no)),
        col("户名", PERSON_NAME, text_of(PERSON_NAME, "name")),
        col("手机号码", PHONE, lambda c, _: as_number(PHONE, c.mobile)),
        col("联系电话", PHONE, text_of(PHONE, "landline"), width=14),
        col("身份证号码", ID_NUMBER, lambda c, _: as_number(ID_NUMBER, c.id_number), width=21),
        col("电能表资产编号", METER_ID, lambda c, _: as_number(METER_ID, c.meter_id), width=26),
        col("本月电量(kWh)", None, plain_of("usage_kwh")),
        col("欠费金额(元)", None, plain_of("arrears"), number_format="0.00"),
    ]


FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def messy_mobile(c: Customer, i: int) -> Cell:
    m = c.mobile
    forms: list[str | None] = [
        f"+86 {m[:3]} {m[3:7]} {m[7:]}", synth.dashed_mobile(m), f"{m[:3]} {m[3:7]} {m[7:]}",
        m.translate(FULL_WIDTH), f"0086 {m}", f"+86{m}", m, None, "N/A", "无", f"{m}  ",
    ]
    form = forms[i % len(forms)]
    if form is None or form in ("N/A", "无"):
        return Cell(form)
    return sensitive(PHONE, form)


def messy_id(c: Customer, i: int) -> Cell:
    number = c.id_number.replace("X", "x")
    if i % 13 == 5:
        return Cell(None)
    if i % 17 == 3:
        return Cell("无")
    if i % 7 == 2:
        number = number.translate(FULL_WIDTH)
    elif i % 5 == 1:
        number += " "
    return sensitive(ID_NUMBER, number)


def messy_name(c: Customer, i: int) -> Cell:
    name = c.name
    if i % 19 == 7:
        return Cell(None)
    if len(name) == 2 and i % 3 == 1:
        name = f"{name[0]} {name[1]}"  # how 2-character names are padded to line up with 3
    elif i % 6 == 0:
        name += " "
    return sensitive(PERSON_NAME, name)


def messy_date(c: Customer, i: int) -> Cell:
    day = c.reading_date
    forms: list[Any] = [day, f"{day:%Y/%m/%d}", f"{day.year}年{day.month}月{day.day}日", day, f"{day:%Y%m%d}"]
    return plain(forms[i % len(forms)])


def messy_columns() -> list[Column]:
    return [
        col("户号 ", ACCOUNT_NO, lambda c, i: sensitive(ACCOUNT_NO, c.account_no + (" " if i % 8 == 3 else ""))),
        col("户名", PERSON_NAME, messy_name),
        col("手机", PHONE, messy_mobile, width=22),
        col("身份证", ID_NUMBER, messy_id, width=24),
        col("地址", ADDRESS, lambda c, i: Cell(None) if i % 23 == 4 else sensitive(ADDRESS, c.address + "  ")),
        col("电量", None, lambda c, i: plain(str(c.usage_kwh) if i % 4 == 0 else c.usage_kwh)),
        col("抄表日期", None, messy_date, number_format=DATE_FORMAT),
        col("备注", FREE_TEXT, lambda c, _: remark(c)),
    ]


def csv_zh_columns(*, password: bool) -> list[Column]:
    columns = [
        col("户号", ACCOUNT_NO, text_of(ACCOUNT_NO, "account_no")),
        col("户名", PERSON_NAME, text_of(PERSON_NAME, "name")),
        col("手机号码", PHONE, text_of(PHONE, "mobile")),
        col("电能表资产编号", METER_ID, text_of(METER_ID, "meter_id")),
        col("身份证号码", ID_NUMBER, text_of(ID_NUMBER, "id_number")),
        col("用电地址", ADDRESS, text_of(ADDRESS, "address")),
        col("本月电量(kWh)", None, plain_of("usage_kwh")),
        col("欠费金额(元)", None, lambda c, _: plain(f"{c.arrears:.2f}")),
        col("抄表日期", None, plain_of("reading_date")),
        col("备注", FREE_TEXT, lambda c, _: remark(c)),
    ]
    if password:
        columns.insert(5, col("服务密码", SECRET, text_of(SECRET, "service_password")))
    return columns


# --- the samples -----------------------------------------------------------------------------------


def people(count: int, seed: int, branch: synth.Branch = synth.BRANCHES[0]) -> list[Customer]:
    return list(synth.customers(count, seed, branch=branch))


def title_for(branch: synth.Branch) -> str:
    return f"{branch.name}2024年11月居民客户明细"


def sample_customers_zh(out: Path) -> Truth:
    truth = Truth("customers_zh.xlsx", "xlsx")
    branch = synth.BRANCHES[0]
    sheet = Sheet("明细", zh_columns(), people(200, 1101, branch), title=title_for(branch))
    write_xlsx(out / truth.file, [sheet], truth)
    return truth


def sample_customers_en(out: Path) -> Truth:
    truth = Truth("customers_en.xlsx", "xlsx")
    write_xlsx(out / truth.file, [Sheet("Customers", en_columns(), people(150, 1102, synth.BRANCHES[2]))], truth)
    return truth


def sample_no_header(out: Path) -> Truth:
    truth = Truth("no_header.xlsx", "xlsx")
    write_xlsx(out / truth.file, [Sheet("Sheet1", zh_columns()[:9], people(100, 1103), header=False)], truth)
    return truth


def sample_numbers_as_numbers(out: Path) -> Truth:
    truth = Truth("numbers_as_numbers.xlsx", "xlsx")
    sheet = Sheet("用户清单", numbers_columns(), people(120, 1104, synth.BRANCHES[1]))
    write_xlsx(out / truth.file, [sheet], truth)
    return truth


def sample_messy(out: Path) -> Truth:
    truth = Truth("messy.xlsx", "xlsx")
    write_xlsx(out / truth.file, [Sheet("客户资料", messy_columns(), people(110, 1105))], truth)
    return truth


def sample_csvs(out: Path) -> list[Truth]:
    specs = (
        ("customers_utf8bom.csv", 1106, "utf-8-sig", ",", False, en_columns()),
        ("customers_gb18030.csv", 1107, "gb18030", ",", True, None),
        ("customers_semicolon.csv", 1108, "utf-8", ";", False, None),
    )
    truths = []
    for name, seed, encoding, delimiter, password, columns in specs:
        truth = Truth(name, "csv")
        sheet = Sheet(Path(name).stem, columns or csv_zh_columns(password=password), people(80, seed))
        write_csv(out / name, sheet, truth, encoding=encoding, delimiter=delimiter)
        truths.append(truth)
    return truths


def sample_hidden_pii(out: Path) -> Truth:
    """PII outside the visible grid, each piece a finding in the truth file."""
    truth = Truth("hidden_pii.xlsx", "xlsx")
    rng = synth.make_rng(1109)
    wb = new_workbook()
    columns = [
        col("户号", ACCOUNT_NO, text_of(ACCOUNT_NO, "account_no"), width=13),
        col("户名", PERSON_NAME, text_of(PERSON_NAME, "name")),
        col("本月电量(kWh)", None, plain_of("usage_kwh")),
        col("欠费金额(元)", None, plain_of("arrears"), number_format="0.00"),
        col("身份证号码", ID_NUMBER, text_of(ID_NUMBER, "id_number"), hidden=True),
        col("抄表日期", None, plain_of("reading_date"), number_format=DATE_FORMAT, width=12),
        col("备注", FREE_TEXT, lambda c, _: remark(c), width=36),
        col("经办人", None, lambda c, _: plain("营业厅")),
    ]
    main = wb.active
    write_sheet(main, Sheet("明细", columns, people(60, 1110)), truth)
    truth.findings.append({"location": "hidden column 明细!E", "kind": ID_NUMBER, "detail": "column hidden"})

    backup = wb.create_sheet()
    write_sheet(backup, Sheet("客户备份", zh_columns(), people(50, 1111), visibility="hidden"), truth)
    system_columns = [
        col("户号", ACCOUNT_NO, text_of(ACCOUNT_NO, "account_no")),
        col("户名", PERSON_NAME, text_of(PERSON_NAME, "name")),
        col("身份证号码", ID_NUMBER, text_of(ID_NUMBER, "id_number")),
        col("银行卡号", BANK_CARD, text_of(BANK_CARD, "bank_card")),
        col("服务密码", SECRET, text_of(SECRET, "service_password")),
    ]
    system = wb.create_sheet()
    write_sheet(system, Sheet("系统数据", system_columns, people(30, 1112), visibility="veryHidden"), truth)

    add_document_properties(wb, truth, rng)
    add_sheet_extras(wb, main, truth, rng)
    save_workbook(wb, out / truth.file)
    return truth


def add_document_properties(wb: Workbook, truth: Truth, rng: random.Random) -> None:
    creator_phone = "13800138000"
    wb.properties.creator = f"张伟 {creator_phone}"
    truth.add_finding("document property creator", PERSON_NAME, "core property", "张伟")
    truth.add_finding("document property creator", PHONE, "core property", creator_phone)
    modifier = synth.fake_name(rng)
    wb.properties.lastModifiedBy = modifier
    truth.add_finding("document property lastModifiedBy", PERSON_NAME, "core property", modifier)
    handler = synth.fake_name(rng)
    wb.properties.title = f"城东营业厅2024年11月欠费明细（经办：{handler}）"
    truth.add_finding("document property title", PERSON_NAME, "core property", handler)
    subject_phone = synth.fake_mobile(rng)
    wb.properties.subject = f"欠费催缴，回电 {subject_phone}"
    truth.add_finding("document property subject", PHONE, "core property", subject_phone)
    keyword_id = synth.fake_id_number(rng, "3201")
    wb.properties.keywords = f"欠费;催缴;{keyword_id}"
    truth.add_finding("document property keywords", ID_NUMBER, "core property", keyword_id)
    custom_phone = synth.fake_mobile(rng)
    wb.custom_doc_props.append(StringProperty(name="联系电话", value=custom_phone))
    truth.add_finding("document property 联系电话 (custom)", PHONE, "custom property", custom_phone)


def add_sheet_extras(wb: Workbook, main: Worksheet, truth: Truth, rng: random.Random) -> None:
    """A comment, a page header, defined names, a validation list and a mailto link."""
    commenter, comment_phone = synth.fake_name(rng), synth.fake_mobile(rng)
    main["G5"].comment = Comment(f"已核实，联系人{commenter} {comment_phone}", "营业厅")
    truth.add_finding("comment on 明细!G5", PERSON_NAME, "cell comment", commenter)
    truth.add_finding("comment on 明细!G5", PHONE, "cell comment", comment_phone)

    maker, maker_phone = synth.fake_name(rng), synth.fake_mobile(rng)
    main.oddHeader.center.text = f"制表人：{maker} {maker_phone}"
    main.oddFooter.right.text = "第 &P 页"
    truth.add_finding("header/footer of 明细", PERSON_NAME, "page header", maker)
    truth.add_finding("header/footer of 明细", PHONE, "page header", maker_phone)

    contact, contact_phone = synth.fake_name(rng), synth.fake_mobile(rng)
    wb.defined_names["联系人"] = DefinedName("联系人", attr_text=f'"{contact} {contact_phone}"')
    truth.add_finding("defined name 联系人", PERSON_NAME, "constant", contact)
    truth.add_finding("defined name 联系人", PHONE, "constant", contact_phone)
    spare_id = synth.fake_id_number(rng)
    wb.defined_names["备用证件"] = DefinedName("备用证件", attr_text=f'"{spare_id}"')
    truth.add_finding("defined name 备用证件", ID_NUMBER, "constant", spare_id)

    handlers = [synth.fake_name(rng) for _ in range(3)]
    handler_phones = [synth.fake_mobile(rng) for _ in range(3)]
    choices = ",".join(f"{name} {phone}" for name, phone in zip(handlers, handler_phones, strict=True))
    validation = DataValidation(type="list", formula1=f'"{choices}"', allow_blank=True)
    main.add_data_validation(validation)
    validation.add("H2:H61")
    truth.add_finding("data validation on 明细!H2:H61", PERSON_NAME, "list choices", *handlers)
    truth.add_finding("data validation on 明细!H2:H61", PHONE, "list choices", *handler_phones)

    email = synth.fake_email(rng)
    main["H3"].hyperlink = f"mailto:{email}"
    truth.add_finding("hyperlink 明细!H3", EMAIL, "mailto link", email)


def sample_multi_sheet(out: Path) -> Truth:
    truth = Truth("multi_sheet.xlsx", "xlsx")
    east = people(80, 1113, synth.BRANCHES[0])
    west_columns = [
        col("客户编号", ACCOUNT_NO, text_of(ACCOUNT_NO, "account_no")),
        col("客户名称", PERSON_NAME, text_of(PERSON_NAME, "name")),
        col("证件号码", ID_NUMBER, text_of(ID_NUMBER, "id_number")),
        col("联系方式", PHONE, text_of(PHONE, "mobile")),
        col("服务密码", SECRET, text_of(SECRET, "service_password")),
        col("银行卡号", BANK_CARD, text_of(BANK_CARD, "bank_card")),
        col("电子邮箱", EMAIL, text_of(EMAIL, "email")),
        col("表号", METER_ID, text_of(METER_ID, "meter_id")),
        col("欠费", None, plain_of("arrears")),
    ]
    west = people(70, 1114, synth.BRANCHES[3])
    summary_columns = [
        col("区域", None, lambda r, _: plain(r[0])),
        col("户数", None, lambda r, _: plain(r[1])),
        col("总电量(kWh)", None, lambda r, _: plain(r[2])),
        col("欠费总额(元)", None, lambda r, _: plain(r[3]), number_format="0.00"),
    ]
    sheets = [
        Sheet("城东", zh_columns(), east),
        Sheet("城西", west_columns, west),
        Sheet("汇总", summary_columns, district_totals(east + west)),
    ]
    write_xlsx(out / truth.file, sheets, truth)
    return truth


def district_totals(rows: Iterable[Customer]) -> list[tuple[str, int, float, float]]:
    """Customers, usage and arrears per district: nothing about any one customer."""
    totals: dict[str, tuple[int, float, float]] = {}
    for customer in rows:
        region = region_for_code(customer.address_region)
        name = region.full_name if region is not None else "其他"
        count, usage, arrears = totals.get(name, (0, 0.0, 0.0))
        totals[name] = (count + 1, usage + customer.usage_kwh, arrears + customer.arrears)
    return [(name, n, round(u, 2), round(a, 2)) for name, (n, u, a) in sorted(totals.items())]


SAMPLES: tuple[Callable[[Path], Truth | list[Truth]], ...] = (
    sample_customers_zh,
    sample_customers_en,
    sample_no_header,
    sample_numbers_as_numbers,
    sample_messy,
    sample_csvs,
    sample_hidden_pii,
    sample_multi_sheet,
)


def write_samples(out: Path) -> list[str]:
    """Write every sample and its truth files into ``out``; the names of the samples."""
    out.mkdir(parents=True, exist_ok=True)
    names = []
    for make in SAMPLES:
        made = make(out)
        for truth in made if isinstance(made, list) else [made]:
            write_truth(out, Path(truth.file).stem, truth)
            names.append(truth.file)
    return names


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="folder for the samples, or the file for --big")
    parser.add_argument("--big", type=int, metavar="N", help="write one N-row workbook instead")
    parser.add_argument("--seed", type=int, default=2024, help="seed of the --big customers")
    args = parser.parse_args(argv)
    if args.big is not None:
        if args.out is None:
            parser.error("--big needs --out PATH")
        bigxlsx.write_customers_xlsx(args.out, args.big, seed=args.seed)
        return 0
    for name in write_samples(args.out or HERE):
        print(name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
