"""``exportguard approve``: the security office's approval codes for bulk exports.

    exportguard approve keygen --out KEYFILE [--no-passphrase]
    exportguard approve INPUT --recipient NAME --rows N --office DIR [--valid-days 7]
    exportguard approve INPUT --recipient NAME --rows N --signing-key KEYFILE [--valid-days 7]
    exportguard approve --request REQUEST --office DIR [--valid-days 7]

``--request`` takes the approval request the desktop's Export page wrote (the file, or its ``EGR1:``
text as scanned from its QR code): the file's SHA-256, the recipient and the rows come from it, so
the office issues the code without the file itself.

``--office DIR`` signs with the office's signing key (``office init``), which every managed workstation
trusts; ``--signing-key`` with a key from ``keygen``, which only a policy listing it in
``[export] approval_keys`` trusts (unmanaged workstations). A code allows ONE export: the first
export that uses it consumes it.

``keygen`` makes the office's signing key and prints the public key that goes into the policy's
``[export] approval_keys``. Issuing a code records an "approval" event in the ledger of this home
folder (the office's), with the file's hash, the recipient and the rows, never the file's content.
(A file literally named ``keygen`` is approved as ``./keygen``.)
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path
from typing import Any

from masking.approval import (
    MAX_VALID_DAYS,
    SigningKey,
    generate_signing_key,
    issue_approval,
    read_signing_key,
    signing_key_protected,
    verify_approval,
    write_signing_key,
)
from masking.approval_request import PREFIX, ApprovalRequest, read_request, write_qr
from masking.cli.output import emit_json
from masking.cli.secrets import keystore_passphrase, new_passphrase, opening_passphrase
from masking.errors import InputError, OutputError, UsageError
from masking.office import read_office_signing_key
from masking.pipeline import file_sha256
from masking.recipient import Recipient
from masking.workspace import Workspace

SIGNING_ENV = "EXPORTGUARD_SIGNING_PASSPHRASE"
KEYGEN = "keygen"


def register(commands: Any, json_flag: argparse.ArgumentParser) -> None:
    parser = commands.add_parser(
        "approve", parents=[json_flag], help="issue an approval code for a bulk export (security office)",
        description="'approve keygen --out KEYFILE' makes the office's signing key; "
        "'approve INPUT --recipient NAME --rows N --signing-key KEYFILE' issues a code.",
    )
    parser.add_argument("input", metavar="INPUT|keygen", nargs="?", help="the file to approve, or 'keygen'")
    parser.add_argument("--request", metavar="REQUEST",
                        help="an approval request from the desktop app (its file, or its EGR1: text)")
    parser.add_argument("--recipient", metavar="NAME", help="who may receive the export")
    parser.add_argument("--rows", type=int, metavar="N", help="the most rows the export may have")
    parser.add_argument("--office", metavar="DIR", help="the office folder ('office init'): sign with its key")
    parser.add_argument("--signing-key", metavar="KEYFILE", help="a signing key file from 'approve keygen'")
    parser.add_argument("--valid-days", type=int, default=7, metavar="DAYS",
                        help=f"how long the code is valid (1-{MAX_VALID_DAYS}, default 7)")
    parser.add_argument("--qr", metavar="PNG", help="also write the code as a QR code (a PNG) for the employee to "
                                                    "photograph or screenshot into the desktop app")
    parser.add_argument("--out", metavar="KEYFILE", help="keygen: where to write the new signing key")
    parser.add_argument("--no-passphrase", action="store_true",
                        help="keygen: do not protect the signing key with a passphrase (not advised)")
    parser.set_defaults(handler=run_approve_command)


def run_approve_command(args: argparse.Namespace, context: Any) -> int:
    if args.input == KEYGEN:
        return _keygen(args, context)
    if args.request is not None:
        if args.input is not None or args.recipient is not None:
            raise UsageError("--request gives the file's hash and the recipient: leave out INPUT and --recipient")
        request = _read_request(args.request)
        return _issue(args, context, request=request)
    if args.input is None:
        raise UsageError("approve needs INPUT, 'keygen' or --request (see 'exportguard approve --help')")
    return _issue(args, context)


def _read_request(given: str) -> ApprovalRequest:
    if given.strip().startswith(PREFIX):
        return ApprovalRequest.from_text(given)
    return read_request(Path(given))


def _keygen(args: argparse.Namespace, context: Any) -> int:
    if not args.out:
        raise UsageError("approve keygen needs --out KEYFILE")
    if args.recipient or args.rows is not None or args.signing_key or args.office or args.qr:
        raise UsageError("approve keygen takes only --out and --no-passphrase")
    passphrase = "" if args.no_passphrase else new_passphrase("signing key passphrase", SIGNING_ENV)
    key = generate_signing_key()
    out = Path(args.out)
    write_signing_key(key, out, passphrase)
    if context.json:
        emit_json({"signing_key": str(out), "protected": bool(passphrase), "approver": key.approver,
                   "public_key": key.public_hex})
    else:
        state = "protected by a passphrase" if passphrase else "NOT protected by a passphrase"
        print(f"Wrote the signing key {key.approver} to {out} ({state}); keep it at the security office.")
        print("Trust it in the organisation's policy:")
        print("  [export]")
        print(f'  approval_keys = ["{key.public_hex}"]')
    return 0


def _issue(args: argparse.Namespace, context: Any, *, request: ApprovalRequest | None = None) -> int:
    if request is not None:
        args.recipient = request.recipient
        args.rows = request.rows if args.rows is None else min(args.rows, request.rows)
    missing = [flag for flag, value in (("--recipient", args.recipient), ("--rows", args.rows)) if value is None]
    if args.signing_key is None and args.office is None:
        missing.append("--office")
    if args.signing_key is not None and args.office is not None:
        raise UsageError("give --office or --signing-key, not both")
    if missing:
        raise UsageError(f"approve needs {', '.join(missing)} (see 'exportguard approve --help')")
    if args.out or args.no_passphrase:
        raise UsageError("--out and --no-passphrase belong to 'approve keygen'")
    qr = Path(args.qr) if args.qr else None
    if qr is not None and qr.exists():  # before the code is issued and recorded
        raise OutputError(f"{qr.name} already exists")
    source = Path(args.input) if request is None else None
    if source is not None and not source.is_file():
        raise InputError(f"{source} not found or not a file")
    key = _signing_key(args)
    input_name, input_sha256 = _approved_file(source, request)
    recipient = Recipient.of(args.recipient)
    code = issue_approval(key, input_sha256, recipient, args.rows, valid_days=args.valid_days)
    approval = verify_approval(code, [key.public_hex], input_sha256, recipient)  # what the workstation sees
    workspace = Workspace(context.home)
    store = workspace.keystore
    ring, _ = workspace.open_keys(opening_passphrase(store))
    workspace.ledger(ring).append("approval", {
        "action": "issue",
        "approver": approval.approver,
        "input_name": input_name,
        "input_sha256": input_sha256,
        "request": None if request is None else {"user": request.user, "machine": request.machine,
                                                  "purpose": request.purpose, "requested": request.requested,
                                                  "selection": request.selection.to_dict()
                                                  if request.selection is not None else None},
        "recipient": approval.recipient,
        "rows": approval.rows,
        "issued": approval.as_dict()["issued"],
        "expires": approval.as_dict()["expires"],
        "code_sha256": hashlib.sha256(code.encode("ascii")).hexdigest(),
    })
    if qr is not None:
        write_qr(code, qr)
    if context.json:
        emit_json({"code": code, "input": str(source) if source is not None else input_name,
                   "input_sha256": input_sha256, **approval.as_dict(), "recipient": approval.recipient,
                   **({"selection": request.selection.to_dict()} if request and request.selection else {})})
    else:
        print(f"Approval for {input_name} -> {approval.recipient}, up to {approval.rows} rows, "
              f"valid until {approval.as_dict()['expires']} (signed by {approval.approver}):")
        if request is not None and request.selection is not None:
            print(f"  the employee asks to export {request.selection.describe()}")
        print(code)
    return 0


def _signing_key(args: argparse.Namespace) -> SigningKey:
    if args.office is not None:
        passphrase = keystore_passphrase("Signing key passphrase: ", env=SIGNING_ENV)
        return read_office_signing_key(Path(args.office), passphrase)
    key_path = Path(args.signing_key)
    passphrase = ""
    if signing_key_protected(key_path):
        passphrase = keystore_passphrase("Signing key passphrase: ", env=SIGNING_ENV)
    return read_signing_key(key_path, passphrase)


def _approved_file(source: Path | None, request: ApprovalRequest | None) -> tuple[str, str]:
    """The name and SHA-256 of what is approved: the file given, or the one the request describes."""
    if source is None:
        if request is None:
            raise UsageError("approve needs INPUT or --request")
        return request.input_name, request.input_sha256
    try:
        return source.name, file_sha256(source)
    except OSError:
        raise InputError(f"{source} cannot be read") from None
