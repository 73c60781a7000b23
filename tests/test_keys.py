"""The keystore: creation, unlocking, rotation, passphrases and organisation bundles."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from masking.errors import InputError, KeyProblem, OutputError
from masking.keys import Keystore, key_id_for


def test_first_use_creates_an_unprotected_keystore(tmp_path: Path) -> None:
    store = Keystore(tmp_path / "home")
    ring, created = store.open_or_create()
    assert created and not store.protected
    assert len(ring.active.secret) == 32
    assert ring.active.key_id == key_id_for(ring.active.secret)
    again, created_again = store.open_or_create()
    assert not created_again and again.active.secret == ring.active.secret
    assert (store.path.stat().st_mode & 0o077) == 0
    assert ring.active.secret.hex() not in store.path.read_text(encoding="utf-8")


def test_subkeys_are_independent_per_purpose(tmp_path: Path) -> None:
    ring = Keystore(tmp_path).create()
    keys = {p: ring.active.subkey(p) for p in ("pseudonymize", "encrypt", "hash", "watermark", "ledger")}
    assert len(set(keys.values())) == 5
    assert all(len(k) == 32 for k in keys.values())
    with pytest.raises(ValueError, match="unknown key purpose"):
        ring.active.subkey("fun")
    assert "secret" not in repr(ring.active).split("key_id")[0] and ring.active.secret.hex() not in repr(ring)


def test_passphrase_protects_and_wrong_one_is_a_key_problem(tmp_path: Path) -> None:
    store = Keystore(tmp_path)
    ring = store.create()
    store.change_passphrase("", "correct horse")
    assert store.protected
    assert store.unlock("correct horse").active.secret == ring.active.secret
    with pytest.raises(KeyProblem, match="wrong passphrase"):
        store.unlock("wrong")
    with pytest.raises(KeyProblem, match="protected"):
        store.unlock("")
    assert KeyProblem("x").exit_code == 5


def test_rotation_keeps_old_keys_for_decrypt(tmp_path: Path) -> None:
    store = Keystore(tmp_path)
    first = store.create(passphrase="pw-123456")
    rotated = store.rotate("pw-123456")
    assert rotated.active.key_id != first.active.key_id
    assert rotated.by_id(first.active.key_id).secret == first.active.secret
    assert [k["status"] for k in store.status().keys] == ["active", "retired"]
    assert set(rotated.ledger_keys()) == {first.active.key_id, rotated.active.key_id}
    with pytest.raises(KeyProblem, match="not in this keystore"):
        rotated.by_id("KFFFFFFFFFF")


def test_bundle_shares_keys_between_workstations(tmp_path: Path) -> None:
    office = Keystore(tmp_path / "office")
    org = office.create(passphrase="office-pass", organisation="城东供电公司")
    office.export_bundle("office-pass", "bundle-pass-1", tmp_path / "org.egkeys")
    branch = Keystore(tmp_path / "branch")
    local = branch.create()
    joined = branch.import_bundle(tmp_path / "org.egkeys", "bundle-pass-1")
    assert joined.active.secret == org.active.secret
    assert joined.organisation == "城东供电公司"
    assert joined.by_id(local.active.key_id).secret == local.active.secret  # nothing made locally is lost
    with pytest.raises(KeyProblem, match="wrong passphrase"):
        Keystore(tmp_path / "other").import_bundle(tmp_path / "org.egkeys", "nope")
    assert not (tmp_path / "other" / "keystore.json").exists()


def test_bundle_needs_a_real_passphrase_and_never_overwrites(tmp_path: Path) -> None:
    store = Keystore(tmp_path)
    store.create()
    with pytest.raises(KeyProblem, match="8 characters"):
        store.export_bundle("", "short", tmp_path / "b")
    (tmp_path / "b").write_text("keep", encoding="utf-8")
    with pytest.raises(OutputError):
        store.export_bundle("", "long enough", tmp_path / "b")
    assert (tmp_path / "b").read_text(encoding="utf-8") == "keep"


def test_damaged_files_are_clear_errors(tmp_path: Path) -> None:
    store = Keystore(tmp_path)
    with pytest.raises(KeyProblem, match="no keystore"):
        store.unlock()
    store.path.write_text("{not json", encoding="utf-8")
    with pytest.raises(KeyProblem, match="damaged"):
        store.unlock()
    store.path.write_text(json.dumps({"format": "exportguard-keystore", "protected": False}), encoding="utf-8")
    with pytest.raises(KeyProblem, match="damaged"):
        store.unlock()
    (tmp_path / "bundle").write_text("[]", encoding="utf-8")
    with pytest.raises(InputError, match="not an ExportGuard key bundle"):
        store.import_bundle(tmp_path / "bundle", "whatever1")
    with pytest.raises(OutputError, match="already exists"):
        Keystore(tmp_path).create()


def test_tampered_wrapped_key_is_refused(tmp_path: Path) -> None:
    store = Keystore(tmp_path)
    store.create()
    data = json.loads(store.path.read_text(encoding="utf-8"))
    other = Keystore(tmp_path / "x")
    other.create()
    data["keys"][0]["wrapped"] = json.loads(other.path.read_text(encoding="utf-8"))["keys"][0]["wrapped"]
    store.path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(KeyProblem):
        store.unlock()
