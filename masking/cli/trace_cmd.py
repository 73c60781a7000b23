"""``exportguard trace LEAKED``: which export a leaked fragment came from, with the evidence per layer."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from masking.cli.output import emit_json
from masking.cli.secrets import keystore_passphrase
from masking.errors import InputError, KeyProblem
from masking.watermark.trace import TraceReport, trace_file
from masking.workspace import Workspace


def register(commands: Any, json_flag: argparse.ArgumentParser) -> None:
    parser = commands.add_parser("trace", parents=[json_flag],
                                 help="find the export a leaked file or pasted fragment came from")
    parser.add_argument("leaked", metavar="LEAKED",
                        help="an .xlsx, .csv or .txt file, or '-' for text pasted on stdin")
    parser.set_defaults(handler=run_trace_command)


def run_trace_command(args: argparse.Namespace, context: Any) -> int:
    workspace = Workspace(context.home)
    if not workspace.keystore.exists():
        raise KeyProblem(f"no keystore in {context.home}: trace needs the keys the exports were made with")
    ring, _ = workspace.keystore.open_or_create(keystore_passphrase(needed=True))
    source: Path | str
    if args.leaked == "-":
        raw = sys.stdin.buffer.read()
        try:
            source = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            source = raw.decode("gb18030", errors="replace")
        if not source.strip():
            raise InputError("nothing was pasted on stdin")
    else:
        source = Path(args.leaked)
        if not source.exists():
            raise InputError(f"{source}: no such file")
    report = trace_file(source, context.home, ring)
    if context.json:
        emit_json(report.as_dict())
    else:
        _print(report)
    return 0


def _print(report: TraceReport) -> None:
    print(f"{report.rows} fragment row(s) read; {report.exports_tested} export(s) in the ledger tested")
    if report.verdict:
        v = report.verdict
        print(f"Verdict: export {v.export_id} to {v.recipient} (false-attribution probability "
              f"<= {_probability(1 - v.confidence)})")
    else:
        print("Verdict: no one is named; the evidence is too weak.")
        if report.rows_needed:
            print(f"  About {report.rows_needed} more row(s) from the same source would likely be needed.")
    for candidate in report.candidates:
        flag = "NAMED" if candidate.named else "     "
        p = "-" if candidate.p_value is None else _probability(candidate.p_value)
        print(f"{flag} {candidate.export_id}  {candidate.recipient}  {candidate.time}  "
              f"score {candidate.score:.1f}  p {p}")
        for evidence in candidate.evidence:
            print(f"        {evidence.layer}: {evidence.detail}")
    for note in report.notes:
        print(f"  note: {note}")


def _probability(value: float) -> str:
    """A bound as people read it: below what double precision can tell apart, say so."""
    return "1e-12" if value < 1e-12 else f"{value:.2g}"
