"""The desktop app's own settings (language, recent files, names typed before), kept by QSettings in
an INI file in the ExportGuard home folder, so a test's private home never touches the user's."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

SETTINGS_FILE = "desktop.ini"
MAX_RECENT = 8
MAX_NAMES = 20


class AppSettings:
    """Typed access to the settings file; each setter writes through at once."""

    def __init__(self, home: Path) -> None:
        self._settings = QSettings(str(home / SETTINGS_FILE), QSettings.Format.IniFormat)

    def _strings(self, key: str) -> list[str]:
        value = self._settings.value(key, [])
        if isinstance(value, str):  # QSettings returns a one-item list as a plain string
            return [value] if value else []
        return [str(item) for item in value] if isinstance(value, list) else []

    def _push(self, key: str, item: str, limit: int) -> list[str]:
        items = [item, *(existing for existing in self._strings(key) if existing != item)][:limit]
        self._settings.setValue(key, items)
        self._settings.sync()
        return items

    @property
    def language(self) -> str:
        return str(self._settings.value("language", "system"))

    @language.setter
    def language(self, value: str) -> None:
        self._settings.setValue("language", value)
        self._settings.sync()

    @property
    def service_url(self) -> str:
        """The security office's evidence service the officer chose ("" : the enrolled one, if any)."""
        return str(self._settings.value("service_url", ""))

    @service_url.setter
    def service_url(self, value: str) -> None:
        self._settings.setValue("service_url", value)
        self._settings.sync()

    def recent_files(self) -> list[Path]:
        return [Path(item) for item in self._strings("recent_files")]

    def add_recent_file(self, path: Path) -> list[Path]:
        return [Path(item) for item in self._push("recent_files", str(path.resolve()), MAX_RECENT)]

    def clear_recent_files(self) -> None:
        self._settings.setValue("recent_files", [])
        self._settings.sync()

    def recipients(self) -> list[str]:
        return self._strings("recipients")

    def add_recipient(self, name: str) -> None:
        if name.strip():
            self._push("recipients", name.strip(), MAX_NAMES)

    def purposes(self) -> list[str]:
        return self._strings("purposes")

    def add_purpose(self, text: str) -> None:
        if text.strip():
            self._push("purposes", text.strip(), MAX_NAMES)
