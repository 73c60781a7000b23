"""Approval codes for bulk exports: signed by the security office, checked offline on the workstation.

The security office holds an Ed25519 signing key (a key file, optionally passphrase-protected,
wrapped the way the keystore wraps its masters). ``issue_approval`` signs what the office approves:
this input file (its SHA-256), this recipient, up to this many rows, until this date. The
workstation checks the code with nothing but the public keys its policy trusts
(``[export] approval_keys``), so no network and no shared secret is needed.

A code is ``EGA1-`` followed by base32 (groups of five, case-insensitive; ``0`` and ``1`` read as
``O`` and ``I``) of a 28-byte body and the 64-byte signature:

    rows u32 | issued u32 | expires u32 (Unix seconds) | approver id (4 bytes)
    | input fingerprint (4 bytes) | recipient fingerprint (4 bytes) | nonce (4 random bytes)
    | signature (64 bytes)

The signature covers the canonical JSON of the full facts (``input_sha256``, ``recipient``, ``rows``,
``issued``, ``expires``, ``approver``, ``nonce``), so the code need not carry the 64-hex-digit hash or
the recipient's name and stays short enough to paste or dictate (about 150 characters). The nonce
makes every issued code distinct: a code is consumed by one export, and a second code for the same
file, recipient and rows, issued in the same second, must still be a code of its own. The two
4-byte fingerprints are there only to say *why* a code does not fit (another file, another
recipient) instead of a bare "invalid"; the signature decides.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import secrets
import struct
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from masking.crypto import ed25519_generate, ed25519_public, ed25519_sign, ed25519_verify
from masking.errors import KeyProblem, PolicyError, UsageError

# The signing key file is wrapped exactly as the keystore (masking/keyfile.py).
from masking.keyfile import read_key_file, read_key_info, write_key_file
from masking.recipient import Recipient

PREFIX = "EGA1-"
SIGNING_KEY_FORMAT = "exportguard-approval-key"
MAX_VALID_DAYS = 90
MAX_ROWS = 2**32 - 1
CLOCK_SKEW = dt.timedelta(minutes=10)  # a workstation clock this far behind still accepts a fresh code
_BODY = struct.Struct(">III4s4s4s4s")  # rows, issued, expires, approver, file, recipient, nonce
_SIGNATURE = 64
_GROUP = 5
_CONTEXT = b"exportguard approval v1\n"

Clock = Callable[[], dt.datetime]


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Approval:
    """A verified approval code: what it allows, until when, and who signed it."""

    rows: int
    expires: dt.datetime
    approver: str
    issued: dt.datetime
    input_sha256: str
    recipient: str
    code_id: str = ""  # SHA-256 of the signed facts: names the code however it was typed, never the code itself

    def as_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, "expires": _iso(self.expires), "issued": _iso(self.issued),
                "approver": self.approver, "code_id": self.code_id}


@dataclass(frozen=True)
class SigningKey:
    """The security office's private approval key, unwrapped."""

    private: bytes

    @property
    def public_hex(self) -> str:
        return ed25519_public(self.private).hex()

    @property
    def approver(self) -> str:
        return approver_id(bytes.fromhex(self.public_hex))


def approver_id(public: bytes) -> str:
    """The short public name of an approval key, carried in every code it signs."""
    return "AK-" + hashlib.sha256(public).digest()[:4].hex().upper()


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _fingerprint(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()[:4]


def _message(
    input_sha256: str, recipient: str, rows: int, *, issued: int, expires: int, approver: str, nonce: bytes
) -> bytes:
    facts = {
        "approver": approver,
        "expires": _iso(dt.datetime.fromtimestamp(expires, dt.UTC)),
        "input_sha256": input_sha256,
        "issued": _iso(dt.datetime.fromtimestamp(issued, dt.UTC)),
        "nonce": nonce.hex(),
        "recipient": recipient,
        "rows": rows,
    }
    return _CONTEXT + json.dumps(facts, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def _check_sha256(input_sha256: str) -> str:
    value = input_sha256.strip().lower()
    if len(value) != 64 or any(ch not in "0123456789abcdef" for ch in value):
        raise UsageError("the input's SHA-256 must be 64 hex digits")
    return value


def _encode(raw: bytes) -> str:
    text = base64.b32encode(raw).decode("ascii").rstrip("=")
    return PREFIX + "-".join(text[i:i + _GROUP] for i in range(0, len(text), _GROUP))


def _decode(code: str) -> bytes:
    text = "".join(code.split()).upper()
    if not text.startswith(PREFIX):
        raise PolicyError(f"approval code refused: not an ExportGuard approval code (it starts with {PREFIX})")
    body = text[len(PREFIX):].replace("-", "").translate(str.maketrans("01", "OI"))
    try:
        raw = base64.b32decode(body + "=" * (-len(body) % 8))
    except (binascii.Error, ValueError):
        raise PolicyError("approval code refused: it is mistyped or incomplete (not valid base32)") from None
    if len(raw) != _BODY.size + _SIGNATURE:
        raise PolicyError("approval code refused: it is mistyped or incomplete (wrong length)")
    return raw


def issue_approval(
    signing_key: SigningKey,
    input_sha256: str,
    recipient: Recipient,
    rows: int,
    *,
    valid_days: int = 7,
    clock: Clock = _utc_now,
) -> str:
    """A code allowing one export of the file with ``input_sha256`` to ``recipient``, up to ``rows`` rows."""
    digest = _check_sha256(input_sha256)
    name = recipient.name
    if not name:
        raise UsageError("an approval names its recipient (--recipient)")
    if isinstance(rows, bool) or not 1 <= rows <= MAX_ROWS:
        raise UsageError(f"the approved row count must be between 1 and {MAX_ROWS}")
    if not 1 <= valid_days <= MAX_VALID_DAYS:
        raise UsageError(f"an approval is valid for 1 to {MAX_VALID_DAYS} days")
    issued = int(clock().timestamp())
    expires = issued + valid_days * 86_400
    approver = signing_key.approver
    # Each code is single-use, so two codes for the same request (issued in the same second) must differ.
    nonce = secrets.token_bytes(4)
    body = _BODY.pack(rows, issued, expires, bytes.fromhex(approver[3:]), bytes.fromhex(digest[:8]),
                      _fingerprint(name), nonce)
    message = _message(digest, name, rows, issued=issued, expires=expires, approver=approver, nonce=nonce)
    signature = ed25519_sign(signing_key.private, message)
    return _encode(body + signature)


def _trusted(public_keys: Iterable[str]) -> dict[str, list[bytes]]:
    trusted: dict[str, list[bytes]] = {}
    for text in public_keys:
        try:
            public = bytes.fromhex(text)
        except ValueError:
            continue  # the policy loader already refuses keys that are not hex; skip rather than crash
        if len(public) == 32:
            trusted.setdefault(approver_id(public), []).append(public)
    return trusted


def verify_approval(
    code: str,
    public_keys: Iterable[str],
    input_sha256: str,
    recipient: Recipient,
    clock: Clock = _utc_now,
) -> Approval:
    """The approval ``code`` carries, if it fits this file and recipient; else ``PolicyError`` saying why."""
    raw = _decode(code)
    rows, issued, expires, approver_raw, file_fp, recipient_fp, nonce = _BODY.unpack(raw[:_BODY.size])
    signature = raw[_BODY.size:]
    approver = "AK-" + approver_raw.hex().upper()
    digest = _check_sha256(input_sha256)
    name = recipient.name
    trusted = _trusted(public_keys)
    if not trusted:
        raise PolicyError("approval code refused: the policy trusts no approval key ([export] approval_keys)")
    if approver not in trusted:
        raise PolicyError(f"approval code refused: it is signed by {approver}, a key the policy does not trust")
    if file_fp != bytes.fromhex(digest[:8]):
        raise PolicyError("approval code refused: it was issued for another file (or this file changed since)")
    if recipient_fp != _fingerprint(name):
        raise PolicyError("approval code refused: it was issued for another recipient")
    message = _message(digest, name, rows, issued=issued, expires=expires, approver=approver, nonce=nonce)
    if not any(ed25519_verify(public, message, signature) for public in trusted[approver]):
        raise PolicyError("approval code refused: it was altered or mistyped (the signature does not match)")
    now = clock()
    issued_at = dt.datetime.fromtimestamp(issued, dt.UTC)
    expires_at = dt.datetime.fromtimestamp(expires, dt.UTC)
    if issued_at > now + CLOCK_SKEW:
        raise PolicyError("approval code refused: it was issued in the future; check this computer's clock")
    if now >= expires_at:
        raise PolicyError(f"approval code refused: it expired on {_iso(expires_at)}; ask for a new one")
    return Approval(rows, expires_at, approver, issued_at, digest, name, hashlib.sha256(message).hexdigest())


# --- the signing key file --------------------------------------------------------------------------


def generate_signing_key() -> SigningKey:
    private, _ = ed25519_generate()
    return SigningKey(private)


def write_signing_key(
    key: SigningKey, path: Path, passphrase: str = "", *, clock: Clock = _utc_now
) -> None:
    """Write ``key`` to a new file (never replacing one), wrapped under ``passphrase`` (may be empty)."""
    write_key_file(path, SIGNING_KEY_FORMAT, [key.private], passphrase,
                   {"public_key": key.public_hex, "approver": key.approver}, clock=clock)


def signing_key_protected(path: Path) -> bool:
    return bool(read_key_info(path, SIGNING_KEY_FORMAT, "signing key").get("protected"))


def read_signing_key(path: Path, passphrase: str = "") -> SigningKey:
    """Unwrap the signing key file; a wrong passphrase is ``KeyProblem`` (exit 5)."""
    secrets = read_key_file(path, SIGNING_KEY_FORMAT, passphrase, "signing key")
    if len(secrets[0]) != 32:
        raise KeyProblem(f"{path.name} is damaged or not an ExportGuard signing key")
    return SigningKey(secrets[0])
