"""``exportguard decrypt INPUT --out PATH [--office DIR [--server URL --token T]]``: restore the columns an
export encrypted.

On a managed workstation only the security office restores values: ``--office DIR`` opens the
originals the export sealed to the office, with the office's decryption key (its passphrase from
``EXPORTGUARD_DECRYPTION_PASSPHRASE`` or a prompt). Without it, a managed home (or a sealed export)
is exit 5.

``--server URL`` (with ``--office``): the export's record and sealed originals come from the office's
evidence service (an investigator's or admin's token: ``--token`` or ``$EXPORTGUARD_SERVER_TOKEN``), so
the office restores a file after the workstation's home is gone; no keystore or ledger is opened here,
and the service records the restoring.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from masking.cli.office_cmd import decryption_passphrase
from masking.cli.output import emit_json
from masking.cli.progress import ProgressLine
from masking.cli.secrets import add_service_arguments, keystore_passphrase, service_access
from masking.decrypt import DecryptResult, decrypt_file
from masking.errors import KeyProblem, UsageError
from masking.home import is_managed
from masking.office import read_decryption_keys
from masking.plurals import counted
from masking.workspace import Workspace


def register(commands: Any, json_flag: argparse.ArgumentParser) -> None:
    parser = commands.add_parser("decrypt", parents=[json_flag],
                                 help="restore the encrypted columns of an exported file (key holders)")
    parser.add_argument("input", metavar="INPUT", help="an .xlsx or .csv file written by 'export'")
    parser.add_argument("--out", required=True, metavar="PATH", help="the decrypted copy (a new file)")
    parser.add_argument("--force", action="store_true", help="overwrite an existing output file")
    parser.add_argument("--office", metavar="DIR", help="the security office's folder: restore sealed values with "
                        "its decryption key")
    add_service_arguments(parser, "with --office: fetch the export's sealed values from the office's evidence "
                          "service (the workstation's home is not needed)", "an investigator's or admin's")
    parser.set_defaults(handler=run_decrypt_command)


def run_decrypt_command(args: argparse.Namespace, context: Any) -> int:
    if args.server is not None:
        return _print(_from_service(args, context), context)
    if args.token is not None or args.ca_file is not None:
        raise UsageError("--token and --ca-file go with --server")
    workspace = Workspace(context.home)
    managed = is_managed(context.home)
    if managed and args.office is None:  # before asking for any passphrase
        raise KeyProblem("only the security office can restore encrypted values: this workstation is managed and "
                         "holds no key that restores them; send the file to the office ('decrypt --office')")
    office_keys = read_decryption_keys(Path(args.office), decryption_passphrase()) if args.office else None
    ring = workspace.keystore.unlock(keystore_passphrase())  # no keystore here: KeyProblem (exit 5)
    progress = ProgressLine(enabled=None if not context.json else False)
    try:
        result = decrypt_file(Path(args.input), Path(args.out), ring, workspace.ledger(ring),
                              overwrite=args.force, progress=progress, office_keys=office_keys, managed=managed)
    finally:
        progress.close()
    return _print(result, context)


def _from_service(args: argparse.Namespace, context: Any) -> DecryptResult:
    if args.office is None:
        raise UsageError("--server restores the values sealed to the office: it needs --office DIR")
    access = service_access(args, "restoring from the service needs an investigator's or admin's token")
    office_keys = read_decryption_keys(Path(args.office), decryption_passphrase())
    progress = ProgressLine(enabled=None if not context.json else False)
    try:
        return decrypt_file(Path(args.input), Path(args.out), None, None, overwrite=args.force, progress=progress,
                            office_keys=office_keys, service=access)
    finally:
        progress.close()


def _print(result: DecryptResult, context: Any) -> int:
    if context.json:
        emit_json(result.as_dict())
        return 0
    print(f"Decrypted {counted(len(result.columns), 'column')} over {counted(result.rows, 'row')} to {result.output}"
          + (f"  (export id {result.export_id})" if result.export_id else ""))
    for column in result.columns:
        counts = ", ".join(f"{k} {v}" for k, v in column.as_dict()["counts"].items())
        print(f"  {column.sheet}!{column.header or column.position + 1}: {column.kind or '-'} "
              f"(key {column.key_id}): {counts}")
    return 0
