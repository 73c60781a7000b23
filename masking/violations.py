"""What the policy says about an export, as records: a code and the values its sentence names.

A refusal (or a warning) crosses the layers as a :class:`Violation`, never as a sentence another layer
parses: the CLI prints :attr:`Violation.text` (English, like the logs and the ledger), the desktop words
each code in the user's language (``desktop/wording.py``), and the JSON carries both. To add a rule,
add its code and English sentence to :data:`VIOLATION_TEXTS`, then its translation in the desktop;
``tests/test_violations.py`` fails while a code has no desktop wording.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from masking.plurals import choose_plurals

__all__ = ["VIOLATION_TEXTS", "Violation", "violation"]

# code -> the English sentence, formatted with the violation's arguments (a tuple argument is
# written as a comma-separated list).
VIOLATION_TEXTS: Mapping[str, str] = {
    # refusals
    "recipient_missing": "a recipient is required: say who receives this file (--recipient)",
    "recipient_too_long": "the recipient's name is longer than {limit} characters; shorten it",
    "purpose_missing": "a purpose is required: say why the file is sent (--purpose)",
    "nothing_to_export": "nothing to export: every sheet is hidden or excluded",
    "action_not_allowed": "column {column}, detected as {kind}: action '{action}' is not allowed by policy "
                          "{version}; allowed: {allowed}",
    "approval_needed": "{rows} rows is more than the {threshold} the policy allows without approval: "
                       "ask the security office for an approval code (--approval)",
    "approval_too_few_rows": "the approval code covers {approved} rows, but the export has {rows}",
    "password_required": "the policy requires a password-protected output (--password)",
    "password_format": "the policy requires a password-protected output, which a {format} file cannot be: "
                       "export as {formats} with --password",
    "layer_format": "the policy requires the '{layer}' watermark layer, which a {format} file cannot carry: "
                    "export as {formats}",
    "layer_unavailable": "the policy requires the '{layer}' watermark layer, which a {format} file cannot carry: "
                         "no output format carries it yet; ask the security office",
    "clear_unprotected": "columns {columns} leave in clear, and none of the watermark layers the policy requires "
                         "for such an export ({layers}) can be placed",
    "k_below_min": "sheet {sheet}: {rows} rows are in groups smaller than the policy's minimum k of {min_k} "
                   "(k = {k}) on {columns}: generalize those columns (--generalize-to-k) or drop them",
    "unsynced_exports": "{count} {count|export has|exports have} not reached the security office (the policy "
                        "allows {limit}); "
                        "connect to the office network and run 'exportguard sync'",
    "unsynced_hours": "an export has waited more than {hours} {hours|hour|hours} to reach the security office; "
                      "connect to the office network and run 'exportguard sync'",
    "clock_behind": "this computer's clock ({now}) is behind a record it has not yet sent to the security office "
                    "({newest}); correct the clock, or if it is right, sync (exportguard sync) and export again",
    "approval_expired": "approval code refused: it expired on {expires} by the security office's clock (now {now}); "
                        "ask for a new one",
    "recipient_not_listed": "the policy does not list {recipient} as a recipient; the recipients it allows: "
                            "{allowed}",
    "recipient_needs_approval": "{recipient} is not among the recipients the policy lists: an export to them needs "
                                "an approval code from the security office (--approval)",
    "purpose_not_listed": "the policy does not list the purpose {purpose}; the purposes it allows: {allowed}",
    "purpose_needs_approval": "the purpose {purpose} is not among those the policy lists: it needs an approval "
                              "code from the security office (--approval)",
    # a managed workstation (masking/office.py): only what the security office signed, and codes used once
    "policy_unsigned": "{name} is not signed: this workstation is managed by the security office and runs only "
                       "policies it signed ('exportguard policy install SIGNED')",
    "policy_home_unsigned": "{path} is not signed: this workstation is managed by the security office and runs "
                            "only policies it signed; remove the file or install a signed policy",
    "policy_altered": "{name} was changed after the security office signed it (the signature does not match); "
                      "install the policy as the office sent it",
    "policy_foreign": "{name} is signed by {signer}, not by the security office this workstation is managed by "
                      "({office})",
    "approval_used": "approval code refused: it was already used on {time} by export {export_id}; an approval "
                     "allows one export",
    "pii_found_in_kept": "sheet {sheet}, column {column}: {cells} {cells|cell holds|cells hold} {kinds}, and the "
                         "plan keeps the column in clear: nothing was written. Protect the column "
                         "(--action {column}=ACTION) or let the "
                         "policy protect what is found ([export] found_pii = \"protect\")",
    # warnings (allowed, worth knowing)
    "pii_found_protected": "sheet {sheet}, column {column}: {cells} {cells|cell|cells} held {kinds} and "
                           "{cells|was|were} protected",
    "keeps_clear": "column {column} ({kind}) leaves in clear, as the policy allows",
    "keeps_text": "column {column} keeps text that contains {kinds}",
}

_LIST_JOINS = {"formats": " or "}  # how a list argument reads in English, when not ", "


@dataclass(frozen=True)
class Violation:
    """One rule an export breaks (or, among warnings, comes close to): a code of :data:`VIOLATION_TEXTS`
    and its arguments, each a text or a tuple of texts (kinds, actions, formats: codes, not words)."""

    code: str
    args: tuple[tuple[str, str | tuple[str, ...]], ...] = ()

    def __post_init__(self) -> None:
        if self.code not in VIOLATION_TEXTS:
            raise ValueError(f"unknown violation code {self.code!r}")

    def arg(self, name: str) -> str:
        """A text argument (a list argument comma-joined)."""
        value = dict(self.args)[name]
        return value if isinstance(value, str) else ", ".join(value)

    def items(self, name: str) -> tuple[str, ...]:
        """A list argument (a text argument as a one-item list)."""
        value = dict(self.args)[name]
        return (value,) if isinstance(value, str) else value

    @property
    def text(self) -> str:
        """The violation in English (the CLI's and the ledger's words)."""
        words = {name: value if isinstance(value, str) else _LIST_JOINS.get(name, ", ").join(value)
                 for name, value in self.args}
        return choose_plurals(VIOLATION_TEXTS[self.code], words).format(**words)

    def __str__(self) -> str:
        return self.text

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "args": {name: value if isinstance(value, str) else list(value)
                                            for name, value in self.args}}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Violation:
        args = data.get("args", {})
        return cls(str(data["code"]), tuple((str(name), value if isinstance(value, str) else tuple(map(str, value)))
                                            for name, value in args.items()))


def violation(code: str, **args: object) -> Violation:
    """A violation whose arguments are given by name: a tuple, list or set stays a list of texts
    (a set sorted), anything else becomes its text."""
    typed: list[tuple[str, str | tuple[str, ...]]] = []
    for name, value in args.items():
        if isinstance(value, (frozenset, set)):
            typed.append((name, tuple(sorted(str(v) for v in value))))
        elif isinstance(value, (tuple, list)):
            typed.append((name, tuple(str(v) for v in value)))
        else:
            typed.append((name, str(value)))
    return Violation(code, tuple(typed))
