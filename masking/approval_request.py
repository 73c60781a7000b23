"""An approval request: what the security office needs to issue an approval code, from the workstation,
without the file and without the command line.

The Export page writes one when the policy wants an approval (a file, and a QR code of the same text):
the input's SHA-256 and name, the recipient, the purpose, the row count, who asks and when. The office
issues the code from the request alone (``exportguard approve --request REQ --office DIR``); the code is
pasted (or scanned) back into the Export page. When the user exports fewer rows, the request says which
(``selection``: the range, and a filter's column and match, its text only when that is not personal
data). The request holds no cell value. It is not signed: the
code the office issues binds the file's hash, the recipient and the rows, so a forged request can only
get a code for what the office read and agreed to.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from masking.errors import InputError
from masking.events import current_machine, current_user
from masking.io.atomic import atomic_output
from masking.row_selection import SelectionRecord

PREFIX = "EGR1:"  # the request's text form: this prefix, then base64url of its JSON
REQUEST_SUFFIX = ".egreq"
_HEX = frozenset("0123456789abcdef")


@dataclass(frozen=True)
class ApprovalRequest:
    input_name: str
    input_sha256: str
    recipient: str
    purpose: str
    rows: int
    user: str = field(default_factory=current_user)
    machine: str = field(default_factory=current_machine)
    requested: str = field(default_factory=lambda: dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
    selection: SelectionRecord | None = None  # the rows chosen (fewer rows); None: every row

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["selection"] = self.selection.to_dict() if self.selection is not None else None
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ApprovalRequest:
        try:
            request = cls(str(data["input_name"]), str(data["input_sha256"]).lower(), str(data["recipient"]),
                          str(data["purpose"]), int(data["rows"]), str(data.get("user", "")),
                          str(data.get("machine", "")), str(data.get("requested", "")),
                          SelectionRecord.from_dict(chosen) if isinstance(chosen := data.get("selection"), Mapping)
                          else None)
        except (KeyError, TypeError, ValueError):
            raise InputError("not an approval request (fields missing)") from None
        if len(request.input_sha256) != 64 or not set(request.input_sha256) <= _HEX or request.rows < 1:
            raise InputError("not an approval request (bad file hash or row count)")
        return request

    def to_text(self) -> str:
        """One line, for the file and for the QR code: ``EGR1:`` and base64url of the JSON."""
        raw = json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
        return PREFIX + base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")

    @classmethod
    def from_text(cls, text: str) -> ApprovalRequest:
        text = text.strip()
        if not text.startswith(PREFIX):
            raise InputError("not an approval request (it should start with EGR1:)")
        body = text[len(PREFIX):]
        try:
            data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        except (binascii.Error, ValueError):
            raise InputError("the approval request is damaged (copy it again)") from None
        if not isinstance(data, dict):
            raise InputError("not an approval request")
        return cls.from_dict(data)


def write_request(request: ApprovalRequest, path: Path, *, overwrite: bool = False) -> Path:
    """The request as a one-line text file, and beside it (same name, .png) its QR code; returns the PNG."""
    qr_path = path.with_suffix(".png")
    text = request.to_text()
    with atomic_output(path, overwrite=overwrite) as temp:
        temp.write_text(text + "\n", encoding="ascii")
    write_qr(text, qr_path, overwrite=overwrite)
    return qr_path


def write_qr(text: str, path: Path, *, overwrite: bool = False) -> None:
    """``text`` as a QR code in a PNG (the request for the office; the office's code for the workstation,
    ``approve --qr``, which the Export page reads back from a photo or screenshot)."""
    import segno

    with atomic_output(path, overwrite=overwrite) as temp:
        segno.make(text, error="m").save(str(temp), kind="png", scale=6, border=4)


def read_request(path: Path) -> ApprovalRequest:
    try:
        text = path.read_text(encoding="ascii", errors="strict")
    except FileNotFoundError:
        raise InputError(f"{path.name}: no such file") from None
    except (OSError, UnicodeDecodeError):
        raise InputError(f"{path.name}: not an approval request") from None
    return ApprovalRequest.from_text(text)
