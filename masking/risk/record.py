"""The de-identification record of one export (after GB/T 42460-2023's record of a de-identification
process): the export's grade, the k it was held to, and per sheet what each column was (direct
identifier, quasi-identifier, sensitive attribute, other), what was done to it, the measured k and
prosecutor risk, and the rows suppressed. It names columns and actions only, never a value.

Written into the ledger's export record (``ExportRecord.deidentification``), printed by the Audit
page, and the same figures are the ``"sheets"`` of ``export --json``. One module writes and reads it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from masking.risk.assess import PlanRisk

__all__ = ["DeidentificationRecord", "SheetRecord"]


def _int(data: Mapping[str, Any], name: str) -> int:
    value = data.get(name)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _float(data: Mapping[str, Any], name: str) -> float:
    value = data.get(name)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def _str(data: Mapping[str, Any], name: str) -> str:
    value = data.get(name)
    return value if isinstance(value, str) else ""


@dataclass(frozen=True)
class ColumnRoleRecord:
    name: str  # the header, else the column letter
    kind: str | None
    role: str
    action: str
    counted: bool  # part of the quasi-identifier tuple k was measured on

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "role": self.role, "action": self.action,
                "counted": self.counted}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ColumnRoleRecord:
        kind = data.get("kind")
        return cls(_str(data, "name"), kind if isinstance(kind, str) else None, _str(data, "role"),
                   _str(data, "action"), data.get("counted") is True)


@dataclass(frozen=True)
class SheetRecord:
    name: str
    rows: int
    classes: int
    k: int
    rows_below_k: int
    prosecutor_risk: float
    average_risk: float
    suppressed_rows: int
    columns: tuple[ColumnRoleRecord, ...]

    @property
    def quasi_identifiers(self) -> list[str]:
        return [c.name for c in self.columns if c.counted]

    def risk_dict(self, threshold: int) -> dict[str, Any]:
        """The ``"risk"`` object of ``scan``/``export --json``."""
        return {"k": self.k, "rows_below_k": self.rows_below_k, "quasi_identifiers": self.quasi_identifiers,
                "prosecutor_risk": self.prosecutor_risk, "average_risk": self.average_risk,
                "classes": self.classes, "rows": self.rows, "threshold": threshold,
                "suppressed_rows": self.suppressed_rows}

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "rows": self.rows, "classes": self.classes, "k": self.k,
                "rows_below_k": self.rows_below_k, "prosecutor_risk": self.prosecutor_risk,
                "average_risk": self.average_risk, "suppressed_rows": self.suppressed_rows,
                "columns": [c.to_dict() for c in self.columns]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SheetRecord:
        columns = data.get("columns")
        return cls(_str(data, "name"), _int(data, "rows"), _int(data, "classes"), _int(data, "k"),
                   _int(data, "rows_below_k"), _float(data, "prosecutor_risk"), _float(data, "average_risk"),
                   _int(data, "suppressed_rows"),
                   tuple(ColumnRoleRecord.from_dict(c) for c in columns if isinstance(c, Mapping))
                   if isinstance(columns, list) else ())


@dataclass(frozen=True)
class DeidentificationRecord:
    grade: int
    threshold: int  # the k rows_below_k counts against
    min_k: int | None  # the policy's minimum for this grade (None: none)
    sheets: tuple[SheetRecord, ...]
    generalized: tuple[tuple[str, str, str], ...] = ()  # (column, before, after) by --generalize-to-k

    @classmethod
    def of(cls, risk: PlanRisk, *, grade: int, min_k: int | None,
           generalized: tuple[tuple[str, str, str], ...] = (),
           sheet_name: Callable[[str], str] = str) -> DeidentificationRecord:
        """``sheet_name``: how the record names a sheet (the export's shown name: masking.plan)."""
        sheets = tuple(
            SheetRecord(sheet_name(s.name), s.figures.rows, s.figures.classes, s.figures.k, s.figures.rows_below_k,
                        s.figures.prosecutor_risk, s.figures.average_risk, s.suppressed_rows,
                        tuple(ColumnRoleRecord(c.name, c.kind.value if c.kind else None, c.role.value,
                                               c.action.value, c.counted) for c in s.columns))
            for s in risk.sheets)
        threshold = max((s.figures.threshold for s in risk.sheets), default=min_k or 0)
        return cls(grade, threshold, min_k, sheets, generalized)

    def to_dict(self) -> dict[str, Any]:
        return {"grade": self.grade, "threshold": self.threshold, "min_k": self.min_k,
                "sheets": [s.to_dict() for s in self.sheets],
                "generalized": [list(g) for g in self.generalized]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DeidentificationRecord:
        sheets = data.get("sheets")
        min_k = data.get("min_k")
        generalized = data.get("generalized")
        return cls(_int(data, "grade"), _int(data, "threshold"),
                   min_k if isinstance(min_k, int) and not isinstance(min_k, bool) else None,
                   tuple(SheetRecord.from_dict(s) for s in sheets if isinstance(s, Mapping))
                   if isinstance(sheets, list) else (),
                   tuple((str(g[0]), str(g[1]), str(g[2])) for g in generalized
                         if isinstance(g, list) and len(g) == 3) if isinstance(generalized, list) else ())

    def json_fields(self) -> dict[str, Any]:
        """What ``export --json`` adds: ``sheets`` (name, risk, roles), ``grade``, ``min_k``, ``generalized``."""
        return {
            "sheets": [{"name": s.name, "risk": s.risk_dict(self.threshold),
                        "roles": [c.to_dict() for c in s.columns]} for s in self.sheets],
            "grade": self.grade,
            "min_k": self.min_k,
            "generalized": [{"column": c, "before": b, "after": a} for c, b, a in self.generalized],
        }
