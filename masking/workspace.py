"""The home folder's stores, opened the same way by the CLI and the desktop app."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from masking.events import KeyAction, KeyChange
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

    def open_keys(self, passphrase: str) -> tuple[KeyRing, bool]:
        """The keystore unlocked, created first when this home has none (recorded in the ledger as a
        ``key`` event, like every other key change); True when it was created."""
        ring, created = self.keystore.open_or_create(passphrase)
        if created:
            KeyChange(action=KeyAction.INIT, key_id=ring.active.key_id, keys=len(ring.keys),
                      protected=bool(passphrase)).append_to(self.ledger(ring))
        return ring, created
