"""The Review page's re-identification risk: measured over the whole file, roles editable, a policy's
minimum k blocks the export, and accepting the suggestion unblocks it (the export then meets k)."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from risk_world import write_min_k_policy, write_residents
from test_desktop_support import TIMEOUT_MS, open_and_scan

from desktop.main_window import MainWindow
from desktop.models import RISK_ROLE, ColumnsModel
from desktop.session import Session
from desktop.wording import event_details
from masking.risk.roles import Role

pytest_plugins = ("test_desktop_support",)  # the shared fixtures


@pytest.fixture
def residents(tmp_path: Path, home: Path) -> Path:  # before the window: its session reads the policy
    home.mkdir(parents=True, exist_ok=True)
    write_min_k_policy(home / "policy.toml")  # the organisation's policy: min_k = 5
    source = tmp_path / "居民.csv"
    write_residents(source)
    return source


def _measured(session: Session) -> bool:
    return session.risk is not None and session.risk.key == session.risk_key()


def test_risk_blocks_then_the_accepted_suggestion_passes(qtbot: QtBot, residents: Path, window: MainWindow,
                                                         tmp_path: Path) -> None:
    session = window.session
    open_and_scan(qtbot, window, residents)
    qtbot.waitUntil(lambda: _measured(session), timeout=TIMEOUT_MS)
    page = window.review_page
    assert session.risk is not None and session.risk.min_k == 5
    assert "k = 1 on 地址, 出生年份, 性别" in page.risk_label.text()
    assert not page.accept_button.isHidden()
    export = window.export_page
    export.recipient.setEditText("街道办")
    export.purpose.setEditText("入户走访")
    verdict = session.verdict()
    assert verdict is not None and [v.code for v in verdict.violations] == ["k_below_min"]
    assert not export.export_button.isEnabled()

    page.accept_button.click()
    assert session.generalize and page.accept_button.isHidden()
    assert "Suggestion accepted" in page.risk_label.text() and "3 rows with rare combinations" in page.risk_label.text()
    verdict = session.verdict()
    assert verdict is not None and verdict.ok
    assert export.export_button.isEnabled()

    out = tmp_path / "out.csv"
    export.output.setText(str(out))
    export._output_edited = True
    with qtbot.waitSignal(export.export_finished, timeout=TIMEOUT_MS):
        assert export.start_export()
    with out.open(encoding="utf-8-sig", newline="") as handle:
        groups = Counter((r["地址"], r["出生年份"], r["性别"]) for r in csv.DictReader(handle))
    assert min(groups.values()) >= 5
    ledger = session.ledger()
    assert ledger is not None
    (entry,) = ledger.entries("export")
    details = event_details(entry.event, entry.body)  # the Audit page's details column, also in its xlsx
    assert "grade 3" in details and "k = 12 on 地址, 出生年份, 性别" in details
    assert "3 rows left out (rare)" in details and "generalized: 居民!D (出生年份)" in details


def test_a_role_changed_on_the_page_is_measured_again(qtbot: QtBot, residents: Path, window: MainWindow) -> None:
    session = window.session
    open_and_scan(qtbot, window, residents)
    qtbot.waitUntil(lambda: _measured(session), timeout=TIMEOUT_MS)
    model = window.review_page.columns_model
    sex = next(row for row in range(model.rowCount()) if model.column_scan(row).header == "性别")
    birth = next(row for row in range(model.rowCount()) if model.column_scan(row).header == "出生年份")
    assert model.index(sex, ColumnsModel.ROLE).data(RISK_ROLE) == Role.QUASI.value
    assert model.setData(model.index(sex, ColumnsModel.ROLE), Role.OTHER.value, RISK_ROLE)
    assert model.setData(model.index(birth, ColumnsModel.ROLE), Role.OTHER.value, RISK_ROLE)
    assert session.roles() == ("居民!E=other", "居民!D=other")
    qtbot.waitUntil(lambda: _measured(session), timeout=TIMEOUT_MS)
    assert session.risk is not None
    (sheet,) = session.risk.risk.sheets
    assert sheet.quasi_identifiers == ("地址",) and sheet.figures.k >= 5  # two districts, ~300 rows each
    assert "k = " in window.review_page.risk_label.text() and window.review_page.accept_button.isHidden()


def test_the_preview_shows_the_accepted_generalization(qtbot: QtBot, residents: Path, window: MainWindow) -> None:
    """Once the suggestion is accepted, the preview is the export: the generalized column's values
    coarsened by the step taken, and the rare rows it leaves out marked as such."""
    session = window.session
    open_and_scan(qtbot, window, residents)
    qtbot.waitUntil(lambda: _measured(session), timeout=TIMEOUT_MS)
    page, model = window.review_page, window.review_page.preview_model
    model.set_mode("after")
    headers = [str(model.headerData(i, Qt.Orientation.Horizontal)) for i in range(model.columnCount())]
    year = next(i for i, header in enumerate(headers) if "出生年份" in header)
    shown = [model.data(model.index(row, year)) for row in range(model.rowCount())]
    assert shown[17] == "1921" and "1921" not in shown[:17]  # the rare resident, as read

    page.accept_button.click()
    generalized = [model.data(model.index(row, year)) for row in range(model.rowCount())]
    assert generalized[17] == "(row left out)"
    assert all(text != before for text, before in zip(generalized, shown, strict=True))
    assert {len(text) for row, text in enumerate(generalized) if row != 17} != {4}  # bands, not years


def test_the_preview_marks_the_rows_a_filter_and_the_generalization_leave_out(
        qtbot: QtBot, residents: Path, window: MainWindow) -> None:
    """With a filter chosen, the generalization counts its rare rows among the rows the filter keeps; the
    preview maps each of its rows to that position (the export's own rule), so it marks what the export
    leaves out: the rows the filter does not keep, and the rare rows among those it keeps."""
    session = window.session
    open_and_scan(qtbot, window, residents)
    export = window.export_page
    export.rows_box.setChecked(True)
    export.filter_check.setChecked(True)
    export.filter_column.setCurrentIndex(export.filter_column.findData("性别"))
    export.filter_value.setText("女")
    export.apply_selection()
    qtbot.waitUntil(lambda: not export.counting and _measured(session), timeout=TIMEOUT_MS)
    page, model = window.review_page, window.review_page.preview_model
    page.accept_button.click()
    assert session.generalize
    model.set_mode("after")
    sexes = [row[4] for row in csv.reader(residents.read_text("utf-8-sig").splitlines()[1:])][:model.rowCount()]
    kept = [row for row, sex in enumerate(sexes) if sex == "女"]  # the filter, read independently
    suggestion = session.risk.suggestion if session.risk is not None else None
    assert suggestion is not None
    rare = {kept[position] for position in suggestion.suppressed["居民"].tolist() if position < len(kept)}
    assert 17 in rare and sexes[17] == "女"  # the rare resident of the first rows, counted among the women
    shown = [model.data(model.index(row, 0)) for row in range(model.rowCount())]
    for row, text in enumerate(shown):
        expected = "(not chosen)" if row not in kept else "(row left out)" if row in rare else None
        assert (text if text in ("(not chosen)", "(row left out)") else None) == expected, (row, text)
    export.rows_box.setChecked(False)  # every row again: nothing is marked as not chosen
    export.apply_selection()
    qtbot.waitUntil(lambda: "(not chosen)" not in [model.data(model.index(r, 0)) for r in range(model.rowCount())],
                    timeout=TIMEOUT_MS)
