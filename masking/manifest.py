"""The encryption manifest: which output columns an export encrypted, under which key, scope and token
format, so that ``decrypt`` needs no guessing. This module writes it and reads it back, in both of
its homes:

* the export's ledger record (``encrypted``: one :meth:`EncryptedColumn.to_dict` per column), which
  also serves csv outputs;
* an xlsx output's custom document properties: ``ExportGuard.Scope`` and one
  ``ExportGuard.Encrypted.<n>`` per column (Excel caps a text property at 255 characters, so one
  property per column plus one for the scope they share; the header is left out there).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from masking.kinds import Action
from masking.operators import EncryptionRecord, EncryptOperator, Operator, OperatorContext
from masking.operators.base import OperatorError
from masking.plan import Plan

__all__ = [
    "ENCRYPTED_PROPERTY",
    "SCOPE_PROPERTY",
    "SEALED_PROPERTY",
    "EncryptedColumn",
    "ManifestDamaged",
    "encryption_manifest",
    "manifest_from_ledger",
    "manifest_from_properties",
    "manifest_properties",
]

ENCRYPTED_PROPERTY = "ExportGuard.Encrypted."
SCOPE_PROPERTY = "ExportGuard.Scope"
# On a managed workstation: the office decryption key the originals are sealed to (masking/sealed.py).
SEALED_PROPERTY = "ExportGuard.Sealed"


class ManifestDamaged(ValueError):
    """A stored manifest entry cannot be read (the caller says where it was stored)."""


@dataclass(frozen=True)
class EncryptedColumn:
    """One encrypted output column: its input sheet's name, its 0-based position in the OUTPUT sheet
    (dropped columns are gone there), its header when known, and the encryption record."""

    sheet: str
    position: int
    header: str | None
    record: EncryptionRecord

    def to_dict(self) -> dict[str, Any]:
        return {"sheet": self.sheet, "position": self.position, "header": self.header,
                "record": self.record.as_dict()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EncryptedColumn:
        try:
            position = data["position"]
            header = data.get("header")
            column = cls(str(data["sheet"]), int(position), header if isinstance(header, str) else None,
                         EncryptionRecord.from_dict(data["record"]))
        except (ValueError, KeyError, TypeError, OperatorError):
            raise ManifestDamaged("damaged encryption record") from None
        if column.position < 0:
            raise ManifestDamaged("damaged encryption record")
        return column


def encryption_manifest(
    plan: Plan, operators: Mapping[tuple[str, int], Operator], ctx: OperatorContext
) -> tuple[EncryptedColumn, ...]:
    """The encrypted columns of an export, in output order."""
    manifest = []
    for sheet in plan.included:
        kept = [c for c in sheet.columns if c.action is not Action.DROP]
        for position, column in enumerate(kept):
            operator = operators[(column.sheet, column.index)]
            if isinstance(operator, EncryptOperator):
                manifest.append(EncryptedColumn(plan.shown_sheet_name(column.sheet), position, column.shown_header,
                                                operator.record(ctx)))
    return tuple(manifest)


def manifest_properties(
    manifest: Iterable[EncryptedColumn], scope: str, sealed_to: str | None = None
) -> dict[str, str]:
    """The manifest as custom document properties, each within Excel's 255 characters; ``sealed_to``
    names the office decryption key the originals are sealed to (managed workstations)."""
    columns = tuple(manifest)
    if not columns:
        return {}
    properties = {SCOPE_PROPERTY: scope}
    if sealed_to:
        properties[SEALED_PROPERTY] = sealed_to
    for number, column in enumerate(columns, 1):
        record = column.record
        compact = {"sheet": column.sheet, "position": column.position,
                   "kind": record.kind.value if record.kind is not None else None,
                   "key_id": record.key_id, "format": record.format}
        properties[f"{ENCRYPTED_PROPERTY}{number}"] = json.dumps(compact, ensure_ascii=False, separators=(",", ":"))
    return properties


def manifest_from_properties(properties: Mapping[str, str]) -> tuple[EncryptedColumn, ...]:
    """The manifest an xlsx output's document properties carry (empty when it has none)."""
    numbered = [(name[len(ENCRYPTED_PROPERTY):], text) for name, text in properties.items()
                if name.startswith(ENCRYPTED_PROPERTY)]
    scope = properties.get(SCOPE_PROPERTY, "")
    columns = []
    try:
        for _, text in sorted(numbered, key=lambda item: int(item[0])):
            entry = json.loads(text)
            position = entry["position"]
            if not isinstance(position, int) or isinstance(position, bool):
                raise ManifestDamaged("damaged encryption record")
            record = {name: entry.get(name) for name in ("kind", "key_id", "format")}
            columns.append(EncryptedColumn.from_dict(
                {"sheet": entry["sheet"], "position": position, "header": None, "record": {**record, "scope": scope}}))
    except (ValueError, KeyError, TypeError):
        raise ManifestDamaged("damaged encryption record") from None
    return tuple(columns)


def manifest_from_ledger(entries: Iterable[Mapping[str, Any]]) -> tuple[EncryptedColumn, ...]:
    """The manifest as an export's ledger record stores it."""
    try:
        return tuple(EncryptedColumn.from_dict(entry) for entry in entries)
    except (AttributeError, TypeError):
        raise ManifestDamaged("damaged encryption record") from None
