"""``exportguard keys ...``: create, inspect, rotate, protect and share the organisation's keys."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import Any

from masking.cli.output import emit_json, say
from masking.cli.secrets import keystore_passphrase, new_passphrase
from masking.errors import KeyProblem
from masking.events import KeyAction, KeyChange
from masking.keys import KeyRing
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
    export.set_defaults(handler=_export_bundle)
    imp = actions.add_parser("import-bundle", parents=[json_flag], help="adopt the organisation's keys")
    imp.add_argument("bundle", metavar="BUNDLE")
    imp.set_defaults(handler=_import_bundle)


def _ring_summary(ring: KeyRing) -> dict[str, Any]:
    return {"organisation": ring.organisation, "active_key": ring.active.key_id, "keys": len(ring.keys)}


def _init(args: argparse.Namespace, context: Any) -> int:
    store = Workspace(context.home).keystore
    passphrase = "" if args.no_passphrase else new_passphrase("keystore passphrase", NEW_ENV)
    ring = store.create(passphrase, args.organisation)
    KeyChange(action=KeyAction.INIT, key_id=ring.active.key_id, keys=len(ring.keys),
              protected=bool(passphrase)).append_to(Workspace(context.home).ledger(ring))
    state = "protected by a passphrase" if passphrase else "NOT protected by a passphrase"
    return say(context, {"keystore": str(store.path), "protected": bool(passphrase), **_ring_summary(ring)},
                f"Created the keystore at {store.path} ({state}); active key {ring.active.key_id}.")


def _status(args: argparse.Namespace, context: Any) -> int:
    status = Workspace(context.home).keystore.status()
    if context.json:
        emit_json(dataclasses.asdict(status))
        return 0
    if not status.exists:
        print(f"No keystore at {status.path}: one is created on first export, or run 'exportguard keys init'.")
        return 0
    print(f"Keystore {status.path}: {'protected' if status.protected else 'NOT protected'} by a passphrase"
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
    new = new_passphrase("keystore passphrase", NEW_ENV)
    store.change_passphrase(old, new)
    ring = store.unlock(new)
    KeyChange(action=KeyAction.NEW_PASSPHRASE, key_id=ring.active.key_id, keys=len(ring.keys),
              protected=bool(new)).append_to(Workspace(context.home).ledger(ring))
    return say(context, {"keystore": str(store.path), "protected": bool(new)},
                "Passphrase changed." if new else "Passphrase removed: the keystore is NOT protected.")


def _export_bundle(args: argparse.Namespace, context: Any) -> int:
    workspace = Workspace(context.home)
    passphrase = keystore_passphrase()
    bundle_pass = new_passphrase("bundle passphrase", BUNDLE_ENV)
    count = workspace.keystore.export_bundle(passphrase, bundle_pass, Path(args.out))
    ring = workspace.keystore.unlock(passphrase)
    KeyChange(action=KeyAction.EXPORT_BUNDLE, key_id=ring.active.key_id, keys=count).append_to(workspace.ledger(ring))
    return say(context, {"bundle": args.out, "keys": count}, f"Wrote {count} key(s) to {args.out}.")


def _import_bundle(args: argparse.Namespace, context: Any) -> int:
    workspace = Workspace(context.home)
    store = workspace.keystore
    passphrase = keystore_passphrase(needed=store.exists() and store.protected)
    bundle_pass = keystore_passphrase("Bundle passphrase: ", env=BUNDLE_ENV)
    if not bundle_pass:
        raise KeyProblem(f"a bundle passphrase is needed: set {BUNDLE_ENV} or run on a terminal")
    ring = store.import_bundle(Path(args.bundle), bundle_pass, passphrase)
    KeyChange(action=KeyAction.IMPORT_BUNDLE, key_id=ring.active.key_id, keys=len(ring.keys)).append_to(
        workspace.ledger(ring))
    return say(context, _ring_summary(ring),
                f"Imported the keys of {ring.organisation or 'the organisation'}; active key {ring.active.key_id}.")
