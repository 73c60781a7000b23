"""The format cipher shared by ``pseudonymize`` and ``encrypt``: digit codecs and FF1 over any domain.

Digit kinds (phone, meter_id, id_number, bank_card, account_no) go through one engine,
:class:`FormatCipher`: each kind's *codec* splits a canonical value into a kept part (the *group*,
e.g. a card's issuer number and length) and a variable part that is an integer below the group's
domain size. FF1 permutes that integer under a tweak naming the kind, the group and the scope, and
the codec rebuilds a value with the check digit recomputed. Because every step is a bijection of
the variable part within its group, pseudonyms are collision-free and ciphertexts decrypt.

Domains that are not a power of ten (mobile prefixes x 10**8 subscriber numbers; days x 1000 ID
sequence numbers) are permuted by *cycle-walking*: FF1 runs over ``radix ** n >= domain`` numerals
(the radix and length that waste least, chosen by :func:`ff1_plan`) and is re-applied to the few
results that land outside the domain. In a batch only those are re-encrypted.

What each codec keeps, and what it changes (format version 1):

=========== ===================================================================================
mobile       the prefix class (voice / data); the prefix is remapped among the real network
             prefixes of that class and the 8-digit subscriber number changes with it. IoT
             (146/148/149: 13-digit numbers) and satellite (174) prefixes are not valid in every
             11-digit number, so such a mobile gets the fallback
landline     the area code and the local number's length; the local number (first digit 2-9)
             changes; 400/800 numbers keep 400/800
meter_id     the 5-digit unit code and the 2-digit asset type; the 14-digit serial changes; the
             GS1 check digit is recomputed (a number whose check digit was off keeps the same
             offset, so the mapping stays invertible)
id_number    the region code and the 15/18-character form; birth date (1920-01-01..2024-12-31)
             and sequence number change together; MOD 11-2 check character recomputed. A birth
             date outside that range does not parse (it gets the fallback).
bank_card    the 6-digit issuer number and the length; the middle digits change; Luhn recomputed
account_no   the length and the first digit (6-digit numbers change whole); at least 6 digits
=========== ===================================================================================

Formatting: a value's separators and +86 prefix are kept ("139-1234-5678" -> "1xx-xxxx-xxxx") when
the canonical digits are the value's last digits; otherwise the canonical form is written. A whole
number cell stays a whole number when the result has no leading zero.

The reference tables (mobile prefixes) are part of the format: :func:`format_id` fingerprints the
ones a kind depends on, and encryption records it so a later table change is detected, not guessed.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import cast

import numpy as np
import numpy.typing as npt

from masking.cell_text import identifier_text
from masking.checksums import (
    PROVINCE_CODES,
    calendar_ordinals_many,
    gs1_check_digit,
    gs1_check_digits_many,
    id_check_char,
    id_check_chars_many,
    luhn_check_digit,
    luhn_check_digits_many,
)
from masking.crypto import HmacSha256, derive_key
from masking.fpe import ALPHABET, FF1, MIN_DOMAIN
from masking.io.model import Damaged, Value
from masking.kinds import Kind, is_bank_card
from masking.numbering import FULL_BLOCK_USES, mobile_prefixes
from masking.operators.base import FORMAT_VERSION, scope_label
from masking.operators.canonical import ACCOUNT_MAX_DIGITS, ACCOUNT_MIN_DIGITS, canonical_digits, with_format
from masking.regions import region_years

__all__ = ["FormatCipher", "ff1_plan", "format_id"]

U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]
U8 = npt.NDArray[np.uint8]
Mask = npt.NDArray[np.bool_]

# --------------------------------------------------------------------------------------------
# Codecs: canonical value <-> (group, index < domain)


_ZERO = ord("0")
_NEWLINE = ord("\n")
_TEN = np.uint64(10)


def _number(digits: U8) -> U64:
    """The integer each row of digit values (n x k, k <= 19) spells."""
    acc = np.zeros(digits.shape[0], dtype=np.uint64)
    for column in range(digits.shape[1]):
        acc *= _TEN
        acc += digits[:, column]
    return acc


def _digit_columns(values: U64 | I64, width: int) -> U8:
    """Each value as ``width`` digit values (n x width), zero-padded; the inverse of :func:`_number`."""
    out = np.empty((values.shape[0], width), dtype=np.uint8)
    rest = values.astype(np.uint64)
    for column in reversed(range(width)):
        rest, digit = np.divmod(rest, _TEN)
        out[:, column] = digit
    return out


def _texts(*parts: U8) -> list[str]:
    """One ASCII string per row of the digit values ``parts`` side by side (X as 40, ord("X") - 48)."""
    width = sum(part.shape[1] for part in parts)
    out = np.empty((parts[0].shape[0], width + 1), dtype=np.uint8)
    column = 0
    for part in parts:
        out[:, column : column + part.shape[1]] = part
        column += part.shape[1]
    out[:, :width] += np.uint8(_ZERO)
    out[:, width] = ord("\n")
    texts = out.tobytes().decode("ascii").split("\n")
    texts.pop()
    return texts


class _Codec(ABC):
    #: Lengths of canonical values :meth:`split_many` reads (all of them digits, but an ID's last X).
    fast_lengths: frozenset[int] = frozenset()

    @abstractmethod
    def split(self, canonical: str) -> tuple[str, int] | None:
        """(group, index) of a canonical value, or None when it is not a value of the kind."""

    def split_many(self, digits: U8) -> tuple[Mask, I64, U64]:
        """:meth:`split` of a batch of canonical values of one of :attr:`fast_lengths`, as digit
        values (n x length; an ID's X is 40): per row, whether it is handled here, an integer key
        naming its group (see :meth:`group_name`) and its index. The rows not handled (not values
        of the kind, or rare forms) go through :meth:`split` one by one."""
        raise NotImplementedError

    def group_name(self, key: int, length: int) -> str:
        """The group :meth:`split` names for the rows of ``length`` that :meth:`split_many` keys ``key``."""
        raise NotImplementedError

    def join_many(self, keys: I64, indices: U64, length: int) -> list[str]:
        """:meth:`join` of a batch: the canonical values at ``indices`` of the groups ``keys``."""
        raise NotImplementedError

    @abstractmethod
    def domain(self, group: str) -> int:
        """How many values the group holds (the FF1 domain, cycle-walked)."""

    @abstractmethod
    def join(self, group: str, index: int) -> str:
        """The canonical value at ``index`` of ``group``; inverse of :meth:`split`."""

    def fingerprint(self) -> str:
        return ""


@functools.cache
def _mobile_classes() -> tuple[dict[str, tuple[str, int]], dict[str, tuple[str, ...]]]:
    by_prefix: dict[str, tuple[str, int]] = {}
    members: dict[str, list[str]] = {}
    for entry in mobile_prefixes():
        if entry.use not in FULL_BLOCK_USES:
            continue  # an IoT or satellite mobile gets the fallback: no class of them is valid throughout
        group = "m" + entry.use.value
        members.setdefault(group, [])
        by_prefix[entry.prefix] = (group, len(members[group]))
        members[group].append(entry.prefix)
    return by_prefix, {group: tuple(prefixes) for group, prefixes in members.items()}


_AREA_3 = re.compile(r"0(?:10|2\d)")
_AREA_4 = re.compile(r"0[3-9]\d\d")


@functools.cache
def _mobile_tables() -> tuple[tuple[str, ...], I64, I64, I64] | None:
    """:func:`_mobile_classes` as arrays for :meth:`_PhoneCodec.split_many`: the group names, then
    per 3-digit prefix its group number and position (-1: none), and per group its prefixes.
    None when a prefix is not three digits (the batch form then leaves mobiles to ``split``)."""
    by_prefix, members = _mobile_classes()
    if not all(len(p) == 3 and p.isascii() and p.isdigit() for p in by_prefix):
        return None
    names = tuple(members)
    group_of = np.full(1000, -1, dtype=np.int64)
    position_of = np.full(1000, -1, dtype=np.int64)
    prefixes = np.zeros((len(names), max(len(m) for m in members.values())), dtype=np.int64)
    for prefix, (group, position) in by_prefix.items():
        group_of[int(prefix)] = names.index(group)
        position_of[int(prefix)] = position
        prefixes[names.index(group), position] = int(prefix)
    return names, group_of, position_of, prefixes


_SUBSCRIBERS = 100_000_000


class _PhoneCodec(_Codec):
    fast_lengths = frozenset({11})  # mobiles; landlines and the rest go through split

    def split_many(self, digits: U8) -> tuple[Mask, I64, U64]:
        tables = _mobile_tables()
        count = digits.shape[0]
        if tables is None:
            return np.zeros(count, dtype=bool), np.zeros(count, dtype=np.int64), np.zeros(count, dtype=np.uint64)
        _, group_of, position_of, _ = tables
        prefix = digits[:, :3].astype(np.int64) @ np.array([100, 10, 1], dtype=np.int64)
        keys = group_of[prefix]
        handled = (digits[:, 0] == 1) & (keys >= 0)
        positions = np.where(handled, position_of[prefix], 0).astype(np.uint64)
        return handled, keys, positions * np.uint64(_SUBSCRIBERS) + _number(digits[:, 3:])

    def group_name(self, key: int, length: int) -> str:
        tables = _mobile_tables()
        assert tables is not None  # noqa: S101 - split_many handles no row without them
        return tables[0][key]

    def join_many(self, keys: I64, indices: U64, length: int) -> list[str]:
        tables = _mobile_tables()
        assert tables is not None  # noqa: S101 - split_many handles no row without them
        position, tail = np.divmod(indices, np.uint64(_SUBSCRIBERS))
        prefix = tables[3][keys, position.astype(np.int64)]
        return _texts(_digit_columns(prefix, 3), _digit_columns(tail, 8))

    def split(self, canonical: str) -> tuple[str, int] | None:
        if len(canonical) == 11 and canonical[0] == "1":
            found = _mobile_classes()[0].get(canonical[:3])
            if found is None:
                return None
            group, position = found
            return group, position * 100_000_000 + int(canonical[3:])
        if len(canonical) == 10 and canonical[:3] in ("400", "800"):
            return "s" + canonical[:3], int(canonical[3:])
        if _AREA_3.match(canonical):
            area = canonical[:3]
        elif _AREA_4.match(canonical):
            area = canonical[:4]
        else:
            return None
        local = canonical[len(area) :]
        if len(local) not in ((8,) if len(area) == 3 else (7, 8)) or local[0] not in "23456789":
            return None
        return f"l{area}/{len(local)}", (int(local[0]) - 2) * 10 ** (len(local) - 1) + int(local[1:])

    def domain(self, group: str) -> int:
        if group[0] == "m":
            return len(_mobile_classes()[1][group]) * 100_000_000
        if group[0] == "s":
            return 10_000_000
        length = int(group.split("/")[1])
        return int(8 * 10 ** (length - 1))

    def join(self, group: str, index: int) -> str:
        if group[0] == "m":
            position, tail = divmod(index, 100_000_000)
            return f"{_mobile_classes()[1][group][position]}{tail:08d}"
        if group[0] == "s":
            return f"{group[1:]}{index:07d}"
        area, length_text = group[1:].split("/")
        length = int(length_text)
        first, rest = divmod(index, 10 ** (length - 1))
        return f"{area}{first + 2}{rest:0{length - 1}d}"

    def fingerprint(self) -> str:
        table = ";".join(f"{e.prefix}:{e.use.value}" for e in mobile_prefixes())
        return hashlib.sha256(table.encode("ascii")).hexdigest()[:12]


_BIT_COUNTS = np.array([bin(bits).count("1") for bits in range(1 << 10)], dtype=np.uint8)


def _distinct_digits(digits: U8) -> U8:
    """How many distinct digits each row of digit values (0-9) holds: the bits of the digits seen."""
    seen = np.bitwise_or.reduce(np.left_shift(np.uint16(1), digits.astype(np.uint16)), axis=1)
    return _BIT_COUNTS[seen]


class _MeterCodec(_Codec):
    fast_lengths = frozenset({22})

    def split_many(self, digits: U8) -> tuple[Mask, I64, U64]:
        handled = (_distinct_digits(digits) > 2) & digits[:, :5].any(axis=1)
        offset = (digits[:, 21].astype(np.int64) - gs1_check_digits_many(digits[:, :21])) % 10
        keys = _number(digits[:, :7]).astype(np.int64) * 10 + offset
        return handled, keys, _number(digits[:, 7:21])

    def group_name(self, key: int, length: int) -> str:
        return f"{key // 10:07d}/{key % 10}"

    def join_many(self, keys: I64, indices: U64, length: int) -> list[str]:
        head, offset = np.divmod(keys, 10)
        payload = np.concatenate([_digit_columns(head, 7), _digit_columns(indices, 14)], axis=1)
        check = ((gs1_check_digits_many(payload) + offset) % 10).astype(np.uint8)
        return _texts(payload, check[:, None])

    def split(self, canonical: str) -> tuple[str, int] | None:
        # The rules of kinds.meter_id_strength, inlined for speed (the tests hold them equal).
        if len(canonical) != 22 or not canonical.isdigit() or canonical[:5] == "00000" or len(set(canonical)) <= 2:
            return None
        payload = canonical[:21]
        offset = (int(canonical[21]) - int(gs1_check_digit(payload))) % 10
        return f"{payload[:7]}/{offset}", int(payload[7:])

    def domain(self, group: str) -> int:
        return 10**14

    def join(self, group: str, index: int) -> str:
        head, offset = group.split("/")
        payload = f"{head}{index:014d}"
        return payload + str((int(gs1_check_digit(payload)) + int(offset)) % 10)


# Birth dates an ID pseudonym or ciphertext may carry. Fixed per format version (a moving end
# would change every token); a date past the end is in the past for any run of this version.
ID_FIRST_BIRTH = dt.date(1920, 1, 1)
ID_LAST_BIRTH = dt.date(2024, 12, 31)
ID15_LAST_BIRTH = dt.date(1999, 12, 31)
_FIRST_ORDINAL = ID_FIRST_BIRTH.toordinal()


_PROVINCES = np.zeros(100, dtype=bool)
_PROVINCES[[int(code) for code in PROVINCE_CODES]] = True
_UNIX_DAY = dt.date(1970, 1, 1).toordinal()


_SEQUENCES = 500  # sequence numbers of one parity (the last digit of the sequence is the sex digit)
# FF1 wants a domain of at least 10**6: 2,000 days of 500 sequence numbers.
_ID_MIN_DAYS = -(-MIN_DOMAIN // _SEQUENCES)
_MAX_PIECES = 32  # pieces of a region's birth days (a key holds the piece number in 5 bits)
_NO_START = np.iinfo(np.int64).max


def _day_of_year(year: int, *, last: bool) -> int:
    """The day offset of 1 January (or 31 December) of ``year``."""
    return (dt.date(year, 12, 31) if last else dt.date(year, 1, 1)).toordinal() - _FIRST_ORDINAL


def _pieces(periods: tuple[tuple[int | None, int | None], ...], last_day: int) -> list[list[int]]:
    """Runs of birth days [start, end] that partition [0, last_day]: the periods a region code was in
    use and the gaps between them, each at least FF1's minimum long (a short run takes the days it
    lacks from its longer neighbour, or merges with it when that neighbour has none to spare)."""
    runs: list[list[int]] = []
    cursor = 0
    for first, last in periods:
        start = 0 if first is None else max(0, _day_of_year(first, last=False))
        end = last_day if last is None else min(last_day, _day_of_year(last, last=True))
        if start > end or start < cursor:
            continue
        if start > cursor:
            runs.append([cursor, start - 1])
        runs.append([start, end])
        cursor = end + 1
    if cursor <= last_day:
        runs.append([cursor, last_day])
    while len(runs) > 1:
        short = [i for i, (a, b) in enumerate(runs) if b - a + 1 < _ID_MIN_DAYS]
        if not short:
            break
        i = min(short, key=lambda k: runs[k][1] - runs[k][0])
        j = max((k for k in (i - 1, i + 1) if 0 <= k < len(runs)), key=lambda k: runs[k][1] - runs[k][0])
        deficit = _ID_MIN_DAYS - (runs[i][1] - runs[i][0] + 1)
        if runs[j][1] - runs[j][0] + 1 - deficit >= _ID_MIN_DAYS:
            if j < i:
                runs[j][1] -= deficit
                runs[i][0] -= deficit
            else:
                runs[j][0] += deficit
                runs[i][1] += deficit
        else:
            runs[min(i, j)] = [min(runs[i][0], runs[j][0]), max(runs[i][1], runs[j][1])]
            del runs[max(i, j)]
    return runs


@functools.cache
def _piece_table(last_day: int) -> tuple[I64, I64]:
    """The region codes with limited years (sorted) and, per code, the first day of each of its
    pieces (:func:`_pieces`), padded with a start no day reaches."""
    table = sorted(region_years().items())
    codes = np.array([int(code) for code, _ in table], dtype=np.int64)
    starts = np.full((len(table) + 1, _MAX_PIECES), _NO_START, dtype=np.int64)
    for row, (_, periods) in enumerate(table):
        pieces = _pieces(periods, last_day)
        if len(pieces) > _MAX_PIECES:
            raise ValueError(f"region_years.tsv: code {codes[row]} has more than {_MAX_PIECES} periods")
        starts[row, : len(pieces)] = [a for a, _ in pieces]
    starts[len(table), 0] = 0  # the last row serves every code in use throughout: one piece
    return codes, starts


def _starts(regions: I64, last_day: int) -> I64:
    """The piece starts (n x _MAX_PIECES) of each region code."""
    codes, starts = _piece_table(last_day)
    at = np.minimum(np.searchsorted(codes, regions), len(codes) - 1)
    return starts[np.where(codes[at] == regions, at, len(codes))]


def _id_indices(regions: I64, days: I64, seqs: I64, last_day: int) -> tuple[I64, U64]:
    """Group keys (region * 64 + parity * 32 + piece) and indices of IDs by region, birth day offset
    and sequence number: an ID keeps its region, its sex digit's parity and its piece of birth days."""
    starts = _starts(regions, last_day)
    piece = (starts <= days[:, None]).sum(axis=1) - 1
    first = starts[np.arange(len(regions)), piece]
    keys = regions * 64 + (seqs % 2) * 32 + piece
    return keys, ((days - first) * _SEQUENCES + seqs // 2).astype(np.uint64)


def _id_parts(keys: I64, indices: U64, last_day: int) -> tuple[I64, I64, I64]:
    """Inverse of :func:`_id_indices`: region, birth day offset and sequence number per row."""
    regions, parity, piece = keys // 64, (keys // 32) % 2, keys % 32
    first = _starts(regions, last_day)[np.arange(len(keys)), piece]
    day_index, half = np.divmod(indices.astype(np.int64), _SEQUENCES)
    return regions, first + day_index, half * 2 + parity


def _id_domain(key: int, last_day: int) -> int:
    starts = _starts(np.array([key // 64], dtype=np.int64), last_day)[0]
    piece = key % 32
    end = last_day if piece + 1 >= _MAX_PIECES or starts[piece + 1] == _NO_START else int(starts[piece + 1]) - 1
    return (end - int(starts[piece]) + 1) * _SEQUENCES


def _last_day(length: int) -> int:
    return (ID_LAST_BIRTH if length == 18 else ID15_LAST_BIRTH).toordinal() - _FIRST_ORDINAL


class _IdCodec(_Codec):
    """Keeps the region code and the sex digit's parity; the birth date stays in the original's piece
    of birth days (:func:`_pieces`: the periods the region code was in use, ``data/region_years.tsv``,
    and the gaps between them), so an ID valid at its birth date stays valid."""

    fast_lengths = frozenset({18})

    def split_many(self, digits: U8) -> tuple[Mask, I64, U64]:
        first = _FIRST_ORDINAL
        born = calendar_ordinals_many(digits[:, 6:14])
        handled = (
            _PROVINCES[digits[:, 0].astype(np.int64) * 10 + digits[:, 1]]
            & (id_check_chars_many(digits[:, :17]) == digits[:, 17] + np.uint8(_ZERO))
            & (born >= first)
            & (born <= ID_LAST_BIRTH.toordinal())
        )
        days = np.where(handled, born - first, 0).astype(np.int64)
        regions = _number(digits[:, :6]).astype(np.int64)
        keys, indices = _id_indices(regions, days, _number(digits[:, 14:17]).astype(np.int64), _last_day(18))
        return handled, keys, indices

    def group_name(self, key: int, length: int) -> str:
        return f"{key // 64:06d}/{length}/{(key // 32) % 2}/{key % 32}"

    def join_many(self, keys: I64, indices: U64, length: int) -> list[str]:
        regions, days, seqs = _id_parts(keys, indices, _last_day(18))
        date = (days + (_FIRST_ORDINAL - _UNIX_DAY)).astype("datetime64[D]")
        year = date.astype("datetime64[Y]")
        month = date.astype("datetime64[M]")
        first17 = np.concatenate(
            [
                _digit_columns(regions, 6),
                _digit_columns(year.astype(np.int64) + 1970, 4),
                _digit_columns((month - year.astype("datetime64[M]")).astype(np.int64) + 1, 2),
                _digit_columns((date - month.astype("datetime64[D]")).astype(np.int64) + 1, 2),
                _digit_columns(seqs, 3),
            ],
            axis=1,
        )
        return _texts(first17, (id_check_chars_many(first17) - np.uint8(_ZERO))[:, None])

    def split(self, canonical: str) -> tuple[str, int] | None:  # noqa: PLR0911 - one return per rule
        if len(canonical) == 18:
            born, seq, last = canonical[6:14], canonical[14:17], ID_LAST_BIRTH
        elif len(canonical) == 15:
            born, seq, last = "19" + canonical[6:12], canonical[12:15], ID15_LAST_BIRTH
        else:
            return None
        if canonical[:2] not in PROVINCE_CODES or not canonical[:-1].isdigit():
            return None
        if len(canonical) == 18 and id_check_char(canonical[:17]) != canonical[17]:
            return None
        if len(canonical) == 15 and not canonical[14].isdigit():
            return None
        try:
            date = dt.date(int(born[:4]), int(born[4:6]), int(born[6:]))
        except ValueError:
            return None
        if not ID_FIRST_BIRTH <= date <= last:
            return None
        keys, indices = _id_indices(np.array([int(canonical[:6])], dtype=np.int64),
                                    np.array([date.toordinal() - _FIRST_ORDINAL], dtype=np.int64),
                                    np.array([int(seq)], dtype=np.int64), _last_day(len(canonical)))
        return self.group_name(int(keys[0]), len(canonical)), int(indices[0])

    @staticmethod
    def _key(group: str) -> tuple[int, int]:
        region, length, parity, piece = group.split("/")
        return int(region) * 64 + int(parity) * 32 + int(piece), int(length)

    def domain(self, group: str) -> int:
        key, length = self._key(group)
        return _id_domain(key, _last_day(length))

    def join(self, group: str, index: int) -> str:
        key, length = self._key(group)
        regions, days, seqs = _id_parts(np.array([key], dtype=np.int64), np.array([index], dtype=np.uint64),
                                        _last_day(length))
        date = dt.date.fromordinal(_FIRST_ORDINAL + int(days[0]))
        region, seq = int(regions[0]), int(seqs[0])
        if length == 15:
            return f"{region:06d}{date.year % 100:02d}{date.month:02d}{date.day:02d}{seq:03d}"
        first17 = f"{region:06d}{date.year:04d}{date.month:02d}{date.day:02d}{seq:03d}"
        return first17 + id_check_char(first17)

    def fingerprint(self) -> str:
        table = ";".join(f"{code}:{periods}" for code, periods in sorted(region_years().items()))
        return hashlib.sha256(f"parity+years;{table}".encode("ascii")).hexdigest()[:12]


_IIN_FIRST = np.zeros(10, dtype=bool)
_IIN_FIRST[[3, 4, 5, 6, 8, 9]] = True  # kinds.is_bank_card's issuer digits (the tests hold them equal)


class _CardCodec(_Codec):
    fast_lengths = frozenset(range(13, 20))

    def split_many(self, digits: U8) -> tuple[Mask, I64, U64]:
        handled = _IIN_FIRST[digits[:, 0]] & (luhn_check_digits_many(digits[:, :-1]) == digits[:, -1])
        return handled, _number(digits[:, :6]).astype(np.int64), _number(digits[:, 6:-1])

    def group_name(self, key: int, length: int) -> str:
        return f"{key:06d}/{length}"

    def join_many(self, keys: I64, indices: U64, length: int) -> list[str]:
        payload = np.concatenate([_digit_columns(keys, 6), _digit_columns(indices, length - 7)], axis=1)
        return _texts(payload, luhn_check_digits_many(payload)[:, None])

    def split(self, canonical: str) -> tuple[str, int] | None:
        if not is_bank_card(canonical):
            return None
        return f"{canonical[:6]}/{len(canonical)}", int(canonical[6:-1])

    def domain(self, group: str) -> int:
        return int(10 ** (int(group.split("/")[1]) - 7))

    def join(self, group: str, index: int) -> str:
        iin, length = group.split("/")
        payload = f"{iin}{index:0{int(length) - 7}d}"
        return payload + luhn_check_digit(payload)


class _AccountCodec(_Codec):
    fast_lengths = frozenset(range(ACCOUNT_MIN_DIGITS, 20))  # index below 10**18, inside FF1's 2**62

    def split_many(self, digits: U8) -> tuple[Mask, I64, U64]:
        handled = np.ones(digits.shape[0], dtype=bool)
        if digits.shape[1] == ACCOUNT_MIN_DIGITS:
            return handled, np.zeros(digits.shape[0], dtype=np.int64), _number(digits)
        return handled, digits[:, 0].astype(np.int64), _number(digits[:, 1:])

    def group_name(self, key: int, length: int) -> str:
        return f"-/{length}" if length == ACCOUNT_MIN_DIGITS else f"{key}/{length}"

    def join_many(self, keys: I64, indices: U64, length: int) -> list[str]:
        if length == ACCOUNT_MIN_DIGITS:
            return _texts(_digit_columns(indices, length))
        return _texts(_digit_columns(keys, 1), _digit_columns(indices, length - 1))

    def split(self, canonical: str) -> tuple[str, int] | None:
        length = len(canonical)
        if not ACCOUNT_MIN_DIGITS <= length <= ACCOUNT_MAX_DIGITS or not canonical.isdigit():
            return None
        if length == ACCOUNT_MIN_DIGITS:
            return f"-/{length}", int(canonical)
        return f"{canonical[0]}/{length}", int(canonical[1:])

    def domain(self, group: str) -> int:
        length = int(group.split("/")[1])
        return int(10 ** (length if group[0] == "-" else length - 1))

    def join(self, group: str, index: int) -> str:
        first, length_text = group.split("/")
        length = int(length_text)
        if first == "-":
            return f"{index:0{length}d}"
        return f"{first}{index:0{length - 1}d}"


_CODECS: dict[Kind, _Codec] = {
    Kind.PHONE: _PhoneCodec(),
    Kind.METER_ID: _MeterCodec(),
    Kind.ID_NUMBER: _IdCodec(),
    Kind.BANK_CARD: _CardCodec(),
    Kind.ACCOUNT_NO: _AccountCodec(),
}


def format_id(kind: Kind) -> str:
    """Names the token format of ``kind``: the format version, plus a fingerprint of the reference
    table the kind's codec depends on (``fpe1`` or ``fpe1-3fa2...``)."""
    codec = _CODECS.get(kind)
    fingerprint = codec.fingerprint() if codec is not None else ""
    base = f"fpe{FORMAT_VERSION}"
    return f"{base}-{fingerprint}" if fingerprint else base


# --------------------------------------------------------------------------------------------
# FF1 over an arbitrary domain size


@functools.cache
def ff1_plan(domain: int) -> tuple[int, int]:
    """(radix, length) of the smallest FF1 domain ``radix ** length >= domain``; radix 10 on ties.

    Part of the token format: the plan for a domain never changes within a format version.
    """
    if domain < MIN_DOMAIN:
        raise ValueError("an FF1 domain needs at least 1,000,000 values")
    if domain > 2**62:
        return 10, len(str(domain - 1))
    best: tuple[int, bool, int, int] | None = None
    for radix in range(2, len(ALPHABET) + 1):
        length, size = 1, radix
        while size < domain:
            length, size = length + 1, size * radix
        candidate = (size, radix != 10, radix, length)
        if best is None or candidate < best:
            best = candidate
    assert best is not None  # noqa: S101 - the loop runs at least once
    return best[2], best[3]


class DomainPermutation:
    """FF1 under one key as a keyed permutation of ``range(domain)``, batched, with cycle-walking."""

    def __init__(self, key: bytes) -> None:
        self._key = key
        self._ff1: dict[int, FF1] = {}

    def _cipher(self, radix: int) -> FF1:
        cipher = self._ff1.get(radix)
        if cipher is None:
            cipher = self._ff1[radix] = FF1(self._key, radix)
        return cipher

    def apply(self, indices: Sequence[int], domain: int, tweak: bytes, *, inverse: bool = False) -> list[int]:
        """The permuted indices (or their preimages with ``inverse``), in order."""
        if not indices:
            return []
        if domain > 2**62:
            return self._apply_big(list(indices), domain, tweak, inverse=inverse)
        array = np.asarray(indices, dtype=np.uint64)
        result: list[int] = self.apply_array(array, domain, tweak, inverse=inverse).tolist()
        return result

    def apply_array(self, indices: U64, domain: int, tweak: bytes, *, inverse: bool = False) -> U64:
        """:meth:`apply` on a numpy array, for domains up to 2**62."""
        radix, length = ff1_plan(domain)
        cipher = self._cipher(radix)
        step = cipher.decrypt_values if inverse else cipher.encrypt_values
        out = step(indices, length, tweak)
        limit = np.uint64(domain)
        pending = np.flatnonzero(out >= limit)
        while pending.size:
            again = step(out[pending], length, tweak)
            out[pending] = again
            pending = pending[again >= limit]
        return out

    def _apply_big(self, indices: list[int], domain: int, tweak: bytes, *, inverse: bool) -> list[int]:
        radix, length = ff1_plan(domain)
        cipher = self._cipher(radix)
        step = cipher.decrypt_batch if inverse else cipher.encrypt_batch
        out = [int(text) for text in step([f"{i:0{length}d}" for i in indices], tweak)]
        pending = [k for k, value in enumerate(out) if value >= domain]
        while pending:
            again = step([f"{out[k]:0{length}d}" for k in pending], tweak)
            for k, text in zip(pending, again, strict=True):
                out[k] = int(text)
            pending = [k for k in pending if out[k] >= domain]
        return out


@dataclass
class _Group:
    positions: list[int]
    indices: list[int]


@dataclass
class _Bulk:
    """The canonical values of one of the codec's ``fast_lengths``, split and joined in numpy: after
    ``FormatCipher._split_bulk`` ``rows``, ``keys`` and ``indices`` hold the rows split_many handled."""

    length: int
    positions: list[int] = field(default_factory=list)
    canonicals: list[str] = field(default_factory=list)
    rows: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    keys: I64 = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    indices: U64 = field(default_factory=lambda: np.zeros(0, dtype=np.uint64))


class FormatCipher:
    """The format-preserving transform of one digit kind under one FF1 key and one scope.

    ``apply`` returns one output per input: the transformed value in the input's format, or None
    where the input is not a value of the kind (the caller applies its fallback).

    Groups of one domain size share one FF1 tweak (kind, scope, purpose, domain size), so a column
    with many unit codes or issuers is still a handful of batched FF1 calls. The kept part still
    separates values: each group's indices are first shifted by a keyed offset (HMAC of the group,
    modulo the domain), a bijection within the group, so equal serial numbers under two unit
    codes get unrelated results.

    Canonical values of the usual lengths (``fast_lengths``: mobiles, 18-character IDs, meters,
    cards, accounts up to 19 digits) are split and joined in numpy, a column at a time
    (``split_many``/``join_many``); the others, and the rare forms these leave, go one by one
    through ``split`` and ``join``. Both give the same values (the tests hold them equal).
    """

    def __init__(self, kind: Kind, key: bytes, scope: str, *, purpose: str) -> None:
        if kind not in _CODECS:
            raise ValueError("not a digit kind")
        self._kind = kind
        self._codec = _CODECS[kind]
        self._permutation = DomainPermutation(derive_key(key, "exportguard/fpe/ff1", 32))
        self._offsets = HmacSha256(derive_key(key, "exportguard/fpe/group-offset", 32))
        self._scope = scope
        self._purpose = purpose

    def _tweak(self, domain: int) -> bytes:
        return scope_label(self._kind, self._scope, self._purpose, str(domain))

    def _offset(self, group: str, domain: int) -> int:
        digest = self._offsets.digest(self._tweak(domain) + b"\x1f" + group.encode("ascii"))
        return int.from_bytes(digest, "big") % domain

    def apply(self, values: Sequence[Value], *, inverse: bool = False) -> list[Value]:
        groups, shapes, bulks = self._split_all(values)
        self._permute_all(groups, bulks, inverse=inverse)
        return self._join_all(values, groups, shapes, bulks)

    def _split_all(self, values: Sequence[Value]) -> tuple[dict[str, _Group], dict[int, tuple[str, str]], list[_Bulk]]:
        """The values of the kind, split: groups of (position, index) from ``split``, the (cell text,
        canonical form) of values that are not plain digit strings, and the bulks of
        :meth:`_Codec.split_many` (the common case: a column of plain digit strings of one length)."""
        kind = self._kind
        fast = self._codec.fast_lengths
        groups: dict[str, _Group] = {}
        shapes: dict[int, tuple[str, str]] = {}
        bulks: dict[int, _Bulk] = {}
        plain, texts, rest, common = _plain_digits(values, x_last=kind is Kind.ID_NUMBER)
        by_length = {common: (plain, texts)} if common is not None else _by_length(plain, texts)
        for length, (positions, canonicals) in by_length.items():
            if length in fast:
                bulks[length] = _Bulk(length, positions, canonicals)
            else:
                for position, canonical in zip(positions, canonicals, strict=True):
                    self._split_one(groups, canonical, position)
        for position in rest:
            value = values[position]
            if isinstance(value, Damaged):
                continue
            text = identifier_text(value)
            found = canonical_digits(kind, value)
            if found is None or text is None:
                continue
            canonical = found
            shapes[position] = (text, canonical)
            if len(canonical) in fast:
                bulk = bulks.get(len(canonical))
                if bulk is None:
                    bulk = bulks[len(canonical)] = _Bulk(len(canonical))
                bulk.positions.append(position)
                bulk.canonicals.append(canonical)
            else:
                self._split_one(groups, canonical, position)
        for bulk in bulks.values():
            self._split_bulk(bulk, groups)
        return groups, shapes, list(bulks.values())

    def _split_one(self, groups: dict[str, _Group], canonical: str, position: int) -> None:
        parts = self._codec.split(canonical)
        if parts is not None:
            entry = groups.get(parts[0])
            if entry is None:
                entry = groups[parts[0]] = _Group([], [])
            entry.positions.append(position)
            entry.indices.append(parts[1])

    def _join_all(
        self, values: Sequence[Value], groups: dict[str, _Group], shapes: dict[int, tuple[str, str]], bulks: list[_Bulk]
    ) -> list[Value]:
        """One output per value: the permuted ones joined and written in their value's format."""
        codec = self._codec
        out: list[Value] = [None] * len(values)
        join = codec.join
        for name, group in groups.items():
            for position, index in zip(group.positions, group.indices, strict=True):
                new = join(name, index)
                shape = shapes.get(position)
                out[position] = new if shape is None else with_format(values[position], shape[0], shape[1], new)
        for bulk in bulks:
            made = codec.join_many(bulk.keys, bulk.indices, bulk.length) if bulk.keys.size else []
            if len(made) == len(out) and not shapes:
                return cast("list[Value]", made)  # every value was a plain digit string of the kind
            if shapes:
                for position, new in zip(bulk.rows.tolist(), made, strict=True):
                    shape = shapes.get(position)
                    out[position] = new if shape is None else with_format(values[position], shape[0], shape[1], new)
            else:
                for position, new in zip(bulk.rows.tolist(), made, strict=True):
                    out[position] = new
        return out

    def _split_bulk(self, bulk: _Bulk, groups: dict[str, _Group]) -> None:
        """Split a bulk with :meth:`_Codec.split_many`; the rows it leaves go to ``groups`` by ``split``."""
        length = bulk.length
        raw = np.frombuffer("".join(bulk.canonicals).encode("ascii"), dtype=np.uint8).reshape(-1, length)
        handled, keys, indices = self._codec.split_many(raw - np.uint8(_ZERO))
        rows = np.asarray(bulk.positions, dtype=np.int64)
        if not handled.all():
            for row in np.flatnonzero(~handled).tolist():
                self._split_one(groups, bulk.canonicals[row], bulk.positions[row])
            rows, keys, indices = rows[handled], keys[handled], indices[handled]
        bulk.rows, bulk.keys, bulk.indices = rows, keys, indices

    def _permute_all(self, groups: dict[str, _Group], bulks: list[_Bulk], *, inverse: bool) -> None:
        """Replace every index by its image (its preimage with ``inverse``): one FF1 batch per domain
        size, E(x + offset) forward and E^-1(y) - offset inverse, the offset keyed by the group."""
        codec = self._codec
        # per domain size: (indices, offsets, where the results go) of each group or bulk part
        parts: dict[int, list[tuple[U64, U64, Callable[[U64], None]]]] = {}
        big_groups: dict[int, list[str]] = {}
        for name, group in groups.items():
            domain = codec.domain(name)
            if domain > 2**62:
                big_groups.setdefault(domain, []).append(name)
                continue
            indices = np.asarray(group.indices, dtype=np.uint64)
            offsets = np.full(indices.shape[0], self._offset(name, domain), dtype=np.uint64)
            parts.setdefault(domain, []).append((indices, offsets, functools.partial(_store_group, group)))
        for bulk in bulks:
            if not bulk.keys.size:
                continue
            keys, group_of_row = np.unique(bulk.keys, return_inverse=True)
            names = [codec.group_name(key, bulk.length) for key in keys.tolist()]
            domains = np.asarray([codec.domain(name) for name in names], dtype=np.uint64)
            offsets = np.asarray([self._offset(n, int(d)) for n, d in zip(names, domains, strict=True)], np.uint64)
            row_domains = domains[group_of_row]
            for domain in np.unique(domains).tolist():
                rows = np.flatnonzero(row_domains == domain) if len(domains) > 1 else None
                part = bulk.indices if rows is None else bulk.indices[rows]
                shift = offsets[group_of_row] if rows is None else offsets[group_of_row[rows]]
                parts.setdefault(domain, []).append((part, shift, functools.partial(_store_bulk, bulk, rows)))
        for domain, members in parts.items():
            big = np.uint64(domain)
            indices = np.concatenate([member[0] for member in members])
            shift = np.concatenate([member[1] for member in members])
            if not inverse:
                indices = (indices + shift) % big
            result = self._permutation.apply_array(indices, domain, self._tweak(domain), inverse=inverse)
            if inverse:
                result = (result + (big - shift)) % big
            start = 0
            for member in members:
                size = member[0].shape[0]
                member[2](result[start : start + size])
                start += size
        for domain, names in big_groups.items():
            mapped = self._permute_big([groups[name] for name in names], names, domain, inverse=inverse)
            for name, results in zip(names, mapped, strict=True):
                groups[name].indices = results

    def _permute_big(self, members: list[_Group], names: list[str], domain: int, *, inverse: bool) -> list[list[int]]:
        """:meth:`_permute_all` for domains over 2**62 (long account numbers), on Python ints."""
        offsets = [self._offset(name, domain) for name in names]
        sizes = [len(member.indices) for member in members]
        flat: list[int] = []
        for member, offset in zip(members, offsets, strict=True):
            flat += member.indices if inverse else [(i + offset) % domain for i in member.indices]
        mapped = self._permutation.apply(flat, domain, self._tweak(domain), inverse=inverse)
        out: list[list[int]] = []
        start = 0
        for size, offset in zip(sizes, offsets, strict=True):
            part = mapped[start : start + size]
            out.append([(i - offset) % domain for i in part] if inverse else part)
            start += size
        return out


def _plain_digits(
    values: Sequence[Value], *, x_last: bool = False
) -> tuple[list[int], list[str], list[int], int | None]:
    """(positions, texts) of the values that are plain ASCII digit strings (with ``x_last``, also
    digits and a final upper-case X, as in a resident ID), the other positions, and the texts' one
    length when all values are digit strings of one length (else None). Such a value is its own
    canonical form, and ``with_format`` hands its transform back unchanged."""
    count = len(values)
    if count and set(map(type, values)) == {str}:
        texts = cast("list[str]", list(values))
        joined = "\n".join(texts)
        if joined.isascii():
            raw = np.frombuffer(joined.encode("ascii"), dtype=np.uint8)
            breaks = np.flatnonzero(raw == _NEWLINE)
            # isdigit, in numpy: the newlines are the only other characters, one between each two texts
            if len(breaks) == count - 1 and np.count_nonzero(raw - np.uint8(_ZERO) < 10) == len(raw) - len(breaks):
                lengths = np.diff(breaks, prepend=-1, append=len(raw)) - 1
                shortest, longest = int(lengths.min()), int(lengths.max())
                if shortest:  # no empty text
                    return list(range(count)), texts, [], longest if shortest == longest else None
    if x_last:
        plain = [
            i
            for i, v in enumerate(values)
            if type(v) is str and v.isascii() and (v.isdigit() or (v[-1:] == "X" and v[:-1].isdigit()))
        ]
    else:
        plain = [i for i, v in enumerate(values) if type(v) is str and v.isdigit() and v.isascii()]
    texts = cast("list[str]", [values[i] for i in plain])
    if len(plain) == count:
        return plain, texts, [], None
    taken = set(plain)
    return plain, texts, [i for i in range(count) if i not in taken], None


def _by_length(positions: list[int], texts: list[str]) -> dict[int, tuple[list[int], list[str]]]:
    """``positions`` and ``texts`` by the length of the text."""
    if not texts:
        return {}
    lengths = list(map(len, texts))
    shortest, longest = min(lengths), max(lengths)
    if shortest == longest:
        return {shortest: (positions, texts)}
    out: dict[int, tuple[list[int], list[str]]] = {}
    for position, text, length in zip(positions, texts, lengths, strict=True):
        entry = out.get(length)
        if entry is None:
            entry = out[length] = ([], [])
        entry[0].append(position)
        entry[1].append(text)
    return out


def _store_group(group: _Group, result: U64) -> None:
    group.indices = result.tolist()


def _store_bulk(bulk: _Bulk, rows: npt.NDArray[np.int64] | None, result: U64) -> None:
    if rows is None:
        bulk.indices = result
    else:
        bulk.indices[rows] = result
