"""What trace's scoring layers share: the evidence they report, one export's score, one fragment row's features.

:mod:`masking.watermark.trace` reads the fragment and drives the layers; :mod:`masking.watermark.mark_scoring`
(masking patterns, collusion) and :mod:`masking.watermark.canary_scoring` (canary rows, canary profiles,
monitored numbers) score them into the :class:`_Score` records kept here, and trace turns those into its
report. Every layer appends :class:`Evidence` (a sentence key of :data:`EVIDENCE_TEXTS` and its values) and
an ln p-value per layer; :func:`_bounds` applies the union bound that decides, against :data:`ALPHA`, which
exports are named.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from masking.plurals import choose_plurals
from masking.watermark.marks import MarkObservation
from masking.watermark.stats import log_combine

ALPHA = 1e-6  # the largest false-attribution probability (after the union bound) at which trace names


@dataclass(frozen=True)
class Evidence:
    """One finding for one candidate: its layer, a sentence key of :data:`EVIDENCE_TEXTS` and the
    sentence's values, already formatted (so a translation shows the very same figures)."""

    layer: str
    key: str
    args: tuple[tuple[str, str], ...] = ()

    @property
    def detail(self) -> str:
        """The finding in English (the CLI's words; the desktop app translates ``key`` instead)."""
        values = dict(self.args)
        return choose_plurals(EVIDENCE_TEXTS[self.key], values).format(**values)


def _evidence(layer: str, key: str, **args: object) -> Evidence:
    return Evidence(layer, key, tuple((name, str(value)) for name, value in args.items()))


# The sentences trace reports evidence in (the desktop app has a translation of each, by key).
EVIDENCE_TEXTS = {
    "canary_row": "fragment row {row} is canary row #{canary} of this export (a fictitious customer)",
    "membership": "{rows} of {total} fragment rows carry identifiers this export contained",
    "tokens_unique": "{count} {count|identifier or token|identifiers or tokens} in the fragment {count|was|were} "
                     "carried by this export and by no other",
    "tokens_shared": "{count} {count|token was|tokens were} carried by this export and by other exports too (the "
                     "same recipient): not decisive",
    "marks": "{matched} of {tested} masking patterns match this export's key ({expected} expected by chance; "
             "p = {p})",
    "marks_rest": "{matched} of {tested} masking patterns that the exports named before do not explain match this "
                  "export's key ({expected} expected by chance; p = {p})",
    "marks_unexplained": "{count} of {total} masked values match none of the named exports: altered by hand, or "
                         "from copies of other exports the fragment is too small to name",
    "marks_together": "{count} exports are named together: the fragment merges their copies; each is named on its "
                      "own evidence against the same bound (every export in the ledger counted)",
    "canary_profile": "{matched} of this export's {tested} canary rows match fragment rows on what survives "
                      "re-masking and rounding (keyed ID/number ends, readings, context; {expected} expected by "
                      "chance; p = {p})",
    "pool_unique": "{count} monitored phone {count|number|numbers} in the fragment {count|was|were} given to this "
                   "export's canary rows and to no other export (numbers the office owns: no customer has them)",
    "pool_shared": "{count} monitored phone {count|number|numbers} in the fragment {count|was|were} given to this "
                   "export and to other exports: they point to that set of {total} exports, not to one",
    "reading_marks": "{matched} of {tested} marked readings show this export's keyed +-1 ({expected} expected by "
                     "chance; p = {p})",
    "membership_all": "this export held every one of the {rows} fragment rows of real customers; {total} "
                      "{total|export|exports} in the ledger held them all",
    "visible": "the fragment's text names this export",
    "metadata_authentic": "the document properties name this export (authenticated by its MAC)",
    "metadata_forged": "the document properties name this export (MAC does NOT verify)",
}


@dataclass
class _Row:
    """One fragment row's features under one key, by keyed fingerprint (built by trace's ``_features``)."""

    tokens: dict[int, str] = field(default_factory=dict)  # fingerprint -> feature (for its value space)
    masked: set[int] = field(default_factory=set)
    weak: dict[int, str] = field(default_factory=dict)  # masked identities and readings (canary matching)
    marks: list[tuple[int, MarkObservation]] = field(default_factory=list)


@dataclass
class _Score:
    """One export's findings so far: an ln p-value per layer, and the evidence to report."""

    log_ps: dict[str, float] = field(default_factory=dict)
    evidence: list[Evidence] = field(default_factory=list)
    canary_tests: int = 0  # canary tests folded into log_ps["canaries"] (canary_scoring._canary_log_p), and their best
    canary_min: float = 0.0


def _bounds(scores: Mapping[int, _Score], held: int) -> dict[int, float]:
    """ln of each scored export's false-attribution bound: its layers' combined p-value times the number
    of exports held (the union bound counts every export held, loaded or not)."""
    total = math.log(max(1, held))
    return {i: min(0.0, log_combine(list(score.log_ps.values())) + total) for i, score in scores.items()}
