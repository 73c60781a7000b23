"""Which codec a CSV file is written in, decided on evidence and reported with that evidence.

Windows-1252 and GB18030 overlap: most byte pairs of a French or German file also decode as GB18030
(``premi\\xe8re`` reads as ``premi鑢e``), so "whichever codec decodes" garbles Western files. The
rules, in order:

1. a byte-order mark (UTF-8, UTF-16, UTF-32) decides;
2. UTF-16 or UTF-32 without a mark shows in where the zero bytes fall (ASCII text in a wide codec);
3. a sample that is valid UTF-8 is UTF-8 (plain ASCII included);
4. Chinese: the sample decodes as GB18030 and at least 90% of its non-ASCII characters are in
   GB2312 (the common hanzi and punctuation every GBK/GB18030 writer uses; a Western file read as
   GB18030 lands in GBK's rare extension rows instead, since its second bytes are ASCII letters);
5. other East Asian or Cyrillic code pages when charset-normalizer (a maintained statistical
   detector) names one on a sample with enough non-ASCII bytes to judge;
6. otherwise Windows-1252 (what Excel on a Western Windows writes), or ISO-8859-1 for the five
   bytes Windows-1252 leaves undefined.
The user can always name the codec instead (``--input-encoding``).
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from masking.errors import UsageError

GB_SHARE = 0.9
DETECTOR_MIN_BYTES = 64  # charset-normalizer guesses wildly on a handful of bytes
# Code pages charset-normalizer may choose: ones whose text Windows-1252 would turn to nonsense.
_DETECTOR_CODECS = frozenset({
    "big5", "big5hkscs", "cp950", "shift_jis", "cp932", "euc_jp", "euc_kr", "cp949", "cp1251", "koi8_r",
})
BOMS = (  # the byte-order marks and the codec each names

    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16: FF FE 00 00 starts like the UTF-16 LE mark
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@dataclass(frozen=True, slots=True)
class EncodingChoice:
    """The codec a text file is decoded with, and why (for the scan result)."""

    codec: str  # a Python codec name
    evidence: str  # "byte-order mark", "zero-byte pattern", "valid UTF-8", "GB2312 characters", ...

    @property
    def name(self) -> str:
        """The name people know: ``UTF-8``, ``GB18030``, ``Windows-1252``."""
        return display_name(self.codec)


def display_name(codec: str) -> str:
    canonical = codecs.lookup(codec).name
    names = {"utf-8-sig": "UTF-8 (BOM)", "utf-8": "UTF-8", "cp1252": "Windows-1252", "latin-1": "ISO-8859-1",
             "iso8859-1": "ISO-8859-1", "gb18030": "GB18030", "gbk": "GBK", "utf-16": "UTF-16",
             "utf-16-le": "UTF-16LE", "utf-16-be": "UTF-16BE", "utf-32": "UTF-32", "utf-32-le": "UTF-32LE",
             "utf-32-be": "UTF-32BE", "big5": "Big5", "cp1251": "Windows-1251"}
    return names.get(canonical, canonical)


def user_codec(name: str) -> str:
    """A codec the user named (``--input-encoding``); ``UsageError`` when it is no text encoding."""
    try:
        info = codecs.lookup(name)
    except LookupError:
        raise UsageError(f"unknown input encoding {name!r} (e.g. utf-8, gb18030, cp1252, utf-16)") from None
    if not getattr(info, "_is_text_encoding", True) or info.name in ("idna", "punycode", "undefined"):
        raise UsageError(f"{name!r} is not a text encoding")
    return info.name


def _decodes(sample: bytes, codec: str, at_eof: bool) -> str | None:
    try:
        return codecs.getincrementaldecoder(codec)("strict").decode(sample, final=at_eof)
    except UnicodeDecodeError:
        return None


def _wide_codec(sample: bytes) -> str | None:
    """UTF-16/32 without a mark: ASCII characters leave zero bytes at fixed places."""
    usable = len(sample) - len(sample) % 4
    if usable < 4 or sample.count(0) < usable // 4:
        return None
    zeros = [sample[offset:usable:4].count(0) / (usable // 4) for offset in range(4)]
    if zeros[1] > 0.9 and zeros[2] > 0.99 and zeros[3] > 0.99:
        return "utf-32-le"
    if zeros[0] > 0.99 and zeros[1] > 0.99 and zeros[2] > 0.9:
        return "utf-32-be"
    odd, even = (zeros[1] + zeros[3]) / 2, (zeros[0] + zeros[2]) / 2
    if odd > 0.5 and even < 0.1:
        return "utf-16-le"
    if even > 0.5 and odd < 0.1:
        return "utf-16-be"
    return None


def _looks_chinese(text: str) -> bool:
    wide = [ch for ch in text if ord(ch) > 0x7F]
    if not wide:
        return False
    common = 0
    for ch in wide:
        try:
            ch.encode("gb2312")
        except UnicodeEncodeError:
            continue
        common += 1
    return common >= GB_SHARE * len(wide)


def _detector_codec(sample: bytes) -> str | None:
    if sum(byte > 0x7F for byte in sample[:65536]) < DETECTOR_MIN_BYTES:
        return None
    from charset_normalizer import from_bytes  # loaded only for files that need it

    best = from_bytes(sample[:65536]).best()
    if best is None:
        return None
    codec = codecs.lookup(best.encoding).name.replace("-", "_")
    return codec if codec in _DETECTOR_CODECS else None


def legacy_encoding(sample: bytes, at_eof: bool) -> EncodingChoice:
    """Rules 4-6 for bytes that are not UTF-8 (also used when a file turns non-ASCII late)."""
    text = _decodes(sample, "gb18030", at_eof)
    if text is not None and _looks_chinese(text):
        return EncodingChoice("gb18030", "GB2312 characters")
    detected = _detector_codec(sample)
    if detected is not None and _decodes(sample, detected, at_eof) is not None:
        return EncodingChoice(detected, "charset-normalizer")
    if _decodes(sample, "cp1252", at_eof) is not None:
        return EncodingChoice("cp1252", "not UTF-8 or Chinese")
    return EncodingChoice("latin-1", "not UTF-8 or Chinese")


def detect_encoding(sample: bytes, at_eof: bool) -> EncodingChoice:
    """The codec for a file whose first bytes are ``sample`` (see the module docstring)."""
    for bom, codec in BOMS:
        if sample.startswith(bom):
            return EncodingChoice(codec, "byte-order mark")
    wide = _wide_codec(sample)
    if wide is not None and _decodes(sample[: len(sample) - len(sample) % 4], wide, at_eof) is not None:
        return EncodingChoice(wide, "zero-byte pattern")
    if _decodes(sample, "utf-8", at_eof) is not None:
        return EncodingChoice("utf-8", "valid UTF-8")
    return legacy_encoding(sample, at_eof)


def decode_whole(raw: bytes, codec: str | None, label: str) -> str:
    """A small text (pasted on stdin, a .txt fragment) decoded with ``codec`` or the detected one;
    ``InputError`` naming ``label`` when the bytes are not valid in it."""
    from masking.errors import InputError

    chosen = user_codec(codec) if codec else detect_encoding(raw, at_eof=True).codec
    try:
        return raw.decode(chosen).removeprefix("\ufeff")
    except UnicodeDecodeError as error:
        raise InputError(f"{label}: not valid {display_name(chosen)} text at byte {error.start}: "
                         "name its encoding with --input-encoding") from None
