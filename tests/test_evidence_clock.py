"""Clock tricks (docs/insider-review.md, "Clock tricks"), on a real PostgreSQL.

The employee owns the workstation's clock; the office's service reads its own (the database's
``now()``). A test moves the workstation's clock the way setting the system time would, for every
``dt.datetime.now`` of the process (:func:`moved_clock`); the database's clock stays where it is.
The service runs in the same process, but everything it stamps comes from PostgreSQL, and
``server check`` is given the real time explicitly.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
from evidence_service import Service
from evidence_service import cli as _run
from evidence_service import enroll_workstation as _workstation
from test_evidence_service import SAMPLE, _export

from masking.policy import DEFAULT_POLICY
from masking.server.check import check

REAL_DATETIME = dt.datetime
RECIPIENT = "城东代收银行"


@contextmanager
def moved_clock(monkeypatch: pytest.MonkeyPatch, by: dt.timedelta) -> Iterator[None]:
    """The workstation's clock moved ``by`` (forward or back) while the block runs."""

    class Moved(REAL_DATETIME):
        @classmethod
        def now(cls, tz: dt.tzinfo | None = None) -> dt.datetime:  # type: ignore[override]  # same call, moved
            return REAL_DATETIME.now(tz) + by

    with monkeypatch.context() as patch:
        patch.setattr(dt, "datetime", Moved)
        yield


def _real_now() -> dt.datetime:
    return REAL_DATETIME.now(dt.UTC)


def _flags(db: psycopg.Connection[Any]) -> list[str]:
    return [str(row[0]) for row in db.execute("SELECT flag FROM records WHERE flag IS NOT NULL ORDER BY id")]


def _approval_policy(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Path:
    """A policy needing a code above 50 rows, trusting a signing key made here (``tmp_path/office.key``)."""
    monkeypatch.setenv("EXPORTGUARD_SIGNING_PASSPHRASE", "office signing secret")
    code, made, _ = _run(capsys, "approve", "keygen", "--out", str(tmp_path / "office.key"), "--json")
    assert code == 0
    policy = tmp_path / "policy.toml"
    policy.write_text(DEFAULT_POLICY.read_text(encoding="utf-8").replace(
        "# approval_threshold = 5000", "approval_threshold = 50").replace(
        "mandatory_layers = []", f'mandatory_layers = []\napproval_keys = ["{made["public_key"]}"]'), "utf-8")
    return policy


def test_an_expired_approval_code_with_the_clock_set_back_is_refused_by_the_service_or_flagged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], office: dict[str, str], db: psycopg.Connection[Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Attacks 32 and 33: a code valid for one day, issued four days ago, used with the clock set back into its
    validity. The workstation cannot tell (its clock is the liar); the service consumes codes by its own
    clock and refuses it, and one used offline is flagged when its record arrives."""
    policy = _approval_policy(tmp_path, capsys, monkeypatch)
    with moved_clock(monkeypatch, -dt.timedelta(days=4)):  # the office issued it four days ago
        code, issued, _ = _run(capsys, "--home", str(tmp_path / "office-home"), "approve", str(SAMPLE),
                               "--recipient", RECIPIENT, "--rows", "200", "--valid-days", "1",
                               "--signing-key", str(tmp_path / "office.key"), "--json")
    assert code == 0
    approval = ["--policy", str(policy), "--approval", issued["code"]]
    back = -dt.timedelta(days=3, hours=12)  # half a day into the code's validity
    home, offline = tmp_path / "ws", tmp_path / "ws-offline"
    with moved_clock(monkeypatch, back - dt.timedelta(hours=1)):  # the clock was back before anything was recorded
        _workstation(capsys, office, home, "branch-t")
    shutil.copytree(home, offline)

    # with the true time the code is refused on the workstation itself
    code, _, err = _export(capsys, home, RECIPIENT, tmp_path / "real.csv", *approval)
    assert code == 4 and "expired on" in err
    shutil.rmtree(home)
    shutil.copytree(offline, home)  # that refusal's record, dated now, is gone with the copy put back

    # the clock set back: the workstation accepts the code; the service, asked to consume it, does not
    out = tmp_path / "back.csv"
    with moved_clock(monkeypatch, back):
        code, refused, err = _export(capsys, home, RECIPIENT, out, *approval)
    assert code == 4, err
    assert "expired on" in err and "by the security office's clock" in err and not out.exists()
    assert refused["error"]["exit_code"] == 4
    assert db.execute("SELECT count(*) FROM approvals_used").fetchone() == (0,)

    # the same from a home cut off from the service: written, and flagged when its record arrives
    link = json.loads((offline / "service.json").read_text("utf-8"))
    link["url"], reachable = "http://127.0.0.1:9", link["url"]
    (offline / "service.json").write_text(json.dumps(link), "utf-8")
    with moved_clock(monkeypatch, back):
        code, made, err = _export(capsys, offline, RECIPIENT, tmp_path / "offline.csv", *approval)
    assert code == 0 and made["reporting"] == "queued", err
    link["url"] = reachable
    (offline / "service.json").write_text(json.dumps(link), "utf-8")
    assert _run(capsys, "--home", str(offline), "sync")[0] == 0
    expired = [f for f in _flags(db) if "approval code expired on" in f]
    assert len(expired) == 1 and "before the service first heard of this export" in expired[0]
    problems = [p.problem for p in check(db, now=_real_now())]
    assert any("approval code expired on" in p for p in problems)


def test_an_export_dated_earlier_or_later_than_it_was_made_is_flagged_at_the_service(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], office: dict[str, str], db: psycopg.Connection[Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Attacks 35 and 37: exports dated earlier or later than they were made (to look older or newer in the
    ledger and at the service, to sort before other records, to fall in another period)."""
    home = tmp_path / "ws"
    _workstation(capsys, office, home, "branch-u")
    code, first, err = _export(capsys, home, RECIPIENT, tmp_path / "first.csv")
    assert code == 0 and first["reporting"] == "sent", err
    assert _flags(db) == []  # a true clock raises nothing

    # set back two days: the workstation has sent everything, so the service is the judge
    with moved_clock(monkeypatch, -dt.timedelta(days=2)):
        code, back, err = _export(capsys, home, RECIPIENT, tmp_path / "back.csv")
    assert code == 0 and back["reporting"] == "sent", err
    [setback] = _flags(db)
    assert "before the record it follows" in setback and "before the service heard of its export" in setback
    code, verified, _ = _run(capsys, "--home", str(home), "audit", "verify", "--json")
    assert code != 0 and any("the clock was set back" in p["problem"] for p in verified["problems"])

    # set forward two days: the workstation cannot tell; the service can, by its own clock
    with moved_clock(monkeypatch, dt.timedelta(days=2)):
        code, ahead, err = _export(capsys, home, RECIPIENT, tmp_path / "ahead.csv")
    assert code == 0 and ahead["reporting"] == "sent", err
    forward = [f for f in _flags(db) if "set forward" in f]
    assert len(forward) == 1 and "after the service received it" in forward[0]
    assert "long after the service heard of its export" in forward[0]
    problems = [p.as_dict() for p in check(db, now=_real_now())]
    assert [p["workstation"] for p in problems] == ["branch-u", "branch-u"]
    assert all("clock was set" in p["problem"] for p in problems)


def test_the_unsynced_limit_is_not_escaped_by_setting_the_clock_back(  # noqa: PLR0917 (fixtures)
    tmp_path: Path, capsys: pytest.CaptureFixture[str], office: dict[str, str], db: psycopg.Connection[Any],
    service: Service, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Attack 38: offline past ``max_unsynced_hours`` (72 by default), the clock set back to look within it."""
    home = tmp_path / "ws"
    _workstation(capsys, office, home, "branch-v")
    service.stop()
    code, queued, err = _export(capsys, home, RECIPIENT, tmp_path / "queued.csv")
    assert code == 0 and queued["reporting"] == "queued", err
    four_days = dt.timedelta(days=4)
    with moved_clock(monkeypatch, four_days):  # four days pass with the record still here
        code, _, err = _export(capsys, home, RECIPIENT, tmp_path / "late.csv")
    assert code == 4 and "72 hours" in err
    with moved_clock(monkeypatch, four_days - dt.timedelta(days=2)):  # the clock set back two of them
        code, _, err = _export(capsys, home, RECIPIENT, tmp_path / "slipped.csv")
    assert code == 4 and "behind a record it has not yet sent to the security office" in err
    assert not (tmp_path / "slipped.csv").exists()
    # the service's own clock says how long the workstation has been silent, whatever the workstation's says
    problems = [p.problem for p in check(db, now=_real_now() + dt.timedelta(days=8))]
    assert any(p.startswith("silent for 192 hours (the policy allows 168)") for p in problems)
