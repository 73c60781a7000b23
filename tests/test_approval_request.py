"""The approval request: the desktop writes it, the security office issues a code from it alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from masking.approval import generate_signing_key, verify_approval, write_signing_key
from masking.approval_request import ApprovalRequest, read_request, write_request
from masking.cli.main import run
from masking.errors import InputError
from masking.recipient import Recipient

SHA = "ab" * 32


def _request() -> ApprovalRequest:
    return ApprovalRequest("客户.xlsx", SHA, "城东代收银行", "欠费催缴", 5000, user="zhang", machine="pc-1",
                           requested="2026-12-06T09:30:00+00:00")


def test_text_form_round_trips_and_damage_is_one_clear_error(tmp_path: Path) -> None:
    request = _request()
    text = request.to_text()
    assert text.startswith("EGR1:") and text.isascii() and "\n" not in text
    assert ApprovalRequest.from_text(text) == request
    with pytest.raises(InputError, match="damaged"):
        ApprovalRequest.from_text(text[:-7] + "!!!")
    with pytest.raises(InputError, match="start with EGR1"):
        ApprovalRequest.from_text("EGA1-ABCDE")
    bad = json.loads(json.dumps(request.to_dict()) .replace(SHA, "zz"))
    with pytest.raises(InputError, match="bad file hash"):
        ApprovalRequest.from_dict(bad)
    path = tmp_path / "r.egreq"
    qr = write_request(request, path)
    assert read_request(path) == request and qr.read_bytes()[:4] == b"\x89PNG"


def test_the_office_issues_from_the_file_or_the_scanned_text(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    key = generate_signing_key()
    key_file = tmp_path / "office.key"
    write_signing_key(key, key_file, "")
    request = _request()
    path = tmp_path / "r.egreq"
    write_request(request, path)
    home = str(tmp_path / "office")
    for given in (str(path), request.to_text()):
        code = run(["--home", home, "approve", "--request", given, "--signing-key", str(key_file), "--rows", "4000",
                    "--json"])
        issued = json.loads(capsys.readouterr().out)
        assert code == 0 and issued["rows"] == 4000  # --rows may only lower what was asked
        approval = verify_approval(issued["code"], [key.public_hex], SHA, Recipient.of("城东代收银行"))
        assert approval.rows == 4000
    code = run(["--home", home, "approve", "x.xlsx", "--request", str(path), "--signing-key", str(key_file)])
    assert code == 2 and "leave out INPUT" in capsys.readouterr().err
    code = run(["--home", home, "approve", "--request", str(tmp_path / "missing.egreq"), "--signing-key",
                str(key_file)])
    assert code == 3 and "no such file" in capsys.readouterr().err
