"""Small modal dialogs. Pages never open these directly: each use sits behind a small ``_ask_...``
method of the page, which tests replace, so no test ever shows a real modal."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from masking.passphrase_strength import MIN_LENGTH, Strength, passphrase_strength

translate = QCoreApplication.translate
STRENGTH_COLOURS = ("#b3261e", "#d9480f", "#e8a317", "#2e7d32", "#1b5e20")


def strength_words(strength: Strength) -> str:
    """A passphrase's strength in words, what weakened it, and what to do when it is below the minimum."""
    levels = (translate("passphrase", "very weak"), translate("passphrase", "weak"), translate("passphrase", "fair"),
              translate("passphrase", "good"), translate("passphrase", "strong"))
    avoid = {
        "too_short": translate("passphrase", "it is shorter than %n characters", "", MIN_LENGTH),
        "common": translate("passphrase", "it is a commonly used password"),
        "name": translate("passphrase", "it contains a name"),
        "own_name": translate("passphrase", "it contains the organisation's name"),
        "keyboard": translate("passphrase", "it follows the keyboard"),
        "repeat": translate("passphrase", "it repeats characters"),
        "sequence": translate("passphrase", "it contains a sequence such as abc or 123"),
        "date": translate("passphrase", "it contains a date"),
        "year": translate("passphrase", "it contains a year"),
    }
    text = translate("passphrase", "Strength: {level}.").format(level=levels[max(0, min(strength.score, 4))])
    if strength.acceptable:
        return text
    then = translate("passphrase", "{sentence} {next}")  # Chinese puts no space between sentences
    reasons = translate("passphrase", "; ").join(avoid[code] for code in strength.avoid if code in avoid)
    if reasons:
        text = then.format(sentence=text, next=translate("passphrase", "Too easy to guess: {reasons}.").format(
            reasons=reasons))
    return then.format(sentence=text, next=translate(
        "passphrase", "At least “good” is needed: use four or more unrelated words, or a sentence only you would "
                      "write."))


class FieldsDialog(QDialog):
    """A form of text fields (some hidden like passwords) with OK and Cancel.

    ``repeat`` names a field that must be typed twice; OK stays disabled until both agree. ``strength``
    names a passphrase field whose strength is shown as it is typed (a bar and words); OK stays disabled
    until it reaches the minimum (:mod:`masking.passphrase_strength`), judged against the dialog's
    other, visible fields (an organisation's name is no passphrase).

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
        strength: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        if intro:
            label = QLabel(intro)
            label.setWordWrap(True)
            layout.addWidget(label)
        form = QFormLayout()
        layout.addLayout(form)
        self.edits: dict[str, QLineEdit] = {}
        self._secret: set[str] = set()
        for key, label_text, secret in fields:
            edit = QLineEdit()
            if secret:
                edit.setEchoMode(QLineEdit.EchoMode.Password)
                self._secret.add(key)
            form.addRow(label_text, edit)
            self.edits[key] = edit
        self.meter: QProgressBar | None = None
        self.strength_label: QLabel | None = None
        self._strength = strength
        if strength is not None:
            self.meter = QProgressBar()
            self.meter.setRange(0, 4)
            self.meter.setTextVisible(False)
            self.meter.setMaximumHeight(8)
            self.strength_label = QLabel()
            self.strength_label.setWordWrap(True)
            self.strength_label.setObjectName("passphrase_strength")
            form.addRow("", self.meter)
            form.addRow("", self.strength_label)
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
        for edit in (*self.edits.values(), *((self._repeat,) if self._repeat is not None else ())):
            edit.textChanged.connect(self._check)
        self._check()

    def passphrase_strength(self) -> Strength | None:
        """The strength of the ``strength`` field now, judged against the visible fields."""
        if self._strength is None:
            return None
        context = [edit.text() for key, edit in self.edits.items() if key not in self._secret]
        return passphrase_strength(self.edits[self._strength].text(), context)

    def _check(self) -> None:
        problems = []
        strength = self.passphrase_strength()
        if strength is not None and self.meter is not None and self.strength_label is not None:
            self.meter.setValue(strength.score)
            self.meter.setStyleSheet(f"QProgressBar::chunk {{ background: {STRENGTH_COLOURS[strength.score]}; }}")
            self.strength_label.setText(strength_words(strength))
            if not strength.acceptable:
                problems.append(self.tr("The passphrase is too easy to guess."))
        if self._repeat is not None and self._repeated is not None \
                and self._repeat.text() != self.edits[self._repeated].text():
            problems.append(self.tr("The two entries differ."))
        button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        button.setEnabled(not problems)
        button.setToolTip(" ".join(problems))

    def values(self) -> dict[str, str]:
        return {key: edit.text() for key, edit in self.edits.items()}
