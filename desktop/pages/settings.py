"""The settings page: language, recent files, the security office's evidence service (for trace and the
office's audit trail), and where the keys, ledger and policy live.

The service's token is never written to the settings file: it is kept until the app closes or, when the
user asks and this computer has one, in the OS secret store for the user's account
(:mod:`masking.os_secrets`), one per service address, read back at the next start (``desktop.app``)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import CHINESE, ENGLISH, SYSTEM
from desktop.pages import Page
from desktop.session import Session
from desktop.settings import AppSettings
from desktop.wording import error_message
from masking import os_secrets
from masking.errors import UsageError


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
        self.service_box = QGroupBox()
        service = QFormLayout(self.service_box)
        self.service_url = QLineEdit(session.service.url if session.service else
                                     settings.service_url or session.enrolled_service())
        self.service_url.setPlaceholderText("https://")
        self.service_token = QLineEdit()
        self.service_token.setEchoMode(QLineEdit.EchoMode.Password)
        self.service_token.setPlaceholderText("egt_…")
        self.remember_token = QCheckBox()
        self.remember_token.setEnabled(os_secrets.available())
        current = session.service
        self._remembered = current is not None and os_secrets.remembered_token(current.url) == current.token
        self.remember_token.setChecked(self._remembered)
        self.service_button = QPushButton()
        self.service_button.clicked.connect(self._on_service_button_clicked)
        self.service_state = QLabel()
        self.service_state.setWordWrap(True)
        self.service_url_label = QLabel()
        self.service_token_label = QLabel()
        service.addRow(self.service_url_label, self.service_url)
        service.addRow(self.service_token_label, self.service_token)
        service.addRow("", self.remember_token)
        service.addRow("", self.service_button)
        service.addRow(self.service_state)
        session.service_changed.connect(self._on_session_service_changed)
        self._service_error = ""
        self.about_box = QGroupBox()
        about = QFormLayout(self.about_box)
        self.home_label = QLabel()
        self.policy_label = QLabel()
        about.addRow(self.home_label, self.home_value)
        about.addRow(self.policy_label, self.policy_value)
        layout = QVBoxLayout(self)
        layout.addWidget(self.general_box)
        layout.addWidget(self.service_box)
        layout.addWidget(self.about_box)
        layout.addStretch(1)
        self.retranslate()

    def retranslate(self) -> None:
        self.general_box.setTitle(self.tr("General"))
        self.about_box.setTitle(self.tr("This workstation"))
        self.language_label.setText(self.tr("Language:"))
        self.recent_label.setText(self.tr("Recent files:"))
        self.clear_recent_button.setText(self.tr("Clear the list"))
        self.service_box.setTitle(self.tr("The security office's evidence service"))
        self.service_url_label.setText(self.tr("Address:"))
        self.service_token_label.setText(self.tr("Token (investigator or auditor):"))
        self.service_button.setText(self.tr("Use this service"))
        self.remember_token.setText(self.tr("Remember the token in this computer's secret store (for my account)"))
        self.remember_token.setToolTip("" if self.remember_token.isEnabled() else self.tr(
            "This computer has no secret store for your account: the token is kept only until ExportGuard closes."))
        self._show_service_state()
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

    def use_service(self, url: str, token: str, *, remember: bool | None = None) -> bool:
        """Trace and the office's trail go to this service (an empty address or token: this workstation
        only). The address is remembered in the settings; the token until the app closes or, with
        ``remember`` (default: the check box), in the OS secret store, and forgotten there otherwise."""
        previous = self._session.service
        try:
            self._session.configure_service(url, token)
        except UsageError as error:
            self._service_error = error_message(error)
            self._show_service_state()
            return False
        self._settings.service_url = url.strip()
        self.service_token.clear()
        keep = self.remember_token.isChecked() if remember is None else remember
        self._keep_token(previous.url if previous is not None else None, keep)
        return True

    def _keep_token(self, previous: str | None, keep: bool) -> None:
        """The token in use kept in (or removed from) the OS secret store; a refusal is shown, never the token."""
        service = self._session.service
        self._remembered = False
        try:
            if previous is not None and (service is None or previous != service.url or not keep):
                os_secrets.forget_token(previous)
            if service is not None and keep:
                os_secrets.remember_token(service.url, service.token)
                self._remembered = True
            elif service is not None:
                os_secrets.forget_token(service.url)
        except OSError:  # the reason names only the store's error class; the user needs the outcome
            self._service_error = self.tr("The token is in use, but this computer's secret store did not keep it: it "
                                          "is kept only until ExportGuard closes.")
        self.remember_token.setChecked(self._remembered)
        self._show_service_state()

    def _show_service_state(self) -> None:
        service = self._session.service
        if self._service_error:
            text = self._service_error
        elif service is not None and self._remembered:
            text = self.tr("In use: trace searches every workstation's exports there, and the Audit page can show "
                           "the office's trail. The token is kept in this computer's secret store for your account, "
                           "never in a settings file.")
        elif service is not None:
            text = self.tr("In use: trace searches every workstation's exports there, and the Audit page can show "
                           "the office's trail. The token is kept only until ExportGuard closes.")
        else:
            text = self.tr("Not in use: trace searches this workstation's audit ledger only. The office gives "
                           "investigators and auditors a token ('exportguard server token').")
        self.service_state.setText(text)

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

    @Slot()
    def _on_service_button_clicked(self) -> None:
        current = self._session.service  # an empty token field keeps the token in use (the environment's)
        token = self.service_token.text().strip() or (current.token if current is not None else "")
        self.use_service(self.service_url.text(), token)

    @Slot()
    def _on_session_service_changed(self) -> None:
        self._service_error = ""
        self._show_service_state()
