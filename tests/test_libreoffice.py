"""Exports open in LibreOffice with every value intact: an export of Chinese customer data with long
digit strings is converted by LibreOffice headless (sheet by sheet, to CSV) and each cell is compared
with what our own reader finds in the file. CI installs LibreOffice (.ci/run), so there the test runs;
without it the test is skipped on a developer's machine and fails under CI."""

from __future__ import annotations

import csv
import datetime as dt
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from masking.cli.main import run
from masking.io.model import Value
from masking.io.reader import open_workbook

SOFFICE = shutil.which("soffice")
# every sheet to its own UTF-8 CSV (token 12 = -1), comma-separated, quoted text, cells as shown
ALL_SHEETS_CSV = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
ROWS = [
    ["客户名称", "手机号码", "身份证号", "电能表资产编号", "户号", "地址", "备注", "电费"],
    ["张三丰", "13912345678", "110105194912310021", "0101234567890123456789", "0031000123",
     "北京市海淀区中关村大街1号", "欠费已催缴，联系人王工", "123.45"],
    ["李四", "13812345678", "11010519491231002X", "0101234567890123456790", "0031000124",
     "上海市浦东新区世纪大道100号", "=1+1 不是公式", "-7.5"],
    ["欧阳娜娜", "+86 139 1234 5679", "110105194912310048", "0101234567890123456791", "3100012345",
     "广东省深圳市南山区科技园", "𠀋 生僻字", "0"],
]


def _shown(value: Value) -> str:
    """A cell as LibreOffice's CSV shows it with the writer's formats (yyyy-mm-dd, plain numbers)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


@pytest.mark.skipif(SOFFICE is None and not os.environ.get("CI"), reason="LibreOffice is not installed")
def test_an_export_reads_back_the_same_in_libreoffice(tmp_path: Path) -> None:
    assert SOFFICE is not None, "CI must install LibreOffice (libreoffice-calc-nogui in .ci/run)"
    source = tmp_path / "客户.csv"
    with source.open("w", encoding="gb18030", newline="") as handle:
        csv.writer(handle).writerows(ROWS)
    output = tmp_path / "外发.xlsx"
    home = tmp_path / "home"
    assert run(["--home", str(home), "keys", "init", "--no-passphrase"]) == 0
    assert run(["--home", str(home), "export", str(source), "--recipient", "银行", "--purpose", "核对",
                "--out", str(output), "--quiet"]) == 0
    converted = tmp_path / "lo"
    subprocess.run([SOFFICE, "--headless", f"-env:UserInstallation=file://{tmp_path / 'profile'}",
                    "--convert-to", ALL_SHEETS_CSV, "--outdir", str(converted), str(output)],
                   check=True, capture_output=True, timeout=300)
    with open_workbook(output) as book:
        assert len(book.sheets) == 2  # the notice sheet and the data
        for sheet in book.sheets:
            ours = [[_shown(v) for v in values] for _, values in book.rows(sheet.name)]
            with (converted / f"外发-{sheet.name}.csv").open(encoding="utf-8", newline="") as handle:
                theirs = [row for row in csv.reader(handle) if any(row)]
            width = max(len(row) for row in ours)
            assert [row + [""] * (width - len(row)) for row in ours] == \
                   [row + [""] * (width - len(row)) for row in theirs]
    data = theirs  # the customer sheet comes last
    assert data[0] == ROWS[0]
    by_column = list(zip(*data[1:], strict=True))
    assert all(len(meter) == 22 and meter.isdigit() for meter in by_column[3])  # 22 digits, never 1.01E+21
    assert all(len(account) == 10 and account.isdigit() for account in by_column[4])  # leading zeros kept
    assert {"北京市海淀区", "上海市浦东新区", "广东省深圳市南山区"} <= set(by_column[5])  # generalized, Chinese intact
    assert "=1+1 不是公式" in by_column[6]  # text that looks like a formula stays text
    assert sorted(by_column[7], key=float)[:2] == ["-7.5", "0"]
