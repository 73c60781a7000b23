"""Policies signed by the security office: the envelope format, signing and checking.

A signed policy is a small JSON file: the policy's TOML text exactly as the office wrote it, the
office's public keys (:class:`~masking.office.OfficeKeys`, with the roll certificates that lead to
the signing key) and an Ed25519 signature over the text. The policy's identity is the SHA-256 of its
text, which every export record carries with the signer.

Parsing the policy stays in :mod:`masking.policy`; this module only says whether a text comes from
the office a workstation trusts.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from masking.approval import SigningKey
from masking.crypto import ed25519_sign, ed25519_verify
from masking.errors import InputError, PolicyError
from masking.office import OfficeKeys
from masking.violations import violation

SIGNED_FORMAT = "exportguard-signed-policy"
INSTALLED_FILE = "policy.signed.json"  # a managed home's installed policy
_CONTEXT = b"exportguard signed policy v1\n"


def policy_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class SignedPolicy:
    """A signed policy as read from its file; :func:`verify_signed` says whether to trust it."""

    text: str
    office: OfficeKeys
    signature: str

    @property
    def sha256(self) -> str:
        return policy_sha256(self.text)

    def to_json(self) -> str:
        data = {"format": SIGNED_FORMAT, "version": 1, "signer": self.office.office_id,
                "sha256": self.sha256, "office": self.office.to_dict(), "signature": self.signature,
                "policy": self.text}
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def sign_policy(text: str, key: SigningKey, office: OfficeKeys) -> SignedPolicy:
    """Sign ``text`` (already checked to be a valid policy by the caller) with the office's key."""
    if key.public_hex != office.signing:
        raise PolicyError("the signing key is not the office's current signing key")
    signature = ed25519_sign(key.private, _CONTEXT + text.encode("utf-8"))
    return SignedPolicy(text, office, signature.hex())


def read_signed(path: Path) -> SignedPolicy | None:
    """The envelope in ``path``, or None when the file is not a signed policy at all (plain TOML)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise PolicyError(f"policy file {path} not found") from None
    except OSError:
        raise PolicyError(f"policy file {path} cannot be read") from None
    try:
        data: Any = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != SIGNED_FORMAT:
        return None
    try:
        text, signature = data["policy"], data["signature"]
        if not isinstance(text, str) or not isinstance(signature, str):
            raise TypeError
        office = OfficeKeys.from_dict(data["office"], str(path))
    except (KeyError, TypeError, ValueError, InputError):
        raise PolicyError(f"{path.name}: the signed policy is damaged") from None
    return SignedPolicy(text, office, signature)


def verify_signed(signed: SignedPolicy, trusted: OfficeKeys, name: str) -> None:
    """Refuse (exit 4) unless the text carries a valid signature of ``trusted`` (or a key rolled from it)."""
    if not signed.office.descends_from(trusted.signing) and signed.office.signing != trusted.signing:
        raise PolicyError.of(violation("policy_foreign", name=name, signer=signed.office.office_id,
                                       office=trusted.office_id))
    try:
        valid = ed25519_verify(bytes.fromhex(signed.office.signing), _CONTEXT + signed.text.encode("utf-8"),
                               bytes.fromhex(signed.signature))
    except ValueError:
        valid = False
    if not valid:
        raise PolicyError.of(violation("policy_altered", name=name))
