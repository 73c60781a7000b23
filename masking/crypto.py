"""The one module of ExportGuard that imports ``cryptography``.

Safe recipes come first: key derivation, keyed hashing, deterministic encryption of free text, key
wrapping, passphrase stretching and signatures. Each checks its key on the way in, and every failure
to decrypt or unwrap collapses into :class:`DecryptionFailed`, which says nothing about why.

The lower layer at the bottom (:class:`AesPrf`, :class:`AesSiv`, :func:`hkdf_sha256`) exposes raw
primitives. It exists for FF1 (which needs AES as a block function) and for known-answer tests; the
rest of the code should call the recipes.
"""

from __future__ import annotations

import binascii
import os
from collections.abc import Callable, Iterable, Sequence, Sized
from typing import Any

import numpy as np
import numpy.typing as npt
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import cmac as _cmac
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as _hmac
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, AESSIV
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

__all__ = [
    "AesPrf",
    "AesSiv",
    "DecryptionFailed",
    "HmacSha256",
    "derive_key",
    "ed25519_generate",
    "ed25519_sign",
    "ed25519_verify",
    "gcm_open",
    "gcm_seal",
    "hkdf_sha256",
    "hmac_sha256",
    "scrypt_kdf",
    "siv_decrypt",
    "siv_encrypt",
]

BLOCK = 16
GCM_NONCE = 12
MIN_MASTER = 16
MIN_HMAC_KEY = 16
SIV_KEY = 64
ED25519_KEY = 32
ED25519_SIG = 64
_AES_KEY_SIZES = (16, 24, 32)
_ZERO_BLOCK = bytes(BLOCK)


class DecryptionFailed(Exception):
    """A token or wrapped key did not authenticate; deliberately carries no detail."""

    def __init__(self) -> None:
        super().__init__("decryption failed")


def _require_bytes(value: object, what: str) -> bytes:
    if not isinstance(value, bytes):
        raise TypeError(f"{what} must be bytes")
    return value


def _require_aes_key(key: object) -> bytes:
    key = _require_bytes(key, "key")
    if len(key) not in _AES_KEY_SIZES:
        raise ValueError("AES key must be 16, 24 or 32 bytes")
    return key


# --- recipes ------------------------------------------------------------------------------------


def derive_key(master: bytes, label: str, length: int = 32, salt: bytes = b"") -> bytes:
    """Derive a purpose-bound sub-key (HKDF-SHA256, the label as ``info``).

    Distinct labels give independent keys, so one master can serve pseudonymization, encryption,
    watermarking and the ledger without one use weakening another.
    """
    master = _require_bytes(master, "master")
    if len(master) < MIN_MASTER:
        raise ValueError(f"master secret must be at least {MIN_MASTER} bytes")
    if not isinstance(label, str) or not label:
        raise ValueError("label must be a non-empty string")
    return hkdf_sha256(master, salt=_require_bytes(salt, "salt"), info=label.encode("utf-8"), length=length)


def hmac_sha256(key: bytes, data: bytes) -> bytes:
    """Keyed hash of one value (the ``hash`` transform)."""
    return HmacSha256(key).digest(data)


class HmacSha256:
    """HMAC-SHA256 under one key, keyed once and cloned per value.

    Cloning the keyed state skips re-hashing the padded key for every cell, which roughly doubles
    throughput on a column of a million values.
    """

    def __init__(self, key: bytes) -> None:
        key = _require_bytes(key, "key")
        if len(key) < MIN_HMAC_KEY:
            raise ValueError(f"HMAC key must be at least {MIN_HMAC_KEY} bytes")
        self._keyed = _hmac.HMAC(key, hashes.SHA256())

    def digest(self, data: bytes) -> bytes:
        mac = self._keyed.copy()
        mac.update(data)
        return mac.finalize()

    def digest_many(self, values: Iterable[bytes]) -> list[bytes]:
        keyed = self._keyed
        out: list[bytes] = []
        append = out.append
        for data in values:
            mac = keyed.copy()
            mac.update(data)
            append(mac.finalize())
        return out


def siv_encrypt(key64: bytes, plaintext: bytes, ad: bytes) -> bytes:
    """Deterministic authenticated encryption (AES-256-SIV, RFC 5297) of free text.

    Equal plaintexts under equal ``ad`` give equal tokens, which is what lets joins survive; the
    associated data binds a token to its column and scope.
    """
    return AesSiv(_require_siv_key(key64)).encrypt(plaintext, ad)


def siv_decrypt(key64: bytes, token: bytes, ad: bytes) -> bytes:
    """Inverse of :func:`siv_encrypt`; any mismatch raises :class:`DecryptionFailed`."""
    return AesSiv(_require_siv_key(key64)).decrypt(token, ad)


def _require_siv_key(key: object) -> bytes:
    key = _require_bytes(key, "key")
    if len(key) != SIV_KEY:
        raise ValueError(f"SIV key must be {SIV_KEY} bytes")
    return key


def gcm_seal(key: bytes, plaintext: bytes, aad: bytes, *, randbytes: Callable[[int], bytes] = os.urandom) -> bytes:
    """Wrap a secret under ``key`` (AES-GCM); returns ``nonce || ciphertext || tag``.

    The nonce is random, so sealing the same key twice gives different blobs; ``randbytes`` is
    injectable only so tests can pin it.
    """
    nonce = randbytes(GCM_NONCE)
    if len(nonce) != GCM_NONCE:
        raise ValueError("nonce source returned the wrong length")
    return nonce + AESGCM(_require_aes_key(key)).encrypt(nonce, _require_bytes(plaintext, "plaintext"), aad)


def gcm_open(key: bytes, blob: bytes, aad: bytes) -> bytes:
    """Unwrap a :func:`gcm_seal` blob; a wrong key, wrong ``aad`` or any change raises one error."""
    cipher = AESGCM(_require_aes_key(key))
    blob = _require_bytes(blob, "blob")
    if len(blob) < GCM_NONCE + BLOCK:
        raise DecryptionFailed
    try:
        return cipher.decrypt(blob[:GCM_NONCE], blob[GCM_NONCE:], aad)
    except InvalidTag:
        raise DecryptionFailed from None


def scrypt_kdf(passphrase: str, salt: bytes, n: int = 2**15, r: int = 8, p: int = 1, *, length: int = 32) -> bytes:
    """Stretch a passphrase into a wrapping key (scrypt, RFC 7914); memory-hard against guessing."""
    if not isinstance(passphrase, str):
        raise TypeError("passphrase must be str")
    salt = _require_bytes(salt, "salt")
    if not salt:
        raise ValueError("salt must not be empty")
    if n < 2 or n & (n - 1):
        raise ValueError("scrypt n must be a power of two greater than 1")
    if r < 1 or p < 1:
        raise ValueError("scrypt r and p must be positive")
    return Scrypt(salt=salt, length=length, n=n, r=r, p=p).derive(passphrase.encode("utf-8"))


def ed25519_generate() -> tuple[bytes, bytes]:
    """A fresh signing key pair as raw 32-byte ``(private, public)``."""
    private = Ed25519PrivateKey.generate()
    return private.private_bytes_raw(), private.public_key().public_bytes_raw()


def ed25519_public(private: bytes) -> bytes:
    """The public half of a raw private key."""
    return _ed25519_private(private).public_key().public_bytes_raw()


def ed25519_sign(private: bytes, message: bytes) -> bytes:
    """Sign ``message``; 64-byte signature."""
    return _ed25519_private(private).sign(_require_bytes(message, "message"))


def ed25519_verify(public: bytes, message: bytes, signature: bytes) -> bool:
    """True only for a valid signature; a malformed signature is simply not valid."""
    public = _require_bytes(public, "public key")
    if len(public) != ED25519_KEY:
        raise ValueError(f"Ed25519 public key must be {ED25519_KEY} bytes")
    if not isinstance(signature, bytes) or len(signature) != ED25519_SIG:
        return False
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, _require_bytes(message, "message"))
    except InvalidSignature:
        return False
    return True


def _ed25519_private(private: object) -> Ed25519PrivateKey:
    private = _require_bytes(private, "private key")
    if len(private) != ED25519_KEY:
        raise ValueError(f"Ed25519 private key must be {ED25519_KEY} bytes")
    return Ed25519PrivateKey.from_private_bytes(private)


# --- lower layer: raw primitives (FF1 and known-answer tests only) ------------------------------


def hkdf_sha256(ikm: bytes, *, salt: bytes, info: bytes, length: int) -> bytes:
    """Raw HKDF-SHA256 (RFC 5869); prefer :func:`derive_key`."""
    if not 1 <= length <= 255 * 32:
        raise ValueError("HKDF length must be between 1 and 8160 bytes")
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt or None, info=info).derive(ikm)


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
        key = _require_bytes(key, "key")
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
        for length, positions in _by_length(values):
            if length == 0 or len(positions) < self.BATCH_FROM:
                for position in positions.tolist():
                    token = encrypt(_require_bytes(values[position], "plaintext"), ads)
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
        zero = _cmac_blocks(ecb, np.zeros((1, BLOCK), dtype=np.uint8))
        mac_ad = _cmac_blocks(ecb, np.frombuffer(ad, dtype=np.uint8).reshape(1, len(ad)))
        d = bytes(a ^ b for a, b in zip(_dbl(zero[0].tobytes()), mac_ad[0].tobytes(), strict=True))
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
            t ^= np.frombuffer(_dbl(bytes(d)), dtype=np.uint8)
        v = _cmac_blocks(self._mac_ecb(), t)
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


def _by_length(items: Sequence[Sized]) -> list[tuple[int, npt.NDArray[np.intp]]]:
    """The positions of ``items`` grouped by length (each group in order), shortest first."""
    lengths = np.fromiter(map(len, items), dtype=np.intp, count=len(items))
    order = np.argsort(lengths, kind="stable")
    ordered = lengths[order]
    starts = np.flatnonzero(np.diff(ordered)) + 1
    return [(int(lengths[group[0]]), group) for group in np.split(order, starts) if group.size]


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


def _dbl(block: bytes) -> bytes:
    """Doubling in GF(2**128) (RFC 5297 / RFC 4493)."""
    value = int.from_bytes(block, "big") << 1
    if value >> 128:
        value = (value ^ 0x87) & ((1 << 128) - 1)
    return value.to_bytes(BLOCK, "big")


def _cmac_blocks(ecb: Callable[[bytes], bytes], messages: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    """AES-CMAC (RFC 4493) of each row of ``messages`` (rows of one length), one ECB call per block."""
    count, length = messages.shape
    subkey1 = _dbl(ecb(_ZERO_BLOCK))
    subkey2 = _dbl(subkey1)
    blocks = max(1, -(-length // BLOCK))
    last = np.zeros((count, BLOCK), dtype=np.uint8)
    tail = length - (blocks - 1) * BLOCK
    last[:, :tail] = messages[:, (blocks - 1) * BLOCK :]
    if length and tail == BLOCK:
        last ^= np.frombuffer(subkey1, dtype=np.uint8)
    else:
        last[:, tail] = 0x80
        last ^= np.frombuffer(subkey2, dtype=np.uint8)
    state = np.zeros((count, BLOCK), dtype=np.uint8)
    for index in range(blocks - 1):
        chunk = messages[:, index * BLOCK : (index + 1) * BLOCK]
        state = np.frombuffer(ecb((state ^ chunk).tobytes()), dtype=np.uint8).reshape(count, BLOCK)
    return np.frombuffer(ecb((state ^ last).tobytes()), dtype=np.uint8).reshape(count, BLOCK)


class Cmac64:
    """Keyed 64-bit fingerprints: the first 8 bytes of AES-CMAC (RFC 4493), read big-endian.

    :meth:`one` is ``cryptography``'s CMAC; :meth:`many` computes the same for a whole list, a
    length group at a time with one AES-ECB call per block position (the tests hold the two equal,
    and to RFC 4493's vectors). CMAC is a PRF for messages of any length, so truncating it gives
    fingerprints that say nothing about the messages to someone without the key.
    """

    def __init__(self, key: bytes) -> None:
        self._algorithm = algorithms.AES(_require_aes_key(key))

    def one(self, message: bytes) -> int:
        mac = _cmac.CMAC(self._algorithm)
        mac.update(message)
        return int.from_bytes(mac.finalize()[:8], "big")

    def many(self, messages: Sequence[bytes]) -> npt.NDArray[np.uint64]:
        out = np.empty(len(messages), dtype=np.uint64)
        # S305: ECB is CMAC's block function here, one independent block per message.
        ecb = Cipher(self._algorithm, modes.ECB()).encryptor().update  # noqa: S305
        for length, positions in _by_length(messages):
            rows = np.frombuffer(b"".join([messages[p] for p in positions.tolist()]), dtype=np.uint8)
            tags = _cmac_blocks(ecb, rows.reshape(len(positions), length))
            out[positions] = np.ascontiguousarray(tags[:, :8]).view(">u8").ravel()
        return out


class AesPrf:
    """AES as a raw block function, for FF1's round function (SP 800-38G, PRF = CBC-MAC).

    ``ecb`` encrypts many independent blocks in one call: FF1 over a column needs exactly one AES
    block per value per round, so one call per round replaces a million Python-level calls.
    """

    def __init__(self, key: bytes) -> None:
        self._algorithm = algorithms.AES(_require_aes_key(key))

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
        encryptor = Cipher(self._algorithm, modes.CBC(_ZERO_BLOCK)).encryptor()
        return encryptor.update(data)[-BLOCK:]
