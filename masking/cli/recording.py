"""Recording a command's operation in the audit ledger of the home it runs in (policy and office events).

The ledger is opened before the work, so a keystore that will not unlock stops the command before it
changes anything rather than after, leaving an unrecorded change behind. A home without a keystore (an
office machine that makes no exports) has no ledger: nothing is recorded there, as before.
"""

from __future__ import annotations

from pathlib import Path

from masking.cli.secrets import keystore_passphrase
from masking.ledger import Ledger
from masking.workspace import Workspace


def home_ledger(home: Path) -> Ledger | None:
    """This home's ledger, its keystore unlocked as every command does; None when it has no keystore."""
    workspace = Workspace(home)
    if not workspace.keystore.exists():
        return None
    return workspace.ledger(workspace.keystore.unlock(keystore_passphrase()))
