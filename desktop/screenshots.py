"""Render every page of the main window to PNG files, in Chinese and in English, with Qt's own file
chooser and message box and the trace report (PDF) of each run, for docs and for reviewing the layout:
``python -m desktop.screenshots --out DIR``. Offscreen by default; under X11 (``QT_QPA_PLATFORM=xcb``,
e.g. ``xvfb-run``) the windows are real and the shots are what the X server shows. Needs a CJK font (Debian:
fonts-noto-cjk). Works in a fresh temporary home folder (keys, ledger), never the user's.

With the security office's service (``--service URL --bundle ORG.egkeys --enroll-code CODE``, the token in
``EXPORTGUARD_SERVER_TOKEN``, the bundle's passphrase in ``EXPORTGUARD_BUNDLE_PASSPHRASE``) the home takes
the organisation's keys and enrolls first, so its exports are reported and traced there; the Trace page
is also shot with the service unreachable, and the Audit page with the office's trail."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from desktop.main_window import MainWindow

# The workbook shown by default: a copy of resources/samples/hidden_pii.xlsx (synthetic customers with PII
# in hidden sheets, comments and headers) that ships inside the package, so an installed app or a frozen
# bundle can take its own screenshots; tests/test_screenshot_sample.py keeps the two copies identical.
SAMPLE = Path(str(resources.files("desktop").joinpath("data", "screenshot_sample.xlsx")))
TIMEOUT_S = 60.0
PAGES = ("review", "export", "trace", "audit", "keys", "settings")


def _wait(condition: Callable[[], bool], timeout: float = TIMEOUT_S) -> bool:
    from PySide6.QtCore import QCoreApplication, QEventLoop

    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
    return True


def _quiet(window: MainWindow) -> None:
    """Message boxes would block an offscreen run: print their text instead."""

    def say(message: str) -> None:
        print(message, file=sys.stderr)

    for owner in (window, *window.pages):
        for name in ("_show_error", "_show_info"):
            if hasattr(owner, name):
                setattr(owner, name, say)


def _shoot(window: MainWindow, language: str, sample: Path, out: Path, temp: Path) -> int:
    """Open the sample, export it, verify the ledger, then grab every page; returns the failures."""
    from desktop.i18n import CHINESE
    from desktop.main_window import AUDIT, EXPORT

    failures = 0
    window.keys_page.ensure_ring()  # first use, as the CLI does: an unprotected keystore
    window.open_path(sample)
    session = window.session
    if not _wait(lambda: session.report is not None and session.heads is not None):
        print(f"scan of {sample} did not finish", file=sys.stderr)
        failures += 1
    export = window.export_page
    window.show_page(EXPORT)
    _grab(window, out / f"export_blocked_{language}.png")  # the policy panel saying what to fill in
    export.output.setText(str(temp / f"export_{language}.xlsx"))
    export._output_edited = True
    if language == CHINESE:
        export.recipient.setEditText("城东代收银行")
        export.purpose.setEditText("欠费催缴")
    else:
        export.recipient.setEditText("Eastside Collection Bank")
        export.purpose.setEditText("Arrears collection")
    window.show_page(EXPORT)
    if export.start_export() and not _wait(lambda: not export.exporting):
        failures += 1
    trace = window.trace_page
    trace.set_source(temp / f"export_{language}.xlsx")
    if trace.trace():
        _wait(lambda: trace.investigation is not None)
    if not trace.save_report(out / f"trace_report_{language}.pdf"):  # the report an officer files, beside the shots
        failures += 1
    window.show_page(AUDIT)
    audit = window.audit_page
    if audit.verify():
        _wait(lambda: audit.last_report is not None)
    for index, page in enumerate(PAGES):
        window.show_page(index)
        failures += not _grab(window, out / f"{page}_{language}.png")
    if session.service is not None:
        failures += _shoot_service(window, language, out)
    failures += _shoot_fewer_rows(window, language, out)
    failures += _shoot_passphrase(window, language, out)
    return failures + _shoot_chooser(window, language, out) + _shoot_qt_dialogs(window, language, out)


def _shoot_service(window: MainWindow, language: str, out: Path) -> int:
    """The office's trail on the Audit page, and the Trace page when the service cannot be reached."""
    from desktop.main_window import AUDIT, TRACE
    from desktop.pages.audit import OFFICE

    session, audit, trace = window.session, window.audit_page, window.trace_page
    failures = 0
    if audit.show_source(OFFICE):
        _wait(lambda: audit.office is not None, 30)
    window.show_page(AUDIT)
    failures += not _grab(window, out / f"audit_office_{language}.png")
    service = session.service
    assert service is not None  # noqa: S101 (the caller checked)
    session.configure_service("http://127.0.0.1:9", service.token)  # a port nothing listens on
    previous = trace.outcome
    if trace.trace():
        _wait(lambda: trace.outcome is not None and trace.outcome is not previous)
    window.show_page(TRACE)
    failures += not _grab(window, out / f"trace_unreachable_{language}.png")
    session.configure_service(service.url, service.token)
    return failures


def _join_office(home: Path, service: str, bundle: Path, code: str) -> bool:
    """The home takes the organisation's keys and enrolls, as a workstation's installer would."""
    from masking.cli.main import run

    return (run(["--home", str(home), "keys", "import-bundle", str(bundle)]) == 0
            and run(["--home", str(home), "enroll", service, code]) == 0)


def _shoot_fewer_rows(window: MainWindow, language: str, out: Path) -> int:
    """The Export page choosing fewer rows: the first ten rows, and of those the ones whose second column
    holds the first row's value there (counted on the worker, then shown with the verdict)."""
    from desktop.main_window import EXPORT

    window.show_page(EXPORT)
    page = window.export_page
    head = window.session.heads.sheets[0] if window.session.heads and window.session.heads.sheets else None
    value = next((str(row[1]) for row in head.rows if len(row) > 1 and row[1] is not None), "") if head else ""
    page.rows_box.setChecked(True)
    page.range_check.setChecked(True)
    page.last_row.setValue(min(10, page.last_row.maximum()))
    if value and page.filter_column.count() > 1:
        page.filter_check.setChecked(True)
        page.filter_column.setCurrentIndex(1)
        page.filter_value.setText(value[:4])
        page.filter_match.setCurrentIndex(page.filter_match.findData("contains"))
    page.apply_selection()
    _wait(lambda: not page.counting)
    return 0 if _grab(window, out / f"export_fewer_rows_{language}.png") else 1


def _shoot_passphrase(window: MainWindow, language: str, out: Path) -> int:
    """The new-passphrase dialog with a weak passphrase typed: the strength bar, the words, OK disabled."""
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QDialogButtonBox

    from desktop.dialogs import FieldsDialog

    translate = QCoreApplication.translate  # the Keys page's own words for its dialog
    dialog = FieldsDialog(translate("KeysPage", "Change passphrase"), "",
                          [("new", translate("KeysPage", "New passphrase:"), True)], window, repeat="new",
                          strength="new")
    dialog.edits["new"].setText("Password2024")
    dialog.show()
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    grabbed = _grab(dialog, out / f"passphrase_{language}.png") and not ok.isEnabled()
    dialog.close()
    dialog.deleteLater()
    return 0 if grabbed else 1


def _shoot_chooser(window: MainWindow, language: str, out: Path) -> int:
    """The action chooser of the first column open, over the Review page (a popup is a window of its
    own: only a real X screen shows it, so this shot is taken under X11 only)."""
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QComboBox

    from desktop.main_window import REVIEW
    from desktop.models import ColumnsModel

    screen = QGuiApplication.primaryScreen()
    if QGuiApplication.platformName() != "xcb" or screen is None:
        return 0
    window.show_page(REVIEW)
    page = window.review_page
    combo = page.columns_view.indexWidget(page.columns_model.index(0, ColumnsModel.ACTION))
    if not isinstance(combo, QComboBox):
        return 1
    combo.showPopup()
    _wait(lambda: False, 0.4)
    frame = window.frameGeometry()
    shot = screen.grabWindow(0, frame.x(), frame.y(), frame.width(), frame.height())
    combo.hidePopup()
    target = out / f"review_chooser_{language}.png"
    if shot.save(str(target)):
        print(target)
        return 0
    return 1


def _shoot_qt_dialogs(window: MainWindow, language: str, out: Path) -> int:
    """Qt's own file chooser and message box (their buttons and labels come from Qt's catalogs)."""
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    chooser = QFileDialog(window, window.windowTitle())
    chooser.setOption(QFileDialog.Option.DontUseNativeDialog)  # the one Qt draws, as on Linux desktops
    box = QMessageBox(QMessageBox.Icon.Question, window.windowTitle(), window.windowTitle(),
                      QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                      | QMessageBox.StandardButton.Cancel, window)
    failures = 0
    for dialog, name in ((chooser, "qt_file_dialog"), (box, "qt_message_box")):
        dialog.show()
        failures += not _grab(dialog, out / f"{name}_{language}.png")
        dialog.close()
        dialog.deleteLater()
    return failures


def _grab(widget: QWidget, target: Path) -> bool:
    """The widget as it is on the screen (a real window under X11: what the X server shows), else as
    Qt paints it offscreen."""
    from PySide6.QtGui import QGuiApplication

    _wait(lambda: False, 0.3)  # let layouts settle and repaint
    screen = QGuiApplication.primaryScreen()
    on_screen = QGuiApplication.platformName() == "xcb" and screen is not None
    image = screen.grabWindow(widget.winId()) if on_screen and screen is not None else widget.grab()
    if image.save(str(target)):
        print(target)
        return True
    print(f"could not render {target}", file=sys.stderr)
    return False


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m desktop.screenshots")
    parser.add_argument("--out", type=Path, required=True, help="folder for the PNG files")
    parser.add_argument("--sample", type=Path, default=SAMPLE,
                        help="the workbook to show (default: the package's synthetic sample with hidden PII)")
    parser.add_argument("--service", metavar="URL", help="the security office's service (see the module's docstring)")
    parser.add_argument("--bundle", type=Path, metavar="BUNDLE", help="the organisation's keys, for --service")
    parser.add_argument("--enroll-code", metavar="CODE", help="a one-time enrollment code, for --service")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.service and not (args.bundle and args.enroll_code and os.environ.get("EXPORTGUARD_SERVER_TOKEN")):
        parser.error("--service needs --bundle, --enroll-code and EXPORTGUARD_SERVER_TOKEN")
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from PySide6.QtWidgets import QApplication

    from desktop.app import create_main_window
    from desktop.i18n import CHINESE, ENGLISH, Translations

    app = QApplication([sys.argv[0]])
    args.out.mkdir(parents=True, exist_ok=True)
    failures = 0
    with tempfile.TemporaryDirectory(prefix="exportguard-shots-") as temp:
        home = Path(temp) / "home"
        if args.service and not _join_office(home, args.service, args.bundle, args.enroll_code):
            return 1
        translations = Translations(app, home / "cache" / "i18n")
        for language in (CHINESE, ENGLISH):
            translations.switch(language)
            window = create_main_window(home, translations, outbox=Path(temp) / "外发")
            _quiet(window)
            window.resize(1180, 760)
            window.show()
            failures += _shoot(window, language, args.sample, args.out, Path(temp))
            window.close()
            window.deleteLater()
        translations.remove_all()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
