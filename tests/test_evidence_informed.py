"""Issue 18's canaries at the office's service: an informed leaker's fragment and a clear-phone fragment are
traced with ``trace --server`` on a real PostgreSQL, and the service's report is the one scoring every
export it holds gives (its inverted index must find the exports whose canaries can score)."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import informed_world as w
import psycopg
import pytest
import trace_harness as h
from evidence_service import cli, enroll_workstation, trace_everything

from masking.server.schema import MIGRATIONS, PROFILE_POSTINGS, migrate

ROWS = 120  # customers exported by each workstation


def _export(capsys: pytest.CaptureFixture[str], home: Path, source: Path, out: Path, recipient: str,  # noqa: PLR0917 - the export command's options
            policy: Path, *actions: str) -> tuple[str, list[list[str]]]:
    code, answer, err = cli(capsys, "--home", str(home), "export", str(source), "--recipient", recipient,
                            "--purpose", "欠费催缴", "--out", str(out), "--format", "csv", "--policy", str(policy),
                            "--force", "--json", *(f"--action={a}" for a in actions))
    assert code == 0, err
    assert answer["reporting"] == "sent"
    return str(answer["export_id"]), h.read_rows(out)


def _write(path: Path, rows: Sequence[Sequence[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def _trace(capsys: pytest.CaptureFixture[str], office: dict[str, str], token: str, fragment: Path,
           db: psycopg.Connection[Any]) -> set[str]:
    """The exports the service's trace names; its report must be the one scoring every export held gives."""
    code, report, err = cli(capsys, "trace", str(fragment), "--server", office["url"], "--token", token, "--json")
    assert code == 0, err
    report.pop("service")
    report.pop("leaked_sha256")
    assert report == trace_everything(db, fragment)
    return {c["export_id"] for c in report["candidates"] if c["named"]}


def test_the_service_traces_an_informed_leak_and_a_monitored_number(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], office: dict[str, str], db: psycopg.Connection[Any],
) -> None:
    a, b = tmp_path / "ws-a", tmp_path / "ws-b"
    enroll_workstation(capsys, office, a, "branch-a")
    enroll_workstation(capsys, office, b, "branch-b")
    source = tmp_path / "客户.csv"
    people = h.write_source(source, ROWS, seed=18)
    plain = w.world_policy(tmp_path / "policy.toml", pool=False, rate=w.CANARY_RATE)
    pooled = w.world_policy(tmp_path / "pool.toml", pool=True, rate=w.CANARY_RATE)
    # the same customers from two workstations, and their phones in clear (monitored canary numbers) from both
    guilty, rows = _export(capsys, a, source, tmp_path / "a.csv", "甲催收公司", plain)
    other = _export(capsys, b, source, tmp_path / "b.csv", "乙催收公司", plain)[0]
    phones, phone_rows = _export(capsys, b, source, tmp_path / "p.csv", "短信通知平台", pooled, "手机号码=keep")
    phones2 = _export(capsys, a, source, tmp_path / "p2.csv", "外呼服务公司", pooled, "手机号码=keep")[0]
    held = {str(r[0]) for r in db.execute("SELECT export_id FROM exports")}
    assert held == {guilty, other, phones, phones2}
    token = cli(capsys, "server", "token", "--db", office["db"], "--role", "investigator", "--json")[1]["token"]

    # names and IDs re-masked to one pattern, readings rounded, pseudonym columns dropped: tokens and marks dead
    informed = w.informed_leak(rows, ROWS, w.sample_seed("service", "informed"))
    assert _trace(capsys, office, token, _write(tmp_path / "informed.csv", informed), db) == {guilty}
    # the IDs cut to their first and last character, the names dropped: nothing but the canaries' profiles
    bare = [[c for n, c in enumerate(row) if n != 0] for row in
            w.informed_leak(rows, ROWS, w.sample_seed("service", "bare"), id_keep=(1, 1))]
    assert _trace(capsys, office, token, _write(tmp_path / "bare.csv", bare), db) == {guilty}

    # one canary row's monitored phone among real customers' phones, the phone column alone
    canaries = w.canary_positions(phone_rows, people)
    real = [r for n, r in enumerate(phone_rows) if n not in canaries]
    rng = w.sample_seed("service", "phone")
    fragment = [[row[w.PHONE]] for row in [phone_rows[canaries[0]], *rng.sample(real, 5)]]
    assert _trace(capsys, office, token, _write(tmp_path / "phone.csv", fragment), db) == {phones}

    # a service upgraded from before profile_postings indexes the exports it already held
    indexed = db.execute("SELECT count(*) FROM profile_postings").fetchone()
    assert indexed is not None and indexed[0] > 0
    db.execute("DROP TABLE profile_postings")
    db.execute("UPDATE eg_meta SET value = %s WHERE name = 'schema_version'", (str(PROFILE_POSTINGS - 1),))
    assert migrate(db) == (PROFILE_POSTINGS - 1, len(MIGRATIONS))
    assert db.execute("SELECT count(*) FROM profile_postings").fetchone() == indexed
    assert _trace(capsys, office, token, tmp_path / "bare.csv", db) == {guilty}


def test_the_service_scores_the_reading_mark(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], office: dict[str, str], db: psycopg.Connection[Any],
) -> None:
    a, b = tmp_path / "ws-a", tmp_path / "ws-b"
    enroll_workstation(capsys, office, a, "branch-a")
    enroll_workstation(capsys, office, b, "branch-b")
    source = tmp_path / "客户.csv"
    h.write_source(source, ROWS, seed=11)
    policy = h.write_policy(tmp_path / "p.toml", canary_rate=0.0)
    policy.write_text(policy.read_text(encoding="utf-8").replace('# mark_readings = ["本月电量(kWh)"]',
                                                                 'mark_readings = ["本月电量(kWh)"]'), encoding="utf-8")
    _export(capsys, a, source, tmp_path / "a.csv", "甲催收公司", policy)
    guilty, rows = _export(capsys, b, source, tmp_path / "b.csv", "乙催收公司", policy)
    marked = db.execute("SELECT count(*) FROM profile_postings").fetchone()
    assert marked is not None and 3 * ROWS < marked[0] <= 4 * ROWS  # held and other, each export (some alike)
    token = cli(capsys, "server", "token", "--db", office["db"], "--role", "investigator", "--json")[1]["token"]
    informed = w.informed_leak(rows, ROWS, w.sample_seed("service", "readings"))
    fragment = _write(tmp_path / "informed.csv", informed)
    assert _trace(capsys, office, token, fragment, db) == {guilty}
    report = cli(capsys, "trace", str(fragment), "--server", office["url"], "--token", token, "--json")[1]
    assert any(e["key"] == "reading_marks" for e in report["candidates"][0]["evidence"])
