"""An m-of-n backup of the office's decryption key: no single person can use it alone.

Losing the decryption key loses every value ever sealed to it; a single backup copy is a second key
someone could walk away with. So the backup is split with Shamir's secret sharing in the SLIP-0039
form (``shamir-mnemonic``, SatoshiLabs' reference implementation, with a checksum per share and a
digest over the secret): ``n`` shares, each a list of words on its own sheet, any ``m`` of which
rebuild the key and fewer of which say nothing about it. Each share goes to a different custodian
(sealed envelope, safe); restoring needs ``m`` of them in one room.

Every decryption key the office file holds (the current one and those kept after a roll) is backed
up; a restore writes a new ``decryption.key`` under a new passphrase and checks that the rebuilt keys
are the ones the office's public keys name.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from masking.crypto import x25519_public
from masking.errors import InputError, KeyProblem, OutputError, UsageError
from masking.home import ensure_private_dir
from masking.io.atomic import atomic_output
from masking.keyfile import check_office_passphrase, read_key_file, write_key_file
from masking.office import DECRYPTION_FILE, DECRYPTION_KEY_FORMAT, decryption_id, read_office

_KEY = 32
_HEADER = "ExportGuard decryption key backup"
MAX_SHARES = 16  # SLIP-0039's limit per group


def backup_decryption_key(folder: Path, passphrase: str, threshold: int, shares: int, out: Path) -> list[Path]:
    """Write ``shares`` share files into the new folder ``out``; any ``threshold`` of them restore the key."""
    import shamir_mnemonic

    if not 2 <= threshold <= shares <= MAX_SHARES:
        raise UsageError(f"a backup needs 2 <= threshold <= shares <= {MAX_SHARES} (one share alone must not "
                         "be enough)")
    office = read_office(folder)
    secrets = read_key_file(folder / DECRYPTION_FILE, DECRYPTION_KEY_FORMAT, passphrase, "decryption key")
    ids = [decryption_id(x25519_public(secret)) for secret in secrets]
    [group] = shamir_mnemonic.generate_mnemonics(1, [(threshold, shares)], b"".join(secrets))
    if out.exists():
        raise OutputError(f"{out} exists; give a new folder for the shares")
    ensure_private_dir(out)
    paths = []
    for number, words in enumerate(group, 1):
        path = out / f"share-{number}-of-{shares}.txt"
        text = (f"{_HEADER}: share {number} of {shares}; any {threshold} restore it "
                f"('exportguard office restore').\n"
                f"office {office.office_id} ({office.name or 'unnamed'}); keys {' '.join(ids)}\n\n{words}\n")
        with atomic_output(path) as temp:
            temp.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def _words(path: Path) -> str:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        raise InputError(f"{path}: cannot be read") from None
    if not lines or not lines[0].startswith(_HEADER):
        raise InputError(f"{path.name}: not an ExportGuard decryption key backup share")
    words = [line.strip() for line in lines[1:] if len(line.split()) >= 20]
    if len(words) != 1:
        raise InputError(f"{path.name}: the share's words are missing or damaged")
    return words[0]


def restore_decryption_key(folder: Path, share_files: Sequence[Path], passphrase: str) -> list[str]:
    """Rebuild ``decryption.key`` in the office ``folder`` from enough shares; returns the key ids."""
    import shamir_mnemonic

    check_office_passphrase(passphrase, "decryption key")
    office = read_office(folder)
    target = folder / DECRYPTION_FILE
    if target.exists():
        raise OutputError(f"{target} exists: restore into an office folder that lacks its decryption key")
    try:
        master = shamir_mnemonic.combine_mnemonics([_words(path) for path in share_files])
    except shamir_mnemonic.MnemonicError:
        # its message quotes share words: never repeat it
        raise KeyProblem("the shares do not rebuild the key (too few, from different backups, or mistyped)") from None
    if not master or len(master) % _KEY:
        raise KeyProblem("the shares rebuild something that is not a set of decryption keys")
    secrets = [master[i:i + _KEY] for i in range(0, len(master), _KEY)]
    ids = [decryption_id(x25519_public(secret)) for secret in secrets]
    if office.decryption_id not in ids:
        raise KeyProblem(f"the shares rebuild keys {', '.join(ids)}, not the office's decryption key "
                         f"{office.decryption_id}")
    write_key_file(target, DECRYPTION_KEY_FORMAT, secrets, passphrase,
                   {"public_key": office.decryption, "decryption_id": office.decryption_id})
    return ids
