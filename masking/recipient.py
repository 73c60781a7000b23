"""Who receives an export, normalised once where the name enters the core.

Every later use reads the one :class:`Recipient`: the approval code's check (the office signs the
same normal form), the token scope (pseudonyms and ciphertexts differ per recipient), the ledger
record, the watermark, and the default output file name.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

__all__ = ["Recipient"]

_FILE_LABEL_CHARS = 40


@dataclass(frozen=True)
class Recipient:
    """A recipient's name in its normal form: Unicode NFC, outer whitespace removed."""

    name: str

    def __post_init__(self) -> None:
        if self.name != unicodedata.normalize("NFC", self.name.strip()):
            raise ValueError("Recipient.of() normalises a name; the constructor takes a normal one")

    @classmethod
    def of(cls, text: str) -> Recipient:
        """The recipient named by ``text`` as typed (any Unicode form, spaces around it)."""
        return cls(unicodedata.normalize("NFC", text.strip()))

    @property
    def scope(self) -> str:
        """The token scope for this recipient (the policy may choose the organisation's scope instead)."""
        return f"recipient:{self.name}"

    @property
    def file_label(self) -> str:
        """The part of a default output file name that names the recipient: letters, digits, - and _;
        "" when none is left (no recipient typed yet, or only punctuation): the name then leaves it out."""
        return "".join(ch for ch in self.name if ch.isalnum() or ch in "-_")[:_FILE_LABEL_CHARS]

    def __str__(self) -> str:
        return self.name
