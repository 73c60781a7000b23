"""``exportguard enroll`` and ``exportguard sync``: this workstation and the office's evidence service."""

from __future__ import annotations

import argparse
from typing import Any

from masking.cli.output import emit_json
from masking.cli.secrets import opening_passphrase
from masking.errors import UsageError
from masking.evidence.sync import enroll, sync
from masking.plurals import counted
from masking.workspace import Workspace


def register(commands: Any, json_flag: argparse.ArgumentParser) -> None:
    parser = commands.add_parser("enroll", parents=[json_flag],
                                 help="join the security office's evidence service with a one-time code")
    parser.add_argument("server", metavar="SERVER_URL")
    parser.add_argument("code", metavar="CODE")
    parser.add_argument("--ca-file", metavar="FILE", help="the CA certificate of the office's service (https)")
    parser.set_defaults(handler=_enroll)
    parser = commands.add_parser("sync", parents=[json_flag],
                                 help="send the records the office's service has not received yet")
    parser.set_defaults(handler=_sync)


def _open(context: Any) -> tuple[Workspace, Any]:
    workspace = Workspace(context.home)
    store = workspace.keystore
    ring, _ = store.open_or_create(opening_passphrase(store))
    return workspace, ring


def _enroll(args: argparse.Namespace, context: Any) -> int:
    workspace, ring = _open(context)
    link, result = enroll(context.home, ring, workspace.ledger(ring), args.server, args.code, ca_file=args.ca_file)
    if context.json:
        emit_json({"server": link.url, "workstation": link.name, "workstation_id": link.workstation_id,
                   "uploaded": result.sent, "flagged": list(result.flagged)})
    else:
        print(f"Enrolled as {link.name} with {link.url}; {counted(result.sent, 'existing record')} uploaded.")
    return 0


def _sync(args: argparse.Namespace, context: Any) -> int:
    workspace, ring = _open(context)
    result = sync(context.home, ring, workspace.ledger(ring))
    if result is None:
        raise UsageError("this workstation is not enrolled with a service; run 'exportguard enroll SERVER_URL CODE'")
    if context.json:
        emit_json(result.as_dict())
    else:
        print(f"Sent {counted(result.sent, 'record')} to {result.url}; nothing is queued.")
        for item in result.flagged:
            print(f"  note: the service flagged record {item.get('seq')}: {item.get('problem')}")
    return 0
