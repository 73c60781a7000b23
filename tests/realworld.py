"""The real-world corpus (``shared/realworld``: 621 files written by Excel, LibreOffice and libraries)
checked file by file: it scans and exports, or it is refused with one line; and the export is compared
with the input row by row, so no row or kept value goes missing without a report.

The export runs under a comparison policy: every kind is kept (secrets still dropped), no canary rows,
so each output row answers exactly one input row and each kept cell can be compared as text.
Shared by tests/test_realworld.py and bench/realworld.py.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from masking.errors import InputError, PolicyError
from masking.io.cells import FORMULA_TRIGGERS
from masking.io.model import Value
from masking.io.reader import Workbook, open_workbook
from masking.keys import KeyRing
from masking.pipeline import ExportRequest, ExportResult, prepare_export, run_export
from masking.transform import kept_columns
from masking.workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]
KINDS = ("phone", "meter_id", "account_no", "id_number", "bank_card", "person_name", "address", "email", "free_text")
COMPARISON_POLICY = "\n".join(
    ['version = "realworld-comparison"\n']
    + [f'[kinds.{kind}]\ndefault = "keep"\nallowed = ["keep"]\n' for kind in KINDS]
    + ['[kinds.secret]\ndefault = "drop"\nallowed = ["drop"]\n',
       "[export]\ncanary_rate = 0\nclear_export_layers = []\n"]
)
# A refusal of the comparison policy itself (it keeps every column in clear): the export's own check
# found identifiers in a kept column and wrote nothing (exit 4).
POLICY_REFUSAL = "nothing was written"
# Files other programs cannot open either, each refused with one line (exit 3): a bad CRC, no workbook
# part, no sheet part, a password (Office encryption), NUL bytes in a CSV.
EXPECTED_REFUSALS = {
    "calamine/tests_issue252.xlsx": "corrupt or truncated workbook",
    "calamine/tests_pass_protected.xlsx": "password-protected",
    "csvkit/examples_null_byte.csv": "binary data",
    "excelize/test_encryptAES.xlsx": "password-protected",
    "excelize/test_encryptSHA1.xlsx": "password-protected",
    "excelize/test_encryptSHA512.xlsx": "password-protected",
    "exceljs/spec_integration_data_missing-bits.xlsx": "not a spreadsheet",
    "tealeg-xlsx/testdocs_badfile_noWorkbookRels.xlsx": "the part of sheet #1 is missing",
    "tealeg-xlsx/testdocs_badfile_noWorksheets.xlsx": "the part of sheet #1 is missing",
}


def corpus_folder() -> Path | None:
    """``shared/realworld`` beside the checkout (CI, the main repo) or one level up (a worktree)."""
    named = os.environ.get("EXPORTGUARD_REALWORLD")
    candidates = [Path(named)] if named else [ROOT.parent / "shared" / "realworld",
                                               ROOT.parent.parent / "shared" / "realworld"]
    return next((folder for folder in candidates if folder.is_dir()), None)


def corpus_files(folder: Path) -> list[str]:
    """Every spreadsheet in the corpus, as ``project/file`` names, sorted."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file() and p.suffix != ".md")


def stratified(names: Sequence[str], per_group: int) -> list[str]:
    """A fixed subset: the first ``per_group`` files (in sorted order) of each (project, extension)
    group, and every file of the expected refusals, so each writer and format is represented."""
    picked: dict[tuple[str, str], list[str]] = {}
    for name in names:
        group = (name.split("/", 1)[0], Path(name).suffix.lower())
        picked.setdefault(group, [])
        if len(picked[group]) < per_group:
            picked[group].append(name)
    chosen = {name for group in picked.values() for name in group} | set(EXPECTED_REFUSALS)
    return [name for name in names if name in chosen]


@dataclass
class Outcome:
    """What one file did: refused (with the line), or exported with its rows compared."""

    name: str
    refused: str | None = None
    sheets: int = 0
    rows_in: int = 0  # non-blank rows of the exported sheets: titles, header and data
    rows_out: int = 0  # header and data rows of the output
    titles_reported: int = 0
    lost: list[str] = field(default_factory=list)  # rows missing or changed without a report
    changed_cells: int = 0


def _text(value: Value, csv_output: bool) -> str | None:  # noqa: PLR0911 - one return per value type
    """A cell as comparable text: what Excel shows, with the cell rules the writers apply."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    text = str(value)
    if csv_output and text[:1] == "'" and text[1:2] in FORMULA_TRIGGERS | {"＝", "﹦", "'"}:
        text = text[1:]  # the csv writer's inert-formula quote
    text = "".join(ch for ch in text if ch in "\t\n\r" or ord(ch) >= 0x20) if not csv_output else text
    return text.strip() or None


def _trimmed(values: Sequence[Value], columns: Sequence[int] | None, csv_output: bool) -> tuple[str | None, ...]:
    picked = [values[i] if i < len(values) else None for i in columns] if columns is not None else list(values)
    texts = [_text(v, csv_output) for v in picked]
    while texts and texts[-1] is None:
        texts.pop()
    return tuple(texts)


def _output_sheets(result: ExportResult) -> Iterator[tuple[Workbook, str]]:
    """Each exported sheet's rows in order: xlsx after the notice sheet, csv one file per sheet."""
    if result.format == "xlsx":
        with open_workbook(result.output) as book:
            for info in book.sheets[1:]:
                yield book, info.name
    else:
        for path in result.outputs:
            with open_workbook(path, encoding="utf-8-sig") as book:
                yield book, book.sheets[0].name


def check_file(folder: Path, name: str, home: Path, ring: KeyRing, out: Path) -> Outcome:
    """Scan, export and compare one corpus file (see the module docstring)."""
    outcome = Outcome(name)
    source = folder / name
    fmt = "csv" if source.suffix.lower() == ".csv" else "xlsx"
    policy = home / "comparison_policy.toml"
    if not policy.exists():
        policy.write_text(COMPARISON_POLICY, encoding="utf-8")
    target = out / f"{name.replace('/', '_')}.{fmt}"
    request = ExportRequest(input=source, recipient="realworld", purpose="row comparison", output=target,
                            format=fmt, policy_file=policy, overwrite=True)
    try:
        prepared = prepare_export(request, home)
    except InputError as error:
        outcome.refused = str(error)
        return outcome
    try:
        result = run_export(prepared, ring, Workspace(home).ledger(ring), parallel=False)
    except PolicyError as error:  # identifiers found in a column this keep-everything policy keeps
        outcome.refused = str(error)
        return outcome
    titles = dict(result.title_rows)
    outcome.titles_reported = sum(titles.values())
    csv_output = fmt == "csv"
    with open_workbook(source) as book:
        outputs = _output_sheets(result)
        for sheet in prepared.plan.included:
            outcome.sheets += 1
            table = book.table(sheet.name)
            columns = [c.index for c in kept_columns(prepared.plan, sheet.name)]
            rows = [(n, v) for n, v in book.rows(sheet.name) if any(x is not None for x in v)]
            outcome.rows_in += len(rows)
            above = [n for n, _ in rows if n < table.first_data_row and n != table.header_row]
            if len(above) != titles.get(sheet.name, 0):
                outcome.lost.append(f"{sheet.name}: {len(above)} rows above the data, "
                                    f"{titles.get(sheet.name, 0)} reported")
            beyond = sum(1 for n, v in rows
                         if n >= table.first_data_row and any(x is not None for x in v[table.width:]))
            if beyond:  # the table's width comes from the first rows; a later, wider row would lose cells
                outcome.lost.append(f"{sheet.name}: {beyond} rows hold cells beyond the table's width")
            wanted = [_trimmed(v, columns, csv_output) for n, v in rows if n >= table.first_data_row]
            wanted = [row for row in wanted if row]
            output, output_name = next(outputs)
            got = [_trimmed(v, None, csv_output) for _, v in output.rows(output_name)]
            got = [row for row in got if row]
            if table.header_row is not None:
                got = got[1:]
            outcome.rows_out += len(got) + (table.header_row is not None)
            if len(got) != len(wanted):
                outcome.lost.append(f"{sheet.name}: {len(wanted)} data rows in, {len(got)} out")
            for index, (expected, actual) in enumerate(zip(wanted, got, strict=False)):
                if expected != actual:
                    outcome.changed_cells += sum(a != b for a, b in zip(expected, actual, strict=False)) + abs(
                        len(expected) - len(actual))
                    if len(outcome.lost) < 5:
                        outcome.lost.append(f"{sheet.name}: data row {index + 1} differs")
        outputs.close()
    return outcome
