"""The security office's keys, and the office a managed workstation trusts.

An office folder (``exportguard office init --out DIR``) holds three files, each for one purpose:

* ``signing.key``: the office's Ed25519 signing key (policies and approval codes), under its own
  passphrase; the same file format as ``approve keygen`` writes;
* ``decryption.key``: the office's X25519 keys, current first, under another passphrase; encrypted
  exports seal their original values to the current one, and only this file restores them;
* ``office.json``: the public part (:class:`OfficeKeys`), which key bundles carry to workstations.

The organisation's export keys are a third secret with a third passphrase: the keystore of the
office's own home folder, which ``keys export-bundle --office DIR`` hands to workstations together
with ``office.json``.

A workstation that imported such a bundle is *managed*: it keeps the office's public keys in
``office.json`` in its home folder (:func:`read_pin`) and from then on runs only policies signed by
that key, trusts approvals signed by it, and seals encrypted values to its decryption key. The office
can roll its keys: the new public keys come with a certificate signed by the previous signing key
(:class:`RollCertificate`), and a workstation moves its pin only along such a chain.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from masking import os_secrets
from masking.approval import SIGNING_KEY_FORMAT, SigningKey, approver_id, generate_signing_key, read_signing_key
from masking.crypto import ed25519_sign, ed25519_verify, x25519_generate, x25519_public
from masking.errors import InputError, KeyProblem, OutputError
from masking.home import OFFICE_PIN_FILE as PIN_FILE
from masking.home import ensure_private_dir
from masking.io.atomic import atomic_output
from masking.keyfile import check_office_passphrase, read_key_file, read_key_info, write_key_file
from masking.keys import MIN_MANAGED_PASSPHRASE, KeyRing, Keystore, bundle_office

SIGNING_FILE = "signing.key"
DECRYPTION_FILE = "decryption.key"
PUBLIC_FILE = "office.json"
DECRYPTION_KEY_FORMAT = "exportguard-decryption-key"
OFFICE_FORMAT = "exportguard-office"
_ROLL_CONTEXT = b"exportguard office roll v1\n"


def decryption_id(public: bytes) -> str:
    """The short public name of a decryption key, carried by everything sealed to it."""
    return "DK-" + approver_id(public)[3:]


@dataclass(frozen=True)
class RollCertificate:
    """The previous signing key vouches for the next signing and decryption keys."""

    previous: str  # hex Ed25519 public key that signed this certificate
    signing: str  # hex Ed25519 public key that replaces it
    decryption: str  # hex X25519 public key that goes with it
    signature: str

    def message(self) -> bytes:
        facts = {"previous": self.previous, "signing": self.signing, "decryption": self.decryption}
        return _ROLL_CONTEXT + json.dumps(facts, sort_keys=True, separators=(",", ":")).encode("ascii")

    def valid(self) -> bool:
        try:
            return ed25519_verify(bytes.fromhex(self.previous), self.message(), bytes.fromhex(self.signature))
        except ValueError:
            return False

    def to_dict(self) -> dict[str, str]:
        return {"previous": self.previous, "signing": self.signing, "decryption": self.decryption,
                "signature": self.signature}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RollCertificate:
        return cls(str(data["previous"]), str(data["signing"]), str(data["decryption"]), str(data["signature"]))


@dataclass(frozen=True)
class OfficeKeys:
    """The public keys of one security office: what a managed workstation pins."""

    name: str
    signing: str  # hex Ed25519 public key, current
    decryption: str  # hex X25519 public key, current
    rolls: tuple[RollCertificate, ...] = ()  # oldest first: how ``signing`` descends from earlier keys

    @property
    def office_id(self) -> str:
        return approver_id(bytes.fromhex(self.signing))

    @property
    def decryption_id(self) -> str:
        return decryption_id(bytes.fromhex(self.decryption))

    def to_dict(self) -> dict[str, Any]:
        return {"format": OFFICE_FORMAT, "version": 1, "name": self.name, "office_id": self.office_id,
                "signing": self.signing, "decryption": self.decryption,
                "rolls": [roll.to_dict() for roll in self.rolls]}

    @classmethod
    def from_dict(cls, data: Any, where: str) -> OfficeKeys:
        try:
            if data.get("format") != OFFICE_FORMAT:
                raise ValueError
            keys = cls(str(data.get("name", "")), str(data["signing"]), str(data["decryption"]),
                       tuple(RollCertificate.from_dict(r) for r in data.get("rolls", [])))
            if len(bytes.fromhex(keys.signing)) != 32 or len(bytes.fromhex(keys.decryption)) != 32:
                raise ValueError
        except (AttributeError, KeyError, TypeError, ValueError):
            raise InputError(f"{where}: not the public keys of an ExportGuard security office") from None
        return keys

    def descends_from(self, earlier: str) -> bool:
        """Whether ``signing`` is ``earlier`` or reached from it through valid roll certificates."""
        current = earlier
        for roll in self.rolls:
            if roll.previous == current and roll.valid():
                current = roll.signing
        return current == self.signing


def _read_json(path: Path, where: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{where} not found") from None
    except (OSError, UnicodeDecodeError, ValueError):
        raise InputError(f"{where}: not readable") from None


def _write_json(path: Path, data: Mapping[str, Any], *, overwrite: bool) -> None:
    try:
        with atomic_output(path, overwrite=overwrite) as temp:
            temp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    except OSError as error:
        raise OutputError(f"cannot write {path.name}") from error


# --- the office folder ---------------------------------------------------------------------------


def init_office(folder: Path, name: str, signing_passphrase: str, decryption_passphrase: str) -> OfficeKeys:
    """Create the office's signing and decryption keys in a new (or empty) ``folder``."""
    check_office_passphrase(signing_passphrase, "signing key")
    check_office_passphrase(decryption_passphrase, "decryption key")
    if signing_passphrase == decryption_passphrase:
        raise KeyProblem("the signing and decryption keys need different passphrases (different people hold them)")
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise OutputError(f"{folder} exists and is not an empty folder")
    ensure_private_dir(folder)
    signing = generate_signing_key()
    private, public = x25519_generate()
    keys = OfficeKeys(name, signing.public_hex, public.hex())
    write_key_file(folder / SIGNING_FILE, SIGNING_KEY_FORMAT, [signing.private], signing_passphrase,
                   {"public_key": signing.public_hex, "approver": signing.approver})
    write_key_file(folder / DECRYPTION_FILE, DECRYPTION_KEY_FORMAT, [private], decryption_passphrase,
                   {"public_key": keys.decryption, "decryption_id": keys.decryption_id})
    _write_json(folder / PUBLIC_FILE, keys.to_dict(), overwrite=False)
    return keys


def read_office(folder: Path) -> OfficeKeys:
    """The office's public keys from its folder."""
    if not folder.is_dir():
        raise InputError(f"{folder}: not an office folder (run 'exportguard office init --out DIR')")
    return OfficeKeys.from_dict(_read_json(folder / PUBLIC_FILE, f"{folder / PUBLIC_FILE}"), str(folder))


def signing_protected(folder: Path) -> bool:
    return bool(read_key_info(folder / SIGNING_FILE, SIGNING_KEY_FORMAT, "signing key").get("protected"))


def read_office_signing_key(folder: Path, passphrase: str) -> SigningKey:
    """The office's current signing key; it must match the public key the office folder publishes."""
    key = read_signing_key(folder / SIGNING_FILE, passphrase)
    if key.public_hex != read_office(folder).signing:
        raise KeyProblem(f"{folder}: the signing key does not match the office's public keys")
    return key


def read_decryption_keys(folder: Path, passphrase: str) -> dict[str, bytes]:
    """Every decryption key the office holds (current and rolled), by decryption id."""
    secrets = read_key_file(folder / DECRYPTION_FILE, DECRYPTION_KEY_FORMAT, passphrase, "decryption key")
    return {decryption_id(x25519_public(secret)): secret for secret in secrets}


def roll_office(folder: Path, signing_passphrase: str, decryption_passphrase: str) -> OfficeKeys:
    """New signing and decryption keys, vouched for by the old signing key; old decryption keys stay."""
    keys = read_office(folder)
    old_signing = read_office_signing_key(folder, signing_passphrase)
    old_decryption = read_key_file(folder / DECRYPTION_FILE, DECRYPTION_KEY_FORMAT, decryption_passphrase,
                                   "decryption key")
    signing = generate_signing_key()
    private, public = x25519_generate()
    unsigned = RollCertificate(old_signing.public_hex, signing.public_hex, public.hex(), "")
    roll = replace(unsigned, signature=ed25519_sign(old_signing.private, unsigned.message()).hex())
    rolled = OfficeKeys(keys.name, signing.public_hex, public.hex(), (*keys.rolls, roll))
    write_key_file(folder / DECRYPTION_FILE, DECRYPTION_KEY_FORMAT, [private, *old_decryption],
                   decryption_passphrase, {"public_key": rolled.decryption, "decryption_id": rolled.decryption_id},
                   overwrite=True)
    write_key_file(folder / SIGNING_FILE, SIGNING_KEY_FORMAT, [signing.private], signing_passphrase,
                   {"public_key": signing.public_hex, "approver": signing.approver}, overwrite=True)
    _write_json(folder / PUBLIC_FILE, rolled.to_dict(), overwrite=True)
    return rolled


# --- the pin on a managed workstation ------------------------------------------------------------


def read_pin(home: Path) -> OfficeKeys | None:
    """The office this home is managed by, or None for an unmanaged (standalone) home."""
    path = home / PIN_FILE
    if not path.is_file():
        return None
    return OfficeKeys.from_dict(_read_json(path, str(path)), str(path))


def accept_office(pinned: OfficeKeys | None, incoming: OfficeKeys) -> OfficeKeys:
    """The office keys to pin from now on: ``incoming`` if it is the pinned office or rolled from it."""
    if pinned is None or incoming.descends_from(pinned.signing):
        return incoming
    if pinned.descends_from(incoming.signing):
        return pinned  # an older bundle or policy of the same office: keep the newer keys
    raise KeyProblem(f"these keys name security office key {incoming.office_id}, which is not the office key "
                     f"{pinned.office_id} this workstation is managed by, nor rolled from it")


def write_pin(home: Path, keys: OfficeKeys) -> None:
    ensure_private_dir(home)
    _write_json(home / PIN_FILE, keys.to_dict(), overwrite=True)


def import_organisation_bundle(
    home: Path, bundle: Path, bundle_passphrase: str, passphrase: str
) -> tuple[KeyRing, OfficeKeys | None]:
    """Adopt the organisation's keys from ``bundle``; one made with ``--office`` makes ``home`` managed.

    ``passphrase`` unlocks an existing protected keystore, or protects the keystore the import writes.
    A managed home's keystore is always protected: by that passphrase (at least
    :data:`~masking.keys.MIN_MANAGED_PASSPHRASE` characters), else, where the OS keeps the user's
    secrets, by a random one kept there; else the import is refused (``KeyProblem``). A managed home
    accepts only its own office's bundles (or those of a key rolled from it). Nothing is written
    when anything is refused.
    """
    section = bundle_office(bundle)
    pinned = read_pin(home)
    office = accept_office(pinned, OfficeKeys.from_dict(section, str(bundle))) if section is not None else None
    if office is None and pinned is not None:
        raise KeyProblem("this workstation is managed by a security office: import a bundle made with --office")
    store = Keystore(home)
    protected = store.exists() and store.protected
    os_secret = False
    if office is not None and not protected:
        if passphrase and len(passphrase) < MIN_MANAGED_PASSPHRASE:
            raise KeyProblem(f"a managed workstation's keystore passphrase needs at least {MIN_MANAGED_PASSPHRASE} "
                             "characters")
        if not passphrase:
            if not os_secrets.available():
                raise KeyProblem(f"a managed workstation's keystore must be protected: give a passphrase of at "
                                 f"least {MIN_MANAGED_PASSPHRASE} characters (EXPORTGUARD_PASSPHRASE); this computer "
                                 "has no OS secret store to keep one")
            passphrase, os_secret = os_secrets.new_secret(store.account), True
    elif not protected and store.exists():
        passphrase = ""  # an unprotected demo keystore stays as it was
    ring = store.import_bundle(bundle, bundle_passphrase, passphrase, os_secret=os_secret)
    if office is not None:
        write_pin(home, office)
    return ring, office
