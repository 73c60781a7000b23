"""Getting passphrases: from the environment for scripts, from a prompt for people; and the office's
service with a token (``--server URL --token T [--ca-file F]``, the token also from the environment).

Every passphrase the command line sets (a new keystore's, a changed one, a bundle's, the office's keys')
is judged by :func:`masking.passphrase_strength.require_strong`, the rule the desktop's dialogs apply:
one too easy to guess is refused in one line (exit 2) before anything is written.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Sequence

from masking.errors import KeyProblem
from masking.evidence.client import TOKEN_ENV, ServiceAccess
from masking.keys import Keystore
from masking.passphrase_strength import require_strong

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


def opening_passphrase(store: Keystore) -> str:
    """The passphrase that opens ``store``; when there is no keystore yet (a demo home's first export
    creates one), the one it will be protected by, judged like every new passphrase ("" leaves the demo
    keystore unprotected, as before)."""
    if store.exists():
        return keystore_passphrase()
    passphrase = keystore_passphrase(needed=False)
    if passphrase:
        require_strong(passphrase, f"keystore passphrase ({PASSPHRASE_ENV}, which protects the new keystore)")
    return passphrase


def new_passphrase(what: str, env: str | None = None, *, context: Sequence[str] = (),
                   allow_none: bool = False) -> str:
    """A new passphrase, typed twice on a terminal, or taken from ``env`` for scripts; one too easy to
    guess (judged against ``context``: the organisation's or office's name) is refused. ``allow_none``:
    "" means no passphrase at all (``keys passwd`` removing one), not a weak one."""
    if env and os.environ.get(env) is not None:
        passphrase = os.environ[env]
    else:
        if not sys.stdin.isatty():
            raise KeyProblem(f"{what}: no terminal to ask on; set {env or PASSPHRASE_ENV}")
        passphrase = getpass.getpass(f"New {what}: ")
        if passphrase != getpass.getpass(f"Repeat the {what}: "):
            raise KeyProblem(f"the two {what}s differ; nothing was changed")
    if passphrase or not allow_none:
        require_strong(passphrase, what, context)
    return passphrase


def add_service_arguments(parser: argparse.ArgumentParser, server_help: str, role: str) -> None:
    parser.add_argument("--server", metavar="URL", help=server_help)
    parser.add_argument("--token", metavar="T", help=f"{role} token (default ${TOKEN_ENV})")
    parser.add_argument("--ca-file", metavar="FILE", help="the CA certificate of the office's service (https)")


def service_access(args: argparse.Namespace, need: str) -> ServiceAccess:
    """The service ``--server`` names, with ``--token`` or ``$EXPORTGUARD_SERVER_TOKEN``; ``need`` says
    what is refused without one ("tracing at the service needs an investigator's token")."""
    token = args.token or os.environ.get(TOKEN_ENV, "")
    if not token.strip():
        raise KeyProblem(f"{need}: --token or ${TOKEN_ENV}")
    return ServiceAccess.of(args.server, token, args.ca_file)
