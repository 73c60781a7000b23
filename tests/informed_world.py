"""Seeded worlds for issue 18's canary cases: an informed single leaker, and a clear-phone export with
monitored canary numbers. Shared by tests/test_informed.py (small) and bench/bench_informed.py (large).

The world: five exports of the same 200 customers (default plan: phone, meter and account
pseudonymized, name and ID masked, address generalized, readings in clear) at the canary rate
:data:`CANARY_RATE`, a clear-phone export of them (phones kept, canaries from a monitored block), and
``decoys`` realistic decoy exports: the same customers through the export's own marker under other
export ids (so their canaries are drawn from the same rows, as another export of this list would be),
stored as trace data with ledger records.
"""

from __future__ import annotations

import csv
import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

import numpy as np
import trace_harness as h

from masking.io.model import Value
from masking.keys import KeyRing
from masking.operators.base import KeyMaterial, OperatorContext
from masking.pipeline import ExportRequest, id_columns, prepare_export, token_scope
from masking.recipient import Recipient
from masking.transform import build_operators, kept_columns
from masking.watermark.embed import ExportMarker, MarkSettings
from masking.watermark.marks import read_mark
from masking.watermark.membership import fingerprinter, fingerprints
from masking.watermark.store import TraceData, TraceStore
from masking.watermark.trace import Fragment, TraceIndex, TraceReport, trace_fragment
from masking.workspace import Workspace

CANARY_RATE = 0.05  # the policy's canary rate in these worlds (issue 18 allows up to 5 %)
CUSTOMERS = 200
RECIPIENTS = ("甲催收公司", "乙催收公司", "丙催收公司", "丁催收公司", "戊催收公司")
MONITORED_BLOCK = "1701234xxxx"  # 10,000 numbers the office owns
PSEUDONYMIZED = (0, 2, 3)  # 户号, 手机号码, 电能表资产编号 under the default plan
NAME, PHONE, ID, READINGS = 1, 2, 4, (6, 7)


@dataclass(frozen=True)
class World:
    home: Path
    ring: KeyRing
    index: TraceIndex
    ids: dict[str, str]  # export name -> export id ("E0".."E4", "phones")
    rows: dict[str, list[list[str]]]
    canaries: dict[str, list[int]]  # export name -> the positions of its canary rows in ``rows``
    decoys: int


def world_policy(path: Path, *, pool: bool, rate: float) -> Path:
    h.write_policy(path, canary_rate=rate)
    if pool:
        text = path.read_text(encoding="utf-8").replace('# canary_phones = ["13800000000"]',
                                                        f'canary_phones = ["{MONITORED_BLOCK}"]')
        path.write_text(text, encoding="utf-8")
    return path


def canary_positions(rows: Sequence[Sequence[str]], people: Sequence[h.synth.Customer]) -> list[int]:
    """Output rows follow the source order with canaries inserted: a row whose reading is not the next
    customer's is a canary (readings are in clear in every plan here)."""
    out, j = [], 0
    for n, row in enumerate(rows):
        if j < len(people) and row[6] == f"{people[j].usage_kwh:.2f}" and row[7] == f"{people[j].arrears:.2f}":
            j += 1
        else:
            out.append(n)
    assert j == len(people), "could not align the output with its source"
    return out


def build(tmp: Path, *, decoys: int, seed: int = 18, rate: float = CANARY_RATE) -> World:
    home = tmp / "home"
    ring, _ = Workspace(home).keystore.open_or_create()
    source = tmp / "客户.csv"
    people = h.write_source(source, CUSTOMERS, seed=seed)
    plain = world_policy(tmp / "policy.toml", pool=False, rate=rate)
    pooled = world_policy(tmp / "pool.toml", pool=True, rate=rate)
    ids, rows, canaries = {}, {}, {}
    for n, recipient in enumerate(RECIPIENTS):
        out = tmp / f"E{n}.csv"
        ids[f"E{n}"] = h.export(home, ring, source, out, recipient, (), plain).export_id
        rows[f"E{n}"] = h.read_rows(out)
    for name, recipient in (("phones", "短信通知平台"), ("phones2", "外呼服务公司")):
        out = tmp / f"{name}.csv"  # the same customers' phones in clear to two recipients: real phones decide nothing
        ids[name] = h.export(home, ring, source, out, recipient, ("手机号码=keep",), pooled).export_id
        rows[name] = h.read_rows(out)
    for name, found in rows.items():
        canaries[name] = canary_positions(found, people)
    seed_decoys(home, ring, source, plain, decoys, rate)
    return World(home, ring, TraceIndex(home, ring), ids, rows, canaries, decoys)


def _source_rows(source: Path) -> list[tuple[Value, ...]]:
    with source.open(encoding="utf-8-sig", newline="") as stream:
        return [tuple(row) for row in list(csv.reader(stream))[1:]]


def seed_decoys(home: Path, ring: KeyRing, source: Path, policy: Path, count: int,  # noqa: PLR0917 - the world's parts
                rate: float = CANARY_RATE) -> None:
    """``count`` decoy exports of the same customers: canaries drawn by the export's own marker under
    their own export ids, plus masked identities of a random share of the customers (membership)."""
    prepared = prepare_export(ExportRequest(input=source, recipient="decoy", purpose="欠费催缴",
                                            output=home.parent / "decoy.csv", policy_file=policy, format="csv"), home)
    plan = prepared.plan
    operators = build_operators(plan)
    sheet = plan.included[0].name
    kept = kept_columns(plan, sheet)
    rows = _source_rows(source)
    identifiers = dict(id_columns(prepared))
    settings = MarkSettings(rate)
    material = KeyMaterial.from_master(ring.active)
    phones = fingerprints(fingerprinter(ring.active.subkey("watermark")), [f"t|{row[PHONE]}" for row in rows])
    rng = np.random.default_rng(7)
    records: list[tuple[str, str, TraceData]] = []
    for i in range(count):
        export_id = f"EX-20250101-{i:08X}"
        marker = ExportMarker(export_id, ring.active, plan, operators, settings, identifiers)
        marker.canary_places(sheet, rows)  # as the export's pass: places, then the rows' identifiers
        marker.source_rows(sheet, list(zip(*rows, strict=True)))
        marker.sheet_end(sheet)
        numbers, canary_rows = marker.draw_canaries(lambda _: kept).get(sheet, ([], []))
        ctx = OperatorContext(token_scope(prepared.policy, Recipient.of(f"decoy-{i % 500}")), material)
        out_columns = [marker.apply(c, operators[(sheet, c.index)], [r[c.index] for r in canary_rows], ctx).values
                       for c in kept]
        marker.record_canaries(kept, out_columns, numbers)
        data = marker.finish()
        # like another export of this list: random tokens, and the clear phones of a random share of it
        held = rng.random(len(phones)) < 0.5
        tokens = np.concatenate([phones[held], rng.integers(0, 2**63, size=len(rows), dtype=np.uint64)])
        records.append((export_id, ring.active.key_id, TraceData(
            np.sort(tokens), data.masked, data.canary_fps, data.canary_ids, data.canary_strong,
            data.profile_fps, data.profile_ids, data.profile_kinds, data.profile_slots)))
    digests = TraceStore(home).save_many(records)
    bodies = [{"export_id": export_id, "recipient": f"decoy-{n % 500}", "key_id": key_id, "rows": len(rows),
               "layers": ["tokens", "marks", "canaries", "membership"], "trace": {"sha256": digest}}
              for n, ((export_id, key_id, _), digest) in enumerate(zip(records, digests, strict=True))]
    Workspace(home).ledger(ring).append_many("export", bodies)


# --- what the leakers do ------------------------------------------------------------------------


def _round_half_up(text: str) -> str:
    try:
        number = Decimal(text.replace(",", ""))
    except InvalidOperation:
        return text
    return str(number.quantize(Decimal(1), ROUND_HALF_UP)) if number.is_finite() else text


def _remask_one_pattern(text: str, id_keep: tuple[int, int] = (1, 2)) -> str:
    """A masked cell re-masked to one pattern: an ID to ``id_keep`` (first, last characters shown; the
    default shows what every pattern of the marks shows), a name to its surname and stars (the same
    length); anything else as it was."""
    observation = read_mark(text)
    if observation is None:
        return text
    if observation.scheme in ("name", "name1"):
        return text[0] + "*" * (len(text) - 1)
    if observation.scheme == "id":
        first, last = id_keep
        if first > observation.identity.index(":") or last > len(observation.identity.split(":")[1]):
            raise ValueError("a leaker can only show what the copy shows")
        return text[:first] + "*" * (len(text) - first - last) + text[-last:]
    return text


def informed_leak(rows: Sequence[Sequence[str]], size: int, rng: random.Random,
                  id_keep: tuple[int, int] = (1, 2)) -> list[list[str]]:
    """Re-mask names and IDs to one pattern, round every reading, drop the pseudonymized columns,
    shuffle, keep ``size`` rows."""
    chosen = rng.sample(list(rows), min(size, len(rows)))
    out = []
    for row in chosen:
        cells = []
        for column, cell in enumerate(row):
            if column in PSEUDONYMIZED:
                continue
            cells.append(_round_half_up(cell) if column in READINGS else _remask_one_pattern(cell, id_keep))
        out.append(cells)
    return out


def phone_only(rows: Sequence[Sequence[str]], size: int, rng: random.Random) -> list[list[str]]:
    return [[row[PHONE]] for row in rng.sample(list(rows), min(size, len(rows)))]


def trace(world: World, rows: Sequence[Sequence[str]]) -> TraceReport:
    return trace_fragment(Fragment(tuple(tuple(r) for r in rows)), world.index)


def named(report: TraceReport) -> set[str]:
    return {c.export_id for c in report.named}


def sample_seed(*parts: object) -> random.Random:
    return random.Random(int.from_bytes(hashlib.sha256(repr(parts).encode()).digest()[:8], "big"))
