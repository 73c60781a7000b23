"""PII inside free text: 备注 "联系人王先生13912345678" -> a person_name span and a phone span.

``find_pii_spans`` gives character offsets into the text as given, so a transform can protect
what is inside and keep the rest. Full-width characters are read as their ASCII forms without
moving any offset (the translation is one character for one character).
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from operator import itemgetter

import numpy as np
import numpy.typing as npt

from masking.kinds import (
    Kind,
    is_bank_card,
    is_email,
    is_id_number,
    is_landline,
    is_mobile,
    meter_id_strength,
    person_name_strength,
)
from masking.namedata import compound_surnames, given_name_chars, single_surnames


@dataclass(frozen=True, slots=True, order=True)
class Span:
    """``text[start:end]`` holds a value of ``kind``."""

    start: int
    end: int
    kind: Kind


# What the finders give: a span as a tuple (start, end, kind). Over a column's joined texts they find
# thousands, and a tuple is made about 15 times faster than a Span (a frozen dataclass); only the
# spans a caller is given are made Spans.
_Found = tuple[int, int, Kind]


# Full-width ASCII (U+FF01..U+FF5E) and the ideographic space, one character for one character; and the
# invisible format characters (zero-width space and joiners, word joiner, soft hyphen, BOM, bidi marks:
# Unicode category Cf) as a dash, a separator the number finder takes, so that "139<U+200B>1234..." which
# Excel shows as a whole number is read as one (positions stay those of the text as given).
_FORMAT_BLOCKS = (range(0x00A0, 0x0900), range(0x1800, 0x1900), range(0x2000, 0x2070), range(0xFE00, 0x10000))
_PLAIN = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20} | {
    code: 0x2D for block in _FORMAT_BLOCKS for code in block if unicodedata.category(chr(code)) == "Cf"}
# The characters _PLAIN changes. Most texts hold none, and a regex says so far faster than
# str.translate (a dictionary look-up per character) rewrites them; a long text holding a few (a
# column's texts joined, with a full-width colon in some) is rewritten faster by replacing just those.
_NOT_PLAIN = re.compile("[" + "".join(re.escape(chr(code)) for code in sorted(_PLAIN)) + "]")
_PLAIN_CHARS = {chr(code): chr(plain) for code, plain in _PLAIN.items()}
_FEW = 16  # at most one character in _FEW to change: replace them one by one


def _plain(text: str) -> str:
    """``text`` with full-width and invisible format characters read as _PLAIN says."""
    changed = _NOT_PLAIN.findall(text)
    if not changed:
        return text
    if len(changed) * _FEW <= len(text):
        return _NOT_PLAIN.sub(_plain_char, text)
    return text.translate(_PLAIN)


def _plain_char(match: re.Match[str]) -> str:
    return _PLAIN_CHARS[match.group()]


# A run of digits with the separators people type inside numbers, optionally after +86 / (0xx):
#     (?<![0-9A-Za-z])(?:\+\s?86[\s-]?)?\(?\d[\d\s\-)]{5,30}[\dXx](?![0-9A-Za-z])
# written to start with its first character, + ( or a digit, and only then to look behind it and to
# go on as that character says: a pattern that starts with a set of characters is looked for by
# skipping the characters outside it at C speed, twice as fast over a column's joined texts
# (tests/test_leak_check.py holds the two equal).
_NUMBER_RUN = re.compile(r"[+(\d](?<![0-9A-Za-z][+(\d])(?:(?<=\+)\s?86[\s-]?\(?\d|(?<=\()\d|(?<=\d))"
                         r"[\d\s\-)]{5,30}[\dXx](?![0-9A-Za-z])")
_EMAIL = re.compile(r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,24}")
_TITLES = "先生|女士|小姐|师傅|老师|阿姨|大爷|经理"
_TITLED = re.compile(rf"([\u4e00-\u9fff]{{1,2}}?)(?:{_TITLES})")  # 王先生, 欧阳女士
# Words after which a name follows: 联系人王伟, 户主：张三, 代缴人: 李四.
_NAME_CUES = re.compile(
    r"(?:联系人|户主|代缴人|租户|房东|业主|客户|用户|姓名|户名|收件人|经办人|委托人|代理人|申请人|缴费人|制表人|"
    r"填表人|负责人|审核人|抄表员|作者|经办)"
    r"\s*[:：]?\s*"
)
_ADDRESS_CUE = re.compile(r"(?:地址|住址|住在|搬至|搬到)\s*[:：]?\s*")


def _cue_words(*patterns: str) -> list[str]:
    """The Chinese words in ``patterns``: each match of a cue pattern holds one, each title is one."""
    return re.findall(r"[\u4e00-\u9fff]+", "|".join(patterns))


def _first_chars(words: list[str]) -> frozenset[str]:
    """A text holding none of these characters holds none of ``words``."""
    return frozenset(word[0] for word in words)


_TITLE_FIRST = _first_chars(_cue_words(_TITLES))
_NAME_CUE_FIRST = _first_chars(_cue_words(_NAME_CUES.pattern))
_ADDRESS_CUE_FIRST = _first_chars(_cue_words(_ADDRESS_CUE.pattern))
_ADDRESS_BODY = re.compile(
    r"[\u4e00-\u9fff0-9A-Za-z\-#]{4,60}?(?:号|室|栋|幢|单元|组|村)"  # up to the first number cue
    r"(?:[\u4e00-\u9fff0-9]{0,12}?(?:室|单元|层|楼))?"  # and the building/room after it
)


def _number_kind(digits: str) -> Kind | None:
    bare = digits.replace("-", "") if "-" in digits else digits
    if len(bare) == 11 and bare[0] == "1" and bare[1] in _MOBILE_SECOND and bare.isdigit() and bare.isascii():
        return Kind.PHONE  # is_mobile's answer for ASCII digits and dashes (most numbers in prose), without it
    if is_mobile(digits) or is_landline(digits):
        return Kind.PHONE
    if is_id_number(digits):
        return Kind.ID_NUMBER
    if is_bank_card(digits):
        return Kind.BANK_CARD
    if meter_id_strength(digits) == 1.0:  # in prose only with its check digit
        return Kind.METER_ID
    return None


_MOBILE_SECOND = frozenset("3456789")


_PIECE = re.compile(r"\S+")
_BARE_DIGITS = re.compile(r"\d+[Xx]?")
_SPACE = re.compile(r"\s")


def _piece_spans(run: str, offset: int) -> list[_Found]:
    """Spans of the whitespace-separated pieces of a run, or of the bare digit runs inside them."""
    spans: list[_Found] = []
    for piece in _PIECE.finditer(run):
        kind = _number_kind(piece.group())
        if kind is not None:
            spans.append((offset + piece.start(), offset + piece.end(), kind))
        else:
            spans.extend(_digit_spans(piece.group(), offset + piece.start()))
    return spans


def _digit_spans(piece: str, offset: int) -> list[_Found]:
    """Spans of the bare digit runs inside a piece of a run that is of no kind itself (so a digit run
    that is the whole piece is not validated again: a column of account numbers would be read thrice)."""
    spans: list[_Found] = []
    for digits in _BARE_DIGITS.finditer(piece):
        if len(digits.group()) == len(piece):
            continue
        kind = _number_kind(digits.group())
        if kind is not None:
            start = offset + digits.start()
            spans.append((start, start + len(digits.group()), kind))
    return spans


def _number_spans(text: str) -> list[_Found]:
    spans: list[_Found] = []
    for match in _NUMBER_RUN.finditer(text):
        run = match.group().rstrip(" -")
        # Two numbers side by side ("13912345678 13812345678") read as pieces when pieces validate;
        # a number typed in groups ("+86 139 1234 5678") reads as one.
        spaced = not run.isdigit() and _SPACE.search(run) is not None  # (no digit is a space)
        pieces = _piece_spans(run, match.start()) if spaced else []
        kind = _number_kind(run)
        if pieces and (kind is None or len(pieces) > 1):
            spans.extend(pieces)
        elif kind is not None:
            spans.append((match.start(), match.start() + len(run), kind))
        elif not spaced:  # the run is one piece, of no kind: what the digit runs inside it hold
            spans.extend(_digit_spans(run, match.start()))
        # (a spaced run of no kind whose pieces hold nothing holds nothing)
    return spans


@functools.cache
def _given_name_chars() -> frozenset[str]:
    return frozenset(given_name_chars())


def _name_at(text: str, start: int, *, titled: bool) -> int:
    """End of a Chinese name starting at ``start`` (0 when there is none): a known surname, then
    one given-name character, and a second one only when it is a usual given-name character."""
    compounds, singles = compound_surnames(), single_surnames()
    if text[start : start + 2] in compounds:
        end = start + 2
    elif start < len(text) and text[start] in singles:
        end = start + 1
    else:
        return 0
    if titled:
        return end
    given = _given_name_chars()
    if end < len(text) and "\u4e00" <= text[end] <= "\u9fff":
        end += 1
        if end < len(text) and text[end] in given:
            end += 1
        return end
    return 0


def _name_spans(text: str) -> list[_Found]:
    titled: list[_Found] = []
    compounds, singles = compound_surnames(), single_surnames()
    titles = () if _TITLE_FIRST.isdisjoint(text) else _TITLED.finditer(text)
    for match in titles:
        surname = match.group(1)
        if surname in compounds or (len(surname) == 1 and surname in singles):
            titled.append((match.start(), match.end(), Kind.PERSON_NAME))
        elif len(surname) == 2 and surname[1] in singles:
            titled.append((match.start() + 1, match.end(), Kind.PERSON_NAME))
    # A name after a cue is not taken inside a name already found. Both lists are in order of position
    # without overlaps, and cues come in order: the titled name to look at is found by bisection, the
    # cued one is the last (a long text, or many joined, needs no pass over all names per cue).
    titled_starts = [span[0] for span in titled]
    cued: list[_Found] = []
    cues = () if _NAME_CUE_FIRST.isdisjoint(text) else _NAME_CUES.finditer(text)
    for match in cues:
        start = match.end()
        end = _name_at(text, start, titled=False)
        if not end or (cued and cued[-1][0] <= start < cued[-1][1]):
            continue
        before = bisect_right(titled_starts, start) - 1
        if before < 0 or start >= titled[before][1]:
            cued.append((start, end, Kind.PERSON_NAME))
    return titled + cued


_HAN_RUN_BEFORE = re.compile(r"(?:^|(?<=[^\u4e00-\u9fff]))([\u4e00-\u9fff]{2,4})[\s:：,，]*$")


def _names_before_numbers(text: str, numbers: list[_Found]) -> list[_Found]:
    """"张伟 13800138000": a name standing alone right before a phone or ID number."""
    spans: list[_Found] = []
    for start, _, kind in numbers:
        if kind is not Kind.PHONE and kind is not Kind.ID_NUMBER:
            continue
        match = _HAN_RUN_BEFORE.search(text, max(0, start - 8), start)
        if match is not None and person_name_strength(match.group(1)) >= 0.7:
            spans.append((match.start(1), match.end(1), Kind.PERSON_NAME))
    return spans


def _address_spans(text: str) -> list[_Found]:
    spans: list[_Found] = []
    if _ADDRESS_CUE_FIRST.isdisjoint(text):
        return spans
    for match in _ADDRESS_CUE.finditer(text):
        body = _ADDRESS_BODY.match(text, match.end())
        if body is not None:
            spans.append((body.start(), body.end(), Kind.ADDRESS))
    return spans


# What every span needs, read on the text as given (\d and \s take full-width digits and spaces): an
# @ for an e-mail, a run of 7+ digits and separators for a number (and a name before one), a title or
# a cue word for a name or an address. A text without any holds none, and most texts (addresses,
# remarks without numbers) are answered here in a few microseconds: the cue words are looked for only
# when a character that starts one is there.
_DIGIT_RUN = re.compile(r"\d[\d\s\-)－）]{5,30}[\dXxＸｘ]")
_CUE_WORDS = tuple(sorted(set(_cue_words(_TITLES, _NAME_CUES.pattern, _ADDRESS_CUE.pattern)), key=len, reverse=True))
_CUE_FIRST = _first_chars(list(_CUE_WORDS))
_CUES = re.compile("|".join(_CUE_WORDS))


def _may_hold(text: str) -> bool:
    return ("@" in text or "＠" in text or _DIGIT_RUN.search(text) is not None
            or (not _CUE_FIRST.isdisjoint(text) and _CUES.search(text) is not None))


# Many texts are read as one, joined by a character that no pattern here takes, that _PLAIN leaves
# alone and that is no letter, digit, Chinese character or space: every lookaround and every character
# class stops at it as at the end or the start of a text, so no match runs from one text into the next
# and each text's matches are those it has alone (tests/test_leak_check.py pins it).
_JOIN = "\x00"
# What _may_hold looks for in a plain text (where a full-width ＠ is an @), each pattern taking the rest
# of the text it matches in: it matches once in a text, not once per number or cue word there.
_HOLDS = tuple(re.compile(f"(?:{pattern})[^{_JOIN}]*") for pattern in ("@", _DIGIT_RUN.pattern, _CUES.pattern))


def _starts(texts: Sequence[str]) -> list[int]:
    """Where each of ``texts`` starts in ``_JOIN.join(texts)``, and one past the end."""
    return [0, *itertools.accumulate(len(text) + 1 for text in texts)]


def may_hold_each(texts: Sequence[str]) -> list[int]:
    """The positions in ``texts`` of the texts :func:`find_pii_spans` has to read: what ``_may_hold``
    answers for each, asked at once of the joined texts (a column's cells at C speed)."""
    return _held(_plain(_JOIN.join(texts)), _starts(texts))


def _held(joined: str, starts: list[int]) -> list[int]:
    """The positions of the texts joined in ``joined`` (plain, starting at ``starts``) that a pattern
    of ``_may_hold`` matches in: the texts the matches start (or a digit run ends) in, found for all
    matches at once."""
    ends = _digit_run_ends(joined)
    patterns = _HOLDS if ends is None else (_HOLDS[0], _HOLDS[2])
    matched = [match.start() for pattern in patterns for match in pattern.finditer(joined)]
    if ends is not None:
        matched += ends.tolist()
    if not matched:
        return []
    return sorted(set((np.searchsorted(starts, matched, side="right") - 1).tolist()))


_RUN_LEAST, _RUN_MOST = 5, 30  # the inner characters of a _DIGIT_RUN match: {5,30}
_BMP = 0x10000


@functools.cache
def _digit_run_tables() -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Per code point of the BMP, the three character sets of _DIGIT_RUN: its first (\\d, which the
    regex module reads as str.isdecimal), its inner ([\\d\\s\\-)－）], \\s as str.isspace) and its last."""
    chars = [chr(code) for code in range(_BMP)]
    first = np.fromiter(map(str.isdecimal, chars), dtype=np.bool_, count=_BMP)
    inner = first | np.fromiter(map(str.isspace, chars), dtype=np.bool_, count=_BMP)
    inner[[ord(char) for char in "-)－）"]] = True
    last = first.copy()
    last[[ord(char) for char in "XxＸｘ"]] = True
    return first, inner, last


def _digit_run_ends(text: str) -> npt.NDArray[np.intp] | None:
    """Where a match of _DIGIT_RUN ends in ``text`` (the position of its last character; one per end
    whatever the starts), found in numpy: a last character at j, every character from some first one
    at i to j - 1 an inner one, and j - i - 1 from 5 to 30. The regex tried every digit of a column's
    joined texts (an address holds a dozen); here only the ends with six inner characters before them
    are looked at. None for a text beyond the BMP (the regex reads it)."""
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    if len(codes) and int(codes.max()) >= _BMP:
        return None
    first_table, inner_table, last_table = _digit_run_tables()
    # outside[p]: the characters before p that are no inner ones
    outside = np.concatenate(([0], np.cumsum(~inner_table[codes], dtype=np.int32)))
    ends = np.flatnonzero(last_table[codes])
    ends = ends[ends > _RUN_LEAST]
    ends = ends[outside[ends] == outside[ends - _RUN_LEAST - 1]]
    firsts = np.concatenate(([0], np.cumsum(first_table[codes], dtype=np.int32)))
    # the first character may be from 31 to 6 before the end, after the last character that is no inner one
    lowest = np.maximum(ends - _RUN_MOST - 1, np.searchsorted(outside, outside[ends], side="left"))
    highest = ends - _RUN_LEAST - 1
    held = firsts[highest + 1] - firsts[np.minimum(lowest, highest + 1)] > 0
    found: npt.NDArray[np.intp] = ends[held]
    return found


def find_pii_spans(text: str) -> list[Span]:
    """The PII found in ``text``, ordered by position, without overlaps (the earlier and longer
    span wins): mobiles and landlines (separators, +86, full-width digits), resident IDs, bank
    cards, meter numbers, e-mail addresses, names after cues (联系人, 户主, 王先生, 李女士) and
    addresses after 地址."""
    if not isinstance(text, str) or not text:
        return []
    plain = _plain(text)
    if not _may_hold(plain):
        return []
    return [Span(start, end, kind) for start, end, kind in _kept(_found(plain))]


def find_pii_spans_each(texts: Sequence[str]) -> list[tuple[int, list[Span]]]:
    """``(position, find_pii_spans(text))`` for each of ``texts`` that holds PII: the quick refusal
    and then the finders each run once over the joined texts that need reading (a column's cells)."""
    kept, positions, offsets, bounds = _kept_each(texts)
    return [(position, [Span(start - offset, end - offset, kind) for start, end, kind in kept[low:high]])
            for position, offset, low, high in zip(positions, offsets, bounds, bounds[1:], strict=False)]


def find_pii_kinds_each(texts: Sequence[str]) -> list[tuple[int, tuple[Kind, ...]]]:
    """``(position, kinds)`` for each of ``texts`` that holds PII: the kinds of the spans
    :func:`find_pii_spans_each` gives, each once in order of first appearance, without making the
    spans (the leak check counts kinds, not where they are)."""
    kept, positions, _, bounds = _kept_each(texts)
    kinds = list(map(_KIND, kept))
    return [(position, _distinct(tuple(kinds[low:high])))
            for position, low, high in zip(positions, bounds, bounds[1:], strict=False)]


_KIND = itemgetter(2)


@functools.lru_cache(maxsize=1024)
def _distinct(kinds: tuple[Kind, ...]) -> tuple[Kind, ...]:
    """Each of ``kinds`` once, in order: a column's texts hold a few sequences of kinds, each made once."""
    return tuple(dict.fromkeys(kinds))


def _kept_each(texts: Sequence[str]) -> tuple[list[_Found], list[int], list[int], list[int]]:
    """What stays of what the finders found in ``texts`` read joined, and for each text holding PII
    its position in ``texts``, where it starts in the joined texts read, and where its spans start in
    the first list (one past the last text's spans ends the last list)."""
    joined, starts = _plain(_JOIN.join(texts)), _starts(texts)
    held = _held(joined, starts)
    if not held:
        return [], [], [], []
    if len(held) < len(texts):  # the finders read only the texts that may hold PII
        joined = _JOIN.join([joined[starts[position]:starts[position + 1] - 1] for position in held])
        starts = _starts([texts[position] for position in held])  # _plain keeps every length
    kept = _kept(_found(joined))
    if not kept:
        return [], [], [], []
    # No span runs across a join, so what stays of the joined texts' spans is what stays of each text's;
    # the spans are in order, so each text's are together: cut where the text they start in changes.
    owners = np.searchsorted(starts, [span[0] for span in kept], side="right") - 1
    firsts = np.flatnonzero(np.diff(owners, prepend=-1))
    read = owners[firsts]
    positions: list[int] = np.asarray(held)[read].tolist()
    offsets: list[int] = np.asarray(starts)[read].tolist()
    return kept, positions, offsets, [*firsts.tolist(), len(kept)]


def _found(plain: str) -> list[_Found]:
    """Every finder's spans in ``plain`` (a plain text, or texts joined by _JOIN), overlaps and all."""
    found = [(m.start(), m.end(), Kind.EMAIL) for m in _EMAIL.finditer(plain) if is_email(m.group())] if (
        "@" in plain) else []
    numbers = _number_spans(plain)
    found += numbers
    found += _names_before_numbers(plain, numbers)
    found += _name_spans(plain)
    found += _address_spans(plain)
    return found


_START = itemgetter(0)
_END = itemgetter(1)


def _kept(found: list[_Found]) -> list[_Found]:
    """The spans that stay, in order: the earlier and longer span wins."""
    found.sort(key=_END, reverse=True)  # two stable sorts, by start and at one start longest first
    found.sort(key=_START)
    kept: list[_Found] = []
    end = -1
    for span in found:
        if span[0] >= end:
            kept.append(span)
            end = span[1]
    return kept


@functools.lru_cache(maxsize=4096)
def holds_pii(text: str | None) -> bool:
    """Whether a header or a sheet name holds personal data itself: a value the finder sees (a phone
    number, an ID, a name after a cue or with a title), or a whole text that is a person's name and
    no header word (a data row read as the header row)."""
    if not text or not text.strip():
        return False
    if find_pii_spans(text):
        return True
    from masking.detect.vocabulary import header_meaning

    stripped = text.strip()
    return (2 <= len(stripped) <= 3 and person_name_strength(stripped) >= 1.0 and header_meaning(stripped)[0] is None
            and stripped[-1] not in _PLACE_ENDINGS)  # 高新区, 张家港: places, not people


_PLACE_ENDINGS = frozenset("省市区县镇乡村港路街州湾")


def inner_kinds(text: str) -> tuple[Kind, ...]:
    """The kinds found in ``text``, each once, in order of first appearance."""
    return tuple(dict.fromkeys(span.kind for span in find_pii_spans(text)))
