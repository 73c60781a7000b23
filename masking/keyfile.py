"""Private key files of the security office: one secret (or a few, newest first) per file, one purpose.

Each file is wrapped exactly as the keystore wraps its masters (scrypt from the file's own
passphrase, AES-GCM per key, the file's kind bound into the associated data), so a signing key
file can never be read as a decryption key file or a keystore. Beside the wrapped secrets the file
carries its public part in clear (public keys, names), which is what workstations are given.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from masking.errors import InputError, KeyProblem, OutputError
from masking.io.atomic import atomic_output
from masking.keys import KeyRing, MasterKey, key_id_for, unwrap_keys, wrap_keys

MIN_OFFICE_PASSPHRASE = 10
_RESERVED = frozenset({"format", "version", "organisation", "protected", "kdf", "keys"})


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def write_key_file(
    path: Path,
    kind: str,
    secrets: Sequence[bytes],
    passphrase: str,
    public: Mapping[str, Any],
    *,
    overwrite: bool = False,
    clock: Callable[[], dt.datetime] = _utc_now,
) -> None:
    """Write ``secrets`` (newest first) wrapped under ``passphrase`` (may be empty), with ``public`` in clear."""
    if set(public) & _RESERVED:
        raise ValueError("the public part may not reuse the wrapping's field names")
    created = clock().astimezone(dt.UTC).isoformat(timespec="seconds")
    ring = KeyRing("", tuple(MasterKey(key_id_for(secret), created, secret) for secret in secrets))
    data = {**wrap_keys(ring, passphrase, kind=kind), **public}
    try:
        with atomic_output(path, overwrite=overwrite) as temp:
            temp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    except OSError as error:
        raise OutputError(f"cannot write the key file {path.name}") from error


def read_key_info(path: Path, kind: str, what: str) -> dict[str, Any]:
    """The whole file as stored (public part, wrapping), checked to be a ``kind`` key file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{what} {path} not found") from None
    except (OSError, UnicodeDecodeError, ValueError):
        raise KeyProblem(f"{path.name} is damaged or not an ExportGuard {what}") from None
    if not isinstance(data, dict) or data.get("format") != kind:
        raise KeyProblem(f"{path.name} is not an ExportGuard {what}")
    return data


def read_key_file(path: Path, kind: str, passphrase: str, what: str) -> tuple[bytes, ...]:
    """The unwrapped secrets, newest first; a missing or wrong passphrase is ``KeyProblem`` (exit 5)."""
    data = read_key_info(path, kind, what)
    if data.get("protected") and not passphrase:
        raise KeyProblem(f"the {what} {path.name} is protected: give its passphrase")
    ring = unwrap_keys(data, passphrase if data.get("protected") else "", kind=kind, where=f"the {what} {path.name}")
    return tuple(key.secret for key in ring.keys)


def check_office_passphrase(passphrase: str, what: str) -> str:
    """The office's keys protect every approval and every encrypted value: no short passphrases."""
    if len(passphrase) < MIN_OFFICE_PASSPHRASE:
        raise KeyProblem(f"the {what} passphrase needs at least {MIN_OFFICE_PASSPHRASE} characters")
    return passphrase
