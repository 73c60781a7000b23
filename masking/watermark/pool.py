"""Monitored phone numbers for canary rows: the office's own numbers, handed out without repeats.

When a purpose needs real phone numbers, the phone column leaves in clear and no mark can live in it:
the canaries' phones are then the evidence. They must never be a number that may belong to a real
person, so they come from the policy's monitored numbers (``[export] canary_phones``): numbers the
office owns, whose use raises an alarm. An entry is one number (``"13800000000"``) or a block written
with trailing ``x`` (``"1701234xxxx"``: the 10,000 numbers 17012340000-17012349999).

* Each workstation takes its own slice of the pool: the numbers are split into
  ``canary_pool_slices`` disjoint slices (policy, signed by the office) and a workstation uses slice
  ``H(workstation id) mod slices``.
* Within its slice a workstation hands numbers out in one keyed order, each export taking the next
  ones (:class:`PhonePool`, from ``offset`` = the numbers its earlier exports used, from the ledger):
  no number repeats within an export, and none is shared by two exports of the workstation until the
  slice is used up. Then the order starts over (numbers are shared again) and the export says so.

Trace counts a monitored number carried by exactly one export as naming it (no customer has it), and a
number carried by several exports as pointing to that set only (:mod:`masking.watermark.trace`).
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from masking.errors import UsageError

MAX_POOL = 1_000_000  # numbers one policy may name (blocks expanded)
_ENTRY = re.compile(r"(\d{3,20})(x{0,6})")
LOW_SHARE = 0.1  # a slice with less than this share left (after the export) is reported as running low


def pool_blocks(entries: Sequence[str]) -> list[tuple[str, int]]:
    """Each entry as (fixed digits, free trailing digits); a bad entry or too large a pool is a ``UsageError``."""
    blocks = []
    for entry in entries:
        match = _ENTRY.fullmatch(entry.strip().replace("-", "").replace(" ", "").lower())
        if match is None or len(match.group(1)) + len(match.group(2)) < 7:
            raise UsageError(f"policy: 'canary_phones' entry {entry!r} is not a phone number or a block "
                             "like 1701234xxxx")
        blocks.append((match.group(1), len(match.group(2))))
    if sum(10**free for _, free in blocks) > MAX_POOL:
        raise UsageError(f"policy: 'canary_phones' names more than {MAX_POOL:,} numbers")
    return blocks


def expand_pool(entries: Sequence[str]) -> tuple[str, ...]:
    """Every number the entries name, in order, without duplicates."""
    numbers: dict[str, None] = {}
    for head, free in pool_blocks(entries):
        for tail in range(10**free):
            numbers[head + (f"{tail:0{free}d}" if free else "")] = None
    return tuple(numbers)


def workstation_slice(numbers: Sequence[str], slices: int, workstation: str) -> tuple[str, ...]:
    """The workstation's own slice: every ``slices``-th number from a start its id picks."""
    if slices <= 1:
        return tuple(numbers)
    start = int.from_bytes(hashlib.sha256(f"exportguard/pool-slice/{workstation}".encode()).digest()[:8], "big")
    return tuple(numbers[start % slices::slices])


def keyed_order(numbers: Sequence[str], key: bytes) -> tuple[str, ...]:
    """The slice in the order this workstation hands numbers out (keyed, the same for each of its exports)."""
    order = list(numbers)
    random.Random(int.from_bytes(hashlib.sha256(b"exportguard/pool-order/" + key).digest(), "big")).shuffle(order)  # noqa: S311 - keyed order, not a secret
    return tuple(order)


@dataclass(frozen=True)
class PoolUse:
    """What one export took from its workstation's slice (recorded in the ledger, reported when low)."""

    size: int  # numbers in the slice
    used: int  # numbers this export took
    left: int  # numbers of the slice no export had used before this one took its own (0 once it wraps)
    wrapped: bool  # this export took numbers an earlier export of the workstation had already used

    @property
    def low(self) -> bool:
        return self.size > 0 and (self.wrapped or self.left - self.used < LOW_SHARE * self.size)


class PhonePool:
    """Hands out the slice's numbers in its keyed order, from ``offset`` on (one instance per export)."""

    def __init__(self, ordered: Sequence[str], offset: int) -> None:
        self._numbers = tuple(ordered)
        self._offset = offset
        self._taken = 0

    def __len__(self) -> int:
        return len(self._numbers)

    @property
    def position(self) -> int:
        """How many numbers this export has taken so far (handed out or passed over)."""
        return self._taken

    def rewind(self, position: int) -> None:
        """Hand numbers out again from ``position`` (a canary drawn again after the last row takes its
        numbers anew: :mod:`masking.watermark.canary_draws`)."""
        self._taken = position

    def take(self, in_source: Callable[[str], bool] = lambda _: False) -> str | None:
        """The next number the source itself does not hold; None for an empty pool."""
        for _ in range(len(self._numbers)):
            number = self._numbers[(self._offset + self._taken) % len(self._numbers)]
            self._taken += 1
            if not in_source(number):
                return number
        return None

    def use(self) -> PoolUse:
        size = len(self._numbers)
        left = max(0, size - self._offset)
        return PoolUse(size, self._taken, left, self._offset + self._taken > size)
