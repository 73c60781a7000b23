"""AES-SIV (RFC 5297) over numpy: a whole column of values at once, the tag checked by ``cryptography``."""

from __future__ import annotations

import binascii
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import numpy.typing as npt
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESSIV

from masking._hazmat import BLOCK, DecryptionFailed, require_bytes
from masking._hazmat.cmac import by_length, cmac_blocks, dbl

__all__ = ["AesSiv"]


class AesSiv:
    """Raw AES-SIV (RFC 5297) with one associated-data string; any failure is :class:`DecryptionFailed`.

    :meth:`encrypt` and :meth:`decrypt` are ``cryptography``'s AESSIV. :meth:`encrypt_many` computes
    the same standard AES-SIV for a whole column at once: values of one length go through S2V
    (AES-CMAC) and CTR as arrays, one AES-ECB call per block position instead of one AESSIV call
    per value (whose per-call set-up is most of its cost on short values). The tests hold every
    token equal to AESSIV's and to the RFC 5297 vectors. Decryption, where the tag is checked,
    stays with AESSIV.
    """

    # Values of one length are batched from this many on; fewer go through AESSIV one by one.
    BATCH_FROM = 16

    def __init__(self, key: bytes) -> None:
        key = require_bytes(key, "key")
        if len(key) not in (32, 48, 64):
            raise ValueError("AES-SIV key must be 32, 48 or 64 bytes")
        self._aead = AESSIV(key)
        half = len(key) // 2
        # S2V's CMAC key K1 and the CTR key K2 (RFC 5297, section 2.6).
        self._mac = algorithms.AES(key[:half])
        self._ctr = algorithms.AES(key[half:])
        self._d_cache: tuple[bytes, bytes] | None = None

    def encrypt(self, plaintext: bytes, ad: bytes) -> bytes:
        return self._aead.encrypt(plaintext, [ad])

    def encrypt_many(self, plaintexts: Iterable[bytes], ad: bytes) -> list[bytes]:
        """One token per plaintext, in order: exactly :meth:`encrypt` of each, computed in batches."""
        return self._many(plaintexts, ad, None)

    def encrypt_many_text(self, plaintexts: Iterable[bytes], ad: bytes, prefix: str) -> list[str]:
        """:meth:`encrypt_many` with each token written as ``prefix`` + unpadded URL-safe base64.

        The encoding is done a length group at a time (one base64 call per group), not per token.
        """
        if not prefix.isascii() or "\n" in prefix:
            raise ValueError("the token prefix must be ASCII without newlines")
        return self._many(plaintexts, ad, prefix.encode("ascii"))

    def _many(self, plaintexts: Iterable[bytes], ad: bytes, prefix: bytes | None) -> list[Any]:
        values = plaintexts if isinstance(plaintexts, list) else list(plaintexts)
        out = np.empty(len(values), dtype=object)
        encrypt, ads = self._aead.encrypt, [ad]
        for length, positions in by_length(values):
            if length == 0 or len(positions) < self.BATCH_FROM:
                for position in positions.tolist():
                    token = encrypt(require_bytes(values[position], "plaintext"), ads)
                    if prefix is not None:
                        row = np.frombuffer(token, dtype=np.uint8).reshape(1, len(token))
                        out[position] = _text_tokens(row, prefix)[0]
                    else:
                        out[position] = token
                continue
            group = [values[p] for p in positions.tolist()]
            if set(map(type, group)) != {bytes}:
                raise TypeError("plaintext must be bytes")
            tokens = self._encrypt_equal_length(group, length, ad)
            if prefix is None:
                width = tokens.shape[1]
                flat = tokens.tobytes()
                out[positions] = [flat[i : i + width] for i in range(0, len(flat), width)]
            else:
                out[positions] = _text_tokens(tokens, prefix)
        result: list[Any] = out.tolist()
        return result

    def _s2v_d(self, ad: bytes) -> bytes:
        """S2V's running value after the zero block and ``ad``: dbl(CMAC(0)) xor CMAC(ad)."""
        cached = self._d_cache
        if cached is not None and cached[0] == ad:
            return cached[1]
        ecb = self._mac_ecb()
        zero = cmac_blocks(ecb, np.zeros((1, BLOCK), dtype=np.uint8))
        mac_ad = cmac_blocks(ecb, np.frombuffer(ad, dtype=np.uint8).reshape(1, len(ad)))
        d = bytes(a ^ b for a, b in zip(dbl(zero[0].tobytes()), mac_ad[0].tobytes(), strict=True))
        self._d_cache = (ad, d)
        return d

    def _mac_ecb(self) -> Callable[[bytes], bytes]:
        # S305: ECB is the block function of CMAC and CTR here, one independent block per value.
        return Cipher(self._mac, modes.ECB()).encryptor().update  # noqa: S305

    def _encrypt_equal_length(self, values: list[bytes], length: int, ad: bytes) -> npt.NDArray[np.uint8]:
        """The tokens of values of one length, as the rows of an array."""
        count = len(values)
        plain = np.frombuffer(b"".join(values), dtype=np.uint8).reshape(count, length)
        d = np.frombuffer(self._s2v_d(ad), dtype=np.uint8)
        if length >= BLOCK:  # T = P xorend D
            last = plain[:, length - BLOCK :] ^ d
            t = np.concatenate([plain[:, : length - BLOCK], last], axis=1)
        else:  # T = dbl(D) xor pad(P)
            t = np.zeros((count, BLOCK), dtype=np.uint8)
            t[:, :length] = plain
            t[:, length] = 0x80
            t ^= np.frombuffer(dbl(bytes(d)), dtype=np.uint8)
        v = cmac_blocks(self._mac_ecb(), t)
        # CTR under K2 from Q = V with bits 63 and 31 cleared; those cleared bits make a 32-bit
        # counter in the last word exact for any value shorter than 2**31 blocks.
        q = v.copy()
        q[:, 8] &= 0x7F
        q[:, 12] &= 0x7F
        blocks = -(-length // BLOCK)
        counters = np.repeat(q[:, None, :], blocks, axis=1)
        low = q[:, 12:].copy().view(">u4").reshape(count, 1) + np.arange(blocks, dtype=">u4")
        counters[:, :, 12:] = low.astype(">u4").view(np.uint8).reshape(count, blocks, 4)
        # S305: as above, AES-CTR's keystream is AES-ECB over the counter blocks.
        keystream = Cipher(self._ctr, modes.ECB()).encryptor().update(counters.tobytes())  # noqa: S305
        stream = np.frombuffer(keystream, dtype=np.uint8).reshape(count, blocks * BLOCK)[:, :length]
        return np.concatenate([v, plain ^ stream], axis=1)

    def decrypt(self, token: bytes, ad: bytes) -> bytes:
        if not isinstance(token, bytes) or len(token) < BLOCK:
            raise DecryptionFailed
        try:
            return self._aead.decrypt(token, [ad])
        except InvalidTag:
            raise DecryptionFailed from None


_URLSAFE = bytes.maketrans(b"+/", b"-_")


def _text_tokens(tokens: npt.NDArray[np.uint8], prefix: bytes) -> list[str]:
    """``prefix`` + unpadded URL-safe base64 of each row: rows are zero-padded to whole 3-byte groups
    so each starts a fresh base64 quantum, encoded in one call, and the characters that only the
    padding produced are cut off again, which is exactly each row's own unpadded base64."""
    count, length = tokens.shape
    pad = -length % 3
    if pad:
        tokens = np.concatenate([tokens, np.zeros((count, pad), dtype=np.uint8)], axis=1)
    encoded = binascii.b2a_base64(tokens.tobytes(), newline=False).translate(_URLSAFE)
    step, keep = (length + pad) // 3 * 4, (4 * length + 2) // 3
    lines = np.empty((count, len(prefix) + keep + 1), dtype=np.uint8)
    lines[:, : len(prefix)] = np.frombuffer(prefix, dtype=np.uint8)
    lines[:, len(prefix) : -1] = np.frombuffer(encoded, dtype=np.uint8).reshape(count, step)[:, :keep]
    lines[:, -1] = 0x0A
    texts = lines.tobytes().decode("ascii").split("\n")
    texts.pop()
    return texts
