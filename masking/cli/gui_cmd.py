"""``exportguard gui [INPUT]``: start the desktop app.

The core never imports the desktop package (tests/test_import_contracts.py): the app is found at run
time through the installed ``exportguard-gui`` entry point, the same one the gui-script starts, and
Qt is loaded only then.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any, cast

from masking.errors import UsageError

GUI_ENTRY_POINT = "exportguard-gui"


def register(commands: Any, json_flag: argparse.ArgumentParser) -> None:
    parser = commands.add_parser("gui", help="open the desktop app")
    parser.add_argument("input", nargs="?", metavar="INPUT", help="a file to open")
    parser.set_defaults(handler=_run_gui)


def desktop_main() -> Callable[[list[str]], int]:
    """The desktop app's ``main(argv)``, looked up through the installed entry point."""
    from importlib.metadata import entry_points  # ~10 ms, here: every command's start-up builds the parser

    found = entry_points(group="gui_scripts", name=GUI_ENTRY_POINT)
    if not found:
        raise UsageError("the desktop app is not installed (no 'exportguard-gui' entry point)")
    try:
        loaded = next(iter(found)).load()
    except ImportError as error:
        raise UsageError(f"the desktop app cannot start: {error}") from None
    return cast(Callable[[list[str]], int], loaded)


def _run_gui(args: argparse.Namespace, context: Any) -> int:
    argv = ["--home", str(context.home)]
    if args.input:
        argv.append(args.input)
    return desktop_main()(argv)
