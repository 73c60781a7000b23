"""Password-protected xlsx outputs: standard Office (agile, AES-256) encryption, and the password.

Excel, WPS and LibreOffice open such a file after asking for the password. The password is made
here, shown once by the caller, and never stored or logged anywhere by ExportGuard.

Where the plaintext goes. Office encryption wraps a complete xlsx package, so the plain package must
exist somewhere before it is encrypted. Our xlsx writer streams to a file (each sheet's rows
wait in a scratch file, which already holds plaintext cells while any export runs), so
keeping the plain package in memory would still leave those scratch files on disk and would cost
the whole package in RAM on top. Instead the plain workbook, its own atomic temp file and the
writer's scratch files all live inside ONE private folder (mode 0o700, created beside the target
like the writer's scratch folder, not in the shared system temp folder). The plain package is
streamed through the encryption into the atomic output (0o600), and the private folder is removed
in a ``finally`` block: after success, failure or cancel, no plaintext file remains. The window in
which plaintext exists on disk is the same as for an unprotected export; a process killed outright
leaves the folder behind (``.~exportguard-*.d``), held by nobody, and the next export into that
folder removes it (:mod:`masking.io.scratch`).

msoffcrypto-tool's encryption holds the encrypted package in memory (about three times the output
size at the end); the plaintext is read from the file in 4 KiB segments.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterable, Iterator
from pathlib import Path

from masking.errors import OutputError
from masking.io.atomic import atomic_output, remove_tree_quietly
from masking.io.scratch import make_folder
from masking.io.writer import BookWriter, open_writer

# 31 characters that cannot be misread for each other when read aloud or copied by hand (no 0/O,
# 1/I/L); 20 of them give ~99 bits, far beyond guessing even at Office's 100,000 hash rounds.
PASSWORD_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # noqa: S105 (an alphabet, not a password)
PASSWORD_GROUPS = 4
PASSWORD_GROUP_SIZE = 5


def generate_password(choice: Iterable[int] | None = None) -> str:
    """A strong random password such as ``K7M2Q-XW9PA-3HRTE-N8DZB``.

    ``choice`` (indexes into the alphabet) exists only so tests can pin the result.
    """
    count = PASSWORD_GROUPS * PASSWORD_GROUP_SIZE
    picks = list(choice) if choice is not None else [secrets.randbelow(len(PASSWORD_ALPHABET)) for _ in range(count)]
    if len(picks) != count:
        raise ValueError(f"a password needs {count} characters")
    text = "".join(PASSWORD_ALPHABET[i] for i in picks)
    return "-".join(text[i:i + PASSWORD_GROUP_SIZE] for i in range(0, count, PASSWORD_GROUP_SIZE))


def encrypt_package(plain: Path, out: Path, password: str) -> None:
    """Encrypt the xlsx package ``plain`` into ``out`` (an OLE file, as Office writes it)."""
    from msoffcrypto.exceptions import EncryptionError
    from msoffcrypto.format.ooxml import OOXMLFile

    if not password:
        raise ValueError("an empty password protects nothing")
    try:
        with plain.open("rb") as source, out.open("wb") as target:
            OOXMLFile(source).encrypt(password, target)
    except EncryptionError as error:
        raise OutputError("the output could not be password-protected") from error
    except OSError as error:
        raise OutputError("the output could not be written (disk full or access denied)") from error


def decrypt_package(path: Path, password: str) -> bytes:
    """The plain xlsx package of a password-protected file (for checks and tests); wrong password: ValueError."""
    import io

    import msoffcrypto
    from msoffcrypto.exceptions import DecryptionError, InvalidKeyError

    plain = io.BytesIO()
    with path.open("rb") as handle:
        office = msoffcrypto.OfficeFile(handle)
        try:
            office.load_key(password=password, verify_password=True)
            office.decrypt(plain)
        except (InvalidKeyError, DecryptionError):
            raise ValueError("wrong password") from None
    return plain.getvalue()


@contextlib.contextmanager
def open_encrypted_xlsx(
    path: Path, password: str, *, overwrite: bool = False, protect: Iterable[Path] = ()
) -> Iterator[BookWriter]:
    """Like ``open_writer(path, "xlsx")``, but ``path`` ends up encrypted under ``password``.

    The target is checked on entry (exists, is the input, folder not writable) before any work.
    """
    path = Path(path)
    with atomic_output(path, overwrite=overwrite, protect=protect) as sealed:
        try:
            private, hold = make_folder(path.parent)
        except OSError as error:
            raise OutputError("cannot create a temporary folder in the output folder") from error
        try:
            plain = private / "plain.xlsx"
            with open_writer(plain, "xlsx") as book:
                book.paths = [path]  # what the caller records: the final, encrypted file
                yield book
            encrypt_package(plain, sealed, password)
        finally:
            hold.release()
            remove_tree_quietly(private)
