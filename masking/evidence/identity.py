"""The workstation's identity: an Ed25519 key pair that signs everything sent to the office's service.

Kept like the keystore's secrets: ``identity.json`` in the home folder holds the private half wrapped
with AES-GCM under the ``identity`` sub-key of the master that was active when it was made (the file
names that key; rotation keeps old masters, so it stays readable), so whoever can unlock the keystore
can sign, and nobody else. Deleting the home folder deletes the identity: the service then sees a new
workstation, which its continuity checks report.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from pathlib import Path

from masking.crypto import DecryptionFailed, ed25519_generate, ed25519_public, ed25519_sign, gcm_open, gcm_seal
from masking.errors import KeyProblem
from masking.home import ensure_private_dir
from masking.io.atomic import atomic_output
from masking.keys import KeyRing

IDENTITY_FILE = "identity.json"
_FORMAT = "exportguard-identity"


@dataclass(frozen=True)
class Identity:
    public: bytes
    private: bytes = field(repr=False)

    @property
    def public_hex(self) -> str:
        return self.public.hex()

    def sign(self, message: bytes) -> bytes:
        return ed25519_sign(self.private, message)


def load_or_create_identity(home: Path, ring: KeyRing) -> Identity:
    """The home's identity key, created on first use."""
    if (home / IDENTITY_FILE).exists():
        return load_identity(home, ring)
    private, public = ed25519_generate()
    key = ring.active
    wrapped = gcm_seal(key.subkey("identity"), private, public)
    text = json.dumps({"format": _FORMAT, "version": 1, "public": public.hex(), "key_id": key.key_id,
                       "wrapped": base64.b64encode(wrapped).decode("ascii")}, indent=2)
    ensure_private_dir(home)
    with atomic_output(home / IDENTITY_FILE) as temp:
        temp.write_text(text + "\n", encoding="utf-8")
        temp.chmod(0o600)
    return Identity(public, private)


def load_identity(home: Path, ring: KeyRing) -> Identity:
    path = home / IDENTITY_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.get("format") != _FORMAT:
            raise ValueError
        public = bytes.fromhex(data["public"])
        master = ring.by_id(str(data["key_id"]))
        private = gcm_open(master.subkey("identity"), base64.b64decode(data["wrapped"], validate=True), public)
        if ed25519_public(private) != public:
            raise DecryptionFailed
    except FileNotFoundError:
        raise KeyProblem(f"no workstation identity in {home}; run 'exportguard enroll'") from None
    except DecryptionFailed:
        raise KeyProblem(f"{path} does not open with this keystore's keys") from None
    except (OSError, ValueError, KeyError, TypeError):
        raise KeyProblem(f"{path} is damaged or not an identity file") from None
    return Identity(public, private)
