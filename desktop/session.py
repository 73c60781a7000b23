"""What the user is working on: the open file, its scan, the chosen actions, the export's facts and
the unlocked keys. Pages read it and change it; it recomputes the plan and the policy verdict with the
core's own functions (``build_plan``, ``check_plan``, ``get_operator``) and announces changes.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from desktop.workers import PreviewResult, SheetHead
from masking.approval import Approval, verify_approval
from masking.approval_request import ApprovalRequest
from masking.detect import ColumnScan, ScanReport, SheetScan
from masking.errors import ExportGuardError, OutputError, UsageError
from masking.evidence.client import ServiceAccess
from masking.evidence.link import load_link
from masking.home import is_managed
from masking.io.model import Value
from masking.keys import KeyRing
from masking.kinds import Action, Kind
from masking.ledger import Ledger
from masking.operators import OperatorError, get_operator, params_from_dict
from masking.operators.base import KeyMaterial, OperatorContext
from masking.pipeline import ExportRequest, OutputFormat, default_output, file_sha256, token_scope
from masking.plan import Plan, build_plan
from masking.policy import Policy
from masking.policy_check import ExportFacts, PolicyVerdict, check_plan
from masking.recipient import Recipient
from masking.risk.assess import PlanRisk
from masking.risk.generalize import Generalization
from masking.risk.roles import Role, default_role
from masking.row_selection import RowSelection, count_selected, selected_plan, selected_positions
from masking.workspace import Workspace

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MeasuredRisk:
    """The risk worker's answer for one plan (``key``: :meth:`Session.risk_key` when it started)."""

    key: tuple[object, ...]
    risk: PlanRisk
    suggestion: Generalization | None  # what --generalize-to-k would do; None when nothing is needed
    threshold: int
    min_k: int | None



def usable_actions(policy: Policy, kind: Kind | None) -> list[Action]:
    """The actions the policy allows for ``kind`` that the core can apply to it, in menu order."""
    actions = []
    for action in Action:
        if action not in policy.allowed_actions(kind):
            continue
        try:
            get_operator(action, kind)
        except OperatorError:
            continue
        actions.append(action)
    return actions


class Session(QObject):
    """The state shared by the pages.

    Signals:
        file_opened(object): the ``Path`` just opened (its heads and scan follow).
        heads_changed(): the first rows of the file arrived (before the scan ends).
        report_changed(): a scan report arrived (or was cleared).
        plan_changed(): an action, a role, the recipient, the purpose or the password changed.
        risk_changed(): a measured re-identification risk arrived, or a suggestion was accepted.
        keys_changed(): keys were created, imported, unlocked or re-protected.
        ledger_changed(): a record was added to the ledger.
        service_changed(): the security office's evidence service was set or cleared.
    """

    file_opened = Signal(object)
    heads_changed = Signal()
    report_changed = Signal()
    plan_changed = Signal()
    risk_changed = Signal()
    keys_changed = Signal()
    ledger_changed = Signal()
    service_changed = Signal()

    def __init__(self, workspace: Workspace, policy: Policy, parent: QObject | None = None, *,
                 outbox: Path | None = None, today: Callable[[], dt.date] = dt.date.today) -> None:
        """``outbox``: the folder for exports whose output the user did not choose (named for the
        recipient and the day); None puts them beside the input, as the CLI does."""
        super().__init__(parent)
        self.workspace = workspace
        self.policy = policy
        self.outbox = outbox
        self._today = today
        self.ring: KeyRing | None = None
        self.path: Path | None = None
        self.report: ScanReport | None = None
        self.heads: PreviewResult | None = None
        self._choices: dict[tuple[str, str], Action] = {}
        self._roles: dict[tuple[str, str], Role] = {}
        self.risk: MeasuredRisk | None = None
        self.generalize = False  # the user accepted the suggested generalization (export --generalize-to-k)
        self.recipient = ""
        self.purpose = ""
        self.use_password = False
        self.approval_code = ""
        self.approval: Approval | None = None
        self.approval_error: str | None = None
        self._input_sha256: tuple[Path, str] | None = None
        self.format: OutputFormat = "xlsx"
        self.service: ServiceAccess | None = None  # trace and the office's trail go there when set
        self.selection = RowSelection()  # fewer rows: a range and/or a filter (export --rows/--where)
        self._counted: tuple[tuple[object, ...], dict[str, int]] | None = None  # a filter's counts, per key
        self._plan: tuple[tuple[object, ...], Plan] | None = None  # build_plan's answer, reused per keystroke

    @property
    def home(self) -> Path:
        return self.workspace.home

    # -- keys -----------------------------------------------------------------------------------

    def try_unlock_unprotected(self) -> bool:
        """Unlock at start when the keystore has no passphrase; True if keys are now available."""
        store = self.workspace.keystore
        try:
            if store.exists() and not store.protected:
                self.set_ring(store.unlock(""))
        except ExportGuardError as error:
            log.warning("keystore not usable: %s", error)
        return self.ring is not None

    def set_ring(self, ring: KeyRing | None) -> None:
        self.ring = ring
        self.keys_changed.emit()
        self.plan_changed.emit()  # the preview's tokens depend on the keys

    def ledger(self) -> Ledger | None:
        return self.workspace.ledger(self.ring) if self.ring is not None else None

    # -- the security office's evidence service ------------------------------------------------

    def enrolled_service(self) -> str:
        """The service this workstation reports to (``exportguard enroll``), "" when standalone."""
        try:
            link = load_link(self.home)
        except ExportGuardError:
            return ""
        return link.url if link is not None else ""

    def configure_service(self, url: str, token: str) -> None:
        """Use the office's service at ``url`` with an investigator's or auditor's ``token`` (both, or
        neither: an empty one clears it). A malformed address raises ``UsageError``."""
        self.service = ServiceAccess.of(url, token) if url.strip() and token.strip() else None
        self.service_changed.emit()

    # -- the open file --------------------------------------------------------------------------

    def begin_file(self, path: Path) -> None:
        self.path = path
        self.report = None
        self.heads = None
        self._choices.clear()
        self._roles.clear()
        self.risk, self.generalize = None, False
        self.approval_code, self.approval, self.approval_error = "", None, None
        self.selection, self._counted = RowSelection(), None
        self.format = "csv" if path.suffix.lower() in (".csv", ".tsv", ".txt") else "xlsx"
        self.file_opened.emit(path)
        self.report_changed.emit()
        self.plan_changed.emit()

    def set_heads(self, heads: PreviewResult) -> None:
        if heads.path == self.path:
            self.heads = heads
            self.heads_changed.emit()

    def set_report(self, path: Path, report: ScanReport) -> None:
        if path == self.path:
            self.report = report
            self.report_changed.emit()
            self.plan_changed.emit()

    def sheet_head(self, name: str) -> SheetHead | None:
        if self.heads is None:
            return None
        return next((head for head in self.heads.sheets if head.name == name), None)

    def sheet_scan(self, name: str) -> SheetScan | None:
        if self.report is None:
            return None
        return next((sheet for sheet in self.report.sheets if sheet.info.name == name), None)

    def sheet_names(self) -> list[str]:
        if self.report is not None:
            return [sheet.info.name for sheet in self.report.sheets]
        return [head.name for head in self.heads.sheets] if self.heads is not None else []

    # -- actions and the plan -------------------------------------------------------------------

    def action_for(self, sheet: str, column: ColumnScan) -> Action:
        return self._choices.get((sheet, column.letter), self.policy.default_action(column.kind))

    def set_action(self, sheet: str, letter: str, action: Action) -> None:
        if self._choices.get((sheet, letter)) is action:
            return
        self._choices[(sheet, letter)] = action
        self.generalize = False  # the suggestion was for the plan before this change
        self.plan_changed.emit()

    def role_for(self, sheet: str, column: ColumnScan) -> Role:
        """The column's role for the risk: the user's choice, else the one its kind, header and action give."""
        chosen = self._roles.get((sheet, column.letter))
        return chosen or default_role(column.kind, column.header, self.action_for(sheet, column))

    def set_role(self, sheet: str, letter: str, role: Role) -> None:
        if self._roles.get((sheet, letter)) is role:
            return
        self._roles[(sheet, letter)] = role
        self.generalize = False
        self.plan_changed.emit()

    def roles(self) -> tuple[str, ...]:
        """The user's roles in the CLI's ``--role`` form: ``Sheet!C=quasi``."""
        return tuple(f"{sheet}!{letter}={role.value}" for (sheet, letter), role in self._roles.items())

    def risk_key(self) -> tuple[object, ...]:
        """What the risk depends on: the file, the actions, the roles and the rows chosen (not the recipient,
        the purpose or the format: typing those never measures again)."""
        return (self.path, self.choices(), self.roles(), self.selection)

    # -- fewer rows -----------------------------------------------------------------------------

    def set_selection(self, selection: RowSelection) -> None:
        """The rows to export; a filter's count arrives later (:meth:`set_selection_counts`)."""
        if selection == self.selection:
            return
        self.selection = selection
        self.generalize = False  # the suggestion was measured on other rows
        self.plan_changed.emit()

    def selection_key(self) -> tuple[object, ...]:
        """What a filter's count depends on: the file as scanned and the selection."""
        return (self.path, self.report.sha256 if self.report is not None else None, self.selection)

    def selection_counts(self) -> dict[str, int] | None:
        """Rows chosen per exported sheet: a range's at once, a filter's once counted (None until then)."""
        plan = self.full_plan()
        if plan is None:
            return None
        if self.selection.where is None:
            return count_selected(None, plan, self.selection)
        if self._counted is not None and self._counted[0] == self.selection_key():
            return self._counted[1]
        return None

    def set_selection_counts(self, key: tuple[object, ...], counts: dict[str, int]) -> None:
        """A filter's count from the counting worker; ignored when the selection changed since it started."""
        if key == self.selection_key():
            self._counted = (key, counts)
            self.plan_changed.emit()

    @property
    def counting(self) -> bool:
        """A filter is chosen whose rows are not counted yet: no verdict until they are."""
        return not self.selection.everything and self.report is not None and self.selection_counts() is None

    def set_risk(self, risk: MeasuredRisk) -> None:
        """A measurement from the risk worker; ignored when the plan changed since it started."""
        if risk.key == self.risk_key():
            self.risk = risk
            self.risk_changed.emit()

    def accept_generalization(self) -> None:
        """Take the suggested generalization: the export runs with ``generalize_to_k``."""
        if self.risk is not None and self.risk.suggestion is not None and not self.generalize:
            self.generalize = True
            self.risk_changed.emit()

    def output_risk(self) -> PlanRisk | None:
        """The risk the output will have: the suggestion's once accepted, else the plan's own."""
        if self.risk is None:
            return None
        if self.generalize and self.risk.suggestion is not None:
            return self.risk.suggestion.risk
        return self.risk.risk

    def exported_step(self, sheet: str, column: ColumnScan) -> tuple[Action, tuple[tuple[str, object], ...]]:
        """The action (with its parameters) the export applies to ``column``: the accepted
        generalization's step where it changed the column, else the chosen action."""
        if self.generalize and self.risk is not None and self.risk.suggestion is not None:
            for planned in self.risk.suggestion.plan.columns():
                if planned.sheet == sheet and planned.index == column.index:
                    return planned.action, planned.params
        return self.action_for(sheet, column), ()

    def row_marks(self, sheet: str, rows: Sequence[tuple[Value, ...]]) -> tuple[frozenset[int], frozenset[int]]:
        """Of the first data rows of ``sheet`` (a preview's, 0-based): those the rows chosen (a range, a
        filter) leave out, and those the accepted generalization leaves out. The generalization names its
        rows by their position among the rows chosen, which :func:`selected_positions` (the export's own
        rule) gives for each preview row, so the marks are the export's whatever the selection."""
        suggestion = self.risk.suggestion if self.generalize and self.risk is not None else None
        plan = self.full_plan()
        if plan is None or (self.selection.everything and suggestion is None) \
                or all(included.name != sheet for included in plan.included):
            return frozenset(), frozenset()
        try:
            positions = selected_positions(plan, self.selection, sheet, rows)
        except UsageError:  # the filter's column is missing: the Export page says so, the export refuses
            return frozenset(), frozenset()
        suppressed = frozenset(suggestion.suppressed[sheet].tolist()) if suggestion is not None \
            and sheet in suggestion.suppressed else frozenset()
        return (frozenset(row for row, position in enumerate(positions) if position is None),
                frozenset(row for row, position in enumerate(positions) if position in suppressed))

    def choices(self) -> tuple[str, ...]:
        """The user's choices in the CLI's ``--action`` form: ``Sheet!C=mask``."""
        return tuple(f"{sheet}!{letter}={action.value}" for (sheet, letter), action in self._choices.items())

    def set_facts(self, *, recipient: str, purpose: str, use_password: bool, approval_code: str = "") -> None:
        changed = (recipient, purpose, use_password, approval_code) != (
            self.recipient, self.purpose, self.use_password, self.approval_code)
        self.recipient, self.purpose, self.use_password = recipient, purpose, use_password
        self.approval_code = approval_code.strip()
        if changed:
            self._check_approval()
            self.plan_changed.emit()

    def set_format(self, fmt: OutputFormat) -> None:
        if fmt != self.format:
            self.format = fmt
            self.plan_changed.emit()

    def input_sha256(self) -> str:
        """The open file's SHA-256 (the scan's, else read once and kept)."""
        if self.path is None:
            raise ValueError("no file is open")
        if self._input_sha256 is None or self._input_sha256[0] != self.path:
            scanned = self.report.sha256 if self.report is not None else ""
            self._input_sha256 = (self.path, scanned or file_sha256(self.path))
        return self._input_sha256[1]

    def approval_request(self) -> ApprovalRequest:
        """What the security office needs to approve this export: the file's hash, recipient, purpose, rows."""
        plan = self.plan()
        if self.path is None or plan is None:
            raise ValueError("no file is open and scanned")
        recipient = self.policy.recipient(Recipient.of(self.recipient))  # the name the code will be checked for
        selection = None if self.selection.everything else self.selection.record(plan)
        return ApprovalRequest(self.path.name, self.input_sha256(), recipient.name, self.purpose.strip(), plan.rows,
                               selection=selection)

    def _check_approval(self) -> None:
        """Verify the approval code with the core, as ``prepare_export`` will (the file's hash is cached)."""
        self.approval, self.approval_error = None, None
        if not self.approval_code or self.path is None:
            return
        try:
            self.approval = verify_approval(self.approval_code, self.policy.approval_keys, self.input_sha256(),
                                            self.policy.recipient(Recipient.of(self.recipient)))
        except (ExportGuardError, OSError) as error:
            self.approval_error = str(error)

    def full_plan(self) -> Plan | None:
        """Every row's plan; built once per report, policy, actions and roles (not per keystroke)."""
        if self.report is None:
            return None
        # the report and policy themselves (compared by identity) are kept in the key: an id() alone could
        # be reused by a newer report once the older one is gone
        key = (self.report, self.policy, self.choices(), self.roles())
        cached = self._plan
        if cached is None or cached[0][0] is not key[0] or cached[0][1] is not key[1] or cached[0][2:] != key[2:]:
            self._plan = cached = (key, build_plan(self.report, self.policy, choices=self.choices(),
                                                   roles=self.roles()))
        return cached[1]

    def plan(self) -> Plan | None:
        """The export's plan, its row counts those of the rows chosen (every row's while a filter is counted)."""
        plan = self.full_plan()
        if plan is None or self.selection.everything:
            return plan
        counts = self.selection_counts()
        return plan if counts is None else selected_plan(plan, counts)

    def facts(self) -> ExportFacts:
        return ExportFacts(self.recipient, self.purpose, approved_rows=self.approval.rows if self.approval else None,
                           password=self.use_password, format=self.format, risk=self.output_risk())

    def verdict(self) -> PolicyVerdict | None:
        """The policy's verdict on the export as it stands; None before the scan or while rows are counted."""
        plan = self.plan()
        return None if plan is None or self.counting else check_plan(plan, self.policy, self.facts())

    def scope(self) -> str:
        """The token scope the export will use (the pipeline's own rule), so previews match the file."""
        return token_scope(self.policy, Recipient.of(self.recipient))

    def preview_after(self, kind: Kind | None, action: Action, values: Sequence[Value],
                      params: tuple[tuple[str, object], ...] = ()) -> list[Value] | None:
        """``values`` as the export will write them, by the export's own operator; None without keys."""
        if self.ring is None:
            return None
        context = OperatorContext(self.scope(), KeyMaterial.from_master(self.ring.active),
                                  sealed=is_managed(self.workspace.home))  # as the export will write them
        typed = params_from_dict(action, dict(params)) if params else None
        return list(get_operator(action, kind, typed).apply_batch(list(values), context).values)

    # -- the export -----------------------------------------------------------------------------

    def default_output(self) -> Path | None:
        if self.path is None:
            return None
        recipient = Recipient.of(self.recipient)
        if self.outbox is None:
            return default_output(self.path, self.format, recipient)
        return default_output(self.path, self.format, recipient, folder=self.outbox, day=self._today())

    def export_request(self, output: Path, *, overwrite: bool = False) -> ExportRequest:
        """The request for an export to ``output``; creates the outbox first when ``output`` is in it."""
        if self.path is None:
            raise ValueError("no file is open")
        if self.outbox is not None and output.parent == self.outbox:
            try:
                self.outbox.mkdir(parents=True, exist_ok=True)
            except OSError:
                raise OutputError(f"cannot create the folder {str(self.outbox)!r}") from None
        return ExportRequest(
            input=self.path, recipient=self.recipient, purpose=self.purpose, output=output, format=self.format,
            choices=self.choices(), overwrite=overwrite, approval=self.approval_code or None,
            password=self.use_password, roles=self.roles(), generalize_to_k=self.generalize, rows=self.selection,
        )
