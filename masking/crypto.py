"""The one module of ExportGuard that imports ``cryptography``.

Safe recipes come first: key derivation, keyed hashing, deterministic encryption of free text, key
wrapping, passphrase stretching and signatures. Each checks its key on the way in, and every failure
to decrypt or unwrap collapses into :class:`DecryptionFailed`, which says nothing about why.

The primitives live one layer down, in :mod:`masking._hazmat` (AES-SIV and AES-CMAC computed a
column at a time over numpy, AES as a block function), which only this module imports
(tests/test_import_contracts.py). The recipes that wrap them: :class:`TextCipher` (deterministic
authenticated encryption of free text), :class:`Fingerprinter` (keyed 64-bit fingerprints) and
:class:`BlockFunction` (AES as FF1's block function, the one raw use, for :mod:`masking.fpe`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence

import numpy as np
import numpy.typing as npt
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, hpke
from cryptography.hazmat.primitives import hmac as _hmac
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from masking._hazmat import DecryptionFailed, require_aes_key, require_bytes
from masking._hazmat.aes import AesPrf
from masking._hazmat.cmac import Cmac64
from masking._hazmat.siv import AesSiv

__all__ = [
    "BlockFunction",
    "DecryptionFailed",
    "Fingerprinter",
    "HmacSha256",
    "TextCipher",
    "derive_key",
    "ed25519_generate",
    "ed25519_sign",
    "ed25519_verify",
    "gcm_open",
    "gcm_seal",
    "hkdf_sha256",
    "hmac_sha256",
    "scrypt_kdf",
    "seal_open",
    "seal_to",
    "siv_decrypt",
    "siv_encrypt",
    "x25519_generate",
    "x25519_public",
]

BLOCK = 16
GCM_NONCE = 12
MIN_MASTER = 16
MIN_HMAC_KEY = 16
SIV_KEY = 64
ED25519_KEY = 32
ED25519_SIG = 64
# --- recipes ------------------------------------------------------------------------------------


def derive_key(master: bytes, label: str, length: int = 32, salt: bytes = b"") -> bytes:
    """Derive a purpose-bound sub-key (HKDF-SHA256, the label as ``info``).

    Distinct labels give independent keys, so one master can serve pseudonymization, encryption,
    watermarking and the ledger without one use weakening another.
    """
    master = require_bytes(master, "master")
    if len(master) < MIN_MASTER:
        raise ValueError(f"master secret must be at least {MIN_MASTER} bytes")
    if not isinstance(label, str) or not label:
        raise ValueError("label must be a non-empty string")
    return hkdf_sha256(master, salt=require_bytes(salt, "salt"), info=label.encode("utf-8"), length=length)


def hmac_sha256(key: bytes, data: bytes) -> bytes:
    """Keyed hash of one value (the ``hash`` transform)."""
    return HmacSha256(key).digest(data)


class HmacSha256:
    """HMAC-SHA256 under one key, keyed once and cloned per value.

    Cloning the keyed state skips re-hashing the padded key for every cell, which roughly doubles
    throughput on a column of a million values.
    """

    def __init__(self, key: bytes) -> None:
        key = require_bytes(key, "key")
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
    key = require_bytes(key, "key")
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
    return nonce + AESGCM(require_aes_key(key)).encrypt(nonce, require_bytes(plaintext, "plaintext"), aad)


def gcm_open(key: bytes, blob: bytes, aad: bytes) -> bytes:
    """Unwrap a :func:`gcm_seal` blob; a wrong key, wrong ``aad`` or any change raises one error."""
    cipher = AESGCM(require_aes_key(key))
    blob = require_bytes(blob, "blob")
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
    salt = require_bytes(salt, "salt")
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
    return _ed25519_private(private).sign(require_bytes(message, "message"))


def ed25519_verify(public: bytes, message: bytes, signature: bytes) -> bool:
    """True only for a valid signature; a malformed signature is simply not valid."""
    public = require_bytes(public, "public key")
    if len(public) != ED25519_KEY:
        raise ValueError(f"Ed25519 public key must be {ED25519_KEY} bytes")
    if not isinstance(signature, bytes) or len(signature) != ED25519_SIG:
        return False
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, require_bytes(message, "message"))
    except InvalidSignature:
        return False
    return True


def _ed25519_private(private: object) -> Ed25519PrivateKey:
    private = require_bytes(private, "private key")
    if len(private) != ED25519_KEY:
        raise ValueError(f"Ed25519 private key must be {ED25519_KEY} bytes")
    return Ed25519PrivateKey.from_private_bytes(private)


# Sealing to a public key: HPKE (RFC 9180) base mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256,
# AES-256-GCM, from ``cryptography`` itself (no hand-made ECIES).
_HPKE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
X25519_KEY = 32


def x25519_generate() -> tuple[bytes, bytes]:
    """A fresh sealing key pair as raw 32-byte ``(private, public)``."""
    private = X25519PrivateKey.generate()
    return private.private_bytes_raw(), private.public_key().public_bytes_raw()


def x25519_public(private: bytes) -> bytes:
    """The public half of a raw X25519 private key."""
    return _x25519_private(private).public_key().public_bytes_raw()


def seal_to(public: bytes, plaintext: bytes, info: bytes) -> bytes:
    """Encrypt ``plaintext`` so that only the holder of ``public``'s private key can read it.

    ``info`` binds the blob to its purpose (and, by the caller's choice, to an export): opening it
    under another ``info`` fails. Each call uses a fresh ephemeral key, so equal plaintexts give
    unrelated blobs.
    """
    public = require_bytes(public, "public key")
    if len(public) != X25519_KEY:
        raise ValueError(f"X25519 public key must be {X25519_KEY} bytes")
    return _HPKE.encrypt(require_bytes(plaintext, "plaintext"), X25519PublicKey.from_public_bytes(public),
                         info=require_bytes(info, "info"))


def seal_open(private: bytes, blob: bytes, info: bytes) -> bytes:
    """Inverse of :func:`seal_to`; a wrong key, wrong ``info`` or any change raises :class:`DecryptionFailed`."""
    key = _x25519_private(private)
    try:
        return _HPKE.decrypt(require_bytes(blob, "blob"), key, info=require_bytes(info, "info"))
    except Exception:  # the suite raises InvalidTag or ValueError; either says nothing useful
        raise DecryptionFailed from None


def _x25519_private(private: object) -> X25519PrivateKey:
    private = require_bytes(private, "private key")
    if len(private) != X25519_KEY:
        raise ValueError(f"X25519 private key must be {X25519_KEY} bytes")
    return X25519PrivateKey.from_private_bytes(private)


# --- lower layer: raw primitives (FF1 and known-answer tests only) ------------------------------


def hkdf_sha256(ikm: bytes, *, salt: bytes, info: bytes, length: int) -> bytes:
    """Raw HKDF-SHA256 (RFC 5869); prefer :func:`derive_key`."""
    if not 1 <= length <= 255 * 32:
        raise ValueError("HKDF length must be between 1 and 8160 bytes")
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt or None, info=info).derive(ikm)


class TextCipher:
    """Deterministic authenticated encryption of free text (AES-256-SIV, RFC 5297) under a 64-byte key.

    Equal plaintexts under equal associated data give equal tokens (joins survive); the associated
    data binds a token to its column and scope; any failure to decrypt is :class:`DecryptionFailed`.
    A whole column is encrypted at once (:meth:`encrypt_many_text`).
    """

    def __init__(self, key64: bytes) -> None:
        self._siv = AesSiv(_require_siv_key(key64))

    def encrypt(self, plaintext: bytes, ad: bytes) -> bytes:
        return self._siv.encrypt(plaintext, ad)

    def encrypt_many_text(self, plaintexts: Iterable[bytes], ad: bytes, prefix: str) -> list[str]:
        """One token per plaintext, in order, each written as ``prefix`` + unpadded URL-safe base64."""
        return self._siv.encrypt_many_text(plaintexts, ad, prefix)

    def decrypt(self, token: bytes, ad: bytes) -> bytes:
        return self._siv.decrypt(token, ad)


class Fingerprinter:
    """Keyed 64-bit fingerprints (the first 8 bytes of AES-CMAC, big-endian) under a 16/24/32-byte key.

    CMAC is a PRF for messages of any length, so the fingerprints say nothing about the messages to
    someone without the key. Build one per job and pass it on: it holds the key schedule.
    """

    def __init__(self, key: bytes) -> None:
        self._cmac = Cmac64(key)

    def one(self, message: bytes) -> int:
        return self._cmac.one(message)

    def many(self, messages: Sequence[bytes]) -> npt.NDArray[np.uint64]:
        """:meth:`one` of each message, in order, a block count at a time."""
        return self._cmac.many(messages)

    def many_packed(self, data: bytes, lengths: npt.NDArray[np.intp]) -> npt.NDArray[np.uint64]:
        """:meth:`one` of each message of ``data`` (written back to back, message i ``lengths[i]``
        bytes long), in order: a batch built without a bytes object per message."""
        return self._cmac.many_packed(data, lengths)

    def many_lines(self, data: bytes) -> npt.NDArray[np.uint64]:
        """:meth:`one` of each line of ``data`` (the messages joined by newlines, none holding one)."""
        return self._cmac.many_lines(data)


class BlockFunction:
    """AES as a raw block function under a 16/24/32-byte key: FF1's round function (SP 800-38G).
    Not an encryption of messages; only :mod:`masking.fpe` uses it."""

    def __init__(self, key: bytes) -> None:
        self._aes = AesPrf(key)

    def ecb(self, blocks: bytes) -> bytes:
        """AES-encrypt each 16-byte block of ``blocks`` independently."""
        return self._aes.ecb(blocks)

    def ecb_stream(self) -> Callable[[bytes], bytes]:
        """A block function bound to one fresh context, for one operation only."""
        return self._aes.ecb_stream()

    def prf(self, data: bytes) -> bytes:
        """CBC-MAC with a zero IV over whole blocks; returns the last cipher block."""
        return self._aes.prf(data)
