"""``exportguard keys ...``: create, inspect, rotate, protect and share the organisation's keys."""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from masking import os_secrets
from masking.cli.output import emit_json, say
from masking.cli.secrets import PASSPHRASE_ENV, keystore_passphrase, new_passphrase, opening_passphrase
from masking.errors import KeyProblem
from masking.events import KeyAction, KeyChange
from masking.keys import MIN_MANAGED_PASSPHRASE, KeyRing, KeystoreStatus, bundle_office
from masking.office import import_organisation_bundle, read_office, read_pin
from masking.passphrase_strength import require_strong
from masking.plurals import counted
from masking.workspace import Workspace

BUNDLE_ENV = "EXPORTGUARD_BUNDLE_PASSPHRASE"
NEW_ENV = "EXPORTGUARD_NEW_PASSPHRASE"


def register(commands: Any, json_flag: argparse.ArgumentParser) -> None:
    keys = commands.add_parser("keys", help="create, inspect, rotate, protect and share the keys")
    actions = keys.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    init = actions.add_parser("init", parents=[json_flag], help="create the keystore")
    init.add_argument("--organisation", default="", help="the organisation's name, shown in status")
    init.add_argument("--no-passphrase", action="store_true", help="do not protect the keystore (not advised)")
    init.set_defaults(handler=_init)
    actions.add_parser("status", parents=[json_flag], help="where the keystore is and which keys it holds"
                       ).set_defaults(handler=_status)
    actions.add_parser("rotate", parents=[json_flag], help="make a new active key; old keys stay for decrypt"
                       ).set_defaults(handler=_rotate)
    actions.add_parser("passwd", parents=[json_flag], help="set or change the keystore passphrase"
                       ).set_defaults(handler=_passwd)
    export = actions.add_parser("export-bundle", parents=[json_flag], help="write the keys for other workstations")
    export.add_argument("--out", required=True, metavar="PATH")
    export.add_argument("--office", metavar="DIR",
                        help="also carry this security office's public keys: importing homes become managed")
    export.set_defaults(handler=_export_bundle)
    imp = actions.add_parser("import-bundle", parents=[json_flag], help="adopt the organisation's keys")
    imp.add_argument("bundle", metavar="BUNDLE")
    imp.set_defaults(handler=_import_bundle)


def _ring_summary(ring: KeyRing) -> dict[str, Any]:
    return {"organisation": ring.organisation, "active_key": ring.active.key_id, "keys": len(ring.keys)}


def _init(args: argparse.Namespace, context: Any) -> int:
    store = Workspace(context.home).keystore
    if read_pin(context.home) is not None:
        if args.no_passphrase:
            raise KeyProblem("a managed workstation's keystore must be protected: leave out --no-passphrase")
        passphrase, os_secret = _new_managed_passphrase([args.organisation]), False
        if not passphrase and os_secrets.available():
            passphrase, os_secret = os_secrets.new_secret(store.account), True
        if len(passphrase) < MIN_MANAGED_PASSPHRASE:
            raise KeyProblem(f"a managed workstation's keystore passphrase needs at least {MIN_MANAGED_PASSPHRASE} "
                             "characters")
    else:
        passphrase, os_secret = ("" if args.no_passphrase else new_passphrase(
            "keystore passphrase", NEW_ENV, context=[args.organisation])), False
    ring = store.create(passphrase, args.organisation, os_secret=os_secret)
    KeyChange(action=KeyAction.INIT, key_id=ring.active.key_id, keys=len(ring.keys),
              protected=bool(passphrase)).append_to(Workspace(context.home).ledger(ring))
    state = _protection_text(store.status())
    return say(context, {"keystore": str(store.path), "protected": bool(passphrase), "protected_by":
                          store.status().protected_by, **_ring_summary(ring)},
                f"Created the keystore at {store.path} ({state}); active key {ring.active.key_id}.")


def _protection_text(status: KeystoreStatus) -> str:
    if status.protected_by == "os":
        return "protected by the operating system's secret store"
    return "protected by a passphrase" if status.protected else "NOT protected by a passphrase"


def _new_managed_passphrase(context: Sequence[str] = ()) -> str:
    """A new managed keystore's passphrase: scripted or typed (where the OS keeps no secrets), either judged
    for strength, or "" for the OS secret store (the core refuses when neither protects the keystore)."""
    scripted = os.environ.get(NEW_ENV) or os.environ.get(PASSPHRASE_ENV)
    if scripted:
        return require_strong(scripted, "keystore passphrase", context)
    if sys.stdin.isatty() and not os_secrets.available():
        return new_passphrase("keystore passphrase", NEW_ENV, context=context)
    return ""


def _status(args: argparse.Namespace, context: Any) -> int:
    status = Workspace(context.home).keystore.status()
    pinned = read_pin(context.home)
    holds = {
        "export_keys": status.exists,  # the organisation's export keys (pseudonymize, encrypt tokens, watermark)
        "office_public_keys": pinned is not None,  # pinned from the bundle: this home is managed
        "office_signing_key": False,  # never on a workstation: policies and approvals come signed
        "office_decryption_key": False,  # never on a workstation: only the office restores values
    }
    if context.json:
        emit_json({**dataclasses.asdict(status), "managed": pinned is not None,
                   "office_id": pinned.office_id if pinned else None, "holds": holds})
        return 0
    if pinned is not None:
        print(f"Managed by security office {pinned.name + ' ' if pinned.name else ''}{pinned.office_id}: this home "
              f"holds its public keys only (signing {pinned.office_id}, decryption {pinned.decryption_id}), "
              "never its signing or decryption key.")
    else:
        print("Not managed: no security office keys. Exports run under a local, unsigned policy and "
              "encrypted columns can be decrypted here (a demo home).")
    if not status.exists:
        print(f"No keystore at {status.path}: "
              + ("import the organisation's bundle." if pinned else "one is created on first export, or run "
                 "'exportguard keys init'."))
        return 0
    print(f"Export keys: keystore {status.path}, {_protection_text(status)}"
          + (f", organisation {status.organisation}" if status.organisation else ""))
    for key in status.keys:
        print(f"  {key['id']}  {key['status']:8}  created {key['created']}")
    return 0


def _rotate(args: argparse.Namespace, context: Any) -> int:
    workspace = Workspace(context.home)
    ring = workspace.keystore.rotate(keystore_passphrase())
    KeyChange(action=KeyAction.ROTATE, key_id=ring.active.key_id, keys=len(ring.keys)).append_to(
        workspace.ledger(ring))
    return say(context, _ring_summary(ring), f"New active key {ring.active.key_id}; {len(ring.keys) - 1} kept.")


def _passwd(args: argparse.Namespace, context: Any) -> int:
    store = Workspace(context.home).keystore
    old = keystore_passphrase("Current passphrase: ") if store.protected else ""
    # "" removes the protection of a demo keystore; a managed one must stay protected (the core says so)
    new = new_passphrase("keystore passphrase", NEW_ENV, context=[store.status().organisation],
                         allow_none=read_pin(context.home) is None)
    store.change_passphrase(old, new)
    ring = store.unlock(new)
    KeyChange(action=KeyAction.NEW_PASSPHRASE, key_id=ring.active.key_id, keys=len(ring.keys),
              protected=bool(new)).append_to(Workspace(context.home).ledger(ring))
    return say(context, {"keystore": str(store.path), "protected": bool(new)},
                "Passphrase changed." if new else "Passphrase removed: the keystore is NOT protected.")


def _export_bundle(args: argparse.Namespace, context: Any) -> int:
    workspace = Workspace(context.home)
    office = read_office(Path(args.office)) if args.office else None
    passphrase = keystore_passphrase()
    bundle_pass = new_passphrase("bundle passphrase", BUNDLE_ENV, context=[workspace.keystore.status().organisation])
    count = workspace.keystore.export_bundle(passphrase, bundle_pass, Path(args.out),
                                             office.to_dict() if office else None)
    ring = workspace.keystore.unlock(passphrase)
    KeyChange(action=KeyAction.EXPORT_BUNDLE, key_id=ring.active.key_id, keys=count,
              office_id=office.office_id if office else None).append_to(workspace.ledger(ring))
    payload = {"bundle": args.out, "keys": count, "office_id": office.office_id if office else None}
    text = f"Wrote {counted(count, 'key')} to {args.out}" + (
        f" with the public keys of office {office.office_id}." if office else ".")
    return say(context, payload, text)


def _import_bundle(args: argparse.Namespace, context: Any) -> int:
    workspace = Workspace(context.home)
    store = workspace.keystore
    bundle = Path(args.bundle)
    if store.exists() and store.protected:
        passphrase = keystore_passphrase() if not store.uses_os_secret() else os.environ.get(PASSPHRASE_ENV, "")
    elif bundle_office(bundle) is not None:  # a managed home's keystore is protected from its first write on
        passphrase = _new_managed_passphrase()
    elif not store.exists():
        passphrase = opening_passphrase(store)  # the keystore the import creates: a new passphrase, judged
    else:
        passphrase = keystore_passphrase(needed=False)  # an unprotected demo keystore stays as it was
    bundle_pass = keystore_passphrase("Bundle passphrase: ", env=BUNDLE_ENV)
    if not bundle_pass:
        raise KeyProblem(f"a bundle passphrase is needed: set {BUNDLE_ENV} or run on a terminal")
    ring, office = import_organisation_bundle(context.home, bundle, bundle_pass, passphrase)
    KeyChange(action=KeyAction.IMPORT_BUNDLE, key_id=ring.active.key_id, keys=len(ring.keys),
              protected=store.protected, office_id=office.office_id if office else None).append_to(
        workspace.ledger(ring))
    text = f"Imported the keys of {ring.organisation or 'the organisation'}; active key {ring.active.key_id}."
    if office is not None:
        text += (f" This workstation is now managed by security office {office.office_id}: it runs only "
                 f"policies the office signed; keystore {_protection_text(store.status())}.")
    return say(context, {**_ring_summary(ring), "managed": office is not None,
                          "office_id": office.office_id if office else None,
                          "protected_by": store.status().protected_by}, text)
