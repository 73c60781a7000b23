"""The home folder's stores, opened the same way by the CLI and the desktop app."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from masking.keys import KeyRing, Keystore
from masking.ledger import Ledger

LEDGER_FILE = "ledger.sqlite"


@dataclass(frozen=True)
class Workspace:
    """One workstation's home folder: keystore, audit ledger and settings."""

    home: Path

    @property
    def keystore(self) -> Keystore:
        return Keystore(self.home)

    def ledger(self, ring: KeyRing) -> Ledger:
        return Ledger(self.home / LEDGER_FILE, ring.ledger_keys(), ring.active.key_id)
