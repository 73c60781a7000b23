"""Password-protected outputs: Office encryption, a password shown once, no plaintext left behind."""

from __future__ import annotations

import io
import json
import sqlite3
import stat
from pathlib import Path

import msoffcrypto
import openpyxl
import pytest

from masking.cli.main import run
from masking.errors import Cancelled, InputError, OutputError, UsageError
from masking.io import encrypted_xlsx
from masking.io.encrypted_xlsx import PASSWORD_ALPHABET, decrypt_package, generate_password
from masking.io.reader import open_workbook
from masking.pipeline import ExportRequest, ExportResult, prepare_export, run_export
from masking.policy import DEFAULT_POLICY
from masking.workspace import Workspace

SAMPLE = Path(__file__).resolve().parent.parent / "resources" / "samples" / "customers_zh.xlsx"
RECIPIENT = "城东代收银行"


def _export(tmp_path: Path, out: Path, *, password: bool, progress=None,  # type: ignore[no-untyped-def]
            policy: Path | None = None) -> ExportResult:
    workspace = Workspace(tmp_path / "home")
    ring, _ = workspace.keystore.open_or_create()
    request = ExportRequest(input=SAMPLE, recipient=RECIPIENT, purpose="欠费催缴", output=out, password=password,
                            policy_file=policy)
    return run_export(prepare_export(request, tmp_path / "home"), ring, workspace.ledger(ring), progress=progress)


def _data_sheet(package: bytes) -> list[tuple[object, ...]]:
    book = openpyxl.load_workbook(io.BytesIO(package), read_only=True)
    try:
        return [tuple(row) for row in book["明细"].iter_rows(values_only=True)]
    finally:
        book.close()


def test_generated_passwords_are_strong_and_readable() -> None:
    password = generate_password()
    groups = password.split("-")
    assert [len(g) for g in groups] == [5, 5, 5, 5]
    assert set("".join(groups)) <= set(PASSWORD_ALPHABET) and not set("01OIL") & set(PASSWORD_ALPHABET)
    assert len({generate_password() for _ in range(50)}) == 50
    assert generate_password([0] * 20) == "22222-22222-22222-22222"
    with pytest.raises(ValueError, match="20 characters"):
        generate_password([0] * 3)


def test_protected_output_opens_with_the_password_and_matches_a_plain_export(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    encrypted: list[bytes] = []
    real_encrypt = encrypted_xlsx.encrypt_package

    def keep_a_copy(plain: Path, out: Path, password: str) -> None:
        encrypted.append(plain.read_bytes())
        real_encrypt(plain, out, password)

    monkeypatch.setattr(encrypted_xlsx, "encrypt_package", keep_a_copy)
    no_canaries = tmp_path / "policy.toml"  # canary rows differ per export by design; leave them out here
    no_canaries.write_text(DEFAULT_POLICY.read_text(encoding="utf-8").replace("canary_rate = 0.015", "canary_rate = 0"),
                           encoding="utf-8")
    plain = _export(tmp_path, out_dir / "plain.xlsx", password=False, policy=no_canaries)
    protected = _export(tmp_path, out_dir / "locked.xlsx", password=True, policy=no_canaries)
    assert plain.password is None and protected.password is not None
    assert sorted(p.name for p in out_dir.iterdir()) == ["locked.xlsx", "plain.xlsx"]
    locked = out_dir / "locked.xlsx"
    assert locked.read_bytes()[:8] == bytes.fromhex("d0cf11e0a1b11ae1")  # an OLE container, as Office writes
    assert stat.S_IMODE(locked.stat().st_mode) == 0o600
    with locked.open("rb") as handle:
        office = msoffcrypto.OfficeFile(handle)
        assert office.is_encrypted()
        office.load_key(password=protected.password, verify_password=True)
        decrypted = io.BytesIO()
        office.decrypt(decrypted)
    assert [decrypted.getvalue()] == encrypted  # exactly the package the pipeline wrote
    rows, plain_rows = _data_sheet(decrypted.getvalue()), _data_sheet(plain.output.read_bytes())
    assert len(rows) == len(plain_rows) == 201 and rows[0] == plain_rows[0]
    # row marks vary masked cells per export by design; every other column is the same as a plain export's
    same = [i for i, column in enumerate(protected.columns) if column.action != "mask"]
    assert len(same) >= 6
    assert [[row[i] for i in same] for row in rows] == [[row[i] for i in same] for row in plain_rows]
    assert protected.password not in repr(protected)
    as_json = protected.as_dict()
    assert as_json["password"] == protected.password and as_json["password_protected"] is True
    assert "password" not in plain.as_dict() and plain.as_dict()["password_protected"] is False
    # our own reader refuses it as what it is: an encrypted workbook
    with pytest.raises(InputError, match="password"), open_workbook(locked):
        pass


def test_a_wrong_password_does_not_open_it(tmp_path: Path) -> None:
    result = _export(tmp_path, tmp_path / "locked.xlsx", password=True)
    assert result.password is not None
    assert _data_sheet(decrypt_package(result.output, result.password))
    with pytest.raises(ValueError, match="wrong password"):
        decrypt_package(result.output, generate_password())
    with pytest.raises(ValueError, match="wrong password"):
        decrypt_package(result.output, result.password.lower())


def test_plaintext_lives_only_in_a_private_folder_and_is_gone_after_success(tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    seen: list[list[tuple[str, int]]] = []

    def watch(done: int, total: int) -> None:
        if done:  # rows are being written (progress at 0 comes from the canary check's pass, before)
            seen.append([(p.name, stat.S_IMODE(p.stat().st_mode)) for p in out_dir.iterdir()])

    _export(tmp_path, out_dir / "locked.xlsx", password=True, progress=watch)
    assert seen, "progress was never reported"
    for listing in seen:  # while writing: the (empty) sealed temp file, and the private folder
        assert all(name.startswith(".~exportguard-") for name, _ in listing)
        assert [mode for name, mode in listing if name.endswith(".d")] == [0o700]
    assert [p.name for p in out_dir.iterdir()] == ["locked.xlsx"]


def test_nothing_is_left_after_a_cancel(tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    out_dir.mkdir()

    def cancel(done: int, total: int) -> None:
        raise Cancelled("cancelled by the user")

    with pytest.raises(Cancelled):
        _export(tmp_path, out_dir / "locked.xlsx", password=True, progress=cancel)
    assert list(out_dir.iterdir()) == []


def test_nothing_is_left_after_a_failed_encryption(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out_dir = tmp_path / "out"
    out_dir.mkdir()

    def broken(plain: Path, out: Path, password: str) -> None:
        assert plain.is_file() and plain.stat().st_size > 0
        out.write_bytes(b"half an encrypted file")
        raise OutputError("the output could not be password-protected")

    monkeypatch.setattr(encrypted_xlsx, "encrypt_package", broken)
    with pytest.raises(OutputError, match="password-protected"):
        _export(tmp_path, out_dir / "locked.xlsx", password=True)
    assert list(out_dir.iterdir()) == []
    ring, _ = Workspace(tmp_path / "home").keystore.open_or_create()
    assert Workspace(tmp_path / "home").ledger(ring).entries("export") == []


def test_the_password_is_nowhere_in_the_ledger(tmp_path: Path) -> None:
    result = _export(tmp_path, tmp_path / "locked.xlsx", password=True)
    assert result.password is not None
    workspace = Workspace(tmp_path / "home")
    ring, _ = workspace.keystore.open_or_create()
    [record] = workspace.ledger(ring).entries("export")
    assert record.body["password_protected"] is True
    workspace.ledger(ring).export_records(tmp_path / "ledger.jsonl")
    needles = {result.password, result.password.replace("-", "")}
    haystacks = [(tmp_path / "ledger.jsonl").read_text(encoding="utf-8")]
    with sqlite3.connect(tmp_path / "home" / "ledger.sqlite") as db:
        haystacks += [" ".join(map(str, row)) for table in ("entries", "heads", "meta")
                      for row in db.execute(f"SELECT * FROM {table}")]  # noqa: S608 (fixed table names)
    for path in (tmp_path / "home").rglob("*"):
        if path.is_file():
            haystacks.append(path.read_bytes().decode("latin-1"))
    assert not any(needle in hay for needle in needles for hay in haystacks)


def test_csv_cannot_carry_a_password(tmp_path: Path) -> None:
    request = ExportRequest(input=SAMPLE, recipient=RECIPIENT, purpose="欠费催缴", output=tmp_path / "o.csv",
                            format="csv", password=True)
    with pytest.raises(UsageError, match="cannot be password-protected"):
        prepare_export(request, tmp_path / "home")


# --- the command line ----------------------------------------------------------------------------------


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = run(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _policy(tmp_path: Path) -> str:
    text = DEFAULT_POLICY.read_text(encoding="utf-8").replace("require_password = false", "require_password = true")
    (tmp_path / "p.toml").write_text(text, encoding="utf-8")
    return str(tmp_path / "p.toml")


def test_cli_shows_the_password_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = ["export", str(SAMPLE), "--recipient", RECIPIENT, "--purpose", "欠费催缴", "--password"]
    code, out, err = _run(capsys, *base, "--out", str(tmp_path / "a.xlsx"))
    assert code == 0, err
    [line] = [line for line in out.splitlines() if "Password" in line]
    password = line.rsplit(" ", 1)[1]
    assert out.count(password) == 1 and password not in err
    assert _data_sheet(decrypt_package(tmp_path / "a.xlsx", password))

    code, out, _ = _run(capsys, *base, "--out", str(tmp_path / "b.xlsx"), "--json")
    assert code == 0
    payload = json.loads(out)
    assert out.count(payload["password"]) == 1 and payload["password_protected"] is True

    code, out, _ = _run(capsys, *base, "--out", str(tmp_path / "c.xlsx"), "--quiet")
    assert code == 0 and out.startswith("Password") and out.count("\n") == 1

    code, out, err = _run(capsys, *base, "--out", str(tmp_path / "d.csv"), "--format", "csv")
    assert code == 2 and out == "" and "cannot be password-protected" in err
    assert not (tmp_path / "d.csv").exists()


def test_cli_policy_requiring_a_password(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    policy = _policy(tmp_path)
    base = ["export", str(SAMPLE), "--recipient", RECIPIENT, "--purpose", "欠费催缴", "--policy", policy]
    code, _, err = _run(capsys, *base, "--out", str(tmp_path / "a.xlsx"))
    assert code == 4 and "requires a password-protected output (--password)" in err
    code, _, err = _run(capsys, *base, "--out", str(tmp_path / "a.csv"), "--format", "csv")
    assert code == 4 and "a csv file cannot be: export as xlsx with --password" in err
    assert [p.name for p in tmp_path.iterdir()] == ["p.toml"]  # refused before anything was written
    code, out, err = _run(capsys, *base, "--out", str(tmp_path / "a.xlsx"), "--password", "--json")
    assert code == 0, err
    assert json.loads(out)["policy"]["ok"] is True
