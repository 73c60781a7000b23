"""Which codec an XML part is written in, from its bytes: a BOM, the byte pattern of ``<?``, then the
declaration, as XML 1.0 appendix F describes.

Excel writes UTF-8, but in-house writers declare ``encoding="gb18030"`` or write UTF-16/32, and a
file may name a codec that is not a text encoding at all (``rot13``, ``base64``): those are refused.
A declaration that contradicts the bytes (``UTF-16`` over bytes that read ``<?xml`` in ASCII) is
ignored in favour of the bytes, as XML parsers do.
"""

from __future__ import annotations

import codecs
import re

from masking.io.text_encoding import BOMS
from masking.io.xlsx_values import MalformedXml

_DECLARATION = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]{1,40})["']""")
_WIDE_PATTERNS = (
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00?\x00", "utf-16-le"),
    (b"\x00<\x00?", "utf-16-be"),
)
# Codecs Python can look up that are not text encodings, or that no XML file is written in.
_NOT_XML_CODECS = frozenset({"idna", "punycode", "unicode-escape", "raw-unicode-escape", "undefined", "mbcs", "oem"})


def text_codec(name: str) -> str:
    """The canonical name of a text codec, or ``MalformedXml`` (unknown, or a bytes/str transform)."""
    try:
        info = codecs.lookup(name)
    except LookupError:
        raise MalformedXml(f"it declares an unknown encoding {name[:20]!r}") from None
    if not getattr(info, "_is_text_encoding", True) or info.name in _NOT_XML_CODECS:
        raise MalformedXml(f"it declares {name[:20]!r}, which is not a text encoding")
    return info.name


def xml_encoding(head: bytes) -> str:
    """The codec to decode a part whose first bytes are ``head`` (200 bytes are enough)."""
    for bom, codec in BOMS:
        if head.startswith(bom):
            return codec
    for pattern, codec in _WIDE_PATTERNS:
        if head.startswith(pattern):
            return codec
    declared = _DECLARATION.match(head[:200])
    if declared is None:
        return "utf-8"
    codec = text_codec(declared.group(1).decode("ascii"))
    if codec.startswith(("utf-16", "utf-32")) or codec == "utf-8":
        return "utf-8"  # the bytes are 8-bit whatever the declaration claims
    return codec


def xml_as_utf8(data: bytes) -> bytes:
    """A whole part re-encoded as UTF-8 for the XML parser (which knows only a few codecs)."""
    codec = xml_encoding(data[:200])
    declared = _DECLARATION.match(data[:200])
    if codec == "utf-8" and (declared is None or declared.group(1).lower() in (b"utf-8", b"utf8")):
        return data
    try:
        text = data.decode(codec)
    except UnicodeDecodeError:
        raise MalformedXml(f"it is not valid {codec}") from None
    text = text.removeprefix("\ufeff")
    declaration = re.match(r"""\s*<\?xml[^>]*\?>""", text)
    if declaration is not None:
        text = text[declaration.end() :]
    return b'<?xml version="1.0" encoding="UTF-8"?>' + text.encode("utf-8")
