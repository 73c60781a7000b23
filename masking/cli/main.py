"""Argument parsing, dispatch, and the one place where errors become exit codes."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from masking import __version__
from masking.cli.output import emit_json, tolerate_narrow_consoles
from masking.errors import ExportGuardError, PolicyError, UsageError
from masking.home import resolve_home
from masking.transform_worker import FROZEN_FLAG
from masking.transform_worker import main as worker_main


@dataclass(frozen=True)
class Context:
    """What every command receives besides its own arguments."""

    home: Path
    debug: bool
    json: bool


Command = Callable[[argparse.Namespace, Context], int]


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (exit 2) instead of a usage dump."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see '{self.prog} --help')")


def _json_flag() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--json", action="store_true", help="print exactly one JSON object on stdout")
    return parent


def build_parser() -> argparse.ArgumentParser:
    from masking.cli import (
        approve_cmd,
        audit_cmd,
        decrypt_cmd,
        export_cmd,
        gui_cmd,
        keys_cmd,
        office_cmd,
        policy_cmd,
        scan,
        server_cmd,
        service_cmd,
        trace_cmd,
    )

    parser = _Parser(
        prog="exportguard",
        description="ExportGuard (数据外发卫士): protect, watermark and audit customer spreadsheets "
        "before they leave the building.",
    )
    parser.add_argument("--home", metavar="DIR", help="home folder (keystore, ledger, settings); "
                        "default $EXPORTGUARD_HOME or the user data folder")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    parser.add_argument("--version", action="version", version=f"exportguard {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    json_flag = _json_flag()
    scan.register(commands, json_flag)
    export_cmd.register(commands, json_flag)
    approve_cmd.register(commands, json_flag)
    decrypt_cmd.register(commands, json_flag)
    keys_cmd.register(commands, json_flag)
    audit_cmd.register(commands, json_flag)
    gui_cmd.register(commands, json_flag)
    trace_cmd.register(commands, json_flag)
    service_cmd.register(commands, json_flag)
    server_cmd.register(commands, json_flag)
    office_cmd.register(commands, json_flag)
    policy_cmd.register(commands, json_flag)
    return parser


def _wants_json(argv: Sequence[str]) -> bool:
    return "--json" in argv


def _fail(error: ExportGuardError | Exception, code: int, as_json: bool) -> int:
    message = str(error).splitlines()[0] if str(error) else type(error).__name__
    print(f"exportguard: error: {message}", file=sys.stderr)
    if as_json:
        payload: dict[str, object] = {"exit_code": code, "message": message}
        if isinstance(error, PolicyError):
            payload["violations"] = [v.text for v in error.violations]
            payload["violation_codes"] = [v.to_dict() for v in error.violations]
        emit_json({"error": payload})
    return code


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP arrived (``timeout``, a logout, a service manager): unwound like Ctrl-C, so
    every ``finally`` and ``except BaseException`` removes temporary output on the way out."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _raise_terminated(signum: int, frame: object) -> None:
    raise Terminated(signum)


_ENDING_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


@contextlib.contextmanager
def _ending_signals_unwind() -> Iterator[None]:
    """While a command runs, SIGTERM and SIGHUP raise ``Terminated`` (main thread only: Python
    delivers signals there); the previous handlers come back afterwards."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {signum: signal.signal(signum, _raise_terminated) for signum in _ENDING_SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _stdout_closed() -> int:
    """The reader of stdout went away (``scan --json | head``): end quietly, as ``cat`` would.

    Later writes (and the interpreter's final flush) go to the null device instead of raising."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    return 128 + 13  # what a shell reports for a process ended by SIGPIPE


def run(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (never raises for expected failures)."""
    tolerate_narrow_consoles()
    with _ending_signals_unwind():
        return _run(argv)


def _run(argv: Sequence[str] | None) -> int:  # noqa: PLR0911 - one return per way a command ends (the exit-code table)
    args_list = list(sys.argv[1:] if argv is None else argv)
    as_json = _wants_json(args_list)
    debug = "--debug" in args_list
    try:
        parser = build_parser()
        args = parser.parse_args(args_list)
        if args.command is None:
            parser.print_help(sys.stderr)
            return 2
        context = Context(home=resolve_home(args.home), debug=args.debug, json=getattr(args, "json", False))
        handler: Command = args.handler
        code = handler(args, context)
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        return _stdout_closed()
    except ExportGuardError as error:
        if debug:
            traceback.print_exc()
        return _fail(error, error.exit_code, as_json)
    except Terminated as ended:
        name = signal.Signals(ended.signum).name
        print(f"exportguard: stopped by {name}; nothing was written", file=sys.stderr)
        return 128 + ended.signum
    except KeyboardInterrupt:
        print("exportguard: interrupted; nothing was written", file=sys.stderr)
        return 130
    except Exception as error:  # the last resort: an internal error is still one line
        if debug:
            traceback.print_exc()
        return _fail(
            RuntimeError(f"internal error ({type(error).__name__}); run again with --debug for details"),
            1,
            as_json,
        )


def main() -> NoReturn:
    if sys.argv[1:] == [FROZEN_FLAG]:  # a frozen app's export worker (masking.transform_worker.command)
        worker_main()
        sys.exit(0)
    code = run()
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        code = _stdout_closed()
    sys.exit(code)
