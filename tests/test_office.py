"""Out of the employee's hands (issue 12), from the command line, on the 200-row sample in a managed home.

The office makes its keys (``office init``), its home's keystore holds the organisation's export keys,
``keys export-bundle --office`` carries the office's public keys to a workstation, which imports the
bundle (and so becomes managed) and installs a signed policy with ``approval_threshold = 50``.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from memory_keyring import MemoryKeyring

from masking.cli.main import run
from masking.io.model import Value
from masking.io.reader import open_workbook
from masking.keys import Keystore
from masking.ledger import Ledger
from masking.office import read_pin
from masking.workspace import Workspace

SAMPLE = Path(__file__).resolve().parent.parent / "resources" / "samples" / "customers_zh.xlsx"
RECIPIENT = "城东代收银行"
SIGNING = "office signing secret"
DECRYPTION = "office decryption secret"
OFFICE_HOME = "office home secret"
WORKSTATION = "workstation secret"
BUNDLE = "bundle secret 1"
ENCRYPTED = ("户号", "户名", "手机号码", "身份证号码", "用电地址")


@dataclass(frozen=True)
class Org:
    root: Path
    office: Path  # the office folder (signing.key, decryption.key, office.json)
    office_home: Path  # the office's own home: its keystore holds the organisation's export keys
    bundle: Path
    policy_toml: Path  # the organisation's policy as the office wrote it (unsigned)
    signed: Path  # the same, signed by the office

    def workstation(self, name: str) -> Path:
        """A fresh managed home: bundle imported, signed policy installed (an 8-second set-up, made once)."""
        home = self.root / name
        shutil.copytree(self.root / "managed-template", home)
        return home


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = run(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _env(monkeypatch: pytest.MonkeyPatch, passphrase: str | None = WORKSTATION) -> None:
    monkeypatch.setenv("EXPORTGUARD_SIGNING_PASSPHRASE", SIGNING)
    monkeypatch.setenv("EXPORTGUARD_DECRYPTION_PASSPHRASE", DECRYPTION)
    monkeypatch.setenv("EXPORTGUARD_BUNDLE_PASSPHRASE", BUNDLE)
    if passphrase is None:
        monkeypatch.delenv("EXPORTGUARD_PASSPHRASE", raising=False)
    else:
        monkeypatch.setenv("EXPORTGUARD_PASSPHRASE", passphrase)


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Org]:
    root = tmp_path_factory.mktemp("org")
    office, office_home, bundle = root / "office", root / "office-home", root / "org.bundle"
    with pytest.MonkeyPatch.context() as patch:
        _env(patch, OFFICE_HOME)
        patch.setenv("EXPORTGUARD_NEW_PASSPHRASE", OFFICE_HOME)
        assert run(["office", "init", "--out", str(office), "--name", "市公司安全办"]) == 0
        assert run(["--home", str(office_home), "keys", "init", "--organisation", "城东供电"]) == 0
        assert run(["--home", str(office_home), "keys", "export-bundle", "--office", str(office),
                    "--out", str(bundle)]) == 0
        text = (Path(__file__).resolve().parent.parent / "masking" / "data" / "default_policy.toml").read_text("utf-8")
        policy_toml = root / "org.toml"
        policy_toml.write_text(text.replace("# approval_threshold = 5000", "approval_threshold = 50"), "utf-8")
        signed = root / "org.signed.json"
        assert run(["policy", "sign", str(policy_toml), "--office", str(office), "--out", str(signed)]) == 0
        _env(patch)
        patch.delenv("EXPORTGUARD_NEW_PASSPHRASE")
        template = root / "managed-template"
        assert run(["--home", str(template), "keys", "import-bundle", str(bundle)]) == 0
        assert run(["--home", str(template), "policy", "install", str(signed)]) == 0
        yield Org(root, office, office_home, bundle, policy_toml, signed)


def _export(home: Path, out: Path, *extra: str) -> list[str]:
    return ["--home", str(home), "export", str(SAMPLE), "--recipient", RECIPIENT, "--purpose", "欠费催缴",
            "--out", str(out), *extra]


def _approve(capsys: pytest.CaptureFixture[str], org: Org, office: Path | None = None) -> str:
    """A code from the office (which records it in its own home's ledger) for the sample, 200 rows."""
    office = office or org.office
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("EXPORTGUARD_PASSPHRASE", OFFICE_HOME)
        code, out, err = _cli(capsys, "--home", str(org.office_home), "approve", str(SAMPLE), "--recipient",
                              RECIPIENT, "--rows", "200", "--office", str(office), "--json")
    assert code == 0, err
    issued = json.loads(out)
    assert issued["approver"] == json.loads((office / "office.json").read_text("utf-8"))["office_id"]
    return str(issued["code"])


def _exports(home: Path) -> list[dict[str, object]]:
    return [dict(e.body) for e in _ledger(home).entries("export")]


def _ledger(home: Path) -> Ledger:
    workspace = Workspace(home)
    return workspace.ledger(workspace.keystore.unlock(WORKSTATION))


# --- a policy the office signs ---------------------------------------------------------------------------


def test_unsigned_and_edited_policies_are_refused(
    org: Org, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _env(monkeypatch)
    home = org.workstation("ws-policy")
    out = tmp_path / "out.xlsx"
    loose = tmp_path / "unsigned.toml"  # the employee's own: no approval threshold at all
    loose.write_text(org.policy_toml.read_text("utf-8").replace("approval_threshold = 50", ""), "utf-8")

    code, stdout, err = _cli(capsys, *_export(home, out, "--policy", str(loose)))
    assert code == 4 and stdout == "" and "unsigned.toml is not signed" in err and "managed" in err

    installed = home / "policy.signed.json"
    pristine = installed.read_text("utf-8")
    installed.write_text(pristine.replace("approval_threshold = 50", "approval_threshold = 5000"), "utf-8")
    code, _, err = _cli(capsys, *_export(home, out))
    assert code == 4 and "changed after the security office signed it" in err

    installed.write_text(pristine, "utf-8")
    (home / "policy.toml").write_text(loose.read_text("utf-8"), "utf-8")  # a plain policy dropped in the home
    code, _, err = _cli(capsys, *_export(home, out))
    assert code == 4 and "policy.toml is not signed" in err

    assert not out.exists() and not list(tmp_path.glob("*.xlsx*")) and _exports(home) == []


def test_a_policy_signed_by_another_office_is_refused(
    org: Org, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _env(monkeypatch)
    rogue = tmp_path / "rogue-office"
    assert _cli(capsys, "office", "init", "--out", str(rogue))[0] == 0
    forged = tmp_path / "forged.json"
    assert _cli(capsys, "policy", "sign", str(org.policy_toml), "--office", str(rogue), "--out", str(forged))[0] == 0
    home = org.workstation("ws-rogue")
    code, _, err = _cli(capsys, "--home", str(home), "policy", "install", str(forged))
    assert code == 4 and "not by the security office this workstation is managed by" in err
    code, _, err = _cli(capsys, *_export(home, tmp_path / "out.xlsx", "--policy", str(forged)))
    assert code == 4 and not (tmp_path / "out.xlsx").exists()


def test_the_record_names_the_policy_and_its_signer(
    org: Org, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _env(monkeypatch)
    home = org.workstation("ws-record")
    code, _, err = _cli(capsys, *_export(home, tmp_path / "out.xlsx", "--approval", _approve(capsys, org)))
    assert code == 0, err
    [record] = _exports(home)
    policy = record["policy"]
    assert isinstance(policy, dict) and policy["origin"] == "signed"
    signed = json.loads(org.signed.read_text("utf-8"))
    assert policy["sha256"] == signed["sha256"] and policy["signer"] == signed["signer"]
    assert record["office_id"] == signed["signer"]

    # an unmanaged (demo) home says its policy was local and unsigned
    demo = tmp_path / "demo"
    code, _, err = _cli(capsys, "--home", str(demo), "export", str(SAMPLE), "--recipient", RECIPIENT, "--purpose",
                        "核对", "--out", str(tmp_path / "demo.xlsx"), "--policy", str(org.policy_toml))
    assert code == 4  # 200 rows > 50 here too: the local policy still applies
    code, _, err = _cli(capsys, "--home", str(demo), "export", str(SAMPLE), "--recipient", RECIPIENT, "--purpose",
                        "核对", "--out", str(tmp_path / "demo.xlsx"))
    assert code == 0, err
    demo_ring = Workspace(demo).keystore.unlock(WORKSTATION)
    [local] = [e.body for e in Workspace(demo).ledger(demo_ring).entries("export")]
    assert local["policy"]["origin"] == "built-in" and local["policy"]["signer"] is None
    assert local["office_id"] is None and local["sealed"] is None


# --- single-use approvals ------------------------------------------------------------------------------


def test_bulk_export_needs_a_code_and_a_code_is_used_once(
    org: Org, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _env(monkeypatch)
    home = org.workstation("ws-approval")
    first, second = tmp_path / "first.xlsx", tmp_path / "second.xlsx"
    code, _, err = _cli(capsys, *_export(home, first))
    assert code == 4 and "200 rows is more than the 50" in err and not first.exists()

    approval = _approve(capsys, org)
    code, out, err = _cli(capsys, *_export(home, first, "--approval", approval, "--json"))
    assert code == 0, err
    export_id = json.loads(out)["export_id"]
    [record] = _exports(home)
    consumed = record["approval"]
    assert isinstance(consumed, dict) and len(str(consumed["code_id"])) == 64 and approval not in json.dumps(record)

    spaced = "EGA1-" + approval[5:].lower().replace("-", " ")  # however it is typed, it is the same code
    code, stdout, err = _cli(capsys, *_export(home, second, "--approval", spaced, "--json"))
    assert code == 4 and "already used on 20" in err and f"by export {export_id}" in err
    assert json.loads(stdout)["error"]["exit_code"] == 4
    assert not second.exists() and len(_exports(home)) == 1


def test_a_code_consumed_while_an_export_ran_undoes_that_export(
    org: Org, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two exports racing with one code: the one that records second is undone, its output removed."""
    from masking.pipeline import ExportRequest, prepare_export, run_export

    _env(monkeypatch)
    home = org.workstation("ws-race")
    approval = _approve(capsys, org)
    ring = Workspace(home).keystore.unlock(WORKSTATION)
    requests = [ExportRequest(SAMPLE, RECIPIENT, "核对", output=tmp_path / f"{n}.xlsx", approval=approval)
                for n in ("a", "b")]
    prepared = [prepare_export(r, home) for r in requests]  # both checked before either records
    run_export(prepared[0], ring, Workspace(home).ledger(ring))
    with pytest.raises(Exception, match="already used") as refused:
        run_export(prepared[1], ring, Workspace(home).ledger(ring))
    assert getattr(refused.value, "exit_code", None) == 4
    assert (tmp_path / "a.xlsx").exists() and not (tmp_path / "b.xlsx").exists()


# --- decryption belongs to the office ------------------------------------------------------------------


def _table(path: Path) -> list[tuple[Value, ...]]:
    with open_workbook(path) as book:
        sheet = [info.name for info in book.sheets if not info.name.startswith("外发")][-1]
        table = book.table(sheet)
        return [values for _, values in book.data_rows(sheet, table)]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_only_the_office_restores_encrypted_values(
    org: Org, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    _env(monkeypatch)
    home = org.workstation(f"ws-decrypt-{fmt}")
    out, back = tmp_path / f"out.{fmt}", tmp_path / f"back.{fmt}"
    actions = [arg for header in ENCRYPTED for arg in ("--action", f"{header}=encrypt")]
    code, _, err = _cli(capsys, *_export(home, out, "--approval", _approve(capsys, org), *actions))
    assert code == 0, err
    exported = _table(out)
    source = _table(SAMPLE)
    assert len(source) == 200 and len(exported) > 200  # canary rows added
    # text kinds carry one-way tokens: the workstation's own export keys cannot turn them back
    assert all(isinstance(row[1], str) and row[1].startswith("ENC2:") for row in exported)
    assert all(isinstance(row[5], str) and row[5].startswith("ENC2:") for row in exported)

    code, _, err = _cli(capsys, "--home", str(home), "decrypt", str(out), "--out", str(back))
    assert code == 5 and "only the security office can restore" in err and not back.exists()

    monkeypatch.setenv("EXPORTGUARD_DECRYPTION_PASSPHRASE", "not the passphrase")
    code, _, err = _cli(capsys, "--home", str(home), "decrypt", str(out), "--out", str(back), "--office",
                        str(org.office))
    assert code == 5 and "wrong passphrase" in err and not back.exists()

    _env(monkeypatch)
    code, stdout, err = _cli(capsys, "--home", str(home), "decrypt", str(out), "--out", str(back), "--office",
                             str(org.office), "--json")
    assert code == 0, err
    result = json.loads(stdout)
    assert len(result["columns"]) == len(ENCRYPTED)
    restored = _table(back)
    assert len(restored) == len(exported)
    # every original row comes back exactly (canary rows, fictitious customers, stay as they were sealed)
    columns = [0, 1, 2, 4, 5]  # 户号, 户名, 手机号码, 身份证号码, 用电地址
    wanted = {tuple(_text(row[i]) for i in columns) for row in source}
    got = {tuple(_text(row[i]) for i in columns) for row in restored}
    assert wanted <= got and len(got - wanted) == len(exported) - 200
    assert not any(tuple(_text(row[i]) for i in columns) in wanted for row in exported)  # the output held none


def _text(value: Value) -> str:
    return "" if value is None else str(value)


def test_altered_sealed_values_are_refused(
    org: Org, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _env(monkeypatch)
    home = org.workstation("ws-sealed")
    out = tmp_path / "out.xlsx"
    code, _, err = _cli(capsys, *_export(home, out, "--approval", _approve(capsys, org), "--action", "户名=encrypt"))
    assert code == 0, err
    [blob] = (home / "sealed").iterdir()
    data = bytearray(blob.read_bytes())
    data[-5] ^= 1
    blob.write_bytes(bytes(data))
    code, _, err = _cli(capsys, "--home", str(home), "decrypt", str(out), "--out", str(tmp_path / "back.xlsx"),
                        "--office", str(org.office))
    assert code == 3 and "do not match the audit ledger" in err and not (tmp_path / "back.xlsx").exists()


# --- keys with a purpose -------------------------------------------------------------------------------


def test_keys_status_says_which_keys_this_home_holds(
    org: Org, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _env(monkeypatch)
    code, out, _ = _cli(capsys, "--home", str(org.workstation("ws-status")), "keys", "status", "--json")
    status = json.loads(out)
    assert code == 0 and status["managed"] is True and status["protected_by"] == "passphrase"
    assert status["holds"] == {"export_keys": True, "office_public_keys": True, "office_signing_key": False,
                               "office_decryption_key": False}
    code, out, _ = _cli(capsys, "--home", str(org.workstation("ws-show")), "policy", "show", "--json")
    shown = json.loads(out)
    assert code == 0 and shown["managed"] is True and shown["origin"] == "signed"
    assert shown["sha256"] == json.loads(org.signed.read_text("utf-8"))["sha256"]
    assert shown["signer"] == status["office_id"]
    files = {p.name for p in org.office.iterdir()}
    assert files == {"signing.key", "decryption.key", "office.json"}
    signing = json.loads((org.office / "signing.key").read_text("utf-8"))
    decryption = json.loads((org.office / "decryption.key").read_text("utf-8"))
    assert signing["protected"] and decryption["protected"] and signing["kdf"]["salt"] != decryption["kdf"]["salt"]


def test_a_managed_keystore_is_not_readable_without_its_passphrase(
    org: Org, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "fresh"
    _env(monkeypatch, "too short")
    code, _, err = _cli(capsys, "--home", str(home), "keys", "import-bundle", str(org.bundle))
    # a new passphrase too easy to guess is refused like every other the command line sets (exit 2)
    assert code == 2 and "shorter than 10 characters" in err and not (home / "keystore.json").exists()
    _env(monkeypatch, None)
    code, _, err = _cli(capsys, "--home", str(home), "keys", "import-bundle", str(org.bundle))
    assert code == 5 and "must be protected" in err and read_pin(home) is None

    _env(monkeypatch)
    assert _cli(capsys, "--home", str(home), "keys", "import-bundle", str(org.bundle))[0] == 0
    store = Keystore(home)
    secret = store.unlock(WORKSTATION).active.secret
    text = (home / "keystore.json").read_text("utf-8")
    assert secret.hex() not in text and __import__("base64").b64encode(secret).decode() not in text
    _env(monkeypatch, None)
    code, _, err = _cli(capsys, *_export(home, tmp_path / "out.xlsx"))
    assert code == 5 and "protected" in err
    _env(monkeypatch, "wrong passphrase!")
    code, _, err = _cli(capsys, *_export(home, tmp_path / "out.xlsx"))
    assert code == 5 and "wrong passphrase" in err and not (tmp_path / "out.xlsx").exists()


def test_a_managed_keystore_can_be_protected_by_the_os_secret_store(
    org: Org, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import keyring
    from keyring.backends import fail

    from masking import os_secrets

    assert not os_secrets.available() or not isinstance(keyring.get_keyring(), fail.Keyring)
    previous = keyring.get_keyring()
    fake = MemoryKeyring().backend
    keyring.set_keyring(fake)
    try:
        _env(monkeypatch, None)
        home = tmp_path / "os-home"
        code, out, err = _cli(capsys, "--home", str(home), "keys", "import-bundle", str(org.bundle), "--json")
        assert code == 0, err
        assert json.loads(out)["protected_by"] == "os"
        store = Keystore(home)
        assert store.protected and store.status().protected_by == "os"
        ring = store.unlock()  # the OS hands the passphrase to this user's session
        assert ring.active.key_id == Keystore(org.office_home).unlock(OFFICE_HOME).active.key_id
        stolen = tmp_path / "copied"
        shutil.copytree(home, stolen)
        with pytest.raises(Exception, match="OS secret store") as caught:
            Keystore(stolen).unlock()  # another path: another account, no secret for it
        assert getattr(caught.value, "exit_code", None) == 5
        fake.store.clear()  # another user, or another computer
        with pytest.raises(Exception, match="OS secret store"):
            store.unlock()
    finally:
        keyring.set_keyring(previous)


def test_a_bundle_whose_office_keys_were_swapped_is_refused(
    org: Org, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _env(monkeypatch)
    rogue = tmp_path / "rogue"
    assert _cli(capsys, "office", "init", "--out", str(rogue))[0] == 0
    bundle = json.loads(org.bundle.read_text("utf-8"))
    bundle["office"] = json.loads((rogue / "office.json").read_text("utf-8"))
    swapped = tmp_path / "swapped.bundle"
    swapped.write_text(json.dumps(bundle), "utf-8")
    home = tmp_path / "victim"
    code, _, err = _cli(capsys, "--home", str(home), "keys", "import-bundle", str(swapped))
    assert code == 5 and "altered" in err and read_pin(home) is None
    managed = org.workstation("ws-swap")  # a managed home refuses another office's bundle outright
    code, _, err = _cli(capsys, "--home", str(managed), "keys", "import-bundle", str(swapped))
    assert code == 5 and "not the office key" in err


def test_the_office_rolls_its_keys_and_workstations_follow(
    org: Org, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _env(monkeypatch)
    office = tmp_path / "office"
    shutil.copytree(org.office, office)
    home = org.workstation("ws-roll")
    before = read_pin(home)
    assert before is not None
    old_export = tmp_path / "old.xlsx"
    code, _, err = _cli(capsys, *_export(home, old_export, "--approval", _approve(capsys, org, office),
                                         "--action", "户名=encrypt"))
    assert code == 0, err

    code, text, err = _cli(capsys, "office", "roll", "--office", str(office), "--json")
    assert code == 0, err
    rolled = json.loads(text)
    assert rolled["office_id"] != before.office_id and rolled["rolls"] == 1
    signed = tmp_path / "new.signed.json"
    assert _cli(capsys, "policy", "sign", str(org.policy_toml), "--office", str(office), "--out", str(signed))[0] == 0
    code, _, err = _cli(capsys, "--home", str(home), "policy", "install", str(signed))
    assert code == 0, err
    after = read_pin(home)
    assert after is not None and after.office_id == rolled["office_id"]
    assert after.decryption_id == rolled["decryption_id"] != before.decryption_id

    new_export = tmp_path / "new.xlsx"
    code, _, err = _cli(capsys, *_export(home, new_export, "--approval", _approve(capsys, org, office),
                                         "--action", "户名=encrypt"))
    assert code == 0, err
    sealed_to = {blob.read_bytes()[8:19].decode() for blob in (home / "sealed").iterdir()}
    assert sealed_to == {before.decryption_id, rolled["decryption_id"]}
    for number, exported in enumerate((old_export, new_export)):  # the rolled office still opens old exports
        code, _, err = _cli(capsys, "--home", str(home), "decrypt", str(exported), "--out",
                            str(tmp_path / f"back{number}.xlsx"), "--office", str(office))
        assert code == 0, err
    # the old office folder (a stale copy) cannot open what was sealed to the new key
    code, _, err = _cli(capsys, "--home", str(home), "decrypt", str(new_export), "--out", str(tmp_path / "x.xlsx"),
                        "--office", str(org.office))
    assert code == 5 and rolled["decryption_id"] in err


def test_the_decryption_key_backup_needs_m_of_n_custodians(
    org: Org, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _env(monkeypatch)
    home = org.workstation("ws-backup")
    out = tmp_path / "out.xlsx"
    code, _, err = _cli(capsys, *_export(home, out, "--approval", _approve(capsys, org), "--action", "户名=encrypt"))
    assert code == 0, err
    shares = tmp_path / "shares"
    code, _, err = _cli(capsys, "office", "backup", "--office", str(org.office), "--threshold", "3",
                           "--shares", "5", "--out", str(shares), "--json")
    assert code == 0, err
    files = sorted(shares.iterdir())
    assert [p.name for p in files] == [f"share-{n}-of-5.txt" for n in range(1, 6)]
    secret = (org.office / "decryption.key").read_text("utf-8")
    assert all(json.loads(secret)["keys"][0]["wrapped"] not in p.read_text("utf-8") for p in files)

    lost = tmp_path / "office-after-a-fire"  # the decryption key is gone; the public keys are not secret
    lost.mkdir()
    shutil.copy(org.office / "office.json", lost / "office.json")
    monkeypatch.setenv("EXPORTGUARD_DECRYPTION_PASSPHRASE", "a new decryption passphrase")
    code, _, err = _cli(capsys, "office", "restore", "--office", str(lost), str(files[0]), str(files[3]))
    first_words = " ".join(files[0].read_text("utf-8").splitlines()[-1].split()[:3])
    assert code == 5 and "do not rebuild" in err and first_words not in err  # a share's words are never echoed
    assert not (lost / "decryption.key").exists()
    code, _, err = _cli(capsys, "office", "restore", "--office", str(lost), str(files[4]), str(files[1]),
                        str(files[2]))
    assert code == 0, err
    # the restored key opens what was sealed before the loss (the signing key is not needed for that)
    code, _, err = _cli(capsys, "--home", str(home), "decrypt", str(out), "--out", str(tmp_path / "back.xlsx"),
                        "--office", str(lost))
    assert code == 0, err
    code, _, err = _cli(capsys, "office", "backup", "--office", str(org.office), "--threshold", "1",
                        "--shares", "3", "--out", str(tmp_path / "weak"))
    assert code == 2 and "one share alone" in err


def test_the_office_lists_recipients_and_purposes(
    org: Org, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _env(monkeypatch)
    listed = tmp_path / "listed.toml"
    listed.write_text(org.policy_toml.read_text("utf-8") + f"""
[recipients]
unlisted = "refuse"
allowed = [{{ name = "{RECIPIENT}", aliases = ["城东银行", "Chengdong Bank"] }}]

[purposes]
allowed = ["欠费催缴"]
unlisted = "approval"
""", "utf-8")
    signed = tmp_path / "listed.signed.json"
    assert _cli(capsys, "policy", "sign", str(listed), "--office", str(org.office), "--out", str(signed))[0] == 0
    home = org.workstation("ws-listed")
    assert _cli(capsys, "--home", str(home), "policy", "install", str(signed))[0] == 0

    def export(recipient: str, purpose: str, out: Path, *extra: str) -> tuple[int, str, str]:
        return _cli(capsys, "--home", str(home), "export", str(SAMPLE), "--recipient", recipient, "--purpose",
                    purpose, "--out", str(out), *extra)

    code, _, err = export("城西银行", "欠费催缴", tmp_path / "a.xlsx")
    assert code == 4 and "does not list 城西银行 as a recipient" in err and RECIPIENT in err
    code, _, err = export(f" {RECIPIENT} ", "市场营销", tmp_path / "b.xlsx")
    assert code == 4 and "the purpose 市场营销 is not among" in err

    # an alias, typed loosely, is the listed recipient: one name, one pseudonym scope, and its approval fits
    code, _, err = export("chengdong  BANK", "欠费催缴", tmp_path / "c.xlsx", "--approval", _approve(capsys, org),
                            "--json")
    assert code == 0, err
    [record] = _exports(home)
    assert record["recipient"] == RECIPIENT and record["scope"] == f"recipient:{RECIPIENT}"
    # an unlisted purpose goes through with the office's approval, as the policy says
    code, _, err = export(RECIPIENT, "市场营销", tmp_path / "d.xlsx", "--approval", _approve(capsys, org))
    assert code == 0, err
