"""What one export will do: an action for every column of every sheet, resolved and checked whole.

Resolution order, later wins: the policy's default for the detected kind, a plan file (TOML, made by
``scan --write-plan`` and edited), then the user's ``--action COLUMN=ACTION`` choices. COLUMN is a
header text or a column letter, optionally prefixed by ``Sheet!``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from masking.detect.freetext import holds_pii
from masking.errors import UsageError
from masking.kinds import Action, Kind
from masking.operators import OperatorError, params_from_dict
from masking.risk.roles import Role

if TYPE_CHECKING:  # for annotations only: a transform worker unpickles plans without the scan and policy code
    from masking.detect import ScanReport, SheetScan
    from masking.policy import Policy

Source = Literal["policy", "plan", "user"]


@dataclass(frozen=True)
class ColumnPlan:
    sheet: str
    index: int
    letter: str
    header: str | None
    kind: Kind | None
    confidence: float
    action: Action
    source: Source
    inner_kinds: tuple[Kind, ...] = ()
    role: Role | None = None  # set by the user or a plan file; None: inferred (masking.risk.roles)
    params: tuple[tuple[str, Any], ...] = ()  # the action's parameters (generalize levels), sorted by name

    @property
    def label(self) -> str:
        """How messages name the column: 明细!C (手机号码); a sheet name or header holding personal data
        is left out (#!C)."""
        sheet = "#" if holds_pii(self.sheet) else self.sheet
        header = None if self.header is None or holds_pii(self.header) else self.header
        return f"{sheet}!{self.letter}" + (f" ({header})" if header else "")

    @property
    def shown_header(self) -> str | None:
        """The header as the output, messages and records show it: one that holds personal data itself
        (a phone number, a person's name: a data row read as the header row) becomes 列C."""
        if self.header is None or not holds_pii(self.header):
            return self.header
        return f"列{self.letter}"


@dataclass(frozen=True)
class SheetPlan:
    name: str
    hidden: bool
    include: bool
    data_rows: int
    columns: tuple[ColumnPlan, ...]


@dataclass(frozen=True)
class Plan:
    sheets: tuple[SheetPlan, ...]

    @property
    def included(self) -> tuple[SheetPlan, ...]:
        return tuple(s for s in self.sheets if s.include)

    @property
    def rows(self) -> int:
        return sum(s.data_rows for s in self.included)

    def columns(self) -> Iterable[ColumnPlan]:
        for sheet in self.included:
            yield from sheet.columns

    def shown_sheet_name(self, name: str) -> str:
        """A sheet's name as the output, messages and records show it: one that holds personal data
        becomes 工作表N (its position in the workbook)."""
        if not holds_pii(name):
            return name
        return f"工作表{next(i for i, sheet in enumerate(self.sheets, 1) if sheet.name == name)}"

    def to_toml(self) -> str:
        """The plan as an editable TOML file (``scan --write-plan``)."""
        lines = ["# ExportGuard export plan: edit 'action' (and 'include' for sheets), then",
                 "#   exportguard export INPUT --plan THIS_FILE --recipient ... --purpose ...",
                 "# actions: " + ", ".join(a.value for a in Action), ""]
        for sheet in self.sheets:
            lines += ["[[sheet]]", f"name = {_q(sheet.name)}", f"include = {str(sheet.include).lower()}", ""]
            for column in sheet.columns:
                lines += [
                    "[[sheet.column]]",
                    f"letter = {_q(column.letter)}",
                    f"header = {_q(column.header or '')}",
                    f"kind = {_q(column.kind.value if column.kind else '')}",
                    f"action = {_q(column.action.value)}",
                    *([f"role = {_q(column.role.value)}"] if column.role is not None else []),
                    *([f"params = {{ {', '.join(f'{k} = {_toml_value(v)}' for k, v in column.params)} }}"]
                      if column.params else []),
                    "",
                ]
        return "\n".join(lines)


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return _q(value) if isinstance(value, str) else repr(value)


def _sheet_plan(sheet: SheetScan, policy: Policy, include_hidden: bool) -> SheetPlan:
    columns = tuple(
        ColumnPlan(
            sheet=sheet.info.name,
            index=column.index,
            letter=column.letter,
            header=column.header,
            kind=column.kind,
            confidence=column.verdict.confidence,
            action=policy.default_action(column.kind),
            source="policy",
            inner_kinds=tuple(column.verdict.inner_kinds),
        )
        for column in sheet.columns
    )
    include = (include_hidden or not sheet.info.hidden) and sheet.table.width > 0
    return SheetPlan(sheet.info.name, sheet.info.hidden, include, sheet.data_rows, columns)


def _parse_action(text: str, where: str) -> Action:
    try:
        return Action(text.strip().lower())
    except ValueError:
        raise UsageError(f"{where}: unknown action '{text}' (actions: {', '.join(a.value for a in Action)})") from None


def _parse_role(text: str, where: str) -> Role:
    try:
        return Role(text.strip().lower())
    except ValueError:
        raise UsageError(f"{where}: unknown role '{text}' (roles: {', '.join(r.value for r in Role)})") from None


def _parse_params(action: Action, data: Any, where: str) -> tuple[tuple[str, Any], ...]:
    if not isinstance(data, dict):
        raise UsageError(f"{where}: 'params' must be a table")
    try:
        params_from_dict(action, data)
    except OperatorError as error:
        raise UsageError(f"{where}: {error}") from None
    return tuple(sorted(data.items()))


def _matches(column: ColumnPlan, ref: str) -> bool:
    sheet, _, col = ref.rpartition("!")
    if sheet and sheet != column.sheet:
        return False
    return col == column.letter or (column.header is not None and col.strip() == column.header.strip())


def find_column(sheet: SheetPlan, ref: str) -> ColumnPlan | None:
    """The column of ``sheet`` that ``ref`` names (a header text or letter, optionally ``Sheet!``), as
    ``--action`` matches it; None when none does."""
    return next((column for column in sheet.columns if _matches(column, ref)), None)


def _apply(plan: Plan, ref: str, change: Mapping[str, Any], where: str) -> Plan:
    hit = False
    sheets = []
    for sheet in plan.sheets:
        columns = []
        for column in sheet.columns:
            if _matches(column, ref):
                hit = True
                columns.append(replace(column, **change))
            else:
                columns.append(column)
        sheets.append(replace(sheet, columns=tuple(columns)))
    if not hit:
        known = ", ".join(f"{c.letter}={c.header}" if c.header else c.letter for c in plan.columns())
        raise UsageError(f"{where}: no column '{ref}' (columns: {known})")
    return Plan(tuple(sheets))


def _apply_plan_file(plan: Plan, path: Path) -> Plan:
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise UsageError(f"plan file {path} not found") from None
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise UsageError(f"plan file {path}: not readable TOML ({error})") from None
    by_name = {s.name: s for s in plan.sheets}
    sheets = dict(by_name)
    entries: Any = data.get("sheet", [])
    if not isinstance(entries, list):
        raise UsageError(f"plan file {path}: [[sheet]] entries expected")
    for entry in entries:
        name = entry.get("name") if isinstance(entry, dict) else None
        if name not in by_name:
            raise UsageError(f"plan file {path}: no sheet {name!r} in the input")
        sheet = sheets[name]
        if "include" in entry:
            sheet = replace(sheet, include=bool(entry["include"]))
        columns = {c.letter: c for c in sheet.columns}
        for col in entry.get("column", []):
            letter = col.get("letter", "")
            if letter not in columns:
                raise UsageError(f"plan file {path}: sheet {name!r} has no column {letter!r}")
            where = f"plan file {path}, {name}!{letter}"
            action = _parse_action(str(col.get("action", "")), where)
            role = _parse_role(str(col["role"]), where) if col.get("role") else None
            params = _parse_params(action, col["params"], where) if "params" in col else ()
            columns[letter] = replace(columns[letter], action=action, source="plan", role=role, params=params)
        sheets[name] = replace(sheet, columns=tuple(columns[c.letter] for c in sheet.columns))
    return Plan(tuple(sheets[s.name] for s in plan.sheets))


def build_plan(
    report: ScanReport,
    policy: Policy,
    *,
    choices: Sequence[str] = (),
    plan_file: Path | None = None,
    include_hidden: bool = False,
    roles: Sequence[str] = (),
) -> Plan:
    """Resolve every column's action (and role); ``UsageError`` for a reference that matches nothing."""
    plan = Plan(tuple(_sheet_plan(s, policy, include_hidden) for s in report.sheets))
    if plan_file is not None:
        plan = _apply_plan_file(plan, plan_file)
    for choice in choices:
        ref, sep, action_text = choice.rpartition("=")
        if not sep or not ref:
            raise UsageError(f"--action {choice!r}: expected COLUMN=ACTION")
        action = _parse_action(action_text, f"--action {choice!r}")
        plan = _apply(plan, ref, {"action": action, "source": "user", "params": ()}, f"--action {choice!r}")
    for choice in roles:
        ref, sep, role_text = choice.rpartition("=")
        if not sep or not ref:
            raise UsageError(f"--role {choice!r}: expected COLUMN=ROLE")
        plan = _apply(plan, ref, {"role": _parse_role(role_text, f"--role {choice!r}")}, f"--role {choice!r}")
    return plan


def action_counts(plan: Plan) -> Mapping[Action, int]:
    counts: dict[Action, int] = {}
    for column in plan.columns():
        counts[column.action] = counts.get(column.action, 0) + 1
    return counts
