"""Continuity checks over every workstation (``server check``) and an admin's resolution of them.

Problems: records stored flagged on arrival (gaps, forks, an older copy put back, a ledger that
started again; see :mod:`masking.server.ingest`), a workstation name enrolled again while an earlier
identity's chain was live (the home was wiped), records refused because they were made under a
policy the office did not sign, an export announced before its output was written whose record never
arrived (15 minutes' grace), and a workstation silent past the setting ``silent_hours``.
``resolve`` marks a workstation's problems as seen by an admin; they stay stored.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import psycopg

from masking.plurals import counted
from masking.server.schema import setting

# How long an announced export's record may take to arrive (the export writes its record and sends it
# right after the output is committed) before ``check`` reports it.
ANNOUNCED_GRACE = dt.timedelta(minutes=15)


@dataclass(frozen=True)
class Problem:
    workstation: str
    problem: str

    def as_dict(self) -> dict[str, str]:
        return {"workstation": self.workstation, "problem": self.problem}


def check(conn: psycopg.Connection[Any], *, now: dt.datetime | None = None) -> list[Problem]:
    problems: list[Problem] = []
    for name, seq, flag in conn.execute(
            "SELECT w.name, r.seq, r.flag FROM records r JOIN workstations w ON w.id = r.workstation_id"
            " WHERE r.flag IS NOT NULL AND r.resolved IS NULL ORDER BY w.name, r.id"):
        problems.append(Problem(name, f"record {seq}: {flag}"))
    for name, seq, reason in conn.execute(
            "SELECT w.name, r.seq, r.reason FROM refused_records r JOIN workstations w ON w.id = r.workstation_id"
            " WHERE r.resolved IS NULL ORDER BY w.name, r.id"):
        problems.append(Problem(name, f"record {seq}: refused, {reason}"))
    for name, enrolled, earlier_seq in conn.execute(
            "SELECT w.name, w.enrolled, e.head_seq FROM workstations w JOIN workstations e"
            " ON e.name = w.name AND e.id < w.id AND e.revoked IS NULL"
            " WHERE w.restart_resolved IS NULL ORDER BY w.name, w.id"):
        problems.append(Problem(name, f"enrolled again at {enrolled.isoformat(timespec='seconds')} while an earlier "
                                      f"identity's chain (head {earlier_seq}) was live: the chain started again "
                                      "(a wiped home?)"))
    hours = float(setting(conn, "silent_hours"))
    moment = now or dt.datetime.now(dt.UTC)
    for name, export_id, announced in conn.execute(
            "SELECT w.name, a.export_id, a.announced FROM exports_announced a JOIN workstations w"
            " ON w.id = a.workstation_id WHERE a.announced < %s AND NOT EXISTS"
            " (SELECT 1 FROM exports e WHERE e.export_id = a.export_id) AND NOT EXISTS"  # an export without trace data
            " (SELECT 1 FROM records r WHERE r.workstation_id = a.workstation_id AND r.event = 'export'"
            " AND r.body::jsonb ->> 'export_id' = a.export_id) ORDER BY w.name, a.announced",
            (moment - ANNOUNCED_GRACE,)):
        problems.append(Problem(name, f"export {export_id} was announced at {announced.isoformat(timespec='seconds')}"
                                      " before its output was written, and its record never arrived (the home "
                                      "put back or its queue deleted?)"))
    for name, last_seen in conn.execute(
            "SELECT name, last_seen FROM workstations w WHERE revoked IS NULL AND NOT EXISTS"
            " (SELECT 1 FROM workstations n WHERE n.name = w.name AND n.id > w.id)"):
        if last_seen is not None and moment - last_seen > dt.timedelta(hours=hours):
            silent = (moment - last_seen).total_seconds() / 3600
            problems.append(Problem(name, f"silent for {counted(round(silent), 'hour')} (the policy allows {hours:g})"))
    return problems


def resolve(conn: psycopg.Connection[Any], workstation: str) -> int:
    """Clear a workstation's flagged records and restarts; returns how many were cleared.

    An earlier identity of a restarted workstation is revoked, so the old chain cannot resume."""
    with conn.transaction():
        records = conn.execute(
            "UPDATE records SET resolved = now() WHERE resolved IS NULL AND flag IS NOT NULL AND workstation_id IN"
            " (SELECT id FROM workstations WHERE name = %s)", (workstation,)).rowcount
        records += conn.execute(  # let in at the next sync, stored flagged (see masking.server.policies)
            "UPDATE refused_records SET resolved = now() WHERE resolved IS NULL AND workstation_id IN"
            " (SELECT id FROM workstations WHERE name = %s)", (workstation,)).rowcount
        newest = conn.execute("SELECT max(id) FROM workstations WHERE name = %s", (workstation,)).fetchone()
        restarts = 0
        if newest and newest[0] is not None:
            restarts = conn.execute(
                "UPDATE workstations SET restart_resolved = now() WHERE name = %s AND restart_resolved IS NULL"
                " AND id > (SELECT min(id) FROM workstations WHERE name = %s)", (workstation, workstation)).rowcount
            conn.execute("UPDATE workstations SET revoked = now() WHERE name = %s AND id < %s AND revoked IS NULL",
                         (workstation, newest[0]))
    return records + restarts
