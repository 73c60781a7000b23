"""The operating system's store of the user's secrets (Windows Credential Locker, macOS Keychain,
the Secret Service on a Linux desktop), through ``keyring``, where one is available.

A managed workstation's keystore may be protected by a random passphrase kept there instead of one
the user types: the OS releases it only to this user's logged-in session. Where no such store
exists (a Linux server, a CI box: ``keyring`` then falls back to its "fail" backend), only a typed
passphrase protects the keystore, and :func:`available` says so.

An investigator's or auditor's token for the office's evidence service may be kept there too, one per
service address (:func:`remember_token`), so the desktop app need not ask for it at every start; it is
never written to a settings file or a log.
"""

from __future__ import annotations

import base64
import os

SERVICE = "ExportGuard keystore"
TOKEN_SERVICE = "ExportGuard evidence service token"  # noqa: S105 (the store's entry name, not a secret)


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


def remember_token(url: str, token: str) -> None:
    """Keep ``token`` for the service at ``url`` (its normalised address) in the OS secret store.

    ``OSError`` when no store is available or it refuses (the message never carries the token)."""
    if not available():
        raise OSError("this computer has no OS secret store for this user")
    import keyring
    from keyring.errors import KeyringError

    try:
        keyring.set_password(TOKEN_SERVICE, url, token)
    except KeyringError as error:
        raise OSError(f"the OS secret store refused the token ({type(error).__name__})") from None


def remembered_token(url: str) -> str | None:
    """The token kept for the service at ``url``, or None (none kept, or no store here)."""
    if not url or not available():
        return None
    import keyring
    from keyring.errors import KeyringError

    try:
        return keyring.get_password(TOKEN_SERVICE, url)
    except KeyringError:
        return None


def forget_token(url: str) -> None:
    """Remove the token kept for the service at ``url``, if any."""
    if not url or not available():
        return
    import keyring
    from keyring.errors import KeyringError, PasswordDeleteError

    try:
        keyring.delete_password(TOKEN_SERVICE, url)
    except PasswordDeleteError:
        return
    except KeyringError as error:
        raise OSError(f"the OS secret store refused to forget the token ({type(error).__name__})") from None
