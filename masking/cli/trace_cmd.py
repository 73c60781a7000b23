"""``exportguard trace LEAKED``: which export a leaked fragment came from, with the evidence per layer."""

from __future__ import annotations

import argparse
import locale
import os
import sys
from pathlib import Path
from typing import Any

from masking.cli.output import add_input_encoding, emit_json
from masking.cli.secrets import add_service_arguments, keystore_passphrase, service_access
from masking.errors import InputError, KeyProblem
from masking.events import current_user
from masking.io.text_encoding import decode_whole
from masking.languages import CHINESE, ENGLISH, LANGUAGES, Language
from masking.plurals import counted
from masking.workspace import Workspace


def register(commands: Any, json_flag: argparse.ArgumentParser) -> None:
    parser = commands.add_parser("trace", parents=[json_flag],
                                 help="find the export a leaked file or pasted fragment came from")
    parser.add_argument("leaked", metavar="LEAKED",
                        help="an .xlsx, .csv or .txt file, or '-' for text pasted on stdin")
    parser.add_argument("--report", metavar="FILE", help="also write a report to file: FILE.pdf (A4) or FILE.html")
    parser.add_argument("--investigator", metavar="NAME", default=None,
                        help="who investigates, named in the report (default: your login name)")
    parser.add_argument("--language", choices=LANGUAGES, default=None,
                        help="the report's language (default: Chinese when the system's locale is Chinese)")
    parser.add_argument("--force", action="store_true", help="replace an existing report file")
    add_service_arguments(parser, "trace across the organisation at the office's service", "an investigator's")
    add_input_encoding(parser)
    parser.set_defaults(handler=run_trace_command)


def run_trace_command(args: argparse.Namespace, context: Any) -> int:
    # imported here, not with the module: every command's start-up (an export's too) builds this parser
    from masking.evidence.remote_trace import investigate_at_service, service_recorder
    from masking.investigation import file_report, investigate, ledger_recorder
    from masking.report import report_format

    report_path = Path(args.report) if args.report else None
    if report_path is not None:
        report_format(report_path)  # a wrong suffix is a usage error before any work
    source = _source(args.leaked, args.input_encoding)
    if args.server:
        access = service_access(args, "tracing at the service needs an investigator's token")
        investigation = investigate_at_service(source, access, encoding=args.input_encoding)
        record = service_recorder(access)  # the service recorded the trace; it keeps the report's record too
    else:
        workspace = Workspace(context.home)
        if not workspace.keystore.exists():
            raise KeyProblem(f"no keystore in {context.home}: trace needs the keys the exports were made with")
        ring, _ = workspace.open_keys(keystore_passphrase(needed=True))
        investigation = investigate(source, context.home, ring, encoding=args.input_encoding)
        record = ledger_recorder(context.home, ring)
    saved = None
    if report_path is not None:
        investigator = args.investigator if args.investigator is not None else current_user()
        saved = file_report(investigation, report_path, record, investigator=investigator,
                            language=args.language or system_language(), overwrite=args.force)
    payload = investigation.report.as_dict()
    payload["leaked_sha256"] = investigation.source.sha256
    if investigation.service is not None:
        payload["service"] = investigation.service
    if context.json:
        if saved is not None:
            payload["report"] = {"path": str(report_path), "format": saved.format, "sha256": saved.report_sha256,
                                 "investigator": saved.investigator}
        emit_json(payload)
    else:
        _print(payload)
        if saved is not None:
            print(f"Report written to {report_path} ({saved.format.upper()}, SHA-256 {saved.report_sha256})")
    return 0


def system_language() -> Language:
    """Chinese when the locale the user runs under is Chinese (LC_ALL, LC_MESSAGES, LANG; Windows' UI
    language), else English."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        if value:
            return CHINESE if value.lower().startswith("zh") else ENGLISH
    code = locale.getlocale()[0] or ""
    return CHINESE if code.lower().startswith(("zh", "chinese")) else ENGLISH


def _print(report: dict[str, Any]) -> None:
    """The ``--json`` object as people read it: the same for a local trace and one at the service."""
    where = f" at {report['service']}" if report.get("service") else ""
    print(f"{counted(report['rows'], 'fragment row')} read; "
          f"{counted(report['exports_tested'], 'export')} tested{where}")
    verdict = report["verdict"]
    if verdict:
        print(f"Verdict: export {verdict['export_id']} to {verdict['recipient']} (false-attribution probability "
              f"<= {_probability(1 - verdict['confidence'])})")
    else:
        print("Verdict: no one is named; the evidence is too weak.")
        if report.get("rows_needed"):
            print(f"  About {counted(report['rows_needed'], 'more row')} from the same source would likely be needed.")
    for candidate in report["candidates"]:
        flag = "NAMED" if candidate["named"] else "     "
        p = "-" if candidate["p_value"] is None else _probability(candidate["p_value"])
        where = f"  {candidate['workstation']} ({candidate['user']})" if candidate.get("workstation") else ""
        print(f"{flag} {candidate['export_id']}  {candidate['recipient']}{where}  {candidate['time']}  "
              f"score {candidate['score']:.1f}  p {p}")
        for evidence in candidate["evidence"]:
            print(f"        {evidence['layer']}: {evidence['detail']}")
    for note in report.get("notes", []):
        print(f"  note: {note}")


def _probability(value: float) -> str:
    """A bound as people read it: below what double precision can tell apart, say so."""
    return "1e-12" if value < 1e-12 else f"{value:.2g}"


def _source(leaked: str, encoding: str | None) -> Path | str:
    """LEAKED as given: a file that exists, or the text pasted on stdin for '-' (in ``encoding``, or
    the one its bytes show)."""
    source: Path | str
    if leaked == "-":
        source = decode_whole(sys.stdin.buffer.read(), encoding, "stdin")
        if not source.strip():
            raise InputError("nothing was pasted on stdin")
    else:
        source = Path(leaked)
        if not source.exists():
            raise InputError(f"{source}: no such file")
    return source
