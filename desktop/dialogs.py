"""Small modal dialogs. Pages never open these directly: each use sits behind a small ``_ask_...``
method of the page, which tests replace, so no test ever shows a real modal."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget


class FieldsDialog(QDialog):
    """A form of text fields (some hidden like passwords) with OK and Cancel.

    ``repeat`` names a field that must be typed twice; OK stays disabled until both agree.

    Signals: only QDialog's.
    """

    def __init__(
        self,
        title: str,
        intro: str,
        fields: list[tuple[str, str, bool]],
        parent: QWidget | None = None,
        *,
        repeat: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(420)
        layout = QVBoxLayout(self)
        if intro:
            label = QLabel(intro)
            label.setWordWrap(True)
            layout.addWidget(label)
        form = QFormLayout()
        layout.addLayout(form)
        self.edits: dict[str, QLineEdit] = {}
        for key, label_text, secret in fields:
            edit = QLineEdit()
            if secret:
                edit.setEchoMode(QLineEdit.EchoMode.Password)
            form.addRow(label_text, edit)
            self.edits[key] = edit
        self._repeat: QLineEdit | None = None
        if repeat is not None:
            self._repeat = QLineEdit()
            self._repeat.setEchoMode(QLineEdit.EchoMode.Password)
            form.addRow(self.tr("Repeat:"), self._repeat)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._repeated = repeat
        if self._repeat is not None:
            self._repeat.textChanged.connect(self._check)
            self.edits[repeat or ""].textChanged.connect(self._check)
            self._check()

    def _check(self) -> None:
        if self._repeat is None or self._repeated is None:
            return
        same = self._repeat.text() == self.edits[self._repeated].text()
        button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        button.setEnabled(same)
        button.setToolTip("" if same else self.tr("The two entries differ."))

    def values(self) -> dict[str, str]:
        return {key: edit.text() for key, edit in self.edits.items()}
