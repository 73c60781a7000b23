"""Trace's canary layer: fictitious rows of one export found in the fragment, and what points to them.

* :func:`_score_canary_rows`: a fragment row that is one of an export's canary rows, on its tokens
  (strong) or on all of at least :data:`MIN_WEAK_CANARY` weak features (masked identities, readings;
  :data:`WEAK_CANARY_P`);
* :func:`_score_informed_canaries`, per key: canary profiles against an informed leaker who re-masks
  and rounds (:mod:`masking.watermark.profile`; the exact Poisson-binomial tail of the number of
  canaries matched), monitored phone numbers (:mod:`masking.watermark.pool`; :data:`MONITORED_P`) and
  the keyed +-1 on marked readings (:mod:`masking.watermark.reading_marks`; binomial tail at 1/2);
* :func:`_note_membership_all`: which exports held every real customer of the fragment (reported only);
* :func:`_profile_lookup`: the profile and reading-mark entries the service's index must find.

The canary tests read the same canary rows, so the layer keeps the strongest, times the number of
tests (:func:`_canary_log_p`).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from masking.crypto import Fingerprinter
from masking.watermark.membership import fingerprinter, fingerprints, token_feature, token_space
from masking.watermark.profile import (
    MAX_PAIR_P,
    POOL,
    READING,
    SUFFIX,
    ProfileIndex,
    RowFeatures,
    cell_features,
    ctx_ok,
    export_log_p,
    pair_bound,
    pair_floor,
    pair_matches,
)
from masking.watermark.reading_marks import ALT, HELD, row_identity
from masking.watermark.reading_marks import fragment_feature as reading_feature
from masking.watermark.scoring import _evidence, _Row, _Score
from masking.watermark.stats import log_tail
from masking.watermark.trace_index import TraceIndex, _KeyIndex

# Chance that a real row shows one given masked identity or reading by coincidence, for canary rows
# without tokens: what the canary drew afresh and every mask pattern shows (marks v3: a mobile's last 3
# digits, 1e-3; an account's last 2, 1e-2; a meter's last 3 behind its copied unit code, 1e-3; ...).
WEAK_CANARY_P = {"m|phone": 1e-3, "m|meter": 1e-3, "m|account": 1e-2, "m|id": 0.05, "m|name": 0.1, "v|": 1e-3}
MIN_WEAK_CANARY = 3
# A monitored phone number (the office's own, masking.watermark.pool) that only one export carried: no
# customer has it and it leaves only in canary rows, so no other export can be its source. Scored as
# this chance (not zero, so that the union bound over a million exports still sits below ALPHA).
MONITORED_P = 1e-12


def _score_canary_rows(rows: Sequence[_Row], key: _KeyIndex, scores: dict[int, _Score]) -> list[int]:
    """Exports one of whose canary rows a fragment row is (:func:`_canary_hits`): each scores the sum of
    those rows' ln p and reports the first five. Returns them: they are scored whatever their coverage."""
    canary_hits = _canary_hits(rows, key)
    for owner, hits in canary_hits.items():
        score = scores[owner]
        score.log_ps["canaries"] = sum(lp for _, _, lp in hits)
        for row_number, number, _ in hits[:5]:
            score.evidence.append(_evidence("canaries", "canary_row", row=row_number + 1, canary=number + 1))
    return list(canary_hits)


def _canary_hits(rows: Sequence[_Row], key: _KeyIndex) -> dict[int, list[tuple[int, int, float]]]:
    """Per export: (fragment row, canary number, ln p) of each fragment row that is one of its canaries.

    Weak features (masked identities, readings) are shared by many canaries of exports of the same
    customers, so they are counted per canary with numpy; tokens (strong) one by one."""
    fps, owners, ids, strong, tokens = key.canary_fps, key.canary_owner, key.canary_id, key.canary_strong, key.tokens
    hits: dict[int, list[tuple[int, int, float]]] = defaultdict(list)
    if not len(fps):
        return hits
    packed = owners.astype(np.int64) << 32 | ids.astype(np.int64)
    weak_keys, weak_total = np.unique(packed[~strong], return_counts=True)
    order = np.argsort(fps)
    sorted_fps = fps[order]
    present = _present(sorted_fps, rows)
    weak = _WeakCanaries(sorted_fps, order, strong, packed, present)
    for row_number, row in enumerate(rows):
        if present.isdisjoint(row.tokens) and present.isdisjoint(row.weak):
            continue  # no feature of any canary: no hit (most rows of a whole leaked file)
        strong_hits: dict[tuple[int, int], float] = {}
        for fp in row.tokens:
            if fp not in present:
                continue
            at = _positions(sorted_fps, order, fp)
            at = at[strong[at]]
            if not len(at):
                continue
            matches = {(int(owners[j]), int(ids[j])) for j in at}
            if len({o for o, _ in matches} | {int(o) for o in tokens.owners_of(fp)}) != 1:
                continue
            log_p = math.log(min(1.0, key.canaries_held / token_space(row.tokens[fp])))
            for match in matches:
                strong_hits[match] = strong_hits.get(match, 0.0) + log_p
        weak_hits = _weak_hits(row, weak_keys, weak_total, weak)
        for owner, (number, log_p) in _strongest_per_export(strong_hits, weak_hits).items():
            hits[owner].append((row_number, number, log_p))
    return hits


@dataclass
class _WeakCanaries:
    """Which canaries (packed owner << 32 | number) show a weak fingerprint: searched once per fingerprint
    (``found`` keeps the answers; masked identities recur across the rows of a whole leaked file), and
    only for those some canary has at all (``present``, :func:`_present`)."""

    sorted_fps: np.ndarray
    order: np.ndarray
    strong: np.ndarray
    packed: np.ndarray
    present: set[int]
    found: dict[int, np.ndarray] = field(default_factory=dict)

    def of(self, fp: int) -> np.ndarray:
        if fp not in self.present:
            return _NONE
        found = self.found.get(fp)
        if found is None:
            at = _positions(self.sorted_fps, self.order, fp)
            found = self.found[fp] = np.unique(self.packed[at[~self.strong[at]]])
        return found


_NONE = np.zeros(0, np.int64)


def _weak_hits(row: _Row, weak_keys: np.ndarray, weak_total: np.ndarray,
               canaries: _WeakCanaries) -> dict[tuple[int, int], float]:
    """Canaries every weak feature of which (at least MIN_WEAK_CANARY) this row shows, with their ln p."""
    keys: list[np.ndarray] = []
    log_ps: list[np.ndarray] = []
    for fp, feature in row.weak.items():
        found = canaries.of(fp)
        if len(found):
            keys.append(found)
            log_ps.append(np.full(len(found), _weak_log_p(feature)))
    if not keys:
        return {}
    unique, inverse, counts = np.unique(np.concatenate(keys), return_inverse=True, return_counts=True)
    sums = np.bincount(inverse, weights=np.concatenate(log_ps))
    totals = weak_total[np.searchsorted(weak_keys, unique)]
    whole = (counts >= MIN_WEAK_CANARY) & (counts == totals)
    return {(int(k) >> 32, int(k) & 0xFFFFFFFF): float(v) for k, v in zip(unique[whole], sums[whole], strict=True)}


def _present(sorted_fps: np.ndarray, rows: Sequence[_Row]) -> set[int]:
    """The rows' token and weak fingerprints that some canary has, found in one pass in C: the rows'
    other fingerprints find no canary, and need no search of their own."""
    keys = list({fp for row in rows for fp in (*row.tokens, *row.weak)})
    if not keys or not len(sorted_fps):
        return set()
    values = np.fromiter(keys, dtype=np.uint64, count=len(keys))
    return set(values[np.isin(values, sorted_fps)].tolist())


def _positions(sorted_fps: np.ndarray, order: np.ndarray, fp: int) -> np.ndarray:
    value = np.uint64(fp)
    return order[np.searchsorted(sorted_fps, value, "left"):np.searchsorted(sorted_fps, value, "right")]


def _strongest_per_export(strong_hits: Mapping[tuple[int, int], float],
                          weak_hits: Mapping[tuple[int, int], float]) -> dict[int, tuple[int, float]]:
    """One row's hits, one per export: its strongest canary (one leaked row is one piece of evidence, even
    where two canaries of the export share a value)."""
    best: dict[int, tuple[int, float]] = {}
    for (owner, number), log_p in strong_hits.items():
        if owner not in best or log_p < best[owner][1]:
            best[owner] = (number, log_p)
    for (owner, number), log_p in weak_hits.items():
        if (owner, number) not in strong_hits and (owner not in best or log_p < best[owner][1]):
            best[owner] = (number, log_p)
    return best


def _weak_log_p(feature: str) -> float:
    for prefix, p in WEAK_CANARY_P.items():
        if feature.startswith(prefix):
            return math.log(p)
    return 0.0


def _row_profiles(rows: Sequence[Sequence[str]], fp_key: Fingerprinter) -> list[RowFeatures]:
    """Each fragment row's canary-profile features (masking.watermark.profile), fingerprinted in one batch."""
    parsed = [[cell_features(text) for text in cells] for cells in rows]
    tokens = [[token_feature(text) for text in cells] for cells in rows]
    strings: list[str] = []
    for cells, row_tokens in zip(parsed, tokens, strict=True):
        for cell, token in zip(cells, row_tokens, strict=True):
            strings.extend(f for f in (cell.ctx, cell.suffix[1] if cell.suffix else None,
                                       cell.reading[0] if cell.reading else None, token) if f)
    fps = iter(int(fp) for fp in fingerprints(fp_key, strings)) if strings else iter(())
    out: list[RowFeatures] = []
    for cells, row_tokens in zip(parsed, tokens, strict=True):
        ctx: set[int] = set()
        fresh: dict[int, list[tuple[int, float]]] = defaultdict(list)
        token_fps: list[int] = []
        for cell, token in zip(cells, row_tokens, strict=True):
            if cell.ctx:
                ctx.add(next(fps))
            if cell.suffix:
                fresh[SUFFIX + min(cell.suffix[0], 200)].append((next(fps), cell.suffix[2]))
            if cell.reading:
                fresh[READING].append((next(fps), cell.reading[1]))
            if token:
                token_fps.append(next(fps))
        out.append(RowFeatures(frozenset(ctx), dict(fresh), tuple(token_fps)))
    return out


def _score_informed_canaries(fragment_rows: Sequence[Sequence[str]], index: TraceIndex,
                             scores: dict[int, _Score]) -> None:
    """Canary profiles, monitored numbers and reading marks, per key (see masking.watermark.profile, .pool
    and .reading_marks)."""
    for key_id, key in index.keys.items():
        profiles = index.profiles[key_id]
        if not len(profiles):
            continue
        fp_key = fingerprinter(key.watermark_key)
        rows = _row_profiles(fragment_rows, fp_key)
        _score_profiles(rows, profiles, scores)
        _score_pool(rows, profiles, scores)
        _score_reading_marks(fragment_rows, fp_key, profiles, scores)


def _canary_log_p(score: _Score, log_p: float) -> None:
    """One more canary test for this export. The tests read the same canary rows, so they are not
    independent: the canary layer keeps the strongest, times the number of tests (Bonferroni)."""
    if score.canary_tests == 0:  # the single-row test of _canary_hits, if it found anything, is the first
        score.canary_tests = 1 if "canaries" in score.log_ps else 0
        score.canary_min = score.log_ps.get("canaries", 0.0)
    score.canary_tests += 1
    score.canary_min = min(score.canary_min, log_p)
    score.log_ps["canaries"] = min(0.0, score.canary_min + math.log(score.canary_tests))


def _score_profiles(rows: Sequence[RowFeatures], profiles: ProfileIndex, scores: dict[int, _Score]) -> None:
    """Exports whose canaries fragment rows match on their keyed surviving features, scored by the exact
    tail of the number of canaries matched (each bounded by the sum of its pairs' odds over the rows)."""
    matched: dict[int, set[int]] = defaultdict(set)
    for row in rows:
        if not any(kind >= SUFFIX for kind in row.cells):
            continue
        candidates: np.ndarray | None = None
        for kind, cells in row.cells.items():
            positions = [profiles.entries(fp) for fp, _ in cells]
            at = np.concatenate(positions) if positions else np.zeros(0, np.int64)
            at = at[profiles.kind[at] == kind]
            found = np.unique(profiles.owner[at].astype(np.int64) << 32 | profiles.canary[at].astype(np.int64))
            candidates = found if candidates is None else np.intersect1d(candidates, found, assume_unique=True)
            if not len(candidates):
                break
        for packed in (candidates if candidates is not None else ()):
            owner, number = int(packed) >> 32, int(packed) & 0xFFFFFFFF
            canary = profiles.profiles(owner).get(number)
            if canary is not None and number not in matched[owner] and ctx_ok(row, canary) \
                    and pair_bound(row, canary) is not None and pair_matches(row, canary):
                matched[owner].add(number)
    for owner, numbers in matched.items():
        if not numbers:
            continue
        bounds = []
        for canary in profiles.profiles(owner).values():
            pairs = (pair_bound(row, canary) for row in rows if ctx_ok(row, canary))
            bounds.append(min(1.0, sum(b for b in pairs if b is not None)))
        log_p = export_log_p(len(numbers), bounds)
        score = scores[owner]
        _canary_log_p(score, log_p)
        score.evidence.append(_evidence("canaries", "canary_profile", matched=len(numbers), tested=len(bounds),
                                        expected=f"{sum(bounds):.2g}", p=f"{math.exp(log_p):.3g}"))


def _score_pool(rows: Sequence[RowFeatures], profiles: ProfileIndex, scores: dict[int, _Score]) -> None:
    """Monitored numbers: one carried by a single export names it; one carried by several points to them."""
    holders_of: dict[int, set[int]] = {}
    for row in rows:
        for fp in row.tokens:
            if fp in holders_of:
                continue
            at = profiles.entries(fp)
            at = at[profiles.kind[at] == POOL]
            if len(at):
                holders_of[fp] = {int(o) for o in profiles.owner[at]}
    unique: dict[int, int] = defaultdict(int)
    shared: dict[int, list[int]] = defaultdict(list)
    for holders in holders_of.values():
        for owner in holders:
            if len(holders) == 1:
                unique[owner] += 1
            else:
                shared[owner].append(len(holders))
    for owner, count in unique.items():
        _canary_log_p(scores[owner], math.log(MONITORED_P))
        scores[owner].evidence.append(_evidence("canaries", "pool_unique", count=count))
    for owner, sizes in shared.items():
        scores[owner].evidence.append(_evidence("canaries", "pool_shared", count=len(sizes), total=max(sizes)))


def _score_reading_marks(rows: Sequence[Sequence[str]], fp_key: Fingerprinter, profiles: ProfileIndex,
                         scores: dict[int, _Score]) -> None:
    """The keyed +-1 on marked readings (masking.watermark.reading_marks): per export, of the identities
    it held in either direction, how many show only its own; exact binomial tail at 1/2."""
    looked = _reading_lookups(rows)
    if not looked:
        return
    fps = iter(int(fp) for fp in fingerprints(fp_key, [f for wanted in looked for f in wanted]))
    tested: dict[int, int] = defaultdict(int)
    matched: dict[int, int] = defaultdict(int)
    for wanted in looked:
        held: set[int] = set()
        other: set[int] = set()
        for _ in wanted:
            at = profiles.entries(next(fps))
            held.update(int(o) for o in profiles.owner[at[profiles.kind[at] == HELD]])
            other.update(int(o) for o in profiles.owner[at[profiles.kind[at] == ALT]])
        for owner in held | other:
            tested[owner] += 1
            matched[owner] += owner in held and owner not in other
    for owner, count in tested.items():
        hits = matched[owner]
        log_p = log_tail(hits, {0.5: count}) if hits > count / 2 else 0.0
        scores[owner].log_ps["readings"] = log_p
        scores[owner].evidence.append(_evidence("readings", "reading_marks", matched=hits, tested=count,
                                                expected=f"{count / 2:.1f}", p=f"{math.exp(log_p):.3g}"))


def _reading_lookups(rows: Sequence[Sequence[str]]) -> list[list[str]]:
    """The reading-mark features looked up, per identity of the fragment (its first row; one coin per identity)."""
    looked: list[list[str]] = []
    seen: set[str] = set()
    for cells in rows:
        identity = row_identity(cells)
        if identity is None or identity in seen:
            continue
        wanted = [f for f in (reading_feature(identity, text) for text in cells) if f]
        if wanted:
            seen.add(identity)
            looked.append(wanted)
    return looked


def _note_membership_all(coverage: np.ndarray, held_rows: int, scores: dict[int, _Score]) -> None:
    """Report, on each export scored, whether it held every fragment row of a real customer, and how many
    exports in the ledger did (who could have leaked these customers; reported, not scored)."""
    if not held_rows:
        return
    full = coverage >= held_rows
    could = int(full.sum())
    for owner, score in scores.items():
        if owner < len(full) and full[owner]:
            score.evidence.append(_evidence("membership", "membership_all", rows=held_rows, total=could))


def _profile_lookup(rows: Sequence[Sequence[str]], fp_key: Fingerprinter) -> list[tuple[int, int, int, int]]:
    """(fingerprint, row, type, types the row shows) of the rows :func:`_score_profiles` can compare with a
    canary, then (fingerprint, -1 - n, 0, 0) of the n-th identity's reading marks (:func:`_score_reading_marks`)."""
    entries: list[tuple[int, int, int, int]] = []
    for number, row in enumerate(_row_profiles(rows, fp_key)):
        floor = pair_floor(row)
        if floor is None or floor > MAX_PAIR_P:
            continue
        entries.extend((fp, number, kind, len(row.cells)) for kind, cells in row.cells.items() for fp, _ in cells)
    looked = _reading_lookups(rows)
    fps = fingerprints(fp_key, [f for wanted in looked for f in wanted]) if looked else np.zeros(0, np.uint64)
    spans = np.repeat(np.arange(len(looked)), [len(wanted) for wanted in looked])
    entries.extend((int(fp), -1 - int(n), 0, 0) for fp, n in zip(fps.tolist(), spans.tolist(), strict=True))
    return entries
