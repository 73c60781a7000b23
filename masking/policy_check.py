"""Judging a whole plan against the policy, before a single cell is transformed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from masking.detect.freetext import holds_pii
from masking.grading import GradeRule, export_grade
from masking.kinds import Action, Kind
from masking.plan import Plan
from masking.policy import Policy
from masking.recipient import Recipient
from masking.risk.assess import PlanRisk
from masking.violations import Violation, violation

MAX_RECIPIENT = 200  # the recipient is written into page headers and document properties

# The watermark layers each output format can carry: the one place to extend when a layer is built
# (a layer listed under no format is one no export can carry yet, so a policy demanding it refuses).
# The data layers (tokens, marks, canaries, membership) live in cell values and survive csv; whether
# a given plan can place them is the watermark's own check when the export runs.
_DATA_LAYERS = frozenset({"tokens", "marks", "canaries", "membership"})
LAYERS_BY_FORMAT: Mapping[str, frozenset[str]] = {
    "xlsx": _DATA_LAYERS | {"visible", "metadata"},
    "csv": _DATA_LAYERS,
}
# The output formats that can be password-protected (Office encryption).
PASSWORD_FORMATS = frozenset({"xlsx"})


@dataclass(frozen=True)
class ExportFacts:
    """What the policy needs to know about the export besides its plan."""

    recipient: str
    purpose: str
    approved_rows: int | None = None  # rows covered by a valid approval code, if one was given
    password: bool = False
    format: str = "xlsx"  # the output format, which decides the watermark layers and the password
    risk: PlanRisk | None = None  # the output's re-identification risk (masking.risk), when measured


@dataclass(frozen=True)
class PolicyVerdict:
    ok: bool
    violations: tuple[Violation, ...]
    warnings: tuple[Violation, ...]


def _output_problems(policy: Policy, rule: GradeRule, facts: ExportFacts) -> list[Violation]:
    """What the output format and protection break: the password rule, then each missing mandatory layer."""
    fmt = facts.format
    problems = []
    if rule.require_password and not facts.password:
        if fmt in PASSWORD_FORMATS:
            problems.append(violation("password_required"))
        else:
            problems.append(violation("password_format", format=fmt, formats=PASSWORD_FORMATS))
    carried = LAYERS_BY_FORMAT.get(fmt, frozenset())
    for layer in sorted(policy.mandatory_layers - carried):
        able = frozenset(f for f, layers in LAYERS_BY_FORMAT.items() if layer in layers)
        if able:
            problems.append(violation("layer_format", layer=layer, format=fmt, formats=able))
        else:
            problems.append(violation("layer_unavailable", layer=layer, format=fmt))
    return problems


def _addressee_problems(policy: Policy, facts: ExportFacts) -> list[Violation]:
    """The recipient and purpose against the lists the policy may hold: refused, or needing an approval."""
    problems = []
    recipient = Recipient.of(facts.recipient)
    if recipient.name and not policy.lists_recipient(recipient):
        if policy.unlisted_recipient == "refuse":
            problems.append(violation("recipient_not_listed", recipient=recipient.name,
                                      allowed=tuple(rule.name for rule in policy.recipients)))
        elif facts.approved_rows is None:
            problems.append(violation("recipient_needs_approval", recipient=recipient.name))
    purpose = facts.purpose.strip()
    if purpose and not policy.lists_purpose(purpose):
        if policy.unlisted_purpose == "refuse":
            problems.append(violation("purpose_not_listed", purpose=purpose, allowed=policy.purposes))
        elif facts.approved_rows is None:
            problems.append(violation("purpose_needs_approval", purpose=purpose))
    return problems


def check_plan(plan: Plan, policy: Policy, facts: ExportFacts) -> PolicyVerdict:
    """Every rule the plan breaks, each naming the column, the rule and what would be allowed."""
    violations: list[Violation] = []
    warnings: list[Violation] = []
    if policy.require_recipient and not facts.recipient.strip():
        violations.append(violation("recipient_missing"))
    if len(facts.recipient) > MAX_RECIPIENT:
        violations.append(violation("recipient_too_long", limit=MAX_RECIPIENT))
    if policy.require_purpose and not facts.purpose.strip():
        violations.append(violation("purpose_missing"))
    violations.extend(_addressee_problems(policy, facts))
    if not plan.included:
        violations.append(violation("nothing_to_export"))
    for column in plan.columns():
        allowed = policy.allowed_actions(column.kind)
        if column.action not in allowed:
            violations.append(violation("action_not_allowed", column=column.label, kind=column.kind,
                                        action=column.action, version=policy.version,
                                        allowed=frozenset(a.value for a in allowed)))
        elif column.kind is not None and column.action is Action.KEEP:
            warnings.append(violation("keeps_clear", column=column.label, kind=column.kind))
        if column.kind is Kind.FREE_TEXT and column.action is Action.KEEP and column.inner_kinds:
            warnings.append(violation("keeps_text", column=column.label,
                                      kinds=tuple(k.value for k in column.inner_kinds)))
    rule = policy.thresholds(export_grade(plan.columns(), policy.levels))
    threshold = rule.approval_threshold
    if threshold is not None and plan.rows > threshold:
        if facts.approved_rows is None:
            violations.append(violation("approval_needed", rows=plan.rows, threshold=threshold))
        elif facts.approved_rows < plan.rows:
            violations.append(violation("approval_too_few_rows", approved=facts.approved_rows, rows=plan.rows))
    violations.extend(_output_problems(policy, rule, facts))
    violations.extend(_risk_problems(rule, facts.risk))
    return PolicyVerdict(not violations, tuple(violations), tuple(warnings))


def _risk_problems(rule: GradeRule, risk: PlanRisk | None) -> list[Violation]:
    """A sheet whose output has classes smaller than the policy's minimum k (names its quasi-identifiers)."""
    if rule.min_k is None or risk is None:
        return []
    return [violation("k_below_min", sheet="#" if holds_pii(sheet.name) else sheet.name, k=sheet.figures.k,
                      min_k=rule.min_k, rows=sheet.figures.rows_below_k, columns=sheet.quasi_identifiers)
            for sheet in risk.sheets if sheet.below(rule.min_k)]
