"""``exportguard policy ...``: policies the security office signs, and the one a workstation runs.

    exportguard policy sign POLICY.toml --office DIR --out SIGNED     (security office)
    exportguard [--home H] policy install SIGNED                      (managed workstation)
    exportguard [--home H] policy show                                which policy exports here run under
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from masking.cli.office_cmd import signing_passphrase
from masking.cli.output import emit_json
from masking.cli.recording import home_ledger
from masking.errors import InputError, OutputError, PolicyError
from masking.events import PolicyAction, PolicyChange
from masking.io.atomic import atomic_output
from masking.office import accept_office, read_office, read_office_signing_key, read_pin, write_pin
from masking.policy import load_policy, policy_from_text
from masking.policy_signing import INSTALLED_FILE, read_signed, sign_policy, verify_signed


def register(commands: Any, json_flag: argparse.ArgumentParser) -> None:
    policy = commands.add_parser("policy", help="sign, install and show export policies")
    actions = policy.add_subparsers(dest="policy_command", metavar="ACTION", required=True)
    sign = actions.add_parser("sign", parents=[json_flag], help="sign a policy with the office's key")
    sign.add_argument("policy", metavar="POLICY.toml")
    sign.add_argument("--office", required=True, metavar="DIR", help="the office folder ('office init')")
    sign.add_argument("--out", required=True, metavar="SIGNED", help="the signed policy to send to workstations")
    sign.set_defaults(handler=_sign)
    install = actions.add_parser("install", parents=[json_flag],
                                 help="install a signed policy on this (managed) workstation")
    install.add_argument("signed", metavar="SIGNED")
    install.set_defaults(handler=_install)
    actions.add_parser("show", parents=[json_flag], help="the policy exports from this home run under"
                       ).set_defaults(handler=_show)


def _sign(args: argparse.Namespace, context: Any) -> int:
    source, folder, out = Path(args.policy), Path(args.office), Path(args.out)
    try:
        text = source.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise InputError(f"{source} not found") from None
    except (OSError, UnicodeDecodeError):
        raise InputError(f"{source}: not a readable UTF-8 policy file") from None
    policy = policy_from_text(text, str(source), "local")  # the office signs only what parses
    office = read_office(folder)
    ledger = home_ledger(context.home)
    signed = sign_policy(text, read_office_signing_key(folder, signing_passphrase()), office)
    try:
        with atomic_output(out) as temp:
            temp.write_text(signed.to_json(), encoding="utf-8")
    except OSError as error:
        raise OutputError(f"cannot write {out}") from error
    if ledger is not None:
        PolicyChange(version=policy.version, origin="signed", sha256=signed.sha256, signer=office.office_id,
                     office_id=office.office_id, action=PolicyAction.SIGN).append_to(ledger)
    payload = {"signed": str(out), "version": policy.version, "sha256": signed.sha256, "signer": office.office_id}
    if context.json:
        emit_json(payload)
    else:
        print(f"Signed policy {policy.version} (SHA-256 {signed.sha256[:16]}...) by {office.office_id} -> {out}")
    return 0


def _install(args: argparse.Namespace, context: Any) -> int:
    home, source = context.home, Path(args.signed)
    pinned = read_pin(home)
    if pinned is None:
        raise PolicyError("this workstation is not managed: import the organisation's key bundle "
                          "('exportguard keys import-bundle') before installing a signed policy")
    signed = read_signed(source)
    if signed is None:
        raise PolicyError(f"{source.name} is not signed: a managed workstation installs only policies "
                          "the security office signed")
    verify_signed(signed, pinned, source.name)
    ledger = home_ledger(home)
    policy = policy_from_text(signed.text, str(source), "signed", signer=signed.office.office_id)
    office = accept_office(pinned, signed.office)  # follows a roll of the office's keys
    try:
        with atomic_output(home / INSTALLED_FILE, overwrite=True) as temp:
            temp.write_text(signed.to_json(), encoding="utf-8")
    except OSError as error:
        raise OutputError(f"cannot write {home / INSTALLED_FILE}") from error
    if office != pinned:
        write_pin(home, office)
    if ledger is not None:
        PolicyChange(version=policy.version, origin=policy.origin, sha256=policy.sha256, signer=policy.signer,
                     office_id=office.office_id, action=PolicyAction.INSTALL).append_to(ledger)
    payload = {"installed": str(home / INSTALLED_FILE), **policy.provenance()}
    if context.json:
        emit_json(payload)
    else:
        print(f"Installed policy {policy.version} signed by {policy.signer} (SHA-256 {policy.sha256[:16]}...)")
    return 0


def _show(args: argparse.Namespace, context: Any) -> int:
    pinned = read_pin(context.home)
    policy = load_policy(None, context.home)
    payload = {**policy.provenance(), "managed": pinned is not None,
               "office_id": pinned.office_id if pinned else None, "source": policy.source}
    if context.json:
        emit_json(payload)
        return 0
    if pinned is None:
        print("This workstation is not managed (no office keys): exports run under a local, unsigned policy.")
    else:
        print(f"Managed by security office {pinned.name or ''} {pinned.office_id}.")
    origin = {"signed": f"signed by the security office {policy.signer}", "local": "a local policy, NOT signed",
              "built-in": "the built-in default, NOT signed"}[policy.origin]
    print(f"Policy {policy.version} ({origin}), SHA-256 {policy.sha256}, from {policy.source}")
    return 0
