"""AES as a raw block function, for FF1's round function."""

from __future__ import annotations

from collections.abc import Callable

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from masking._hazmat import BLOCK, ZERO_BLOCK, require_aes_key

__all__ = ["AesPrf"]


class AesPrf:
    """AES as a raw block function, for FF1's round function (SP 800-38G, PRF = CBC-MAC).

    ``ecb`` encrypts many independent blocks in one call: FF1 over a column needs exactly one AES
    block per value per round, so one call per round replaces a million Python-level calls.
    """

    def __init__(self, key: bytes) -> None:
        self._algorithm = algorithms.AES(require_aes_key(key))

    def ecb(self, blocks: bytes) -> bytes:
        """AES-encrypt each 16-byte block of ``blocks`` independently."""
        return self.ecb_stream()(blocks)

    def ecb_stream(self) -> Callable[[bytes], bytes]:
        """A block function bound to one fresh context: cheap per call, for one operation only.

        ECB keeps no state between blocks, so reusing the context within an operation is sound;
        not sharing it between operations keeps the object safe to use from several threads.
        """
        # S305: ECB is FF1's block function here; each block is an independent PRF input, never a message.
        update = Cipher(self._algorithm, modes.ECB()).encryptor().update  # noqa: S305

        def encrypt_blocks(blocks: bytes) -> bytes:
            if len(blocks) % BLOCK:
                raise ValueError("ECB input must be whole 16-byte blocks")
            return update(blocks)

        return encrypt_blocks

    def prf(self, data: bytes) -> bytes:
        """CBC-MAC with a zero IV over whole blocks; returns the last cipher block."""
        if not data or len(data) % BLOCK:
            raise ValueError("PRF input must be a non-empty multiple of 16 bytes")
        encryptor = Cipher(self._algorithm, modes.CBC(ZERO_BLOCK)).encryptor()
        return encryptor.update(data)[-BLOCK:]
