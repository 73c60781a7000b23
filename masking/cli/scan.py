"""``exportguard scan INPUT``: what is in a workbook, and what is sensitive in it."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from masking.cli.output import emit_json, format_table
from masking.io.reader import open_workbook


def register(commands: Any, json_flag: argparse.ArgumentParser) -> None:
    parser = commands.add_parser(
        "scan", parents=[json_flag], help="list sheets, header rows, row counts and sensitive columns"
    )
    parser.add_argument("input", metavar="INPUT", help="an .xlsx, .xlsm or .csv file")
    parser.add_argument("--sheet", metavar="NAME", help="scan only this sheet")
    parser.set_defaults(handler=run_scan)


def column_letter(index: int) -> str:
    """Excel column letters for a 0-based column index (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def scan_report(path: Path, sheet: str | None = None) -> dict[str, Any]:
    with open_workbook(path) as workbook:
        sheets = [workbook.sheet(sheet)] if sheet else list(workbook.sheets)
        out_sheets = []
        for info in sheets:
            table = workbook.table(info.name)
            columns = [
                {
                    "index": i,
                    "letter": column_letter(i),
                    "header": header,
                    "kind": None,
                    "confidence": 0.0,
                    "default_action": "keep",
                }
                for i, header in enumerate(table.headers)
            ]
            out_sheets.append(
                {
                    "name": info.name,
                    "hidden": info.hidden,
                    "visibility": str(info.visibility),
                    "header_row": table.header_row,
                    "data_rows": workbook.count_rows(info.name),
                    "columns": columns,
                }
            )
        return {"input": str(path), "format": workbook.format, "sheets": out_sheets, "findings": []}


def _print_text(report: dict[str, Any]) -> None:
    print(f"{report['input']}  ({report['format']}, {len(report['sheets'])} sheet(s))")
    for sheet in report["sheets"]:
        state = "" if not sheet["hidden"] else f"  [{sheet['visibility']}]"
        header = f"header row {sheet['header_row']}" if sheet["header_row"] else "no header row"
        print(f"\nSheet {sheet['name']}{state}: {header}, {sheet['data_rows']} data rows")
        rows = [
            [c["letter"], c["header"] or "", c["kind"] or "-", f"{c['confidence']:.2f}", c["default_action"]]
            for c in sheet["columns"]
        ]
        print(format_table(["col", "header", "kind", "conf", "default action"], rows))
    if report["findings"]:
        print("\nOutside the grid:")
        for finding in report["findings"]:
            print(f"  {finding['location']}: {finding['kind']} ({finding['detail']})")


def run_scan(args: argparse.Namespace, context: Any) -> int:
    report = scan_report(Path(args.input), args.sheet)
    if context.json:
        emit_json(report)
    else:
        _print_text(report)
    return 0
