"""Every passphrase the command line sets is judged by the rule the desktop's dialogs apply
(masking.passphrase_strength): one too easy to guess is refused in one line that says what is weak,
exit 2, nothing written, and the passphrase itself is never echoed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from masking.cli.main import run
from masking.errors import UsageError
from masking.passphrase_strength import AVOID_WORDS, WeakPassphrase, passphrase_strength, require_strong

STRONG = "granite lantern orbit velvet"
WEAK = "password123"  # a commonly used password


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = run(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _refused(code: int, out: str, err: str, secret: str, *reasons: str) -> None:
    assert code == 2, err
    assert err.count("\n") == 1 and "too easy to guess" in err, err
    for reason in reasons:
        assert reason in err, err
    assert secret not in err and secret not in out


def test_the_one_rule_is_the_dialogs_rule() -> None:
    for passphrase in ("", "pw", WEAK, "qwertyuiop", "aaaaaaaaaaaa", STRONG, "城东供电 2026 年的 钥匙 很长"):
        strength = passphrase_strength(passphrase)
        if strength.acceptable:
            assert require_strong(passphrase, "x") == passphrase
        else:
            with pytest.raises(WeakPassphrase) as refused:
                require_strong(passphrase, "keystore passphrase")
            assert isinstance(refused.value, UsageError) and refused.value.exit_code == 2
            assert passphrase not in str(refused.value) or not passphrase
            assert all(AVOID_WORDS[code] in str(refused.value) for code in strength.avoid if code in AVOID_WORDS)
    with pytest.raises(WeakPassphrase, match="organisation's name"):  # the context counts against it
        require_strong("chengdongpower2026", "keystore passphrase", ["chengdongpower"])


def test_keys_init_and_passwd_refuse_a_weak_passphrase(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("EXPORTGUARD_NEW_PASSPHRASE", WEAK)
    _refused(*_run(capsys, "--home", str(home), "keys", "init", "--json"), WEAK, "commonly used password")
    assert not (home / "keystore.json").exists() and not list(home.glob("keystore*"))
    monkeypatch.setenv("EXPORTGUARD_NEW_PASSPHRASE", "Kx7#q")
    _refused(*_run(capsys, "--home", str(home), "keys", "init"), "Kx7#q", "shorter than 10 characters")

    monkeypatch.setenv("EXPORTGUARD_NEW_PASSPHRASE", STRONG)
    code, out, _ = _run(capsys, "--home", str(home), "keys", "init", "--json")
    assert code == 0 and json.loads(out)["protected"] is True
    monkeypatch.setenv("EXPORTGUARD_PASSPHRASE", STRONG)
    monkeypatch.setenv("EXPORTGUARD_NEW_PASSPHRASE", "zxcvbnm,./asdf")
    _refused(*_run(capsys, "--home", str(home), "keys", "passwd"), "zxcvbnm,./asdf", "follows the keyboard")
    monkeypatch.setenv("EXPORTGUARD_NEW_PASSPHRASE", "")  # removing the protection of a demo keystore stays possible
    code, out, err = _run(capsys, "--home", str(home), "keys", "passwd", "--json")
    assert code == 0 and json.loads(out)["protected"] is False, err


def test_bundles_and_first_exports_refuse_a_weak_passphrase(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    assert _run(capsys, "--home", str(home), "keys", "init", "--no-passphrase")[0] == 0
    monkeypatch.setenv("EXPORTGUARD_BUNDLE_PASSPHRASE", "bundle2024")
    bundle = tmp_path / "keys.bundle"
    _refused(*_run(capsys, "--home", str(home), "keys", "export-bundle", "--out", str(bundle)), "bundle2024",
             "bundle passphrase")
    assert not bundle.exists()

    source = tmp_path / "名单.csv"
    source.write_text("姓名,手机\n张三,13912345678\n", encoding="utf-8")
    fresh = tmp_path / "fresh"  # a demo home's first export creates its keystore under EXPORTGUARD_PASSPHRASE
    monkeypatch.setenv("EXPORTGUARD_PASSPHRASE", WEAK)
    out_file = tmp_path / "out.csv"
    _refused(*_run(capsys, "--home", str(fresh), "export", str(source), "--recipient", "r", "--purpose", "p",
                   "--out", str(out_file)), WEAK, "EXPORTGUARD_PASSPHRASE")
    assert not out_file.exists() and not (fresh / "keystore.json").exists()


def test_office_keys_refuse_a_weak_passphrase(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    office = tmp_path / "office"
    monkeypatch.setenv("EXPORTGUARD_SIGNING_PASSPHRASE", "shianban2026")  # the office's own name, and a year
    monkeypatch.setenv("EXPORTGUARD_DECRYPTION_PASSPHRASE", STRONG)
    _refused(*_run(capsys, "office", "init", "--out", str(office), "--name", "shianban"), "shianban2026",
             "signing key passphrase")
    assert not office.exists()
    monkeypatch.setenv("EXPORTGUARD_SIGNING_PASSPHRASE", STRONG + " signing")
    monkeypatch.setenv("EXPORTGUARD_DECRYPTION_PASSPHRASE", "1234567890")
    _refused(*_run(capsys, "office", "init", "--out", str(office)), "1234567890", "decryption key passphrase")
    assert not office.exists()

    key = tmp_path / "signing.key"
    monkeypatch.setenv("EXPORTGUARD_SIGNING_PASSPHRASE", "iloveyou")
    _refused(*_run(capsys, "approve", "keygen", "--out", str(key)), "iloveyou", "commonly used password")
    assert not key.exists()
    monkeypatch.setenv("EXPORTGUARD_SIGNING_PASSPHRASE", STRONG)
    assert _run(capsys, "approve", "keygen", "--out", str(key))[0] == 0 and key.is_file()
