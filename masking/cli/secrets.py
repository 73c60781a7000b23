"""Getting passphrases: from the environment for scripts, from a prompt for people; and the office's
service with a token (``--server URL --token T [--ca-file F]``, the token also from the environment)."""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from masking.errors import KeyProblem
from masking.evidence.client import ServiceAccess
from masking.evidence.remote_trace import TOKEN_ENV

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
