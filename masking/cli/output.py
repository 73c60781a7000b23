"""Printing results: exactly one JSON object for scripts, or aligned text for people."""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from collections.abc import Sequence
from typing import Any, TextIO


def tolerate_narrow_consoles() -> None:
    """Let standard output and error replace what their encoding cannot show, instead of crashing.

    A Windows console redirected to a file or pipe, or an old console, writes in the ANSI code page
    (GBK, cp936, on Chinese Windows), which has no place for characters such as 𠮷, ㄅ or emoji that a
    customer file may hold in a header or a sheet name: printing one would end the command with a
    ``UnicodeEncodeError``. Text for people shows ``?`` there instead; JSON stays exact (:func:`emit_json`).
    """
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)  # absent for None (a windowed app) or a StringIO
        if reconfigure is not None:
            reconfigure(errors="replace")


def emit_json(payload: dict[str, Any], stream: TextIO | None = None) -> None:
    """One JSON object: readable Chinese where the stream's encoding has it, ``\\u`` escapes where not."""
    out = stream or sys.stdout
    text = json.dumps(payload, ensure_ascii=False, indent=2, default=str)
    try:
        text.encode(getattr(out, "encoding", None) or "utf-8")
    except (UnicodeEncodeError, LookupError):
        text = json.dumps(payload, ensure_ascii=True, indent=2, default=str)
    out.write(text)
    out.write("\n")


def say(context: Any, payload: dict[str, Any], text: str) -> int:
    """A command's result: ``payload`` as the one JSON object with ``--json``, else ``text``; exit 0."""
    if context.json:
        emit_json(payload)
    else:
        print(text)
    return 0


def display_width(text: str) -> int:
    """Terminal columns taken by ``text``: CJK and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - display_width(text))


def format_table(headers: Sequence[str], rows: Sequence[Sequence[str]], indent: str = "  ") -> str:
    """A plain text table whose columns line up with Chinese text too."""
    widths = [display_width(h) for h in headers]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], display_width(cell))
    lines = [indent + "  ".join(_pad(h, w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines.append(indent + "  ".join("-" * w for w in widths))
    for row in rows:
        lines.append(indent + "  ".join(_pad(c, w) for c, w in zip(row, widths, strict=True)).rstrip())
    return "\n".join(lines)


def add_input_encoding(parser: argparse.ArgumentParser) -> None:
    """``--input-encoding``, shared by the commands that read a CSV or text file."""
    parser.add_argument("--input-encoding", metavar="CODEC",
                        help="the input text file's encoding (e.g. gb18030, cp1252, utf-16); "
                        "default: decided from the bytes, and reported by scan")
