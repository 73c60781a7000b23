"""Legacy workbooks branch offices still have: Excel 97-2003 .xls, WPS .et and OpenDocument .ods, read
through python-calamine with the same rows, types, header detection and protection as xlsx.

tests/legacy/ holds one workbook written by xlsxwriter (legacy_source.xlsx: a title row, Chinese text,
a 22-digit meter number as text, an 18-digit ID typed as a number, dates, booleans, a hidden sheet)
and the .xls and .ods LibreOffice 7.4 saved from it. The .xlsb files are Excel's, from calamine's test
fixtures (MIT licence, github.com/tafia/calamine tests/): no tool here writes .xlsb."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from masking.cli.main import run
from masking.errors import InputError
from masking.io import legacy_reader
from masking.io.model import Damaged, Visibility
from masking.io.reader import open_workbook

LEGACY = Path(__file__).resolve().parent / "legacy"


def _everything(path: Path) -> dict[str, list[tuple[int, tuple[object, ...]]]]:
    with open_workbook(path) as book:
        return {sheet.name: list(book.rows(sheet.name)) for sheet in book.sheets}


@pytest.mark.parametrize("name", ["legacy_source.xls", "legacy_source.ods"])
def test_legacy_workbooks_read_like_the_xlsx_they_came_from(name: str) -> None:
    assert _everything(LEGACY / name) == _everything(LEGACY / "legacy_source.xlsx")
    with open_workbook(LEGACY / name) as book:
        assert [(s.name, s.visibility) for s in book.sheets] == [("客户", Visibility.VISIBLE),
                                                                   ("备用", Visibility.HIDDEN)]
        table = book.table("客户")
        assert (table.header_row, table.title_rows, book.count_rows("客户")) == (3, 1, 3)
        first = next(iter(book.data_rows("客户")))[1]
    assert first[0] == "0031000123" and first[1] == "张三丰" and first[2] == 13912345678
    assert first[3] == "0101234567890123456789"
    assert isinstance(first[4], Damaged)  # an 18-digit ID typed as a number: Excel kept 15 digits


def test_a_wps_et_file_is_read(tmp_path: Path) -> None:
    et = tmp_path / "客户.et"  # WPS writes the same BIFF format as Excel 97-2003
    shutil.copyfile(LEGACY / "legacy_source.xls", et)
    assert _everything(et) == _everything(LEGACY / "legacy_source.xlsx")


@pytest.mark.parametrize("name", ["legacy_source.xls", "legacy_source.ods"])
def test_legacy_workbook_exports_with_detection(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home, out = tmp_path / "home", tmp_path / "out.csv"
    assert run(["--home", str(home), "keys", "init", "--no-passphrase"]) == 0
    assert run(["--home", str(home), "export", str(LEGACY / name), "--recipient", "银行", "--purpose", "核对",
                "--out", str(out), "--quiet"]) == 0
    with open_workbook(out) as book:
        rows = [values for _, values in book.rows(book.sheets[0].name)]
    assert rows[0][:3] == ("户号", "户名", "手机号码")
    names = [row[1] for row in rows[1:]]
    assert "张三丰" not in names and any(str(n).startswith("张") for n in names)  # masked, not kept
    assert all(len(str(row[3])) == 22 for row in rows[1:])


def test_unreadable_ole_and_ods_files_are_refused_in_one_line(tmp_path: Path) -> None:
    ole = tmp_path / "locked.xlsx"
    ole.write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 600)
    with pytest.raises(InputError, match=r"password-protected or unreadable \.xls workbook"):
        open_workbook(ole)
    ods = tmp_path / "broken.ods"
    ods.write_bytes((LEGACY / "legacy_source.ods").read_bytes()[:2000])
    with pytest.raises(InputError, match="corrupt or unreadable ods workbook"):
        open_workbook(ods)


def test_binary_xlsb_workbooks_are_read_with_types_and_sheet_visibility(tmp_path: Path) -> None:
    with open_workbook(LEGACY / "any_sheets.xlsb") as book:
        assert book.format == "xlsb"
        assert [(s.name, s.visibility) for s in book.sheets] == [
            ("Visible", Visibility.VISIBLE), ("Hidden", Visibility.HIDDEN), ("VeryHidden", Visibility.VERY_HIDDEN)]
        assert list(book.rows("Visible"))[:3] == [(1, (1, 2)), (2, (3, 4)), (3, (5, 6))]  # the chart sheet is no sheet
    with open_workbook(LEGACY / "date.xlsb") as book:
        rows = [values for _, values in book.rows("Sheet1")]
        assert rows[:2] == [(dt.date(2021, 1, 1), 15), (dt.date(2021, 1, 2), 16)]
    renamed = tmp_path / "客户.xlsx"  # an .xlsb saved under the wrong name is read as what it is
    shutil.copyfile(LEGACY / "issues.xlsb", renamed)
    with open_workbook(renamed) as book:
        assert book.format == "xlsb"
        assert list(book.rows("datatypes"))[:4] == [(1, (1,)), (2, (1.5,)), (3, ("ab",)), (4, (False,))]


def test_an_xlsb_workbook_exports_to_xlsx(tmp_path: Path) -> None:
    home, out = tmp_path / "home", tmp_path / "out.xlsx"
    assert run(["--home", str(home), "keys", "init", "--no-passphrase"]) == 0
    assert run(["--home", str(home), "export", str(LEGACY / "issues.xlsb"), "--recipient", "银行", "--purpose", "核对",
                "--out", str(out), "--quiet"]) == 0
    with open_workbook(out) as book:
        assert book.format == "xlsx"
        assert "datatypes" in [s.name for s in book.sheets] and "issue2" in [s.name for s in book.sheets]


def test_legacy_files_over_the_limit_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(legacy_reader, "LEGACY_MAX_BYTES", 1024)
    with pytest.raises(InputError, match="over 1 KiB"):
        open_workbook(LEGACY / "legacy_source.xls")
