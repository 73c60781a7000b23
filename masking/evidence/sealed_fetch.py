"""The originals an export sealed to the office, fetched from the office's evidence service.

The workstation sent them with the export's ledger record; here they come back with that record and
are checked again before the office's decryption key opens them (:mod:`masking.decrypt`): the record's
hash must cover its contents and the blob's SHA-256 must be the one the record names. The service
records the fetch (its ``queries``), so the office's restoring leaves a trail there.
"""

from __future__ import annotations

import base64
import binascii
import urllib.parse
from dataclasses import dataclass

from masking.errors import InputError, IntegrityProblem
from masking.evidence.client import Refused, ServiceAccess
from masking.export_record import EXPORT_EVENT, ExportRecord
from masking.ledger import LedgerEntry
from masking.sealed import checked


@dataclass(frozen=True)
class FetchedSealed:
    record: ExportRecord
    blob: bytes
    workstation: str  # the office's name for the workstation that made the export


def fetch_sealed(access: ServiceAccess, *, export_id: str | None, sha256: str) -> FetchedSealed:
    """The export with this id (an xlsx says it) or else the one that wrote a file with this SHA-256."""
    query = urllib.parse.urlencode({"export_id": export_id} if export_id else {"sha256": sha256})
    try:
        answer = access.request("GET", f"/v1/sealed?{query}", timeout=60)
    except Refused as refusal:
        if refusal.status == 404:
            raise InputError(f"the security office's service at {access.url} holds no sealed originals of "
                             f"{'export ' + export_id if export_id else 'the export that wrote this file'}"
                             ) from None
        raise
    try:
        entry = LedgerEntry.from_json(answer["entry"])
        record = ExportRecord.from_dict(entry.body)
        blob = base64.b64decode(str(answer["sealed"]), validate=True)
    except (KeyError, TypeError, ValueError, binascii.Error):
        raise IntegrityProblem("the service's answer is not an export's sealed originals") from None
    if entry.event != EXPORT_EVENT or not entry.intact or (export_id and record.export_id != export_id):
        raise IntegrityProblem("the service sent an export record that does not match its hash or the file")
    digest = record.sealed.get("sha256") if record.sealed is not None else None
    if not isinstance(digest, str):
        raise IntegrityProblem("the service sent an export record that names no sealed originals")
    try:
        checked(record.export_id, blob, digest, "the export's record at the service")
    except InputError as error:
        raise IntegrityProblem(str(error)) from None
    return FetchedSealed(record, blob, str(answer.get("workstation", "")))
