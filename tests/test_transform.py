"""The export's transform step: in a worker process it gives exactly what it gives in this one."""

from __future__ import annotations

import datetime as dt
import itertools
import os
import pickle
import time
from pathlib import Path
from typing import IO

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from masking import transform_worker
from masking.errors import OutputError
from masking.io.reader import open_workbook
from masking.keys import MasterKey
from masking.pipeline import ExportRequest, id_columns, prepare_export, token_scope
from masking.recipient import Recipient
from masking.risk.assess import collectors
from masking.transform import (
    _AHEAD,
    BatchTransform,
    ColumnRows,
    ParallelTransform,
    TransformSpec,
    build_operators,
    source_columns,
)
from masking.watermark.embed import ExportMarker, MarkSettings

SAMPLES = Path(__file__).resolve().parent.parent / "resources" / "samples"


@pytest.fixture(scope="module")
def spec_and_batches(tmp_path_factory: pytest.TempPathFactory) -> tuple[TransformSpec, list[tuple[str, list]]]:
    home = tmp_path_factory.mktemp("home")
    source = SAMPLES / "multi_sheet.xlsx"
    prepared = prepare_export(ExportRequest(input=source, recipient="城东代收银行", purpose="催缴"), home)
    plan = prepared.plan
    with open_workbook(source) as workbook:
        batches = []
        for sheet in plan.included:
            rows = (values for _, values in workbook.data_rows(sheet.name))
            while batch := list(itertools.islice(rows, 37)):  # small batches: many round trips
                batches.append((sheet.name, batch))
    master = MasterKey("KTEST", "2026-11-29", os.urandom(32))
    spec = TransformSpec(plan, master, token_scope(prepared.policy, Recipient.of("城东代收银行")), "EX-20261129-TEST",
                         MarkSettings(canary_rate=0.05), id_columns(prepared), measure_risk=True)
    return spec, batches


def _run(transform: BatchTransform | ParallelTransform, batches: list[tuple[str, list]]) -> tuple[list, list]:
    """Each sheet's batches through ``transform.rows`` (one call per sheet, as the export makes)."""
    done: list[int] = []
    rows = []
    for sheet, group in itertools.groupby(batches, key=lambda item: item[0]):
        rows += list(transform.rows(sheet, (batch for _, batch in group), done.append))
    return rows, done


def test_the_worker_gives_the_same_rows_and_summary(spec_and_batches: tuple[TransformSpec, list]) -> None:
    spec, batches = spec_and_batches
    here = BatchTransform(spec)
    rows_here, done_here = _run(here, batches)
    summary_here = here.summary()
    there = ParallelTransform().begin(spec)
    try:
        rows_there, done_there = _run(there, batches)
        summary_there = there.summary()
    finally:
        there.close()
    assert rows_there == rows_here and done_there == done_here
    assert summary_here.canaries > 0 and summary_here.marked_cells > 0  # the comparison covers both layers
    assert rows_here.count(None) == summary_here.canaries == sum(map(len, summary_here.canary_rows.values()))
    assert summary_there.canary_rows == summary_here.canary_rows
    assert (summary_there.counts, summary_there.layers, summary_there.canaries, summary_there.marked_cells,
            summary_there.markable_cells) == (summary_here.counts, summary_here.layers, summary_here.canaries,
                                              summary_here.marked_cells, summary_here.markable_cells)
    for name in ("tokens", "masked", "canary_fps", "canary_ids", "canary_strong"):
        assert np.array_equal(getattr(summary_there.trace, name), getattr(summary_here.trace, name)), name
    # the risk's codes, collected from the source rows as they pass: the classes of a pass of their own
    # (a code is a hash of the shown text, salted per process: the classes are what must be equal)
    alone = collectors(spec.plan)
    for sheet, batch in batches:
        alone[sheet].add(batch)
    expected = {name: collector.finish() for name, collector in alone.items()}
    assert any(codes.codes for codes in expected.values())
    for summary in (summary_here, summary_there):
        assert summary.risk_codes.keys() == expected.keys()
        for name, codes in expected.items():
            got = summary.risk_codes[name]
            assert got.rows == codes.rows and got.codes.keys() == codes.codes.keys()
            assert all(np.array_equal(_classes(a), _classes(b))
                       for i in codes.codes for a, b in zip(got.codes[i], codes.codes[i], strict=True))


class _CountingPipe:
    """Stands in for the worker's standard input and notes each write the sender thread makes."""

    def __init__(self, pipe: IO[bytes]) -> None:
        self._pipe = pipe
        self.writes: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.writes.append(bytes(data))
        return self._pipe.write(data)

    def flush(self) -> None:
        self._pipe.flush()

    def close(self) -> None:
        self._pipe.close()


def test_each_message_reaches_the_worker_in_one_write(spec_and_batches: tuple[TransformSpec, list],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The exporting thread pickles a message whole and the sender thread writes it at once: pickled
    into the pipe by the sender, a batch took one write per 64 KiB, each waiting for the interpreter
    lock while the exporting thread read (the worker got its batches late and the export waited)."""
    spec, batches = spec_and_batches
    process = transform_worker.start()
    assert process.stdin is not None
    pipe = _CountingPipe(process.stdin)
    process.stdin = pipe  # type: ignore[assignment]
    monkeypatch.setattr(transform_worker, "take", lambda: process)
    # batches of ~1,500 rows, their texts distinct objects (pickle would send a repeated one as a reference)
    big = [(sheet, [tuple("".join(v) if isinstance(v, str) else v for v in row) for row in batch * 40])
           for sheet, batch in batches[:3]]
    there = ParallelTransform().begin(spec)
    try:
        _run(there, big)
        there.summary()
    finally:
        there.close()
    sheets = len({sheet for sheet, _ in big})
    assert len(pipe.writes) == 1 + len(big) + sheets + 1  # the spec, each batch, each sheet's end, the summary
    assert max(map(len, pipe.writes)) > 64 << 10
    messages = [pickle.loads(data) for data in pipe.writes]  # noqa: S301 - our own test's bytes
    assert messages[-1] is None  # the summary's request
    assert [message[2] for message in messages[1:-1] if message[1] is not None] == [len(batch) for _, batch in big]


def _classes(codes: np.ndarray) -> np.ndarray:
    """Each row's class, numbered in order of first appearance (whatever the codes' values)."""
    _, first, inverse = np.unique(codes, return_index=True, return_inverse=True)
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first)] = np.arange(len(first))
    return rank[inverse]


def test_a_failure_in_the_worker_is_raised_here(spec_and_batches: tuple[TransformSpec, list]) -> None:
    spec, batches = spec_and_batches
    sheet, batch = batches[0]
    ragged = [batch[0], batch[1][:-1]]  # rows of different widths cannot be transposed
    with pytest.raises(ValueError):
        list(BatchTransform(spec).rows(sheet, iter([ragged]), lambda _: None))
    worker = ParallelTransform().begin(spec)
    try:
        with pytest.raises(ValueError):
            list(worker.rows(sheet, iter([ragged]), lambda _: None))
    finally:
        worker.close()


def test_a_worker_that_dies_is_reported_and_close_ends_it(spec_and_batches: tuple[TransformSpec, list]) -> None:
    spec, batches = spec_and_batches
    worker = ParallelTransform().begin(spec)
    try:
        worker._process.kill()
        with pytest.raises(OutputError, match="stopped unexpectedly"):
            list(worker.rows(batches[0][0], iter([batches[0][1]]), lambda _: None))
    finally:
        worker.close()
    alive = ParallelTransform()
    alive.close()  # mid-export (a cancel): the process is ended, not left behind
    assert alive._process.poll() is not None


def test_the_worker_answers_ahead_of_the_writer(spec_and_batches: tuple[TransformSpec, list]) -> None:
    """Each answer is larger than a pipe's buffer: the worker must not wait on it until the writer asks,
    or a burst of its work (canaries drawn between batches) stops the exporting process."""
    spec, batches = spec_and_batches
    sheet, batch = batches[0]
    big = (batch * (4096 // len(batch) + 1))[:4096]  # answers of several hundred KB each
    worker = ParallelTransform().begin(spec)
    try:
        rows = worker.rows(sheet, iter([big] * _AHEAD), lambda _: None)
        assert next(rows) is not None  # every batch sent, the first answer taken (no canary goes first here)
        deadline = time.monotonic() + 30
        while worker._inbox.qsize() < _AHEAD - 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert worker._inbox.qsize() == _AHEAD - 1  # the rest answered without being asked for
        rest = list(rows)
        assert sum(row is not None for row in rest) == _AHEAD * 4096 - 1  # and every row still comes, in order
    finally:
        worker.close()


def test_an_export_through_the_worker_matches_one_without(tmp_path: Path) -> None:
    from masking.pipeline import run_export
    from masking.workspace import Workspace

    workspace = Workspace(tmp_path / "home")
    ring, _ = workspace.keystore.open_or_create()
    results = {}
    for parallel in (False, True):
        request = ExportRequest(input=SAMPLES / "customers_zh.xlsx", recipient="城东代收银行", purpose="催缴",
                                output=tmp_path / f"out_{parallel}.xlsx")
        prepared = prepare_export(request, workspace.home)
        results[parallel] = run_export(prepared, ring, workspace.ledger(ring), parallel=parallel)
    serial, parallel_result = results[False], results[True]
    assert parallel_result.rows == serial.rows > 0
    assert parallel_result.layers == serial.layers and "canaries" in serial.layers
    assert parallel_result.deidentification == serial.deidentification  # the risk, measured in the pass
    # the counts include canary rows, which differ per export; every cell is counted once either way
    assert [sum(vars(c.counts).values()) for c in parallel_result.columns] == \
        [sum(vars(c.counts).values()) for c in serial.columns]
    with open_workbook(serial.output) as one, open_workbook(parallel_result.output) as other:
        sheet = serial.columns[0].sheet
        assert sum(1 for _ in one.rows(sheet)) == sum(1 for _ in other.rows(sheet))


def test_worker_command_in_a_frozen_app_names_the_console_program(monkeypatch: pytest.MonkeyPatch,
                                                                  tmp_path: Path) -> None:
    from masking.transform_worker import FROZEN_FLAG
    from masking.transform_worker import command as worker_command

    assert worker_command()[1:] == ["-m", "masking.transform_worker"]  # an installed package: this interpreter
    monkeypatch.setattr("sys.frozen", True, raising=False)
    monkeypatch.setattr("sys.executable", str(tmp_path / "ExportGuard" / "exportguard-gui"))
    monkeypatch.setattr("sys.platform", "linux")
    assert worker_command() == [str(tmp_path / "ExportGuard" / "exportguard"), FROZEN_FLAG]
    monkeypatch.setattr("sys.platform", "win32")
    monkeypatch.setattr("sys.executable", str(tmp_path / "ExportGuard" / "exportguard-gui.exe"))
    assert worker_command() == [str(tmp_path / "ExportGuard" / "exportguard.exe"), FROZEN_FLAG]


@pytest.mark.skipif(os.name == "nt", reason="the stand-in for the frozen program is a shell script")
def test_a_frozen_app_runs_its_worker_through_its_console_program(
        spec_and_batches: tuple[TransformSpec, list], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The frozen app's own ``exportguard`` (here a script calling ``masking.cli.main``, as the bundle's entry
    point does) serves as the worker when given the flag, with the same results as in this process."""
    import sys

    bundle = tmp_path / "捆绑 bundle"
    bundle.mkdir()
    console = bundle / "exportguard"
    console.write_text(f'#!/bin/sh\nexec "{sys.executable}" -c "from masking.cli import main; main()" "$@"\n',
                       encoding="utf-8")
    console.chmod(0o755)
    monkeypatch.setattr("sys.frozen", True, raising=False)
    monkeypatch.setattr("sys.executable", str(bundle / "exportguard-gui"))
    spec, batches = spec_and_batches
    here = BatchTransform(spec)
    rows_here, _ = _run(here, batches)
    there = ParallelTransform().begin(spec)
    try:
        rows_there, _ = _run(there, batches)
        assert there.summary().canaries == here.summary().canaries
    finally:
        there.close()
    assert rows_there == rows_here


def test_the_worker_sends_back_only_the_columns_it_changed() -> None:
    """A kept column whose cells are the very objects received goes back as its index and is the very
    column sent here; any other column, equal values in new objects too (a moved reading), as values."""
    import datetime as dt

    from masking.io.model import Damaged
    from masking.kinds import Action
    from masking.plan import ColumnPlan
    from masking.transform import _shipped, _unshipped, output_rows, source_columns

    source = [("张三", 1, 2.5, dt.date(2026, 1, 2), Damaged("110105194912310000"), None),
              ("李四", 2, -0.0, dt.datetime(2026, 1, 2, 3, 4), "", 70000)]
    sent = source_columns(source)
    received = pickle.loads(pickle.dumps(sent))  # noqa: S301 - our own bytes
    kept = [ColumnPlan("s", i, f"c{i}", None, None, 1.0, Action.KEEP, "policy") for i in range(6)]
    same_text = ("".join(["张", "三"]), "".join(["李", "四"]))  # equal to column 0, other objects
    columns = [received[0], ("a", "b"), list(received[2]), received[3], received[4], (None, int("70000"))]
    shipped = _shipped([*columns[:1], same_text, *columns[2:]], kept, received, 2)
    assert shipped[:5] == [0, same_text, 2, 3, 4] and shipped[5] == (None, 70000)
    back = _unshipped(shipped, sent)
    assert back[0] is sent[0] and back[1] is same_text and back[2] is sent[2] and back[5] is shipped[5]
    assert list(output_rows(back, [0, 3], 2)) == [None, tuple(c[0] for c in back), tuple(c[1] for c in back), None]


# --- the batch as columns: each equal to the rows' form it replaced -----------------------------------

_CELLS = st.one_of(st.none(), st.sampled_from(["", "张三", "1.5"]), st.integers(-3, 3), st.floats(-2, 2),
                   st.dates(dt.date(2020, 1, 1), dt.date(2020, 12, 31)))
_BATCHES = st.integers(0, 4).flatmap(
    lambda width: st.lists(st.lists(_CELLS, min_size=width, max_size=width).map(tuple), max_size=10))
PROPERTY = settings(max_examples=60, deadline=None)


@PROPERTY
@given(_BATCHES)
def test_source_columns_are_the_transposed_rows(batch: list[tuple]) -> None:
    from masking.transform import source_columns

    columns = source_columns(batch)
    assert columns == list(zip(*batch, strict=True))
    assert all(a is b for column, cells in zip(columns, zip(*batch, strict=True), strict=True)
               for a, b in zip(column, cells, strict=True))


@PROPERTY
@given(_BATCHES.filter(lambda batch: len(batch) > 1), st.data())
def test_rows_of_different_widths_are_refused_as_zip_refuses_them(batch: list[tuple], data: st.DataObject) -> None:
    from masking.transform import source_columns

    index = data.draw(st.integers(0, len(batch) - 1))
    ragged = [*batch]
    longer = data.draw(st.booleans()) or not ragged[index]
    ragged[index] = (*ragged[index], None) if longer else ragged[index][:-1]  # one row of another width
    with pytest.raises(ValueError):
        list(zip(*ragged, strict=True))
    with pytest.raises(ValueError):
        source_columns(ragged)


@PROPERTY
@given(_BATCHES, st.data())
def test_column_rows_read_as_the_rows_do(batch: list[tuple], data: st.DataObject) -> None:
    from masking.transform import ColumnRows, source_columns

    count = len(batch)
    rows = ColumnRows(source_columns(batch), 0, count)
    assert len(rows) == count and list(rows) == batch
    bounds = st.one_of(st.none(), st.integers(-count - 2, count + 2))
    part, expected = rows, batch
    for _ in range(2):  # a slice of a slice too
        start, stop = data.draw(bounds), data.draw(bounds)
        part, expected = part[start:stop], expected[start:stop]
        assert len(part) == len(expected) and list(part) == expected
        for index in range(-len(part) - 1, len(part) + 1):
            if -len(part) <= index < len(part):
                assert part[index] == expected[index]
            else:
                with pytest.raises(IndexError):
                    part[index]


@PROPERTY
@given(_BATCHES, st.data())
def test_output_rows_are_the_zipped_columns_with_the_places_reserved(batch: list[tuple], data: st.DataObject) -> None:
    """As the output rows were made before they were made lazily: the rows as a list, each place inserted."""
    from masking.transform import output_rows, source_columns

    count = len(batch)
    positions = sorted(data.draw(st.lists(st.integers(0, max(count - 1, 0)), max_size=4))) if count else []
    places = [position + n for n, position in enumerate(positions)]  # as ExportMarker.canary_places gives them
    expected: list[tuple | None] = list(batch)
    for place in places:
        expected.insert(place, None)
    assert list(output_rows(source_columns(batch), places, count)) == expected


@PROPERTY
@given(st.data())
def test_canary_places_and_the_reservoir_take_the_same_rows_from_columns(data: st.DataObject) -> None:
    """The marker fed each batch as ColumnRows draws the very canaries it draws fed the rows."""
    import hashlib

    import canary_harness as h

    rows = h.source_rows(300, seed=data.draw(st.integers(0, 50)))
    size = data.draw(st.integers(1, 120))
    drawn = []
    for as_columns in (False, True):
        plan = h.plan_for(len(rows))
        marker = ExportMarker("EX-TEST", h._Master(hashlib.sha256(b"k").digest()), plan, build_operators(plan),
                              MarkSettings(canary_rate=0.05))
        places = []
        for start in range(0, len(rows), size):
            batch = rows[start:start + size]
            columns = source_columns(batch)
            places.append(marker.canary_places(h.SHEET, ColumnRows(columns, 0, len(batch)) if as_columns else batch))
        places.append([marker.sheet_end(h.SHEET)])
        drawn.append((places, marker.draw_canaries(lambda _, p=plan: p.sheets[0].columns)))
    assert drawn[0] == drawn[1] and drawn[0][1]


def _moved_rows(marker: ExportMarker, kept: list, batch: list[tuple], profile: list) -> list[tuple]:
    """The +-1 reading mark over a batch's rows, as ExportMarker.moved_readings made it before the
    transform step held batches as columns (the reference the column form is held to)."""
    from masking.kinds import Action, Kind
    from masking.operators.mask import MaskOperator, MaskParams
    from masking.watermark.reading_marks import ALT, HELD, direction, features, moved, reading_value, row_identity

    readings = [c.index for c in kept if c.kind is None and c.header in marker._settings.reading_headers]
    named = [c for c in kept if c.action is Action.MASK and c.kind in (Kind.ID_NUMBER, Kind.PERSON_NAME)]
    if not readings or not named:
        return batch
    out, found = [], []
    for row in batch:
        masked = (MaskOperator.mask_one(c.kind, row[c.index], MaskParams()) if c.index < len(row) else None
                  for c in named if c.kind is not None)
        identity = row_identity(m for m in masked if isinstance(m, str))
        if identity is None:
            out.append(row)
            continue
        step = direction(marker._reading_key, identity)
        cells = list(row)
        for index in readings:
            number = reading_value(cells[index]) if index < len(cells) else None
            if number is not None:
                cells[index] = moved(cells[index], number, step)
                held, other = features(identity, number, step)
                found.extend(((held, HELD, 0), (other, ALT, 0)))
        out.append(tuple(cells))
    profile.append((0, found))
    return out


_READINGS = st.one_of(st.none(), st.floats(-5, 5000, allow_nan=False), st.integers(-5, 5000), st.booleans(),
                      st.sampled_from(["12.50", " 7 ", "0.5", "abc", "", "1e3"]))


@PROPERTY
@given(st.integers(0, 50), st.lists(st.tuples(_READINGS, st.booleans()), min_size=1, max_size=40))
def test_moved_readings_over_columns_move_what_the_rows_form_moved(seed: int, cells: list) -> None:
    """Same values (same types), same untouched objects, same trace features, a column only where moved."""
    import dataclasses
    import hashlib

    import canary_harness as h

    from masking.kinds import Action, Kind

    rows = [(*row[:5], None if blank else row[5], *row[6:9], reading, *row[10:])
            for row, (reading, blank) in zip(h.source_rows(len(cells), seed), cells, strict=False)]
    plan = h.plan_for(len(rows))
    columns = tuple(dataclasses.replace(c, action=Action.MASK) if c.kind in (Kind.ID_NUMBER, Kind.PERSON_NAME) else c
                    for c in plan.sheets[0].columns)
    plan = dataclasses.replace(plan, sheets=(dataclasses.replace(plan.sheets[0], columns=columns),))
    settings = MarkSettings(canary_rate=0.0, reading_headers=("本月电量(kWh)",))
    markers, profiles = [], []
    for _ in range(2):
        master = h._Master(hashlib.sha256(b"k").digest())
        marker = ExportMarker("EX-TEST", master, plan, build_operators(plan), settings)
        profile: list = []
        marker._add_profile = (  # type: ignore[method-assign]
            lambda number, found, into=profile: into.append((number, list(found))))
        markers.append(marker)
        profiles.append(profile)
    expected = _moved_rows(markers[0], list(columns), rows, profiles[0])
    source = source_columns(rows)
    got = markers[1].moved_readings(columns, source)
    assert [list(c) for c in got] == [list(c) for c in source_columns(expected)]
    assert [list(map(type, c)) for c in got] == [list(map(type, c)) for c in source_columns(expected)]
    assert [p for p in profiles[1] if p[1]] == [p for p in profiles[0] if p[1]]  # (an empty one adds nothing)
    for index, column in enumerate(got):
        if column is not source[index]:
            assert index == 9  # only the reading column is a new one
        # a cell is the very source object in both forms, or a new one in both
        assert all((a is b) == (c is b) for a, b, c in zip(column, source[index], (r[index] for r in expected),
                                                            strict=True))


def test_the_worker_collects_its_garbage_at_its_own_pace(spec_and_batches: tuple[TransformSpec, list],
                                                         tmp_path: Path) -> None:
    """serve() runs with the automatic collector off and what it loaded frozen (a full collection every
    _COLLECT_EVERY batches instead), and answers as before; in a child process, as the worker runs it."""
    import io
    import subprocess
    import sys

    from masking.transform import _COLLECT_EVERY

    spec, batches = spec_and_batches
    first = [item for item in batches if item[0] == batches[0][0]]
    batches = first * (_COLLECT_EVERY // len(first) + 1)  # one sheet's rows again and again: a collection runs
    inbox = io.BytesIO()
    pickle.dump(spec, inbox)
    for sheet, batch in batches:
        pickle.dump((sheet, source_columns(batch), len(batch)), inbox)
    pickle.dump(None, inbox)
    (tmp_path / "inbox").write_bytes(inbox.getvalue())
    probe = ("import gc, io, pickle, sys\n"
             "from masking.transform import serve\n"
             f"inbox = open({str(tmp_path / 'inbox')!r}, 'rb')\n"
             "outbox = io.BytesIO()\n"
             "serve(inbox, outbox)\n"
             "outbox.seek(0)\n"
             "kinds = []\n"
             "while outbox.tell() < len(outbox.getvalue()):\n"
             "    kinds.append(pickle.load(outbox)[0])\n"
             "print(gc.isenabled(), gc.get_freeze_count() > 0, kinds.count('columns'), kinds[-1])\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120)
    assert done.stdout.split() == ["False", "True", str(len(batches)), "summary"]
