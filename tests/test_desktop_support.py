"""Fixtures and helpers shared by the desktop tests (this module holds no tests of its own).

Every modal dialog of the window is replaced by :class:`Dialogs`, which answers from its queues and
records what it was shown; a dialog asked without a prepared answer fails the test.
"""

from __future__ import annotations

import gc
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("PySide6")

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.app import create_main_window
from desktop.i18n import ENGLISH, Translations
from desktop.main_window import MainWindow
from masking.keys import KEYSTORE_FILE, KeyRing
from masking.pipeline import ExportRequest, ExportResult, prepare_export, run_export
from masking.workspace import Workspace

SAMPLES = Path(__file__).resolve().parent.parent / "resources" / "samples"
TIMEOUT_MS = 15_000
BIG_ROWS = 20_000


class Dialogs:
    """Stands in for every modal dialog of the window and records what each was asked or told."""

    def __init__(self, window: MainWindow) -> None:
        self.open_paths: list[Path | None] = []
        self.passphrases: list[str | None] = []
        self.passphrase_prompts: list[str] = []
        self.new_keys: list[tuple[str, str] | None] = []
        self.bundles: list[tuple[Path, str] | None] = []
        self.passphrase_changes: list[tuple[str, str] | None] = []
        self.first_run: list[str | None] = []
        self.overwrite: list[bool] = []
        self.report_paths: list[Path | None] = []
        self.leaked_files: list[Path | None] = []
        self.trail_paths: list[Path | None] = []
        self.request_paths: list[Path | None] = []
        self.code_images: list[Path | None] = []
        self.errors: list[str] = []
        self.infos: list[str] = []
        self.opened_folders: list[Path] = []
        replacements: dict[Any, dict[str, Any]] = {
            window: {"_ask_open_path": self._next(self.open_paths), "_show_error": self.errors.append},
            window.keys_page: {
                "_ask_passphrase": self._passphrase,
                "_ask_new_keys": self._next(self.new_keys),
                "_ask_bundle": self._next(self.bundles),
                "_ask_change_passphrase": lambda _protected: self._next(self.passphrase_changes)(),
                "_ask_first_run": self._next(self.first_run),
                "_show_error": self.errors.append,
                "_show_info": self.infos.append,
            },
            window.export_page: {
                "_confirm_overwrite": lambda _path: self._next(self.overwrite)(),
                "_ask_output_path": lambda _suggested: pytest.fail("unexpected save dialog"),
                "_ask_request_path": lambda _suggested: self._next(self.request_paths)(),
                "_ask_code_image": self._next(self.code_images),
                "_show_info": self.infos.append,
                "_show_error": self.errors.append,
                "_open_folder": self._open_folder,
            },
            window.audit_page: {
                "_ask_trail_path": self._next(self.trail_paths),
                "_show_error": self.errors.append,
            },
            window.trace_page: {
                "_ask_leaked_file": self._next(self.leaked_files),
                "_ask_report_path": self._next(self.report_paths),
                "_show_error": self.errors.append,
            },
        }
        for owner, methods in replacements.items():
            for name, replacement in methods.items():
                assert hasattr(owner, name), name  # the stand-in replaces a real method
                setattr(owner, name, replacement)

    @staticmethod
    def _next(queue: list[Any]) -> Any:
        def answer() -> Any:
            if not queue:
                pytest.fail("a dialog was shown without a prepared answer")
            return queue.pop(0)

        return answer

    def _passphrase(self, prompt: str) -> str | None:
        self.passphrase_prompts.append(prompt)
        answer: str | None = self._next(self.passphrases)()
        return answer

    def _open_folder(self, folder: Path) -> bool:
        self.opened_folders.append(folder)
        return self.folders_open

    folders_open = True  # False: the desktop cannot open a folder (no file manager)


@pytest.fixture
def home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A private home folder for this test (conftest already points EXPORTGUARD_HOME elsewhere)."""
    folder = tmp_path / "home"
    monkeypatch.setenv("EXPORTGUARD_HOME", str(folder))
    return folder


@pytest.fixture(scope="session")
def keystore_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One unprotected keystore for the whole run (scrypt is slow on purpose), copied into each home."""
    folder = tmp_path_factory.mktemp("keys")
    Workspace(folder).keystore.create("", "测试供电公司")
    return folder / KEYSTORE_FILE


@pytest.fixture
def ring(home: Path, keystore_template: Path) -> KeyRing:
    """An unprotected keystore, as the first export on a workstation creates it."""
    home.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(keystore_template, home / KEYSTORE_FILE)
    return Workspace(home).keystore.unlock("")


@pytest.fixture(scope="session")
def qm_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("i18n")


@pytest.fixture
def main_thread_gc() -> Iterator[None]:
    """No automatic garbage collection while a window lives (a worker thread could otherwise collect
    Qt wrappers and crash, see desktop.app.MainThreadGarbageCollector); collect here at the end."""
    was_enabled = gc.isenabled()
    gc.disable()
    yield
    gc.collect()
    if was_enabled:
        gc.enable()


@pytest.fixture
def translations(qapp: QApplication, qm_cache: Path, main_thread_gc: None) -> Iterator[Translations]:
    """English to start with; every translator is removed again at teardown."""
    installed = Translations(qapp, qm_cache)
    installed.switch(ENGLISH)
    yield installed
    installed.remove_all()


@pytest.fixture
def window(qtbot: QtBot, home: Path, ring: KeyRing, translations: Translations) -> Iterator[MainWindow]:
    """The main window with keys ready; its worker threads are waited for at teardown."""
    main_window = create_main_window(home, translations, outbox=home / "外发")
    qtbot.addWidget(main_window)
    yield main_window
    main_window.shutdown()
    assert not main_window.scanning
    assert not main_window.export_page.exporting


@pytest.fixture
def dialogs(window: MainWindow) -> Iterator[Dialogs]:
    stand_ins = Dialogs(window)
    yield stand_ins
    assert not stand_ins.open_paths and not stand_ins.passphrases, "prepared answers left unused"


@pytest.fixture(scope="session")
def big_workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated workbook of BIG_ROWS customers (the samples' generator, made once per run)."""
    sys.path.insert(0, str(SAMPLES))
    try:
        import bigxlsx
    finally:
        sys.path.remove(str(SAMPLES))
    path = tmp_path_factory.mktemp("big") / "customers_big.xlsx"
    bigxlsx.write_customers_xlsx(path, BIG_ROWS, seed=7)
    return path


def open_and_scan(qtbot: QtBot, window: MainWindow, path: Path) -> None:
    with qtbot.waitSignal(window.scan_finished, timeout=TIMEOUT_MS):
        window.open_path(path)
    qtbot.waitUntil(lambda: window.session.heads is not None, timeout=TIMEOUT_MS)


def fill_export_form(window: MainWindow, output: Path, recipient: str = "城东代收银行",
                     purpose: str = "欠费催缴") -> None:
    page = window.export_page
    page.recipient.setEditText(recipient)
    page.purpose.setEditText(purpose)
    page.output.setText(str(output))
    page.output.textEdited.emit(str(output))  # as if typed: the path is the user's, not the default


@pytest.fixture
def keyless_window(qtbot: QtBot, home: Path, translations: Translations) -> Iterator[MainWindow]:
    """The main window on a workstation without keys yet (first run)."""
    main_window = create_main_window(home, translations, outbox=home / "外发")
    qtbot.addWidget(main_window)
    yield main_window
    main_window.shutdown()


def export_with_core(home: Path, ring: KeyRing, source: Path, output: Path, *, recipient: str,
                     purpose: str = "欠费催缴") -> ExportResult:
    """An export made the CLI's way, to fill the ledger for the audit and trace pages."""
    request = ExportRequest(input=source, recipient=recipient, purpose=purpose, output=output)
    workspace = Workspace(home)
    return run_export(prepare_export(request, home), ring, workspace.ledger(ring))
