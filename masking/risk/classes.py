"""Equivalence classes over a stream of rows, and the re-identification figures ARX reports.

Each row's quasi-identifier tuple arrives as one 64-bit code per column (:func:`value_codes`: the
hash of the text the output shows); the codes of a row are mixed into one 64-bit class key, kept
in a numpy array in row order (8 bytes a row: 8 MB for a million rows), and the class sizes come
from one sort at the end. Nothing but these numbers is kept, so a million rows of any width fit in
a few tens of megabytes. Two different tuples share a key with probability about n^2 / 2^65 (under
3e-8 for a million distinct tuples); a shared key would merge two classes, so k could only be
over-stated by such an event, never under-stated.

The figures follow ARX's prosecutor model (``org.deidentifier.arx.risk.RiskModelSampleRisks``,
after El Emam, *Guide to the De-Identification of Personal Health Information*, 2013): with class
sizes f_j over n rows in |J| classes,

* k = min f_j (the dataset is k-anonymous);
* the highest prosecutor risk Rb = 1 / min f_j (``getHighestRisk``): what ``prosecutor_risk`` reports;
* the average prosecutor risk Rc = |J| / n (``getAverageRisk``, 1 / the average class size);
* the records at risk Ra(t) = share of rows in classes smaller than t (risk above 1/t): ``rows_below_k``
  counts those rows for t = the policy's minimum k.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["ClassCounter", "RiskFigures", "class_sizes", "combine", "figures", "value_codes"]

Codes = npt.NDArray[np.uint64]
_MIX = np.uint64(0x9E3779B97F4A7C15)  # 2^64 / golden ratio, odd: multiplication by it is a bijection
_SEED = np.uint64(0x243F6A8885A308D3)


def value_codes(texts: Sequence[str]) -> Codes:
    """One 64-bit code per shown text (Python's string hash: equal texts, equal codes, in one process)."""
    return np.fromiter(map(hash, texts), dtype=np.int64, count=len(texts)).view(np.uint64)


def combine(columns: Sequence[Codes], rows: int) -> Codes:
    """The class key of each row from its columns' codes (order matters: (a, b) differs from (b, a))."""
    key = np.full(rows, _SEED, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for codes in columns:
            key ^= codes
            key *= _MIX
            key ^= key >> np.uint64(29)
    return key


def class_sizes(keys: Codes) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """(size of each class, the size of each row's class), from the rows' class keys."""
    if keys.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    _, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
    counts = counts.astype(np.int64)
    return counts, counts[inverse]


@dataclass(frozen=True)
class RiskFigures:
    """k-anonymity and the prosecutor risk of one table (see the module docstring)."""

    rows: int
    classes: int
    k: int  # the smallest class; 0 for a table without rows
    threshold: int  # the k that ``rows_below_k`` is counted against
    rows_below_k: int
    prosecutor_risk: float  # the highest: 1 / k
    average_risk: float  # classes / rows

    def as_dict(self) -> dict[str, int | float]:
        return {"k": self.k, "rows_below_k": self.rows_below_k, "prosecutor_risk": self.prosecutor_risk,
                "average_risk": self.average_risk, "classes": self.classes, "rows": self.rows,
                "threshold": self.threshold}


def figures(sizes: npt.NDArray[np.int64], threshold: int) -> RiskFigures:
    """The figures of a table whose equivalence classes have ``sizes``."""
    rows = int(sizes.sum())
    if rows == 0:
        return RiskFigures(0, 0, 0, threshold, 0, 0.0, 0.0)
    k = int(sizes.min())
    below = int(sizes[sizes < threshold].sum())
    return RiskFigures(rows, int(sizes.size), k, threshold, below, 1.0 / k, sizes.size / rows)


class ClassCounter:
    """Row keys collected batch by batch (row order kept, for suppressing rows afterwards)."""

    def __init__(self) -> None:
        self._parts: list[Codes] = []
        self.rows = 0

    def add(self, columns: Sequence[Codes], rows: int) -> None:
        self._parts.append(combine(columns, rows))
        self.rows += rows

    def keys(self) -> Codes:
        if len(self._parts) != 1:
            self._parts = [np.concatenate(self._parts) if self._parts else np.zeros(0, dtype=np.uint64)]
        return self._parts[0]
