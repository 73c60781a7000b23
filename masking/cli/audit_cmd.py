"""``exportguard audit ...``: read, verify, export and import the audit ledger; ``audit list --server URL``
reads the security office's trail of every workstation instead, a page at a time (``--before``)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from masking.cli.output import emit_json, format_table
from masking.cli.secrets import add_service_arguments, opening_passphrase, service_access
from masking.errors import IntegrityProblem, KeyProblem, UsageError
from masking.events import Event
from masking.evidence.trail import TRAIL_LIMIT, office_trail
from masking.ledger import Ledger, LedgerEntry, VerifyReport
from masking.plurals import counted
from masking.workspace import Workspace


def register(commands: Any, json_flag: argparse.ArgumentParser) -> None:
    audit = commands.add_parser("audit", help="list, verify, export or import the audit ledger")
    actions = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    listing = actions.add_parser("list", parents=[json_flag], help="every recorded export and event")
    listing.add_argument("--event", choices=[e.value for e in Event], help="only this kind")
    add_service_arguments(listing, "the security office's trail of every workstation, at its service, newest "
                          "first", "an auditor's, investigator's or admin's")
    listing.add_argument("--employee", metavar="NAME", help="with --server: only this employee's records")
    listing.add_argument("--workstation", metavar="NAME", help="with --server: only this workstation's records")
    listing.add_argument("--limit", type=int, default=None, metavar="N",
                         help=f"with --server: at most N records a page (1-{TRAIL_LIMIT:,}, default {TRAIL_LIMIT:,})")
    listing.add_argument("--before", type=int, default=None, metavar="CURSOR",
                         help="with --server: the next older page (the cursor an earlier page ended with)")
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
    ring, _ = workspace.open_keys(opening_passphrase(workspace.keystore))
    return workspace.ledger(ring)


def _ledger(context: Any) -> Ledger | None:
    """The ledger, or None when this home has no keystore yet and so no records: reading the
    ledger must not create keys as a side effect."""
    return _open_ledger(context) if Workspace(context.home).keystore.exists() else None


_LIST_FIELDS = ("export_id", "user", "machine", "recipient", "purpose", "rows", "input_sha256", "output_sha256")


_SERVICE_ONLY = ("employee", "workstation", "limit", "before", "token", "ca_file")


def _record(entry: LedgerEntry) -> dict[str, Any]:
    return {"seq": entry.seq, "workstation": entry.workstation, "event": entry.event, "time": entry.time,
            "key_id": entry.key_id, **{name: entry.body.get(name) for name in _LIST_FIELDS},
            "details": dict(entry.body)}


def _list(args: argparse.Namespace, context: Any) -> int:
    if args.server:
        return _list_office(args, context)
    given = [name for name in _SERVICE_ONLY if getattr(args, name) is not None]
    if given:
        raise UsageError(f"--{given[0].replace('_', '-')} goes with --server")
    ledger = _ledger(context)
    records = [_record(e) for e in (ledger.entries(args.event) if ledger else [])]
    if context.json:
        emit_json({"entries": records})
        return 0
    if not records:
        print("The audit ledger is empty.")
        return 0
    _print_records(records)
    return 0


def _list_office(args: argparse.Namespace, context: Any) -> int:
    """The office's trail: ``entries`` as the local list's (``workstation`` is the office's name for it, with
    ``flag``), ``older``: the ``--before`` of the next older page (null: none is older)."""
    limit = TRAIL_LIMIT if args.limit is None else args.limit
    if not 1 <= limit <= TRAIL_LIMIT:
        raise UsageError(f"--limit is 1 to {TRAIL_LIMIT:,}")
    access = service_access(args, "reading the office's trail needs an auditor's, investigator's or admin's token")
    page = office_trail(access, event=args.event, employee=args.employee, workstation=args.workstation, limit=limit,
                        before=args.before)
    flags = {(p.workstation, p.seq): p.problem for p in page.problems}
    records = [{**_record(e), "flag": flags.get((e.workstation, e.seq))} for e in page.entries]
    if context.json:
        emit_json({"server": page.url, "entries": records, "older": page.older})
        return 0
    if records:
        _print_records(records, office=True)
    else:
        print("The office's trail holds no such record.")
    if page.older is not None:
        print(f"Older records: add --before {page.older}")
    return 0


def _print_records(records: list[dict[str, Any]], *, office: bool = False) -> None:
    """The records as a table; the office's trail names each record's workstation and its flag."""
    headers = ["seq", "time (UTC)", "event", "export id", "user", "recipient", "rows"]
    rows = [[str(r["seq"]), str(r["time"]), str(r["event"]), str(r["export_id"] or "-"), str(r["user"] or "-"),
             str(r["recipient"] or "-"), str(r["rows"] if r["rows"] is not None else "-")] for r in records]
    if office:
        headers = ["workstation", *headers, "flagged"]
        rows = [[str(r["workstation"]), *row, str(r["flag"] or "-")] for r, row in zip(records, rows, strict=True)]
    print(format_table(headers, rows, indent=""))


def _verify(args: argparse.Namespace, context: Any) -> int:
    ledger = _ledger(context)
    report = ledger.verify() if ledger else VerifyReport(True, 0, ())
    problems = [{"seq": p.seq, "workstation": p.workstation, "problem": p.problem} for p in report.problems]
    if context.json:
        emit_json({"ok": report.ok, "entries": report.entries, "problems": problems})
    elif report.ok:
        print(f"OK: all {counted(report.entries, 'record')} are intact and authenticated."
              if report.entries != 1 else "OK: the 1 record is intact and authenticated.")
    else:
        print(f"TAMPERED: {counted(len(problems), 'problem')} in {counted(report.entries, 'record')}:")
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
        print(f"Wrote {counted(count, 'record')} to {args.out}.")
    return 0


def _import(args: argparse.Namespace, context: Any) -> int:
    result = _open_ledger(context).import_records(Path(args.file))
    if context.json:
        emit_json({"added": result.added, "already_present": result.already_present,
                   "workstations": list(result.workstations)})
    else:
        print(f"Imported {counted(result.added, 'record')} ({result.already_present} already present) "
              f"from {', '.join(result.workstations) or 'no workstation'}.")
    return 0
