"""The ``exportguard`` command: a thin front end over the core, like the desktop app."""

from masking.cli.main import main

__all__ = ["main"]
