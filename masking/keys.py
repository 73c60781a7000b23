"""The keystore: the organisation's master secrets, wrapped under a passphrase, in the home folder.

Layout of ``keystore.json``: every 32-byte master secret is wrapped with AES-GCM under a key that
scrypt derives from the passphrase (an empty passphrase when the keystore is not yet protected).
Each master has a key id (a keyed fingerprint of the master, so every workstation that imported the
same organisation bundle names it the same way). One master is active; rotation adds a new active
master and keeps the old ones, retired, for decrypt and trace. Sub-keys per purpose come from HKDF
(:meth:`MasterKey.subkey`), so the master itself is never used directly.

On an unmanaged (demo) home the first keystore is created on first use without a passphrase, so
that the tool runs without a prompt; ``exportguard keys passwd`` protects it, and ``keys
import-bundle`` replaces it with the organisation's keys so pseudonyms agree across branch offices.
A bundle made with ``--office`` also carries the security office's public keys, bound into every
wrapped key's associated data (altering them fails the import like a wrong passphrase); a home that
imports one is managed, and its keystore must be protected: by a passphrase of at least
:data:`MIN_MANAGED_PASSPHRASE` characters, or by a random one kept in the OS secret store
(``"secret_store": "os"``, :mod:`masking.os_secrets`).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from masking import os_secrets
from masking.crypto import DecryptionFailed, derive_key, gcm_open, gcm_seal, hmac_sha256, scrypt_kdf
from masking.errors import InputError, KeyProblem, OutputError
from masking.home import ensure_private_dir, is_managed
from masking.io.atomic import atomic_output

KEYSTORE_FILE = "keystore.json"
KEYSTORE_FORMAT = "exportguard-keystore"
BUNDLE_FORMAT = "exportguard-key-bundle"
MASTER_BYTES = 32
PURPOSES = frozenset({"pseudonymize", "encrypt", "hash", "watermark", "ledger", "canary", "identity"})
MIN_MANAGED_PASSPHRASE = 10
_SCRYPT_N = 2**15
_SALT_BYTES = 16


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def key_id_for(master: bytes) -> str:
    """A stable public name for a master secret: the same on every workstation holding it."""
    return "K" + hmac_sha256(master, b"exportguard key id v1")[:5].hex().upper()


@dataclass(frozen=True)
class MasterKey:
    """One unwrapped master secret. Never logged, never written in clear."""

    key_id: str
    created: str
    secret: bytes = field(repr=False)

    def subkey(self, purpose: str, length: int = 32) -> bytes:
        """The key for one purpose (``pseudonymize``, ``encrypt``, ``hash``, ``watermark``, ...)."""
        if purpose not in PURPOSES:
            raise ValueError(f"unknown key purpose {purpose!r}")
        return derive_key(self.secret, f"exportguard/{purpose}/v1", length)


@dataclass(frozen=True)
class KeyRing:
    """The unlocked keys: the active master first, then the retired ones (newest first)."""

    organisation: str
    keys: tuple[MasterKey, ...]

    @property
    def active(self) -> MasterKey:
        return self.keys[0]

    def ledger_keys(self) -> dict[str, bytes]:
        """The ledger MAC key of every master by key id (old records verify under their own key)."""
        return {key.key_id: key.subkey("ledger") for key in self.keys}

    def by_id(self, key_id: str) -> MasterKey:
        for key in self.keys:
            if key.key_id == key_id:
                return key
        raise KeyProblem(f"key {key_id} is not in this keystore; import the organisation bundle that has it")


@dataclass(frozen=True)
class KeystoreStatus:
    path: str
    exists: bool
    protected: bool
    organisation: str
    active_key: str | None
    keys: tuple[dict[str, str], ...]
    protected_by: str | None = None  # "passphrase", "os" (the OS secret store) or None


def _canonical(data: Mapping[str, Any]) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def bundle_office(bundle: Path) -> dict[str, Any] | None:
    """The office's public keys a bundle carries (checked only when the bundle is imported), or None."""
    data = _read_bundle(bundle)
    office = data.get("office")
    return dict(office) if isinstance(office, dict) else None


def _read_bundle(bundle: Path) -> dict[str, Any]:
    try:
        data = json.loads(bundle.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        raise InputError(f"{bundle}: not a readable key bundle") from None
    if not isinstance(data, dict) or data.get("format") != BUNDLE_FORMAT:
        raise InputError(f"{bundle}: not an ExportGuard key bundle")
    return data


def _aad(kind: str, key_id: str, bind: bytes) -> bytes:
    aad = f"{kind}:{key_id}".encode()
    return aad + b"\n" + hashlib.sha256(bind).digest() if bind else aad


def wrap_keys(ring: KeyRing, passphrase: str, *, kind: str, bind: bytes = b"") -> dict[str, Any]:
    """Every key wrapped under ``passphrase``; ``bind`` (public data stored beside the keys) is
    authenticated with each of them."""
    salt = os.urandom(_SALT_BYTES)
    kek = scrypt_kdf(passphrase, salt, n=_SCRYPT_N)
    return {
        "format": kind,
        "version": 1,
        "organisation": ring.organisation,
        "protected": bool(passphrase),
        "kdf": {"name": "scrypt", "salt": _b64(salt), "n": _SCRYPT_N, "r": 8, "p": 1},
        "keys": [
            {
                "id": key.key_id,
                "created": key.created,
                "status": "active" if i == 0 else "retired",
                "wrapped": _b64(gcm_seal(kek, key.secret, _aad(kind, key.key_id, bind))),
            }
            for i, key in enumerate(ring.keys)
        ],
    }


def unwrap_keys(data: Mapping[str, Any], passphrase: str, *, kind: str, where: str, bind: bytes = b"") -> KeyRing:
    try:
        kdf = data["kdf"]
        kek = scrypt_kdf(passphrase, _unb64(kdf["salt"]), n=int(kdf["n"]), r=int(kdf["r"]), p=int(kdf["p"]))
        keys = []
        for entry in data["keys"]:
            secret = gcm_open(kek, _unb64(entry["wrapped"]), _aad(kind, entry["id"], bind))
            if key_id_for(secret) != entry["id"]:
                raise DecryptionFailed
            keys.append(MasterKey(entry["id"], entry["created"], secret))
    except DecryptionFailed:
        raise KeyProblem(f"wrong passphrase for {where}" + (" (or its public part was altered)" if bind else "")
                         ) from None
    except (KeyError, TypeError, ValueError):
        raise KeyProblem(f"{where} is damaged or not an ExportGuard key file") from None
    if not keys:
        raise KeyProblem(f"{where} holds no keys")
    return KeyRing(str(data.get("organisation", "")), tuple(keys))


def _now(clock: Callable[[], dt.datetime]) -> str:
    return clock().astimezone(dt.UTC).isoformat(timespec="seconds")


def _new_master(clock: Callable[[], dt.datetime]) -> MasterKey:
    secret = os.urandom(MASTER_BYTES)
    return MasterKey(key_id_for(secret), _now(clock), secret)


class Keystore:
    """The keystore file of one home folder. Methods that change it rewrite it atomically."""

    def __init__(self, home: Path, *, clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)) -> None:
        self.home = home
        self.path = home / KEYSTORE_FILE
        self._clock = clock

    def exists(self) -> bool:
        return self.path.is_file()

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise KeyProblem(f"no keystore at {self.path}; run 'exportguard keys init'") from None
        except (OSError, UnicodeDecodeError, ValueError):
            raise KeyProblem(f"the keystore at {self.path} is damaged or unreadable") from None
        if not isinstance(data, dict) or data.get("format") != KEYSTORE_FORMAT:
            raise KeyProblem(f"{self.path} is not an ExportGuard keystore")
        return data

    @property
    def protected(self) -> bool:
        return bool(self._read().get("protected"))

    @property
    def account(self) -> str:
        """The name this keystore's passphrase has in the OS secret store."""
        return str(self.path.resolve())

    def _write(self, ring: KeyRing, passphrase: str, *, os_secret: bool = False) -> None:
        ensure_private_dir(self.home)
        data = wrap_keys(ring, passphrase, kind=KEYSTORE_FORMAT)
        if os_secret:
            data["secret_store"] = "os"  # noqa: S105 - names where the passphrase is kept, not a passphrase
        text = json.dumps(data, indent=2, ensure_ascii=False)
        with atomic_output(self.path, overwrite=True) as temp:
            temp.write_text(text + "\n", encoding="utf-8")

    def create(self, passphrase: str = "", organisation: str = "", *, os_secret: bool = False) -> KeyRing:
        """A new keystore with one fresh master; refuses to replace an existing one."""
        if self.exists():
            raise OutputError(f"a keystore already exists at {self.path}")
        ring = KeyRing(organisation, (_new_master(self._clock),))
        self._write(ring, passphrase, os_secret=os_secret)
        return ring

    def uses_os_secret(self) -> bool:
        return self._read().get("secret_store") == "os"

    def unlock(self, passphrase: str = "") -> KeyRing:
        """Unwrap every key; a wrong passphrase raises ``KeyProblem`` (exit 5)."""
        data = self._read()
        if not data.get("protected"):
            passphrase = ""
        elif not passphrase and data.get("secret_store") == "os":
            passphrase = os_secrets.fetch(self.account) or ""
            if not passphrase:
                raise KeyProblem("the keystore is protected by the OS secret store of the user who made it, which "
                                 "has no secret for it here; set EXPORTGUARD_PASSPHRASE if it has one")
        elif not passphrase:
            raise KeyProblem("the keystore is protected: set EXPORTGUARD_PASSPHRASE or enter the passphrase")
        return unwrap_keys(data, passphrase, kind=KEYSTORE_FORMAT, where=f"the keystore at {self.path}")

    def open_or_create(self, passphrase: str = "") -> tuple[KeyRing, bool]:
        """Unlock the keystore, creating an unprotected one on first use; says whether it created.

        Only an unmanaged (demo) home makes keys of its own: a managed home's keys are the
        organisation's, from its bundle.
        """
        if self.exists():
            return self.unlock(passphrase), False
        if is_managed(self.home):
            raise KeyProblem("this workstation is managed but has no keystore: import the organisation's key bundle "
                             "('exportguard keys import-bundle')")
        return self.create(passphrase), True

    def rotate(self, passphrase: str = "") -> KeyRing:
        """A new active master; the old ones stay, retired, for decrypt and trace."""
        ring = self.unlock(passphrase)
        rotated = replace(ring, keys=(_new_master(self._clock), *ring.keys))
        self._write(rotated, passphrase if self.protected else "")
        return rotated

    def change_passphrase(self, old: str, new: str) -> None:
        """Re-wrap every key under ``new`` (empty removes the protection)."""
        self._write(self.unlock(old), new)

    def status(self) -> KeystoreStatus:
        if not self.exists():
            return KeystoreStatus(str(self.path), False, False, "", None, ())
        data = self._read()
        keys = tuple(
            {"id": str(k.get("id")), "created": str(k.get("created")), "status": str(k.get("status"))}
            for k in data.get("keys", [])
        )
        active = next((k["id"] for k in keys if k["status"] == "active"), None)
        protected_by = ("os" if data.get("secret_store") == "os" else "passphrase") if data.get("protected") else None
        return KeystoreStatus(
            str(self.path), True, bool(data.get("protected")), str(data.get("organisation", "")), active, keys,
            protected_by,
        )

    def export_bundle(
        self, passphrase: str, bundle_passphrase: str, out: Path, office: Mapping[str, Any] | None = None
    ) -> int:
        """Write every key, wrapped under ``bundle_passphrase``, for other workstations to import;
        ``office`` (the security office's public keys) goes with them, authenticated by the wrapping."""
        if len(bundle_passphrase) < 8:
            raise KeyProblem("a bundle passphrase needs at least 8 characters")
        ring = self.unlock(passphrase)
        data = wrap_keys(ring, bundle_passphrase, kind=BUNDLE_FORMAT, bind=_canonical(office) if office else b"")
        if office:
            data["office"] = dict(office)
        text = json.dumps(data, indent=2, ensure_ascii=False)
        with atomic_output(out) as temp:
            temp.write_text(text + "\n", encoding="utf-8")
        return len(ring.keys)

    def import_bundle(
        self, bundle: Path, bundle_passphrase: str, passphrase: str = "", *, os_secret: bool = False
    ) -> KeyRing:
        """Adopt the organisation's keys: the bundle's active key becomes active here too.

        Keys already here that the bundle lacks are kept (retired), so nothing this workstation
        encrypted becomes undecryptable. The keystore keeps its protection; one that is not protected
        yet (or does not exist) is written under ``passphrase`` (kept in the OS secret store when
        ``os_secret``).
        """
        incoming = read_bundle(bundle, bundle_passphrase)
        keys = incoming.keys
        if self.exists():
            current = self.unlock(passphrase if self.protected else "")
            known = {k.key_id for k in incoming.keys}
            keys = incoming.keys + tuple(k for k in current.keys if k.key_id not in known)
            if self.protected:
                os_secret = self.uses_os_secret()
                passphrase = passphrase or ((os_secrets.fetch(self.account) or "") if os_secret else "")
        ring = KeyRing(incoming.organisation, keys)
        self._write(ring, passphrase, os_secret=os_secret)
        return ring


def read_bundle(bundle: Path, bundle_passphrase: str) -> KeyRing:
    """The keys of an organisation bundle (``keys export-bundle``), unwrapped; the office's public keys
    a bundle carries are checked with them (they are bound into each key's associated data)."""
    data = _read_bundle(bundle)
    office = data.get("office")
    return unwrap_keys(data, bundle_passphrase, kind=BUNDLE_FORMAT, where=f"the bundle {bundle.name}",
                       bind=_canonical(office) if isinstance(office, dict) else b"")
