"""A large customer workbook for benchmarks, written as a stream in the layout Excel saves.

Excel keeps text in a shared-strings table. openpyxl (also in write-only mode) and xlsxwriter
(outside constant_memory mode) collect that table in memory before writing it, and xlsxwriter's
constant_memory mode writes inline strings instead, which is not what Excel produces. So this
writes the package itself: the sheet XML goes straight into the zip while the shared strings go to
a temporary file, which is copied in once the counts are known. Memory stays flat in the row count.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO
from xml.sax.saxutils import escape

from masking import synth
from masking.synth import Customer

HEADERS = (
    "户号", "户名", "手机号码", "电能表资产编号", "身份证号码",
    "用电地址", "本月电量(kWh)", "欠费金额(元)", "抄表日期", "备注",
)
LETTERS = "ABCDEFGHIJ"
EXCEL_EPOCH = dt.date(1899, 12, 30)
COMPRESS_LEVEL = 1  # four times faster than zlib's default here; readers do not care
REUSE_LIMIT = 50_000  # distinct strings remembered for reuse; recurring remarks fit well within

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    '<Override PartName="/docProps/core.xml" '
    'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
    '<Override PartName="/docProps/app.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/'
    'core-properties" Target="docProps/core.xml"/>'
    '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'extended-properties" Target="docProps/app.xml"/>'
    "</Relationships>"
)
CORE = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    "<dc:creator>营业厅</dc:creator>"
    '<dcterms:created xsi:type="dcterms:W3CDTF">2024-12-01T09:00:00Z</dcterms:created>'
    '<dcterms:modified xsi:type="dcterms:W3CDTF">2024-12-01T09:00:00Z</dcterms:modified>'
    "</cp:coreProperties>"
)
APP = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
    "<Application>Microsoft Excel</Application></Properties>"
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="明细" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'styles" Target="styles.xml"/>'
    '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'sharedStrings" Target="sharedStrings.xml"/>'
    "</Relationships>"
)
# Style 0: General; style 1: the built-in date format 14; style 2: two decimals (numFmt 2).
STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="1"><font><sz val="11"/><name val="等线"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="2" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="常规" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<dimension ref="A1:J{last}"/><sheetViews><sheetView workbookViewId="0"/></sheetViews>'
    '<sheetFormatPr defaultRowHeight="14.25"/><sheetData>'
)
SHEET_TAIL = (
    '</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
    "</worksheet>"
)


class _SharedStrings:
    """Indexes strings in first-seen order, spooling each new one to ``spool`` as an <si>."""

    def __init__(self, spool: IO[str]) -> None:
        self._spool = spool
        self._pending: list[str] = []
        self._reuse: dict[str, int] = {}
        self.count = 0   # string cells
        self.unique = 0  # <si> entries

    def index(self, text: str) -> int:
        self.count += 1
        known = self._reuse.get(text)
        if known is not None:
            return known
        index = self.unique
        self.unique += 1
        if len(self._reuse) < REUSE_LIMIT:
            self._reuse[text] = index
        if "&" in text or "<" in text or ">" in text:
            text = escape(text)
        self._pending.append(f"<si><t>{text}</t></si>")
        return index

    def flush(self) -> None:
        self._spool.write("".join(self._pending))
        self._pending.clear()


def _rows(customers: Iterator[Customer], strings: _SharedStrings) -> Iterator[str]:
    s = strings.index
    cells = "".join(
        f'<c r="{letter}1" t="s"><v>{s(text)}</v></c>' for letter, text in zip(LETTERS, HEADERS, strict=True)
    )
    yield f'<row r="1">{cells}</row>'
    for number, c in enumerate(customers, start=2):
        serial = (c.reading_date - EXCEL_EPOCH).days
        note = f'<c r="J{number}" t="s"><v>{s(c.remark)}</v></c>' if c.remark else ""
        yield (
            f'<row r="{number}">'
            f'<c r="A{number}" t="s"><v>{s(c.account_no)}</v></c>'
            f'<c r="B{number}" t="s"><v>{s(c.name)}</v></c>'
            f'<c r="C{number}" t="s"><v>{s(c.mobile)}</v></c>'
            f'<c r="D{number}" t="s"><v>{s(c.meter_id)}</v></c>'
            f'<c r="E{number}" t="s"><v>{s(c.id_number)}</v></c>'
            f'<c r="F{number}" t="s"><v>{s(c.address)}</v></c>'
            f'<c r="G{number}"><v>{c.usage_kwh!r}</v></c>'
            f'<c r="H{number}" s="2"><v>{c.arrears!r}</v></c>'
            f'<c r="I{number}" s="1"><v>{serial}</v></c>'
            f"{note}</row>"
        )


def write_customers_xlsx(path: Path, rows: int, *, seed: int = 2024, batch: int = 2000) -> None:
    """Write ``rows`` customers under one header row to ``path`` (a 10-column sheet 明细)."""
    if rows < 0:
        raise ValueError("rows must not be negative")
    path.parent.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryFile("w+", encoding="utf-8", dir=path.parent) as spool,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL) as package,
    ):
        for name, text in (
            ("[Content_Types].xml", CONTENT_TYPES),
            ("_rels/.rels", ROOT_RELS),
            ("docProps/app.xml", APP),
            ("docProps/core.xml", CORE),
            ("xl/workbook.xml", WORKBOOK),
            ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
            ("xl/styles.xml", STYLES),
        ):
            package.writestr(name, text)
        strings = _SharedStrings(spool)
        with package.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(SHEET_HEAD.format(last=rows + 1).encode())
            pending: list[str] = []
            for row in _rows(synth.customers(rows, seed), strings):
                pending.append(row)
                if len(pending) >= batch:
                    sheet.write("".join(pending).encode())
                    pending.clear()
                    strings.flush()
            sheet.write(("".join(pending) + SHEET_TAIL).encode())
        strings.flush()
        spool.flush()
        spool.seek(0)
        with package.open("xl/sharedStrings.xml", "w", force_zip64=True) as table:
            table.write(
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                f'count="{strings.count}" uniqueCount="{strings.unique}">'.encode()
            )
            while chunk := spool.read(1 << 20):
                table.write(chunk.encode())
            table.write(b"</sst>")

