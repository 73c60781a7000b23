"""The ledger's record of one export, as a type: written by the pipeline, read by decrypt, trace, the
audit listing and the desktop through :meth:`ExportRecord.from_dict`, never by string keys.

The stored form (:meth:`ExportRecord.to_dict`) is the JSON body of an ``export`` ledger entry; it is
hashed and MAC'd as written, so its keys never change meaning. Old records read back with the fields
they lack at their defaults; keys a newer version wrote and this one does not know are kept in
:attr:`ExportRecord.extra` and written back unchanged. To add a field: give it a default, write it in
``to_dict`` and read it in ``from_dict``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from masking.events import Event
from masking.ledger import Ledger, LedgerEntry
from masking.manifest import EncryptedColumn, manifest_from_ledger
from masking.risk.record import DeidentificationRecord
from masking.row_selection import SelectionRecord

__all__ = ["ColumnRecord", "DeidentificationRecord", "ExportRecord", "OutputFile", "TraceSummary", "export_records"]

EXPORT_EVENT = Event.EXPORT


def _text(data: Mapping[str, Any], name: str) -> str:
    value = data.get(name)
    return value if isinstance(value, str) else ""


def _count(data: Mapping[str, Any], name: str) -> int:
    value = data.get(name)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


@dataclass(frozen=True)
class OutputFile:
    name: str
    sha256: str

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "sha256": self.sha256}


@dataclass(frozen=True)
class ColumnRecord:
    """One column of the plan as exported: structure only, never a value."""

    sheet: str
    header: str | None
    kind: str | None
    action: str
    # a kept column's check (masking.leak_check): cells verified, kinds found with their counts, cells protected
    check: Mapping[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        data = {"sheet": self.sheet, "header": self.header, "kind": self.kind, "action": self.action}
        return data if self.check is None else {**data, "check": dict(self.check)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ColumnRecord:
        header, kind, check = data.get("header"), data.get("kind"), data.get("check")
        return cls(_text(data, "sheet"), header if isinstance(header, str) else None,
                   kind if isinstance(kind, str) else None, _text(data, "action"),
                   dict(check) if isinstance(check, Mapping) else None)


@dataclass(frozen=True)
class TraceSummary:
    """What the export left for ``trace``: the SHA-256 of its trace data and the counts of each layer."""

    sha256: str = ""
    canary_rows: int = 0
    marked_cells: int = 0
    markable_cells: int = 0
    tokens: int = 0
    identities: int = 0
    # monitored phone numbers the canaries took from the workstation's slice, and how many of the slice
    # no earlier export had used (masking.watermark.pool); written only when the policy names a pool
    pool_used: int = 0
    pool_left: int = 0

    def to_dict(self) -> dict[str, Any]:
        pool = {"pool_used": self.pool_used, "pool_left": self.pool_left} if self.pool_used else {}
        return {"sha256": self.sha256, "canary_rows": self.canary_rows, "marked_cells": self.marked_cells,
                "markable_cells": self.markable_cells, "tokens": self.tokens, "identities": self.identities, **pool}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TraceSummary:
        return cls(_text(data, "sha256"), *(_count(data, name) for name in
                                            ("canary_rows", "marked_cells", "markable_cells", "tokens", "identities",
                                             "pool_used", "pool_left")))


_EMPTY: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True)
class ExportRecord:
    """One export as the ledger holds it: who, to whom, why, which files (by SHA-256), which columns
    and actions, under which key and scope, the watermark, and the policy. No cell value, no password."""

    export_id: str
    user: str
    machine: str
    recipient: str
    purpose: str
    input_name: str
    input_sha256: str
    output_name: str
    output_sha256: str  # the one output's SHA-256; "" when the export wrote several files (csv per sheet)
    format: str
    rows: int
    key_id: str
    scope: str
    outputs: tuple[OutputFile, ...] = ()
    columns: tuple[ColumnRecord, ...] = ()
    # stored as written; :meth:`manifest` reads it (a damaged entry must not hide the rest of the record)
    encrypted: tuple[Mapping[str, Any], ...] = ()
    watermark_id: str = ""
    layers: tuple[str, ...] = ()
    trace: TraceSummary = field(default_factory=TraceSummary)
    policy_version: str = ""
    password_protected: bool = False
    approval: Mapping[str, Any] | None = None
    # the policy's provenance (Policy.provenance: version, origin signed/local/built-in, SHA-256, signer)
    policy: Mapping[str, Any] | None = None
    office_id: str | None = None  # the security office a managed workstation pins; None when unmanaged
    # the originals sealed to the office (masking/sealed.py): sha256, decryption_id, office_id, values
    sealed: Mapping[str, Any] | None = None
    # per sheet, the non-blank rows above its header (titles) that the output left out
    title_rows_dropped: tuple[tuple[str, int], ...] = ()
    deidentification: DeidentificationRecord | None = None  # roles, k and risk (masking.risk.record)
    selection: SelectionRecord | None = None  # fewer rows (export --rows/--where); None: every row
    extra: Mapping[str, Any] = field(default_factory=lambda: _EMPTY, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.extra,
            "export_id": self.export_id,
            "user": self.user,
            "machine": self.machine,
            "recipient": self.recipient,
            "purpose": self.purpose,
            "input_name": self.input_name,
            "input_sha256": self.input_sha256,
            "output_name": self.output_name,
            "output_sha256": self.output_sha256,
            "outputs": [o.to_dict() for o in self.outputs],
            "format": self.format,
            "rows": self.rows,
            "columns": [c.to_dict() for c in self.columns],
            "key_id": self.key_id,
            "scope": self.scope,
            "encrypted": [dict(e) for e in self.encrypted],
            "watermark_id": self.watermark_id,
            "layers": list(self.layers),
            "trace": self.trace.to_dict(),
            "policy_version": self.policy_version,
            "password_protected": self.password_protected,
            "approval": dict(self.approval) if self.approval is not None else None,
            "policy": dict(self.policy) if self.policy is not None else None,
            "office_id": self.office_id,
            "sealed": dict(self.sealed) if self.sealed is not None else None,
            "title_rows_dropped": dict(self.title_rows_dropped),
            **({"deidentification": self.deidentification.to_dict()} if self.deidentification is not None else {}),
            **({"selection": self.selection.to_dict()} if self.selection is not None else {}),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ExportRecord:
        """The record a ledger body holds; tolerant of the older records' missing fields."""
        outputs = tuple(OutputFile(_text(o, "name"), _text(o, "sha256"))
                        for o in _mappings(data.get("outputs")))
        approval, policy, sealed = data.get("approval"), data.get("policy"), data.get("sealed")
        return cls(
            export_id=_text(data, "export_id"),
            user=_text(data, "user"),
            machine=_text(data, "machine"),
            recipient=_text(data, "recipient"),
            purpose=_text(data, "purpose"),
            input_name=_text(data, "input_name"),
            input_sha256=_text(data, "input_sha256"),
            output_name=_text(data, "output_name"),
            output_sha256=_text(data, "output_sha256"),
            format=_text(data, "format"),
            rows=_count(data, "rows"),
            key_id=_text(data, "key_id"),
            scope=_text(data, "scope"),
            outputs=outputs,
            columns=tuple(ColumnRecord.from_dict(c) for c in _mappings(data.get("columns"))),
            encrypted=tuple(_mappings(data.get("encrypted"))),
            watermark_id=_text(data, "watermark_id"),
            layers=tuple(layer for layer in data.get("layers") or () if isinstance(layer, str)),
            trace=TraceSummary.from_dict(data.get("trace") or {}),
            policy_version=_text(data, "policy_version"),
            password_protected=data.get("password_protected") is True,
            approval=MappingProxyType(dict(approval)) if isinstance(approval, Mapping) else None,
            policy=MappingProxyType(dict(policy)) if isinstance(policy, Mapping) else None,
            office_id=_text(data, "office_id") or None,
            sealed=MappingProxyType(dict(sealed)) if isinstance(sealed, Mapping) else None,
            title_rows_dropped=_sheet_counts(data.get("title_rows_dropped")),
            deidentification=DeidentificationRecord.from_dict(deid) if isinstance(
                deid := data.get("deidentification"), Mapping) else None,
            selection=SelectionRecord.from_dict(chosen) if isinstance(
                chosen := data.get("selection"), Mapping) else None,
            extra=MappingProxyType({k: v for k, v in data.items() if k not in _KNOWN}),
        )

    def manifest(self) -> tuple[EncryptedColumn, ...]:
        """The encrypted columns (``ManifestDamaged`` when the stored manifest cannot be read)."""
        return manifest_from_ledger(self.encrypted)

    def output_index(self, sha256: str) -> int | None:
        """Which of this export's files has this SHA-256 (0 for the single output), or None."""
        for index, output in enumerate(self.outputs):
            if output.sha256 == sha256:
                return index
        if not self.outputs and self.output_sha256 == sha256:
            return 0
        return None

    def included_sheets(self) -> list[str]:
        """The exported sheets in output order (the columns list them in plan order)."""
        return list(dict.fromkeys(c.sheet for c in self.columns if c.sheet))


_KNOWN = frozenset(ExportRecord.__dataclass_fields__) - {"extra"}


def _sheet_counts(value: Any) -> tuple[tuple[str, int], ...]:
    if not isinstance(value, Mapping):
        return ()
    return tuple((str(sheet), count) for sheet, count in value.items()
                 if isinstance(count, int) and not isinstance(count, bool))


def _mappings(value: Any) -> Iterable[Mapping[str, Any]]:
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list | tuple) else []


def export_records(ledger: Ledger) -> list[tuple[LedgerEntry, ExportRecord]]:
    """Every export record of the ledger, oldest first, with the entry that holds it."""
    return [(entry, ExportRecord.from_dict(entry.body)) for entry in ledger.entries(EXPORT_EVENT)]
