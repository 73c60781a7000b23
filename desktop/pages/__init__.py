"""The pages of the main window: review, export, trace, audit, keys and settings.

Each page builds its widgets once and sets every visible text in ``retranslate()``, which runs at
construction and again on each ``LanguageChange`` event, so the language switches in place.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QLabel, QWidget


class Page(QWidget):
    """Base of the pages: retranslates itself when the application's language changes."""

    def retranslate(self) -> None:
        """Set every visible text; subclasses override."""

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)


def wrapped_label(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    return label


VERDICT_OK_STYLE = "QLabel { background: #e6f4ea; color: #1e5631; border: 1px solid #a8d5b5; padding: 8px; }"
VERDICT_BAD_STYLE = "QLabel { background: #fde8e7; color: #8c1d18; border: 1px solid #f1b0ab; padding: 8px; }"
VERDICT_IDLE_STYLE = "QLabel { background: #f3f3f3; color: #444; border: 1px solid #ddd; padding: 8px; }"
