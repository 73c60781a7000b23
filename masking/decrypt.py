"""``decrypt``: restore the columns an export encrypted, for holders of the key.

Where the encryption record comes from:

* an xlsx output carries it in its custom document properties (``ExportGuard.Scope`` and one
  ``ExportGuard.Encrypted.<n>`` per column: input sheet, output column, kind, key id, token format);
* a csv output has no properties, so it is looked up in the audit ledger by its SHA-256 (the
  ``output_sha256`` or ``outputs`` of an export record). A csv that was edited after the export has
  another SHA-256 and is refused as "not a known export": decrypt needs the file as exported, or the
  ledger of the workstation that exported it (``audit import``).

The decrypted copy is a NEW file (atomic, never over the input, never over an existing file without
``overwrite``) with the same sheets, the same header rows and every other cell unchanged; the notice
sheet of an xlsx output is carried over as it is. The document properties, page header and footer
of the export are not: the copy is no longer the recipient's copy. What comes back:

* text kinds (AES-SIV tokens) come back exactly as the cell text that was encrypted (a number or a
  date in a text column comes back as its text);
* digit kinds (FF1) come back as the canonical value in the same formatting as the encrypted cell,
  which is the original's formatting whenever the canonical digits were the value's last digits
  ("139-1234-5678", "+86 139 1234 5678", a number cell); otherwise (full-width digits, a dropped
  trunk 0) the canonical form. Values that were unparsed or damaged were encrypted as AES-SIV tokens
  and come back exactly.

A ``decrypt`` record goes into the ledger: export id when known, input and output SHA-256, the
columns with their counts and key ids; never a value.

The office restores sealed values from its evidence service too (``service``): the export's record
and its sealed originals are fetched there (by the xlsx's export id, or by the file's SHA-256), checked
against each other, and opened with the office's key; no home folder is needed then, and the service
records the fetch in its own trail (:mod:`masking.evidence.sealed_fetch`).
"""

from __future__ import annotations

import functools
import getpass
import socket
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from masking.errors import InputError, KeyProblem, UsageError
from masking.evidence.client import ServiceAccess
from masking.evidence.sealed_fetch import fetch_sealed
from masking.export_record import ExportRecord, export_records
from masking.io.model import Value
from masking.io.properties import read_custom_properties
from masking.io.reader import Workbook, open_workbook
from masking.io.writer import open_writer
from masking.io.xlsx_writer import sheet_name
from masking.keys import KeyRing
from masking.kinds import Action
from masking.ledger import Ledger
from masking.manifest import SEALED_PROPERTY, EncryptedColumn, ManifestDamaged, manifest_from_properties
from masking.operators import Counts, EncryptOperator, KeyMaterial, OperatorContext, get_operator
from masking.operators.base import BatchResult, is_blank
from masking.pipeline import file_sha256
from masking.sealed import SealedStore, cell_key, open_columns

__all__ = ["DecryptResult", "DecryptedColumn", "decrypt_file"]

Progress = Callable[[int, int], None]
ManifestSource = Literal["properties", "ledger"]
BATCH_ROWS = 4096
_EXPORT_ID_PROPERTY = "ExportGuard.ExportId"
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class DecryptedColumn:
    """One restored column: where it sits in the file, what it was, under which key, and the counts."""

    sheet: str  # the sheet name in the file
    position: int  # 0-based column index in the file
    header: str | None
    kind: str | None
    key_id: str
    counts: Counts

    def as_dict(self) -> dict[str, Any]:
        return {"sheet": self.sheet, "position": self.position, "header": self.header, "kind": self.kind,
                "key_id": self.key_id, "counts": {k: v for k, v in vars(self.counts).items() if v}}


@dataclass(frozen=True)
class DecryptResult:
    output: Path
    format: str
    export_id: str | None
    manifest: ManifestSource
    rows: int
    columns: tuple[DecryptedColumn, ...]
    input_sha256: str
    output_sha256: str
    ledger_seq: int

    def as_dict(self) -> dict[str, Any]:
        """The ``decrypt --json`` object."""
        return {
            "output": str(self.output),
            "format": self.format,
            "export_id": self.export_id,
            "manifest": self.manifest,
            "rows": self.rows,
            "columns": [c.as_dict() for c in self.columns],
            "key_ids": sorted({c.key_id for c in self.columns}),
            "input_sha256": self.input_sha256,
            "output_sha256": self.output_sha256,
        }


@dataclass(frozen=True)
class _Found:
    """What the ledger knows about the file: the export record and which of its files it is."""

    record: ExportRecord
    file_index: int
    sealed: bytes | None = None  # the sealed originals, already fetched and checked (from the service)


def _specs_from_properties(properties: Mapping[str, str], label: str) -> tuple[EncryptedColumn, ...]:
    try:
        return manifest_from_properties(properties)
    except ManifestDamaged:
        raise InputError(f"{label}: the encryption record in the document properties is damaged") from None


def _specs_from_ledger(found: _Found, label: str) -> tuple[EncryptedColumn, ...]:
    record = found.record
    try:
        specs = record.manifest()
    except ManifestDamaged:
        raise InputError(f"{label}: the encryption record in the audit ledger is damaged") from None
    included = record.included_sheets()
    if record.format == "csv" and len(included) > 1:  # one csv per sheet: keep this file's sheet
        sheet = included[found.file_index] if found.file_index < len(included) else None
        specs = tuple(spec for spec in specs if spec.sheet == sheet)
    return specs


def _find_export(ledger: Ledger, sha256: str) -> _Found | None:
    """The newest export record that wrote a file with this SHA-256."""
    found = None
    for _, record in export_records(ledger):
        index = record.output_index(sha256)
        if index is not None:
            found = _Found(record, index)
    return found


def _found(service: ServiceAccess | None, ledger: Ledger | None, export_id: str | None, sha256: str) -> _Found | None:
    """The export the file came from: at the office's service (with its sealed originals), else in the ledger."""
    if service is None:
        return _find_export(ledger, sha256) if ledger is not None else None
    fetched = fetch_sealed(service, export_id=export_id, sha256=sha256)
    index = fetched.record.output_index(sha256)
    return _Found(fetched.record, 0 if index is None else index, fetched.blob)


def _sheet_map(workbook: Workbook, specs: Sequence[EncryptedColumn], found: _Found | None) -> dict[str, str]:
    """Output sheet name for each input sheet named in ``specs``.

    With the export record the writer's naming is replayed exactly (notice sheet first, then every
    exported sheet made valid and unique); without it, exported sheets are matched in order.
    """
    names = [info.name for info in workbook.sheets]
    if workbook.format == "csv":
        return {spec.sheet: names[0] for spec in specs}
    wanted = list(dict.fromkeys(spec.sheet for spec in specs))
    mapping: dict[str, str] = {}
    if found is not None and (included := found.record.included_sheets()):
        taken = names[:1]  # the notice sheet
        for sheet in included:
            taken.append(sheet_name(sheet, taken))
            mapping[sheet] = taken[-1]
    else:
        taken = names[:1]
        for name in names[1:]:
            if wanted and sheet_name(wanted[0], taken) == name:
                mapping[wanted.pop(0)] = name
            taken.append(name)
    missing = [sheet for sheet in dict.fromkeys(spec.sheet for spec in specs)
               if mapping.get(sheet) not in names]
    if missing:
        raise InputError(f"{workbook.path.name}: the encrypted sheet {missing[0]!r} is not in the file")
    return mapping


def _header_rows(workbook: Workbook, found: _Found | None, mapping: Mapping[str, str]) -> dict[str, bool]:
    """Whether each sheet of the file starts with a header row.

    The export record says so exactly (an exported sheet has a header row when its columns had
    headers); without it, the reader's own header detection decides.
    """
    result = {info.name: workbook.table(info.name).header_row == 1 for info in workbook.sheets}
    if found is not None:
        headed: dict[str, bool] = {}
        for column in found.record.columns:
            if column.action != Action.DROP.value:
                headed[column.sheet] = headed.get(column.sheet, False) or column.header is not None
        for sheet, has_header in headed.items():
            if sheet in mapping:
                result[mapping[sheet]] = has_header
    return result


Restore = Callable[[Sequence[Value]], BatchResult]


@dataclass
class _Column:
    spec: EncryptedColumn
    restore: Restore  # the column's cells -> the originals
    counts: Counts
    header: str | None


def _columns(specs: Sequence[EncryptedColumn], ring: KeyRing) -> list[_Column]:
    """Every column's key, operator and record checked before anything is written."""
    columns = []
    for spec in specs:
        record = spec.record
        master = ring.by_id(record.key_id)  # KeyProblem (exit 5) when the key is not here
        operator = get_operator(Action.ENCRYPT, record.kind)
        if not isinstance(operator, EncryptOperator):  # pragma: no cover - the registry maps encrypt here
            raise TypeError("encrypt is not an EncryptOperator")
        ctx = OperatorContext(record.scope, KeyMaterial.from_master(master))
        operator.decrypt_batch([], ctx, record)  # checks kind, scope and token format
        restore = functools.partial(operator.decrypt_batch, ctx=ctx, record=record)
        columns.append(_Column(spec, restore, Counts(), spec.header))
    return columns


def _lookup(originals: Mapping[str, Value], values: Sequence[Value]) -> BatchResult:
    """Each token back to its sealed original; a cell that is not a token of the column stays as it is."""
    out = list(values)
    transformed = blank = unparsed = 0
    for position, value in enumerate(values):
        if is_blank(value):
            blank += 1
        elif (original := originals.get(cell_key(value))) is not None:
            out[position] = original
            transformed += 1
        else:
            unparsed += 1
    return BatchResult(out, Counts(transformed=transformed, blank=blank, unparsed=unparsed))


def _sealed_columns(specs: Sequence[EncryptedColumn], found: _Found | None, home: Path | None,
                    office_keys: Mapping[str, bytes], label: str) -> list[_Column]:
    """The columns restored from the originals sealed to the office (``decrypt --office``)."""
    if found is None:
        raise InputError(f"{label}: its export is not in this home's audit ledger, which holds the sealed values; "
                         "decrypt with the home (or a copy of it) where the export was made")
    record = found.record
    if record.sealed is None or not isinstance(record.sealed.get("sha256"), str):
        raise InputError(f"{label}: its values were not sealed to the security office (exported on an unmanaged "
                         "workstation); decrypt it without --office where it was exported")
    blob = found.sealed
    if blob is None:
        if home is None:  # pragma: no cover - without a home the record came from the service, with its blob
            raise InputError(f"{label}: the sealed values are not at hand")
        blob = SealedStore(home).load(record.export_id, str(record.sealed["sha256"]))
    by_place = {(c.sheet, c.position): c.originals for c in open_columns(record.export_id, blob, office_keys)}
    columns = []
    for spec in specs:
        originals = by_place.get((spec.sheet, spec.position))
        if originals is None:
            raise InputError(f"{label}: the sealed values lack column {spec.position + 1} of {spec.sheet}")
        columns.append(_Column(spec, functools.partial(_lookup, originals), Counts(), spec.header))
    return columns


def _office_only(what: str) -> KeyProblem:
    return KeyProblem(f"only the security office can restore encrypted values: {what}; send the file to the "
                      "office, which restores it with 'decrypt --office'")


def _restorers(  # noqa: PLR0917 - what decides how the columns come back
    specs: Sequence[EncryptedColumn], found: _Found | None, sealed_to: str | None, ring: KeyRing | None,
    home: Path | None, office_keys: Mapping[str, bytes] | None, label: str,
) -> list[_Column]:
    """Sealed originals with the office's keys; refused for a sealed export without them; else the export keys."""
    if office_keys is not None:
        return _sealed_columns(specs, found, home, office_keys, label)
    if sealed_to:
        raise _office_only(f"this export's values are sealed to the office's key {sealed_to}")
    if ring is None:
        raise KeyProblem(f"{label}: restoring it needs this workstation's export keys")
    return _columns(specs, ring)


def _padded_rows(workbook: Workbook, name: str, width: int, skip_header: bool) -> Iterator[list[Value]]:
    """Every row of the sheet after its header, empty rows included, padded to ``width``."""
    expected = 2 if skip_header else 1
    for number, values in workbook.rows(name):
        if skip_header and number == 1:
            continue
        while expected < number:
            yield [None] * width
            expected += 1
        row = list(values)
        if len(row) < width:
            row.extend([None] * (width - len(row)))
        yield row
        expected = number + 1


def _first_row(workbook: Workbook, name: str) -> tuple[Value, ...]:
    rows = workbook.rows(name)
    try:
        number, values = next(rows, (0, ()))
    finally:
        close = getattr(rows, "close", None)
        if close is not None:
            close()
    return values if number == 1 else ()


def _batches(rows: Iterator[list[Value]], size: int) -> Iterator[list[list[Value]]]:
    batch: list[list[Value]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _csv_encoding(path: Path) -> Literal["utf-8-sig", "gb18030"]:
    """Exports write csv as UTF-8 with BOM or as GB18030; the copy keeps the same one."""
    with path.open("rb") as stream:
        return "utf-8-sig" if stream.read(3) == _BOM else "gb18030"


def decrypt_file(
    source: Path,
    out: Path,
    ring: KeyRing | None,
    ledger: Ledger | None,
    *,
    overwrite: bool = False,
    progress: Progress | None = None,
    office_keys: Mapping[str, bytes] | None = None,
    managed: bool = False,
    service: ServiceAccess | None = None,
) -> DecryptResult:
    """Write ``out``: ``source`` with its encrypted columns restored, and record it in the ledger.

    Raises ``InputError`` when the file carries no encryption record (or a csv is not a known
    export), ``KeyProblem`` when a column's key is not in ``ring``, ``OutputError`` when ``out``
    exists (without ``overwrite``) or is ``source``. ``progress(done, total)`` may raise
    ``Cancelled``; nothing is left behind then.

    ``office_keys`` (the security office's decryption keys by id) restore the originals an export on
    a managed workstation sealed to the office; without them such a file, and any file on a
    ``managed`` workstation, is refused with ``KeyProblem`` (exit 5): only the office restores values.

    ``service`` (with ``office_keys``): the export's record and sealed originals come from the office's
    evidence service instead of ``ledger`` and its home folder; ``ring`` and ``ledger`` may then be None,
    and the decryption is recorded by the service (``ledger_seq`` 0), not in a ledger here.
    """
    source, out = Path(source), Path(out)
    if managed and office_keys is None:
        raise _office_only("this workstation is managed and holds no key that restores them")
    if service is not None and office_keys is None:
        raise UsageError("restoring from the service opens sealed values: it needs the office's key (--office)")
    if service is None and ledger is None:
        raise UsageError("decrypt needs this home's audit ledger or the office's service")
    sealed_to: str | None = None
    label = source.name
    with open_workbook(source) as workbook:
        input_sha256 = file_sha256(source)
        properties = read_custom_properties(source) if workbook.format == "xlsx" else {}
        export_id = properties.get(_EXPORT_ID_PROPERTY) or None
        found = _found(service, ledger, export_id, input_sha256)
        manifest: ManifestSource
        if workbook.format == "xlsx":
            specs, manifest = _specs_from_properties(properties, label), "properties"
            sealed_to = properties.get(SEALED_PROPERTY) or None
            if not specs and found is not None:
                specs, manifest = _specs_from_ledger(found, label), "ledger"
        else:
            if found is None:
                raise InputError(
                    f"{label}: not a known export (no export in the audit ledger wrote a file with this "
                    "SHA-256; it may have been edited since, or exported on another workstation)"
                )
            specs, manifest = _specs_from_ledger(found, label), "ledger"
        if found is not None:
            export_id = found.record.export_id or export_id
        if not specs:
            raise InputError(f"{label}: no encrypted columns recorded for this file")
        if found is not None and found.record.sealed is not None:
            sealed_to = str(found.record.sealed.get("decryption_id") or "") or sealed_to
        home = ledger.path.parent if ledger is not None else None
        columns = _restorers(specs, found, sealed_to, ring, home, office_keys, label)
        mapping = _sheet_map(workbook, specs, found)
        headed = _header_rows(workbook, found, mapping)
        rows = _write(workbook, out, columns, mapping, headed, overwrite=overwrite, progress=progress)
    output_sha256 = file_sha256(out)
    restored = tuple(
        DecryptedColumn(mapping[c.spec.sheet], c.spec.position, c.header,
                        c.spec.record.kind.value if c.spec.record.kind else None, c.spec.record.key_id, c.counts)
        for c in columns
    )
    if ledger is None:  # restored from the service, which recorded the fetch
        return DecryptResult(out, workbook.format, export_id, manifest, rows, restored, input_sha256, output_sha256, 0)
    entry = ledger.append("decrypt", {
        "export_id": export_id,
        "user": getpass.getuser(),
        "machine": socket.gethostname(),
        "input_name": label,
        "input_sha256": input_sha256,
        "output_name": out.name,
        "output_sha256": output_sha256,
        "format": workbook.format,
        "manifest": manifest,
        "rows": rows,
        "columns": [c.as_dict() for c in restored],
        "key_ids": sorted({c.key_id for c in restored}),
        "office": sealed_to if office_keys is not None else None,  # restored from values sealed to this office key
    })
    return DecryptResult(out, workbook.format, export_id, manifest, rows, restored, input_sha256, output_sha256,
                         entry.seq)


def _write(
    workbook: Workbook,
    out: Path,
    columns: list[_Column],
    mapping: Mapping[str, str],
    headed: Mapping[str, bool],
    *,
    overwrite: bool,
    progress: Progress | None,
) -> int:
    """Copy every sheet into ``out``, decrypting the recorded columns; returns the rows they span."""
    total = sum(workbook.count_rows(info.name) for info in workbook.sheets) if progress else 0
    done = decrypted = 0
    encoding = _csv_encoding(workbook.path) if workbook.format == "csv" else "utf-8-sig"
    with open_writer(out, "csv" if workbook.format == "csv" else "xlsx", overwrite=overwrite, protect=[workbook.path],
                     csv_encoding=encoding) as book:
        for info in workbook.sheets:
            table = workbook.table(info.name)
            has_header = headed[info.name]
            head = _first_row(workbook, info.name) if has_header else ()
            width = max(table.width, len(head))
            headers = [None if v is None else str(v) for v in head] + [None] * (width - len(head))
            sink = book.add_sheet(info.name, headers if has_header else None)
            mine = [c for c in columns if mapping[c.spec.sheet] == info.name]
            for column in mine:
                if column.header is None and column.spec.position < len(headers) and has_header:
                    column.header = headers[column.spec.position]
            for batch in _batches(_padded_rows(workbook, info.name, width, has_header), BATCH_ROWS):
                for column in mine:
                    position = column.spec.position
                    values = [row[position] if position < len(row) else None for row in batch]
                    result = column.restore(values)
                    column.counts = column.counts + result.counts
                    for row, value in zip(batch, result.values, strict=True):
                        if position < len(row):
                            row[position] = value
                        elif value is not None:
                            row.extend([None] * (position - len(row)))
                            row.append(value)
                sink.write_rows(batch)
                done += len(batch)
                if mine:
                    decrypted += len(batch)
                if progress is not None:
                    progress(done, max(total, done))
    return decrypted
