"""Exact tail probabilities, in natural logarithms so that 1e-300 and smaller stay meaningful."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np


def _log_binomial_pmf(n: int, p: float) -> np.ndarray:
    k = np.arange(n + 1, dtype=np.float64)
    log_fact = np.concatenate(([0.0], np.cumsum(np.log(np.arange(1, n + 1, dtype=np.float64)))))
    log_choose = log_fact[n] - log_fact - log_fact[::-1]
    if p >= 1.0:
        out = np.full(n + 1, -np.inf)
        out[n] = 0.0
        return out
    result: np.ndarray = log_choose + k * math.log(p) + (n - k) * math.log1p(-p)
    return result


def log_tail(successes: int, trials_by_p: Mapping[float, int]) -> float:
    """ln P(X >= successes), X a sum of independent Binomial(n_p, p) (a Poisson-binomial)."""
    if successes <= 0:
        return 0.0
    pmf = np.array([1.0])
    shift = 0.0  # pmf is kept scaled by exp(shift) to avoid underflow
    for p, n in trials_by_p.items():
        if n == 0:
            continue
        log_pmf = _log_binomial_pmf(n, p)
        peak = float(log_pmf.max())
        pmf = np.convolve(pmf, np.exp(log_pmf - peak))
        shift += peak
        top = pmf.max()
        pmf /= top
        shift += math.log(top)
    if successes >= len(pmf):
        return -math.inf
    tail = float(pmf[successes:].sum())
    if tail > 0.0:
        return min(0.0, math.log(tail) + shift)
    # the tail underflowed after scaling: bound it by the log-space term at ``successes``
    return chernoff_log_tail(successes, trials_by_p)


def chernoff_log_tail(successes: int, trials_by_p: Mapping[float, int]) -> float:
    """A Chernoff bound on ln P(X >= successes): never below the exact value, cheap for many candidates."""
    ps = list(trials_by_p)
    bound = chernoff_log_tails(np.array([successes]), np.array([[trials_by_p[p] for p in ps]]), ps)
    return float(bound[0])


def chernoff_log_tails(successes: np.ndarray, trials: np.ndarray, ps: Sequence[float]) -> np.ndarray:
    """:func:`chernoff_log_tail` for many candidates at once: candidate n has ``trials[n, j]`` trials of
    chance ``ps[j]`` and ``successes[n]`` successes. The bound is exp(-n KL(a || p)) with a the observed
    and p the mean rate (0 when a <= p); for a = 1 it is the exact chance that every trial succeeds."""
    chances = np.asarray(ps, dtype=np.float64)
    n = trials.sum(axis=1).astype(np.float64)
    mean = trials @ chances
    log_all = trials @ np.log(chances) if len(chances) else np.zeros(len(n))
    with np.errstate(divide="ignore", invalid="ignore"):
        a = successes / np.maximum(n, 1.0)
        p = mean / np.maximum(n, 1.0)
        kl = a * np.log(a / p) + (1 - a) * np.log((1 - a) / (1 - p))
    bound = np.where(a >= 1.0, log_all, -n * kl)
    out: np.ndarray = np.where((successes <= mean) | (n == 0), 0.0, np.minimum(bound, 0.0))
    return out


def log_combine(log_ps: Sequence[float]) -> float:
    """ln of the p-value of the product of independent p-values (Fisher's method, exact form).

    For m independent uniform p-values, P(prod <= q) = q * sum_{i<m} (-ln q)^i / i!; discrete
    p-values are super-uniform, so this stays a valid (conservative) p-value.
    """
    used = [lp for lp in log_ps if lp < 0.0]
    if not used:
        return 0.0
    log_q = sum(used)
    minus = -log_q
    terms = [i * math.log(minus) - math.lgamma(i + 1) for i in range(len(used))] if minus > 0 else [0.0]
    peak = max(terms)
    return min(0.0, log_q + peak + math.log(sum(math.exp(t - peak) for t in terms)))
