"""Languages: English source strings, Chinese from ``desktop/translations/exportguard_zh_CN.ts``; the
English catalog ``exportguard_en.ts`` holds only the plural forms of counted strings (``%n row(s)``:
"1 row", "2 rows"), which Qt resolves through a catalog even in the source language.

Updating the Chinese catalog: ``pyside6-lupdate -locations none -no-obsolete desktop/*.py
desktop/pages/*.py -ts desktop/translations/exportguard_zh_CN.ts``, then translate what it marks
unfinished. lupdate does not see the count of a module-level ``translate(context, text, "", n)`` call
(``wording.py``'s ``%Ln row(s)``, ``about %n second(s) left``, the passphrase's ``%n characters``): it
drops or un-numeruses those entries, so put them back as ``numerus="yes"`` messages (the test of the
catalogs fails while one is missing). ``exportguard_en.ts`` is kept by hand: one message per counted
``tr()``/``translate()`` text, with its singular and plural forms.

The catalogs ship inside the package and are found through ``importlib.resources``, so the app is
translated wherever it is installed. The ``.qm`` files are built, not committed: a ``.qm`` beside the
``.ts`` in the package (put there by ``python -m desktop.i18n --out desktop/translations`` when a frozen
app or an installer is built, where ``lrelease`` is not shipped) is used as it is when it is not older
than the ``.ts``, and whatever its date when there is no ``lrelease`` to build a newer one; otherwise
:func:`compiled_catalog` runs Qt's ``lrelease`` (shipped with PySide6-Essentials) when the ``.qm`` in
the cache folder is missing or older than its ``.ts``.

:class:`Translations` owns the installed translators: Qt's own ``qtbase`` strings (dialog buttons,
context menus) and the app's. Switching language removes and installs translators, and Qt then
sends every widget a ``LanguageChange`` event, so pages retranslate themselves in place.
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QObject, QTranslator

log = logging.getLogger(__name__)

# The package's own folder on disk (wheels, editable installs and PyInstaller bundles all unpack it).
I18N_DIR = Path(str(resources.files("desktop").joinpath("translations")))
CATALOG = "exportguard"
ENGLISH = "en"
CHINESE = "zh_CN"
SYSTEM = "system"
LANGUAGES = (ENGLISH, CHINESE)


def resolve_language(setting: str, system: QLocale | None = None) -> str:
    """``en`` or ``zh_CN`` for a stored setting; ``system`` follows the system locale."""
    if setting in LANGUAGES:
        return setting
    locale = system if system is not None else QLocale.system()
    return CHINESE if locale.language() is QLocale.Language.Chinese else ENGLISH


def lrelease_program() -> Path | None:
    """Qt's ``lrelease`` as PySide6 ships it, or None."""
    import PySide6

    folder = Path(PySide6.__file__).resolve().parent
    for name in ("lrelease", "lrelease.exe"):
        for candidate in (folder / name, folder / "Qt" / "libexec" / name, folder / "Qt" / "bin" / name):
            if candidate.is_file():
                return candidate
    return None


def compiled_catalog(language: str, cache: Path, *, source_dir: Path = I18N_DIR) -> Path | None:
    """The ``.qm`` for ``language``, built into ``cache`` when missing or stale; None if impossible."""
    source = source_dir / f"{CATALOG}_{language}.ts"
    if not source.is_file():
        return None
    shipped = source_dir / f"{CATALOG}_{language}.qm"
    if shipped.is_file() and shipped.stat().st_mtime >= source.stat().st_mtime:
        return shipped
    target = cache / f"{CATALOG}_{language}.qm"
    if target.is_file() and target.stat().st_mtime >= source.stat().st_mtime:
        return target
    program = lrelease_program()
    if program is None:
        if shipped.is_file():  # a frozen app has no lrelease, and copying its files may reorder mtimes
            return shipped
        log.warning("lrelease not found; %s stays untranslated", language)
        return None
    cache.mkdir(parents=True, exist_ok=True)
    temp = cache / f".{target.name}.{os.getpid()}.tmp"
    try:
        done = subprocess.run(  # noqa: S603 (a fixed program from the PySide6 package, our own paths)
            [str(program), "-silent", str(source), "-qm", str(temp)],
            capture_output=True, text=True, timeout=60, check=False,
        )
        if done.returncode != 0 or not temp.is_file():
            log.warning("lrelease failed for %s: %s", source.name, done.stderr.strip())
            return None
        os.replace(temp, target)
    except (OSError, subprocess.SubprocessError) as error:
        log.warning("could not build %s: %s", target.name, error)
        return None
    finally:
        temp.unlink(missing_ok=True)
    return target


QT_CATALOGS = ("qtbase", "qt")  # qt_<lang>.qm is the meta catalog PySide6 ships beside qtbase_<lang>.qm


def qt_translation_folders() -> list[str]:
    """Where Qt's own catalogs may be: Qt's configured folder, then the PySide6 package's own (a frozen
    app or a relocated install can leave the first without them)."""
    import PySide6

    package = Path(PySide6.__file__).resolve().parent
    folders = [QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath),
               str(package / "Qt" / "translations"), str(package / "translations")]
    return list(dict.fromkeys(folder for folder in folders if folder))


def load_qt_catalog(translator: QTranslator, language: str, folders: Sequence[str]) -> bool:
    """Load Qt's own strings (dialog buttons, the file chooser, message boxes) for ``language``:
    ``qtbase_<lang>.qm``, else ``qt_<lang>.qm``, from the first folder that has one."""
    locale = QLocale(language)
    return any(translator.load(locale, name, "_", folder) for folder in folders for name in QT_CATALOGS)


class Translations(QObject):
    """The translators installed in the application; :meth:`switch` changes the language live.

    Signals: none (Qt itself sends ``LanguageChange`` events to every widget).
    """

    def __init__(self, app: QCoreApplication, cache: Path) -> None:
        super().__init__(app)
        self._app = app
        self._cache = cache
        self._installed: list[QTranslator] = []
        self.language = ENGLISH

    def switch(self, language: str) -> bool:
        """Install the translators of ``language`` (``en`` or ``zh_CN``); True if all loaded."""
        for translator in self._installed:
            self._app.removeTranslator(translator)
        self._installed.clear()
        self.language = language if language in LANGUAGES else ENGLISH
        # Qt's widgets format dates, sizes and file types by the default locale (the file chooser's columns)
        QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China) if self.language == CHINESE
                           else QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
        if self.language == ENGLISH:
            # the source strings are English; the catalog holds only their plural forms ("%n row(s)")
            return self._install_catalog()
        complete = True
        qt_translator = QTranslator(self)
        if load_qt_catalog(qt_translator, self.language, qt_translation_folders()):
            self._install(qt_translator)
        else:
            log.warning("Qt's own translation for %s not found in %s", self.language, qt_translation_folders())
            complete = False
        return self._install_catalog() and complete

    def _install_catalog(self) -> bool:
        """The app's own catalog for the current language; False (and a warning) when it cannot load."""
        catalog = compiled_catalog(self.language, self._cache)
        app_translator = QTranslator(self)
        if catalog is not None and app_translator.load(str(catalog)):
            self._install(app_translator)
            return True
        log.warning("translation %s_%s could not be loaded", CATALOG, self.language)
        return False

    def _install(self, translator: QTranslator) -> None:
        if self._app.installTranslator(translator):
            self._installed.append(translator)
        else:
            log.warning("could not install a translator")

    @property
    def installed(self) -> tuple[QTranslator, ...]:
        return tuple(self._installed)

    def remove_all(self) -> None:
        """Every translator out (the source strings, plural forms unresolved): at the end of a test."""
        for translator in self._installed:
            self._app.removeTranslator(translator)
        self._installed.clear()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m desktop.i18n", description="build the .qm files")
    parser.add_argument("--out", type=Path, required=True, help="folder for the .qm files")
    args = parser.parse_args(argv)
    failures = 0
    for language in LANGUAGES:
        if (I18N_DIR / f"{CATALOG}_{language}.ts").is_file():
            built = compiled_catalog(language, args.out)
            print(built if built is not None else f"could not build {language}", file=sys.stderr)
            failures += built is None
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
