"""Judging a whole plan against the policy, before a single cell is transformed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from masking.kinds import Action, Kind
from masking.plan import Plan
from masking.policy import Policy

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


@dataclass(frozen=True)
class PolicyVerdict:
    ok: bool
    violations: tuple[str, ...]
    warnings: tuple[str, ...]


def _allowed_text(actions: frozenset[Action]) -> str:
    return ", ".join(sorted(a.value for a in actions))


def _export_as(formats: frozenset[str]) -> str:
    return "export as " + " or ".join(sorted(formats))


def _output_problems(policy: Policy, facts: ExportFacts) -> list[str]:
    """What the output format and protection break: the password rule, then each missing mandatory layer."""
    fmt = facts.format
    problems = []
    if policy.require_password and not facts.password:
        if fmt in PASSWORD_FORMATS:
            problems.append("the policy requires a password-protected output (--password)")
        else:
            problems.append(f"the policy requires a password-protected output, which a {fmt} file cannot be: "
                            f"{_export_as(PASSWORD_FORMATS)} with --password")
    carried = LAYERS_BY_FORMAT.get(fmt, frozenset())
    for layer in sorted(policy.mandatory_layers - carried):
        able = frozenset(f for f, layers in LAYERS_BY_FORMAT.items() if layer in layers)
        remedy = _export_as(able) if able else "no output format carries it yet; ask the security office"
        problems.append(f"the policy requires the '{layer}' watermark layer, which a {fmt} file cannot carry: {remedy}")
    return problems


def check_plan(plan: Plan, policy: Policy, facts: ExportFacts) -> PolicyVerdict:
    """Every rule the plan breaks, each naming the column, the rule and what would be allowed."""
    violations: list[str] = []
    warnings: list[str] = []
    if policy.require_recipient and not facts.recipient.strip():
        violations.append("a recipient is required: say who receives this file (--recipient)")
    if len(facts.recipient) > MAX_RECIPIENT:
        violations.append(f"the recipient's name is longer than {MAX_RECIPIENT} characters; shorten it")
    if policy.require_purpose and not facts.purpose.strip():
        violations.append("a purpose is required: say why the file is sent (--purpose)")
    if not plan.included:
        violations.append("nothing to export: every sheet is hidden or excluded")
    for column in plan.columns():
        allowed = policy.allowed_actions(column.kind)
        if column.action not in allowed:
            violations.append(
                f"column {column.label}, detected as {column.kind}: action '{column.action}' is not allowed "
                f"by policy {policy.version}; allowed: {_allowed_text(allowed)}"
            )
        elif column.kind is not None and column.action is Action.KEEP:
            warnings.append(f"column {column.label} ({column.kind}) leaves in clear, as the policy allows")
        if column.kind is Kind.FREE_TEXT and column.action is Action.KEEP and column.inner_kinds:
            warnings.append(f"column {column.label} keeps text that contains {', '.join(column.inner_kinds)}")
    threshold = policy.approval_threshold
    if threshold is not None and plan.rows > threshold:
        if facts.approved_rows is None:
            violations.append(
                f"{plan.rows} rows is more than the {threshold} the policy allows without approval: "
                "ask the security office for an approval code (--approval)"
            )
        elif facts.approved_rows < plan.rows:
            violations.append(f"the approval code covers {facts.approved_rows} rows, but the export has {plan.rows}")
    violations.extend(_output_problems(policy, facts))
    return PolicyVerdict(not violations, tuple(violations), tuple(warnings))
