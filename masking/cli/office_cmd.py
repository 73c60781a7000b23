"""``exportguard office ...``: the security office's own keys.

    exportguard office init --out DIR [--name NAME]     signing and decryption keys, each under its own passphrase
    exportguard office roll --office DIR                new keys, vouched for by the old signing key
    exportguard office status --office DIR              the office's public keys
    exportguard office backup --office DIR --threshold M --shares N --out SHARES_DIR
                                                        the decryption key split M-of-N (masking/office_backup.py)
    exportguard office restore --office DIR SHARE...    the decryption key rebuilt from M shares

Passphrases: ``EXPORTGUARD_SIGNING_PASSPHRASE`` (the signing key) and
``EXPORTGUARD_DECRYPTION_PASSPHRASE`` (the decryption key), else a prompt on a terminal. The new ones
(``init``, ``restore``) must not be too easy to guess (:mod:`masking.passphrase_strength`; exit 2);
``roll`` keeps the passphrases the keys already have (a roll after a compromise must not wait on them).
Each change (not ``status``) is recorded as an ``office`` event in the ledger of the home it runs in,
when that home has a keystore.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from masking.cli.output import emit_json
from masking.cli.recording import home_ledger
from masking.cli.secrets import keystore_passphrase, new_passphrase
from masking.events import OfficeAction, OfficeChange
from masking.ledger import Ledger
from masking.office import OfficeKeys, init_office, read_office, roll_office
from masking.plurals import counted

SIGNING_ENV = "EXPORTGUARD_SIGNING_PASSPHRASE"
DECRYPTION_ENV = "EXPORTGUARD_DECRYPTION_PASSPHRASE"


def register(commands: Any, json_flag: argparse.ArgumentParser) -> None:
    office = commands.add_parser("office", help="the security office's signing and decryption keys")
    actions = office.add_subparsers(dest="office_command", metavar="ACTION", required=True)
    init = actions.add_parser("init", parents=[json_flag], help="create the office's keys in a new folder")
    init.add_argument("--out", required=True, metavar="DIR", help="a new (or empty) folder for the keys")
    init.add_argument("--name", default="", help="the office's name, shown on workstations")
    init.set_defaults(handler=_init)
    roll = actions.add_parser("roll", parents=[json_flag],
                              help="replace the signing and decryption keys (old decryption keys are kept)")
    roll.add_argument("--office", required=True, metavar="DIR")
    roll.set_defaults(handler=_roll)
    status = actions.add_parser("status", parents=[json_flag], help="the office's public keys")
    status.add_argument("--office", required=True, metavar="DIR")
    status.set_defaults(handler=_status)
    backup = actions.add_parser("backup", parents=[json_flag],
                                help="split the decryption key into N shares, any M of which restore it")
    backup.add_argument("--office", required=True, metavar="DIR")
    backup.add_argument("--threshold", required=True, type=int, metavar="M", help="shares needed to restore")
    backup.add_argument("--shares", required=True, type=int, metavar="N", help="shares to write (one per custodian)")
    backup.add_argument("--out", required=True, metavar="SHARES_DIR", help="a new folder for the share files")
    backup.set_defaults(handler=_backup)
    restore = actions.add_parser("restore", parents=[json_flag],
                                 help="rebuild the decryption key from M shares (new passphrase)")
    restore.add_argument("--office", required=True, metavar="DIR", help="the office folder lacking decryption.key")
    restore.add_argument("shares", nargs="+", metavar="SHARE")
    restore.set_defaults(handler=_restore)


def signing_passphrase() -> str:
    return keystore_passphrase("Office signing key passphrase: ", env=SIGNING_ENV)


def decryption_passphrase() -> str:
    return keystore_passphrase("Office decryption key passphrase: ", env=DECRYPTION_ENV)


def _summary(folder: Path, keys: OfficeKeys) -> dict[str, Any]:
    return {"office": str(folder), "name": keys.name, "office_id": keys.office_id, "signing_public": keys.signing,
            "decryption_id": keys.decryption_id, "decryption_public": keys.decryption, "rolls": len(keys.rolls)}


def _print_summary(folder: Path, keys: OfficeKeys) -> None:
    print(f"Security office {keys.name or '(unnamed)'} in {folder}")
    print(f"  signing key     {keys.office_id}  (signs policies and approval codes)")
    print(f"  decryption key  {keys.decryption_id}  (restores encrypted values; keep it offline)")
    if keys.rolls:
        print(f"  rolled {counted(len(keys.rolls), 'time')}; workstations follow the roll certificates")


def _record(ledger: Ledger | None, action: OfficeAction, keys: OfficeKeys, *, shares: int | None = None,
            threshold: int | None = None) -> None:
    if ledger is not None:
        OfficeChange(action=action, office_id=keys.office_id, name=keys.name, rolls=len(keys.rolls), shares=shares,
                     threshold=threshold).append_to(ledger)


def _init(args: argparse.Namespace, context: Any) -> int:
    folder = Path(args.out)
    ledger = home_ledger(context.home)
    signing = new_passphrase("office signing key passphrase", SIGNING_ENV, context=[args.name])
    decryption = new_passphrase("office decryption key passphrase", DECRYPTION_ENV, context=[args.name])
    keys = init_office(folder, args.name, signing, decryption)
    _record(ledger, OfficeAction.INIT, keys)
    if context.json:
        emit_json(_summary(folder, keys))
        return 0
    _print_summary(folder, keys)
    print("Next: 'exportguard keys export-bundle --office DIR --out BUNDLE' for the workstations, and "
          "'exportguard policy sign' for the policy. Back up the decryption key: see docs/design.md.")
    return 0


def _roll(args: argparse.Namespace, context: Any) -> int:
    folder = Path(args.office)
    ledger = home_ledger(context.home)
    keys = roll_office(folder, signing_passphrase(), decryption_passphrase())
    _record(ledger, OfficeAction.ROLL, keys)
    if context.json:
        emit_json(_summary(folder, keys))
        return 0
    _print_summary(folder, keys)
    print("Sign and send the policy again: workstations take the new keys from it (or from a new bundle).")
    return 0


def _status(args: argparse.Namespace, context: Any) -> int:
    folder = Path(args.office)
    keys = read_office(folder)
    if context.json:
        emit_json(_summary(folder, keys))
    else:
        _print_summary(folder, keys)
    return 0


def _backup(args: argparse.Namespace, context: Any) -> int:
    from masking.office_backup import backup_decryption_key

    ledger = home_ledger(context.home)
    paths = backup_decryption_key(Path(args.office), decryption_passphrase(), args.threshold, args.shares,
                                  Path(args.out))
    _record(ledger, OfficeAction.BACKUP, read_office(Path(args.office)), shares=len(paths), threshold=args.threshold)
    if context.json:
        emit_json({"shares": [str(p) for p in paths], "threshold": args.threshold})
        return 0
    print(f"Wrote {len(paths)} shares to {args.out}; any {args.threshold} of them restore the decryption key.")
    print("Give each share to a different custodian (print it, seal it, delete the file); no one share is enough.")
    return 0


def _restore(args: argparse.Namespace, context: Any) -> int:
    from masking.office_backup import restore_decryption_key

    ledger = home_ledger(context.home)
    passphrase = new_passphrase("office decryption key passphrase", DECRYPTION_ENV,
                                context=[read_office(Path(args.office)).name])
    ids = restore_decryption_key(Path(args.office), [Path(p) for p in args.shares], passphrase)
    _record(ledger, OfficeAction.RESTORE, read_office(Path(args.office)), shares=len(args.shares))
    if context.json:
        emit_json({"office": args.office, "decryption_keys": ids})
        return 0
    keys = "key" if len(ids) == 1 else "keys"
    print(f"Restored the decryption {keys} {', '.join(ids)} into {Path(args.office) / 'decryption.key'}.")
    return 0
