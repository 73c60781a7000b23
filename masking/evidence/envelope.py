"""The signed messages a workstation sends to the evidence service; both sides use this one module.

A message is canonical JSON (sorted keys, UTF-8); its Ed25519 signature by the workstation's identity
key travels beside it (the ``X-ExportGuard-Signature`` header), so the service checks the exact bytes
it received. ``enroll`` is signed by the new key (proof that the sender holds it) and carries the
office's one-time code; ``records`` carries ledger records, each with the export's trace data when it
has any and the originals it sealed to the office (``sealed``, which only the office's decryption key
opens), and is refused unless signed by an enrolled, unrevoked workstation's key, or when the trace data
or sealed originals are not the ones the record's hash chain names.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from masking.crypto import ed25519_verify
from masking.evidence.identity import Identity
from masking.export_record import EXPORT_EVENT, ExportRecord
from masking.ledger import LedgerEntry, canonical

PROTOCOL = "exportguard-evidence/1"
SIGNATURE_HEADER = "X-ExportGuard-Signature"
WORKSTATION_HEADER = "X-ExportGuard-Workstation"


class EnvelopeError(ValueError):
    """A message that is malformed or whose signature does not verify (the reason, no values).

    The service answers with ``status`` and, beside the reason, ``details()`` (subclasses: a conflict
    the workstation acts on, such as a replay)."""

    status = 400

    def details(self) -> dict[str, Any]:
        return {}


@dataclass(frozen=True)
class ReportedRecord:
    entry: LedgerEntry
    trace: bytes | None  # the export's trace data (masking.watermark.store.TraceData bytes)
    sealed: bytes | None = None  # the originals the export sealed to the office (masking.sealed blob)

    @property
    def export(self) -> ExportRecord | None:
        return ExportRecord.from_dict(self.entry.body) if self.entry.event == EXPORT_EVENT else None

    def trace_ok(self) -> bool:
        """Trace data, when present, must be what the record's hash chain names."""
        if self.trace is None:
            return True
        export = self.export
        return export is not None and hashlib.sha256(self.trace).hexdigest() == export.trace.sha256

    @property
    def sealed_sha256(self) -> str | None:
        """The SHA-256 of the sealed originals the export record names (None: it sealed nothing)."""
        export = self.export
        digest = export.sealed.get("sha256") if export is not None and export.sealed is not None else None
        return digest if isinstance(digest, str) and digest else None

    def sealed_ok(self) -> bool:
        """Sealed originals, when present, must be what the record names."""
        if self.sealed is None:
            return True
        return self.sealed_sha256 == hashlib.sha256(self.sealed).hexdigest()


@dataclass(frozen=True)
class RecordReport:
    workstation_id: int
    sent_at: str
    nonce: str
    records: tuple[ReportedRecord, ...]


@dataclass(frozen=True)
class EnrollRequest:
    code: str
    public_key: bytes
    ledger: str  # the ledger's own workstation name (the chain's name)
    host: str
    user: str


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _signed(message: Mapping[str, Any], identity: Identity) -> tuple[bytes, str]:
    body = canonical(message)
    return body, base64.b64encode(identity.sign(body)).decode("ascii")


def encode_records(workstation_id: int, records: Sequence[ReportedRecord], identity: Identity) -> tuple[bytes, str]:
    """The body and its signature for a batch of ledger records."""
    return _signed({
        "protocol": PROTOCOL, "kind": "records", "workstation_id": workstation_id, "sent_at": _now(),
        "nonce": os.urandom(16).hex(),
        "records": [{"entry": r.entry.to_json(), "trace": _b64(r.trace), "sealed": _b64(r.sealed)}
                    for r in records],
    }, identity)


def _b64(data: bytes | None) -> str | None:
    return None if data is None else base64.b64encode(data).decode("ascii")


def _unb64(text: object) -> bytes | None:
    return None if text is None else base64.b64decode(str(text), validate=True)


def encode_consume(workstation_id: int, code_id: str, export_id: str, identity: Identity, *,
                   expires: str = "") -> tuple[bytes, str]:
    """The body and signature asking the service to consume an approval code for this export; ``expires``
    (the code's end, UTC ISO) lets the service judge it by its own clock, not the workstation's."""
    return _signed({"protocol": PROTOCOL, "kind": "consume", "workstation_id": workstation_id, "code_id": code_id,
                    "export_id": export_id, "expires": expires, "sent_at": _now(), "nonce": os.urandom(16).hex()},
                   identity)


@dataclass(frozen=True)
class ConsumeRequest:
    code_id: str
    export_id: str
    expires: dt.datetime | None  # None from a workstation too old to send it


def decode_consume(body: bytes, signature: str, public_key: bytes) -> ConsumeRequest:
    """The request once the signature by ``public_key`` verifies."""
    verify_signature(body, signature, public_key)
    message = _load(body, "consume")
    code_id, export_id = message.get("code_id"), message.get("export_id")
    if not isinstance(code_id, str) or len(code_id) != 64 or not isinstance(export_id, str) or not export_id:
        raise EnvelopeError("the consume message is malformed")
    return ConsumeRequest(code_id, export_id, parse_time(message.get("expires")))


def parse_time(text: object) -> dt.datetime | None:
    """An ISO time a workstation wrote (``Z`` or an offset; a naive one read as UTC); None when absent or unreadable."""
    if not isinstance(text, str) or not text:
        return None
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def encode_announce(workstation_id: int, export_id: str, identity: Identity) -> tuple[bytes, str]:
    """The body and signature telling the service an export is about to commit its output."""
    return _signed({"protocol": PROTOCOL, "kind": "announce", "workstation_id": workstation_id,
                    "export_id": export_id, "sent_at": _now(), "nonce": os.urandom(16).hex()}, identity)


def decode_announce(body: bytes, signature: str, public_key: bytes) -> str:
    """The announced ``export_id`` once the signature by ``public_key`` verifies."""
    verify_signature(body, signature, public_key)
    export_id = _load(body, "announce").get("export_id")
    if not isinstance(export_id, str) or not export_id or len(export_id) > 64:
        raise EnvelopeError("the announce message is malformed")
    return export_id


def encode_enroll(request: EnrollRequest, identity: Identity) -> tuple[bytes, str]:
    return _signed({"protocol": PROTOCOL, "kind": "enroll", "code": request.code,
                    "public_key": request.public_key.hex(),
                    "ledger": request.ledger, "host": request.host, "user": request.user, "sent_at": _now()},
                   identity)


def _load(body: bytes, kind: str) -> dict[str, Any]:
    try:
        message = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        raise EnvelopeError("the message is not JSON") from None
    if not isinstance(message, dict) or message.get("protocol") != PROTOCOL or message.get("kind") != kind:
        raise EnvelopeError(f"not an {PROTOCOL} {kind} message")
    return message


def verify_signature(body: bytes, signature: str, public_key: bytes) -> None:
    try:
        raw = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        raise EnvelopeError("the signature is malformed") from None
    if not ed25519_verify(public_key, body, raw):
        raise EnvelopeError("the signature does not verify (altered in transit, or another key)")


def claimed_workstation(body: bytes, kind: str = "records") -> int:
    """The workstation a message claims to come from (before its signature is checked)."""
    value = _load(body, kind).get("workstation_id")
    if not isinstance(value, int) or isinstance(value, bool):
        raise EnvelopeError("the message names no workstation")
    return value


def decode_records(body: bytes, signature: str, public_key: bytes) -> RecordReport:
    """The batch, once its signature by ``public_key`` verifies; each record's hash is checked too."""
    verify_signature(body, signature, public_key)
    message = _load(body, "records")
    records = []
    try:
        for item in message["records"]:
            entry = LedgerEntry.from_json(item["entry"])
            records.append(ReportedRecord(entry, _unb64(item.get("trace")), _unb64(item.get("sealed"))))
        report = RecordReport(int(message["workstation_id"]), str(message["sent_at"]), str(message["nonce"]),
                              tuple(records))
    except (KeyError, TypeError, ValueError, binascii.Error):
        raise EnvelopeError("the records message is malformed") from None
    for record in report.records:
        if not record.entry.intact:
            raise EnvelopeError(f"record {record.entry.seq}: its contents do not match its hash")
        if not record.trace_ok():
            raise EnvelopeError(f"record {record.entry.seq}: its trace data do not match the record")
        if not record.sealed_ok():
            raise EnvelopeError(f"record {record.entry.seq}: its sealed originals do not match the record")
    return report


def decode_enroll(body: bytes, signature: str) -> EnrollRequest:
    message = _load(body, "enroll")
    try:
        request = EnrollRequest(str(message["code"]), bytes.fromhex(message["public_key"]), str(message["ledger"]),
                                str(message["host"]), str(message["user"]))
    except (KeyError, TypeError, ValueError):
        raise EnvelopeError("the enrollment message is malformed") from None
    if len(request.public_key) != 32:
        raise EnvelopeError("the enrollment message carries no Ed25519 public key")
    verify_signature(body, signature, request.public_key)
    return request
