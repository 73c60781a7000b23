"""An export's own scan takes a sheet's row count as its ``<dimension>`` states it (no pass over the
sheet): a wrong statement must never let an export past the policy, nor refuse one wrongly, nor
misplace its canaries beyond what its rows call for."""

from __future__ import annotations

import re
import sys
import zipfile
from pathlib import Path

import pytest

from masking.errors import PolicyError
from masking.io.reader import open_workbook
from masking.pipeline import ExportRequest, prepare_export, run_export
from masking.policy import DEFAULT_POLICY
from masking.workspace import Workspace

SAMPLES = Path(__file__).resolve().parent.parent / "resources" / "samples"
ROWS = 3_000  # more than the 1,000 rows the scan reads, so the count is the stated one


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    sys.path.insert(0, str(SAMPLES))
    try:
        import bigxlsx
    finally:
        sys.path.remove(str(SAMPLES))
    path = tmp_path_factory.mktemp("stated") / "customers.xlsx"
    bigxlsx.write_customers_xlsx(path, ROWS, seed=5)
    return path


def _stating(source: Path, folder: Path, rows: int) -> Path:
    """A copy of ``source`` whose sheet states ``rows`` data rows (and a header row)."""
    target = folder / f"stated_{rows}.xlsx"
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = old.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data, count = re.subn(rb'<dimension ref="A1:J\d+"/>', f'<dimension ref="A1:J{rows + 1}"/>'.encode(),
                                      data)
                assert count == 1
            new.writestr(info, data)
    return target


def _policy(folder: Path, threshold: int) -> Path:
    path = folder / "policy.toml"
    text = DEFAULT_POLICY.read_text(encoding="utf-8")
    path.write_text(text.replace("# approval_threshold = 5000", f"approval_threshold = {threshold}"), encoding="utf-8")
    return path


def _export(source: Path, tmp_path: Path, policy: Path | None = None):  # type: ignore[no-untyped-def]
    home = tmp_path / "home"
    workspace = Workspace(home)
    ring, _ = workspace.keystore.open_or_create()
    request = ExportRequest(input=source, recipient="城东代收银行", purpose="欠费催缴", output=tmp_path / "out.xlsx",
                            policy_file=policy)
    prepared = prepare_export(request, home)
    return prepared, lambda: run_export(prepared, ring, workspace.ledger(ring), parallel=False)


def _data_rows(path: Path) -> int:
    with open_workbook(path) as workbook:
        sheet = [info for info in workbook.sheets if not info.name.startswith("外发")][-1]
        return sum(1 for _ in workbook.data_rows(sheet.name))


def test_a_sheet_stating_more_rows_gets_the_canaries_its_rows_call_for(source: Path, tmp_path: Path) -> None:
    prepared, run = _export(_stating(source, tmp_path, 2 * ROWS), tmp_path)
    assert prepared.report.sheets[0].data_rows == 2 * ROWS and not prepared.report.sheets[0].rows_exact
    result = run()
    assert result.rows == ROWS
    canaries = _data_rows(tmp_path / "out.xlsx") - ROWS
    # about half the places of the stated 6,000 rows lie past the real end: of those, only as many go
    # after the last row as the 3,000 rows call for (the ones in the rows are already placed)
    assert round(ROWS * 0.015) <= canaries < round(2 * ROWS * 0.015)


def test_a_sheet_stating_fewer_rows_than_an_approval_threshold_is_judged_on_its_rows(
    source: Path, tmp_path: Path
) -> None:
    prepared, run = _export(_stating(source, tmp_path, ROWS // 2), tmp_path, _policy(tmp_path, ROWS - 1))
    assert prepared.verdict.ok  # judged on the stated 1,500 rows
    with pytest.raises(PolicyError, match="approval"):
        run()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(("out", ".~"))] == []


def test_a_stated_size_past_an_approval_threshold_is_counted_before_refusing(source: Path, tmp_path: Path) -> None:
    prepared, run = _export(_stating(source, tmp_path, 10 * ROWS), tmp_path, _policy(tmp_path, 2 * ROWS))
    assert prepared.verdict.ok and prepared.report.sheets[0].rows_exact
    assert prepared.report.sheets[0].data_rows == ROWS
    assert run().rows == ROWS


def test_a_stated_size_past_the_xlsx_row_limit_is_counted_before_refusing(
    source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import masking.pipeline

    monkeypatch.setattr(masking.pipeline, "MAX_XLSX_ROWS", 2 * ROWS)
    prepared, run = _export(_stating(source, tmp_path, 3 * ROWS), tmp_path)
    assert prepared.report.sheets[0].rows_exact and prepared.report.sheets[0].data_rows == ROWS
    assert run().rows == ROWS
