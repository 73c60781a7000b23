"""``exportguard scan INPUT``: what is in a workbook, and what is sensitive in it."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from masking.cli.output import add_input_encoding, emit_json, format_table
from masking.detect import scan_workbook
from masking.grading import export_grade
from masking.io.atomic import atomic_output
from masking.io.reader import open_workbook
from masking.pipeline import risk_threshold
from masking.plan import build_plan
from masking.plurals import counted
from masking.policy import load_policy
from masking.risk.assess import assess


def register(commands: Any, json_flag: argparse.ArgumentParser) -> None:
    parser = commands.add_parser(
        "scan", parents=[json_flag], help="list sheets, header rows, row counts and sensitive columns"
    )
    parser.add_argument("input", metavar="INPUT", help="an .xlsx, .xlsm, .xlsb, .xls, .et, .ods or .csv file")
    parser.add_argument("--sheet", metavar="NAME", help="scan only this sheet")
    parser.add_argument("--policy", metavar="POLICY.toml", help="policy file (default: the organisation's)")
    parser.add_argument("--write-plan", metavar="PLAN.toml", help="also write an editable export plan")
    add_input_encoding(parser)
    parser.add_argument("--role", action="append", default=[], metavar="COLUMN=ROLE",
                        help="set a column's role for the risk: direct, quasi, sensitive or other")
    parser.set_defaults(handler=run_scan)


def _print_text(report: dict[str, Any]) -> None:
    encoding = report.get("encoding")
    decoded = f", {encoding['name']} ({encoding['evidence']})" if encoding else ""
    print(f"{report['input']}  ({report['format']}{decoded}, {counted(len(report['sheets']), 'sheet')})")
    for sheet in report["sheets"]:
        state = "  [hidden]" if sheet["hidden"] else ""
        header = f"header row {sheet['header_row']}" if sheet["header_row"] else "no header row"
        if sheet["title_rows"]:
            header += f" under {counted(sheet['title_rows'], 'title row')}, not exported"
        print(f"\nSheet {sheet['name']}{state}: {header}, {sheet['data_rows']} data rows")
        rows = [
            [c["letter"], c["header"] or "", c["kind"] or "-", f"{c['confidence']:.2f}", c["default_action"]]
            for c in sheet["columns"]
        ]
        print(format_table(["col", "header", "kind", "conf", "default action"], rows))
        risk = sheet.get("risk")
        if risk is not None:
            print(f"Re-identification risk with the default actions: k = {risk['k']} on "
                  f"{', '.join(risk['quasi_identifiers']) or 'no quasi-identifier'}; {risk['rows_below_k']} rows "
                  f"in groups smaller than {risk['threshold']}; prosecutor risk {risk['prosecutor_risk']:.3g}")
    if report["findings"]:
        print("\nPersonal data outside the grid (never copied into an export):")
        for finding in report["findings"]:
            print(f"  {finding['location']}: {finding['kind']} ({finding['detail']})")


def run_scan(args: argparse.Namespace, context: Any) -> int:
    path = Path(args.input)
    policy = load_policy(Path(args.policy) if args.policy else None, context.home)
    with open_workbook(path, encoding=args.input_encoding) as workbook:
        sheets = (workbook.sheet(args.sheet).name,) if args.sheet else None
        report = scan_workbook(workbook, path=path, sheets=sheets)
        # the risk of an export with the default actions, every scanned sheet included, over the full file
        measured = build_plan(report, policy, include_hidden=True, roles=tuple(args.role))
        risk = assess(workbook, measured, risk_threshold(measured, policy))
    if args.write_plan:
        plan = build_plan(report, policy, roles=tuple(args.role))
        with atomic_output(Path(args.write_plan)) as temp:
            temp.write_text(plan.to_toml(), encoding="utf-8")
    payload = {"input": str(path), **report.as_dict(policy)}
    by_name = {s.name: s for s in risk.sheets}
    for sheet in payload["sheets"]:
        found = by_name.get(sheet["name"])
        sheet["risk"] = found.as_dict() if found is not None else None
        sheet["roles"] = [c.as_dict() for c in found.columns] if found is not None else []
    payload["grade"] = export_grade(measured.columns(), policy.levels)
    if context.json:
        emit_json(payload)
    else:
        _print_text(payload)
        if args.write_plan:
            print(f"\nWrote the plan to {args.write_plan}: edit it, then export with --plan.")
    return 0
