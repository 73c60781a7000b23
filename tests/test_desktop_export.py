"""The export page driven offscreen: the live policy verdict, an export with progress, a cancelled one
that leaves nothing behind, and the event loop kept responsive while the worker exports."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import time
from pathlib import Path

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import QElapsedTimer, QTimer
from pytestqt.qtbot import QtBot
from test_desktop_support import BIG_ROWS, SAMPLES, TIMEOUT_MS, Dialogs, fill_export_form, open_and_scan

from desktop.main_window import MainWindow
from desktop.models import ACTION_ROLE, ColumnsModel
from masking.approval import generate_signing_key, issue_approval, write_signing_key
from masking.approval_request import read_request
from masking.cli.main import run
from masking.keys import KeyRing
from masking.kinds import Action
from masking.pipeline import ExportResult, file_sha256
from masking.policy import DEFAULT_POLICY, load_policy
from masking.recipient import Recipient
from masking.workspace import Workspace

pytestmark = pytest.mark.gui
pytest_plugins = ("test_desktop_support",)  # the shared fixtures
OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")


def _write_policy(home: Path, export_table: str) -> None:
    """The built-in policy with its [export] table replaced (the organisation's policy.toml)."""
    default = DEFAULT_POLICY.read_text("utf-8")
    kinds = default.split("[export]")[0]
    home.mkdir(parents=True, exist_ok=True)
    (home / "policy.toml").write_text(kinds + "[export]\n" + export_table, encoding="utf-8")


def test_policy_blocks_until_recipient_and_purpose_are_given(qtbot: QtBot, window: MainWindow,
                                                             dialogs: Dialogs) -> None:
    open_and_scan(qtbot, window, SAMPLES / "customers_zh.xlsx")
    page = window.export_page
    assert not page.can_export
    assert page.verdict.text().splitlines() == [
        "✘ The export is blocked. To fix it:",
        "• Enter the recipient: say who receives this file.",
        "• Enter the purpose: say why the file is sent.",
    ]
    page.recipient.setEditText("城东代收银行")
    assert not page.can_export
    assert "recipient" not in page.verdict.text()
    page.purpose.setEditText("欠费催缴")
    assert page.can_export
    assert page.verdict.text() == "✔ The policy allows this export."
    page.recipient.setEditText("   ")
    assert not page.can_export
    today = dt.date.today().strftime("%Y%m%d")  # the per-user outbox, named for the day (no recipient yet)
    assert page.output.text() == str(window.session.outbox / f"customers_zh_外发_{today}.xlsx")
    page.recipient.setEditText("城东代收银行")
    assert page.output.text() == str(window.session.outbox / f"customers_zh_外发_城东代收银行_{today}.xlsx")


def test_approval_threshold_blocks_and_a_valid_code_unblocks(qtbot: QtBot, home: Path, window: MainWindow,
                                                             dialogs: Dialogs) -> None:
    office = generate_signing_key()
    _write_policy(home, f'approval_threshold = 100\napproval_keys = ["{office.public_hex}"]\n')
    window.session.policy = load_policy(None, home)  # as if the security office had just sent it
    sample = SAMPLES / "customers_zh.xlsx"
    open_and_scan(qtbot, window, sample)
    page = window.export_page
    page.recipient.setEditText("城东代收银行")
    page.purpose.setEditText("欠费催缴")
    assert not page.can_export
    assert ("• 200 rows is more than the 100 allowed without approval: ask the security office for an approval "
            "code, or export fewer rows.") in page.verdict.text()

    page.approval.setText("EGA1-NOT-A-REAL-CODE")
    assert not page.can_export
    assert page.approval_state.text().startswith("✘ ")

    too_few = issue_approval(office, file_sha256(sample), Recipient.of("城东代收银行"), 150)
    page.approval.setText(too_few)
    assert "The approval code covers 150 rows, but the export has 200 rows." in page.verdict.text()

    code = issue_approval(office, file_sha256(sample), Recipient.of("城东代收银行"), 500)
    page.approval.setText(code)
    assert page.can_export
    assert page.approval_state.text().startswith("✔ Approved by AK-")


def test_an_approval_request_gets_a_code_without_the_file_or_the_command_line(  # noqa: PLR0917 (fixtures)
        qtbot: QtBot, home: Path, window: MainWindow, dialogs: Dialogs, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    office = generate_signing_key()
    key_file = tmp_path / "office.key"
    write_signing_key(office, key_file, "")
    _write_policy(home, f'approval_threshold = 100\napproval_keys = ["{office.public_hex}"]\n')
    window.session.policy = load_policy(None, home)
    open_and_scan(qtbot, window, SAMPLES / "customers_zh.xlsx")
    page = window.export_page
    page.recipient.setEditText("城东代收银行")
    page.purpose.setEditText("欠费催缴")
    assert not page.can_export and page.request_button.isVisibleTo(page)

    request_file = tmp_path / "申请.egreq"
    dialogs.request_paths.append(request_file)
    page.request_button.click()
    assert request_file.read_text(encoding="ascii").startswith("EGR1:")
    assert request_file.with_suffix(".png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"  # its QR code
    assert dialogs.infos and "申请.egreq" in dialogs.infos[-1]
    request = read_request(request_file)
    assert (request.input_sha256, request.recipient, request.rows) == (
        file_sha256(SAMPLES / "customers_zh.xlsx"), "城东代收银行", 200)
    ledger = window.session.ledger()
    assert ledger is not None
    [asked] = [e for e in ledger.entries("approval") if e.body.get("action") == "request"]
    assert asked.body["rows"] == 200 and asked.body["purpose"] == "欠费催缴"

    # the security office, from the request alone (in its own home)
    code = run(["--home", str(tmp_path / "office-home"), "approve", "--request", str(request_file),
                "--signing-key", str(key_file), "--json"])
    issued = json.loads(capsys.readouterr().out)
    assert code == 0 and issued["rows"] == 200 and issued["input_sha256"] == request.input_sha256
    page.approval.setText(issued["code"])
    assert page.can_export and not page.request_button.isVisibleTo(page)


def test_an_export_without_a_chosen_file_goes_to_the_outbox_named_for_recipient_and_day(
    qtbot: QtBot, window: MainWindow, dialogs: Dialogs
) -> None:
    outbox = window.session.outbox
    assert outbox is not None and not outbox.exists()  # made on the first export that goes there
    window.session._today = lambda: dt.date(2026, 12, 6)
    open_and_scan(qtbot, window, SAMPLES / "customers_zh.xlsx")
    page = window.export_page
    page.recipient.setEditText("城东 代收银行")
    page.purpose.setEditText("欠费催缴")
    with qtbot.waitSignal(page.export_finished, timeout=TIMEOUT_MS) as blocker:
        page.export_button.click()
    assert blocker.args[0].output == outbox / "customers_zh_外发_城东代收银行_20261206.xlsx"
    assert [p.name for p in outbox.iterdir()] == ["customers_zh_外发_城东代收银行_20261206.xlsx"]
    assert not (SAMPLES / "customers_zh_外发_城东代收银行.xlsx").exists()  # not beside the input, as the CLI


def test_password_policy_needs_the_box_ticked_and_an_excel_file(
    qtbot: QtBot, home: Path, tmp_path: Path, window: MainWindow, dialogs: Dialogs
) -> None:
    _write_policy(home, "require_password = true\nmandatory_layers = []\n")
    window.session.policy = load_policy(None, home)
    open_and_scan(qtbot, window, SAMPLES / "customers_zh.xlsx")
    page = window.export_page
    fill_export_form(window, tmp_path / "out.xlsx")
    assert not page.can_export
    assert "• The policy requires a password: tick “Protect with a password”." in page.verdict.text()

    page.password_check.setChecked(True)
    assert page.can_export
    page.format_combo.setCurrentIndex(page.format_combo.findData("csv"))
    assert not page.can_export
    assert not page.password_check.isEnabled() and not page.password_check.isChecked()
    assert "which a CSV file cannot have" in page.verdict.text()
    assert page.output.text().endswith("out.csv")
    page.format_combo.setCurrentIndex(page.format_combo.findData("xlsx"))
    page.password_check.setChecked(True)
    assert page.can_export

    with qtbot.waitSignal(page.export_finished, timeout=TIMEOUT_MS) as blocker:
        page.export_button.click()
    result = blocker.args[0]
    assert isinstance(result, ExportResult)
    assert result.password
    assert (tmp_path / "out.xlsx").read_bytes()[:8] == OLE_MAGIC  # an encrypted Office file
    assert f"Password of the file: {result.password}" in page.result.text()


def test_export_runs_with_progress_and_is_recorded(qtbot: QtBot, tmp_path: Path, window: MainWindow,
                                                   dialogs: Dialogs, ring: KeyRing) -> None:
    open_and_scan(qtbot, window, SAMPLES / "customers_zh.xlsx")
    columns = window.review_page.columns_model
    assert columns.column_scan(2).header == "手机号码"
    assert columns.setData(columns.index(2, ColumnsModel.ACTION), Action.MASK, ACTION_ROLE)
    output = tmp_path / "给银行.xlsx"
    fill_export_form(window, output)
    page = window.export_page
    progress: list[tuple[int, int]] = []
    page._runner.progressed.connect(lambda done, total: progress.append((done, total)))

    with qtbot.waitSignal(page.export_finished, timeout=TIMEOUT_MS) as blocker:
        page.export_button.click()
        assert page.exporting
        assert not page.can_export  # no second export while one runs
        assert page.cancel_button.isEnabled()

    result = blocker.args[0]
    assert isinstance(result, ExportResult)
    assert result.output == output and output.is_file()
    assert result.rows == 200
    assert progress and progress[-1] == (200, 200)
    assert page.progress.value() == 1000
    assert "200 rows in" in page.rate.text()
    summary = page.result.text()
    assert f"File: {output}" in summary
    assert "Rows: 200" in summary
    assert f"Export id: {result.export_id}" in summary
    assert "Mask × " in summary and "Pseudonymize × " in summary
    [entry] = Workspace(window.session.home).ledger(ring).entries("export")
    assert entry.body["export_id"] == result.export_id
    assert entry.body["recipient"] == "城东代收银行"
    phone = next(c for c in entry.body["columns"] if c["header"] == "手机号码")
    assert phone["action"] == "mask"

    page.open_folder_button.click()
    assert dialogs.opened_folders == [tmp_path] and not dialogs.errors
    dialogs.folders_open = False
    page.open_folder_button.click()  # "open folder" says when it cannot, and where the file is
    assert dialogs.errors == [f"The folder could not be opened here. The exported file is in:\n{tmp_path}"]
    dialogs.errors.clear()
    assert page.recipient.findText("城东代收银行") >= 0  # offered next time
    assert window.audit_page.model.rowCount() == 1


def test_existing_output_is_replaced_only_when_confirmed(qtbot: QtBot, tmp_path: Path, window: MainWindow,
                                                         dialogs: Dialogs) -> None:
    open_and_scan(qtbot, window, SAMPLES / "customers_zh.xlsx")
    output = tmp_path / "out.xlsx"
    output.write_bytes(b"an older export")
    fill_export_form(window, output)
    dialogs.overwrite.append(False)
    assert not window.export_page.start_export()
    assert output.read_bytes() == b"an older export"

    dialogs.overwrite.append(True)
    with qtbot.waitSignal(window.export_page.export_finished, timeout=TIMEOUT_MS):
        assert window.export_page.start_export()
    assert output.read_bytes()[:2] == b"PK"


def test_cancel_leaves_nothing_behind_and_the_window_keeps_repainting(
    qtbot: QtBot, tmp_path: Path, window: MainWindow, dialogs: Dialogs, *, ring: KeyRing, big_workbook: Path
) -> None:
    open_and_scan(qtbot, window, big_workbook)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    fill_export_form(window, out_dir / "big_export.xlsx")
    page = window.export_page
    ticks: list[int] = []
    clock = QElapsedTimer()
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(clock.elapsed()))
    progress: list[int] = []
    page._runner.progressed.connect(lambda done, _total: progress.append(done))

    clock.start()
    timer.start()
    assert page.start_export()
    started = time.perf_counter()
    qtbot.waitUntil(lambda: bool(progress), timeout=60_000)  # the core reports every 4,096 rows
    exporting_for = time.perf_counter() - started
    timer.stop()
    gaps = [later - earlier for earlier, later in itertools.pairwise(ticks)]
    longest = max(gaps)
    print(f"longest event-loop stall while exporting: {longest} ms over {len(gaps)} ticks in "
          f"{exporting_for:.1f} s ({progress[-1]:,} of {BIG_ROWS:,} rows); {len(progress)} progress signals")

    with qtbot.waitSignal(page.export_cancelled, timeout=TIMEOUT_MS):
        page.cancel_button.click()

    assert longest < 250  # the GUI thread never waits on the export
    assert len(progress) <= 1001  # throttled to visible steps
    assert list(out_dir.iterdir()) == []  # no output, no temporary file
    assert Workspace(window.session.home).ledger(ring).entries("export") == []
    assert "cancelled" in page.rate.text()
    assert page.can_export  # ready to try again
