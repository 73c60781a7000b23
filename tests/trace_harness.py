"""Helpers for the trace tests and bench/bench_trace.py: utility-like sources, real exports,
cheap decoy exports, and the things a leaker does to a copy (CSV round trip, subsets, shuffling,
paste-as-values, NFKC variants, zero-width characters, randomised cells, merging copies)."""

from __future__ import annotations

import csv
import random
import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import openpyxl

from masking import synth
from masking.keys import KeyRing
from masking.kinds import Kind
from masking.operators.mask import MaskOperator, MaskParams
from masking.pipeline import ExportRequest, ExportResult, prepare_export, run_export
from masking.policy import DEFAULT_POLICY
from masking.watermark.marks import read_mark
from masking.watermark.membership import fingerprinter, fingerprints, mark_feature, sorted_unique
from masking.watermark.store import TraceData, TraceStore
from masking.workspace import Workspace

HEADERS = ("户号", "户名", "手机号码", "电能表资产编号", "身份证号码", "用电地址", "本月电量(kWh)", "欠费金额(元)",
           "抄表日期", "备注")
MASKED = ("户号=mask", "手机号码=mask", "电能表资产编号=mask")
ZERO_WIDTH = "\u200b"


def write_source(path: Path, n: int, seed: int) -> list[synth.Customer]:
    people = list(synth.customers(n, seed))
    with path.open("w", encoding="utf-8-sig", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(HEADERS)
        for c in people:
            writer.writerow([c.account_no, c.name, c.mobile, c.meter_id, c.id_number, c.address, f"{c.usage_kwh:.2f}",
                             f"{c.arrears:.2f}", c.reading_date.isoformat(), c.remark])
    return people


def write_policy(path: Path, *, canary_rate: float = 0.015, clear_layers: Sequence[str] | None = None) -> Path:
    text = DEFAULT_POLICY.read_text(encoding="utf-8").replace("canary_rate = 0.015", f"canary_rate = {canary_rate}")
    text = text.replace('allowed = ["pseudonymize", "mask", "encrypt", "hash", "redact", "drop"]',
                        'allowed = ["pseudonymize", "mask", "encrypt", "hash", "redact", "drop", "keep"]', 1)
    if clear_layers is not None:
        text = text.replace('clear_export_layers = ["canaries", "marks"]',
                            "clear_export_layers = [" + ", ".join(f'"{x}"' for x in clear_layers) + "]")
    path.write_text(text, encoding="utf-8")
    return path


def export(  # noqa: PLR0917 - mirrors the export command's options
    home: Path, ring: KeyRing, source: Path, out: Path, recipient: str, actions: Sequence[str] = (),
           policy: Path | None = None) -> ExportResult:
    request = ExportRequest(input=source, recipient=recipient, purpose="欠费催缴", output=out, choices=tuple(actions),
                            policy_file=policy, format="xlsx" if out.suffix == ".xlsx" else "csv")
    return run_export(prepare_export(request, home), ring, Workspace(home).ledger(ring))


def read_rows(path: Path) -> list[list[str]]:
    """Data rows of an output, as text (header row and the notice sheet left out)."""
    if path.suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as stream:
            return list(csv.reader(stream))[1:]
    book = openpyxl.load_workbook(path, read_only=True)
    sheet = next(ws for ws in book.worksheets if ws.title != "外发说明")  # not the notice sheet
    rows = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    book.close()
    return rows[1:]


def population_masked_fps(people: Sequence[synth.Customer], watermark_key: bytes) -> np.ndarray:
    """Fingerprints of the masked identities of ``people`` (what any masked export of them carries)."""
    params = MaskParams()
    features = []
    for c in people:
        for kind, value in ((Kind.PHONE, c.mobile), (Kind.ID_NUMBER, c.id_number), (Kind.METER_ID, c.meter_id),
                            (Kind.ACCOUNT_NO, c.account_no), (Kind.PERSON_NAME, c.name)):
            masked = MaskOperator.mask_one(kind, value, params)
            feature = mark_feature(masked) if isinstance(masked, str) else None
            if feature:
                features.append(feature)
    return sorted_unique(fingerprints(fingerprinter(watermark_key), features))


def seed_decoys(home: Path, ring: KeyRing, count: int, population: np.ndarray, seed: int = 7) -> list[str]:
    """``count`` decoy exports in the ledger and the trace store, each of a random subset of
    ``population`` (so that membership cannot rule them out) plus tokens and canaries of its own."""
    rng = np.random.default_rng(seed)
    records: list[tuple[str, str, TraceData]] = []
    key_id = ring.active.key_id
    for i in range(count):
        size = int(rng.integers(20, 400))
        masked = sorted_unique(rng.choice(population, size=min(size, len(population)), replace=False))
        tokens = sorted_unique(rng.integers(0, 2**63, size=size * 3, dtype=np.uint64))
        canaries = int(rng.integers(2, 6))
        canary_fps = rng.integers(0, 2**63, size=canaries * 5, dtype=np.uint64)
        ids = np.repeat(np.arange(canaries, dtype=np.uint32), 5)
        strong = np.tile(np.array([True, True, False, False, False]), canaries)
        records.append((f"EX-20250101-{i:08X}", key_id, TraceData(tokens, masked, canary_fps, ids, strong)))
    digests = TraceStore(home).save_many(records)
    bodies = [{"export_id": export_id, "recipient": f"decoy-{n % 500}", "key_id": key_id, "rows": 100,
               "layers": ["tokens", "marks", "canaries", "membership"], "trace": {"sha256": digest}}
              for n, ((export_id, _, _), digest) in enumerate(zip(records, digests, strict=True))]
    Workspace(home).ledger(ring).append_many("export", bodies)
    return [r[0] for r in records]


# --- what a leaker does to a copy ----------------------------------------------------------------


def csv_round_trip(rows: list[list[str]], tmp: Path) -> list[list[str]]:
    path = tmp / "roundtrip.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as stream:
        csv.writer(stream).writerows(rows)
    with path.open(encoding="utf-8-sig", newline="") as stream:
        return list(csv.reader(stream))


def paste_as_values(rows: list[list[str]], path: Path) -> Path:
    """A new workbook with the values typed in: digit strings become numbers, as Excel does."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append([_retyped(cell) for cell in row])
    book.save(path)
    return path


def _retyped(cell: str) -> object:
    if cell.isdigit() and len(cell) <= 15 and not cell.startswith("0"):
        return int(cell)
    try:
        return float(cell) if "." in cell else cell
    except ValueError:
        return cell


def unicode_noise(rows: list[list[str]], rng: random.Random) -> list[list[str]]:
    """Full-width digits and stars (NFKC folds them back) and zero-width spaces inside cells."""
    def noisy(cell: str) -> str:
        if rng.random() < 0.3:
            cell = "".join(chr(ord(ch) + 0xFEE0) if ch.isdigit() or ch == "*" else ch for ch in cell)
        if rng.random() < 0.3 and len(cell) > 2:
            at = rng.randrange(1, len(cell))
            cell = cell[:at] + ZERO_WIDTH + cell[at:]
        return cell
    out = [[noisy(cell) for cell in row] for row in rows]
    assert unicodedata.normalize("NFKC", "１") == "1"
    return out


def keep_columns(rows: list[list[str]], columns: Sequence[int]) -> list[list[str]]:
    return [[row[i] for i in columns] for row in rows]


_MASKED_NAME = re.compile(r"(.+?)([*某×X]+)(.?)")
_GIVEN_CHARS = "明华伟芳丽强军敏静磊"


def randomise_marked(rows: list[list[str]], share: float, rng: random.Random) -> tuple[list[list[str]], int]:
    """Replace ``share`` of the marked cells with another rendering of random digits / characters
    (a masked name: the same surname and length, stars or 某 and the shown last character at random)."""
    marked = [(r, c) for r, row in enumerate(rows) for c, cell in enumerate(row) if read_mark(cell) is not None]
    chosen = rng.sample(marked, round(share * len(marked)))
    out = [list(row) for row in rows]
    for r, c in chosen:
        shown = read_mark(out[r][c])
        name = _MASKED_NAME.fullmatch(out[r][c])
        if shown is not None and shown.scheme in ("name", "name1") and name is not None:
            out[r][c] = random_name_rendering(name.group(1), len(name.group(2)) + len(name.group(3)), rng)
            continue
        out[r][c] = "".join(str(rng.randrange(10)) if ch.isdigit() else ch for ch in out[r][c])
        observation = read_mark(out[r][c])
        if observation is not None and rng.random() < 0.5:
            out[r][c] = out[r][c][::-1]
    return out, len(chosen)


def random_name_rendering(surname: str, hidden: int, rng: random.Random) -> str:
    """A masked name in a random one of its patterns (张** / 张*明 / 张某某 / 张某明 / 张×× / ...; 张* / 张某 / ...)."""
    char = rng.choice("*某×X")
    if hidden >= 2 and rng.random() < 0.5:
        return surname + char * (hidden - 1) + rng.choice(_GIVEN_CHARS)
    return surname + char * hidden


# --- colluders (issue 18) -------------------------------------------------------------------------


def vote_merge(copies: Sequence[Sequence[Sequence[str]]], rule: str, rng: random.Random) -> list[list[str]]:
    """Row-aligned copies of the same customers merged cell by cell: every marked cell shows the pattern
    the fewest (``rule="minority"``) or the most (``"majority"``) copies show, ties broken at random;
    other cells come from the first copy. The copies must hold the same rows in the same order."""
    if rule not in ("minority", "majority"):
        raise ValueError(rule)
    merged = []
    for rows in zip(*copies, strict=True):
        out = []
        for cells in zip(*rows, strict=True):
            marks = [read_mark(cell) for cell in cells]
            if any(m is None for m in marks):
                out.append(cells[0])
                continue
            assert len({(m.scheme, m.identity) for m in marks if m}) == 1, "copies not aligned"
            votes: dict[int, int] = {}
            for m in marks:
                if m is not None:
                    votes[m.variant] = votes.get(m.variant, 0) + 1
            best = min(votes.values()) if rule == "minority" else max(votes.values())
            pick = rng.choice(sorted(v for v, n in votes.items() if n == best))
            out.append(next(c for c, m in zip(cells, marks, strict=True) if m is not None and m.variant == pick))
        merged.append(out)
    return merged


def collusion_exports(home: Path, ring: KeyRing, tmp: Path, *, rows: int, names: Sequence[str],
                      seed: int) -> tuple[dict[str, str], dict[str, list[list[str]]], list[synth.Customer]]:
    """One source of ``rows`` customers exported once per name (a recipient each) under a plan that
    masks ID, name, mobile, meter and account (no pseudonym columns) and places no canaries, so that
    every copy holds the same rows in the same order. Returns export ids, output rows, the customers."""
    source = tmp / f"colluders_{seed}.csv"
    people = write_source(source, rows, seed=seed)
    policy = write_policy(tmp / f"colluders_{seed}.toml", canary_rate=0.0)
    ids, out_rows = {}, {}
    for name in names:
        out = tmp / f"{name}_{seed}.csv"
        ids[name] = export(home, ring, source, out, f"{name}公司", MASKED, policy).export_id
        out_rows[name] = read_rows(out)
    return ids, out_rows, people
