"""Raw cryptographic primitives, hand-written over numpy for speed, each held equal to
``cryptography``'s own implementation and to the RFC vectors by tests/test_crypto.py.

Only :mod:`masking.crypto` imports this package (tests/test_import_contracts.py enforces it): the
rest of the code calls the recipes there, which check their keys and collapse failures.
"""

from __future__ import annotations

BLOCK = 16
ZERO_BLOCK = bytes(BLOCK)
AES_KEY_SIZES = (16, 24, 32)


class DecryptionFailed(Exception):
    """A token or wrapped key did not authenticate; deliberately carries no detail."""

    def __init__(self) -> None:
        super().__init__("decryption failed")


def require_bytes(value: object, what: str) -> bytes:
    if not isinstance(value, bytes):
        raise TypeError(f"{what} must be bytes")
    return value


def require_aes_key(key: object) -> bytes:
    key = require_bytes(key, "key")
    if len(key) not in AES_KEY_SIZES:
        raise ValueError("AES key must be 16, 24 or 32 bytes")
    return key
