"""``exportguard audit ...``: read, verify, export and import the audit ledger."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from masking.cli.output import emit_json, format_table
from masking.cli.secrets import keystore_passphrase
from masking.errors import IntegrityProblem, KeyProblem
from masking.events import Event
from masking.ledger import Ledger, VerifyReport
from masking.workspace import Workspace


def register(commands: Any, json_flag: argparse.ArgumentParser) -> None:
    audit = commands.add_parser("audit", help="list, verify, export or import the audit ledger")
    actions = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    listing = actions.add_parser("list", parents=[json_flag], help="every recorded export and event")
    listing.add_argument("--event", choices=[e.value for e in Event], help="only this kind")
    listing.set_defaults(handler=_list)
    actions.add_parser("verify", parents=[json_flag], help="check the hash chain and MAC of every record"
                       ).set_defaults(handler=_verify)
    export = actions.add_parser("export", parents=[json_flag], help="write the records for the central ledger")
    export.add_argument("--out", required=True, metavar="FILE")
    export.set_defaults(handler=_export)
    imp = actions.add_parser("import", parents=[json_flag], help="add a workstation's exported records")
    imp.add_argument("file", metavar="FILE")
    imp.set_defaults(handler=_import)


def _open_ledger(context: Any) -> Ledger:
    """The ledger, unlocked with the keystore (created first if this home has none)."""
    workspace = Workspace(context.home)
    ring, _ = workspace.open_keys(keystore_passphrase(needed=workspace.keystore.exists()))
    return workspace.ledger(ring)


def _ledger(context: Any) -> Ledger | None:
    """The ledger, or None when this home has no keystore yet and so no records: reading the
    ledger must not create keys as a side effect."""
    return _open_ledger(context) if Workspace(context.home).keystore.exists() else None


_LIST_FIELDS = ("export_id", "user", "machine", "recipient", "purpose", "rows", "input_sha256", "output_sha256")


def _list(args: argparse.Namespace, context: Any) -> int:
    ledger = _ledger(context)
    entries = ledger.entries(args.event) if ledger else []
    records = [
        {"seq": e.seq, "workstation": e.workstation, "event": e.event, "time": e.time, "key_id": e.key_id,
         **{name: e.body.get(name) for name in _LIST_FIELDS}, "details": dict(e.body)}
        for e in entries
    ]
    if context.json:
        emit_json({"entries": records})
        return 0
    if not records:
        print("The audit ledger is empty.")
        return 0
    rows = [[str(r["seq"]), str(r["time"]), str(r["event"]), str(r["export_id"] or "-"), str(r["user"] or "-"),
             str(r["recipient"] or "-"), str(r["rows"] if r["rows"] is not None else "-")] for r in records]
    print(format_table(["seq", "time (UTC)", "event", "export id", "user", "recipient", "rows"], rows, indent=""))
    return 0


def _verify(args: argparse.Namespace, context: Any) -> int:
    ledger = _ledger(context)
    report = ledger.verify() if ledger else VerifyReport(True, 0, ())
    problems = [{"seq": p.seq, "workstation": p.workstation, "problem": p.problem} for p in report.problems]
    if context.json:
        emit_json({"ok": report.ok, "entries": report.entries, "problems": problems})
    elif report.ok:
        print(f"OK: all {report.entries} record(s) are intact and authenticated.")
    else:
        print(f"TAMPERED: {len(problems)} problem(s) in {report.entries} record(s):")
        for p in problems:
            print(f"  record {p['seq']} ({p['workstation']}): {p['problem']}")
    return 0 if report.ok else IntegrityProblem.exit_code


def _export(args: argparse.Namespace, context: Any) -> int:
    ledger = _ledger(context)
    if ledger is None:
        raise KeyProblem(f"no keystore in {context.home}: nothing has been recorded here")
    count = ledger.export_records(Path(args.out))
    if context.json:
        emit_json({"output": args.out, "entries": count})
    else:
        print(f"Wrote {count} record(s) to {args.out}.")
    return 0


def _import(args: argparse.Namespace, context: Any) -> int:
    result = _open_ledger(context).import_records(Path(args.file))
    if context.json:
        emit_json({"added": result.added, "already_present": result.already_present,
                   "workstations": list(result.workstations)})
    else:
        print(f"Imported {result.added} record(s) ({result.already_present} already present) "
              f"from {', '.join(result.workstations) or 'no workstation'}.")
    return 0
