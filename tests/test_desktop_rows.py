"""The employee's side of issue 15 on the Export page: exporting fewer rows (a range or a filter) end to
end, the "preparing" state and the time left, typing a recipient without re-scanning or re-measuring,
plural forms and digit grouping in both languages, the passphrase's strength, and the approval code
read back from a picture of its QR code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("PySide6")

import segno
from openpyxl import load_workbook
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QWidget
from pytestqt.qtbot import QtBot
from test_desktop_export import _write_policy
from test_desktop_support import SAMPLES, TIMEOUT_MS, Dialogs, fill_export_form, open_and_scan

import desktop.pages.export as export_module
import desktop.pages.review as review_module
import desktop.session as session_module
from desktop.dialogs import FieldsDialog
from desktop.i18n import CHINESE, ENGLISH, Translations
from desktop.main_window import MainWindow
from desktop.qr_image import codes_in_image
from desktop.wording import remaining_text, rows_text
from masking.approval import generate_signing_key, issue_approval, write_signing_key
from masking.approval_request import read_request
from masking.cli.main import run
from masking.export_record import export_records
from masking.pipeline import ExportResult, file_sha256
from masking.policy import load_policy
from masking.recipient import Recipient
from masking.row_selection import SelectionRecord

pytestmark = pytest.mark.gui
pytest_plugins = ("test_desktop_support",)
SAMPLE = SAMPLES / "customers_zh.xlsx"


def _sample_rows() -> list[tuple[object, ...]]:
    """The sample's data rows read by openpyxl (an independent reader): title row, header, then data."""
    sheet = load_workbook(SAMPLE, read_only=True)["明细"]
    rows = [row for row in sheet.iter_rows(values_only=True) if any(v is not None for v in row)]
    return rows[2:]


def _threshold_policy(window: MainWindow, home: Path, office_hex: str = "") -> None:
    keys = f'\napproval_keys = ["{office_hex}"]' if office_hex else ""
    _write_policy(home, f"approval_threshold = 100{keys}\n")
    window.session.policy = load_policy(None, home)


def test_a_row_range_passes_the_threshold_and_is_exported_and_recorded(
        qtbot: QtBot, home: Path, tmp_path: Path, window: MainWindow, dialogs: Dialogs) -> None:
    _threshold_policy(window, home)
    open_and_scan(qtbot, window, SAMPLE)
    page = window.export_page
    fill_export_form(window, tmp_path / "out.xlsx")
    assert not page.can_export and page.fewer_button.isVisibleTo(page)
    assert not page.rows_box.isChecked()

    page.fewer_button.click()  # the policy's limit, pre-filled: rows 1 to 100
    assert page.rows_box.isChecked() and page.range_check.isChecked()
    assert (page.first_row.value(), page.last_row.value(), page.last_row.maximum()) == (1, 100, 200)
    assert page.can_export and not page.fewer_button.isVisibleTo(page)
    assert page.selection_state.text() == "100 rows of 200 will be exported (rows 1 to 100)."
    assert "100 rows from 1 sheet will be exported" in page.summary.text()

    with qtbot.waitSignal(page.export_finished, timeout=TIMEOUT_MS) as blocker:
        page.export_button.click()
    result = blocker.args[0]
    assert isinstance(result, ExportResult) and result.rows == 100
    assert result.selection == SelectionRecord(1, 100)
    assert "Rows chosen: rows 1 to 100" in page.result.text()
    ledger = window.session.ledger()
    assert ledger is not None
    [(_, record)] = export_records(ledger)
    assert record.rows == 100 and record.selection == SelectionRecord(1, 100)
    source_ids = {str(row[0]) for row in _sample_rows()[:100]}  # 户号 is pseudonymized: count rows instead
    assert len(source_ids) == 100
    written = load_workbook(tmp_path / "out.xlsx", read_only=True)["明细"]
    data = [row for row in written.iter_rows(values_only=True) if any(v is not None for v in row)][1:]
    assert len(data) == 100 + record.trace.canary_rows  # canaries follow the rows chosen
    assert window.audit_page.model.rowCount() == 1


def test_a_filter_is_counted_once_on_a_worker_and_shown_in_the_approval_request(  # noqa: PLR0917 (fixtures)
        qtbot: QtBot, home: Path, tmp_path: Path, window: MainWindow, dialogs: Dialogs,
        monkeypatch: pytest.MonkeyPatch) -> None:
    counts: list[object] = []
    real = export_module.count_rows
    monkeypatch.setattr(export_module, "count_rows", lambda *args: (counts.append(args[2]), real(*args))[1])
    _threshold_policy(window, home)
    open_and_scan(qtbot, window, SAMPLE)
    page = window.export_page
    fill_export_form(window, tmp_path / "out.xlsx")
    page.rows_box.setChecked(True)
    page.filter_check.setChecked(True)
    page.filter_column.setCurrentIndex(page.filter_column.findData("备注"))
    page.filter_match.setCurrentIndex(page.filter_match.findData("contains"))
    for end in range(1, 3):
        page.filter_value.setText("光伏"[:end])  # typed: counted once the typing pauses
    assert page.counting and not page.can_export
    qtbot.waitUntil(lambda: not page.counting, timeout=TIMEOUT_MS)
    expected = sum("光伏" in str(row[9] or "") for row in _sample_rows())
    assert 0 < expected < 100
    assert len(counts) == 1
    assert window.session.plan() is not None and window.session.plan().rows == expected  # type: ignore[union-attr]
    assert page.selection_state.text() == (f"{expected} rows of 200 will be exported (where 备注 contains “光伏”).")
    assert page.can_export

    page.filter_value.setText("光伏并网")  # the request for the office names the rows chosen
    qtbot.waitUntil(lambda: not page.counting, timeout=TIMEOUT_MS)
    request_file = tmp_path / "申请.egreq"
    page.rows_box.setChecked(True)
    window.session.set_facts(recipient="城东代收银行", purpose="欠费催缴", use_password=False)
    assert page.request_approval(request_file)
    request = read_request(request_file)
    assert request.selection == SelectionRecord(1, None, "备注", "contains", "光伏并网")
    assert request.rows == window.session.plan().rows  # type: ignore[union-attr]


def test_the_approval_code_is_read_back_from_a_picture_of_its_qr_code(  # noqa: PLR0917 (fixtures)
        qtbot: QtBot, home: Path, tmp_path: Path, window: MainWindow, dialogs: Dialogs,
        capsys: pytest.CaptureFixture[str]) -> None:
    office = generate_signing_key()
    _threshold_policy(window, home, office.public_hex)
    open_and_scan(qtbot, window, SAMPLE)
    page = window.export_page
    fill_export_form(window, tmp_path / "out.xlsx")
    assert not page.can_export
    code = issue_approval(office, file_sha256(SAMPLE), Recipient.of("城东代收银行"), 500)
    picture = tmp_path / "审批码.png"  # a photo of a screen: grey on cream, smaller
    segno.make(code, error="m").save(str(picture), kind="png", scale=3, border=4, dark="#222", light="#f4f1ea")
    dialogs.code_images.append(picture)
    page.scan_button.click()
    assert page.approval.text() == code and page.can_export and not dialogs.errors

    # the office's own QR (approve --request ... --qr), issued from the request the page wrote
    key_file = tmp_path / "office.key"
    write_signing_key(office, key_file, "")
    assert page.request_approval(tmp_path / "申请.egreq")
    issued = tmp_path / "code.png"
    assert run(["--home", str(tmp_path / "office-home"), "approve", "--request", str(tmp_path / "申请.egreq"),
                "--signing-key", str(key_file), "--qr", str(issued), "--json"]) == 0
    office_code = json.loads(capsys.readouterr().out)["code"]
    assert codes_in_image(issued) == [office_code]
    dialogs.code_images.append(issued)
    page.scan_button.click()
    assert page.approval.text() == office_code and page.can_export
    too_few = issue_approval(office, file_sha256(SAMPLE), Recipient.of("城东代收银行"), 150)
    page.approval.setText(too_few)  # pasted: the code covers fewer rows than the file has
    assert not page.can_export and page.fewer_button.isVisibleTo(page)
    page.fewer_button.click()
    assert (page.first_row.value(), page.last_row.value()) == (1, 150) and page.can_export
    page.rows_box.setChecked(False)
    page.approval.setText("")

    blank = tmp_path / "空白.png"
    segno.make("not an approval code").save(str(blank), kind="png", scale=5)
    dialogs.code_images.append(blank)
    page.scan_button.click()
    assert dialogs.errors == ["No approval code was found in 空白.png. Take the picture again, closer and straight "
                              "on, or paste the code."]
    assert page.approval.text() == ""  # left as it was

    not_a_picture = tmp_path / "notes.png"
    not_a_picture.write_text("hello", encoding="utf-8")
    dialogs.code_images.append(not_a_picture)
    page.scan_button.click()
    assert dialogs.errors[-1] == "notes.png could not be read as a picture."


def test_typing_a_recipient_neither_rescans_nor_remeasures_and_rekeys_the_preview_once(
        qtbot: QtBot, window: MainWindow, dialogs: Dialogs, monkeypatch: pytest.MonkeyPatch) -> None:
    open_and_scan(qtbot, window, SAMPLE)
    review = window.review_page
    qtbot.waitUntil(lambda: window.session.risk is not None and not review.measuring, timeout=TIMEOUT_MS)
    plans: list[object] = []
    measured: list[object] = []
    previews: list[object] = []
    real_plan, real_after = session_module.build_plan, window.session.preview_after
    monkeypatch.setattr(session_module, "build_plan", lambda *a, **k: (plans.append(a), real_plan(*a, **k))[1])
    monkeypatch.setattr(review_module, "measure_risk", lambda *a: measured.append(a))
    monkeypatch.setattr(window.session, "preview_after", lambda *a: (previews.append(a), real_after(*a))[1])
    for end in range(1, 7):
        window.export_page.recipient.setEditText("城东代收银行"[:end])
    assert previews == [] and review.standins_pending  # no stand-in computed per keystroke
    assert plans == []  # the plan is reused: only the recipient changed
    qtbot.waitUntil(lambda: not review.standins_pending, timeout=TIMEOUT_MS)
    assert previews  # once, after the typing paused
    assert measured == [] and not review.measuring  # the risk does not depend on the recipient
    assert review.preview_hint.text() == "The preview shows what 城东代收银行 will receive."
    assert window.export_page.verdict.text().startswith("✘")  # the verdict itself follows every keystroke
    window.export_page.purpose.setEditText("欠费催缴")
    assert window.export_page.can_export


def test_preparing_then_the_rate_and_the_time_left(qtbot: QtBot, window: MainWindow, dialogs: Dialogs,
                                                  translations: Translations,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    page = window.export_page
    now = [100.0]
    monkeypatch.setattr(export_module.time, "monotonic", lambda: now[0])
    page._started, page._first_batch = 100.0, None
    now[0] = 103.2
    page._show_preparing()
    assert page.rate.text() == "Preparing… 3 s"
    now[0] = 110.0
    page._on_runner_progressed(4096, 200_000)  # the first batches: no rate yet
    assert page.rate.text() == "4,096 / 200,000 rows · estimating the time left…"
    now[0] = 112.0
    page._on_runner_progressed(14_096, 200_000)  # 10,000 rows in 2 s: 185,904 rows left at 5,000 rows/s
    assert page.rate.text() == "14,096 / 200,000 rows · 5,000 rows/s · about 40 seconds left"
    page._on_runner_progressed(14_096 + 1, 1_000_000)
    assert page.rate.text().endswith("about 4 minutes left")
    assert translations.switch(CHINESE)
    page._on_runner_progressed(14_096, 200_000)
    assert page.rate.text() == "14,096 / 200,000 行 · 每秒 5,000 行 · 约剩 40 秒"
    page._show_preparing()
    assert page.rate.text() == "正在准备… 12 秒"


def test_plural_forms_and_digit_grouping_in_both_languages(qtbot: QtBot, window: MainWindow, dialogs: Dialogs,
                                                          translations: Translations) -> None:
    assert (rows_text(1), rows_text(2), rows_text(12_345)) == ("1 row", "2 rows", "12,345 rows")
    assert (remaining_text(1), remaining_text(61)) == ("about 5 seconds left", "about 2 minutes left")
    open_and_scan(qtbot, window, SAMPLE)
    assert window.statusBar().currentMessage() == "customers_zh.xlsx: 200 data rows scanned."
    assert "1 sheet, 200 data rows" in window.review_page.summary.text()
    assert translations.switch(CHINESE)
    assert (rows_text(1), rows_text(12_345)) == ("1 行", "12,345 行")
    assert remaining_text(61) == "约剩 2 分钟"
    qtbot.waitUntil(lambda: window.statusBar().currentMessage() == "customers_zh.xlsx：已扫描 200 行数据。",
                    timeout=TIMEOUT_MS)  # the language change reaches the widgets as an event
    assert window.review_page.summary.text().startswith("customers_zh.xlsx：1 个工作表，200 行数据。")
    assert translations.switch(ENGLISH)
    assert rows_text(1) == "1 row"


def test_passphrase_strength_is_shown_and_a_minimum_enforced(qapp: QApplication, translations: Translations) -> None:
    dialog = FieldsDialog("New keys", "", [("organisation", "Organisation:", False), ("passphrase", "Passphrase:",
                                                                                          True)],
                          repeat="passphrase", strength="passphrase")
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert dialog.meter is not None and dialog.strength_label is not None
    dialog.edits["organisation"].setText("城东供电所")
    for weak, reason in (("password1", "it is a commonly used password"), ("abc", "it is shorter than 10 characters"),
                         ("城东供电所的密码", "it contains the organisation's name"),
                         ("19850612", "it contains a date")):
        dialog.edits["passphrase"].setText(weak)
        dialog._repeat.setText(weak)  # type: ignore[union-attr]
        assert not ok.isEnabled(), weak
        assert reason in dialog.strength_label.text(), (weak, dialog.strength_label.text())
        assert "At least “good” is needed" in dialog.strength_label.text()
        assert ok.toolTip() == "The passphrase is too easy to guess."
    strong = "晚霞 铁皮 青蛙 邮筒 2 把伞"
    dialog.edits["passphrase"].setText(strong)
    assert not ok.isEnabled() and ok.toolTip() == "The two entries differ."
    dialog._repeat.setText(strong)  # type: ignore[union-attr]
    assert ok.isEnabled()
    assert dialog.meter.value() >= 3 and dialog.strength_label.text() in ("Strength: good.", "Strength: strong.")
    assert translations.switch(CHINESE)
    dialog.edits["passphrase"].setText("password1")
    assert dialog.strength_label.text().startswith("强度：很弱。太容易被猜到：不足 10 个字符；是常用密码。")
    dialog.deleteLater()


def test_the_new_export_page_words_are_chinese_in_the_chinese_ui(qtbot: QtBot, home: Path, window: MainWindow,
                                                                  dialogs: Dialogs, translations: Translations) -> None:
    import re

    from PySide6.QtWidgets import QAbstractButton, QGroupBox, QLabel, QLineEdit

    _threshold_policy(window, home)
    open_and_scan(qtbot, window, SAMPLE)
    page = window.export_page
    fill_export_form(window, home / "out.xlsx")
    page.fewer_button.click()
    page.filter_check.setChecked(True)
    page.filter_value.setText("没有这样的备注")
    page.apply_selection()
    qtbot.waitUntil(lambda: not page.counting, timeout=TIMEOUT_MS)
    assert page.verdict.text() == "✘ No row is chosen: change the rows or the filter under “Export fewer rows”."
    assert not page.can_export
    page.filter_column.setCurrentIndex(page.filter_column.findData("备注"))
    page.filter_match.setCurrentIndex(page.filter_match.findData("contains"))
    page.filter_value.setText("光伏")
    page.apply_selection()
    qtbot.waitUntil(lambda: not page.counting, timeout=TIMEOUT_MS)
    assert translations.switch(CHINESE)
    qtbot.waitUntil(lambda: page.rows_box.title() == "少导出一些行", timeout=TIMEOUT_MS)
    texts = [page.summary.text(), page.selection_state.text(), page.verdict.text(), page.rows_box.title()]
    for widget in page.findChildren(QWidget):
        if not widget.isVisibleTo(page):
            continue
        if isinstance(widget, QAbstractButton | QLabel):
            texts.append(widget.text())
            texts.append(widget.toolTip())
        elif isinstance(widget, QGroupBox):
            texts.append(widget.title())
        elif isinstance(widget, QLineEdit):
            texts.append(widget.placeholderText())
    allowed = {"EGA", "Excel", "xlsx", "CSV", "csv", "customers", "zh", "out"}  # the file, formats, the code prefix
    english = {word for text in texts for word in re.findall(r"[A-Za-z]{2,}", text)} - allowed
    assert english == set(), english
    kept = sum("光伏" in str(row[9] or "") for row in _sample_rows()[:100])
    assert page.selection_state.text() == f"将导出 200 行中的 {kept} 行（第 1 行至第 100 行，备注 包含 “光伏” 的行）。"


def test_a_filter_offers_only_columns_every_exported_sheet_has(qtbot: QtBot, tmp_path: Path, window: MainWindow,
                                                                dialogs: Dialogs) -> None:
    open_and_scan(qtbot, window, SAMPLES / "multi_sheet.xlsx")  # three sheets, no header in common
    page = window.export_page
    fill_export_form(window, tmp_path / "out.xlsx")
    page.rows_box.setChecked(True)
    assert page.filter_column.count() == 0 and not page.filter_check.isEnabled()
    assert page.filter_check.toolTip() == "The sheets have no column in common to filter on."
    page.range_check.setChecked(True)
    page.last_row.setValue(3)
    page.apply_selection()
    plan = window.session.plan()
    assert plan is not None and [sheet.data_rows for sheet in plan.included] == [3, 3, 3]
    assert page.can_export


def test_audit_and_trace_counts_are_plural_and_grouped_in_both_languages(
        qtbot: QtBot, window: MainWindow, translations: Translations) -> None:
    """The Audit and Trace pages and the ledger's sentences count through Qt's plural forms and the
    language's digit grouping, as the Export page does (no "record(s)", no 12345)."""
    from types import SimpleNamespace

    from desktop.wording import event_details, violation_text
    from masking.violations import violation

    audit, trace = window.audit_page, window.trace_page

    def origin(count: int) -> str:
        trace.outcome = SimpleNamespace(investigation=SimpleNamespace(report=SimpleNamespace(exports_tested=count)),
                                        access=None, unreachable=None)  # type: ignore[assignment]
        trace._show_origin()
        return trace.origin.text()

    assert origin(1) == "Source: this workstation's audit ledger, 1 export."
    assert origin(12_345) == "Source: this workstation's audit ledger, 12,345 exports."
    assert event_details("decrypt", {"rows": 1, "output_name": "a.xlsx"}) == "1 row restored into a.xlsx"
    assert event_details("trace", {"rows": 12_345, "named": []}) == "12,345 rows traced; no export named"
    assert event_details("cancelled", {"rows": 20_000, "rows_done": 4_096}) == \
        "Stopped after 4,096 of 20,000 rows; the partial file was removed."
    rows = audit.model.rowCount()
    assert audit.verdict.text().startswith(f"{rows} record{'s' if rows != 1 else ''}. Press")
    refusal = violation("approval_needed", rows=12_345, threshold=1_000)  # the core passes counts as text
    assert violation_text(refusal).startswith("12,345 rows is more than the 1,000 allowed without approval")
    assert violation_text(violation("approval_too_few_rows", approved=1, rows=2)) == \
        "The approval code covers 1 row, but the export has 2 rows."
    assert translations.switch(CHINESE)
    assert origin(12_345) == "证据来源：本机审计账本，12,345 次导出。"
    assert event_details("decrypt", {"rows": 12_345, "output_name": "a.xlsx"}) == "已还原 12,345 行到 a.xlsx"
    assert event_details("approval", {"action": "request", "rows": 5_000}) == "申请审批 5,000 行"
    assert violation_text(refusal).startswith("12,345 行超过了无需审批的上限 1,000 行")
    qtbot.waitUntil(lambda: audit.verdict.text().startswith(f"共 {rows} 条记录。"), timeout=TIMEOUT_MS)


def test_a_long_example_is_cut_in_the_action_chooser(qapp: QApplication, translations: Translations) -> None:
    """A keyed fingerprint (64 hex digits) would run the chooser's list off the window: its start is enough."""
    from desktop.wording import EXAMPLE_CHARS, action_choice
    from masking.kinds import Action

    fingerprint = "d1c93850da590d86adafc6ab6b6872e27f34dd2b1f365ee0ad4fb0" + "0" * 10
    line = action_choice(Action.HASH, ("3476756149", fingerprint))
    assert line.endswith(f"3476756149 → {fingerprint[:EXAMPLE_CHARS - 1]}…")
    assert action_choice(Action.MASK, ("3476756149", "34*****149")).endswith("3476756149 → 34*****149")
