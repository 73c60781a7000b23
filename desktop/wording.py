"""The one place where the core's records and English messages become words for the user.

The core speaks English (like the logs and the audit records); the desktop shows each kind, action,
finding, policy violation and error in the user's language. Each function calls
``QCoreApplication.translate`` with a literal context and source text, so ``pyside6-lupdate`` finds
every string. A core message this module does not recognise is shown as the core wrote it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, QLocale

from masking.detect import Finding
from masking.errors import (
    ExportGuardError,
    InputError,
    IntegrityProblem,
    KeyProblem,
    OutputError,
    PolicyError,
    ServiceUnreachable,
    UsageError,
)
from masking.events import BlockedExport, Event, OfficeAction, PolicyAction
from masking.export_record import ExportRecord
from masking.io.model import SheetInfo, Visibility
from masking.kinds import Action, Kind
from masking.risk.assess import PlanRisk
from masking.risk.generalize import Generalization
from masking.risk.record import DeidentificationRecord
from masking.risk.roles import Role
from masking.row_selection import SelectionRecord
from masking.violations import Violation

translate = QCoreApplication.translate
EXAMPLE_CHARS = 24  # the longest example value a line of the action chooser shows whole


def count_text(number: int) -> str:
    """A count with the language's digit grouping (12,345), by the default locale the language set."""
    return QLocale().toString(number)


def rows_text(number: int) -> str:
    """``1 row`` / ``12,345 rows`` (``12,345 行``): Qt's plural forms, grouped digits."""
    return translate("counts", "%Ln row(s)", "", number)


def remaining_text(seconds: float) -> str:
    """The time an export still needs, rounded up as people say it: about 25 seconds, about 3 minutes."""
    if seconds < 60:
        return translate("counts", "about %n second(s) left", "", max(5, math.ceil(seconds / 5) * 5))
    return translate("counts", "about %n minute(s) left", "", math.ceil(seconds / 60))


def selection_text(record: SelectionRecord) -> str:
    """The rows an export chose, in words: rows 1 to 5,000, where 区县 is 城东区."""
    parts = []
    if record.first != 1 or record.last is not None:
        parts.append(translate("selection", "rows {first} to {last}").format(
            first=count_text(record.first),
            last=count_text(record.last) if record.last is not None else translate("selection", "the end")))
    if record.column is not None:
        value = (f"“{record.value}”" if record.value is not None
                 else translate("selection", "a value not recorded (personal data)"))
        words = (translate("selection", "where {column} is {value}") if record.match == "equals"
                 else translate("selection", "where {column} contains {value}"))
        parts.append(words.format(column=record.column, value=value))
    return translate("selection", ", ").join(parts) if parts else translate("selection", "all rows")


def kind_label(kind: Kind | str | None) -> str:
    """The word a branch-office user knows for a kind; None means the column holds no PII."""
    labels = {
        Kind.PHONE: translate("kinds", "Phone number"),
        Kind.METER_ID: translate("kinds", "Meter asset number"),
        Kind.ACCOUNT_NO: translate("kinds", "Account number"),
        Kind.ID_NUMBER: translate("kinds", "Resident ID number"),
        Kind.BANK_CARD: translate("kinds", "Bank card number"),
        Kind.PERSON_NAME: translate("kinds", "Name"),
        Kind.ADDRESS: translate("kinds", "Address"),
        Kind.EMAIL: translate("kinds", "E-mail"),
        Kind.SECRET: translate("kinds", "Password"),
        Kind.FREE_TEXT: translate("kinds", "Text with personal data"),
    }
    if kind is None or kind == "":
        return translate("kinds", "Not sensitive")
    try:
        return labels[Kind(kind)]
    except ValueError:
        return str(kind)


def action_label(action: Action | str) -> str:
    """The word for what an export does to a column."""
    labels = {
        Action.KEEP: translate("actions", "Keep"),
        Action.DROP: translate("actions", "Remove column"),
        Action.REDACT: translate("actions", "Replace with a constant"),
        Action.MASK: translate("actions", "Mask"),
        Action.PSEUDONYMIZE: translate("actions", "Pseudonymize"),
        Action.ENCRYPT: translate("actions", "Encrypt"),
        Action.HASH: translate("actions", "Hash"),
        Action.GENERALIZE: translate("actions", "Generalize"),
    }
    try:
        return labels[Action(action)]
    except ValueError:
        return str(action)


def role_label(role: Role | str) -> str:
    """A column's role for the re-identification risk, in the user's words."""
    labels = {
        Role.DIRECT: translate("roles", "Direct identifier"),
        Role.QUASI: translate("roles", "Quasi-identifier"),
        Role.SENSITIVE: translate("roles", "Sensitive attribute"),
        Role.OTHER: translate("roles", "Other"),
    }
    return labels[Role(role)]


def role_hint(role: Role) -> str:
    hints = {
        Role.DIRECT: translate("roles", "Names a person by itself (name, phone, ID number). Counts towards the "
                                        "risk only when it leaves unchanged."),
        Role.QUASI: translate("roles", "Known about people from elsewhere (district, birth year, sex): "
                                       "together such columns can single a person out. The risk is measured "
                                       "on these."),
        Role.SENSITIVE: translate("roles", "What must not be learnt about a person (bills, arrears, health)."),
        Role.OTHER: translate("roles", "Not about a person, or not usable to find one."),
    }
    return hints[role]


def _step_words(action: Action, params: Sequence[tuple[str, object]]) -> str:
    given = dict(params)
    if action is Action.GENERALIZE and given.get("address_level") in ("city", "province"):
        return translate("risk", "city only") if given["address_level"] == "city" else translate(
            "risk", "province only")
    if action is Action.GENERALIZE and "year_band" in given:
        return translate("risk", "{years}-year bands").format(years=given["year_band"])
    return action_label(action)


def risk_texts(risk: PlanRisk, threshold: int, min_k: int | None, suggestion: Generalization | None,
               accepted: Sequence[tuple[str, str, str]] = ()) -> list[str]:
    """The re-identification risk of each sheet in words, then the suggestion (or what was accepted)."""
    lines = []
    for sheet in risk.sheets:
        figures = sheet.figures
        if not figures.rows:
            continue
        columns = translate("policy", ", ").join(sheet.quasi_identifiers)
        if not columns:
            lines.append(translate("risk", "{sheet}: no column is a quasi-identifier; nothing in the export singles "
                                           "a row out.").format(sheet=sheet.name))
        elif figures.k >= threshold:
            lines.append(translate(
                "risk", "{sheet}: k = {k} on {columns}: every row shares these with at least {others} other rows "
                        "(re-identification risk at most {risk:.0%}).").format(
                sheet=sheet.name, k=figures.k, columns=columns, others=figures.k - 1, risk=figures.prosecutor_risk))
        else:
            minimum = (translate("risk", "the policy's minimum is {k}").format(k=min_k) if min_k else
                       translate("risk", "the policy sets no minimum; {k} is the usual one").format(k=threshold))
            lines.append(translate(
                "risk", "{sheet}: k = {k} on {columns}: {rows} are in groups smaller than {threshold} "
                        "({minimum}); a recipient who knows these facts about a person can find their row "
                        "(risk up to {risk:.0%}).").format(
                sheet=sheet.name, k=figures.k, columns=columns, rows=rows_text(figures.rows_below_k),
                threshold=threshold, minimum=minimum, risk=figures.prosecutor_risk))
        if sheet.suppressed_rows:
            lines.append(translate("risk", "{sheet}: {rows} with rare combinations are left out of the export.").format(
                rows=rows_text(sheet.suppressed_rows), sheet=sheet.name))
    if suggestion is not None:
        changes = translate("policy", ", ").join(
            translate("risk", "{column}: {step}").format(column=label, step=_step_words(*step))
            for label, step in suggestion.steps)
        left_out = sum(s.suppressed_rows for s in suggestion.risk.sheets)
        changes = changes or translate("risk", "no column coarser")
        lines.append(translate(
            "risk", "Suggested: {changes}; leave out {rows} with rare combinations. Then k = {k}.").format(
            changes=changes, rows=rows_text(left_out), k=suggestion.risk.k) if left_out else translate(
            "risk", "Suggested: {changes}. Then k = {k}.").format(changes=changes, k=suggestion.risk.k))
    if accepted:
        lines.append(translate("risk", "Suggestion accepted: the export generalizes {columns}.").format(
            columns=translate("policy", ", ").join(label for label, _, _ in accepted)) if accepted else "")
    return lines


def action_hint(action: Action) -> str:
    """One sentence on what the action does, for tooltips."""
    hints = {
        Action.KEEP: translate("actions", "The values leave unchanged."),
        Action.DROP: translate("actions", "The column is left out of the exported file."),
        Action.REDACT: translate("actions", "Every value becomes the same placeholder."),
        Action.MASK: translate("actions", "Part of each value is hidden with *, as in 138****5678."),
        Action.PSEUDONYMIZE: translate(
            "actions", "Each value becomes a realistic stand-in that cannot be reversed; the same value "
            "always gets the same stand-in for this recipient."),
        Action.ENCRYPT: translate("actions", "Each value is encrypted; the security office can decrypt it."),
        Action.HASH: translate("actions", "Each value becomes a keyed fingerprint that cannot be reversed."),
        Action.GENERALIZE: translate("actions", "Values are made coarser: an address becomes its district, "
                               "a date its month."),
    }
    return hints[action]


def action_summary(action: Action) -> str:
    """What the action does, in a few plain words, for the chooser (``action_hint`` is the long form)."""
    summaries = {
        Action.KEEP: translate("actions", "left as it is"),
        Action.DROP: translate("actions", "the column is not sent"),
        Action.REDACT: translate("actions", "every value becomes the same placeholder"),
        Action.MASK: translate("actions", "part of each value is hidden with *"),
        Action.PSEUDONYMIZE: translate("actions", "a different value of the same format, the same for this "
                                                  "recipient; cannot be reversed"),
        Action.ENCRYPT: translate("actions", "a coded value; only the security office can restore it"),
        Action.HASH: translate("actions", "a fingerprint that cannot be reversed"),
        Action.GENERALIZE: translate("actions", "made coarser: an address to its district, a date to its month"),
    }
    return summaries[action]


def action_choice(action: Action, example: tuple[str, str] | None) -> str:
    """One line of the action chooser: the action, what it does, and (when the column has a value to
    show) that value before and after: 假名化：换成同格式的另一个号码… · 13912345678 → 15867201934."""
    line = translate("actions", "{action}: {summary}").format(action=action_label(action),
                                                             summary=action_summary(action))
    if example is None:
        return line
    before, after = example
    if action is Action.DROP:
        after = translate("actions", "(not sent)")
    elif len(after) > EXAMPLE_CHARS:  # a keyed fingerprint is 64 hex digits: its start shows what it is
        after = after[:EXAMPLE_CHARS - 1] + "…"
    return translate("actions", "{line} · {before} → {after}").format(line=line, before=before, after=after)


def confidence_label(confidence: float) -> str:
    """How sure the detection is, in words with the figure beside it: 确定 (100%)."""
    if confidence >= 0.9:
        words = translate("confidence", "certain")
    elif confidence >= 0.6:
        words = translate("confidence", "likely")
    elif confidence > 0:
        words = translate("confidence", "possible")
    else:
        words = translate("confidence", "not detected")
    return translate("confidence", "{words} ({percent})").format(words=words, percent=f"{confidence:.0%}")


def sheet_label(info: SheetInfo, *, two_lines: bool = False) -> str:
    """A sheet's name, marked when Excel hides it from the user (the mark on a line of its own)."""
    if info.visibility is Visibility.VERY_HIDDEN:
        mark = translate("sheets", "(hidden, cannot be unhidden in Excel)")
    elif info.hidden:
        mark = translate("sheets", "(hidden)")
    else:
        return info.name
    return info.name + ("\n" if two_lines else " ") + mark


# -- findings outside the grid ----------------------------------------------------------------

_COLUMN = re.compile(r"^sheet '(?P<sheet>.*)' column (?P<letter>[A-Z]+)(?: '(?P<header>.*)')? \((?P<what>.+)\)$")
_HIDDEN_ROWS = re.compile(r"^sheet '(?P<sheet>.*)' hidden rows \((?P<count>\d+\+?)\)$")
_CELL = re.compile(r"^sheet '(?P<sheet>.*)' cell (?P<cell>[A-Z]+\d+) (?P<what>comment|hyperlink|formula)$")
_SHEET_PART = re.compile(r"^sheet '(?P<sheet>.*)' (?P<what>odd header|even header|first header|odd footer|"
                         r"even footer|first footer|header|footer|data validation list on (?P<range>\S+))$")
_NAMED = re.compile(r"^(?P<what>defined name|document property|custom document property) '(?P<name>.*)'$")


@dataclass(frozen=True)
class FindingGroup:
    """The findings of one place outside the grid, in words: where, what kinds, what happens."""

    place: str
    kinds: tuple[str, ...]
    outcome: str
    exported: bool  # True when the data does go into the export (protected by the column's action)

    @property
    def text(self) -> str:
        return translate("findings", "{place}: {kinds}. {outcome}").format(
            place=self.place, kinds=translate("findings", ", ").join(self.kinds), outcome=self.outcome
        )


def _place(location: str) -> tuple[str, str, bool]:
    """(place in words, what happens to it, exported?) for a core finding location."""
    not_carried = translate("findings", "Will not be carried into the exported file.")
    if match := _COLUMN.match(location):
        column = match["letter"] + (translate("findings", " “{header}”").format(header=match["header"])
                                    if match["header"] else "")
        if match["what"] == "hidden column":
            return (translate("findings", "Hidden column {column} of sheet “{sheet}”").format(
                column=column, sheet=match["sheet"]),
                translate("findings", "Exported, protected by the action chosen for the column."), True)
        return (translate("findings", "Hidden sheet “{sheet}”").format(sheet=match["sheet"]),
                translate("findings", "Hidden sheets are not exported."), False)
    if match := _HIDDEN_ROWS.match(location):
        return (translate("findings", "{count} hidden rows of sheet “{sheet}”").format(
            count=match["count"], sheet=match["sheet"]),
            translate("findings", "Exported like the other rows, protected by each column's action."), True)
    if match := _CELL.match(location):
        what = {"comment": translate("findings", "Comment on cell {cell} of sheet “{sheet}”"),
                "hyperlink": translate("findings", "Hyperlink in cell {cell} of sheet “{sheet}”"),
                "formula": translate("findings", "Formula in cell {cell} of sheet “{sheet}”")}[match["what"]]
        return what.format(cell=match["cell"], sheet=match["sheet"]), not_carried, False
    if match := _SHEET_PART.match(location):
        if match["range"]:
            place = translate("findings", "Drop-down list on {range} of sheet “{sheet}”").format(
                range=match["range"], sheet=match["sheet"])
        else:
            place = translate("findings", "Page header or footer of sheet “{sheet}”").format(sheet=match["sheet"])
        return place, not_carried, False
    if match := _NAMED.match(location):
        what = {"defined name": translate("findings", "Defined name “{name}”"),
                "document property": translate("findings", "Document property “{name}”"),
                "custom document property": translate("findings", "Custom document property “{name}”")}[match["what"]]
        return what.format(name=match["name"]), not_carried, False
    return location, not_carried, False


def group_findings(findings: Iterable[Finding]) -> list[FindingGroup]:
    """One entry per place (a hidden sheet is one place), the kinds found there merged, in the core's order."""
    places: dict[str, tuple[str, bool, list[Kind]]] = {}
    for finding in findings:
        place, outcome, exported = _place(finding.location)
        kinds = places.setdefault(place, (outcome, exported, []))[2]
        if finding.kind not in kinds:
            kinds.append(finding.kind)
    return [FindingGroup(place, tuple(kind_label(k) for k in kinds), outcome, exported)
            for place, (outcome, exported, kinds) in places.items()]


def layer_label(layer: str) -> str:
    """The name of a watermark layer, for the evidence list."""
    labels = {
        "membership": translate("layers", "Identifiers carried"),
        "tokens": translate("layers", "Recipient-specific pseudonyms"),
        "marks": translate("layers", "Hidden row marks"),
        "canaries": translate("layers", "Canary rows"),
        "visible": translate("layers", "Visible watermark"),
        "metadata": translate("layers", "Document properties"),
    }
    return labels.get(layer, layer)


# -- policy verdicts --------------------------------------------------------------------------

def _allowed_words(v: Violation) -> str:
    return translate("policy", ", ").join(action_label(a) for a in v.items("allowed"))


def _count_arg(v: Violation, name: str) -> str:
    """A count the core passed as text, with the language's digit grouping."""
    value = v.arg(name)
    return count_text(int(value)) if value.isdigit() else value


def _rows_arg(v: Violation, name: str) -> str:
    """A row count the core passed as text, in words: ``1 row``, ``12,345 rows`` (``12,345 行``)."""
    value = v.arg(name)
    return rows_text(int(value)) if value.isdigit() else value


def _layer_words(v: Violation) -> str:
    return translate("policy", "The policy requires the “{layer}” watermark, which a {format} file cannot "
                     "carry: choose Excel (.xlsx) as the format.").format(
        layer=layer_label(v.arg("layer")), format=v.arg("format").upper())


# code -> the sentence that says what blocks and how to fix it (each reads translate() when called).
_VIOLATION_WORDS: dict[str, Callable[[Violation], str]] = {
    "recipient_missing": lambda v: translate("policy", "Enter the recipient: say who receives this file."),
    "recipient_too_long": lambda v: translate("policy", "The recipient's name is too long; shorten it."),
    "purpose_missing": lambda v: translate("policy", "Enter the purpose: say why the file is sent."),
    "nothing_to_export": lambda v: translate("policy", "Nothing to export: every sheet is hidden or excluded."),
    "password_format": lambda v: translate(
        "policy", "The policy requires a password, which a CSV file cannot have: choose Excel "
                  "(.xlsx) as the format and tick “Protect with a password”."),
    "layer_format": _layer_words,
    "layer_unavailable": _layer_words,
    "password_required": lambda v: translate(
        "policy", "The policy requires a password: tick “Protect with a password”."),
    "action_not_allowed": lambda v: translate(
        "policy", "Column {column} holds {kind}; “{action}” is not allowed. Choose one of: {allowed}.").format(
        column=v.arg("column"), kind=kind_label(v.arg("kind")), action=action_label(v.arg("action")),
        allowed=_allowed_words(v)),
    "approval_needed": lambda v: translate(
        "policy", "{rows} is more than the {threshold} allowed without approval: "
                  "ask the security office for an approval code, or export fewer rows.").format(
        rows=_rows_arg(v, "rows"), threshold=_count_arg(v, "threshold")),
    "approval_too_few_rows": lambda v: translate(
        "policy", "The approval code covers {approved}, but the export has {rows}.").format(
        approved=_rows_arg(v, "approved"), rows=_rows_arg(v, "rows")),
    "clear_unprotected": lambda v: translate(
        "policy", "Columns {columns} would leave unchanged, and no watermark the policy requires "
                  "for that can be placed: protect these columns.").format(
        columns=translate("policy", ", ").join(v.items("columns"))),
    "k_below_min": lambda v: translate(
        "policy", "Sheet {sheet}: {rows} can be singled out by {columns} (smallest group {k}, the policy "
                  "asks for at least {min_k}): accept the suggested generalization, or drop those columns.").format(
        sheet=v.arg("sheet"), rows=_rows_arg(v, "rows"), columns=translate("policy", ", ").join(v.items("columns")),
        k=v.arg("k"), min_k=v.arg("min_k")),
    "unsynced_exports": lambda v: translate(
        "policy", "{count} exports have not reached the security office yet (the policy allows {limit}): "
                  "connect to the office network and synchronise first.").format(
        count=_count_arg(v, "count"), limit=_count_arg(v, "limit")),
    "unsynced_hours": lambda v: translate(
        "policy", "An export has waited more than {hours} hours to reach the security office: "
                  "connect to the office network and synchronise first.").format(hours=v.arg("hours")),
    "clock_behind": lambda v: translate(
        "policy", "This computer's clock ({now}) is behind an export it has not yet sent to the security office "
                  "({newest}). Correct the clock; if it is right, synchronise first and export again.").format(
        now=v.arg("now"), newest=v.arg("newest")),
    "approval_expired": lambda v: translate(
        "policy", "This approval code expired on {expires} by the security office's clock (now {now}): ask "
                  "the security office for a new one.").format(expires=v.arg("expires"), now=v.arg("now")),
    "recipient_not_listed": lambda v: translate(
        "policy", "The security office's policy does not list “{recipient}” as a recipient. Choose one of: "
                  "{allowed}.").format(recipient=v.arg("recipient"),
                                       allowed=translate("policy", ", ").join(v.items("allowed"))),
    "recipient_needs_approval": lambda v: translate(
        "policy", "“{recipient}” is not among the recipients the policy lists: ask the security office for an "
                  "approval code.").format(recipient=v.arg("recipient")),
    "purpose_not_listed": lambda v: translate(
        "policy", "The policy does not list the purpose “{purpose}”. Choose one of: {allowed}.").format(
        purpose=v.arg("purpose"), allowed=translate("policy", ", ").join(v.items("allowed"))),
    "purpose_needs_approval": lambda v: translate(
        "policy", "The purpose “{purpose}” is not among those the policy lists: ask the security office for an "
                  "approval code.").format(purpose=v.arg("purpose")),
    "policy_unsigned": lambda v: translate(
        "policy", "{name} is not signed by the security office. This computer is managed by the office and uses "
                  "only policies it signed.").format(name=v.arg("name")),
    "policy_home_unsigned": lambda v: translate(
        "policy", "{path} is not signed by the security office. This computer uses only policies the office "
                  "signed: remove that file, or install the office's signed policy.").format(path=v.arg("path")),
    "policy_altered": lambda v: translate(
        "policy", "{name} was changed after the security office signed it. Install the policy exactly as the "
                  "office sent it.").format(name=v.arg("name")),
    "policy_foreign": lambda v: translate(
        "policy", "{name} is signed by {signer}, not by the security office that manages this computer "
                  "({office}).").format(name=v.arg("name"), signer=v.arg("signer"), office=v.arg("office")),
    "approval_used": lambda v: translate(
        "policy", "This approval code was already used on {time}, by export {export_id}. An approval code "
                  "allows one export: ask the security office for a new one.").format(
        time=v.arg("time"), export_id=v.arg("export_id")),
    "pii_found_in_kept": lambda v: translate(
        "policy", "Sheet {sheet}, column {column}: {cells} cells hold {kinds}, but the column was to leave "
                  "unchanged. Nothing was written: protect this column, or ask the security office to let "
                  "found values be protected.").format(
        sheet=v.arg("sheet"), column=v.arg("column"), cells=_count_arg(v, "cells"),
        kinds=translate("policy", ", ").join(kind_label(k) for k in v.items("kinds"))),
    "pii_found_protected": lambda v: translate(
        "policy", "Sheet {sheet}, column {column}: {cells} cells held {kinds}; they were protected.").format(
        sheet=v.arg("sheet"), column=v.arg("column"), cells=_count_arg(v, "cells"),
        kinds=translate("policy", ", ").join(kind_label(k) for k in v.items("kinds"))),
    "keeps_clear": lambda v: translate(
        "policy", "Column {column} ({kind}) leaves unchanged, as the policy allows.").format(
        column=v.arg("column"), kind=kind_label(v.arg("kind"))),
    "keeps_text": lambda v: translate("policy", "Column {column} keeps text that contains {kinds}.").format(
        column=v.arg("column"), kinds=translate("policy", ", ").join(kind_label(k) for k in v.items("kinds"))),
}


def violation_text(violation: Violation) -> str:
    """A policy violation or warning from ``check_plan`` in words, chosen by its code (a code this
    module does not know yet is shown in the core's English)."""
    words = _VIOLATION_WORDS.get(violation.code)
    return words(violation) if words is not None else violation.text


def warning_text(warning: Violation) -> str:
    """A policy warning (allowed, but worth knowing) in words."""
    return violation_text(warning)


def violation_texts(violations: Sequence[Violation]) -> list[str]:
    return [violation_text(v) for v in violations]


# -- errors -----------------------------------------------------------------------------------


def error_message(error: ExportGuardError) -> str:
    """A core error as one line for the user: a translated heading, then the core's own one-line
    message (which never quotes a cell)."""
    if isinstance(error, InputError):
        heading = translate("errors", "This file cannot be read")
    elif isinstance(error, PolicyError):
        heading = translate("errors", "The export policy does not allow this")
    elif isinstance(error, KeyProblem):
        heading = translate("errors", "Problem with the keys")
    elif isinstance(error, OutputError):
        heading = translate("errors", "The output file cannot be written")
    elif isinstance(error, UsageError):
        heading = translate("errors", "Invalid request")
    elif isinstance(error, ServiceUnreachable):
        heading = translate("errors", "The security office's service could not be reached")
    elif isinstance(error, IntegrityProblem):
        heading = translate("errors", "An integrity check failed")
    else:
        heading = translate("errors", "The operation did not complete")
    detail = " ".join(str(error).split())  # keep it on one line whatever the core sent
    return translate("errors", "{heading}: {detail}").format(heading=heading, detail=detail)


def event_label(event: str) -> str:
    """The name of a ledger event kind (every member of ``masking.events.Event`` has one; a test checks)."""
    labels = {
        Event.EXPORT: translate("events", "Export"),
        Event.BLOCKED: translate("events", "Export refused"),
        Event.CANCELLED: translate("events", "Export cancelled"),
        Event.DECRYPT: translate("events", "Decrypt"),
        Event.APPROVAL: translate("events", "Approval"),
        Event.KEY: translate("events", "Key change"),
        Event.POLICY: translate("events", "Policy change"),
        Event.OFFICE: translate("events", "Security office keys"),
        Event.IMPORT: translate("events", "Import"),
        Event.TRACE: translate("events", "Trace"),
        Event.REPORT: translate("events", "Trace report saved"),
    }
    try:
        return labels[Event(event)]
    except ValueError:
        return event


def _count(body: Mapping[str, object], name: str) -> str:
    value = body.get(name)
    return count_text(value) if isinstance(value, int) and not isinstance(value, bool) else "?"


def _rows(body: Mapping[str, object], name: str) -> str:
    """A record's row count in words (``1 row``, ``12,345 rows``; ``12,345 行``), "?" when it has none."""
    value = body.get(name)
    return rows_text(value) if isinstance(value, int) and not isinstance(value, bool) else "?"


def _text(body: Mapping[str, object], name: str) -> str:
    value = body.get(name)
    return value if isinstance(value, str) else ""


def deidentification_text(record: DeidentificationRecord) -> str:
    """An export's de-identification record in one sentence: grade, then per sheet k, its
    quasi-identifiers and the rows left out."""
    sheets = [translate("events", "{sheet}: k = {k} on {columns} (risk {risk:.0%})").format(
        sheet=sheet.name, k=sheet.k, risk=sheet.prosecutor_risk,
        columns=translate("policy", ", ").join(sheet.quasi_identifiers) or translate("events", "no quasi-identifier"))
        + (translate("events", ", {rows} left out (rare)").format(rows=rows_text(sheet.suppressed_rows))
           if sheet.suppressed_rows else "")
        for sheet in record.sheets]
    generalized = translate("policy", ", ").join(column for column, _, _ in record.generalized)
    text = translate("events", "grade {grade}; {sheets}").format(grade=record.grade, sheets="; ".join(sheets))
    return text + (translate("events", "; generalized: {columns}").format(columns=generalized) if generalized else "")


def event_details(event: str, body: Mapping[str, object]) -> str:
    """What one ledger record says beyond its columns, in a sentence (a refusal names its rules)."""
    if event == Event.BLOCKED:
        record = BlockedExport.from_dict(body)
        rules = "; ".join(violation_text(v) for v in record.violations) or record.message
        return translate("events", "Refused: {rules}").format(rules=rules)
    if event == Event.CANCELLED:
        return translate("events", "Stopped after {done} of {rows}; the partial file was removed.").format(
            done=_count(body, "rows_done"), rows=_rows(body, "rows"))
    if event == Event.EXPORT:
        exported = ExportRecord.from_dict(body)
        written = translate("events", "Written to {name}").format(name=_text(body, "output_name"))
        if exported.selection is not None:
            written = translate("events", "{written} ({selection})").format(
                written=written, selection=selection_text(exported.selection))
        deidentified = exported.deidentification
        return written if deidentified is None else translate("events", "{written}; {deidentification}").format(
            written=written, deidentification=deidentification_text(deidentified))
    if event == Event.DECRYPT:
        return translate("events", "{rows} restored into {name}").format(
            rows=_rows(body, "rows"), name=_text(body, "output_name"))
    if event == Event.APPROVAL and _text(body, "action") == "request":
        return translate("events", "Approval requested for {rows}").format(rows=_rows(body, "rows"))
    if event == Event.APPROVAL:
        return translate("events", "Approval code for up to {rows}, valid until {expires}").format(
            rows=_rows(body, "rows"), expires=_text(body, "expires")[:10])
    if event == Event.TRACE:
        named = body.get("named")
        if isinstance(named, list) and named:
            return translate("events", "{rows} traced; named export {export_id}").format(
                rows=_rows(body, "rows"), export_id=str(named[0]))
        return translate("events", "{rows} traced; no export named").format(rows=_rows(body, "rows"))
    if event == Event.REPORT:
        return translate("events", "{format} report {name}, investigator {investigator}").format(
            format=_text(body, "format").upper(), name=_text(body, "report_name"),
            investigator=_text(body, "investigator"))
    if event in (Event.KEY, Event.POLICY, Event.OFFICE):
        return _setup_details(event, body)
    return _text(body, "action")


def _setup_details(event: str, body: Mapping[str, object]) -> str:
    """Key, policy and office events: what was set up or changed."""
    if event == Event.KEY:
        actions = {
            "init": translate("events", "Keys created"),
            "rotate": translate("events", "New active key"),
            "passwd": translate("events", "Passphrase changed"),
            "export-bundle": translate("events", "Keys exported for another workstation"),
            "import-bundle": translate("events", "The organisation's keys imported"),
        }
        action = _text(body, "action")
        return actions.get(action, action)
    if event == Event.POLICY:
        words = (translate("events", "Policy {version} signed for the workstations")
                 if _text(body, "action") == PolicyAction.SIGN else
                 translate("events", "Policy {version} installed, signed by {signer}"))
        return words.format(version=_text(body, "version"), signer=_text(body, "signer"))
    if event == Event.OFFICE:
        offices = {
            OfficeAction.INIT: translate("events", "The office's keys created ({office_id})"),
            OfficeAction.ROLL: translate("events", "The office's keys rolled; now {office_id}"),
            OfficeAction.BACKUP: translate("events", "Decryption key split into {shares} shares, any {threshold} "
                                                     "restore it"),
            OfficeAction.RESTORE: translate("events", "Decryption key restored from {shares} shares"),
        }
        action = _text(body, "action")
        if action not in offices:
            return action
        return offices[OfficeAction(action)].format(office_id=_text(body, "office_id"), shares=_count(body, "shares"),
                                                    threshold=_count(body, "threshold"))
    return _text(body, "action")
