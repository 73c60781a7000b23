"""``exportguard gui [INPUT]``: start the desktop app (Qt is loaded only here, on demand)."""

from __future__ import annotations

import argparse
from typing import Any


def register(commands: Any, json_flag: argparse.ArgumentParser) -> None:
    parser = commands.add_parser("gui", help="open the desktop app")
    parser.add_argument("input", nargs="?", metavar="INPUT", help="a file to open")
    parser.set_defaults(handler=_run_gui)


def _run_gui(args: argparse.Namespace, context: Any) -> int:
    from desktop.app import main as gui_main

    argv = ["--home", str(context.home)]
    if args.input:
        argv.append(args.input)
    return gui_main(argv)
