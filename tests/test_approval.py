"""Approval codes: issued by the security office, bound to file, recipient and rows, checked offline."""

from __future__ import annotations

import base64
import datetime as dt
import json
import shutil
import struct
from pathlib import Path

import pytest

from masking.approval import (
    PREFIX,
    SigningKey,
    generate_signing_key,
    issue_approval,
    read_signing_key,
    verify_approval,
    write_signing_key,
)
from masking.cli.main import run
from masking.errors import KeyProblem, OutputError, PolicyError, UsageError
from masking.pipeline import ExportRequest, file_sha256, prepare_export, run_export
from masking.policy import DEFAULT_POLICY
from masking.recipient import Recipient
from masking.workspace import Workspace

SAMPLE = Path(__file__).resolve().parent.parent / "resources" / "samples" / "customers_zh.xlsx"  # 200 rows
OTHER = SAMPLE.with_name("messy.xlsx")
RECIPIENT = "城东代收银行"
NOW = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def office_key() -> SigningKey:
    return generate_signing_key()


def _policy(folder: Path, *public_keys: str, threshold: int = 100) -> Path:
    text = DEFAULT_POLICY.read_text(encoding="utf-8")
    text = text.replace("# approval_threshold = 5000", f"approval_threshold = {threshold}")
    keys = json.dumps(list(public_keys))
    text = text.replace("mandatory_layers = []", f"mandatory_layers = []\napproval_keys = {keys}")
    path = folder / "policy.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _code(key: SigningKey, *, source: Path = SAMPLE, recipient: str = RECIPIENT, rows: int = 200,
          days: int = 7, at: dt.datetime | None = None) -> str:
    return issue_approval(key, file_sha256(source), Recipient.of(recipient), rows, valid_days=days,
                          clock=lambda: at or dt.datetime.now(dt.UTC))


def _prepare(tmp_path: Path, policy: Path, approval: str | None, *, recipient: str = RECIPIENT,
             source: Path = SAMPLE):  # type: ignore[no-untyped-def]
    request = ExportRequest(input=source, recipient=recipient, purpose="欠费催缴", output=tmp_path / "out.xlsx",
                            policy_file=policy, approval=approval)
    return prepare_export(request, tmp_path / "home")


def _refusal(tmp_path: Path, policy: Path, approval: str, **kwargs: object) -> str:
    with pytest.raises(PolicyError) as caught:
        _prepare(tmp_path, policy, approval, **kwargs)  # type: ignore[arg-type]
    assert not (tmp_path / "out.xlsx").exists()
    return str(caught.value)


# --- the code itself ---------------------------------------------------------------------------------


def test_a_code_verifies_and_says_what_it_allows(office_key: SigningKey) -> None:
    digest = file_sha256(SAMPLE)
    code = issue_approval(office_key, digest, Recipient.of(RECIPIENT), 5000, valid_days=3, clock=lambda: NOW)
    assert code.startswith(PREFIX) and len(code) < 190
    # single-use codes: a second code for the same request, in the same second, is a code of its own
    again = issue_approval(office_key, digest, Recipient.of(RECIPIENT), 5000, valid_days=3, clock=lambda: NOW)
    assert again != code
    approval = verify_approval(code, [office_key.public_hex], digest, Recipient.of(f" {RECIPIENT} "),
                               clock=lambda: NOW + dt.timedelta(days=1))
    assert approval.rows == 5000
    assert approval.expires == NOW + dt.timedelta(days=3)
    assert approval.approver == office_key.approver and approval.approver.startswith("AK-")
    # read over the phone: case, spaces, dashes and 0/1 for O/I do not matter
    spoken = code.lower().replace("-", " ").replace("o", "0").replace("i", "1")
    assert verify_approval(spoken.replace("ega1 ", "EGA1-", 1), [office_key.public_hex], digest,
                           Recipient.of(RECIPIENT), clock=lambda: NOW).rows == 5000


@pytest.mark.parametrize(("change", "reason"), [
    ("file", "another file"),
    ("recipient", "another recipient"),
    ("expired", "expired on 2026-11-27"),
    ("future", "issued in the future"),
    ("untrusted", "does not trust"),
    ("no keys", "trusts no approval key"),
])
def test_a_code_that_does_not_fit_is_refused_with_its_reason(office_key: SigningKey, change: str, reason: str) -> None:
    digest = file_sha256(SAMPLE)
    code = issue_approval(office_key, digest, Recipient.of(RECIPIENT), 500, valid_days=7, clock=lambda: NOW)
    keys, check_digest, recipient, now = [office_key.public_hex], digest, RECIPIENT, NOW + dt.timedelta(hours=1)
    if change == "file":
        check_digest = file_sha256(OTHER)
    elif change == "recipient":
        recipient = "城西代收银行"
    elif change == "expired":
        now = NOW + dt.timedelta(days=7)
    elif change == "future":
        now = NOW - dt.timedelta(days=1)
    elif change == "untrusted":
        keys = [generate_signing_key().public_hex]
    else:
        keys = []
    with pytest.raises(PolicyError, match=reason) as caught:
        verify_approval(code, keys, check_digest, Recipient.of(recipient), clock=lambda: now)
    assert caught.value.exit_code == 4 and str(caught.value).startswith("approval code refused: ")


def test_a_tampered_code_is_refused(office_key: SigningKey) -> None:
    digest = file_sha256(SAMPLE)
    code = issue_approval(office_key, digest, Recipient.of(RECIPIENT), 150, clock=lambda: NOW)
    body = code[len(PREFIX):].replace("-", "")
    raw = bytearray(base64.b32decode(body + "=" * (-len(body) % 8)))
    raw[:4] = struct.pack(">I", 1_000_000)  # more rows than the office approved
    forged = PREFIX + base64.b32encode(bytes(raw)).decode().rstrip("=")
    with pytest.raises(PolicyError, match="altered or mistyped"):
        verify_approval(forged, [office_key.public_hex], digest, Recipient.of(RECIPIENT), clock=lambda: NOW)
    # any one mistyped character (the last one carries a padding bit, so it is left out)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    positions = [i for i, ch in enumerate(code) if i >= len(PREFIX) and ch != "-"][:-1]
    for i in positions:
        other = alphabet[(alphabet.index(code[i]) + 7) % 32]
        with pytest.raises(PolicyError, match="approval code refused"):
            verify_approval(code[:i] + other + code[i + 1:], [office_key.public_hex], digest, Recipient.of(RECIPIENT),
                            clock=lambda: NOW)


@pytest.mark.parametrize(("code", "reason"), [
    ("", "not an ExportGuard approval code"),
    ("hello", "not an ExportGuard approval code"),
    ("EGA1-ABCDE-FGHIJ", "wrong length"),
    ("EGA1-ABC!E", "not valid base32"),
])
def test_malformed_codes_are_refused(office_key: SigningKey, code: str, reason: str) -> None:
    with pytest.raises(PolicyError, match=reason):
        verify_approval(code, [office_key.public_hex], file_sha256(SAMPLE), Recipient.of(RECIPIENT))


@pytest.mark.parametrize(("rows", "days", "recipient"), [(0, 7, RECIPIENT), (10, 0, RECIPIENT), (10, 91, RECIPIENT),
                                                         (10, 7, "  ")])
def test_issue_refuses_nonsense(office_key: SigningKey, rows: int, days: int, recipient: str) -> None:
    with pytest.raises(UsageError):
        issue_approval(office_key, file_sha256(SAMPLE), Recipient.of(recipient), rows, valid_days=days)


# --- the signing key file ------------------------------------------------------------------------------


def test_signing_key_file_roundtrip_with_and_without_passphrase(tmp_path: Path) -> None:
    key = generate_signing_key()
    write_signing_key(key, tmp_path / "office.key", "a long passphrase")
    data = json.loads((tmp_path / "office.key").read_text(encoding="utf-8"))
    assert data["public_key"] == key.public_hex and data["protected"] is True
    assert key.private.hex() not in (tmp_path / "office.key").read_text(encoding="utf-8")
    assert (tmp_path / "office.key").stat().st_mode & 0o077 == 0
    assert read_signing_key(tmp_path / "office.key", "a long passphrase") == key
    with pytest.raises(KeyProblem, match="wrong passphrase"):
        read_signing_key(tmp_path / "office.key", "not it")
    with pytest.raises(KeyProblem, match="protected"):
        read_signing_key(tmp_path / "office.key")
    with pytest.raises(OutputError, match="already exists"):
        write_signing_key(generate_signing_key(), tmp_path / "office.key")
    write_signing_key(key, tmp_path / "open.key")
    assert read_signing_key(tmp_path / "open.key") == key
    (tmp_path / "bad.key").write_text("{}", encoding="utf-8")
    with pytest.raises(KeyProblem, match="not an ExportGuard signing key"):
        read_signing_key(tmp_path / "bad.key")


# --- the export ----------------------------------------------------------------------------------------


def test_bulk_export_needs_a_code_and_runs_with_one(tmp_path: Path, office_key: SigningKey) -> None:
    policy = _policy(tmp_path, office_key.public_hex)
    refused = _prepare(tmp_path, policy, None)
    assert not refused.verdict.ok and "200 rows is more than the 100" in refused.verdict.violations[0].text
    prepared = _prepare(tmp_path, policy, _code(office_key, rows=250))
    assert prepared.verdict.ok and prepared.approval is not None and prepared.approval.rows == 250
    workspace = Workspace(tmp_path / "home")
    ring, _ = workspace.keystore.open_or_create()
    result = run_export(prepared, ring, workspace.ledger(ring))
    assert result.output.is_file()
    [record] = workspace.ledger(ring).entries("export")
    assert record.body["approval"]["rows"] == 250 and record.body["approval"]["approver"] == office_key.approver


def test_bulk_export_refuses_codes_that_do_not_fit(tmp_path: Path, office_key: SigningKey) -> None:
    policy = _policy(tmp_path, office_key.public_hex)
    assert "another file" in _refusal(tmp_path, policy, _code(office_key, source=OTHER))
    assert "another recipient" in _refusal(tmp_path, policy, _code(office_key, recipient="城西代收银行"))
    assert "expired" in _refusal(tmp_path, policy, _code(office_key, at=dt.datetime.now(dt.UTC) - dt.timedelta(days=8)))
    assert "does not trust" in _refusal(tmp_path, policy, _code(generate_signing_key()))
    few = _prepare(tmp_path, policy, _code(office_key, rows=150))
    assert tuple(v.text for v in few.verdict.violations) == (
        "the approval code covers 150 rows, but the export has 200",)


def test_a_file_changed_after_the_check_is_refused(tmp_path: Path, office_key: SigningKey) -> None:
    source = tmp_path / "客户.xlsx"
    shutil.copyfile(SAMPLE, source)
    prepared = _prepare(tmp_path, _policy(tmp_path, office_key.public_hex), _code(office_key, source=source),
                        source=source)
    with source.open("ab") as handle:
        handle.write(b"\0")
    workspace = Workspace(tmp_path / "home")
    ring, _ = workspace.keystore.open_or_create()
    with pytest.raises(PolicyError, match="changed after its approval code"):
        run_export(prepared, ring, workspace.ledger(ring))
    assert not (tmp_path / "out.xlsx").exists()


# --- the command line ----------------------------------------------------------------------------------


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = run(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_keygen_approve_and_export(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    office, desk = str(tmp_path / "office"), str(tmp_path / "desk")
    key_file = str(tmp_path / "office.key")
    monkeypatch.setenv("EXPORTGUARD_SIGNING_PASSPHRASE", "office secret 1")
    code, out, _ = _run(capsys, "--home", office, "approve", "keygen", "--out", key_file, "--json")
    assert code == 0
    made = json.loads(out)
    assert made["protected"] is True and len(made["public_key"]) == 64
    policy = str(_policy(tmp_path, made["public_key"]))

    export = ["--home", desk, "export", str(SAMPLE), "--recipient", RECIPIENT, "--purpose", "欠费催缴",
              "--policy", policy, "--out", str(tmp_path / "out.xlsx")]
    code, out, err = _run(capsys, *export)
    assert code == 4 and out == "" and "more than the 100" in err and "--approval" in err

    code, out, _ = _run(capsys, "--home", office, "approve", str(SAMPLE), "--recipient", RECIPIENT, "--rows", "300",
                        "--signing-key", key_file, "--valid-days", "2", "--json")
    assert code == 0
    issued = json.loads(out)
    assert issued["rows"] == 300 and issued["approver"] == made["approver"]
    assert issued["input_sha256"] == file_sha256(SAMPLE)

    code, out, err = _run(capsys, *export, "--approval", issued["code"], "--json")
    assert code == 0, err
    assert json.loads(out)["rows"] == 200

    code, _, err = _run(capsys, *export, "--force", "--recipient", "别人", "--approval", issued["code"])
    assert code == 4 and "another recipient" in err

    code, out, _ = _run(capsys, "--home", office, "audit", "list", "--event", "approval", "--json")
    [entry] = json.loads(out)["entries"]
    assert entry["rows"] == 300 and entry["recipient"] == RECIPIENT
    assert issued["code"] not in out  # only its hash is recorded

    monkeypatch.setenv("EXPORTGUARD_SIGNING_PASSPHRASE", "wrong one")
    code, _, err = _run(capsys, "--home", office, "approve", str(SAMPLE), "--recipient", RECIPIENT, "--rows", "5",
                        "--signing-key", key_file)
    assert code == 5 and "wrong passphrase" in err


@pytest.mark.parametrize(("argv", "message"), [
    (["approve", "keygen"], "needs --out"),
    (["approve", str(SAMPLE), "--rows", "5"], "needs --recipient, --office"),
    (["approve", "keygen", "--out", "k", "--rows", "5"], "takes only --out"),
])
def test_cli_approve_usage_errors(capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    code, _, err = _run(capsys, *argv)
    assert code == 2 and message in err


def test_cli_keygen_text_names_the_policy_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "approve", "keygen", "--out", str(tmp_path / "k.key"), "--no-passphrase")
    key = read_signing_key(tmp_path / "k.key")
    assert code == 0 and f'approval_keys = ["{key.public_hex}"]' in out and "NOT protected" in out
