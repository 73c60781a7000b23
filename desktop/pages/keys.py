"""The keys page: the organisation's keys on this workstation: create, import, unlock, re-protect."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.dialogs import FieldsDialog
from desktop.pages import VERDICT_BAD_STYLE, VERDICT_IDLE_STYLE, VERDICT_OK_STYLE, Page, wrapped_label
from desktop.session import Session
from desktop.wording import error_message
from masking.errors import ExportGuardError
from masking.events import KeyAction, KeyChange
from masking.home import organisation_folder
from masking.keys import KeyRing
from masking.office import import_organisation_bundle

FIRST_RUN_CREATE = "create"
FIRST_RUN_IMPORT = "import"


class KeysPage(Page):
    """Signals: none (key changes go to the session, which announces ``keys_changed``)."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self.state = wrapped_label()
        self.state.setObjectName("keys_state")
        self.details_box = QGroupBox()
        form = QFormLayout(self.details_box)
        self.path_value = QLabel()
        self.org_value = QLabel()
        self.key_value = QLabel()
        self.protect_value = QLabel()
        self._form_labels = [QLabel() for _ in range(4)]
        for label, value in zip(self._form_labels, (self.path_value, self.org_value, self.key_value,
                                                    self.protect_value), strict=True):
            form.addRow(label, value)
        self.create_button = QPushButton()
        self.import_button = QPushButton()
        self.unlock_button = QPushButton()
        self.passphrase_button = QPushButton()
        self.create_button.clicked.connect(self._on_create_button_clicked)
        self.import_button.clicked.connect(self._on_import_button_clicked)
        self.unlock_button.clicked.connect(self._on_unlock_button_clicked)
        self.passphrase_button.clicked.connect(self._on_passphrase_button_clicked)
        buttons = QHBoxLayout()
        for button in (self.create_button, self.import_button, self.unlock_button, self.passphrase_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.explain = wrapped_label()
        layout = QVBoxLayout(self)
        layout.addWidget(self.state)
        layout.addWidget(self.details_box)
        layout.addLayout(buttons)
        layout.addWidget(self.explain)
        layout.addStretch(1)
        session.keys_changed.connect(self._on_session_keys_changed)
        self.retranslate()

    def retranslate(self) -> None:
        self.details_box.setTitle(self.tr("Keystore"))
        for label, text in zip(self._form_labels, (self.tr("File:"), self.tr("Organisation:"), self.tr("Active key:"),
                                                   self.tr("Passphrase:")), strict=True):
            label.setText(text)
        self.create_button.setText(self.tr("Create new keys…"))
        self.import_button.setText(self.tr("Import organisation keys…"))
        self.unlock_button.setText(self.tr("Unlock…"))
        self.passphrase_button.setText(self.tr("Change passphrase…"))
        self.explain.setText(self.tr(
            "The keys make pseudonyms, encryption and watermarks. Every workstation of an organisation should "
            "import the same organisation keys from the security office, so that pseudonyms agree and leaked "
            "files can be traced. Protect the keys with a passphrase."))
        self.refresh()

    def refresh(self) -> None:
        store = self._session.workspace.keystore
        try:
            status = store.status()
        except ExportGuardError as error:
            self._set_state(error_message(error), VERDICT_BAD_STYLE)
            return
        self.path_value.setText(status.path)
        self.org_value.setText(status.organisation or self.tr("(not set)"))
        self.key_value.setText(self.tr("{key} (%n key(s) in total)", "", len(status.keys)).format(
            key=status.active_key or "-"))
        self.protect_value.setText(self.tr("set") if status.protected else self.tr("not set"))
        unlocked = self._session.ring is not None
        self.create_button.setEnabled(not status.exists)
        self.unlock_button.setEnabled(status.exists and not unlocked)
        self.passphrase_button.setEnabled(status.exists)
        if not status.exists:
            self._set_state(self.tr("No keys on this workstation yet: create new keys, or import the "
                                    "organisation's keys from the security office."), VERDICT_IDLE_STYLE)
        elif not unlocked:
            self._set_state(self.tr("The keys are locked: unlock them with the passphrase."), VERDICT_BAD_STYLE)
        elif not status.protected:
            self._set_state(self.tr("Keys ready, but not protected by a passphrase: set one."), VERDICT_IDLE_STYLE)
        else:
            self._set_state(self.tr("Keys ready and protected by a passphrase."), VERDICT_OK_STYLE)

    def _set_state(self, text: str, style: str) -> None:
        self.state.setText(text)
        self.state.setStyleSheet(style)

    # -- what other pages call ------------------------------------------------------------------

    def ensure_ring(self, reason: str = "") -> KeyRing | None:
        """The unlocked keys, asking for the passphrase if needed (the prompt names the keys and
        ``reason``, what they are needed for); on first use, as the CLI does, an unprotected keystore is
        created. None if the user cancelled or the passphrase was wrong."""
        session = self._session
        if session.ring is not None:
            return session.ring
        store = session.workspace.keystore
        try:
            if not store.exists():
                ring, _ = session.workspace.open_keys("")  # recorded as a key event
            elif store.protected:
                passphrase = self._ask_passphrase(self.unlock_prompt(reason))
                if passphrase is None:
                    return None
                ring = store.unlock(passphrase)
            else:
                ring = store.unlock("")
        except ExportGuardError as error:
            self._show_error(error_message(error))
            return None
        session.set_ring(ring)
        return ring

    def first_run(self) -> None:
        """At start: offer to create or import keys when there are none, or unlock protected ones."""
        store = self._session.workspace.keystore
        if self._session.try_unlock_unprotected():
            return
        if not store.exists():
            choice = self._ask_first_run()
            if choice == FIRST_RUN_CREATE:
                self.create_keys()
            elif choice == FIRST_RUN_IMPORT:
                self.import_keys()
        else:
            self.ensure_ring()

    def create_keys(self) -> bool:
        answer = self._ask_new_keys()
        if answer is None:
            return False
        organisation, passphrase = answer
        try:
            ring = self._session.workspace.keystore.create(passphrase, organisation)
            self._record(KeyChange(action=KeyAction.INIT, key_id=ring.active.key_id, keys=len(ring.keys),
                                   protected=bool(passphrase)), ring)  # create(): named, so not open_keys()
        except ExportGuardError as error:
            self._show_error(error_message(error))
            return False
        self._session.set_ring(ring)
        return True

    def _record(self, change: KeyChange, ring: KeyRing) -> None:
        change.append_to(self._session.workspace.ledger(ring))
        self._session.ledger_changed.emit()

    def import_keys(self) -> bool:
        answer = self._ask_bundle()
        if answer is None:
            return False
        bundle, bundle_passphrase = answer
        store = self._session.workspace.keystore
        passphrase = ""
        try:
            if store.exists() and store.protected:
                asked = self._ask_passphrase(self.unlock_prompt(
                    self.tr("They are needed to add the organisation's keys to them.")))
                if asked is None:
                    return False
                passphrase = asked
            ring, _ = import_organisation_bundle(self._session.workspace.home, bundle, bundle_passphrase, passphrase)
            self._record(KeyChange(action=KeyAction.IMPORT_BUNDLE, key_id=ring.active.key_id, keys=len(ring.keys)),
                         ring)
        except ExportGuardError as error:
            self._show_error(error_message(error))
            return False
        self._session.set_ring(ring)
        self._show_info(self.tr("Imported the keys of “{organisation}”.").format(organisation=ring.organisation))
        return True

    def change_passphrase(self) -> bool:
        store = self._session.workspace.keystore
        answer = self._ask_change_passphrase(store.exists() and store.protected)
        if answer is None:
            return False
        old, new = answer
        try:
            store.change_passphrase(old, new)
            ring = store.unlock(new)
            self._record(KeyChange(action=KeyAction.NEW_PASSPHRASE, key_id=ring.active.key_id, keys=len(ring.keys),
                                   protected=bool(new)), ring)
        except ExportGuardError as error:
            self._show_error(error_message(error))
            return False
        self._session.set_ring(ring)
        self._show_info(self.tr("The passphrase was changed."))
        return True

    # -- replaceable dialogs (tests put their own in place) -------------------------------------

    def _ask_first_run(self) -> str | None:
        box = QMessageBox(QMessageBox.Icon.Question, self.tr("ExportGuard"), self.tr(
            "No keys on this workstation yet. Import the organisation keys from the security office, or create "
            "new keys for this workstation?"), QMessageBox.StandardButton.NoButton, self)
        imported = box.addButton(self.tr("Import organisation keys…"), QMessageBox.ButtonRole.AcceptRole)
        created = box.addButton(self.tr("Create new keys…"), QMessageBox.ButtonRole.AcceptRole)
        box.addButton(self.tr("Later"), QMessageBox.ButtonRole.RejectRole)
        box.exec()
        clicked = box.clickedButton()
        return FIRST_RUN_IMPORT if clicked is imported else FIRST_RUN_CREATE if clicked is created else None

    def unlock_prompt(self, reason: str) -> str:
        """Whose keys are locked, what for, and what to type."""
        organisation = self._session.workspace.keystore.status().organisation
        unit = organisation or self.tr("this workstation")
        lines = [self.tr("The keys of {unit} are locked.").format(unit=unit)]
        if reason:
            lines.append(reason)
        lines.append(self.tr("Keystore passphrase:"))
        return "\n".join(lines)

    def _ask_passphrase(self, prompt: str) -> str | None:
        text, ok = QInputDialog.getText(self, self.tr("Unlock the keys"), prompt, QLineEdit.EchoMode.Password)
        return text if ok else None

    def _ask_new_keys(self) -> tuple[str, str] | None:
        dialog = FieldsDialog(self.tr("Create new keys"), self.tr(
            "The passphrase protects the keys on this computer; it cannot be recovered."),
            [("organisation", self.tr("Organisation:"), False), ("passphrase", self.tr("Passphrase:"), True)],
            self, repeat="passphrase", strength="passphrase")
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        values = dialog.values()
        return values["organisation"], values["passphrase"]

    def bundle_folder(self) -> str:
        """Where the bundle dialog opens: the folder the installer put the organisation's bundle in, if any."""
        folder = organisation_folder()
        return str(folder) if folder.is_dir() else ""

    def _ask_bundle(self) -> tuple[Path, str] | None:
        name, _ = QFileDialog.getOpenFileName(self, self.tr("Organisation key bundle"), self.bundle_folder(),
                                              self.tr("Key bundles (*.json *.bundle);;All files (*)"))
        if not name:
            return None
        text, ok = QInputDialog.getText(self, self.tr("Organisation key bundle"), self.tr("Bundle passphrase:"),
                                        QLineEdit.EchoMode.Password)
        return (Path(name), text) if ok else None

    def _ask_change_passphrase(self, protected: bool) -> tuple[str, str] | None:
        fields = [("new", self.tr("New passphrase:"), True)]
        if protected:
            fields.insert(0, ("old", self.tr("Current passphrase:"), True))
        dialog = FieldsDialog(self.tr("Change passphrase"), "", fields, self, repeat="new", strength="new")
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        values = dialog.values()
        return values.get("old", ""), values["new"]

    def _show_error(self, message: str) -> None:
        QMessageBox.warning(self, self.tr("ExportGuard"), message)

    def _show_info(self, message: str) -> None:
        QMessageBox.information(self, self.tr("ExportGuard"), message)

    # -- slots ----------------------------------------------------------------------------------

    @Slot()
    def _on_session_keys_changed(self) -> None:
        self.refresh()

    @Slot()
    def _on_create_button_clicked(self) -> None:
        self.create_keys()

    @Slot()
    def _on_import_button_clicked(self) -> None:
        self.import_keys()

    @Slot()
    def _on_unlock_button_clicked(self) -> None:
        self.ensure_ring()

    @Slot()
    def _on_passphrase_button_clicked(self) -> None:
        self.change_passphrase()
