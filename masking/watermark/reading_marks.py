"""The +-1 reading mark (policy ``mark_readings``, off by default): a mark the leaker cannot strip
without changing the data they sell.

The office names low-impact reading columns (``mark_readings = ["本月电量(kWh)"]``). In every real row,
such a reading of at least 1 is moved by +1 or -1, the direction a keyed coin of the export and of the
row's *identity*: what every masking pattern of its masked ID and name shows (the identities of
:mod:`masking.watermark.marks`, so re-masking to one pattern keeps it). Rounding the reading to whole
units keeps the mark: ``v + 1`` and ``v - 1`` round two apart.

For each marked row the export records two fingerprints: ``rm|identity|round(v + s)`` (held) and
``rm|identity|round(v - s)`` (the other direction), as canary-profile entries of kinds :data:`HELD` and
:data:`ALT`. Trace rounds each reading of a fragment row and looks both up: an export that holds the
row in either direction is *tested* on it, and *matches* when only its own direction is there. Under an
export that did not make the copy, its coin is independent of the copy's, so a tested row matches with
chance at most 1/2; rows are grouped by identity (one coin per identity), and the number of matches
has an exact binomial tail.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from masking.cell_text import round_trip_text, trace_text
from masking.io.model import Value
from masking.watermark.marks import read_mark

HELD = 3
ALT = 4
_SCHEMES = {"id": "id", "name": "nm", "name1": "nm"}


def row_identity(texts: Iterable[str]) -> str | None:
    """The identity of a row: the identities of its masked IDs and names, sorted (None without any)."""
    found = sorted(f"{_SCHEMES[o.scheme]}:{o.identity}" for o in (read_mark(t) for t in texts)
                   if o is not None and o.scheme in _SCHEMES)
    return "|".join(found) if found else None


def direction(key: bytes, identity: str) -> int:
    """+1 or -1: the export's keyed coin for this identity."""
    return 1 if hashlib.blake2b(identity.encode(), key=key[:64], digest_size=1).digest()[0] & 1 else -1


def reading_value(value: Value) -> Decimal | None:
    """A reading this mark may move (a decimal of at least 1), else None."""
    text = round_trip_text(value)
    if text is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(trace_text(text).replace(",", ""))
    except InvalidOperation:
        return None
    return number if number.is_finite() and 1 <= number < 10**9 else None


def moved(value: Value, number: Decimal, step: int) -> Value:
    """``value`` moved by ``step``, written as it was (a number cell stays a number, text keeps its decimals)."""
    if isinstance(value, int | float):
        return type(value)(value + step)
    text = str(value).strip()
    places = len(text.partition(".")[2]) if "." in text else 0
    shifted = number + step
    return f"{shifted:,.{places}f}" if "," in text else f"{shifted:.{places}f}"


def whole(number: Decimal) -> str:
    return str(number.quantize(Decimal(1), ROUND_HALF_UP))


def features(identity: str, number: Decimal, step: int) -> tuple[str, str]:
    """(held, other direction) fingerprint features of one marked reading."""
    return f"rm|{identity}|{whole(number + step)}", f"rm|{identity}|{whole(number - step)}"


def fragment_feature(identity: str, text: str) -> str | None:
    """What trace looks up for one cell of a fragment row of ``identity``: its reading, rounded."""
    try:
        number = Decimal(trace_text(text).replace(",", ""))
    except InvalidOperation:
        return None
    return f"rm|{identity}|{whole(number)}" if number.is_finite() and abs(number) < 10**9 else None
