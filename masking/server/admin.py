"""What the office does directly on the evidence database: enrollment codes, tokens, revocations,
and the watermark sub-keys the service traces with (never the keys that decrypt)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import os
from dataclasses import dataclass
from typing import Any

import psycopg

from masking.errors import KeyProblem, UsageError
from masking.keys import KeyRing

ROLES = ("admin", "investigator", "auditor")
CODE_PREFIX = "EGE-"
TOKEN_PREFIX = "egt_"  # noqa: S105 (a prefix that makes tokens recognisable, not a secret)


def secret_hash(secret: str) -> bytes:
    """Codes and tokens are stored only as their SHA-256: a copy of the database grants nothing."""
    return hashlib.sha256(secret.strip().encode()).digest()


def _random_text(size: int) -> str:
    return base64.b32encode(os.urandom(size)).decode("ascii").rstrip("=")


@dataclass(frozen=True)
class Issued:
    secret: str
    expires: dt.datetime

    def as_dict(self, name: str) -> dict[str, Any]:
        return {name: self.secret, "expires": self.expires.isoformat(timespec="seconds")}


def issue_enroll_code(conn: psycopg.Connection[Any], workstation: str, days: int = 7) -> Issued:
    name = workstation.strip()
    if not name or len(name) > 200:
        raise UsageError("a workstation name is needed (at most 200 characters)")
    code = CODE_PREFIX + _random_text(15)
    expires = dt.datetime.now(dt.UTC) + dt.timedelta(days=days)
    conn.execute("INSERT INTO enroll_codes (code_hash, workstation, expires) VALUES (%s, %s, %s)",
                 (secret_hash(code), name, expires))
    return Issued(code, expires)


def issue_token(conn: psycopg.Connection[Any], role: str, days: int = 90, label: str = "") -> Issued:
    if role not in ROLES:
        raise UsageError(f"role must be one of {', '.join(ROLES)}")
    if not 1 <= days <= 3650:
        raise UsageError("a token is valid for 1 to 3650 days")
    token = TOKEN_PREFIX + _random_text(25)
    expires = dt.datetime.now(dt.UTC) + dt.timedelta(days=days)
    conn.execute("INSERT INTO tokens (token_hash, role, label, expires) VALUES (%s, %s, %s, %s)",
                 (secret_hash(token), role, label, expires))
    return Issued(token, expires)


@dataclass(frozen=True)
class Caller:
    token_id: int
    role: str


def authorise(conn: psycopg.Connection[Any], token: str, roles: tuple[str, ...]) -> Caller:
    row = conn.execute("SELECT id, role FROM tokens WHERE token_hash = %s AND revoked IS NULL AND expires > now()",
                       (secret_hash(token),)).fetchone()
    if row is None:
        raise KeyProblem("the token is unknown, expired or revoked")
    if row[1] not in roles:
        raise KeyProblem(f"a {row[1]} token may not do this")
    return Caller(int(row[0]), str(row[1]))


def revoke_token(conn: psycopg.Connection[Any], token: str) -> bool:
    cur = conn.execute("UPDATE tokens SET revoked = now() WHERE token_hash = %s AND revoked IS NULL",
                       (secret_hash(token),))
    return cur.rowcount > 0


def decommission(conn: psycopg.Connection[Any], workstation: str) -> int:
    """Revoke every identity of this workstation: its signatures are refused from now on."""
    cur = conn.execute("UPDATE workstations SET revoked = now() WHERE name = %s AND revoked IS NULL",
                       (workstation.strip(),))
    return cur.rowcount


def add_trace_keys(conn: psycopg.Connection[Any], ring: KeyRing) -> list[str]:
    """Store the watermark sub-key of every master in ``ring`` (trace needs them; nothing else is kept)."""
    added = []
    for key in ring.keys:
        cur = conn.execute("INSERT INTO trace_keys (key_id, watermark_key) VALUES (%s, %s) ON CONFLICT DO NOTHING",
                           (key.key_id, key.subkey("watermark")))
        if cur.rowcount:
            added.append(key.key_id)
    return added


def record_query(conn: psycopg.Connection[Any], caller: Caller, action: str, detail: str) -> None:
    """Every investigator's and auditor's query is itself recorded (never the fragment's cells)."""
    conn.execute("INSERT INTO queries (token_id, role, action, detail) VALUES (%s, %s, %s, %s)",
                 (caller.token_id, caller.role, action, detail))


def prune(conn: psycopg.Connection[Any], retention_days: int) -> int:
    """Drop the trace data (and index entries) of exports received more than ``retention_days`` ago.

    The ledger records stay, so every chain still verifies and ``check`` still sees it; only what
    trace needs goes. Returns how many exports were pruned."""
    with conn.transaction():
        doomed = [int(r[0]) for r in conn.execute(
            "SELECT e.id FROM exports e JOIN records r ON r.id = e.record_id"
            " WHERE r.received < now() - make_interval(days => %s)", (retention_days,))]
        if doomed:
            conn.execute("DELETE FROM postings WHERE export = ANY(%s)", (doomed,))
            conn.execute("DELETE FROM canary_postings WHERE export = ANY(%s)", (doomed,))
            conn.execute("DELETE FROM profile_postings WHERE export = ANY(%s)", (doomed,))
            conn.execute("DELETE FROM exports WHERE id = ANY(%s)", (doomed,))
    return len(doomed)
