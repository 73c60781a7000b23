"""The settings page: language, recent files, and where the keys, ledger and policy live."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop.i18n import CHINESE, ENGLISH, SYSTEM
from desktop.pages import Page
from desktop.session import Session
from desktop.settings import AppSettings


class SettingsPage(Page):
    """Signals: none; a language choice calls ``switch_language`` (which installs the translators)."""

    def __init__(self, session: Session, settings: AppSettings, switch_language: Callable[[str], None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._settings = settings
        self._switch_language = switch_language
        self.language = QComboBox()
        self.language.currentIndexChanged.connect(self._on_language_current_index_changed)
        self.clear_recent_button = QPushButton()
        self.clear_recent_button.clicked.connect(self._on_clear_recent_button_clicked)
        self.home_value = QLabel(str(session.home))
        self.policy_value = QLabel()
        self.policy_value.setWordWrap(True)

        self.general_box = QGroupBox()
        general = QFormLayout(self.general_box)
        general.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        self.language_label = QLabel()
        self.recent_label = QLabel()
        general.addRow(self.language_label, self.language)
        general.addRow(self.recent_label, self.clear_recent_button)
        self.about_box = QGroupBox()
        about = QFormLayout(self.about_box)
        self.home_label = QLabel()
        self.policy_label = QLabel()
        about.addRow(self.home_label, self.home_value)
        about.addRow(self.policy_label, self.policy_value)
        layout = QVBoxLayout(self)
        layout.addWidget(self.general_box)
        layout.addWidget(self.about_box)
        layout.addStretch(1)
        self.retranslate()

    def retranslate(self) -> None:
        self.general_box.setTitle(self.tr("General"))
        self.about_box.setTitle(self.tr("This workstation"))
        self.language_label.setText(self.tr("Language:"))
        self.recent_label.setText(self.tr("Recent files:"))
        self.clear_recent_button.setText(self.tr("Clear the list"))
        self.home_label.setText(self.tr("Home folder (keys, ledger, settings):"))
        self.policy_label.setText(self.tr("Export policy:"))
        policy = self._session.policy
        if policy.origin == "built-in":
            source = self.tr("the built-in default, not signed by the security office")
        elif policy.origin == "signed":
            source = self.tr("signed by the security office ({signer})").format(signer=policy.signer or "")
        else:
            source = self.tr("{file}, not signed by the security office").format(file=policy.source)
        self.policy_value.setText(self.tr("{version} ({source})").format(version=policy.version, source=source))
        self.language.blockSignals(True)
        self.language.clear()
        self.language.addItem(self.tr("Follow the system"), SYSTEM)
        self.language.addItem("中文（简体）", CHINESE)  # each language named in itself, never translated
        self.language.addItem("English", ENGLISH)
        self.language.setCurrentIndex(max(0, self.language.findData(self._settings.language)))
        self.language.blockSignals(False)

    def choose_language(self, setting: str) -> None:
        position = self.language.findData(setting)
        if position >= 0:
            self.language.setCurrentIndex(position)

    @Slot(int)
    def _on_language_current_index_changed(self, _position: int) -> None:
        setting = self.language.currentData()
        if isinstance(setting, str) and setting != self._settings.language:
            self._settings.language = setting
            self._switch_language(setting)

    @Slot()
    def _on_clear_recent_button_clicked(self) -> None:
        self._settings.clear_recent_files()
