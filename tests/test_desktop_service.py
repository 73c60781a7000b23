"""The desktop's Trace and Audit pages with the security office's evidence service (a real PostgreSQL
and the service in a thread): trace across every workstation, the fallback when the service is
down, the office's trail, and this workstation's sync state."""

from __future__ import annotations

import contextlib
import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from evidence_service import Service, drop_snapshot, empty_tables, restore, running_service, take_snapshot
from pytestqt.qtbot import QtBot
from test_desktop_support import Dialogs

from desktop.i18n import CHINESE, Translations
from desktop.main_window import MainWindow
from desktop.pages.audit import OFFICE
from masking.cli.main import run
from masking.events import KeyAction, KeyChange
from masking.evidence.trail import TRAIL_LIMIT
from masking.investigation import Investigation
from masking.io.reader import open_workbook

SAMPLE = Path(__file__).resolve().parent.parent / "resources" / "samples" / "customers_zh.xlsx"

pytest_plugins = ("test_desktop_support",)


def _cli(*argv: str) -> Any:
    """One command's ``--json`` answer (used where capsys is not at hand: a module's shared set-up)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run([*argv, "--json"])
    assert code == 0, err.getvalue()
    return json.loads(out.getvalue())


SNAPSHOT = "desktop_service_org"


@pytest.fixture(scope="module")
def organisation_made(pg_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Made once for the module and kept as a snapshot of the evidence database: the office's keys at the
    service, workstation branch-a's export to 城东代收银行 reported there, a 20-row fragment of it and two
    tokens. Each test gets the database as it was then (``db``), and its own home and window."""
    root = tmp_path_factory.mktemp("desktop-org")
    office, bundle, station = root / "office", str(root / "org.egkeys"), root / "ws-a"
    empty_tables(pg_url)
    with pytest.MonkeyPatch.context() as patch, running_service(pg_url) as service:
        patch.setenv("EXPORTGUARD_BUNDLE_PASSPHRASE", "bundle passphrase")
        _cli("--home", str(office), "keys", "init", "--no-passphrase")
        _cli("--home", str(office), "keys", "export-bundle", "--out", bundle)
        _cli("server", "keys", "--db", pg_url, "--bundle", bundle)
        _cli("--home", str(station), "keys", "import-bundle", bundle)
        code = _cli("server", "enroll-code", "--db", pg_url, "--workstation", "branch-a")["code"]
        _cli("--home", str(station), "enroll", service.url, code)
        out = root / "a.csv"
        made = _cli("--home", str(station), "export", str(SAMPLE), "--recipient", "城东代收银行", "--purpose", "催缴",
                    "--out", str(out), "--format", "csv")
        assert made["reporting"] == "sent"
        tokens = {role: _cli("server", "token", "--db", pg_url, "--role", role)["token"]
                  for role in ("investigator", "auditor")}
    take_snapshot(pg_url, SNAPSHOT)
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    fragment = root / "leak.csv"
    with fragment.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows[:1] + rows[40:60])
    try:
        yield {"export_id": made["export_id"], "fragment": fragment, "tokens": tokens}
    finally:
        drop_snapshot(pg_url, SNAPSHOT)


@pytest.fixture
def db(pg_url: str, organisation_made: dict[str, Any]) -> Iterator[psycopg.Connection[Any]]:
    """The evidence database as the organisation's set-up left it (not emptied, as elsewhere)."""
    with psycopg.connect(pg_url, autocommit=True) as conn:
        restore(conn, SNAPSHOT)
        yield conn


@pytest.fixture
def organisation(organisation_made: dict[str, Any], service: Service) -> dict[str, Any]:
    return {**organisation_made, "url": service.url}


def _trace(qtbot: QtBot, window: MainWindow) -> Investigation:
    with qtbot.waitSignal(window.trace_page.traced, timeout=60_000) as blocker:
        assert window.trace_page.trace()
    assert isinstance(blocker.args[0], Investigation)
    return blocker.args[0]


def test_trace_page_traces_at_the_office_and_falls_back_when_it_is_down(  # noqa: PLR0917 (pytest fixtures)
    qtbot: QtBot, window: MainWindow, dialogs: Dialogs, organisation: dict[str, Any], service: Service,
    db: psycopg.Connection[Any], tmp_path: Path, translations: Translations,
) -> None:
    page, url = window.trace_page, organisation["url"]
    assert page.origin.text() == "Searches this workstation's audit ledger."
    page.set_source(organisation["fragment"])
    # an auditor's token is refused: said as it is, and nothing falls back to this ledger
    assert window.settings_page.use_service(url, organisation["tokens"]["auditor"])
    with qtbot.waitSignal(page.trace_failed, timeout=60_000) as failed:
        page.trace()
    assert "auditor token may not" in failed.args[0] and page.state.text() == failed.args[0]
    assert page.outcome is None

    assert window.settings_page.use_service(url, organisation["tokens"]["investigator"])
    assert page.origin.text() == f"Searches every workstation's exports at the security office's service ({url})."
    investigation = _trace(qtbot, window)
    assert investigation.service == url
    assert investigation.report.verdict is not None
    assert investigation.report.verdict.export_id == organisation["export_id"]
    assert page.origin.text() == f"Source: the security office's service ({url}), 1 export from every workstation."
    assert page.table.item(0, 0).text() == "城东代收银行"
    assert page.table.item(0, 1).text().endswith(" (branch-a)")  # the employee and the workstation
    assert organisation["export_id"] in page.evidence.toPlainText()
    ledger = window.session.ledger()
    assert ledger is not None and ledger.entries("trace") == []  # the service recorded it, not this ledger
    report = tmp_path / "report.html"
    dialogs.report_paths.append(report)
    with qtbot.waitSignal(page.report_saved):
        page.save_button.click()
    text = report.read_text(encoding="utf-8")
    assert f"evidence service at {url}" in text and organisation["export_id"] in text
    assert [a for (a,) in db.execute("SELECT action FROM queries ORDER BY id")] == ["trace", "report"]

    service.stop()
    fallback = _trace(qtbot, window)
    assert fallback.service is None
    assert page.origin.text().startswith(f"The security office's service ({url}) could not be reached")
    assert "only this workstation's audit ledger was searched (0 exports)" in page.origin.text()
    assert len(ledger.entries("trace")) == 1  # traced here, so recorded here
    assert not dialogs.errors
    translations.switch(CHINESE)
    qtbot.waitUntil(lambda: page.trace_button.text() == "追溯", timeout=10_000)
    assert page.origin.text() == (f"无法连接安全办公室的证据服务（{url}）（网络不通或服务未运行），"
                                  "因此只检索了本机审计账本（0 次导出）。请在恢复连接后重新溯源。")
    assert window.settings_page.service_box.title() == "安全办公室的证据服务"


def test_audit_page_shows_the_office_trail_and_this_workstations_sync_state(  # noqa: PLR0917 (pytest fixtures)
    qtbot: QtBot, window: MainWindow, dialogs: Dialogs, organisation: dict[str, Any], service: Service,
    db: psycopg.Connection[Any], home: Path, tmp_path: Path,
) -> None:
    audit = window.audit_page
    assert audit.sync_state.text().startswith("This workstation does not report to a security office's service")
    assert audit.sync_button.isHidden() and audit.source.isHidden() and not audit.show_source(OFFICE)

    code = _cli("server", "enroll-code", "--db", service.db_url, "--workstation", "officer-pc")["code"]
    _cli("--home", str(home), "enroll", service.url, code)
    window.session.ledger_changed.emit()
    assert audit.sync_state.text() == ("Reports to the security office's service as officer-pc: every record has "
                                       "been sent; last sent never.")  # this home's ledger was empty

    assert window.settings_page.use_service(organisation["url"], organisation["tokens"]["auditor"])
    assert not audit.source.isHidden()
    audit.office_page = 1  # the service sends the trail a page at a time, newest first
    with qtbot.waitSignal(audit.office_loaded, timeout=30_000) as loaded:
        assert audit.show_source(OFFICE)
    held = db.execute("SELECT count(*) FROM records").fetchone()
    assert held is not None and held[0] > 1 and audit.model.rowCount() == 1
    assert not audit.older_button.isHidden() and audit.verdict.text().endswith(
        "Older records are not shown yet (“Load older records”).")
    while audit.office is not None and audit.office.older is not None:
        with qtbot.waitSignal(audit.office_loaded, timeout=30_000) as loaded:
            audit.older_button.click()
    assert audit.model.rowCount() == held[0] == len(loaded.args[0].entries)
    assert audit.older_button.isHidden() and not audit.load_older()
    audit.office_page = TRAIL_LIMIT
    assert audit.verdict.text().startswith(f"The office's trail: {held[0]} records from every workstation")
    assert not audit.verify_button.isEnabled()
    audit.set_filters(event="export")
    shown = audit.proxy.shown_rows()
    assert len(shown) == 1 and organisation["export_id"] in shown[0]
    assert any(row[-2].startswith("branch-a #") for row in shown)  # the record names the office's workstation
    trail = tmp_path / "trail.xlsx"
    dialogs.trail_paths.append(trail)
    audit.export_button.click()
    with open_workbook(trail) as book:
        sheet = book.sheets[0].name
        assert len(list(book.data_rows(sheet))) == 1

    db.execute("UPDATE records SET flag = 'record 2 never arrived (a gap)' WHERE event = 'export'")
    with qtbot.waitSignal(audit.office_loaded, timeout=30_000):
        audit.refresh_button.click()
    assert "2 records from every workstation, newest first. 1 of them was stored flagged" in audit.verdict.text()

    # a record made here while the service is down waits, and goes with "Send now"
    service.stop()
    ledger = window.session.ledger()
    assert ledger is not None
    KeyChange(action=KeyAction.ROTATE, key_id="k", keys=1).append_to(ledger)
    window.session.ledger_changed.emit()
    assert "1 record not yet sent (0 of them exports)" in audit.sync_state.text()
    with qtbot.waitSignal(audit.service_failed, timeout=30_000) as failed:
        assert audit.send_now()
    assert "could not be reached" in failed.args[0] and audit.sync_state.text() == failed.args[0]
    service.start()
    with qtbot.waitSignal(audit.synced, timeout=30_000):
        assert audit.send_now()
    assert "every record has been sent; last sent 20" in audit.sync_state.text()
    assert not dialogs.errors


def test_an_officer_without_keys_here_traces_at_the_service(qtbot: QtBot, keyless_window: MainWindow,
                                                            organisation: dict[str, Any], service: Service) -> None:
    """The service holds the watermark keys: an investigator's machine needs none of its own to trace there,
    and none are made for it; with the service down and no keys here, the trace fails with the reason."""
    window, page = keyless_window, keyless_window.trace_page
    assert window.session.ring is None
    assert window.settings_page.use_service(organisation["url"], organisation["tokens"]["investigator"])
    page.set_source(organisation["fragment"])
    investigation = _trace(qtbot, window)
    assert investigation.service == organisation["url"] and investigation.report.verdict is not None
    assert not window.session.workspace.keystore.exists()  # no keys were made here for it
    service.stop()
    with qtbot.waitSignal(page.trace_failed, timeout=60_000) as failed:
        assert page.trace()
    assert failed.args[0].startswith("The security office's service could not be reached: ")
