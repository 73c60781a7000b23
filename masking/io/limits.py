"""Limits against hostile input files, checked before anything is parsed or inflated.

A spreadsheet from outside is untrusted: it may be a zip bomb, an XML entity bomb, or simply far
larger than a branch office's workstation can hold. Every limit below is checked as early as
possible (file size before opening, the zip central directory before inflating a byte, each part's
size while it is inflated), and breaking one raises ``InputError`` (exit 3) with one clear line.

Defaults (``DEFAULT_LIMITS``), chosen so that a real 1,000,000-row x 10-column workbook (about
60 MB on disk, its sheet XML 15-25 times compressed, 1-2 GB inflated) passes with room to spare:

=========================  ==========  =================================================================
limit                      default     why
=========================  ==========  =================================================================
max_file_bytes             512 MiB     the file on disk (xlsx or csv); Excel's own files stay far below
max_uncompressed_bytes     8 GiB       sum of the declared sizes of all zip members
max_compression_ratio      200         inflated:compressed, for any member over ``ratio_floor_bytes``;
                                       real sheet XML is 5-40:1, a deflate bomb is ~1000:1
ratio_floor_bytes          1 MiB       small members (rels, styles) may be highly compressible
max_zip_members            10,000      a workbook has tens of parts; thousands means something odd
max_xml_part_bytes         64 MiB      inflated size of a structural part (workbook, rels, styles)
max_shared_strings_bytes   1 GiB       inflated size of xl/sharedStrings.xml (held as a list in memory)
max_columns                16,384      Excel's own column limit (XFD)
max_row_chars              64 MiB      one row of sheet XML, or one CSV line, without an end
max_sheets                 1,000       worksheets listed in one workbook
=========================  ==========  =================================================================

XML: any part holding ``<!DOCTYPE`` or ``<!ENTITY`` is refused (structural parts go through
defusedxml; the sheet and shared-string tokenizer refuses them itself and expands only the five
predefined entities and numeric character references).
"""

from __future__ import annotations

import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO

from isal import isal_zlib

from masking.errors import InputError

KIB = 1024
MIB = 1024 * KIB
GIB = 1024 * MIB


@dataclass(frozen=True, slots=True)
class Limits:
    """Caps on what a reader accepts; see the module docstring for the reasoning behind each."""

    max_file_bytes: int = 512 * MIB
    max_uncompressed_bytes: int = 8 * GIB
    max_compression_ratio: float = 200.0
    ratio_floor_bytes: int = 1 * MIB
    max_zip_members: int = 10_000
    max_xml_part_bytes: int = 64 * MIB
    max_shared_strings_bytes: int = 1 * GIB
    max_columns: int = 16_384
    max_row_chars: int = 64 * MIB
    max_sheets: int = 1_000


DEFAULT_LIMITS = Limits()


def human_bytes(count: int) -> str:
    """A measured size for messages: ``12.0 GiB``, ``3.5 MiB``, ``812 bytes``."""
    if count < KIB:
        return f"{count} bytes"
    for unit, size in (("GiB", GIB), ("MiB", MIB), ("KiB", KIB)):
        if count >= size:
            return f"{count / size:.1f} {unit}"
    raise AssertionError("unreachable")  # pragma: no cover


def human_limit(count: int) -> str:
    """A configured limit for messages: ``8 GiB`` when whole, else like ``human_bytes``."""
    for unit, size in (("GiB", GIB), ("MiB", MIB), ("KiB", KIB)):
        if count >= size and count % size == 0:
            return f"{count // size} {unit}"
    return human_bytes(count)


def open_checked_zip(path: Path | BinaryIO, limits: Limits, label: str) -> zipfile.ZipFile:
    """Open an xlsx package (a path, or a file already open) and refuse a bomb declared in its central
    directory (InputError, one line)."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError):  # e.g. a zip version from the future
        raise InputError(f"{label}: corrupt or truncated workbook (not a readable zip archive)") from None
    except OSError as exc:
        raise InputError(f"{label}: cannot read the file ({exc.strerror or type(exc).__name__})") from None
    try:
        check_zip_directory(archive, limits, label)
    except BaseException:
        archive.close()
        raise
    _normalise_separators(archive)
    return archive


def _normalise_separators(archive: zipfile.ZipFile) -> None:
    """Name parts with ``/`` even when the writer used ``\\`` (some Windows tools do; Excel opens them).

    ``zipfile`` checks a member's local header against ``orig_filename``, which stays as written.
    """
    if not any("\\" in info.filename for info in archive.filelist):
        return
    for info in archive.filelist:
        info.filename = info.filename.replace("\\", "/")
    archive.NameToInfo = {info.filename: info for info in archive.filelist}


def check_zip_directory(archive: zipfile.ZipFile, limits: Limits, label: str) -> None:
    """Refuse a zip whose central directory already declares a bomb, before inflating anything.

    Declared sizes can lie; ``GuardedStream`` checks the bytes actually produced as well.
    """
    members = archive.infolist()
    if len(members) > limits.max_zip_members:
        raise InputError(f"{label}: refused: {len(members)} zip members (limit {limits.max_zip_members})")
    total = 0
    for info in members:
        total += info.file_size
        check_member_size(info, limits.max_uncompressed_bytes, label)
        if info.file_size > limits.ratio_floor_bytes:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > limits.max_compression_ratio:
                raise InputError(
                    f"{label}: refused: {info.filename} is compressed {ratio:.0f}:1 "
                    f"(limit {limits.max_compression_ratio:.0f}:1), a likely zip bomb"
                )
        if info.flag_bits & 0x1:
            raise InputError(f"{label}: {info.filename} is encrypted inside the zip archive")
    if total > limits.max_uncompressed_bytes:
        raise InputError(
            f"{label}: refused: the archive would expand to {human_bytes(total)} "
            f"(limit {human_limit(limits.max_uncompressed_bytes)})"
        )


def check_member_size(info: zipfile.ZipInfo, cap: int, label: str) -> None:
    """Refuse a single part whose declared inflated size is over ``cap``."""
    if info.file_size > cap:
        raise InputError(
            f"{label}: refused: {info.filename} would expand to {human_bytes(info.file_size)} "
            f"(limit {human_limit(cap)})"
        )


# broken deflate data, as ISA-L reports it (its stubs do not say it is an exception class)
_INFLATE_ERROR: type[Exception] = isal_zlib.error  # type: ignore[assignment]


class GuardedStream:
    """A zip member opened for streaming that counts the bytes it really produces.

    ``zipfile`` already stops at the declared size, but a member that inflates past its declared
    size or past ``cap`` is refused here too, so no caller depends on that detail.
    Corruption (bad CRC, broken deflate data, a truncated archive) becomes ``InputError``.
    """

    def __init__(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int, label: str) -> None:
        check_member_size(info, cap, label)
        self._info = info
        self._cap = min(cap, info.file_size)
        self._label = label
        self._produced = 0
        try:
            self._raw: IO[bytes] = archive.open(info)
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, NotImplementedError) as exc:
            raise corrupt(label, info.filename, exc) from None
        if info.compress_type == zipfile.ZIP_DEFLATED and getattr(self._raw, "_decompressor", None) is not None:
            # ISA-L inflates ~1.5x faster than zlib; zipfile has no hook for it, so its decompressor for
            # this member is replaced before a byte is read (same interface; zipfile still checks the CRC)
            self._raw._decompressor = isal_zlib.decompressobj(-15)  # type: ignore[attr-defined]

    def read(self, size: int) -> bytes:
        try:
            data = self._raw.read(size)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, zlib.error, _INFLATE_ERROR,
                NotImplementedError) as exc:
            raise corrupt(self._label, self._info.filename, exc) from None
        self._produced += len(data)
        if self._produced > self._cap:
            raise InputError(
                f"{self._label}: refused: {self._info.filename} inflates past its declared size "
                f"({human_bytes(self._cap)})"
            )
        return data

    def close(self) -> None:
        self._raw.close()


def corrupt(label: str, part: str, exc: BaseException) -> InputError:
    """The one message for a part that cannot be inflated (names the exception class, no data)."""
    return InputError(f"{label}: corrupt or truncated workbook: cannot read {part} ({type(exc).__name__})")
