"""Canary profiles: the features of a canary row that survive an informed leaker, with exact odds.

An informed leaker re-masks names and IDs to one pattern (the marks die), rounds every reading (the
readings to the cent die), drops the pseudonymized columns (the tokens die), shuffles and keeps a
subset. What a canary row still shows is weak, feature by feature, but each is *keyed*: drawn afresh
for the canary by the export's canary key, so the chance that a row not made by this export shows it
is bounded by the draw alone, whatever the leaked data are:

* **suffix** (``s|L|j|...``): the last ``j <= 4`` characters of a digit identifier of length ``L`` (an
  ID, a mobile, a meter, an account, a card), masked in any pattern that shows its end, or clear. A
  canary's identifiers keep their donors' region, block or unit digits and draw the rest anew; every
  mask pattern shows the end. :func:`suffix_p` bounds the chance per ``(L, j)``: an ID's last
  character is its check character and its sequence number keeps the donor's sex (``1/5, 1/50,
  1/500, 1/500`` for j = 1..4), other identifiers ``10**-j``; doubled, because a canary that hits a
  source identifier is drawn again (valid while a draw is accepted at least half the time: a draw
  is refused only when its fresh digits equal a real customer's).
* **reading** (``r0|112``, ``r1|112.1``, ``r2|112.13``): a canary's decimal readings are drawn as
  ``|v| * U(0.7, 1.3) + U(0.01, 9.99)`` for a donor's ``v``; the density of that sum is at most
  ``1 / max(9.98, 0.6 |v|)`` and ``|v| >= (x - 10) / 1.3`` for the value ``x`` seen, so a reading
  rounded to ``d`` decimals shows value ``x`` with chance at most
  ``(10**-d + 0.2) / max(9.98, 0.46 (|x| - 11))`` (:func:`reading_p`).
* **context** (``x|...``, ``m|name|...``): what the canary copied from its donors (a date, a district,
  a remark, a masked name's surname and length). It is not random under the key, so it carries no
  odds of its own: it only restricts which fragment rows are compared with a canary (all of its
  context but one, for three or more), which is fixed once the donors are.

Trace (:func:`match_pair`) compares a fragment row with a canary only when the row shows a digit
identifier and every fresh feature type the row shows is one the canary has; the pair *matches* when
each tested type matches. Given the donors, the chance of that is at most the product over the
tested types of ``C(S, k) * (sum of the row's cells' odds) ** k`` (``S`` slots of the canary, ``k``
of them needed), so the number of an export's canaries matched by some row is dominated by a
Poisson-binomial whose exact tail :mod:`masking.watermark.stats` computes
(:func:`masking.watermark.trace` unions over the ledger).

Monitored phone numbers (:mod:`masking.watermark.pool`) are recorded here too, as ``POOL`` entries:
they are the office's numbers, not draws, and trace counts them apart.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import numpy as np

from masking.cell_text import trace_text
from masking.crypto import Fingerprinter
from masking.watermark.marks import SEPARATORS, read_mark
from masking.watermark.membership import U64, fingerprints
from masking.watermark.stats import log_tail

CTX = 0
READING = 1
POOL = 2
SUFFIX = 10  # + the identifier's length
MIN_SUFFIX_LENGTH = 10  # shorter digit strings are read as numbers, not identifiers
REDRAW = 2.0  # a canary that hits a source identifier is drawn again: odds conditioned on acceptance
MAX_PAIR_P = 0.01  # a (row, canary) pair whose odds bound is weaker than this is not compared
_MASKED_DIGITS = re.compile(r"([0-9X]*)(\*+)([0-9X]+)")
_CLEAR_DIGITS = re.compile(r"\d{9,19}[\dX]")
_NUMBER = re.compile(r"-?\d{1,9}(?:\.(\d{1,6}))?")
_ROUNDINGS = tuple(Decimal(1).scaleb(-places) for places in (0, 1, 2))  # what a leaker may round a reading to
_ID_P = (0.2, 0.02, 0.002, 0.002)  # an ID's last 1..4 characters (check character, sex-bound sequence)
QUEUED_FEATURES = 1 << 16  # profile features fingerprinted in one keyed call (bounds the queue's memory)


def suffix_p(length: int, j: int) -> float:
    """Chance that a canary identifier of ``length`` characters ends in a given ``j`` characters."""
    if length in (15, 18):
        p = _ID_P[j - 1]
    else:
        fresh = 4 if length >= 8 else length - length // 2
        p = 10.0 ** -min(j, fresh)
    return min(1.0, REDRAW * p)


def reading_p(decimals: int, value: float) -> float:
    """Chance that a canary reading, rounded to ``decimals``, shows ``value`` (see the module)."""
    return min(1.0, (10.0**-decimals + 0.2) / max(9.98, 0.46 * (abs(value) - 11.0)))


@dataclass(frozen=True)
class CellFeatures:
    """What one cell offers: a context feature, a digit-identifier suffix, or a reading."""

    ctx: str | None = None
    suffix: tuple[int, str, float] | None = None  # (length, feature, odds)
    reading: tuple[str, float] | None = None  # (feature, odds)


def _reading_feature(number: Decimal) -> tuple[str, int]:
    text = format(number.normalize(), "f") if number != 0 else "0"
    decimals = len(text.partition(".")[2])
    return f"r{decimals}|{text}", decimals


_OTHER, _MASKED, _CLEAR, _READING = range(4)  # the shapes of a cell's text (_shape)


def _shape(compact: str) -> tuple[int, str, re.Match[str] | None]:
    """(shape, digits, match) of a cell's compact text: a masked or a clear digit identifier, a reading,
    or other (a name, a context); its digits without separators, and for a masked identifier the match."""
    if compact[0] >= "\u3400":  # a name or a text: never digits
        return _OTHER, "", None
    digits = SEPARATORS.sub("", compact).upper()
    masked = _MASKED_DIGITS.fullmatch(digits)
    if masked is not None and len(digits) >= MIN_SUFFIX_LENGTH:
        return _MASKED, digits, masked
    if _CLEAR_DIGITS.fullmatch(digits):
        return _CLEAR, digits, None
    number = _NUMBER.fullmatch(compact.replace(",", ""))
    if number is not None and (number.group(1) is None or len(number.group(1).rstrip("0")) <= 2):
        return _READING, digits, None
    return _OTHER, digits, None


def cell_features(text: str) -> CellFeatures:
    """The features of one cell's text (fragment rows and canary outputs alike)."""
    compact = trace_text(text)
    if not compact:
        return CellFeatures()
    shape, digits, masked = _shape(compact)
    if masked is not None:
        tail = masked.group(3)
        j = min(4, len(tail))
        return CellFeatures(suffix=(len(digits), f"s|{len(digits)}|{j}|{tail[-j:]}", suffix_p(len(digits), j)))
    if shape == _CLEAR:
        return CellFeatures(suffix=(len(digits), f"s|{len(digits)}|4|{digits[-4:]}", suffix_p(len(digits), 4)))
    if shape == _READING:
        value = Decimal(compact.replace(",", ""))
        feature, decimals = _reading_feature(value)
        return CellFeatures(reading=(feature, reading_p(decimals, float(value))))
    return CellFeatures(ctx=_context(compact))


def cell_context(text: str) -> tuple[str | None, bool]:
    """(:func:`cell_features`' ``ctx``, whether it gives a reading) of a cell's text, without making
    the suffix and reading features (what a canary cell's profile entries need)."""
    compact = trace_text(text)
    if not compact:
        return None, False
    shape = _shape(compact)[0]
    return (_context(compact) if shape == _OTHER else None), shape == _READING


def _context(compact: str) -> str | None:
    """The context feature of a cell that is neither a digit identifier nor a reading (None for a
    masked digit value of another shape)."""
    observation = read_mark(compact)
    if observation is not None and observation.scheme in ("name", "name1"):
        return f"m|{observation.scheme}|{observation.identity}"
    if observation is not None:
        return None
    return "x|" + compact.casefold()


def canary_suffixes(digits: str) -> list[str]:
    """A canary identifier's suffix features (every j a mask may leave, 1..4)."""
    return [f"s|{len(digits)}|{j}|{digits[-j:]}" for j in range(1, min(4, len(digits)) + 1)]


def canary_readings(text: str) -> list[str]:
    """A canary reading's features rounded half up to 0, 1 and 2 decimals (what a leaker may round to)."""
    try:
        number = Decimal(trace_text(text).replace(",", ""))
    except InvalidOperation:
        return []
    if not number.is_finite():
        return []
    out = {_reading_feature(number.quantize(step, ROUND_HALF_UP))[0] for step in _ROUNDINGS}
    return sorted(out)


# (fingerprints, canary numbers, types, slots) of profile entries, as TraceData stores them
ProfileArrays = tuple[U64, np.ndarray, np.ndarray, np.ndarray]


class ProfileEntries:
    """One export's profile entries (fingerprint, canary, type, slot), kept in the order added.

    A keyed fingerprint call costs far more than one feature, and a canary has only a handful: the
    features are queued and fingerprinted :data:`QUEUED_FEATURES` at a time, and :meth:`arrays`
    gives the entries as :class:`~masking.watermark.store.TraceData` stores them. Entries made
    elsewhere (a group of canaries recorded while the rows still stream) join as arrays
    (:meth:`extend`)."""

    def __init__(self, keyed: Fingerprinter) -> None:
        self._keyed = keyed
        self._queued: list[str] = []  # features not yet fingerprinted (the last entries added)
        self._canaries: list[int] = []  # the queued entries' canary numbers, types and slots
        self._kinds: list[int] = []
        self._slots: list[int] = []
        self._parts: list[ProfileArrays] = []

    def add(self, canary: int, features: Sequence[tuple[str, int, int]]) -> None:
        """Entries of canary ``canary`` (0 for real rows' readings), each feature as (text, type, slot)."""
        for feature, kind, slot in features:
            self._queued.append(feature)
            self._canaries.append(canary)
            self._kinds.append(kind)
            self._slots.append(min(slot, 255))
        if len(self._queued) >= QUEUED_FEATURES:
            self._fingerprint_queued()

    def extend(self, entries: ProfileArrays) -> None:
        """Entries already made (another instance's :meth:`arrays`), after those added so far."""
        self._fingerprint_queued()
        if len(entries[0]):
            self._parts.append(entries)

    def _fingerprint_queued(self) -> None:
        if self._queued:
            self._parts.append((fingerprints(self._keyed, self._queued), np.array(self._canaries, dtype=np.uint32),
                                np.array(self._kinds, dtype=np.uint8), np.array(self._slots, dtype=np.uint8)))
            self._queued, self._canaries, self._kinds, self._slots = [], [], [], []

    def arrays(self) -> ProfileArrays:
        """(fingerprints, canary numbers, types, slots) of every entry, in order."""
        self._fingerprint_queued()
        if not self._parts:
            return (np.zeros(0, np.uint64), np.zeros(0, np.uint32), np.zeros(0, np.uint8), np.zeros(0, np.uint8))
        if len(self._parts) == 1:
            return self._parts[0]
        fps, canaries, kinds, slots = zip(*self._parts, strict=True)
        return np.concatenate(fps), np.concatenate(canaries), np.concatenate(kinds), np.concatenate(slots)


# --- the canaries of the ledger, for trace ---------------------------------------------------------


@dataclass
class CanaryProfile:
    """One canary's entries by role: context, and its fresh slots by type (suffix length or reading)."""

    ctx: set[int] = field(default_factory=set)
    slots: dict[int, dict[int, set[int]]] = field(default_factory=lambda: defaultdict(dict))  # type -> slot -> fps


@dataclass(frozen=True)
class RowFeatures:
    """One fragment row under one key: context fingerprints and fresh cells by type."""

    ctx: frozenset[int]
    cells: dict[int, list[tuple[int, float]]]  # type -> [(fingerprint, odds)]
    tokens: tuple[int, ...] = ()


class ProfileIndex:
    """The canary profiles of every export under one key, looked up by fingerprint."""

    def __init__(self, parts: Sequence[tuple[int, U64, np.ndarray, np.ndarray, np.ndarray]]) -> None:
        fps = [p[1] for p in parts]
        self.fps = np.concatenate(fps) if fps else np.zeros(0, np.uint64)
        self.owner = np.concatenate([np.full(len(p[1]), p[0], np.int32) for p in parts]) if parts \
            else np.zeros(0, np.int32)
        self.canary = np.concatenate([p[2] for p in parts]) if parts else np.zeros(0, np.uint32)
        self.kind = np.concatenate([p[3] for p in parts]) if parts else np.zeros(0, np.uint8)
        self.slot = np.concatenate([p[4] for p in parts]) if parts else np.zeros(0, np.uint8)
        self._order = np.argsort(self.fps, kind="stable")
        self._sorted = self.fps[self._order]
        by_export = np.argsort(self.owner, kind="stable")
        self._by_export = by_export
        owners = self.owner[by_export]
        self._export_start = {int(o): int(s) for o, s in zip(*np.unique(owners, return_index=True), strict=True)}
        self._export_end = {o: s + int(c) for (o, s), c in
                            zip(self._export_start.items(), np.unique(owners, return_counts=True)[1], strict=True)}
        self._profiles: dict[int, dict[int, CanaryProfile]] = {}

    def __len__(self) -> int:
        return len(self.fps)

    def entries(self, fp: int) -> np.ndarray:
        """Positions (into the arrays) of every entry with fingerprint ``fp``."""
        value = np.uint64(fp)
        lo = int(np.searchsorted(self._sorted, value, "left"))
        hi = int(np.searchsorted(self._sorted, value, "right"))
        return self._order[lo:hi]

    def profiles(self, owner: int) -> dict[int, CanaryProfile]:
        """Every canary of one export, by canary number (built once)."""
        cached = self._profiles.get(owner)
        if cached is not None:
            return cached
        out: dict[int, CanaryProfile] = defaultdict(CanaryProfile)
        start, end = self._export_start.get(owner, 0), self._export_end.get(owner, 0)
        for at in self._by_export[start:end]:
            kind, fp, number = int(self.kind[at]), int(self.fps[at]), int(self.canary[at])
            if kind == CTX:
                out[number].ctx.add(fp)
            elif kind == READING or kind >= SUFFIX:
                out[number].slots[kind].setdefault(int(self.slot[at]), set()).add(fp)
        self._profiles[owner] = dict(out)
        return self._profiles[owner]

    def pool_counts(self) -> dict[int, int]:
        """Monitored numbers each export carried."""
        owners = self.owner[self.kind == POOL]
        values, counts = np.unique(owners, return_counts=True)
        return {int(v): int(c) for v, c in zip(values, counts, strict=True)}


def ctx_ok(row: RowFeatures, canary: CanaryProfile) -> bool:
    """The row shows all of the canary's context, or all but one when it has three or more."""
    need = len(canary.ctx) - (1 if len(canary.ctx) >= 3 else 0)
    return len(canary.ctx & row.ctx) >= need


def pair_bound(row: RowFeatures, canary: CanaryProfile) -> float | None:
    """The chance bound of the pair matching, or None when the pair is not compared (see the module)."""
    if not any(kind >= SUFFIX for kind in row.cells) or any(kind not in canary.slots for kind in row.cells):
        return None
    bound = 1.0
    for kind, cells in row.cells.items():
        slots = len(canary.slots[kind])
        need = min(slots, len(cells))
        bound *= math.comb(slots, need) * min(1.0, sum(p for _, p in cells)) ** need
    return bound if bound <= MAX_PAIR_P else None


def pair_floor(row: RowFeatures) -> float | None:
    """The least :func:`pair_bound` of the row with any canary (``C(S, k) >= 1`` and the row's odds
    raised to at most its own cells' count), or None when the row shows no digit identifier. A row whose
    floor is above :data:`MAX_PAIR_P` is compared with no canary: the service's index skips it."""
    if not any(kind >= SUFFIX for kind in row.cells):
        return None
    return math.prod(min(1.0, sum(p for _, p in cells)) ** len(cells) for cells in row.cells.values())


def pair_matches(row: RowFeatures, canary: CanaryProfile) -> bool:
    for kind, cells in row.cells.items():
        slots = canary.slots[kind]
        need = min(len(slots), len(cells))
        fps = {fp for fp, _ in cells}
        if sum(1 for slot in slots.values() if slot & fps) < need:
            return False
    return True


def export_log_p(hits: int, bounds: Sequence[float]) -> float:
    """ln P(at least ``hits`` of independent canaries, each matched with chance at most ``bounds[i]``)."""
    grouped: dict[float, int] = defaultdict(int)
    for bound in bounds:
        if bound <= 0.0:
            continue
        grouped[_round_up(min(1.0, bound))] += 1
    if hits <= 0:
        return 0.0
    return log_tail(hits, grouped)


def _round_up(p: float) -> float:
    """``p`` rounded up to two significant digits (so that canaries with near-equal odds share a term)."""
    if p >= 1.0:
        return 1.0
    exponent = math.floor(math.log10(p)) - 1
    return min(1.0, math.ceil(p / 10.0**exponent) * 10.0**exponent)
