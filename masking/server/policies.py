"""Which policies the office signed, and the rule records are judged by on arrival.

The office registers each policy it signs (``exportguard server policy --office DIR SIGNED``: the
signature is checked against the office's public keys, and only the policy's SHA-256, version and
signer are kept). From the first registration on, every export record names the SHA-256 of the policy
it ran under (issue 12), and:

- a record made under a policy the office did not sign is **refused**: not stored as evidence of a
  proper export, kept in ``refused_records`` for ``server check``, and the workstation is told (its
  ``sync`` fails with exit 8 and the record stays queued, so the unsynced limit stops its exports);
  an admin who has looked (``server resolve``) lets it in, stored flagged and resolved;
- a record that names no policy hash (made before records carried one) is stored **flagged**.

An office that has registered no policy has not turned the rule on: nothing is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from masking.errors import PolicyError
from masking.evidence.envelope import EnvelopeError, ReportedRecord
from masking.ledger import canonical
from masking.office import OfficeKeys
from masking.policy import policy_from_text
from masking.policy_signing import read_signed, verify_signed


@dataclass(frozen=True)
class RegisteredPolicy:
    sha256: str
    version: str
    signer: str

    def as_dict(self) -> dict[str, str]:
        return {"sha256": self.sha256, "version": self.version, "signer": self.signer}


def register_policy(conn: psycopg.Connection[Any], signed_file: Path, office: OfficeKeys) -> RegisteredPolicy:
    """Check ``signed_file`` is a policy ``office`` signed (exit 4 otherwise) and register it."""
    signed = read_signed(signed_file)
    if signed is None:
        raise PolicyError(f"{signed_file.name} is not a signed policy ('exportguard policy sign')")
    verify_signed(signed, office, signed_file.name)
    policy = policy_from_text(signed.text, str(signed_file), "signed", signer=signed.office.office_id)
    registered = RegisteredPolicy(signed.sha256, policy.version, signed.office.office_id)
    conn.execute("INSERT INTO policies (sha256, version, signer) VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
                 (registered.sha256, registered.version, registered.signer))
    return registered


def withdraw_others(conn: psycopg.Connection[Any], kept: list[str]) -> list[RegisteredPolicy]:
    """Withdraw every registered policy but ``kept``: a workstation that goes back to an older policy the
    office once signed (``policy install`` takes any it signed) has its records refused from now on."""
    rows = conn.execute("DELETE FROM policies WHERE NOT (sha256 = ANY(%s)) RETURNING sha256, version, signer",
                        (kept,)).fetchall()
    return [RegisteredPolicy(str(sha), str(version), str(signer)) for sha, version, signer in rows]


class PolicyRefused(EnvelopeError):
    """An export record made under a policy the office did not sign; ``stored_through`` is the last
    sequence number of the batch stored before it (the workstation acknowledges up to there)."""

    status = 409

    def details(self) -> dict[str, Any]:
        return {"policy_refused": {"seq": self.seq, "sha256": self.sha256}, "stored_through": self.stored_through}

    def __init__(self, seq: int, sha256: str, stored_through: int) -> None:
        super().__init__(f"record {seq} was made under policy {sha256[:16]}..., which the security office did not "
                         "sign; an admin must look at it ('exportguard server check')")
        self.seq, self.sha256, self.stored_through = seq, sha256, stored_through


@dataclass(frozen=True)
class PolicyJudgement:
    refused: str | None = None  # the unsigned policy's SHA-256
    flag: str | None = None  # stored, flagged with this
    accepted_by_admin: bool = False


def judge(conn: psycopg.Connection[Any], workstation_id: int, record: ReportedRecord) -> PolicyJudgement:
    """The policy rule for one arriving record (see the module's docstring)."""
    export = record.export
    if export is None or conn.execute("SELECT 1 FROM policies LIMIT 1").fetchone() is None:
        return PolicyJudgement()
    sha256 = str((export.policy or {}).get("sha256") or "")
    if not sha256:
        return PolicyJudgement(flag="the record names no policy hash: whether the office signed its policy "
                                    "cannot be told")
    if conn.execute("SELECT 1 FROM policies WHERE sha256 = %s", (sha256,)).fetchone():
        return PolicyJudgement()
    entry = record.entry
    accepted = conn.execute("SELECT 1 FROM refused_records WHERE workstation_id = %s AND seq = %s AND hash = %s"
                            " AND resolved IS NOT NULL", (workstation_id, entry.seq, entry.hash)).fetchone()
    if accepted:
        return PolicyJudgement(flag=f"made under policy {sha256[:16]}..., which the security office did not sign "
                                    "(let in by an admin)", accepted_by_admin=True)
    return PolicyJudgement(refused=sha256)


def keep_refused(conn: psycopg.Connection[Any], workstation_id: int, record: ReportedRecord, sha256: str) -> None:
    entry = record.entry
    conn.execute("INSERT INTO refused_records (workstation_id, seq, hash, event, body, reason)"
                 " VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                 (workstation_id, entry.seq, entry.hash, entry.event, canonical(entry.body).decode(),
                  f"made under policy {sha256}, which the security office did not sign"))
