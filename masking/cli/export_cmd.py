"""``exportguard export INPUT``: the protected, watermarked, recorded copy of a customer file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from masking.cli.output import add_input_encoding, emit_json
from masking.cli.progress import ProgressLine
from masking.cli.secrets import opening_passphrase
from masking.errors import PolicyError
from masking.pipeline import ExportRequest, prepare_export, run_export
from masking.risk.record import DeidentificationRecord
from masking.row_selection import RowSelection
from masking.workspace import Workspace


def register(commands: Any, json_flag: argparse.ArgumentParser) -> None:
    parser = commands.add_parser("export", parents=[json_flag], help="write a protected, watermarked copy")
    parser.add_argument("input", metavar="INPUT", help="an .xlsx, .xlsm, .xlsb, .xls, .et, .ods or .csv file")
    parser.add_argument("--recipient", default="", metavar="NAME", help="who receives the file")
    parser.add_argument("--purpose", default="", metavar="TEXT", help="why the file is sent")
    parser.add_argument("--out", metavar="PATH", help="output file (default: beside the input)")
    parser.add_argument("--format", choices=["xlsx", "csv"], help="output format (default: the input's)")
    parser.add_argument("--csv-encoding", choices=["utf-8-sig", "gb18030"], default="utf-8-sig",
                        help="csv output encoding (default: UTF-8 with BOM, which Excel reads)")
    parser.add_argument("--action", action="append", default=[], metavar="COLUMN=ACTION",
                        help="override a column's action (COLUMN: header text or letter, optionally Sheet!)")
    parser.add_argument("--plan", metavar="PLAN.toml", help="a plan file from 'scan --write-plan'")
    parser.add_argument("--policy", metavar="POLICY.toml", help="policy file (default: the organisation's)")
    parser.add_argument("--include-hidden", action="store_true", help="also export hidden sheets")
    parser.add_argument("--force", action="store_true", help="overwrite an existing output file")
    parser.add_argument("--quiet", action="store_true", help="print nothing on success (but the --password)")
    parser.add_argument("--approval", metavar="CODE", help="the security office's approval code for a bulk export")
    parser.add_argument("--role", action="append", default=[], metavar="COLUMN=ROLE",
                        help="set a column's role for the risk: direct, quasi, sensitive or other")
    parser.add_argument("--generalize-to-k", action="store_true",
                        help="coarsen the quasi-identifiers (and leave out the rare rows) until the policy's "
                             "minimum k is reached")
    parser.add_argument("--rows", metavar="FIRST-LAST",
                        help="export only data rows FIRST to LAST of each sheet (1 = the first row under the header; "
                             "FIRST- runs to the end)")
    parser.add_argument("--where", metavar="COLUMN=VALUE",
                        help="export only the rows whose COLUMN (header text or letter) equals VALUE; COLUMN~TEXT: "
                             "contains TEXT (case ignored)")
    parser.add_argument("--password", action="store_true",
                        help="encrypt the xlsx output under a generated password, shown once and never stored")
    add_input_encoding(parser)
    parser.set_defaults(handler=run_export_command)


def run_export_command(args: argparse.Namespace, context: Any) -> int:
    request = ExportRequest(
        input=Path(args.input),
        recipient=args.recipient,
        purpose=args.purpose,
        output=Path(args.out) if args.out else None,
        format=args.format,
        choices=tuple(args.action),
        plan_file=Path(args.plan) if args.plan else None,
        policy_file=Path(args.policy) if args.policy else None,
        overwrite=args.force,
        csv_encoding=args.csv_encoding,
        include_hidden=args.include_hidden,
        approval=args.approval,
        password=args.password,
        input_encoding=args.input_encoding,
        roles=tuple(args.role),
        generalize_to_k=args.generalize_to_k,
        rows=RowSelection.parse(args.rows, args.where),
    )
    workspace = Workspace(context.home)
    prepared = prepare_export(request, context.home)
    store = workspace.keystore
    ring, created = workspace.open_keys(opening_passphrase(store))
    if created and not args.quiet:
        state = "passphrase-protected" if store.protected else "NOT passphrase-protected"
        print(f"exportguard: created a new keystore at {store.path} ({state}): an unmanaged demo home; in an "
              "organisation import its key bundle instead ('exportguard keys import-bundle')", file=sys.stderr)
    progress = ProgressLine(enabled=None if not (args.quiet or context.json) else False)
    try:
        result = run_export(prepared, ring, workspace.ledger(ring), progress=progress)  # records a refusal too
    except PolicyError:
        if prepared.verdict.ok:
            raise
        for violation in prepared.verdict.violations[1:]:
            print(f"exportguard: also: {violation}", file=sys.stderr)
        raise PolicyError(f"refused by policy: {prepared.verdict.violations[0].text}",
                          prepared.verdict.violations) from None
    finally:
        progress.close()
    if context.json:
        emit_json(result.as_dict())
    elif result.password is not None and args.quiet:
        print(f"Password (shown once, not stored anywhere): {result.password}")
    elif not args.quiet:
        print(f"Exported {result.rows} rows to {result.output}  (export id {result.export_id})")
        if result.selection is not None:
            print(f"  rows chosen: {result.selection.describe()}")
        for column in result.columns:
            kind = column.kind or "-"
            print(f"  {column.sheet}!{column.header or '?'}: {kind} -> {column.action}")
        for warning in (*result.verdict.warnings, *result.warnings):
            print(f"  note: {warning}")
        _print_risk(result.deidentification)
        if result.password is not None:
            print(f"Password (shown once, not stored anywhere; send it by another channel): {result.password}")
    return 0


def _print_risk(record: DeidentificationRecord | None) -> None:
    if record is None:
        return
    for column, before, after in record.generalized:
        print(f"  generalized: {column}: {before} -> {after}")
    for sheet in record.sheets:
        print(f"  risk {sheet.name}: k = {sheet.k} on {', '.join(sheet.quasi_identifiers) or 'no quasi-identifier'}"
              f" (grade {record.grade}); prosecutor risk {sheet.prosecutor_risk:.3g}"
              + (f"; {sheet.suppressed_rows} rare rows left out" if sheet.suppressed_rows else ""))
