"""Qt's own strings that Qt's Chinese catalog (qtbase_zh_CN) does not translate in this Qt version.

Qt's file chooser labels changed their source text (``&Look in:``, ``Files of &type:``) and the file
type "Folder" gained a disambiguation; ``qtbase_zh_CN.qm`` still carries the old texts, so those
labels stayed English in a Chinese app. This module lists them so ``pyside6-lupdate`` puts them in the
app's own catalog (which Qt asks first, being installed last); :func:`completed_qt_strings` returns
their current translations, and a test checks that none is left in English.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

translate = QCoreApplication.translate


def completed_qt_strings() -> dict[str, str]:
    """Each source text and how the installed catalogs word it now."""
    return {
        "&Look in:": translate("QFileDialog", "&Look in:"),
        "Files of &type:": translate("QFileDialog", "Files of &type:"),
        "Folder": translate("QAbstractFileIconProvider", "Folder", "All other platforms"),
    }
