"""The export's transform step: operators and watermark over batches of source rows, here or in a
second process.

:class:`BatchTransform` turns one batch of source rows into output rows: every kept column through
its operator (masked cells in the pattern the export's mark key picks), a row reserved (``None``)
wherever a canary goes, and the keyed fingerprints trace needs recorded. The canary rows themselves
are drawn, transformed and recorded between batches, as soon as the stream has passed their places
(:meth:`BatchTransform.draw_passed`; the worker does it after sending the batch's answer, while the
exporting process reads and writes), against the identifiers seen so far; after the last row the
summary checks each draw against every identifier of the source (a canary must not reuse any, and
the source is read once) and draws again, transforms and records again only the few that changed
(:mod:`masking.watermark.canary_draws`). The summary carries the canary rows, and the writer fills
the reserved rows with them before the output is committed. It is built from a :class:`TransformSpec`, which
holds only plain data, so the same step can run in a worker process: :class:`ParallelTransform`
sends each batch there and yields the output rows back in order, a few batches ahead, so that the
transforms run on a second core while this process reads the input and writes the output. Both give
byte-identical rows and the same :class:`TransformSummary` (the tests hold them equal).

Both take a batch as its columns, transposed once in the exporting process (:func:`source_columns`):
the operators, checks and marks work on columns, and columns pickle in about two thirds of the CPU
the same batch takes as rows (per 200,000 rows: dumps 0.19 -> 0.12 s, loads 0.18 -> 0.10 s). The
worker's protocol, one pickle per message: the spec; per batch ``(sheet, columns, row count)`` in and
``("columns", (output columns, canary places))`` out, an output column that holds the very cells
received going back as its source column's index (:func:`_shipped`: this process reuses the column it
sent); ``(sheet, None, 0)`` at a sheet's end, answered ``("end", rows to reserve after its last)``;
``None`` for the summary, answered ``("summary", ...)``; a failure is answered ``("error", exception)``.

The worker is a fresh interpreter (never a ``fork``: the desktop app has threads). It receives the
export's master key over its standard input, a pipe only this process holds; it writes nothing
anywhere but its answers, and it is ended as soon as the export ends, is cancelled or fails.
"""

from __future__ import annotations

import contextlib
import gc
import operator
import os
import pickle
import queue
import subprocess
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import chain, islice, repeat
from typing import IO, Any, Protocol, overload

from masking import transform_worker
from masking.errors import OutputError, UsageError
from masking.io.model import Value
from masking.keys import MasterKey
from masking.kinds import Action, Kind
from masking.leak_check import ColumnCheck, LeakCheck, checked, rechecked
from masking.operators import get_operator, params_from_dict
from masking.operators.base import Counts, KeyMaterial, Operator, OperatorContext, is_blank
from masking.operators.encrypt import EncryptOperator
from masking.plan import ColumnPlan, Plan
from masking.policy import FoundPii
from masking.risk.assess import CodeCollector, SheetCodes, collectors
from masking.sealed import cell_key
from masking.watermark.embed import CanaryRecord, ExportMarker, MarkSettings
from masking.watermark.pool import PoolUse
from masking.watermark.store import TraceData

Batch = list[tuple[Value, ...]]
Columns = list[Sequence[Value]]  # a batch as its columns, each as long as the batch
OutRows = Iterator[tuple[Value, ...] | None]  # None: a row reserved for a canary
Advance = Callable[[int], None]  # told how many source rows are through
# Exports of fewer rows than this run in this process: a worker's start (~0.5 s) would cost more.
PARALLEL_FROM_ROWS = 50_000
# The worker's garbage is collected every this many batches, not by the interpreter's automatic
# collector: that one runs every 700 new containers and walks the batches' columns again each time (0.3-0.8 s
# of the worker's CPU per 200,000 rows on a busy machine, 1.9 s per 1,000,000), while the transform step makes
# no reference cycles batch by batch (its ~300 cyclic objects are made once, in its first batches). A full
# collection now and then still frees whatever a cycle would hold.
_COLLECT_EVERY = 32
_AHEAD = 6  # batches in flight to the worker (with 3 this process waited ~0.25 s more per 200,000 rows)


def build_operators(plan: Plan) -> dict[tuple[str, int], Operator]:
    """Build and validate every column's operator before any cell is touched."""
    operators: dict[tuple[str, int], Operator] = {}
    problems = []
    for column in plan.columns():
        try:
            params = params_from_dict(column.action, dict(column.params)) if column.params else None
            operators[(column.sheet, column.index)] = get_operator(column.action, column.kind, params)  # validated
        except UsageError as error:
            problems.append(f"column {column.label}: {error}")
    if problems:
        raise UsageError("; ".join(problems))
    return operators


def kept_columns(plan: Plan, sheet: str) -> list[ColumnPlan]:
    """The columns of ``sheet`` that reach the output, in output order."""
    return [c for s in plan.included if s.name == sheet for c in s.columns if c.action is not Action.DROP]


@dataclass(frozen=True)
class TransformSpec:
    """Everything the transform step needs, as plain (picklable) data."""

    plan: Plan
    master: MasterKey = field(repr=False)
    scope: str
    export_id: str
    settings: MarkSettings
    # per sheet, the identifier columns (of the scan and of the plan) whose values canaries must not reuse
    id_columns: tuple[tuple[str, tuple[int, ...]], ...] = ()
    seal: bool = False  # keep each encrypted cell's original by its token, to seal to the security office
    # what to do with personal data found in a kept column, and each kind's default action to protect it
    found_pii: FoundPii = "stop"
    defaults: tuple[tuple[Kind, Action], ...] = ()
    measure_risk: bool = False  # collect the re-identification risk's codes from the source rows (masking.risk)


@dataclass(frozen=True)
class TransformSummary:
    """What the transform step reports once every batch is through."""

    counts: dict[tuple[str, int], Counts]
    trace: TraceData
    layers: tuple[str, ...]
    canaries: int
    marked_cells: int
    markable_cells: int
    # With ``TransformSpec.seal``: per encrypted column, its originals by token (masking/sealed.py).
    originals: dict[tuple[str, int], dict[str, Value]] = field(default_factory=dict, repr=False)
    checks: dict[tuple[str, int], ColumnCheck] = field(default_factory=dict)  # kept columns, every cell read
    pool: PoolUse | None = None  # what the canaries took from the workstation's monitored numbers
    # per sheet, the output rows of its canaries, in order: what fills the rows reserved for them
    canary_rows: dict[str, list[tuple[Value, ...]]] = field(default_factory=dict, repr=False)
    # with ``TransformSpec.measure_risk``: per included sheet, the risk's codes of the source rows seen
    risk_codes: dict[str, SheetCodes] = field(default_factory=dict, repr=False)


_Originals = list[tuple[tuple[str, int], Sequence[Value], Sequence[Value]]]  # (column, sources, tokens)


@dataclass
class _Totals:
    """What transforming some rows adds to the export's totals: per column its counts and, when
    originals are sealed, each encrypted column's sources and tokens; and the cells marked."""

    counts: list[tuple[tuple[str, int], Counts]] = field(default_factory=list)
    originals: _Originals = field(default_factory=list)
    marked: int = 0
    markable: int = 0
    taken_back: list[tuple[tuple[str, int], Counts]] = field(default_factory=list)  # counted, then drawn again

    def replaced(self, positions: Sequence[int], old: _Totals, new: _Totals) -> _Totals:
        """These totals of a group with the rows at ``positions`` (whose own totals were ``old``) now
        ``new``'s: counts and marked cells are sums (each step counts a cell by itself), and each
        column's originals are the group's own with those rows' put in their places."""
        originals: _Originals = []
        for (key, sources, tokens), (_, new_sources, new_tokens) in zip(self.originals, new.originals, strict=True):
            kept_sources, kept_tokens = list(sources), list(tokens)
            for place, position in enumerate(positions):
                kept_sources[position], kept_tokens[position] = new_sources[place], new_tokens[place]
            originals.append((key, kept_sources, kept_tokens))
        return _Totals(self.counts + new.counts, originals, self.marked - old.marked + new.marked,
                       self.markable - old.markable + new.markable, self.taken_back + old.counts)

    @staticmethod
    def joined(parts: Sequence[_Totals]) -> _Totals:
        """The totals of groups one after another (each column's originals in the groups' order)."""
        originals: _Originals = [(columns[0][0], [v for _, sources, _ in columns for v in sources],
                                 [v for _, _, tokens in columns for v in tokens])
                                for columns in zip(*(part.originals for part in parts), strict=True)]
        return _Totals([c for part in parts for c in part.counts], originals, sum(part.marked for part in parts),
                       sum(part.markable for part in parts), [c for part in parts for c in part.taken_back])


@dataclass(frozen=True)
class _CanaryGroup:
    """Canaries drawn together between batches (:data:`~masking.watermark.embed.DRAW_TOGETHER`, or
    those left at a sheet's end), transformed and recorded at once: their totals are held here until
    the canaries are known to be final (summary())."""

    sheet: str
    numbers: list[int]
    sources: list[tuple[Value, ...]]  # the canaries in source form
    rows: list[tuple[Value, ...]]  # output rows
    totals: _Totals
    record: CanaryRecord

    @staticmethod
    def joined(groups: Sequence[_CanaryGroup]) -> _CanaryGroup:
        """Groups of one sheet, one after another, as one."""
        if len(groups) == 1:
            return groups[0]
        return _CanaryGroup(groups[0].sheet, [n for group in groups for n in group.numbers],
                            [row for group in groups for row in group.sources],
                            [row for group in groups for row in group.rows],
                            _Totals.joined([group.totals for group in groups]),
                            CanaryRecord.joined([group.record for group in groups]))


class BatchTransform:
    """The transform step of one export, in this process (one instance per export; not thread-safe)."""

    def __init__(self, spec: TransformSpec, *, operators: dict[tuple[str, int], Operator] | None = None) -> None:
        """``operators`` are the export's own when it has built them (in this process); a worker builds its own."""
        self._plan = spec.plan
        self._operators = operators if operators is not None else build_operators(spec.plan)
        self._ctx = OperatorContext(spec.scope, KeyMaterial.from_master(spec.master), sealed=spec.seal)
        self._marker = ExportMarker(spec.export_id, spec.master, spec.plan, self._operators, spec.settings,
                                    dict(spec.id_columns))
        self._kept: dict[str, list[ColumnPlan]] = {}
        self._counts: dict[tuple[str, int], Counts] = {}
        self._originals: dict[tuple[str, int], dict[str, Value]] | None = (
            {key: {} for key, op in self._operators.items() if isinstance(op, EncryptOperator)} if spec.seal else None
        )
        self._check = LeakCheck(spec.found_pii, dict(spec.defaults))
        self._risk: dict[str, CodeCollector] = collectors(spec.plan) if spec.measure_risk else {}
        self._canaries: list[_CanaryGroup] = []  # drawn between batches, in order

    def kept_columns(self, sheet: str) -> list[ColumnPlan]:
        """The columns of ``sheet`` that reach the output, in output order."""
        kept = self._kept.get(sheet)
        if kept is None:
            kept = self._kept[sheet] = kept_columns(self._plan, sheet)
        return kept

    def batch_columns(self, sheet: str, source: Columns, count: int) -> tuple[Columns, list[int]]:
        """One batch of ``count`` source rows of ``sheet`` as its columns (all of the table's width, as
        :func:`source_columns` makes them): the kept columns' output values and the places of the rows
        reserved for canaries (what :func:`output_rows` turns into the batch's output rows)."""
        marker = self._marker
        risk = self._risk.get(sheet)
        if risk is not None and risk.needs_rows:
            risk.add_columns(source, count)  # the rows as the source holds them (before any reading is moved)
        kept = self.kept_columns(sheet)
        by_column = marker.moved_readings(kept, source)
        places = marker.canary_places(sheet, ColumnRows(by_column, 0, count))
        marker.source_rows(sheet, by_column)
        totals = _Totals()
        out_columns = self._transformed(kept, by_column, count, totals)
        self._add_counts(totals)
        self._add_originals(totals.originals)
        marker.record(kept, out_columns)
        return out_columns, places

    def sheet_end(self, sheet: str) -> int:
        """How many rows to reserve for canaries after the sheet's last row."""
        return self._marker.sheet_end(sheet)

    def _transformed(
        self, kept: list[ColumnPlan], by_column: Sequence[Sequence[Value]], count: int, totals: _Totals, *,
        canaries: bool = False,
    ) -> Columns:
        """Every kept column of ``count`` rows through the check, its operator and the marks, what they
        add to the export's counts and originals put in ``totals``; with ``canaries``, the rows are
        canaries (checked only to protect, never counted as the source's)."""
        skip = range(count) if canaries else ()
        out_columns: Columns = []
        for column in kept:
            key = (column.sheet, column.index)
            values: Sequence[Value] = by_column[column.index] if column.index < len(by_column) else (None,) * count
            if checked(column):
                values = self._check.check(column, values, self._ctx, skip=skip)
            result = self._marker.apply(column, self._operators[key], values, self._ctx)
            totals.counts.append((key, result.counts))
            if self._originals is not None and key in self._originals:
                totals.originals.append((key, values, result.values))
            out: Sequence[Value] = result.values
            if rechecked(column):
                out = self._check.check(column, out, self._ctx, skip=skip, transformed=True)
            out_columns.append(out)
        return out_columns

    def _add_counts(self, totals: _Totals) -> None:
        for key, counts in totals.counts:
            self._counts[key] = self._counts.get(key, Counts()) + counts
        for key, counts in totals.taken_back:
            self._counts[key] = self._counts[key] - counts

    def _add_originals(self, originals: _Originals) -> None:
        if self._originals is not None:
            for key, sources, tokens in originals:
                _keep_originals(self._originals[key], sources, tokens)

    def draw_passed(self, *, ended: bool = False) -> None:
        """Draw, transform and record the canaries whose places the stream has passed, once enough of
        them wait or the sheet has ``ended`` (:meth:`ExportMarker.after_batch`). Between batches: the
        worker calls this after sending a batch's answer, so the exporting process does not wait."""
        for sheet, numbers, rows in self._marker.after_batch(self.kept_columns, ended=ended):
            self._canaries.append(self._canary_group(sheet, numbers, rows))

    def _canary_group(self, sheet: str, numbers: list[int], sources: list[tuple[Value, ...]]) -> _CanaryGroup:
        """Canaries of ``sheet`` (``sources``: in source form) through the same steps as any row, and recorded."""
        kept = self.kept_columns(sheet)
        out_columns, totals = self._canary_transformed(kept, sources)
        rows: list[tuple[Value, ...]] = list(zip(*out_columns, strict=True)) if out_columns else [() for _ in sources]
        return _CanaryGroup(sheet, numbers, sources, rows, totals,
                            self._marker.canary_record(kept, out_columns, numbers))

    def _canary_transformed(self, kept: list[ColumnPlan], sources: list[tuple[Value, ...]]
                            ) -> tuple[list[Sequence[Value]], _Totals]:
        """:meth:`_transformed` of canary rows, with every total held apart: the cells the marker marked
        too (taken back from it, counted once the canaries are final)."""
        marker = self._marker
        marked, markable = marker.marked_cells, marker.markable_cells
        totals = _Totals()
        out_columns = self._transformed(kept, source_columns(sources), len(sources), totals, canaries=True)
        totals.marked, totals.markable = marker.marked_cells - marked, marker.markable_cells - markable
        marker.marked_cells, marker.markable_cells = marked, markable
        return out_columns, totals

    def _final_canaries(self) -> list[_CanaryGroup]:
        """Each sheet's canaries (in order of sheet) as a draw after the last row gives them: the
        groups drawn between batches joined, with the canaries drawn again put in (:meth:`_redrawn`);
        a group whose record no longer holds (a cell in clear became a monitored number) is first
        recorded again (and transformed: one call does both)."""
        self.draw_passed(ended=True)  # the canaries not drawn yet (none, when every sheet's end drew them)
        marker = self._marker
        again = marker.settle_canaries()
        by_sheet: dict[str, list[_CanaryGroup]] = {}
        for group in self._canaries:
            final = group if marker.record_holds(group.record) \
                else self._canary_group(group.sheet, group.numbers, group.sources)
            by_sheet.setdefault(group.sheet, []).append(final)
        sheets = [_CanaryGroup.joined(groups) for groups in by_sheet.values()]
        return [self._redrawn(sheet, again) if not again.keys().isdisjoint(sheet.numbers) else sheet
                for sheet in sheets]

    def _redrawn(self, group: _CanaryGroup, again: dict[int, tuple[Value, ...]]) -> _CanaryGroup:
        """``group`` with its canaries drawn again (``again``, by number) put in: only those are
        transformed and recorded again, and their first draws' share of the group's totals is taken
        back by transforming those rows once more (each step works a cell at a time, so a row's share
        is the same in any batch)."""
        positions = [position for position, number in enumerate(group.numbers) if number in again]
        numbers = [group.numbers[position] for position in positions]
        _, old = self._canary_transformed(self.kept_columns(group.sheet), [group.sources[p] for p in positions])
        new = self._canary_group(group.sheet, numbers, [again[number] for number in numbers])
        sources, rows = list(group.sources), list(group.rows)
        for place, position in enumerate(positions):
            sources[position], rows[position] = new.sources[place], new.rows[place]
        totals, record = group.totals.replaced(positions, old, new.totals), group.record.replaced(new.record, numbers)
        return _CanaryGroup(group.sheet, group.numbers, sources, rows, totals, record)

    def _keep_canaries(self, sheets: list[_CanaryGroup]) -> None:
        """The final canaries' totals and records (one group per sheet), kept in the order one transform
        of each sheet's canaries after the last row keeps them."""
        marker = self._marker
        marker.keep_canary_records([sheet.record for sheet in sheets])
        for sheet in sheets:
            self._add_counts(sheet.totals)
            self._add_originals(sheet.totals.originals)  # column by column, each over all of the sheet's canaries
            marker.marked_cells += sheet.totals.marked
            marker.markable_cells += sheet.totals.markable

    def rows(self, sheet: str, batches: Iterator[Batch], advance: Advance) -> Iterator[tuple[Value, ...] | None]:
        for source in batches:
            count = len(source)
            yield from output_rows(*self.batch_columns(sheet, source_columns(source), count), count)
            advance(count)
            self.draw_passed()
        yield from repeat(None, self.sheet_end(sheet))
        self.draw_passed(ended=True)

    def summary(self) -> TransformSummary:
        sheets = self._final_canaries()
        self._keep_canaries(sheets)
        canary_rows = {sheet.sheet: sheet.rows for sheet in sheets}
        marker = self._marker
        trace = marker.finish()
        return TransformSummary(dict(self._counts), trace, marker.layers(trace), marker.canaries,
                                marker.marked_cells, marker.markable_cells, self._originals or {},
                                dict(self._check.columns), marker.pool_use(), canary_rows,
                                {name: collector.finish() for name, collector in self._risk.items()})


def source_columns(batch: Sequence[tuple[Value, ...]]) -> Columns:
    """A batch of source rows as its columns, the form the transform step takes; ``ValueError`` for rows
    of different widths. One ``itemgetter`` pass per column, in C: half the CPU of ``zip(*batch)``, whose
    one argument per row (4,096 iterators) is slow to walk (per 200,000 rows, 10 columns: 0.12 -> 0.05 s)."""
    if not batch:
        return []
    width = len(batch[0])
    if any(map(width.__ne__, map(len, batch))):
        raise ValueError("the rows of a batch are not all of one width")
    return [tuple(map(operator.itemgetter(index), batch)) for index in range(width)]


class ColumnRows(Sequence[tuple[Value, ...]]):
    """Rows ``start`` to ``stop`` of a batch held as its columns, each row made only when asked for:
    the canaries' reservoir (:meth:`ExportMarker.canary_places`) takes a few rows of a batch, and
    slices of the batch between canary places."""

    __slots__ = ("_columns", "_start", "_stop")

    def __init__(self, columns: Sequence[Sequence[Value]], start: int, stop: int) -> None:
        self._columns, self._start, self._stop = columns, start, stop

    def __len__(self) -> int:
        return self._stop - self._start

    @overload
    def __getitem__(self, index: int) -> tuple[Value, ...]: ...

    @overload
    def __getitem__(self, index: slice) -> ColumnRows: ...

    def __getitem__(self, index: int | slice) -> tuple[Value, ...] | ColumnRows:
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if step != 1:
                raise ValueError("a slice of rows has step 1")
            return ColumnRows(self._columns, self._start + start, self._start + max(start, stop))
        row = index + len(self) if index < 0 else index
        if not 0 <= row < len(self):
            raise IndexError("row index out of range")
        return tuple(column[self._start + row] for column in self._columns)


def output_rows(out_columns: Sequence[Sequence[Value]], places: Sequence[int], count: int) -> OutRows:
    """The output rows of ``count`` source rows from their kept columns' values, with a row reserved
    (``None``) at each of ``places`` (ascending places in the output, as :meth:`ExportMarker.canary_places`
    gives them). Made as they are written, never held as a list of the batch's rows."""
    rows: Iterator[tuple[Value, ...]] = (zip(*out_columns, strict=True) if out_columns
                                         else repeat((), count))
    if not places:
        return rows
    pieces: list[Iterator[tuple[Value, ...] | None]] = []
    done = 0  # output rows before the next piece
    for place in places:
        pieces.extend((islice(rows, place - done), repeat(None, 1)))
        done = place + 1
    pieces.append(rows)
    return chain.from_iterable(pieces)


def _keep_originals(originals: dict[str, Value], sources: Sequence[Value], outputs: Sequence[Value]) -> None:
    """Each encrypted cell's original under its token (blank cells pass through and need nothing)."""
    for source, token in zip(sources, outputs, strict=True):
        if not is_blank(source):
            originals[cell_key(token)] = source


class Transform(Protocol):
    def rows(self, sheet: str, batches: Iterator[Batch], advance: Advance) -> Iterator[tuple[Value, ...] | None]:
        """The sheet's output rows (``None``: reserved for a canary), the sheet ending with ``batches``."""
        ...

    def summary(self) -> TransformSummary: ...


def _write_frame(stream: IO[bytes], item: object) -> None:
    """One object onto the pipe: pickle delimits itself and writes in 64 KiB frames, so a large
    object (the summary's trace data) is never held twice as one bytes object. The worker writes so;
    the exporting process pickles its side whole instead (:meth:`ParallelTransform._post`)."""
    pickle.dump(item, stream, protocol=pickle.HIGHEST_PROTOCOL)
    stream.flush()


def _read_frame(stream: IO[bytes]) -> Any:
    """The next object on ``stream``, or :data:`_EOF` when the other side is gone."""
    try:
        return pickle.load(stream)  # noqa: S301 - only our own process writes this private pipe
    except (EOFError, pickle.UnpicklingError, OSError):
        return _EOF


_EOF = object()


def serve(inbox: IO[bytes], outbox: IO[bytes]) -> None:
    """The worker's loop (``python -m masking.transform_worker``): the spec, then batches in as columns
    and output columns out, ``None`` for the summary. Every failure goes back as an exception object."""
    try:
        spec = _read_frame(inbox)
        if spec is _EOF:
            return
        transform = BatchTransform(spec)
        gc.freeze()  # the modules and the export's set-up are never garbage: no collection walks them again
        gc.disable()  # collected at the worker's own pace instead (_COLLECT_EVERY)
        served = 0
        while (task := _read_frame(inbox)) is not None:
            if task is _EOF:
                return
            served += 1
            if served % _COLLECT_EVERY == 0:
                gc.collect()
            sheet, source, count = task
            if source is None:
                _write_frame(outbox, ("end", transform.sheet_end(sheet)))
            else:
                columns, places = transform.batch_columns(sheet, source, count)
                shipped = _shipped(columns, transform.kept_columns(sheet), source, count)
                _write_frame(outbox, ("columns", (shipped, places)))
            transform.draw_passed(ended=source is None)  # once the answer is sent: the exporting process goes on
        _write_frame(outbox, ("summary", transform.summary()))
    except Exception as error:
        try:
            pickle.dumps(error)
        except Exception:
            error = RuntimeError(f"{type(error).__name__}: {error}")
        _write_frame(outbox, ("error", error))


def _shipped(columns: Columns, kept: list[ColumnPlan], received: Columns, count: int) -> list[Sequence[Value] | int]:
    """The output columns to send back, each as its values or, when it holds the very objects of a
    source column as received (a kept column that no operator, check or mark changed), as that
    column's index: the sending side has that column already, so it need not cross the pipe twice."""
    shipped: list[Sequence[Value] | int] = []
    for column, values in zip(kept, columns, strict=True):
        index = column.index
        unchanged = index < len(received) and len(values) == count and (
            values is received[index] or all(map(operator.is_, values, received[index])))
        shipped.append(index if unchanged else values)
    return shipped


def _unshipped(shipped: list[Sequence[Value] | int], sent: Columns) -> Columns:
    """The output columns :func:`_shipped` sent, one sent as an index being the very column ``sent`` holds there."""
    return [sent[item] if isinstance(item, int) else item for item in shipped]


class ParallelTransform:
    """:class:`BatchTransform` in a worker process, a few batches ahead of the writer.

    The worker is a fresh interpreter (``python -m masking.transform_worker``) talking over its
    standard input and output, so nothing of the calling program is imported again there (unlike
    ``multiprocessing``'s spawn, which re-runs a script without a ``__main__`` guard). A sender
    thread feeds it and a receiver thread takes its answers as they come, so neither side can block
    the other on a full pipe: the worker runs ahead as far as the batches in flight let it, and a
    burst of its work (a group of canaries drawn between batches) is absorbed there instead of
    stopping this process (an answer is larger than a pipe's buffer, so without the receiver the
    worker waited on each one until this process asked for it). Its standard error is
    discarded: a traceback could quote a cell. Each batch goes there as its columns and comes back as
    its output columns, a column that left its source cells untouched as the source column's index
    (:func:`_shipped`): this process keeps the columns it sent until answered and reuses such a column
    as it is, instead of unpickling its cells again.
    """

    def __init__(self) -> None:
        """Take the worker started early for this export (:func:`~masking.transform_worker.start_early`)
        or start one; it waits for :meth:`begin` (so it starts up while the export prepares)."""
        self._process = transform_worker.take()
        self._outbox: queue.SimpleQueue[bytes] = queue.SimpleQueue()  # pickled items (:meth:`_post`); b"" ends
        self._inbox: queue.SimpleQueue[Any] = queue.SimpleQueue()  # the worker's answers, in order
        self._sender = threading.Thread(target=self._send, name="exportguard-transform-feed", daemon=True)
        self._receiver = threading.Thread(target=self._receive, name="exportguard-transform-answers", daemon=True)
        self._sender.start()
        self._receiver.start()

    def begin(self, spec: TransformSpec) -> ParallelTransform:
        self._post(spec)
        return self

    def _post(self, item: object) -> None:
        """``item`` pickled here, in one call, for the sender thread to write: that thread then needs
        the interpreter lock once per item, not once per 64 KiB of it (each time waiting up to the
        interpreter's switch interval, 5 ms, while this thread reads: batches reached the worker late,
        and this process waited 0.45-0.9 s for it at the end of 200,000 rows)."""
        self._outbox.put(pickle.dumps(item, protocol=pickle.HIGHEST_PROTOCOL))

    def _send(self) -> None:
        stream = self._process.stdin
        assert stream is not None  # noqa: S101 - opened with PIPE above
        try:
            while frame := self._outbox.get():
                stream.write(frame)
                stream.flush()
        except OSError:
            return  # the worker is gone; the reading side reports it
        finally:
            with contextlib.suppress(OSError):
                stream.close()

    def _receive(self) -> None:
        """Every answer of the worker into the inbox as it comes, then :data:`_EOF` once it is gone
        (at most the batches in flight are ever waiting there)."""
        stream = self._process.stdout
        assert stream is not None  # noqa: S101 - opened with PIPE above
        while (frame := _read_frame(stream)) is not _EOF:
            self._inbox.put(frame)
            if frame[0] in ("summary", "error"):
                break  # nothing comes after these
        self._inbox.put(_EOF)

    def rows(self, sheet: str, batches: Iterator[Batch], advance: Advance) -> Iterator[tuple[Value, ...] | None]:
        # one iterator per batch, chained in C: a row does not pass through a Python generator here
        # (that cost ~0.15 s per 200,000 rows in this, the busier process)
        return chain.from_iterable(self._answers(sheet, batches, advance))

    def _answers(self, sheet: str, batches: Iterator[Batch], advance: Advance) -> Iterator[OutRows]:
        """Each batch's output rows, as the worker answers; ``advance`` told once the writer took them."""
        # the columns sent, kept until answered: the worker sends back only what changed
        in_flight: deque[tuple[Columns, int]] = deque()
        for source in batches:
            sent = (source_columns(source), len(source))
            self._post((sheet, *sent))
            in_flight.append(sent)
            if len(in_flight) >= _AHEAD:
                columns, count = in_flight.popleft()
                yield self._answer(columns, count)
                advance(count)
        self._post((sheet, None, 0))  # the sheet's end: the rows reserved after its last row
        while in_flight:
            columns, count = in_flight.popleft()
            yield self._answer(columns, count)
            advance(count)
        yield repeat(None, self._take("end"))

    def _answer(self, sent: Columns, count: int) -> OutRows:
        """The output rows of the batch sent as ``sent``, from the worker's next answer."""
        shipped, places = self._take("columns")
        return output_rows(_unshipped(shipped, sent), places, count)

    def summary(self) -> TransformSummary:
        self._post(None)
        summary: TransformSummary = self._take("summary")
        return summary

    def _take(self, expected: str) -> Any:
        frame = self._inbox.get()
        if frame is _EOF:
            self._inbox.put(_EOF)  # for any later take
            raise OutputError("the export's transform process stopped unexpectedly")
        kind, payload = frame
        if kind == "error":
            raise payload
        if kind != expected:  # pragma: no cover - the protocol is fixed above
            raise OutputError(f"the transform process answered {kind!r} where {expected!r} was due")
        return payload

    def close(self) -> None:
        self._outbox.put(b"")
        if self._process.poll() is None:
            self._process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._process.wait(timeout=10)
        self._receiver.join(timeout=10)  # the worker gone, its output ends: the receiver stops
        if self._process.stdout is not None:
            self._process.stdout.close()
        self._sender.join(timeout=10)


def use_worker(rows: int, parallel: bool | None) -> bool:
    """Whether an export of ``rows`` rows runs its transform step in a worker process: as asked, or
    by default for :data:`PARALLEL_FROM_ROWS` rows or more on a machine with two cores or more."""
    if parallel is None:
        return rows >= PARALLEL_FROM_ROWS and (os.cpu_count() or 1) > 1
    return parallel
