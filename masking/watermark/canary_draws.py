"""Canaries drawn while the rows still stream, and checked once the last row is in.

A canary must share no identifier with the source (:mod:`masking.watermark.canary`), and the source
is read once, so its whole set of identifiers is known only after the last row. Drawing every canary
then kept the export waiting (the draws, their transforms, fingerprints and sorts: about half a second
at 200,000 rows). But a draw is a fixed function of its reservoir snapshot, its number and the answers
to the membership questions it asks (does the source hold this identifier? this monitored number?),
and an identifier seen stays seen: a "yes" never turns to "no" as more rows arrive, only a "no" may
turn to "yes". So each canary is drawn as soon as the stream has passed its place, against the
identifiers seen so far, and :class:`Asked` keeps every question answered "no"; after the last row
:func:`stale` asks them all again against the whole source, in one lookup. A draw whose answers all
still hold is the draw the end would have made; the others are drawn again there, and since the
monitored phone numbers are handed out in order (:class:`~masking.watermark.pool.PhonePool`), once a
draw again takes other numbers than the first draw did, every canary after it is drawn again too
(:meth:`masking.watermark.embed.ExportMarker.settle_canaries`). The result is the end-of-stream draw,
exactly (tests/test_canary_ahead.py forces late collisions of both kinds).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from masking.io.model import Value
from masking.watermark.source_ids import SourceIdCollector, SourceIds, identifier_hashes

__all__ = ["Asked", "CanaryDraw", "stale"]


class Asked:
    """The membership questions one draw asked of the source's identifiers; the "no"s are kept."""

    def __init__(self, ids: SourceIdCollector) -> None:
        self._ids = ids
        self.no: list[SourceIds] = []  # the hashes of each question answered "no"

    def any(self, texts: Sequence[str]) -> bool:
        """Whether any of the token texts ``texts`` is among the identifiers seen so far."""
        if not texts:
            return False
        hashes = identifier_hashes(texts)
        return self.answered(hashes, hit=bool(self._ids.found(hashes).any()))

    def answered(self, hashes: SourceIds, *, hit: bool) -> bool:
        """``hit``: whether the identifiers ``hashes`` are among those seen so far, found beforehand
        (with other draws' questions, in one lookup), kept as :meth:`any` keeps its answers."""
        if len(hashes) and not hit:
            self.no.append(hashes)
        return hit


@dataclass(frozen=True)
class CanaryDraw:
    """One canary as drawn, with what a draw again would need and what the end checks."""

    sheet: str
    number: int
    rows: Sequence[Sequence[Value]]  # the reservoir at its place (shared with the canaries drawn beside it)
    following: tuple[Value, ...] | None  # the source row it goes before (drawn from when ``rows`` is empty)
    row: tuple[Value, ...]  # the canary, in source form
    taken: tuple[str | None, ...]  # the monitored numbers it took
    fresh: tuple[tuple[str, int, int], ...]  # its profile entries of keyed identifier ends and monitored numbers
    no: tuple[SourceIds, ...]  # the questions answered "no" (Asked.no)
    pool: tuple[int, int]  # the pool's position before and after it (PhonePool.position)


def stale(draws: Sequence[CanaryDraw], ids: SourceIdCollector) -> list[bool]:
    """Whether each draw was answered a "no" that the whole source now answers "yes"."""
    asked = [(index, hashes) for index, draw in enumerate(draws) for hashes in draw.no]
    out = [False] * len(draws)
    if not asked:
        return out
    owners = np.repeat(np.array([index for index, _ in asked]), [len(hashes) for _, hashes in asked])
    for index in np.unique(owners[ids.found(np.concatenate([hashes for _, hashes in asked]))]).tolist():
        out[index] = True
    return out
