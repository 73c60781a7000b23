"""One export, end to end: read -> plan -> policy -> transform -> watermark -> write -> ledger.

The CLI and the desktop app both call :func:`prepare_export` (scan, plan and policy verdict, so the
user can see and change them) and then :func:`run_export`. Work is streamed in batches of rows;
``progress(done, total)`` is called as rows are written, and raising :class:`~masking.errors.Cancelled`
from it stops the export with nothing left behind. The input is never written to.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import os
import socket
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass, field, replace
from itertools import islice
from operator import itemgetter
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from masking import transform_worker
from masking.approval import Approval, verify_approval
from masking.detect import ScanReport, scan_workbook
from masking.detect.scan import with_exact_rows
from masking.errors import Cancelled, InputError, OutputError, PolicyError, UsageError
from masking.events import BlockedExport, CancelledExport
from masking.evidence.sync import announce_at_service, consume_at_service, report_after_export, require_within_limit
from masking.export_record import (
    EXPORT_EVENT,
    ColumnRecord,
    DeidentificationRecord,
    ExportRecord,
    OutputFile,
    TraceSummary,
    export_records,
)
from masking.grading import export_grade
from masking.io.encrypted_xlsx import generate_password, open_encrypted_xlsx
from masking.io.model import Value
from masking.io.paths import os_path
from masking.io.reader import Workbook, open_workbook
from masking.io.writer import BookWriter, RowSink, open_writer
from masking.io.xlsx_writer import MAX_ROWS as MAX_XLSX_ROWS
from masking.keys import KeyRing
from masking.kinds import Action, Kind
from masking.leak_check import ColumnCheck, leak_verdict
from masking.ledger import Ledger, LedgerEntry, approval_use
from masking.manifest import encryption_manifest, manifest_properties
from masking.office import OfficeKeys, read_pin
from masking.operators.base import Counts, KeyMaterial, Operator, OperatorContext
from masking.plan import Plan, build_plan
from masking.plurals import counted
from masking.policy import Policy, load_policy
from masking.policy_check import ExportFacts, PolicyVerdict, check_plan
from masking.recipient import Recipient
from masking.risk.assess import PlanRisk, SheetCodes, assess, plan_risk
from masking.risk.generalize import generalize_to_k
from masking.row_selection import (
    RowSelection,
    SelectedRows,
    SelectionRecord,
    count_selected,
    filter_columns,
    selected_plan,
)
from masking.sealed import SealedColumn, SealedStore, seal_columns
from masking.transform import (
    BatchTransform,
    ParallelTransform,
    Transform,
    TransformSpec,
    TransformSummary,
    build_operators,
    kept_columns,
    use_worker,
)
from masking.violations import Violation, violation
from masking.watermark.canary import MIN_CANARIES, UNIQUE_KINDS, CanaryPools
from masking.watermark.embed import MarkSettings, clear_columns, placeable_layers, sheet_canaries
from masking.watermark.pool import PoolUse, expand_pool, keyed_order, workstation_slice
from masking.watermark.store import TraceStore
from masking.watermark.visible import VisibleMark, visible_mark
from masking.workspace import LEDGER_FILE

OutputFormat = Literal["xlsx", "csv"]
Progress = Callable[[int, int], None]
BATCH_ROWS = 4096


@dataclass(frozen=True)
class ExportRequest:
    """Everything the user decided about one export."""

    input: Path
    recipient: str
    purpose: str
    output: Path | None = None
    format: OutputFormat | None = None
    choices: tuple[str, ...] = ()
    plan_file: Path | None = None
    policy_file: Path | None = None
    overwrite: bool = False
    csv_encoding: Literal["utf-8-sig", "gb18030"] = "utf-8-sig"
    include_hidden: bool = False
    approval: str | None = None  # an approval code from the security office, for bulk exports
    password: bool = False  # encrypt the xlsx output under a generated password, shown once
    input_encoding: str | None = None  # a CSV input's codec when the user names it (detected otherwise)
    roles: tuple[str, ...] = ()  # COLUMN=ROLE choices (direct, quasi, sensitive, other)
    generalize_to_k: bool = False  # apply the generalization that reaches the policy's minimum k
    rows: RowSelection = field(default_factory=RowSelection)  # fewer rows: a range and/or a filter (--rows, --where)


# The k that rows_below_k is reported against when the policy sets no minimum (the k most guidance
# on de-identification starts from; it refuses nothing).
REPORT_K = 5


@dataclass(frozen=True)
class PreparedExport:
    """What will happen, shown to the user before anything is written."""

    request: ExportRequest
    report: ScanReport
    plan: Plan
    policy: Policy
    verdict: PolicyVerdict
    output: Path
    format: OutputFormat
    recipient: Recipient  # the request's recipient, normalised once
    approval: Approval | None = None  # the verified approval code, if one was given
    office: OfficeKeys | None = None  # the security office a managed home pins (encrypted values are sealed to it)
    # the output's re-identification risk over the full input, measured here when the policy's minimum k
    # needs it before writing; None: the export measures it in its own pass (ExportResult.deidentification)
    risk: PlanRisk | None = None
    grade: int = 1  # the export's grade (masking.grading)
    suppressed: Mapping[str, npt.NDArray[np.int64]] = field(default_factory=dict)  # rows left out, per sheet
    generalized: tuple[tuple[str, str, str], ...] = ()  # (column, before, after) --generalize-to-k changed
    # the input's size and modification time when the scan made here looked at it without hashing it all
    stamp: tuple[int, int] | None = None


@dataclass(frozen=True)
class ColumnOutcome:
    sheet: str
    header: str | None
    kind: str | None
    action: str
    counts: Counts
    check: ColumnCheck | None = None  # a kept column's every-cell check

    def as_dict(self) -> dict[str, Any]:
        data = {"sheet": self.sheet, "header": self.header, "kind": self.kind, "action": self.action,
                "counts": {k: v for k, v in vars(self.counts).items() if v}}
        return data if self.check is None else {**data, "check": self.check.as_dict()}


@dataclass(frozen=True)
class ExportResult:
    export_id: str
    output: Path
    format: OutputFormat
    rows: int
    columns: tuple[ColumnOutcome, ...]
    verdict: PolicyVerdict
    layers: tuple[str, ...]
    input_sha256: str
    output_sha256: str
    ledger_seq: int
    warnings: tuple[str, ...] = field(default=())
    outputs: tuple[Path, ...] = field(default=())  # every file written (one csv per sheet for csv)
    password: str | None = field(default=None, repr=False)  # shown to the user once; never stored
    reporting: str = "standalone"  # sent | queued | refused (to the office's service) | standalone
    # non-blank rows above a sheet's header (titles, dates, unit lines) that were not exported, per sheet
    title_rows: tuple[tuple[str, int], ...] = field(default=())
    deidentification: DeidentificationRecord | None = None
    selection: SelectionRecord | None = None  # the rows chosen (--rows/--where); None: every row

    def as_dict(self) -> dict[str, Any]:
        """The ``export --json`` object of the CLI contract."""
        return {
            "export_id": self.export_id,
            "output": str(self.output),
            "format": self.format,
            "rows": self.rows,
            "columns": [c.as_dict() for c in self.columns],
            "policy": {"ok": self.verdict.ok, "violations": [v.text for v in self.verdict.violations],
                       "warnings": [w.text for w in self.verdict.warnings],
                       "warning_codes": [w.to_dict() for w in self.verdict.warnings]},
            "watermark": {"layers": list(self.layers)},
            "input_sha256": self.input_sha256,
            "output_sha256": self.output_sha256,
            "outputs": [str(p) for p in self.outputs],
            "warnings": list(self.warnings),
            "title_rows_dropped": dict(self.title_rows),
            "password_protected": self.password is not None,
            "reporting": self.reporting,
            **({"password": self.password} if self.password is not None else {}),
            **(self.deidentification.json_fields() if self.deidentification is not None else {}),
            **({"selection": self.selection.to_dict()} if self.selection is not None else {}),
        }


def default_output(source: Path, fmt: OutputFormat, recipient: Recipient, *, folder: Path | None = None,
                   day: dt.date | None = None) -> Path:
    """``客户明细.xlsx`` -> ``客户明细_外发_<recipient>.xlsx`` beside the input (the CLI's default).

    The desktop app passes its per-user outbox as ``folder`` and today as ``day``:
    ``<folder>/客户明细_外发_<recipient>_20261206.xlsx``. A recipient with nothing to name a file by (none
    typed yet, or only punctuation) is left out: ``客户明细_外发.xlsx``, ``客户明细_外发_20261206.xlsx``.
    """
    parts = [f"{source.stem}_外发", recipient.file_label, f"{day:%Y%m%d}" if day is not None else ""]
    name = "_".join(part for part in parts if part) + f".{fmt}"
    return (folder if folder is not None else source.parent) / name


def output_format(request: ExportRequest, input_format: str) -> OutputFormat:
    """``--format``, else the ``--out`` file's extension, else the input's format."""
    if request.format is not None:
        if request.output is not None and request.output.suffix.lower() in (".csv", ".xlsx") \
                and request.output.suffix.lower() != f".{request.format}":
            raise UsageError(f"--out {request.output.name} does not match --format {request.format}")
        return request.format
    suffix = request.output.suffix.lower() if request.output is not None else ""
    if suffix == ".csv":
        return "csv"
    if suffix == ".xlsx":
        return "xlsx"
    return "csv" if input_format == "csv" else "xlsx"


def prepare_export(request: ExportRequest, home: Path, report: ScanReport | None = None,
                   selected: Mapping[str, int] | None = None) -> PreparedExport:
    """Scan, plan and judge; nothing is written. Raises ``UsageError``/``InputError`` for bad input.

    ``report`` is the caller's scan of ``request.input`` when it has one (the desktop's Review page):
    the file is then not scanned again. A scan made here hashes the file as it reads it; the export
    refuses to commit an output if the file it reads then is not the file that was scanned.
    ``selected``: the caller's :func:`~masking.row_selection.count_selected` of ``request.rows`` on
    that scan (the desktop counts a filter's rows once, as it is typed); else a filter is counted here.
    """
    transform_worker.start_early(request.input)  # it loads its modules on the other core while this scans
    policy = load_policy(request.policy_file, home)
    risk: PlanRisk | None = None
    suppressed: dict[str, npt.NDArray[np.int64]] = {}
    generalized: tuple[tuple[str, str, str], ...] = ()
    stamp = None
    with ExitStack() as stack:  # at most one open workbook: the scan's look and the risk's pass
        workbook = None
        if report is None:
            # the scan samples each sheet's first rows and takes its size as stated: the export's own
            # pass is then the one read of the file (it counts the rows, and the policy is judged again)
            workbook = stack.enter_context(open_workbook(request.input, encoding=request.input_encoding))
            stamp = file_stamp(request.input)  # after the reader's checks: a missing file is their one line
            report = scan_workbook(workbook, path=request.input, quick=True)
        _refuse_empty(request, report)
        plan = build_plan(report, policy, choices=request.choices, plan_file=request.plan_file,
                          include_hidden=request.include_hidden, roles=request.roles)
        if workbook is not None and _needs_exact_rows(plan, policy, report, request):
            report = with_exact_rows(report, workbook)  # a refusal is never made on a stated size
            plan = build_plan(report, policy, choices=request.choices, plan_file=request.plan_file,
                              include_hidden=request.include_hidden, roles=request.roles)
        source: Workbook | SelectedRows | None = workbook
        if not request.rows.everything:
            if selected is None and request.rows.where is not None and workbook is None:
                workbook = stack.enter_context(open_workbook(request.input, encoding=request.input_encoding))
            if request.rows.where is not None:
                filter_columns(plan, request.rows.where)  # UsageError for a column a sheet lacks
            counts = selected if selected is not None else count_selected(workbook, plan, request.rows)
            if {sheet.name for sheet in plan.included} - set(counts):
                raise ValueError("the counts given are not of this plan's sheets")
            plan = selected_plan(plan, counts)
            if not plan.rows:
                raise UsageError("no row is selected: check --rows and --where")
            source = SelectedRows(workbook, plan, request.rows) if workbook is not None else None
        if request.generalize_to_k or policy.thresholds(export_grade(plan.columns(), policy.levels)).min_k:
            # the verdict needs k before anything is written; otherwise the export measures in its own pass
            if source is None:
                workbook = stack.enter_context(open_workbook(request.input, encoding=request.input_encoding))
                source = workbook if request.rows.everything else SelectedRows(workbook, plan, request.rows)
            plan, risk, suppressed, generalized = _measure_risk(source, plan, policy, request.generalize_to_k)
    fmt = output_format(request, report.format)
    recipient = policy.recipient(Recipient.of(request.recipient))  # the canonical name the policy lists
    output = request.output or default_output(request.input, fmt, recipient)
    if request.password and fmt != "xlsx":
        raise UsageError(f"a {fmt} file cannot be password-protected: export as xlsx (--format xlsx) "
                         "or leave out --password")
    approval = None
    if request.approval is not None:
        scanned = report.sha256 or file_sha256(request.input)
        approval = verify_approval(request.approval, policy.approval_keys, scanned, recipient)
        used = approval_use(home / LEDGER_FILE, approval.code_id)
        if used is not None:
            raise used.refusal()
    verdict = check_plan(plan, policy, export_facts(request, recipient, approval, fmt, risk))
    return PreparedExport(request, report, plan, policy, verdict, output, fmt, recipient, approval, read_pin(home),
                          risk=risk, grade=export_grade(plan.columns(), policy.levels), suppressed=suppressed,
                          generalized=generalized, stamp=stamp)


def export_facts(request: ExportRequest, recipient: Recipient, approval: Approval | None, fmt: OutputFormat,
                 risk: PlanRisk | None) -> ExportFacts:
    """What the policy judges besides the plan."""
    return ExportFacts(recipient.name, request.purpose, approved_rows=approval.rows if approval else None,
                       password=request.password, format=fmt, risk=risk)


def _facts(prepared: PreparedExport) -> ExportFacts:
    return export_facts(prepared.request, prepared.recipient, prepared.approval, prepared.format, prepared.risk)


def file_stamp(path: Path) -> tuple[int, int]:
    """The file's size and modification time: how an export tells that the file it reads is the one
    its scan looked at, when that scan did not read (and hash) all of it."""
    info = os_path(path).stat()
    return info.st_size, info.st_mtime_ns


def _needs_exact_rows(plan: Plan, policy: Policy, report: ScanReport, request: ExportRequest) -> bool:
    """Whether a row count the scan took from a sheet's stated size would decide something before the
    export reads the rows: an approval threshold it passes, or the xlsx row limit it would pass."""
    if all(sheet.rows_exact for sheet in report.sheets):
        return False
    threshold = policy.thresholds(export_grade(plan.columns(), policy.levels)).approval_threshold
    if threshold is not None and plan.rows > threshold:
        return True
    # _check_row_limit's sum (rows, canaries at the policy's rate, the header), with room for rounding
    over = [s for s in plan.included if s.data_rows * (1 + policy.canary_rate) + MIN_CANARIES + 2 > MAX_XLSX_ROWS]
    return output_format(request, report.format) == "xlsx" and bool(over)


def risk_threshold(plan: Plan, policy: Policy) -> int:
    """The k an export of this plan is held to: the policy's minimum for its grade, else :data:`REPORT_K`."""
    return policy.thresholds(export_grade(plan.columns(), policy.levels)).min_k or REPORT_K


def _measure_risk(
    workbook: Workbook | SelectedRows, plan: Plan, policy: Policy, generalize: bool
) -> tuple[Plan, PlanRisk, dict[str, npt.NDArray[np.int64]], tuple[tuple[str, str, str], ...]]:
    """The output's risk over the full input, for a verdict that needs it before anything is written;
    with ``generalize``, first the generalization that reaches k."""
    threshold = risk_threshold(plan, policy)
    if not generalize:
        return plan, assess(workbook, plan, threshold), {}, ()
    chosen = generalize_to_k(workbook, plan, policy, threshold, max_suppressed=policy.max_suppressed)
    return chosen.plan, chosen.risk, {name: rows for name, rows in chosen.suppressed.items() if rows.size}, \
        chosen.changed


def _refuse_empty(request: ExportRequest, report: ScanReport) -> None:
    """A workbook with no value in any sheet the export would consider is an input problem (exit 3),
    not a refusal by policy: there is nothing for the policy to judge."""
    considered = [sheet for sheet in report.sheets if request.include_hidden or not sheet.info.hidden]
    if any(sheet.table.width for sheet in considered):
        return
    hidden = any(sheet.table.width for sheet in report.sheets)
    advice = "; only hidden sheets hold data (--include-hidden exports them)" if hidden else ""
    raise InputError(f"{request.input.name}: no data in any visible sheet{advice}")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with os_path(path).open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class _Tracker:
    """Turns rows written into throttled ``progress(done, total)`` calls."""

    def __init__(self, total: int, progress: Progress | None) -> None:
        self.total, self.done, self._progress = total, 0, progress

    def advance(self, rows: int) -> None:
        self.done += rows
        if self._progress is not None:
            self._progress(self.done, self.total)


def _batches(
    rows: Iterator[tuple[int, tuple[Value, ...]]], size: int, skip: npt.NDArray[np.int64] | None = None
) -> Iterator[list[tuple[Value, ...]]]:
    """Source rows in batches of ``size``, leaving out the data rows whose 0-based ordinals ``skip`` lists.
    Batches are cut in C (``islice``): no Python step per row unless rows are left out."""
    values: Iterator[tuple[Value, ...]] = map(itemgetter(1), rows)
    if skip is not None and len(skip):
        left_out = frozenset(skip.tolist())
        values = (row for ordinal, row in enumerate(values) if ordinal not in left_out)
    while batch := list(islice(values, size)):
        yield batch


def _new_export_id(now: dt.datetime) -> str:
    return f"EX-{now:%Y%m%d}-{os.urandom(4).hex().upper()}"


def token_scope(policy: Policy, recipient: Recipient, export_id: str | None = None) -> str:
    """The scope tokens are made for: the recipient, the organisation when the policy says so, or with
    ``pseudonym_scope = "export"`` this one export of the recipient (tokens then name the export; before
    an export has its id, as in a preview, the recipient's scope stands in)."""
    if policy.pseudonym_scope == "organisation":
        return "org"
    scope = policy.recipient(recipient).scope
    return f"{scope}|export:{export_id}" if policy.pseudonym_scope == "export" and export_id else scope


def run_export(
    prepared: PreparedExport,
    ring: KeyRing,
    ledger: Ledger,
    *,
    progress: Progress | None = None,
    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    parallel: bool | None = None,
) -> ExportResult:
    """Write the protected, watermarked copy and record it; refuses if the policy says no.

    ``parallel`` runs the transform step in a worker process (:mod:`masking.transform`); by default
    large exports do, on machines with two cores or more. A refusal is recorded in the ledger as a
    ``blocked`` event with the rules that refused it, a cancellation as ``cancelled``, before the
    error goes on to the caller.
    """
    written = [0]

    def counting(done: int, total: int) -> None:
        written[0] = done
        if progress is not None:
            progress(done, total)

    try:
        return _run_export(prepared, ring, ledger, progress=counting, clock=clock, parallel=parallel)
    except (PolicyError, Cancelled) as error:
        request = prepared.request
        facts: dict[str, Any] = {"input_name": request.input.name, "recipient": request.recipient,
                                 "purpose": request.purpose, "format": prepared.format,
                                 "rows": prepared.plan.rows}
        if isinstance(error, PolicyError):
            BlockedExport(**facts, violations=error.violations, message=str(error)).append_to(ledger)
        else:
            CancelledExport(**facts, rows_done=written[0]).append_to(ledger)
        raise


def _run_export(
    prepared: PreparedExport,
    ring: KeyRing,
    ledger: Ledger,
    *,
    progress: Progress,
    clock: Callable[[], dt.datetime],
    parallel: bool | None,
) -> ExportResult:
    if not prepared.verdict.ok:
        raise PolicyError(prepared.verdict.violations[0].text, prepared.verdict.violations)
    home = ledger.path.parent
    require_within_limit(home, prepared.policy, ledger)
    request, plan = prepared.request, prepared.plan
    operators = build_operators(plan)
    settings = _mark_settings(prepared, operators, ring, ledger)
    _check_row_limit(prepared, settings)
    # the worker starts up on the other core while the rest is set up
    worker = ParallelTransform() if use_worker(plan.rows, parallel) else None
    try:
        now = clock()
        export_id = _new_export_id(now)
        ctx = OperatorContext(token_scope(prepared.policy, prepared.recipient, export_id),
                              KeyMaterial.from_master(ring.active),
                              sealed=prepared.office is not None)
        mark = visible_mark(export_id, prepared.recipient.name, request.purpose, now, ring.active.subkey("watermark"))
        encrypted = encryption_manifest(plan, operators, ctx)
        password = generate_password() if request.password else None
        tracker = _Tracker(plan.rows, progress)
        # the one read of the input: the data pass, hashed as it goes
        with open_workbook(request.input, hashed=True, encoding=request.input_encoding) as workbook:
            office = prepared.office if encrypted else None
            spec = TransformSpec(plan, ring.active, ctx.scope, export_id, settings,
                                 id_columns(prepared) if settings.canary_rate > 0 else (), seal=office is not None,
                                 found_pii=prepared.policy.found_pii, defaults=_default_actions(prepared.policy),
                                 measure_risk=prepared.risk is None)
            transform: Transform = (worker.begin(spec) if worker is not None
                                    else BatchTransform(spec, operators=operators))
            with _open_output(prepared, password) as book:
                sinks, read = _write_sheets(book, workbook, plan, mark, transform, tracker, skip=prepared.suppressed,
                                            selection=request.rows)
                input_sha256 = _end_of_input(prepared, workbook)  # before anything is committed
                summary = transform.summary()
                _finish_pass(prepared, summary, sinks, read)
                found_notes = _judge_found(plan, summary.checks, prepared.policy)  # before the approval is used
                sealed = _before_commit(prepared, ring, home, export_id, summary, office)
                if book.keeps_properties:
                    properties = dict(mark.properties)
                    sealed_to = office.decryption_id if office is not None else None
                    properties.update(manifest_properties(encrypted, ctx.scope, sealed_to))
                    book.set_custom_properties(properties)
                    book.set_core_properties(title=mark.title, subject=request.purpose)
                written = tuple(book.paths)
    finally:
        if worker is not None:
            worker.close()
    trace_data = summary.trace
    layers = (*(("visible", "metadata") if prepared.format == "xlsx" else ()), *summary.layers)
    trace_sha256 = TraceStore(home).save(export_id, ring.active.key_id, trace_data)
    outcomes = tuple(
        ColumnOutcome(plan.shown_sheet_name(c.sheet), c.shown_header, c.kind.value if c.kind else None, c.action.value,
                      summary.counts.get((c.sheet, c.index), Counts()), summary.checks.get((c.sheet, c.index)))
        for c in plan.columns()
    )
    titles = dropped_titles(prepared)
    outputs = tuple(OutputFile(path.name, file_sha256(path)) for path in written)
    output_sha256 = outputs[0].sha256 if len(outputs) == 1 else ""
    record = ExportRecord(
        export_id=export_id,
        user=getpass.getuser(),
        machine=socket.gethostname(),
        recipient=prepared.recipient.name,
        purpose=request.purpose,
        input_name=request.input.name,
        input_sha256=input_sha256,
        output_name=prepared.output.name,
        output_sha256=output_sha256,
        outputs=outputs,
        format=prepared.format,
        rows=tracker.done,
        columns=tuple(ColumnRecord(o.sheet, o.header, o.kind, o.action, o.check.as_dict() if o.check else None)
                      for o in outcomes),
        key_id=ring.active.key_id,
        scope=ctx.scope,
        encrypted=tuple(column.to_dict() for column in encrypted),
        watermark_id=mark.watermark_id,
        layers=layers,
        trace=TraceSummary(trace_sha256, summary.canaries, summary.marked_cells, summary.markable_cells,
                           len(trace_data.tokens), len(trace_data.masked),
                           summary.pool.used if summary.pool else 0, summary.pool.left if summary.pool else 0),
        policy_version=prepared.policy.version,
        password_protected=password is not None,  # the password itself is never recorded
        approval=prepared.approval.as_dict() if prepared.approval else None,
        policy=prepared.policy.provenance(),  # origin (signed, local, built-in), SHA-256 and signer
        office_id=prepared.office.office_id if prepared.office else None,
        sealed=sealed,
        title_rows_dropped=titles,
        deidentification=deidentification_record(prepared, summary.risk_codes),
        selection=None if request.rows.everything else request.rows.record(plan),
    )
    entry = _record_export(ledger, record, prepared.approval, written)
    warnings = (*_count_warnings(outcomes),
                *(f"{sheet}: {counted(count, 'title row')} above the header left out" for sheet, count in titles),
                *(note.text for note in found_notes), *_pool_warnings(summary.pool))
    reporting = report_after_export(home, ring, ledger)
    return ExportResult(export_id, prepared.output, prepared.format, tracker.done, outcomes, prepared.verdict,
                        layers, input_sha256, output_sha256, entry.seq, warnings, written, password, reporting, titles,
                        record.deidentification, record.selection)


def deidentification_record(prepared: PreparedExport, codes: Mapping[str, SheetCodes]) -> DeidentificationRecord:
    """The de-identification record: the risk measured while preparing, else the one of the ``codes``
    the transform step collected in the export's pass."""
    risk = prepared.risk
    if risk is None:
        risk = plan_risk(codes, risk_threshold(prepared.plan, prepared.policy))
    return DeidentificationRecord.of(risk, grade=prepared.grade,
                                     min_k=prepared.policy.thresholds(prepared.grade).min_k,
                                     generalized=prepared.generalized, sheet_name=prepared.plan.shown_sheet_name)


def id_columns(prepared: PreparedExport) -> tuple[tuple[str, tuple[int, ...]], ...]:
    """Per included sheet, the columns whose values canary rows must not reuse: those the scan found
    identifiers in and those the plan makes identifiers."""
    scanned = {sheet.info.name: sheet for sheet in prepared.report.sheets}
    result = []
    for sheet in prepared.plan.included:
        found = {c.index for c in scanned[sheet.name].columns if c.kind in UNIQUE_KINDS} if sheet.name in scanned \
            else set()
        found |= {c.index for c in sheet.columns if c.kind in UNIQUE_KINDS}
        if found:
            result.append((sheet.name, tuple(sorted(found))))
    return tuple(result)


def _end_of_input(prepared: PreparedExport, workbook: Workbook) -> str:
    """After the last row: the input's SHA-256, checked against its scan, and the input closed, so that
    its reader's shared strings are gone before the transform's summary and the risk's arrays come in
    (at a million rows they are most of this process's memory)."""
    input_sha256 = _check_input(prepared, workbook.sha256())
    workbook.close()
    return input_sha256


def _finish_pass(prepared: PreparedExport, summary: TransformSummary, sinks: Mapping[str, RowSink],
                 read: Mapping[str, int]) -> None:
    """The canary rows (drawn now that every row has been read) into the rows reserved for them, and
    the policy judged again on the rows read when the scan took a sheet's stated size."""
    for name, rows in summary.canary_rows.items():
        sinks[name].fill_reserved(rows)
    _judge_rows(prepared, read)


def _judge_rows(prepared: PreparedExport, read: Mapping[str, int]) -> None:
    """When the scan took a sheet's size as stated, the policy judged that size: judged again on the
    rows the export read (an approval threshold, an approval's row count), before anything is committed."""
    plan = prepared.plan
    if all(sheet.rows_exact for sheet in prepared.report.sheets) or \
            all(read.get(sheet.name, 0) == sheet.data_rows for sheet in plan.included):
        return
    counted = replace(plan, sheets=tuple(replace(sheet, data_rows=read.get(sheet.name, 0)) if sheet.include else sheet
                                         for sheet in plan.sheets))
    verdict = check_plan(counted, prepared.policy, _facts(prepared))
    if not verdict.ok:
        raise PolicyError(verdict.violations[0].text, verdict.violations)


def _check_input(prepared: PreparedExport, input_sha256: str) -> str:
    """The input's SHA-256 as the export read it, checked against the scan and the approval code."""
    if prepared.approval is not None and prepared.approval.input_sha256 != input_sha256:
        raise PolicyError("the input file changed after its approval code was checked; export it again")
    changed = (prepared.report.sha256 and prepared.report.sha256 != input_sha256) or \
        (prepared.stamp is not None and file_stamp(prepared.request.input) != prepared.stamp)
    if changed:
        raise InputError(f"{prepared.request.input.name}: the file changed after it was scanned; open it again")
    return input_sha256


def dropped_titles(prepared: PreparedExport) -> tuple[tuple[str, int], ...]:
    """Per exported sheet, the rows above its header that the output leaves out (none is silent)."""
    counts = {sheet.info.name: sheet.table.title_rows for sheet in prepared.report.sheets}
    return tuple((sheet.name, counts[sheet.name]) for sheet in prepared.plan.included if counts.get(sheet.name))


def _record_export(
    ledger: Ledger, record: ExportRecord, approval: Approval | None, written: Sequence[Path]
) -> LedgerEntry:
    """The export's ledger record, consuming its approval code in the same transaction.

    The code was found unused when the export was prepared; if another export consumed it since
    (two exports racing with one code), this export's files are removed again and the refusal raised.
    """
    try:
        return ledger.append(EXPORT_EVENT, record.to_dict(), consumes=approval.code_id if approval else None)
    except PolicyError:
        for path in written:
            path.unlink(missing_ok=True)
        raise


def _before_commit(  # noqa: PLR0917 - the export's parts, each needed here
    prepared: PreparedExport, ring: KeyRing, home: Path, export_id: str, summary: TransformSummary,
    office: OfficeKeys | None,
) -> dict[str, Any] | None:
    """The export announced to the office's service and its approval code consumed there (when it is
    reachable), and the originals sealed to the office, all while the output is still uncommitted;
    returns the record's ``sealed`` field."""
    announce_at_service(home, ring, export_id, offline_allowed=prepared.policy.offline_exports)
    if prepared.approval is not None:
        consume_at_service(home, ring, prepared.approval, export_id)
    return _seal(home, export_id, prepared.plan, summary.originals, office)


def _seal(
    home: Path, export_id: str, plan: Plan, originals: dict[tuple[str, int], dict[str, Value]],
    office: OfficeKeys | None,
) -> dict[str, Any] | None:
    """Seal each encrypted column's originals to the office (managed homes); the record's ``sealed`` field."""
    if office is None:
        return None
    columns = []
    for sheet in plan.included:
        for position, column in enumerate(kept_columns(plan, sheet.name)):
            if (column.sheet, column.index) in originals:
                columns.append(SealedColumn(column.sheet, position, originals[(column.sheet, column.index)]))
    blob = seal_columns(export_id, columns, office.decryption, office.decryption_id)
    sha256 = SealedStore(home).save(export_id, blob)
    return {"sha256": sha256, "decryption_id": office.decryption_id, "office_id": office.office_id,
            "values": sum(len(c.originals) for c in columns)}


def _write_sheets(  # noqa: PLR0917 - the export's parts, each needed here
    book: BookWriter, workbook: Workbook, plan: Plan, mark: VisibleMark, transform: Transform, tracker: _Tracker,
    *, skip: Mapping[str, npt.NDArray[np.int64]], selection: RowSelection,
) -> tuple[dict[str, RowSink], dict[str, int]]:
    """The notice sheet (where the format keeps one), then every included sheet through the transform,
    streaming only the rows ``selection`` keeps and leaving out those ``skip`` names (suppressed by
    ``--generalize-to-k``, counted among the selected rows). Returns each sheet's sink (its canary
    rows are filled in later) and how many of its rows went out (selected, less ``skip``)."""
    if book.keeps_properties:
        notice = book.add_sheet(mark.notice_title, None)
        notice.write_rows(mark.notice_rows)
    source = workbook if selection.everything else SelectedRows(workbook, plan, selection)
    sinks: dict[str, RowSink] = {}
    read: dict[str, int] = {}
    for sheet in plan.included:
        table = workbook.table(sheet.name)
        kept = kept_columns(plan, sheet.name)
        headers = [c.shown_header for c in kept] if table.header_row is not None else None
        sink = sinks[sheet.name] = book.add_sheet(plan.shown_sheet_name(sheet.name), headers, header=mark.header,
                                                  footer=mark.footer)
        counted = [0]
        batches = _counted(_batches(source.data_rows(sheet.name, table), BATCH_ROWS, skip.get(sheet.name)), counted)
        sink.write_rows(transform.rows(sheet.name, batches, tracker.advance))
        read[sheet.name] = counted[0]
    return sinks, read


def _counted(batches: Iterator[list[tuple[Value, ...]]], count: list[int]) -> Iterator[list[tuple[Value, ...]]]:
    for batch in batches:
        count[0] += len(batch)
        yield batch



def _open_output(prepared: PreparedExport, password: str | None) -> AbstractContextManager[BookWriter]:
    """The output writer: plain, or an xlsx encrypted under ``password`` (no plaintext file left behind)."""
    request = prepared.request
    if password is not None:
        return open_encrypted_xlsx(prepared.output, password, overwrite=request.overwrite, protect=[request.input])
    return open_writer(prepared.output, prepared.format, overwrite=request.overwrite, protect=[request.input],
                       csv_encoding=request.csv_encoding, csv_per_sheet=len(prepared.plan.included) > 1)


def _mark_settings(prepared: PreparedExport, operators: dict[tuple[str, int], Operator],
                   ring: KeyRing, ledger: Ledger) -> MarkSettings:
    """The policy's watermark settings; refuses a clear-identifier export that no required mark can protect."""
    policy, plan = prepared.policy, prepared.plan
    settings = MarkSettings(policy.canary_rate, _canary_pools(policy, ring, ledger), policy.mark_readings)
    clear = clear_columns(plan)
    if clear and policy.clear_export_layers:
        placeable = placeable_layers(plan, operators, settings) & policy.clear_export_layers
        if not placeable:
            refusal = violation("clear_unprotected", columns=tuple(clear), layers=policy.clear_export_layers)
            raise PolicyError(refusal.text, (refusal,))
    return settings


def _canary_pools(policy: Policy, ring: KeyRing, ledger: Ledger) -> CanaryPools:
    """The monitored numbers of this workstation's slice in its keyed order, from where its earlier
    exports stopped (:mod:`masking.watermark.pool`)."""
    if not policy.canary_phones or policy.canary_rate <= 0:
        return CanaryPools((), policy.canary_emails)
    workstation = ledger.workstation
    numbers = workstation_slice(expand_pool(policy.canary_phones), policy.canary_pool_slices, workstation)
    ordered = keyed_order(numbers, ring.active.subkey("canary") + workstation.encode())
    used = sum(record.trace.pool_used for entry, record in export_records(ledger) if entry.workstation == workstation)
    return CanaryPools(ordered, policy.canary_emails, used)


def _pool_warnings(pool: PoolUse | None) -> tuple[str, ...]:
    if pool is None or not pool.low:
        return ()
    if pool.wrapped:
        return (f"the monitored canary numbers of this workstation are used up ({pool.size:,} in its slice): this "
                f"export reused numbers earlier exports carried, which trace counts as weaker evidence; ask the "
                f"security office for more numbers",)
    return (f"the monitored canary numbers of this workstation are running low: {pool.left - pool.used:,} of "
            f"{pool.size:,} left after this export",)


def _default_actions(policy: Policy) -> tuple[tuple[Kind, Action], ...]:
    """Each kind's default action: how the every-cell check protects what it finds, when told to."""
    return tuple((kind, policy.default_action(kind)) for kind in policy.kinds)


def _judge_found(plan: Plan, checks: Mapping[tuple[str, int], ColumnCheck], policy: Policy) -> list[Violation]:
    """Refuses the export when the every-cell check found personal data in a kept column and the policy
    says stop (raised inside the writer, so nothing is written); else the notes to report."""
    refusals, notes = leak_verdict(plan, checks, policy.found_pii)
    if refusals:
        raise PolicyError(refusals[0].text, tuple(refusals))
    return notes


def _check_row_limit(prepared: PreparedExport, settings: MarkSettings) -> None:
    """Refuses, before any work, an xlsx output that a sheet would fill past Excel's row limit once its
    canaries and header row are added (the writer would otherwise fail near the end of a long export).
    The sheet is named by its position: a sheet name may itself hold personal data."""
    if prepared.format != "xlsx":
        return
    canaries = sheet_canaries(prepared.plan, settings)
    for position, sheet in enumerate(prepared.plan.included, 1):
        rows = sheet.data_rows + canaries.get(sheet.name, 0) + 1
        if rows > MAX_XLSX_ROWS:
            raise OutputError(f"sheet {position} would have {rows:,} rows with its header and canary rows, more "
                              f"than Excel allows ({MAX_XLSX_ROWS:,}); export as csv (--format csv)")


def _count_warnings(outcomes: Sequence[ColumnOutcome]) -> Iterator[str]:
    for o in outcomes:
        where = f"{o.sheet}!{o.header or '?'}"
        if o.counts.damaged:
            yield (f"{where}: {counted(o.counts.damaged, 'value')} already cut by Excel to 15 digits, protected as "
                   "tokens")
        if o.counts.unparsed:
            yield f"{where}: {counted(o.counts.unparsed, 'value')} not a valid {o.kind}, protected as tokens"
