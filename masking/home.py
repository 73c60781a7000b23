"""Where ExportGuard keeps its keystore, audit ledger and settings on this workstation."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

HOME_ENV = "EXPORTGUARD_HOME"
# In a managed home: the security office's public keys, pinned from the organisation's bundle.
OFFICE_PIN_FILE = "office.json"


def resolve_home(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The home folder: an explicit choice, else $EXPORTGUARD_HOME, else the user data dir.

    The folder is not created here; the stores that need it create it with private permissions.
    """
    if explicit:
        return Path(explicit).expanduser()
    from_env = os.environ.get(HOME_ENV)
    if from_env:
        return Path(from_env).expanduser()
    return Path(platformdirs.user_data_dir("ExportGuard", appauthor=False))


def organisation_folder() -> Path:
    """Where an installer leaves the organisation's files for every user of the machine (the key bundle,
    the signed policy, the service's address; packaging/exportguard.iss): ``%ProgramData%\\ExportGuard``
    on Windows, the system's shared data folder elsewhere. Readable by users, written by administrators."""
    return Path(platformdirs.site_data_dir("ExportGuard", appauthor=False))


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) readable only by the current user; return it."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def is_managed(home: Path) -> bool:
    """Whether ``home`` pinned a security office's keys (see masking/office.py)."""
    return (home / OFFICE_PIN_FILE).is_file()
