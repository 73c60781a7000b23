"""An export hidden by putting its home back (docs/insider-review.md, row 17), on a real PostgreSQL.

Every export of an enrolled workstation is announced to the service before its output is committed.
An employee who exports, keeps the record from leaving (network cut right after the export) and puts
back a copy of the home taken before it leaves the service an announcement without a record, which
``server check`` reports; with ``[reporting] offline_exports = "refuse"`` no export is written while
the service cannot be reached.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import psycopg
import pytest
from evidence_service import enroll_workstation as _workstation
from test_evidence_service import _export

from masking.policy import DEFAULT_POLICY
from masking.server.check import check


def test_an_export_whose_record_never_arrives_is_reported_and_offline_exports_can_be_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], office: dict[str, str],
    db: psycopg.Connection[Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text(DEFAULT_POLICY.read_text("utf-8").replace('offline_exports = "allow"',
                                                                'offline_exports = "refuse"'), "utf-8")
    home, copy = tmp_path / "ws", tmp_path / "ws-copy"
    _workstation(capsys, office, home, "branch-r")
    shutil.copytree(home, copy)

    # the export is made, and the network is cut before its record leaves
    with monkeypatch.context() as cut:
        cut.setattr("masking.pipeline.report_after_export", lambda *_: "queued")
        code, hidden, err = _export(capsys, home, "城东代收银行", tmp_path / "hidden.csv", "--policy", str(policy))
    assert code == 0 and hidden["reporting"] == "queued", err
    # the copy taken before it is put back, and the workstation goes on as if nothing happened
    shutil.rmtree(home)
    copy.rename(home)
    code, later, err = _export(capsys, home, "城东代收银行", tmp_path / "later.csv", "--policy", str(policy))
    assert code == 0 and later["reporting"] == "sent", err

    soon = [p.problem for p in check(db)]
    assert not any("never arrived" in p for p in soon)  # within the grace an export's record may take
    problems = [p.as_dict() for p in check(db, now=dt.datetime.now(dt.UTC) + dt.timedelta(hours=1))]
    hidden_id, later_id = hidden["export_id"], later["export_id"]
    assert [p["workstation"] for p in problems if hidden_id in p["problem"]] == ["branch-r"]
    assert any("never arrived" in p["problem"] for p in problems if hidden_id in p["problem"])
    assert not any(later_id in p["problem"] for p in problems)

    # offline: refused (exit 7) before anything is written
    link = json.loads((home / "service.json").read_text("utf-8"))
    link["url"] = "http://127.0.0.1:9"
    (home / "service.json").write_text(json.dumps(link), "utf-8")
    out = tmp_path / "offline.csv"
    code, refused, err = _export(capsys, home, "城东代收银行", out, "--policy", str(policy))
    assert code == 7 and "allows no export while its service cannot be reached" in err and not out.exists()
    assert refused["error"]["exit_code"] == 7
    # the default policy lets an offline export go on and queue its record
    code, queued, err = _export(capsys, home, "城东代收银行", out)
    assert code == 0 and queued["reporting"] == "queued" and out.exists(), err
