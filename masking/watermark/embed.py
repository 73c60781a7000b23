"""The per-export marker the pipeline runs beside the operators: marks, canaries, trace data.

For every batch of source rows the transform step asks :meth:`ExportMarker.canary_places` where
this export's canary rows go among them (the output reserves a row at each place), transforms each
column through :meth:`ExportMarker.apply` (which renders masked cells in the pattern the export's
mark key picks), and hands the output to :meth:`ExportMarker.record`, which keeps the keyed
fingerprints trace needs. The same pass collects the source's identifiers
(:meth:`ExportMarker.source_rows`). Between batches (:meth:`ExportMarker.after_batch`, in the worker
after it has sent the batch's answer) the batch's identifiers and fingerprints are folded into sorted
runs, and each canary whose place the stream has passed is drawn from the rows that came before its
place (a snapshot of the reservoir taken there), against the identifiers seen so far, every question
it asked kept with its answer. Once every row has been read, :meth:`ExportMarker.settle_canaries`
asks the "no"s again against every identifier of the source and draws again the canaries whose
answers no longer hold (:mod:`masking.watermark.canary_draws`): so a canary reuses no real
customer's identifier, the input is read once, and the canaries are those a draw after the last row
would give. :meth:`finish` returns the :class:`~masking.watermark.store.TraceData` to store.
Nothing here writes a cell value anywhere.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from functools import partial
from operator import itemgetter
from typing import Protocol, TypeVar, cast

import numpy as np

from masking.cell_text import identifier_text, round_trip_text
from masking.crypto import hmac_sha256
from masking.io.model import Damaged, Value
from masking.kinds import Action, Kind
from masking.mask_forms import PHONE_LENGTHS, variant_keep
from masking.operators.base import BatchResult, Operator, OperatorContext
from masking.operators.canonical import canonical_digits
from masking.operators.mask import MaskOperator, MaskParams
from masking.plan import ColumnPlan, Plan
from masking.watermark.canary import (
    UNIQUE_KINDS,
    CanaryPools,
    Reservoir,
    canary_count,
    canary_positions,
    canary_rng,
    make_canary,
)
from masking.watermark.canary_draws import Asked, CanaryDraw, stale
from masking.watermark.marks import (
    MarkObservation,
    digit_form,
    digit_forms,
    expected_variant,
    export_mark_key,
    identity_hash,
    identity_key,
    read_mark,
)
from masking.watermark.membership import (
    U64,
    fingerprinter,
    fingerprints,
    mark_feature,
    token_feature,
    token_fingerprints,
    value_feature,
)
from masking.watermark.pool import PhonePool, PoolUse
from masking.watermark.profile import (
    CTX,
    MIN_SUFFIX_LENGTH,
    POOL,
    READING,
    SUFFIX,
    ProfileArrays,
    ProfileEntries,
    canary_readings,
    canary_suffixes,
    cell_context,
)
from masking.watermark.reading_marks import ALT, HELD, direction, moved, reading_value, row_identity
from masking.watermark.reading_marks import features as features_of_reading
from masking.watermark.sorted_runs import SortedRuns
from masking.watermark.source_ids import SourceIdCollector, SourceIds, identifier_hashes
from masking.watermark.store import TraceData

# digit identifiers whose canary values end in keyed digits (masking.watermark.profile)
FRESH_ID_KINDS = frozenset({Kind.PHONE, Kind.ID_NUMBER, Kind.METER_ID, Kind.ACCOUNT_NO, Kind.BANK_CARD})
MARKABLE_KINDS = frozenset({Kind.PHONE, Kind.ID_NUMBER, Kind.METER_ID, Kind.ACCOUNT_NO, Kind.PERSON_NAME})
TOKEN_ACTIONS = frozenset({Action.PSEUDONYMIZE, Action.ENCRYPT, Action.HASH, Action.KEEP})
SCOPED_ACTIONS = frozenset({Action.PSEUDONYMIZE, Action.ENCRYPT})
_TEXT_TYPES = frozenset({str, Damaged, type(None)})  # cells whose round-trip text is the text, trimmed
_CANARY_TRIES = 64
# canaries drawn between batches once this many wait (or their sheet has ended): drawn, transformed and
# recorded together, so that the calls per group (the operators', the fingerprints') are few, and so
# are the folds of the sorted runs before each group (per 200,000 rows, 256: 6.6M values merged, 1024: 3.0M)
DRAW_TOGETHER = 1024
DRAW_LAST = 64  # canaries left for a sheet's end rather than drawn in a group of their own (ExportMarker._draw_now)


# a canary's try: (its primary donor, its values, the token texts of its unique identifiers)
_Try = tuple[Sequence[Value], list[Value], list[str]]
# a plain digit value's form: (its keep_first and keep_last, its mark, whether that shows the pattern)
_Form = tuple[tuple[int, int], MarkObservation | None, bool]


class _MasterLike(Protocol):
    @property
    def key_id(self) -> str: ...

    def subkey(self, purpose: str, length: int = 32) -> bytes: ...


@dataclass(frozen=True)
class MarkSettings:
    """The policy's watermark settings."""

    canary_rate: float = 0.015
    pools: CanaryPools = field(default_factory=CanaryPools)
    reading_headers: tuple[str, ...] = ()  # low-impact readings moved by a keyed +-1 (masking.watermark.reading_marks)


def _identifier(column: ColumnPlan) -> bool:
    return column.kind is not None and column.kind not in (Kind.FREE_TEXT, Kind.SECRET)


def _markable(column: ColumnPlan, operator: Operator) -> bool:
    if column.action is not Action.MASK or column.kind not in MARKABLE_KINDS or not isinstance(operator, MaskOperator):
        return False
    params = operator.params
    return isinstance(params, MaskParams) and params.keep_first is None and params.keep_last is None


def clear_columns(plan: Plan) -> list[str]:
    """Labels of the columns that let identifiers leave in clear."""
    return [c.label for c in plan.columns() if c.action is Action.KEEP
            and (_identifier(c) or (c.kind is Kind.FREE_TEXT and c.inner_kinds))]


def placeable_layers(plan: Plan, operators: dict[tuple[str, int], Operator], settings: MarkSettings) -> frozenset[str]:
    """The watermark layers this plan can carry (before any row is read)."""
    layers: set[str] = set()
    for column in plan.columns():
        operator = operators[(column.sheet, column.index)]
        if _markable(column, operator):
            layers |= {"marks", "membership"}
        if _identifier(column) and column.action in TOKEN_ACTIONS:
            layers.add("membership")
            if column.action in SCOPED_ACTIONS:
                layers.add("tokens")
        if column.kind is not None and column.action not in (Action.DROP, Action.REDACT) and plan.rows > 0 \
                and settings.canary_rate > 0:
            layers.add("canaries")
    return frozenset(layers)


def sheet_canaries(plan: Plan, settings: MarkSettings) -> dict[str, int]:
    """How many canary rows each included sheet gets (known before any row is read)."""
    largest = max(plan.included, key=lambda s: s.data_rows, default=None)
    counts = {}
    for sheet in plan.included:
        count = canary_count(sheet.data_rows, settings.canary_rate, largest=sheet is largest)
        if count and any(c.kind is not None and c.action not in (Action.DROP, Action.REDACT) for c in sheet.columns):
            counts[sheet.name] = count
    return counts


class ExportMarker:
    """Marks, canaries and trace data of one export (one instance per export; not thread-safe)."""

    def __init__(  # noqa: PLR0917 - the export's identity, keys, plan and policy settings
        self, export_id: str, master: _MasterLike, plan: Plan, operators: dict[tuple[str, int], Operator],
        settings: MarkSettings, id_columns: Mapping[str, Sequence[int]] | None = None,
    ) -> None:
        """``id_columns``: per sheet, the columns whose values a canary must not reuse (the identifier
        columns of the scan and of the plan), collected from the rows as they pass."""
        watermark_key = master.subkey("watermark")
        self._mark_key = export_mark_key(watermark_key, export_id)
        self._id_key = identity_key(watermark_key)
        self._fp_key = fingerprinter(watermark_key)
        self._canary_key = master.subkey("canary") + export_id.encode()
        self._reading_key = hmac_sha256(watermark_key, f"exportguard/reading-marks/v1/{export_id}".encode())
        self._operators = operators
        self._settings = settings
        self._id_columns = {sheet: tuple(columns) for sheet, columns in (id_columns or {}).items() if columns}
        self._ids = SourceIdCollector()
        self._variant_cache: dict[tuple[str, str], int] = {}  # (scheme, identity) -> the pattern shown
        # (kind, scheme, identity, default form) -> a plain digit value's form, its mark, and whether that
        # shows the pattern (ExportMarker._choose_form)
        self._forms: dict[tuple[Kind, str, str, tuple[int, int]], _Form] = {}
        # the marks the latest chunk of each markable column carries (by apply()), for record() to reuse
        self._marks: dict[tuple[str, int], tuple[list[Value], list[MarkObservation | None]]] = {}
        self._positions: dict[str, list[int]] = {}
        canaries = sheet_canaries(plan, settings)
        self._largest = max(plan.included, key=lambda s: s.data_rows).name if plan.included else ""
        for sheet in plan.included:
            count = canaries.get(sheet.name, 0)
            if count:
                self._positions[sheet.name] = canary_positions(self._canary_key + sheet.name.encode(),
                                                               sheet.data_rows, count)
        self._seen: dict[str, int] = {}
        self._reservoirs: dict[str, Reservoir] = {}
        pools = settings.pools
        self._phone_pool = PhonePool(pools.phones, pools.phone_offset) if pools.phones else None
        self._pool_values: set[str] = set()  # the monitored numbers this export's canaries carry
        self._profile = ProfileEntries(self._fp_key)
        # per sheet, each canary not drawn yet: its number, the reservoir's rows at its place, and the
        # source row after it
        self._pending: dict[str, list[tuple[int, list[Sequence[Value]], tuple[Value, ...] | None]]] = {}
        self._snapshots: dict[str, tuple[int, list[Sequence[Value]]]] = {}  # the latest, by reservoir version
        self._draws: list[CanaryDraw] = []  # every canary drawn, in order of drawing
        self._drawn: dict[int, CanaryDraw] = {}  # the same by number
        self._canary_columns: dict[str, _CanaryColumns] = {}
        self._tokens = SortedRuns(np.uint64)
        self._masked = SortedRuns(np.uint64)
        self._canary_parts: list[tuple[U64, np.ndarray, np.ndarray]] = []  # (fingerprints, canaries, strong)
        self.canaries = 0
        self.marked_cells = 0
        self.markable_cells = 0
        self.scoped_columns = sum(1 for c in plan.columns() if _identifier(c) and c.action in SCOPED_ACTIONS)

    # --- canaries ------------------------------------------------------------------------------

    def source_rows(self, sheet: str, by_column: Sequence[Sequence[Value]]) -> None:
        """A batch of the sheet's source rows, as columns: their identifiers are collected."""
        for index in self._id_columns.get(sheet, ()):
            if index < len(by_column):
                self._ids.add(by_column[index])

    def canary_places(self, sheet: str, batch: Sequence[tuple[Value, ...]]) -> list[int]:
        """Where this export's canaries go among the output rows of ``batch`` (the batch with a row
        reserved at each place, in order); the batch's rows feed the sheet's reservoir."""
        start = self._seen.get(sheet, 0)
        self._seen[sheet] = start + len(batch)
        if sheet not in self._positions:
            return []
        reservoir = self._reservoir(sheet)
        positions = [p - start for p in self._positions[sheet] if start <= p < start + len(batch)]
        places: list[int] = []
        cursor = 0
        for position in positions:
            reservoir.feed(batch[cursor:position])  # the canary is drawn from rows before it
            cursor = position
            places.append(position + len(places))
            self._hold(sheet, reservoir, batch[position])
        reservoir.feed(batch[cursor:])
        return places

    def sheet_end(self, sheet: str) -> int:
        """How many canaries go after the sheet's last row: those whose keyed place lies past it (the
        row count the plan was made with was an estimate above the real one, see
        :func:`masking.detect.scan_workbook`); none when the sheet had no row to draw from."""
        seen = self._seen.get(sheet, 0)
        positions = self._positions.get(sheet, [])
        late = sum(1 for p in positions if p >= seen)
        reservoir = self._reservoirs.get(sheet)
        if not late or reservoir is None or not reservoir.rows:
            return 0
        # no more than the rows read call for (a sheet that stated a size far above its rows)
        placed = len(positions) - late
        late = min(late, canary_count(seen, self._settings.canary_rate, largest=sheet == self._largest) - placed)
        for _ in range(late):
            self._hold(sheet, reservoir, None)
        return max(late, 0)

    def _reservoir(self, sheet: str) -> Reservoir:
        reservoir = self._reservoirs.get(sheet)
        if reservoir is None:
            reservoir = Reservoir(canary_rng(self._canary_key + f"|reservoir|{sheet}".encode()))
            self._reservoirs[sheet] = reservoir
        return reservoir

    def _hold(self, sheet: str, reservoir: Reservoir, following: tuple[Value, ...] | None) -> None:
        """A canary's place: its number and the rows it may be drawn from (shared while the reservoir
        has not changed), for :meth:`after_batch` (and for a draw again by :meth:`settle_canaries`)."""
        snapshot = self._snapshots.get(sheet)
        if snapshot is None or snapshot[0] != reservoir.version:
            snapshot = self._snapshots[sheet] = (reservoir.version, list(reservoir.rows))
        self._pending.setdefault(sheet, []).append((self.canaries, snapshot[1], following))
        self.canaries += 1

    def after_batch(self, kept: Callable[[str], Sequence[ColumnPlan]], *, ended: bool = False
                    ) -> list[tuple[str, list[int], list[tuple[Value, ...]]]]:
        """Between batches, off the stream's path, once :data:`DRAW_TOGETHER` canaries wait or a sheet
        has ``ended``: the identifiers and fingerprints collected so far folded into their sorted
        runs (the fingerprints into one each at a sheet's end), and every canary whose place the
        stream has passed drawn, against the identifiers seen so far (what it asked kept for
        :meth:`settle_canaries`).
        Returns the canaries drawn, per sheet in order of place: (sheet, numbers, source-form rows)."""
        if not ended and not self._draw_now():
            return []
        self._ids.fold()  # only looked up (the summary's lookups take a few runs as well as one)
        for runs in (self._tokens, self._masked):
            runs.fold(whole=ended)  # a sheet's end: one run each, so the summary merges nothing
        drawn = []
        for sheet, pending in self._pending.items():
            columns = self._canary_columns.get(sheet)
            if columns is None:
                columns = self._canary_columns[sheet] = _CanaryColumns.of(kept(sheet))
            draws = self._draw_group(sheet, columns, pending)
            self._draws.extend(draws)
            self._drawn.update((draw.number, draw) for draw in draws)
            drawn.append((sheet, [draw.number for draw in draws], [draw.row for draw in draws]))
        self._pending.clear()
        return drawn

    def _draw_now(self) -> bool:
        """Whether the canaries waiting are drawn now: once :data:`DRAW_TOGETHER` wait, or, nearer a
        sheet's end, once as many wait as places are still ahead (so groups halve toward the end), the
        last few (:data:`DRAW_LAST`) left for the sheet's end. The group drawn at a sheet's end is all
        the exporting process waits for once it has the last batch: with fixed groups of 1024 it held
        ~500 canaries on average."""
        waiting = sum(map(len, self._pending.values()))
        ahead = sum(len(places) - bisect_left(places, self._seen.get(sheet, 0))
                    for sheet, places in self._positions.items() if sheet in self._pending)
        return waiting >= min(DRAW_TOGETHER, max(ahead, DRAW_LAST))

    def settle_canaries(self) -> dict[int, tuple[Value, ...]]:
        """After the last row (and a last :meth:`after_batch`): each canary drawn so far is kept as drawn
        when every "no" it was answered still holds against the whole source, and drawn again otherwise;
        once a canary drawn again has taken other monitored numbers than its first draw did, every
        canary after it is drawn again too (:mod:`masking.watermark.canary_draws`). Returns the
        source-form rows of the canaries drawn again, by number."""
        draws = self._draws
        again: dict[int, tuple[Value, ...]] = {}
        pool = self._phone_pool
        position = draws[0].pool[0] if draws else 0
        self._pool_values = set()
        in_step = True  # the monitored numbers handed out so far are those the first draws took
        for index, (draw, changed) in enumerate(zip(draws, stale(draws, self._ids), strict=True)):
            if in_step and not changed:
                self._pool_values.update(number for number in draw.taken if number is not None)
                position = draw.pool[1]
                continue
            if pool is not None:
                pool.rewind(position)
            redrawn = self._draw(draw.sheet, self._canary_columns[draw.sheet], draw.number, draw.rows, draw.following)
            in_step = in_step and (redrawn.taken, redrawn.pool) == (draw.taken, draw.pool)
            draws[index] = self._drawn[draw.number] = redrawn
            again[draw.number] = redrawn.row
            position = redrawn.pool[1]
        if pool is not None:
            pool.rewind(position)
        self._snapshots.clear()
        return again

    def draw_canaries(self, kept: Callable[[str], Sequence[ColumnPlan]]
                      ) -> dict[str, tuple[list[int], list[tuple[Value, ...]]]]:
        """Every canary of the export, per sheet in order of place: (numbers, source-form rows), for a
        caller that feeds every row first (:meth:`after_batch`, then :meth:`settle_canaries`)."""
        self.after_batch(kept, ended=True)
        self.settle_canaries()
        drawn: dict[str, tuple[list[int], list[tuple[Value, ...]]]] = {}
        for draw in self._draws:
            numbers, rows = drawn.setdefault(draw.sheet, ([], []))
            numbers.append(draw.number)
            rows.append(draw.row)
        return drawn

    def moved_readings(
        self, kept: Sequence[ColumnPlan], by_column: Sequence[Sequence[Value]]
    ) -> Sequence[Sequence[Value]]:
        """A batch's columns with each real row's marked readings moved by the export's keyed +-1, recorded
        for trace, when the policy asks for them (``by_column`` itself otherwise): what the transform and
        the canaries see. A reading column is replaced by a new list in which only the moved cells are new
        objects; every other column is the very one given."""
        if not self._settings.reading_headers:
            return by_column
        width = len(by_column)
        readings = [c.index for c in kept
                    if c.kind is None and c.header in self._settings.reading_headers and c.index < width]
        named = [c for c in kept if c.action is Action.MASK and c.kind in (Kind.ID_NUMBER, Kind.PERSON_NAME)]
        if not readings or not named:
            return by_column
        out: list[Sequence[Value]] = list(by_column)
        moving: dict[int, list[Value]] = {}
        for index in readings:
            out[index] = moving[index] = list(by_column[index])
        named_columns = [(c.kind, by_column[c.index] if c.index < width else None) for c in named if c.kind is not None]
        features: list[tuple[str, int, int]] = []
        for row in range(len(by_column[0])):
            masked = (MaskOperator.mask_one(kind, column[row], MaskParams()) if column is not None else None
                      for kind, column in named_columns)
            identity = row_identity(m for m in masked if isinstance(m, str))
            if identity is None:
                continue
            step = direction(self._reading_key, identity)
            for index in readings:
                cells = moving[index]
                number = reading_value(cells[row])
                if number is not None:
                    cells[row] = moved(cells[row], number, step)
                    held, other = features_of_reading(identity, number, step)
                    features.extend(((held, HELD, 0), (other, ALT, 0)))
        self._add_profile(0, features)
        return out

    def _draw_group(
        self, sheet: str, columns: _CanaryColumns,
        pending: Sequence[tuple[int, list[Sequence[Value]], tuple[Value, ...] | None]],
    ) -> list[CanaryDraw]:
        """The ``pending`` canaries of ``sheet`` (number, reservoir rows, following row) drawn in order.
        Without monitored numbers a draw asks only whether the source holds its identifiers, and those
        answers do not change within a group: every canary's first try is made first and all of them
        asked in one lookup (a lookup per canary read the sorted runs from memory each time: ~15 us of
        a ~75 us draw), then each canary finished in turn (tried again only if its first try hit one).
        Monitored numbers are handed out in order as the draws ask for them: one draw after another."""
        if self._phone_pool is not None:
            return [self._draw(sheet, columns, number, rows, following) for number, rows, following in pending]
        firsts = [self._try(sheet, columns, number, 0, rows, following, None) for number, rows, following in pending]
        hashes = [identifier_hashes(texts) for _, _, texts in firsts]
        owners = np.repeat(np.arange(len(hashes)), [len(asked) for asked in hashes])
        hits = np.zeros(len(hashes), dtype=np.bool_)
        if len(owners):
            hits[owners[self._ids.found(np.concatenate(hashes))]] = True
        return [self._draw(sheet, columns, number, rows, following, first=(first, asked, hit))
                for (number, rows, following), first, asked, hit
                in zip(pending, firsts, hashes, hits.tolist(), strict=True)]

    def _draw(  # noqa: PLR0917 - a canary's place, and its first try when made beforehand
        self, sheet: str, columns: _CanaryColumns, number: int, rows: Sequence[Sequence[Value]],
        following: tuple[Value, ...] | None, first: tuple[_Try, SourceIds, bool] | None = None,
    ) -> CanaryDraw:
        """A canary drawn from two of ``rows`` (the reservoir at its place; the row it goes before
        when that was empty: a sheet's first row, with nothing before it), against the identifiers
        collected so far. ``first``: its first try, with the hashes it asks about and whether the
        source holds any (:meth:`_draw_group` asks for a group's canaries at once)."""
        asked = Asked(self._ids)
        pool = self._phone_pool
        before = pool.position if pool is not None else 0
        taken: list[str | None] = []  # this canary's monitored numbers: taken once, kept across redraws

        def monitored(n: int) -> str | None:
            while len(taken) <= n:
                taken.append(pool.take(partial(_in_source, asked)) if pool is not None else None)
            return taken[n]

        for attempt in range(_CANARY_TRIES):
            if attempt == 0 and first is not None:
                (template, values, _), hashes, hit = first
                if not asked.answered(hashes, hit=hit):
                    break
                continue
            template, values, texts = self._try(sheet, columns, number, attempt, rows, following, monitored)
            if not asked.any(texts):
                break
        else:  # pragma: no cover - 64 draws all hitting the source is not a real possibility
            raise RuntimeError("could not draw a canary row distinct from the source")
        self._pool_values.update(t for t in taken if t is not None)
        row = list(template)
        for index, value in zip(columns.indices, values, strict=True):
            if index < len(row):
                row[index] = value
        return CanaryDraw(sheet, number, rows, following, tuple(row), tuple(taken),
                          tuple(self._fresh_features(columns, values)), tuple(asked.no),
                          (before, pool.position if pool is not None else 0))

    def _try(  # noqa: PLR0917 - a canary's place and try, and where its monitored numbers come from
        self, sheet: str, columns: _CanaryColumns, number: int, attempt: int, rows: Sequence[Sequence[Value]],
        following: tuple[Value, ...] | None, monitored: Callable[[int], str | None] | None,
    ) -> _Try:
        """Try ``attempt`` of canary ``number``: (its primary donor, its values, the token texts of its
        identifiers that no real customer may share)."""
        rng = canary_rng(self._canary_key + f"|{sheet}|{number}|{attempt}".encode())
        template = rows[rng.randrange(len(rows))] if rows else following
        second = rows[rng.randrange(len(rows))] if rows else following
        assert template is not None and second is not None  # noqa: S101 - sheet_end holds none without rows
        values = make_canary(rng, columns.kinds, columns.cells(template), self._settings.pools, columns.cells(second),
                             phones=monitored)
        features = (_token_of(values[slot]) for slot in columns.unique)
        return template, values, [feature[2:] for feature in features if feature is not None]

    def _fresh_features(self, columns: _CanaryColumns, values: Sequence[Value]) -> list[tuple[str, int, int]]:
        """The canary's keyed digit-identifier ends (:mod:`masking.watermark.profile`), from its clear
        values, and its monitored numbers (where they leave in clear): its profile entries of the draw."""
        features: list[tuple[str, int, int]] = []
        for slot, kind, clear in columns.fresh:
            value = values[slot]
            if value is None:
                continue
            text = identifier_text(value)
            if text is not None and text in self._pool_values:
                if clear and (token := token_feature(text)) is not None:
                    features.append((token, POOL, slot))
                continue
            digits = canonical_digits(kind, value)
            if digits is not None and len(digits) >= MIN_SUFFIX_LENGTH:
                features.extend((f, SUFFIX + min(len(digits), 200), slot) for f in canary_suffixes(digits))
        return features

    def _add_profile(self, number: int, features: Sequence[tuple[str, int, int]]) -> None:
        self._profile.add(number, features)

    def pool_use(self) -> PoolUse | None:
        """What this export took from its workstation's monitored numbers (None without a pool)."""
        return self._phone_pool.use() if self._phone_pool is not None else None

    # --- marks ----------------------------------------------------------------------------------

    def apply(
        self, column: ColumnPlan, operator: Operator, values: Sequence[Value], ctx: OperatorContext
    ) -> BatchResult:
        """Transform one column chunk; masked cells take the pattern this export's key picks.

        The operator asks :meth:`_pick_forms` for the pattern of each plain digit value before it
        renders any (its mark follows from its digits, :func:`~masking.watermark.marks.digit_form`),
        so those are rendered once and never read back; the other masked cells (names, formatted
        numbers) are rendered by default, read back and rendered again where the pattern differs."""
        if not _markable(column, operator):
            return operator.apply_batch(values, ctx)
        params = operator.params
        assert isinstance(operator, MaskOperator) and isinstance(params, MaskParams)  # noqa: S101 - checked by _markable
        assert column.kind is not None  # noqa: S101 - checked by _markable
        marks: list[MarkObservation | None] = [None] * len(values)  # the mark each output carries
        picked: set[int] = set()  # the positions whose marks _pick_forms gave
        # digit_form reads renderings with stars; other mask characters are read back
        pick = partial(self._pick_forms, column.kind, marks, picked) if params.char == "*" else None
        result = operator.apply_batch(values, ctx, pick=pick)
        if len(picked) < len(values):
            unread = [position for position, out in enumerate(result.values)
                      if position not in picked and isinstance(out, str)]
            result = self._read_back(operator, values, result, unread, marks)
        self._marks[(column.sheet, column.index)] = (result.values, marks)
        return result

    def _target(self, scheme: str, identity: str, k: int) -> int:
        """The pattern this export shows for ``identity`` (of ``k``), worked out once per identity."""
        key = (scheme, identity)
        target = self._variant_cache.get(key)
        if target is None:
            target = self._variant_cache[key] = expected_variant(self._mark_key, identity_hash(self._id_key, *key), k)
        return target

    def _pick_forms(  # noqa: PLR0917 - apply() binds the first three (a FormPicker takes the rest)
        self, kind: Kind, marks: list[MarkObservation | None], picked: set[int], positions: Sequence[int],
        canonicals: Sequence[str], keeps: Sequence[tuple[int, int]],
    ) -> list[tuple[int, int]]:
        """The :class:`~masking.operators.mask.FormPicker` of :meth:`apply`: the form that shows the
        export's pattern for each plain value's identity, its mark kept in ``marks`` (and its
        position in ``picked``)."""
        picked.update(positions)
        if canonicals and len(set(keeps)) == 1 and len(lengths := set(map(len, canonicals))) == 1 \
                and lengths.pop() not in PHONE_LENGTHS:
            return self._pick_uniform(kind, marks, positions, canonicals, keeps[0])
        chosen: list[tuple[int, int]] = []
        forms = self._forms
        markable = marked = 0
        for position, canonical, keep in zip(positions, canonicals, keeps, strict=True):
            form = digit_form(canonical, *keep)
            if form is None:
                chosen.append(keep)
                continue
            key = (kind, form[0], form[1], keep)
            choice = forms.get(key)
            if choice is None:
                choice = forms[key] = self._choose_form(kind, canonical, keep, form)
            keep_chosen, marks[position], shows_target = choice
            chosen.append(keep_chosen)
            markable += 1
            marked += shows_target
        self.markable_cells += markable
        self.marked_cells += marked
        return chosen

    def _pick_uniform(
        self, kind: Kind, marks: list[MarkObservation | None], positions: Sequence[int], canonicals: Sequence[str],
        keep: tuple[int, int],
    ) -> list[tuple[int, int]]:
        """:meth:`_pick_forms` of values of one length (not a phone's) and one default ``keep`` (the usual
        chunk): their scheme, variant and k are those of the length, so only each identity's form is
        looked up, once per distinct identity, and handed to the values in C."""
        found = digit_forms(canonicals, *keep)
        if found is None:
            return [keep] * len(canonicals)
        scheme, identities, variant, k = found
        forms = self._forms
        distinct: dict[str, _Form] = {}
        for identity, canonical in zip(identities, canonicals, strict=True):
            if identity not in distinct:
                key = (kind, scheme, identity, keep)
                choice = forms.get(key)
                if choice is None:
                    choice = forms[key] = self._choose_form(kind, canonical, keep, (scheme, identity, variant, k))
                distinct[identity] = choice
        choices = list(map(distinct.__getitem__, identities))
        shown = list(map(itemgetter(1), choices))
        if len(positions) == len(marks):  # every value plain: the positions are all of them, in order
            marks[:] = shown
        else:
            for position, mark in zip(positions, shown, strict=True):
                marks[position] = mark
        self.markable_cells += len(choices)
        self.marked_cells += sum(map(itemgetter(2), choices))
        return list(map(itemgetter(0), choices))

    def _choose_form(
        self, kind: Kind, canonical: str, keep: tuple[int, int], form: tuple[str, str, int, int]
    ) -> _Form:
        """(the form to render, the mark it carries, whether that shows the export's pattern) of a value
        whose default ``keep`` carries ``form``. The same for every value of the kind with that identity
        and default (the pattern is the identity's; a phone's default tells its head, and so its
        forms), so :meth:`_pick_forms` keeps it per (kind, scheme, identity, default)."""
        scheme, identity, _, k = form
        target = self._target(scheme, identity, k)
        chosen = variant_keep(kind, canonical, target) or keep  # the operator's rendering of variant ``target``
        shown = form if chosen == keep else digit_form(canonical, *chosen)
        mark = MarkObservation(*shown) if shown is not None else None
        return chosen, mark, mark is not None and mark.variant == target

    def _read_back(
        self, operator: MaskOperator, values: Sequence[Value], result: BatchResult, unread: Sequence[int],
        marks: list[MarkObservation | None],
    ) -> BatchResult:
        """The cells at ``unread`` marked the slow way: each output's mark read back, and the cells whose
        pattern is not the export's rendered again in it (their marks, read again, kept in ``marks``)."""
        rerender: list[int] = []
        wanted: list[int] = []
        targets: dict[int, int] = {}
        for position in unread:
            out = result.values[position]
            observation = marks[position] = read_mark(out) if isinstance(out, str) else None
            if observation is None:
                continue
            target = targets[position] = self._target(observation.scheme, observation.identity, observation.k)
            # the rendering that shows ``target``: names toggle the style, digits index the table
            variant = target ^ observation.variant if observation.scheme == "name" else target
            if variant:
                rerender.append(position)
                wanted.append(variant)
            elif observation.variant == target:
                self.marked_cells += 1
        self.markable_cells += len(targets)
        if not rerender:
            return result
        # only the cells whose pattern changes are rendered again; the others (and the counts, which do
        # not depend on the pattern) stay those of the default rendering
        out_values = list(result.values)
        again = operator.remask([values[p] for p in rerender], wanted)
        for position, masked in zip(rerender, again, strict=True):
            out_values[position] = masked
            observation = marks[position] = read_mark(masked) if isinstance(masked, str) else None
            if observation is not None and observation.variant == targets[position]:
                self.marked_cells += 1
        return BatchResult(out_values, result.counts)

    # --- trace data -----------------------------------------------------------------------------

    def record(self, kept: Sequence[ColumnPlan], out_columns: Sequence[Sequence[Value]]) -> None:
        """Keep the fingerprints of one transformed batch of source rows (columns in output order).
        Only the set of them matters (:meth:`finish` keeps each once), so each column's are made in
        the order that is quickest, and a mask feature is fingerprinted once per batch."""
        tokens: list[U64] = []
        mask_features: set[str] = set()
        for column, values in zip(kept, out_columns, strict=True):
            if _identifier(column) and column.action in TOKEN_ACTIONS:
                tokens.append(token_fingerprints(self._fp_key, _token_texts(values)))
            elif column.action is Action.MASK and column.kind in MARKABLE_KINDS:
                read = self._marks.get((column.sheet, column.index))
                if read is not None and read[0] is values:  # read back by apply(): reuse
                    mask_features.update(f"m|{o.scheme}|{o.identity}" for o in read[1] if o is not None)
                else:
                    mask_features.update(f for f in map(_mark_of, values) if f)
        found = np.concatenate(tokens) if tokens else np.zeros(0, np.uint64)
        self._tokens.add(found)
        if mask_features:
            self._masked.add(fingerprints(self._fp_key, list(mask_features)))
        self._marks.clear()

    def record_canaries(
        self, kept: Sequence[ColumnPlan], out_columns: Sequence[Sequence[Value]], numbers: Sequence[int]
    ) -> None:
        """Keep the fingerprints of transformed canary rows (``numbers[i]`` is row i's canary number)."""
        self.keep_canary_records([self.canary_record(kept, out_columns, numbers)])

    def canary_record(
        self, kept: Sequence[ColumnPlan], out_columns: Sequence[Sequence[Value]], numbers: Sequence[int]
    ) -> CanaryRecord:
        """What transformed canary rows (``numbers[i]`` is row i's canary number) leave in the trace data,
        fingerprinted now; kept by :meth:`keep_canary_records` once the canaries are final."""
        self._marks.clear()
        cells = [self._canary_column(slot, column, values)
                 for slot, (column, values) in enumerate(zip(kept, out_columns, strict=True))]
        fresh = ProfileEntries(self._fp_key)
        context = ProfileEntries(self._fp_key)
        features: list[str] = []
        owners: list[int] = []
        strengths: list[bool] = []
        for place, number in enumerate(numbers):
            draw = self._drawn.get(number)
            if draw is not None:
                fresh.add(number, draw.fresh)
            entries: list[tuple[str, int, int]] = []
            for column_cells in cells:
                cell_marks, cell_entries = column_cells[place]
                for feature, strong in cell_marks:
                    features.append(feature)
                    owners.append(number)
                    strengths.append(strong)
                entries.extend(cell_entries)
            context.add(number, entries)
        return CanaryRecord(
            fresh.arrays(), fingerprints(self._fp_key, features) if features else np.zeros(0, np.uint64),
            np.array(owners, dtype=np.uint32), np.array(strengths, dtype=np.bool_), context.arrays(),
            self._unmonitored(kept, out_columns))

    def _unmonitored(self, kept: Sequence[ColumnPlan], out_columns: Sequence[Sequence[Value]]) -> frozenset[str]:
        """The texts of the canary cells that leave in clear and were no monitored number when recorded
        (none without a pool): :meth:`record_holds` checks that none became one."""
        if self._phone_pool is None:
            return frozenset()
        return frozenset(text for column, values in zip(kept, out_columns, strict=True)
                         if column.action is Action.KEEP
                         for text in map(round_trip_text, values) if text is not None and text not in self._pool_values)

    def record_holds(self, record: CanaryRecord) -> bool:
        """Whether ``record`` is what recording its canaries now would give, the canaries being the same:
        a cell in clear records no features when it carries one of the export's monitored numbers."""
        return record.unmonitored.isdisjoint(self._pool_values)

    def keep_canary_records(self, records: Sequence[CanaryRecord]) -> None:
        """Keep the records of the export's canaries, in order: the draws' profile entries of all of them
        first, then each one's features and profile entries (the order of a draw after the last row)."""
        for record in records:
            self._profile.extend(record.fresh)
        for record in records:
            self._canary_parts.append((record.fps, record.owners, record.strong))
            self._profile.extend(record.context)

    def _canary_column(self, slot: int, column: ColumnPlan, values: Sequence[Value]) -> list[_CanaryCell]:
        """What each canary cell of one output column records (cells of equal text share it)."""
        if column.action in (Action.DROP, Action.REDACT):
            return [_NOTHING] * len(values)
        recorded = _CanaryColumn.of(slot, column, self._pool_values)
        known: dict[str, _CanaryCell] = {}
        out = []
        for value in values:
            text = round_trip_text(value)
            if text is None:
                out.append(_NOTHING)
                continue
            cell = known.get(text)
            if cell is None:
                cell = known[text] = (recorded.features(text), recorded.context(text))
            out.append(cell)
        return out

    def finish(self) -> TraceData:
        if self._canary_parts:
            fps, owners, strong = (np.concatenate(part) for part in zip(*self._canary_parts, strict=True))
        else:
            fps, owners, strong = np.zeros(0, np.uint64), np.zeros(0, np.uint32), np.zeros(0, np.bool_)
        return TraceData(self._tokens.result(), self._masked.result(), fps, owners, strong, *self._profile.arrays())

    def layers(self, data: TraceData) -> tuple[str, ...]:
        placed = []
        if self.scoped_columns:
            placed.append("tokens")
        if self.marked_cells:
            placed.append("marks")
        if self.canaries:
            placed.append("canaries")
        if len(data.tokens) or len(data.masked):
            placed.append("membership")
        return tuple(placed)


@dataclass(frozen=True)
class _CanaryColumns:
    """A sheet's kept columns as the canary draw reads them (worked out once per sheet)."""

    indices: tuple[int, ...]  # each kept column's index in the source rows
    kinds: list[Kind | None]
    unique: tuple[int, ...]  # slots a canary must not share with the source (UNIQUE_KINDS)
    fresh: tuple[tuple[int, Kind, bool], ...]  # (slot, kind, left in clear) of the digit identifiers masked or kept

    @classmethod
    def of(cls, kept: Sequence[ColumnPlan]) -> _CanaryColumns:
        return cls(tuple(c.index for c in kept), [c.kind for c in kept],
                   tuple(slot for slot, c in enumerate(kept) if c.kind in UNIQUE_KINDS),
                   tuple((slot, c.kind, c.action is Action.KEEP) for slot, c in enumerate(kept)
                         if c.kind in FRESH_ID_KINDS and c.action in (Action.MASK, Action.KEEP)))

    def cells(self, row: Sequence[Value]) -> list[Value]:
        """The kept columns' cells of a source row (None past its end)."""
        width = len(row)
        return [row[index] if index < width else None for index in self.indices]


@dataclass(frozen=True)
class CanaryRecord:
    """What a group of transformed canary rows leaves in the trace data (:meth:`ExportMarker.canary_record`)."""

    fresh: ProfileArrays  # the draws' profile entries (keyed identifier ends, monitored numbers)
    fps: U64  # token and mark features, fingerprinted
    owners: np.ndarray  # each feature's canary number
    strong: np.ndarray  # whether each is strong evidence
    context: ProfileArrays  # the cells' profile entries (context, readings)
    unmonitored: frozenset[str]  # ExportMarker._unmonitored

    @staticmethod
    def joined(records: Sequence[CanaryRecord]) -> CanaryRecord:
        """The records of groups one after another, as one."""
        def each(arrays: Iterable[tuple[np.ndarray, ...]]) -> list[np.ndarray]:
            return [np.concatenate(parts) for parts in zip(*arrays, strict=True)]

        fresh = each(record.fresh for record in records)
        fps, owners, strong = each((record.fps, record.owners, record.strong) for record in records)
        context = each(record.context for record in records)
        return CanaryRecord((fresh[0], fresh[1], fresh[2], fresh[3]), fps, owners, strong,
                            (context[0], context[1], context[2], context[3]),
                            frozenset().union(*(record.unmonitored for record in records)))

    def replaced(self, new: CanaryRecord, numbers: Sequence[int]) -> CanaryRecord:
        """This record with the entries of the canaries ``numbers`` replaced by ``new``'s (their record
        after a draw again): every entry carries its canary's number, and a group's canaries come in
        order of number, so a stable sort by number puts each canary's entries back in their place."""
        fps, owners, strong = _replaced((self.fps, self.owners, self.strong), (new.fps, new.owners, new.strong),
                                        numbers)
        return CanaryRecord(_replaced(self.fresh, new.fresh, numbers), fps, owners, strong,
                            _replaced(self.context, new.context, numbers), self.unmonitored | new.unmonitored)


_Arrays = TypeVar("_Arrays", bound=tuple[np.ndarray, ...])


def _replaced(entries: _Arrays, new: _Arrays, numbers: Sequence[int]) -> _Arrays:
    """``entries`` (parallel arrays, the second one their canaries' numbers) without the entries of
    canaries ``numbers``, and with ``new``'s, in order of canary number (stable: a canary's own order
    is kept)."""
    kept = ~np.isin(entries[1], np.array(numbers, dtype=entries[1].dtype))
    joined = [np.concatenate((array[kept], added)) for array, added in zip(entries, new, strict=True)]
    order = np.argsort(joined[1], kind="stable")
    return cast("_Arrays", tuple(array[order] for array in joined))


# a canary output cell's features: (token and mark features, each strong or not; profile entries)
_CanaryCell = tuple[Sequence[tuple[str, bool]], Sequence[tuple[str, int, int]]]
_NOTHING: _CanaryCell = ((), ())


@dataclass(frozen=True)
class _CanaryColumn:
    """How the canary cells of one output column (neither dropped nor redacted) are recorded, from
    their round-trip text; decided once per column."""

    slot: int
    token: bool  # pseudonyms or identifiers in clear: token features, and no profile entries
    strong: bool  # its tokens are strong evidence (a unique identifier, or recipient-scoped)
    plain: bool  # no kind: plain numbers give value features and readings
    monitored: AbstractSet[str]  # the export's monitored numbers, when the column leaves in clear

    @classmethod
    def of(cls, slot: int, column: ColumnPlan, pool_values: AbstractSet[str]) -> _CanaryColumn:
        return cls(slot, _identifier(column) and column.action in TOKEN_ACTIONS,
                   column.kind in UNIQUE_KINDS or column.action in SCOPED_ACTIONS, column.kind is None,
                   pool_values if column.action is Action.KEEP else frozenset())

    def features(self, text: str) -> list[tuple[str, bool]]:
        """The cell's token and mark features, each strong or not (:class:`TraceData`'s canary arrays)."""
        features: list[tuple[str, bool]] = []
        if text in self.monitored:
            return features  # a monitored number: a profile entry of its own (trace scores those apart)
        if self.token:
            token = token_feature(text)
            if token:
                features.append((token, self.strong))
        elif self.plain:
            number_feature = value_feature(text)
            if number_feature:
                features.append((number_feature, False))
        mark = mark_feature(text)
        if mark:
            features.append((mark, False))
        return features

    def context(self, text: str) -> list[tuple[str, int, int]]:
        """The cell's profile entries: its context, or its reading rounded three ways. Token columns
        are left out: a leaker drops them, and they are tokens."""
        if self.token:
            return []
        ctx, reading = cell_context(text)
        if ctx is not None:
            return [(ctx, CTX, self.slot)]
        if reading and self.plain:
            return [(feature, READING, self.slot) for feature in canary_readings(text)]
        return []


def _token_texts(values: Sequence[Value]) -> list[str]:
    """The round-trip text of each value that has one: what the token features are read from."""
    if set(map(type, values)) <= _TEXT_TYPES:  # text and blank cells (the usual case): the text, trimmed
        texts = list(map(str.strip, cast("Iterable[str]", filter(None, values))))
        return list(filter(None, texts)) if "" in texts else texts
    return [text for text in map(round_trip_text, values) if text]


def _in_source(asked: Asked, number: str) -> bool:
    """Whether the source holds the monitored number ``number`` (asked as its token text)."""
    feature = token_feature(number)
    return feature is not None and asked.any((feature[2:],))


def _token_of(value: Value) -> str | None:
    text = round_trip_text(value)
    return token_feature(text) if text else None


def _mark_of(value: Value) -> str | None:
    return mark_feature(value) if isinstance(value, str) else None
