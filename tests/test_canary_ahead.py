"""Canaries drawn between batches (masking/watermark/canary_draws.py) against the reference path: every
canary drawn after the last row, against every identifier of the source, in one transform per sheet.

The collisions are forced: a source row after a canary's place is given the identifier (or the
monitored number) the early draw chose, so the end must find the draw stale and draw it again; the
output, the summary and the trace data must still be those of the reference path.
"""

from __future__ import annotations

import pickle
from collections.abc import Sequence

import numpy as np
import pytest
from canary_harness import source_rows
from hypothesis import given
from hypothesis import strategies as st

from masking.io.model import Value
from masking.keys import MasterKey
from masking.kinds import Action, Kind
from masking.plan import ColumnPlan, Plan, SheetPlan
from masking.transform import BatchTransform, TransformSpec, TransformSummary, output_rows, source_columns
from masking.watermark import embed
from masking.watermark.canary import UNIQUE_KINDS, CanaryPools
from masking.watermark.embed import ExportMarker, MarkSettings
from masking.watermark.membership import sorted_unique
from masking.watermark.sorted_runs import SortedRuns

SHEET = "明细"
_ACTIONS = {  # a column of each kind of step: pseudonymized, masked (marked), encrypted (sealed), kept
    "户号": Action.PSEUDONYMIZE, "户名": Action.MASK, "手机号码": Action.KEEP, "电能表资产编号": Action.PSEUDONYMIZE,
    "身份证号码": Action.MASK, "银行卡号": Action.ENCRYPT, "用电地址": Action.KEEP, "本月电量(kWh)": Action.KEEP,
    "备注": Action.KEEP,
}
_KINDS = {"户号": Kind.ACCOUNT_NO, "户名": Kind.PERSON_NAME, "手机号码": Kind.PHONE, "电能表资产编号": Kind.METER_ID,
          "身份证号码": Kind.ID_NUMBER, "银行卡号": Kind.BANK_CARD, "用电地址": Kind.ADDRESS, "备注": Kind.FREE_TEXT}
_HEADERS = ("户号", "户名", "手机号码", "固定电话", "电能表资产编号", "身份证号码", "银行卡号", "用电地址", "电子邮箱",
            "本月电量(kWh)", "欠费金额(元)", "抄表日期", "备注")
ACCOUNT, MOBILE = 0, 2
ROWS, BATCH = 3_000, 256
MONITORED = tuple(f"1700000{n:04d}" for n in range(200))


def _rows() -> list[tuple[Value, ...]]:
    return source_rows(ROWS, 3)


def _spec(pools: CanaryPools | None = None, *, account: Action = Action.PSEUDONYMIZE) -> TransformSpec:
    actions = {**_ACTIONS, "户号": account}
    columns = tuple(ColumnPlan(SHEET, i, chr(65 + i), header, _KINDS.get(header), 1.0 if header in _KINDS else 0.0,
                               actions.get(header, Action.DROP if i in (3, 8) else Action.KEEP), "policy")
                    for i, header in enumerate(_HEADERS))
    plan = Plan((SheetPlan(SHEET, False, True, ROWS, columns),))
    ids = tuple(c.index for c in columns if c.kind in UNIQUE_KINDS)
    return TransformSpec(plan, MasterKey("KAHEAD", "2026-01-01", bytes(range(32))), "scope", "EX-20260101-AHEAD",
                         MarkSettings(canary_rate=0.015, pools=pools or CanaryPools()), ((SHEET, ids),), seal=True)


def _export(spec: TransformSpec, rows: Sequence[tuple[Value, ...]], *, ahead: bool
            ) -> tuple[list[tuple[Value, ...] | None], TransformSummary]:
    """The transform over ``rows`` as the worker drives it: with ``ahead``, the canaries whose places
    a batch passed are drawn after it; without, all of them by summary() (the reference path)."""
    transform = BatchTransform(spec)
    out: list[tuple[Value, ...] | None] = []
    for start in range(0, len(rows), BATCH):
        batch = list(rows[start:start + BATCH])
        out += output_rows(*transform.batch_columns(SHEET, source_columns(batch), len(batch)), len(batch))
        if ahead:
            transform.draw_passed()
    out += [None] * transform.sheet_end(SHEET)
    if ahead:
        transform.draw_passed(ended=True)
    return out, transform.summary()


def _same(got: tuple[list, TransformSummary], expected: tuple[list, TransformSummary]) -> None:
    (rows, summary), (expected_rows, reference) = got, expected
    assert rows == expected_rows
    assert summary.canary_rows == reference.canary_rows
    assert list(summary.originals[(SHEET, 6)].items()) == list(reference.originals[(SHEET, 6)].items())
    for name in ("counts", "checks", "layers", "canaries", "marked_cells", "markable_cells", "pool"):
        assert getattr(summary, name) == getattr(reference, name), name
    assert pickle.dumps(summary.trace) == pickle.dumps(reference.trace)


@pytest.fixture(params=[1, 10])
def draw_together(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Canaries drawn after every batch that passed a place, or once 10 wait (groups over batches)."""
    monkeypatch.setattr(embed, "DRAW_TOGETHER", request.param)


@pytest.fixture
def settled(monkeypatch: pytest.MonkeyPatch) -> list[set[int]]:
    """The numbers of the canaries each settle_canaries() drew again."""
    drawn_again: list[set[int]] = []
    settle = ExportMarker.settle_canaries

    def spy(marker: ExportMarker) -> dict[int, tuple[Value, ...]]:
        again = settle(marker)
        drawn_again.append(set(again))
        return again

    monkeypatch.setattr(ExportMarker, "settle_canaries", spy)
    return drawn_again


def _late_row(rows: list[tuple[Value, ...]], column: int, value: Value) -> list[tuple[Value, ...]]:
    """``rows`` with the last row's ``column`` set to ``value`` (a row the stream reaches after every
    early canary's place has been drawn for)."""
    changed = list(rows)
    changed[-1] = (*rows[-1][:column], value, *rows[-1][column + 1:])
    return changed


@pytest.mark.usefixtures("draw_together")
def test_no_collision_keeps_every_early_draw(settled: list[set[int]]) -> None:
    spec, rows = _spec(), _rows()
    ahead = _export(spec, rows, ahead=True)
    _same(ahead, _export(spec, rows, ahead=False))
    assert ahead[1].canaries >= 40 and settled == [set(), set()]


@pytest.mark.usefixtures("draw_together")
def test_a_source_identifier_after_the_place_forces_a_draw_again(settled: list[set[int]]) -> None:
    spec, rows = _spec(), _rows()
    first = _export(spec, rows, ahead=True)[1].canary_rows[SHEET]
    mobile = first[3][MOBILE]  # canary 3's mobile, in clear: its place is far before the last row
    assert isinstance(mobile, str) and mobile not in {row[MOBILE] for row in rows}
    changed = _late_row(rows, MOBILE, mobile)
    ahead = _export(spec, changed, ahead=True)
    _same(ahead, _export(spec, changed, ahead=False))
    assert settled[-2] == {3}  # drawn early as before, found stale at the end, drawn again alone
    assert ahead[1].canary_rows[SHEET][3][MOBILE] != mobile


@pytest.mark.usefixtures("draw_together")
def test_a_monitored_number_in_the_source_after_the_place_redraws_every_canary_after_it(
        settled: list[set[int]]) -> None:
    spec, rows = _spec(CanaryPools(phones=MONITORED)), _rows()
    first = _export(spec, rows, ahead=True)
    number = first[1].canary_rows[SHEET][5][MOBILE]
    assert number in MONITORED
    changed = _late_row(rows, MOBILE, number)
    ahead = _export(spec, changed, ahead=True)
    _same(ahead, _export(spec, changed, ahead=False))
    # canary 5 takes the next number instead, and so does every canary after it
    assert settled[-2] == set(range(5, first[1].canaries))
    assert ahead[1].canary_rows[SHEET][5][MOBILE] != number


@pytest.mark.usefixtures("draw_together")
def test_many_late_collisions_with_a_pool_in_use(settled: list[set[int]]) -> None:
    """Accounts of one narrow range (1700000-1702999) in source order: a canary keeps its donor's first
    three digits and draws four, so the early draws often hit an account the stream has not reached."""
    rows = [(f"170{index:04d}", *row[1:]) for index, row in enumerate(_rows())]
    spec = _spec(CanaryPools(phones=MONITORED), account=Action.KEEP)
    ahead = _export(spec, rows, ahead=True)
    _same(ahead, _export(spec, rows, ahead=False))
    assert len(settled[0]) >= 3 and settled[1] == set()


@pytest.mark.usefixtures("draw_together")
def test_first_tries_asked_at_once_are_the_draws_made_one_at_a_time(
        monkeypatch: pytest.MonkeyPatch, settled: list[set[int]]) -> None:
    """Accounts of one narrow range kept in clear, no pool: many first tries take an account the source
    holds before the canary's place. A group's first tries are asked in one lookup (_draw_group); the
    canaries, and those the end finds stale, must be those of draws made and asked one at a time."""
    rows = [(f"170{index:04d}", *row[1:]) for index, row in enumerate(_rows())]
    spec = _spec(account=Action.KEEP)
    hits: list[bool] = []
    answered = embed.Asked.answered
    monkeypatch.setattr(embed.Asked, "answered",
                        lambda asked, hashes, *, hit: hits.append(hit) or answered(asked, hashes, hit=hit))
    at_once = _export(spec, rows, ahead=True)
    assert hits.count(True) >= 3 and hits.count(False) >= 40
    monkeypatch.setattr(ExportMarker, "_draw_group", lambda marker, sheet, columns, pending: [
        marker._draw(sheet, columns, number, rows, following) for number, rows, following in pending])
    _same(at_once, _export(spec, rows, ahead=True))
    assert settled[0] == settled[1]


@pytest.mark.usefixtures("draw_together")
def test_a_kept_identifier_a_later_canary_takes_as_its_monitored_number_is_recorded_again(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Accounts of 7 digits (a number a pool may name) are kept in clear, and the pool hands out, 31st,
    the account canary 2 was drawn with: canary 2 was recorded (its account as a token) before that
    number was taken, and a cell carrying a monitored number records no features, so its record must
    be made again."""
    rows = [(f"{100 + index % 900}{index // 900:04d}", *row[1:]) for index, row in enumerate(_rows())]
    account = _export(_spec(CanaryPools(phones=MONITORED), account=Action.KEEP), rows,
                      ahead=True)[1].canary_rows[SHEET][2][ACCOUNT]
    assert isinstance(account, str) and len(account) == 7
    spec = _spec(CanaryPools(phones=(*MONITORED[:30], account, *MONITORED[31:])), account=Action.KEEP)
    held: list[bool] = []
    holds = ExportMarker.record_holds
    monkeypatch.setattr(ExportMarker, "record_holds",
                        lambda marker, record: held.append(holds(marker, record)) or held[-1])
    ahead = _export(spec, rows, ahead=True)
    _same(ahead, _export(spec, rows, ahead=False))
    assert ahead[1].canary_rows[SHEET][2][ACCOUNT] == account  # the same draw, recorded again
    assert held.count(False) >= 1 and True in held


@given(st.lists(st.lists(st.integers(-50, 50), max_size=40), max_size=12), st.lists(st.integers(-60, 60), max_size=8),
       st.integers(0, 11), st.booleans())
def test_sorted_runs_hold_what_was_added(chunks: list[list[int]], asked: list[int], fold_every: int,
                                         whole: bool) -> None:
    runs = SortedRuns(np.int64)
    added: set[int] = set()
    for index, chunk in enumerate(chunks):
        runs.add(np.array(chunk, dtype=np.int64))
        added |= set(chunk)
        if fold_every and index % fold_every == 0:
            runs.fold(whole=whole and index % 2 == 1)
        assert runs.found(np.array(asked, dtype=np.int64)).tolist() == [value in added for value in asked]
    everything = np.array([v for chunk in chunks for v in chunk], dtype=np.int64)
    result = runs.result()
    assert result.dtype == np.int64 and result.tolist() == sorted_unique(everything).tolist() == sorted(added)


def test_sorted_runs_answer_many_keys_at_once_in_their_order() -> None:
    """Many keys are asked in sorted order (and answered in theirs): the end's one lookup of every "no"."""
    rng = np.random.default_rng(5)
    runs = SortedRuns(np.int64)
    added = rng.integers(-1000, 1000, size=(9, 300))
    for chunk in added:
        runs.add(chunk.copy())
        runs.fold()
    asked = rng.integers(-1500, 1500, size=5000)
    assert runs.found(asked).tolist() == np.isin(asked, added).tolist()
