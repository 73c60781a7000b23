"""The office service's token on the Settings page: kept in the OS secret store when the user asks (an
in-memory stand-in here), read back at the next start, forgotten when unticked; never in the settings
file or a log; the choice greyed where the computer has no store."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop.app import create_main_window
from desktop.i18n import CHINESE, Translations
from desktop.main_window import MainWindow
from masking import os_secrets
from masking.evidence.client import TOKEN_ENV

pytest_plugins = ("test_desktop_support",)

URL = "http://127.0.0.1:9"  # nothing needs to listen: choosing a service contacts nobody
TOKEN = "egt_" + "Q" * 40


def _start(qtbot: QtBot, home: Path, translations: Translations) -> MainWindow:
    window = create_main_window(home, translations, outbox=home / "外发")
    qtbot.addWidget(window)
    return window


def test_the_token_is_remembered_in_the_os_secret_store_and_nowhere_else(  # noqa: PLR0917 (pytest fixtures)
    memory_keyring: dict[tuple[str, str], str], qtbot: QtBot, home: Path, translations: Translations,
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    caplog.set_level(logging.DEBUG)
    window = _start(qtbot, home, translations)
    page = window.settings_page
    assert page.remember_token.isEnabled() and not page.remember_token.isChecked()
    page.service_url.setText(URL)
    page.service_token.setText(TOKEN)
    page.remember_token.setChecked(True)
    page.service_button.click()
    assert memory_keyring == {(os_secrets.TOKEN_SERVICE, URL): TOKEN}
    assert page.service_state.text().endswith("kept in this computer's secret store for your account, never in a "
                                              "settings file.")
    translations.switch(CHINESE)
    qtbot.waitUntil(lambda: page.remember_token.text() == "在本机的系统凭据库中记住令牌（仅限我的账户）",
                    timeout=10_000)
    assert "令牌保存在本机的系统凭据库中" in page.service_state.text()
    window.shutdown()

    # the next start reads it back from the store; the home holds it nowhere, no log line carries it
    second = _start(qtbot, home, translations)
    assert second.session.service is not None and second.session.service.token == TOKEN
    assert second.settings_page.remember_token.isChecked()
    written = [path for path in home.rglob("*") if path.is_file()]
    assert any(path.name.endswith(".ini") for path in written)  # the settings file, with the address
    assert not [path for path in written if TOKEN.encode() in path.read_bytes()]
    assert TOKEN not in caplog.text

    # unticked: still in use until the app closes, but forgotten by the store
    second.settings_page.remember_token.setChecked(False)
    second.settings_page.service_button.click()  # an empty token field keeps the token in use
    assert memory_keyring == {} and second.session.service.token == TOKEN
    assert second.settings_page.service_state.text().endswith("令牌只保留到本软件关闭。")
    second.shutdown()
    third = _start(qtbot, home, translations)
    assert third.session.service is None
    third.shutdown()


def test_without_a_secret_store_the_choice_is_greyed(window: MainWindow) -> None:
    page = window.settings_page  # this Linux box has no OS secret store (keyring's fail backend)
    assert not os_secrets.available()
    assert not page.remember_token.isEnabled() and not page.remember_token.isChecked()
    assert page.remember_token.toolTip().startswith("This computer has no secret store for your account")
    assert page.use_service(URL, TOKEN)  # the service is still used, the token kept only in memory
    assert page.service_state.text().endswith("The token is kept only until ExportGuard closes.")
