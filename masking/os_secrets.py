"""The operating system's store of the user's secrets (Windows Credential Locker, macOS Keychain,
the Secret Service on a Linux desktop), through ``keyring``, where one is available.

A managed workstation's keystore may be protected by a random passphrase kept there instead of one
the user types: the OS releases it only to this user's logged-in session. Where no such store
exists (a Linux server, a CI box: ``keyring`` then falls back to its "fail" backend), only a typed
passphrase protects the keystore, and :func:`available` says so.
"""

from __future__ import annotations

import base64
import os

SERVICE = "ExportGuard keystore"


def available() -> bool:
    """Whether an OS secret store that keeps secrets for this user is usable here."""
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:  # pragma: no cover - keyring is a dependency; a frozen build may leave it out
        return False
    backend = keyring.get_keyring()
    return not isinstance(backend, fail.Keyring) and float(getattr(backend, "priority", 0)) > 0


def new_secret(account: str) -> str:
    """A fresh random passphrase, stored for ``account`` in the OS secret store and returned."""
    import keyring

    secret = base64.b32encode(os.urandom(20)).decode("ascii")
    keyring.set_password(SERVICE, account, secret)
    return secret


def fetch(account: str) -> str | None:
    """The passphrase kept for ``account``, or None when the store has none (or is not available)."""
    if not available():
        return None
    import keyring

    return keyring.get_password(SERVICE, account)
