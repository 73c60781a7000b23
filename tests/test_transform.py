"""The export's transform step: in a worker process it gives exactly what it gives in this one."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import numpy as np
import pytest

from masking.errors import OutputError
from masking.io.reader import open_workbook
from masking.keys import MasterKey
from masking.pipeline import ExportRequest, id_columns, prepare_export, token_scope
from masking.recipient import Recipient
from masking.risk.assess import collectors
from masking.transform import BatchTransform, ParallelTransform, TransformSpec
from masking.watermark.embed import MarkSettings

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
    from masking.transform import worker_command
    from masking.transform_worker import FROZEN_FLAG

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
    """A kept column whose cells are the very objects received goes back as its index and is taken
    from the batch here; any other column, equal values in new objects too (a moved reading), as values."""
    import datetime as dt

    from masking.io.model import Damaged
    from masking.kinds import Action
    from masking.plan import ColumnPlan
    from masking.transform import _shipped, _unshipped, output_rows

    source = [("张三", 1, 2.5, dt.date(2026, 1, 2), Damaged("110105194912310000"), None),
              ("李四", 2, -0.0, dt.datetime(2026, 1, 2, 3, 4), "", 70000)]
    received = list(zip(*source, strict=True))
    kept = [ColumnPlan("s", i, f"c{i}", None, None, 1.0, Action.KEEP, "policy") for i in range(6)]
    same_text = ("".join(["张", "三"]), "".join(["李", "四"]))  # equal to column 0, other objects
    columns = [received[0], ("a", "b"), received[2], received[3], received[4], (None, int("70000"))]
    shipped = _shipped([*columns[:1], same_text, *columns[2:]], kept, source)
    assert shipped[:5] == [0, same_text, 2, 3, 4] and shipped[5] == (None, 70000)
    back = _unshipped(shipped, source)
    assert all(a is b for column, sent in zip(back, [columns[0], same_text, *columns[2:]], strict=True)
               for a, b in zip(column, sent, strict=True))
    assert output_rows(back, [0, 3], 2) == [None, tuple(c[0] for c in back), tuple(c[1] for c in back), None]
