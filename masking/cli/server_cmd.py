"""``exportguard server ...``: the security office's evidence service and its administration.

Every action but ``serve`` works directly on the evidence database (``--db URL``); they need the
``server`` extra (``pip install 'exportguard[server]'``), which a workstation never installs.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from masking.cli.keys_cmd import BUNDLE_ENV
from masking.cli.output import emit_json, format_table, say
from masking.cli.secrets import keystore_passphrase
from masking.errors import IntegrityProblem, KeyProblem, UsageError
from masking.plurals import counted


def register(commands: Any, json_flag: argparse.ArgumentParser) -> None:
    server = commands.add_parser("server", help="the security office's evidence service (PostgreSQL)")
    actions = server.add_subparsers(dest="server_action", metavar="ACTION", required=True)
    db = argparse.ArgumentParser(add_help=False)
    db.add_argument("--db", required=True, metavar="URL", help="the evidence database (postgresql://...)")
    init = actions.add_parser("init", parents=[json_flag, db], help="create or upgrade the schema")
    init.add_argument("--silent-hours", type=float, metavar="H",
                      help="report a workstation silent for longer than this (default 168)")
    init.add_argument("--retention-days", type=int, metavar="N",
                      help="how long 'server prune' keeps exports' trace data (default 3650)")
    init.set_defaults(handler=_init)
    serve = actions.add_parser("serve", parents=[db], help="run the service")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8443)
    serve.add_argument("--tls-cert", metavar="FILE")
    serve.add_argument("--tls-key", metavar="FILE")
    serve.set_defaults(handler=_serve)
    code = actions.add_parser("enroll-code", parents=[json_flag, db], help="a one-time enrollment code")
    code.add_argument("--workstation", required=True, metavar="NAME")
    code.add_argument("--valid-days", type=int, default=7, metavar="N")
    code.set_defaults(handler=_enroll_code)
    token = actions.add_parser("token", parents=[json_flag, db], help="a token for an investigator, auditor or admin")
    token.add_argument("--role", required=True, choices=["admin", "investigator", "auditor"])
    token.add_argument("--valid-days", type=int, default=90, metavar="N")
    token.add_argument("--label", default="", help="whom the token is for (recorded)")
    token.set_defaults(handler=_token)
    revoke = actions.add_parser("revoke-token", parents=[json_flag, db], help="revoke a token")
    revoke.add_argument("token", metavar="TOKEN")
    revoke.set_defaults(handler=_revoke_token)
    decommission = actions.add_parser("decommission", parents=[json_flag, db],
                                      help="revoke a workstation's identity")
    decommission.add_argument("--workstation", required=True, metavar="NAME")
    decommission.set_defaults(handler=_decommission)
    keys = actions.add_parser("keys", parents=[json_flag, db],
                              help="give the service the watermark sub-keys of an organisation bundle (for trace)")
    keys.add_argument("--bundle", required=True, metavar="BUNDLE")
    keys.set_defaults(handler=_keys)
    policy = actions.add_parser("policy", parents=[json_flag, db],
                                help="register policies the office signed: exports made under any other are refused")
    policy.add_argument("signed", nargs="+", metavar="SIGNED", help="a signed policy ('exportguard policy sign')")
    policy.add_argument("--office", required=True, metavar="DIR", help="the office folder (its public keys)")
    policy.add_argument("--replace", action="store_true",
                        help="withdraw every other registered policy (an older one a workstation could go back to)")
    policy.set_defaults(handler=_policy)
    check = actions.add_parser("check", parents=[json_flag, db], help="continuity checks over every workstation")
    check.set_defaults(handler=_check)
    resolve = actions.add_parser("resolve", parents=[json_flag, db],
                                 help="clear a workstation's flagged records and restarts (admin)")
    resolve.add_argument("--workstation", required=True, metavar="NAME")
    resolve.set_defaults(handler=_resolve)
    prune = actions.add_parser("prune", parents=[json_flag, db],
                               help="drop trace data older than the retention setting (records stay)")
    prune.set_defaults(handler=_prune)


def _server_modules() -> Any:
    try:
        from masking.server import admin, check, db, schema
    except ImportError:
        raise UsageError("the evidence service needs the server extra: pip install 'exportguard[server]'") from None
    return admin, check, db, schema


def _init(args: argparse.Namespace, context: Any) -> int:
    _, _, db, schema = _server_modules()
    with db.connect(args.db) as conn:
        before, after = schema.migrate(conn)
        if args.silent_hours is not None:
            if args.silent_hours <= 0:
                raise UsageError("--silent-hours must be positive")
            schema.set_setting(conn, "silent_hours", f"{args.silent_hours:g}")
        if args.retention_days is not None:
            if args.retention_days < 1:
                raise UsageError("--retention-days must be at least 1")
            schema.set_setting(conn, "retention_days", str(args.retention_days))
    text = f"Schema at version {after}" + (" (created)." if before == 0 else f" (was {before}).")
    return say(context, {"schema_version": after, "previous_version": before}, text)


def _serve(args: argparse.Namespace, context: Any) -> int:
    _server_modules()
    from masking.server.serve import serve

    if not 0 < args.port < 65536:
        raise UsageError("--port must be 1-65535")
    serve(args.db, args.host, args.port, tls_cert=Path(args.tls_cert) if args.tls_cert else None,
          tls_key=Path(args.tls_key) if args.tls_key else None)
    return 0


def _enroll_code(args: argparse.Namespace, context: Any) -> int:
    admin, _, db, _ = _server_modules()
    if not 1 <= args.valid_days <= 90:
        raise UsageError("--valid-days must be 1-90")
    with db.connect(args.db) as conn:
        issued = admin.issue_enroll_code(conn, args.workstation, args.valid_days)
    return say(context, {**issued.as_dict("code"), "workstation": args.workstation.strip()},
                f"{issued.secret}\n(one use, for {args.workstation.strip()}, "
                f"until {issued.expires:%Y-%m-%d %H:%M} UTC)")


def _token(args: argparse.Namespace, context: Any) -> int:
    admin, _, db, _ = _server_modules()
    with db.connect(args.db) as conn:
        issued = admin.issue_token(conn, args.role, args.valid_days, args.label)
    return say(context, {**issued.as_dict("token"), "role": args.role},
                f"{issued.secret}\n({args.role}, until {issued.expires:%Y-%m-%d %H:%M} UTC; shown once)")


def _revoke_token(args: argparse.Namespace, context: Any) -> int:
    admin, _, db, _ = _server_modules()
    with db.connect(args.db) as conn:
        if not admin.revoke_token(conn, args.token):
            raise KeyProblem("no such live token")
    return say(context, {"revoked": True}, "Revoked.")


def _decommission(args: argparse.Namespace, context: Any) -> int:
    admin, _, db, _ = _server_modules()
    with db.connect(args.db) as conn:
        count = admin.decommission(conn, args.workstation)
    if not count:
        raise UsageError(f"no enrolled workstation named {args.workstation!r}")
    return say(context, {"workstation": args.workstation, "identities_revoked": count},
                f"Revoked {count} identity(ies) of {args.workstation}.")


def _keys(args: argparse.Namespace, context: Any) -> int:
    from masking.keys import read_bundle

    admin, _, db, _ = _server_modules()
    passphrase = keystore_passphrase("Bundle passphrase: ", env=BUNDLE_ENV)
    if not passphrase:
        raise KeyProblem(f"a bundle passphrase is needed: set {BUNDLE_ENV} or run on a terminal")
    ring = read_bundle(Path(args.bundle), passphrase)
    with db.connect(args.db) as conn:
        added = admin.add_trace_keys(conn, ring)
    return say(context, {"added": added, "keys": [k.key_id for k in ring.keys]},
                f"The service can now trace exports made with {', '.join(k.key_id for k in ring.keys)} "
                f"({len(added)} new).")


def _policy(args: argparse.Namespace, context: Any) -> int:
    from masking.office import read_office

    _, _, db, _ = _server_modules()
    from masking.server.policies import register_policy, withdraw_others

    office = read_office(Path(args.office))
    with db.connect(args.db) as conn, conn.transaction():
        registered = [register_policy(conn, Path(name), office) for name in args.signed]
        withdrawn = withdraw_others(conn, [p.sha256 for p in registered]) if args.replace else []
        held = conn.execute("SELECT count(*) FROM policies").fetchone()
    count = int(held[0]) if held else 0
    return say(context, {"registered": [p.as_dict() for p in registered], "withdrawn": [p.as_dict() for p in withdrawn],
                         "policies": count},
               "\n".join([f"Registered policy {p.version} (SHA-256 {p.sha256[:16]}...) signed by {p.signer}."
                          for p in registered] + [f"Withdrew policy {p.version} (SHA-256 {p.sha256[:16]}...)."
                                                  for p in withdrawn])
               + f"\nThe service now refuses export records made under any policy but these {count}.")


def _check(args: argparse.Namespace, context: Any) -> int:
    _, check, db, _ = _server_modules()
    with db.connect(args.db) as conn:
        problems = check.check(conn)
    if context.json:
        emit_json({"ok": not problems, "problems": [p.as_dict() for p in problems]})
    elif not problems:
        print("OK: every workstation's chain is continuous.")
    else:
        print(f"{counted(len(problems), 'problem')}:")
        print(format_table(["workstation", "problem"], [[p.workstation, p.problem] for p in problems]))
    return 0 if not problems else IntegrityProblem.exit_code


def _resolve(args: argparse.Namespace, context: Any) -> int:
    _, check, db, _ = _server_modules()
    with db.connect(args.db) as conn:
        cleared = check.resolve(conn, args.workstation.strip())
    return say(context, {"workstation": args.workstation.strip(), "cleared": cleared},
                f"Cleared {counted(cleared, 'problem')} of {args.workstation.strip()}.")


def _prune(args: argparse.Namespace, context: Any) -> int:
    admin, _, db, schema = _server_modules()
    with db.connect(args.db) as conn:
        days = int(schema.setting(conn, "retention_days"))
        pruned = admin.prune(conn, days)
    return say(context, {"pruned": pruned, "retention_days": days},
                f"Dropped the trace data of {counted(pruned, 'export')} received more than {counted(days, 'day')} ago.")
