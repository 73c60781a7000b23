"""Original values sealed to the security office: how an encrypted export is restored, and only there.

On a managed workstation an ``encrypt`` column still gets its deterministic, format-preserving
tokens (so joins and formats survive), and in addition the export seals, per encrypted column, the
map *token -> original value* to the office's X25519 decryption key (HPKE, :func:`masking.crypto.seal_to`).
The sealed blob sits in ``sealed/<export_id>.egsealed`` in the home folder and its SHA-256 in the
export's ledger record, so the chain covers it; the workstation cannot open it. ``decrypt --office``
opens it with the office's decryption key and puts back every original exactly (its type too), for
any subset or reordering of the exported rows, because each cell is looked up by its token.
An enrolled workstation also sends the blob to the office's evidence service with the export's record
(:mod:`masking.evidence.sync`), so the office restores from the service once the home is gone.

Blob: ``EGSEAL1\\n`` + the decryption key id + ``\\n`` + HPKE(zlib(JSON)), with the export id bound
into HPKE's ``info`` so a blob cannot be passed off as another export's.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from masking.cell_text import crypto_text
from masking.crypto import DecryptionFailed, seal_open, seal_to
from masking.errors import InputError, KeyProblem, OutputError
from masking.home import ensure_private_dir
from masking.io.atomic import atomic_output
from masking.io.model import Value

SEALED_DIR = "sealed"
_MAGIC = b"EGSEAL1\n"
_INFO = b"exportguard sealed originals v1\n"


def cell_key(value: Value) -> str:
    """How a token cell is looked up: the same text whether it is read back from xlsx or csv."""
    return crypto_text(value)


# Order matters: bool before int, datetime before date.
_TAGS: tuple[tuple[str, type], ...] = (("b", bool), ("i", int), ("f", float), ("dt", dt.datetime), ("d", dt.date),
                                       ("t", dt.time))


def _tag(value: Value) -> list[Any]:
    for tag, kind in _TAGS:
        if isinstance(value, kind):
            return [tag, value.isoformat() if isinstance(value, dt.date | dt.time) else value]
    return ["s", str(value)]


def _untag(item: Any) -> Value:
    tag, raw = item
    readers: dict[str, Any] = {"b": bool, "i": int, "f": float, "s": str, "dt": dt.datetime.fromisoformat,
                               "d": dt.date.fromisoformat, "t": dt.time.fromisoformat}
    value: Value = readers[tag](raw)
    return value


@dataclass(frozen=True)
class SealedColumn:
    """One encrypted column of the output: where it is, and its originals by token."""

    sheet: str  # the input sheet's name, as in the encryption manifest
    position: int  # 0-based column in the output sheet
    originals: Mapping[str, Value]


def seal_columns(export_id: str, columns: Sequence[SealedColumn], decryption_public: str, decryption_id: str) -> bytes:
    payload = {"export_id": export_id, "columns": [
        {"sheet": c.sheet, "position": c.position, "pairs": [[k, _tag(v)] for k, v in c.originals.items()]}
        for c in columns]}
    plain = zlib.compress(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), 6)
    sealed = seal_to(bytes.fromhex(decryption_public), plain, _INFO + export_id.encode("utf-8"))
    return _MAGIC + decryption_id.encode("ascii") + b"\n" + sealed


def sealed_to(blob: bytes) -> str:
    """The decryption key id a blob is sealed to."""
    if not blob.startswith(_MAGIC) or b"\n" not in blob[len(_MAGIC):]:
        raise InputError("sealed values in an unknown format")
    return blob[len(_MAGIC):].split(b"\n", 1)[0].decode("ascii", "replace")


def open_columns(export_id: str, blob: bytes, keys: Mapping[str, bytes]) -> list[SealedColumn]:
    """The sealed columns, opened with the office key the blob names; ``KeyProblem`` if it is not given."""
    key_id = sealed_to(blob)
    private = keys.get(key_id)
    if private is None:
        raise KeyProblem(f"the values are sealed to the office's decryption key {key_id}, which this decryption key "
                         "file does not hold")
    body = blob[len(_MAGIC) + len(key_id) + 1:]
    try:
        payload = json.loads(zlib.decompress(seal_open(private, body, _INFO + export_id.encode("utf-8"))))
        if payload.get("export_id") != export_id:
            raise ValueError
        return [SealedColumn(str(c["sheet"]), int(c["position"]), {str(k): _untag(v) for k, v in c["pairs"]})
                for c in payload["columns"]]
    except DecryptionFailed:
        raise InputError(f"the sealed values of {export_id} do not open: they were altered or belong to "
                         "another export") from None
    except (ValueError, KeyError, TypeError, zlib.error):
        raise InputError(f"the sealed values of {export_id} are damaged") from None


class SealedStore:
    """``sealed/`` in a home folder: one blob per export, checked against the ledger's SHA-256."""

    def __init__(self, home: Path) -> None:
        self.folder = home / SEALED_DIR

    def _path(self, export_id: str) -> Path:
        if not export_id.replace("-", "").isalnum():
            raise InputError("not an export id")
        return self.folder / f"{export_id}.egsealed"

    def save(self, export_id: str, blob: bytes) -> str:
        ensure_private_dir(self.folder)
        try:
            with atomic_output(self._path(export_id)) as temp:
                temp.write_bytes(blob)
        except OSError as error:
            raise OutputError(f"cannot write the sealed values of {export_id}") from error
        return hashlib.sha256(blob).hexdigest()

    def load(self, export_id: str, sha256: str) -> bytes:
        try:
            blob = self._path(export_id).read_bytes()
        except OSError:
            raise InputError(f"the sealed values of {export_id} are not in this home folder: decrypt with the home "
                             "(or a copy of it) where the export was made, or from the office's service "
                             "('decrypt --office DIR --server URL')") from None
        return checked(export_id, blob, sha256, "the audit ledger")

    def reported(self, export_id: str, sha256: str) -> bytes | None:
        """The blob to send to the office's service: None when it is gone or altered here (the service
        then stores the record flagged: the office cannot restore that export)."""
        try:
            return self.load(export_id, sha256)
        except InputError:
            return None


def checked(export_id: str, blob: bytes, sha256: str, holder: str) -> bytes:
    """``blob`` when its SHA-256 is the one the export's record names; ``InputError`` otherwise."""
    if hashlib.sha256(blob).hexdigest() != sha256:
        raise InputError(f"the sealed values of {export_id} do not match {holder} (altered)")
    return blob
