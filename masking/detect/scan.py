"""Scanning a whole workbook: every sheet sampled, every column classified, findings outside the grid.

Sampling keeps the scan cheap: classification reads only the first ``sample_rows`` data rows of
each sheet (streamed, stopped early); the row count comes from the reader's ``count_rows`` (a pass
that types no cell), or, for an export's own scan, from ``row_estimate`` (no pass where the sheet
states its size): the export then counts the rows it reads and judges the policy again on them.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

from masking.detect.columns import ColumnVerdict, classify_column
from masking.detect.outside import KIND_NOUNS, KIND_PHRASES, Finding, judge_texts
from masking.io.model import SheetInfo, Table, Value, column_letter
from masking.io.text_encoding import EncodingChoice
from masking.io.xlsx_parts import OutsideParts, read_outside_parts
from masking.kinds import Kind
from masking.policy import Policy


class Workbook(Protocol):
    """What the scan needs from ``masking.io.reader.open_workbook(path)``."""

    @property
    def format(self) -> str: ...

    @property
    def sheets(self) -> tuple[SheetInfo, ...]: ...

    def table(self, name: str) -> Table: ...

    def data_rows(self, name: str, table: Table | None = None) -> Iterator[tuple[int, tuple[Value, ...]]]: ...

    def count_rows(self, name: str) -> int: ...

    def row_estimate(self, name: str) -> tuple[int, bool]: ...


@dataclass(frozen=True, slots=True)
class ColumnScan:
    index: int  # 0-based
    letter: str
    header: str | None
    verdict: ColumnVerdict
    hidden: bool = False

    @property
    def kind(self) -> Kind | None:
        return self.verdict.kind


@dataclass(frozen=True, slots=True)
class SheetScan:
    info: SheetInfo
    table: Table
    data_rows: int
    columns: tuple[ColumnScan, ...]
    hidden_rows: int = 0
    rows_exact: bool = True  # False: ``data_rows`` is the sheet's stated size (``scan_workbook(quick=True)``)


@dataclass(frozen=True, slots=True)
class ScanReport:
    format: str
    sheets: tuple[SheetScan, ...]
    findings: tuple[Finding, ...]
    sha256: str = ""  # of the file as the scan read it, when the workbook was opened hashed=True
    encoding: EncodingChoice | None = None  # how a text file was decoded, and on what evidence

    def as_dict(self, policy: Policy) -> dict[str, Any]:
        """The CLI's ``scan --json`` object without ``input`` (shared/CLI.md); ``default_action`` is
        the ``policy``'s (the scan itself finds kinds; actions belong to the plan)."""
        encoding = self.encoding
        return {
            "format": self.format,
            **({"encoding": {"name": encoding.name, "codec": encoding.codec, "evidence": encoding.evidence}}
               if encoding is not None else {}),
            "sheets": [
                {
                    "name": sheet.info.name,
                    "hidden": sheet.info.hidden,
                    "header_row": sheet.table.header_row,
                    "title_rows": sheet.table.title_rows,
                    "data_rows": sheet.data_rows,
                    "columns": [
                        {
                            "index": column.index,
                            "letter": column.letter,
                            "header": column.header,
                            "kind": column.kind.value if column.kind is not None else None,
                            "confidence": column.verdict.confidence,
                            "default_action": policy.default_action(column.kind).value,
                        }
                        for column in sheet.columns
                    ],
                }
                for sheet in self.sheets
            ],
            "findings": [
                {"location": f.location, "kind": f.kind.value, "detail": f.detail} for f in self.findings
            ],
        }


def sample_columns(
    workbook: Workbook, name: str, table: Table, sample_rows: int
) -> list[list[Value]]:
    """The first ``sample_rows`` data rows of a sheet, as columns (the stream is stopped there)."""
    columns: list[list[Value]] = [[] for _ in range(table.width)]
    for _, row in itertools.islice(workbook.data_rows(name, table), sample_rows):
        for index in range(min(len(row), len(columns))):
            columns[index].append(row[index])
    return columns


def _workbook_path(workbook: Workbook, path: str | Path | None) -> Path | None:
    if path is not None:
        return Path(path)
    found = getattr(workbook, "path", None)
    return Path(found) if isinstance(found, str | Path) else None


def scan_workbook(
    workbook: Workbook,
    *,
    sample_rows: int = 1000,
    path: str | Path | None = None,
    sheets: tuple[str, ...] | None = None,
    progress: Callable[[int, int], None] | None = None,
    quick: bool = False,
) -> ScanReport:
    """Classify every column of every sheet (or of ``sheets``) from a sample of rows, and report
    PII outside the grid (xlsx only; ``path`` defaults to ``workbook.path``).

    ``progress(done, total)`` is called after each sheet; raising from it cancels the scan. ``quick``
    is an export's own look: a sheet's row count may be the size it states (``SheetScan.rows_exact``)
    and nothing outside the grid is read (an export writes none of it), so no pass over a sheet is made.
    """
    chosen = [info for info in workbook.sheets if sheets is None or info.name in sheets]
    outside = OutsideParts()
    source = _workbook_path(workbook, path)
    if workbook.format == "xlsx" and source is not None and not quick:
        outside = read_outside_parts(source)
    results: list[SheetScan] = []
    for done, info in enumerate(chosen, start=1):
        results.append(_scan_sheet(workbook, info, sample_rows, outside, quick))
        if progress is not None:
            progress(done, len(chosen))
    finish = getattr(workbook, "sha256", None) if getattr(workbook, "hashed", False) else None
    sha256 = finish() if finish is not None else ""
    encoding = getattr(workbook, "encoding", None)
    return ScanReport(workbook.format, tuple(results), tuple(_findings(results, outside)), sha256,
                      encoding if isinstance(encoding, EncodingChoice) else None)


def _scan_sheet(
    workbook: Workbook, info: SheetInfo, sample_rows: int, outside: OutsideParts, quick: bool
) -> SheetScan:
    table = workbook.table(info.name)
    values = sample_columns(workbook, info.name, table, sample_rows)
    hidden = set(outside.hidden_columns.get(info.name, ()))
    columns = []
    for index, header in enumerate(table.headers):
        verdict = classify_column(header, values[index])
        columns.append(ColumnScan(index, column_letter(index), header, verdict, index in hidden))
    rows, exact = workbook.row_estimate(info.name) if quick else (workbook.count_rows(info.name), True)
    return SheetScan(info, table, rows, tuple(columns), len(outside.hidden_rows.get(info.name, ())), exact)


def with_exact_rows(report: ScanReport, workbook: Workbook) -> ScanReport:
    """``report`` with every estimated row count replaced by a count (one cheap pass per such sheet)."""
    if all(sheet.rows_exact for sheet in report.sheets):
        return report
    sheets = tuple(sheet if sheet.rows_exact else replace(sheet, data_rows=workbook.count_rows(sheet.info.name),
                                                          rows_exact=True) for sheet in report.sheets)
    return replace(report, sheets=sheets)


def _column_label(sheet: SheetScan, column: ColumnScan) -> str:
    header = f" '{column.header}'" if column.header else ""
    return f"sheet '{sheet.info.name}' column {column.letter}{header}"


def _findings(results: list[SheetScan], outside: OutsideParts) -> Iterator[Finding]:
    sensitive: dict[tuple[str, int], Kind] = {}
    names: dict[tuple[str, int], str] = {}
    for sheet in results:
        for column in sheet.columns:
            names[(sheet.info.name, column.index)] = _column_label(sheet, column)
            if column.kind is None:
                continue
            sensitive[(sheet.info.name, column.index)] = column.kind
            if sheet.info.hidden:
                yield Finding(
                    f"{_column_label(sheet, column)} ({sheet.info.visibility.value} sheet)",
                    column.kind,
                    f"hidden sheet holds a column of {KIND_NOUNS[column.kind]}",
                )
            elif column.hidden:
                yield Finding(
                    f"{_column_label(sheet, column)} (hidden column)",
                    column.kind,
                    f"hidden column holds {KIND_NOUNS[column.kind]}",
                )
        if sheet.hidden_rows:
            kinds = list(dict.fromkeys(c.kind for c in sheet.columns if c.kind is not None))
            more = "+" if sheet.info.name in outside.rows_capped else ""
            for kind in kinds:
                yield Finding(
                    f"sheet '{sheet.info.name}' hidden rows ({sheet.hidden_rows}{more})",
                    kind,
                    f"hidden rows in a sheet whose columns hold {KIND_PHRASES[kind]}",
                )
    yield from judge_texts(outside.texts, sensitive, names)
