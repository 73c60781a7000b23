"""Getting passphrases: from the environment for scripts, from a prompt for people."""

from __future__ import annotations

import getpass
import os
import sys

from masking.errors import KeyProblem

PASSPHRASE_ENV = "EXPORTGUARD_PASSPHRASE"  # noqa: S105 (the name of a variable, not a secret)


def keystore_passphrase(
    prompt: str = "Keystore passphrase: ", *, env: str = PASSPHRASE_ENV, needed: bool = True
) -> str:
    """The passphrase from ``env``, else a prompt on a terminal, else "" (an unprotected keystore)."""
    from_env = os.environ.get(env)
    if from_env is not None:
        return from_env
    if needed and sys.stdin.isatty():
        return getpass.getpass(prompt)
    return ""


def new_passphrase(what: str, env: str | None = None) -> str:
    """A new passphrase, typed twice on a terminal, or taken from ``env`` for scripts."""
    if env and os.environ.get(env) is not None:
        return os.environ[env]
    if not sys.stdin.isatty():
        raise KeyProblem(f"{what}: no terminal to ask on; set {env or PASSPHRASE_ENV}")
    first = getpass.getpass(f"New {what}: ")
    if first != getpass.getpass(f"Repeat the {what}: "):
        raise KeyProblem(f"the two {what}s differ; nothing was changed")
    return first
