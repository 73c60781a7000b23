"""Trace's marks layer: the masking patterns of the fragment's masked cells against each export's key.

Masked cells are grouped by (scheme, identity); under an export that did not make the copy, a group
showing m of its k patterns matches that export's keyed pattern by chance with probability m/k, so the
number of matches has an exact Poisson-binomial tail (:func:`_marks_log_ps`: the Chernoff bound, exact
where that bound is small). :func:`_score_marks` scores every candidate on every group (the first
round); :func:`_peel_marks` then sets aside the groups the exports named so far explain and scores the
others again (colluders: ``marks_rest``), says when the named exports leave many masked values
unexplained (``marks_unexplained``), and :func:`_named_together` tells exports named together that the
fragment merges their copies (``marks_together``). See docs/watermark.md, "Colluders".
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from masking.watermark.marks import expected_variant_pairs, expected_variants, identity_hash
from masking.watermark.scoring import ALPHA, Evidence, _bounds, _evidence, _Row, _Score
from masking.watermark.stats import chernoff_log_tails, log_tail
from masking.watermark.trace_index import _KeyIndex

# A candidate's mark p-value is exact where its Chernoff bound (never below the exact tail) is at most
# this; elsewhere the bound itself is used. Decided per candidate, on its own figures only (never by rank
# among the candidates), so an export's p-value does not depend on the other exports' keys.
EXACT_BELOW = math.log(1e-3)
# The weights of the marks rounds (:func:`_peel_marks`): the first scores every group, each later one the
# groups the exports named so far do not explain; an export's marks p-value is min_r p_r / w_r.
MARK_ROUNDS = (0.5, 1 / 6, 1 / 6, 1 / 6)
# A named export reports the masked values the named exports leave unexplained when they are at least
# this share of at least this many informative groups (a hint of more colluders; never scored).
UNEXPLAINED_SHARE = 0.2
UNEXPLAINED_MIN_GROUPS = 20


@dataclass(frozen=True)
class _MarkCounts:
    """Per candidate: marked groups it carried (tested), how many show its pattern, the matches chance
    would give (means), and how many tested groups have each chance of a match (trials, by ``ps``)."""

    tested: np.ndarray
    successes: np.ndarray
    means: np.ndarray
    trials: np.ndarray
    ps: list[float]


@dataclass(frozen=True)
class _MarkTable:
    """One key's marked groups against its candidates: what each group shows and who carried it."""

    key: _KeyIndex
    cands: np.ndarray  # export numbers, one per row of ``carried``
    hashes: np.ndarray  # keyed identity hash per group
    ks: np.ndarray
    seen: np.ndarray  # groups x max k: the patterns seen
    p_group: np.ndarray  # chance that an export that did not make the copy matches the group
    carried: np.ndarray  # candidates x groups: carried the identity, and the group is informative


def _mark_groups(used: Sequence[_Row]) -> dict[tuple[str, str], tuple[int, int, set[int]]]:
    """The fragment's masked cells by (scheme, identity): its fingerprint, its k and the patterns seen."""
    groups: dict[tuple[str, str], tuple[int, int, set[int]]] = {}
    for row in used:
        for fp, observation in row.marks:
            key_of = (observation.scheme, observation.identity)
            groups.setdefault(key_of, (fp, observation.k, set()))[2].add(observation.variant)
    return groups


def _mark_table(groups: dict[tuple[str, str], tuple[int, int, set[int]]], key: _KeyIndex, cands: np.ndarray,
                id_key: bytes) -> _MarkTable:
    position = np.full(len(key.mark_keys), -1, dtype=np.int64)  # export -> its row among the candidates
    position[cands] = np.arange(len(cands))
    ks = np.array([k for _, k, _ in groups.values()], dtype=np.int64)
    seen_count = np.array([len(seen) for _, _, seen in groups.values()], dtype=np.int64)
    seen_table = np.zeros((len(groups), int(ks.max())), dtype=np.bool_)
    carried = np.zeros((len(cands), len(groups)), dtype=np.bool_)
    for g, (fp, _, seen) in enumerate(groups.values()):
        seen_table[g, list(seen)] = True
        at = position[key.masked.owners_of(fp)]
        carried[at[at >= 0], g] = True
    carried &= (seen_count < ks)[None, :]  # a group showing every pattern tells nothing
    hashes = np.array([identity_hash(id_key, scheme, identity) for scheme, identity in groups], dtype=np.uint64)
    return _MarkTable(key, cands, hashes, ks, seen_table, seen_count / ks, carried)


def _matches(table: _MarkTable, rows: np.ndarray) -> np.ndarray:
    """rows x groups: the group shows the pattern the candidate's key picks (whether carried or not)."""
    expected = expected_variants(table.key.mark_keys[table.cands[rows]], table.hashes, table.ks)
    hit: np.ndarray = table.seen[np.arange(len(table.ks))[None, :], expected]
    return hit


def _mark_counts(table: _MarkTable, rows: np.ndarray, excluded: np.ndarray | None = None) -> _MarkCounts:
    """The counts of the candidates at ``rows``, leaving out the ``excluded`` groups; only the (candidate,
    group) pairs carried are computed (a decoy carries a few of the fragment's identities)."""
    carried = table.carried[rows]
    if excluded is not None:
        carried &= ~excluded[None, :]
    at, group = np.nonzero(carried)
    expected = expected_variant_pairs(table.key.mark_keys[table.cands[rows[at]]], table.hashes[group],
                                      table.ks[group])
    hit = table.seen[group, expected]
    ps = sorted(set(table.p_group.tolist()))
    which_p = np.searchsorted(np.array(ps), table.p_group)[group]
    size = len(rows)
    trials = np.bincount(at * len(ps) + which_p, minlength=size * len(ps)).reshape(size, len(ps))
    return _MarkCounts(np.bincount(at, minlength=size), np.bincount(at, weights=hit, minlength=size).astype(np.int64),
                       np.bincount(at, weights=table.p_group[group], minlength=size), trials, ps)


def _marks_log_ps(counts: _MarkCounts) -> list[float | None]:
    """ln p of each candidate's matches (None: it tested nothing): the Chernoff bound, and the exact
    Poisson-binomial tail where that bound is at most EXACT_BELOW."""
    bounds = chernoff_log_tails(counts.successes, counts.trials, counts.ps)
    out: list[float | None] = []
    for n, bound in enumerate(bounds.tolist()):
        if not counts.tested[n]:
            out.append(None)
        elif bound <= EXACT_BELOW:
            by_p = {p: int(counts.trials[n, j]) for j, p in enumerate(counts.ps)}
            out.append(log_tail(int(counts.successes[n]), by_p))
        else:
            out.append(bound)
    return out


def _score_marks(used: Sequence[_Row], key: _KeyIndex, candidates: Sequence[int], scores: dict[int, _Score],
                 id_key: bytes) -> _MarkTable | None:
    """Compare every candidate's expected patterns with the ones seen, all candidates at once (the first
    of the rounds of :func:`_peel_marks`, whose weight the p-value pays)."""
    groups = _mark_groups(used)
    if not groups or not candidates:
        return None
    table = _mark_table(groups, key, np.array(candidates, dtype=np.int64), id_key)
    counts = _mark_counts(table, np.arange(len(candidates)))
    for n, log_p in enumerate(_marks_log_ps(counts)):
        if log_p is not None:
            _set_marks(scores[int(table.cands[n])], counts, n, log_p=log_p, round_=0)
    return table


def _set_marks(score: _Score, counts: _MarkCounts, n: int, *, log_p: float, round_: int) -> None:
    """Round ``round_``'s p-value of one export (after the round's weight): the first round's always, with
    its evidence; a later round's only when it is the export's best so far, its evidence replacing an
    earlier later round's."""
    weighted = min(0.0, log_p - math.log(MARK_ROUNDS[round_]))
    if round_ and weighted >= score.log_ps.get("marks", 0.0):
        return
    score.log_ps["marks"] = min(score.log_ps.get("marks", 0.0), weighted)
    if round_:
        score.evidence = [e for e in score.evidence if e.key != "marks_rest"]
    score.evidence.append(_evidence("marks", "marks_rest" if round_ else "marks", matched=int(counts.successes[n]),
                                    tested=int(counts.tested[n]), expected=f"{counts.means[n]:.1f}",
                                    p=f"{math.exp(log_p):.3g}"))


def _peel_marks(tables: Sequence[_MarkTable], scores: dict[int, _Score], held: int) -> None:
    """Colluders: once some exports are named, the groups whose patterns they explain are set aside and
    every other candidate is scored again on the rest, where the remaining colluders' share of matches
    is larger (each of c colluders matches about 1/c of a minority-voted copy; with one of them named,
    each of the others about 1/(c - 1) of what is left). Round r pays its weight MARK_ROUNDS[r]: an
    export's marks p-value is min over rounds of p_r / w_r, the weights sum to 1, so it stays a valid
    p-value. Which groups are set aside depends on the fragment and the named exports' keys only, never
    on the key of an export not named yet, so under that export each group left still matches by chance
    with probability m/k and its tail is exact (see docs/watermark.md, "Colluders")."""
    for round_ in range(1, len(MARK_ROUNDS)):
        named = _named(scores, held)
        if not named:
            return
        for table in tables:
            is_named = np.isin(table.cands, list(named))
            if not is_named.any() or is_named.all():
                continue
            rest = np.flatnonzero(~is_named)
            counts = _mark_counts(table, rest, _explained(table, is_named))
            for n, log_p in enumerate(_marks_log_ps(counts)):
                if log_p is not None:
                    _set_marks(scores[int(table.cands[rest[n]])], counts, n, log_p=log_p, round_=round_)
        if len(_named(scores, held)) == len(named):
            break
    _unexplained(tables, scores, _named(scores, held))


def _named(scores: Mapping[int, _Score], held: int) -> set[int]:
    return {i for i, bounded in _bounds(scores, held).items() if bounded <= math.log(ALPHA)}


def _explained(table: _MarkTable, is_named: np.ndarray) -> np.ndarray:
    """Per group: a named export that carried its identity shows the pattern seen."""
    explained: np.ndarray = (_matches(table, np.flatnonzero(is_named)) & table.carried[is_named]).any(axis=0)
    return explained


def _unexplained(tables: Sequence[_MarkTable], scores: dict[int, _Score], named: set[int]) -> None:
    """When the named exports leave a good share of the informative masked values unexplained, each named
    export says so: those cells were altered, or come from copies of exports the fragment is too small to
    name (a coalition larger than those named). Reported only, never scored."""
    for table in tables:
        is_named = np.isin(table.cands, list(named))
        informative = table.p_group < 1.0
        total = int(informative.sum())
        if not is_named.any() or total < UNEXPLAINED_MIN_GROUPS:
            continue
        count = int((informative & ~_explained(table, is_named)).sum())
        if count >= UNEXPLAINED_SHARE * total:
            for i in table.cands[is_named].tolist():
                scores[int(i)].evidence.append(_evidence("marks", "marks_unexplained", count=count, total=total))


def _named_together(named: Sequence[int]) -> dict[int, tuple[Evidence, ...]]:
    """When several exports are named, each hears so: the fragment merges their copies (colluders), and
    each was named on its own p-value against the same bound, so the others take nothing from it."""
    if len(named) < 2:
        return {}
    return {i: (_evidence("marks", "marks_together", count=len(named)),) for i in named}
