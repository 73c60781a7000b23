"""Reading an xlsx file's custom document properties, safely (decrypt and trace both need them)."""

from __future__ import annotations

from pathlib import Path

from defusedxml import ElementTree as SafeET

from masking.io.limits import DEFAULT_LIMITS, GuardedStream, Limits, corrupt, open_checked_zip

CUSTOM_PART = "docProps/custom.xml"


def read_custom_properties(path: Path, limits: Limits = DEFAULT_LIMITS) -> dict[str, str]:
    """The custom document properties of an xlsx file as text (empty when it has none).

    Parsed with defusedxml under the reader's limits (zip bombs, oversized parts, entities refused);
    a file that is not a readable package is an ``InputError``.
    """
    label = path.name
    with open_checked_zip(path, limits, label) as archive:
        try:
            info = archive.getinfo(CUSTOM_PART)
        except KeyError:
            return {}
        stream = GuardedStream(archive, info, limits.max_xml_part_bytes, label)
        try:
            data = b"".join(iter(lambda: stream.read(1 << 20), b""))
        finally:
            stream.close()
    try:
        root = SafeET.fromstring(data)
    except Exception as exc:  # defusedxml raises its own errors as well as ParseError
        raise corrupt(label, CUSTOM_PART, exc) from None
    properties: dict[str, str] = {}
    for prop in root.iter():
        if prop.tag.rsplit("}", 1)[-1] == "property" and prop.get("name"):
            properties[str(prop.get("name"))] = "".join(child.text or "" for child in prop)
    return properties
