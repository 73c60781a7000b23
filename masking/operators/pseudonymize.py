"""pseudonymize: keyed, deterministic replacement by another valid value of the same kind.

* Digit kinds (phone, meter_id, id_number, bank_card, account_no): FF1 through
  :class:`~masking.operators.format_cipher.FormatCipher` under the *pseudonymize* sub-key: a bijection,
  so collision-free within a kind and scope, and the result is valid for its kind. There is no
  decrypt path for it (that is what ``encrypt`` is for) and the key differs from encrypt's.
* Names, e-mail addresses and addresses: HMAC-SHA256 of the normalised text picks a plausible
  replacement (a weighted surname and given-name characters; a local part at a common mail domain;
  a street and number in the same district). These are deterministic but, unlike the digit kinds,
  not collision-free: two names may share a pseudonym (about 3.8 million Chinese names are possible;
  the space for e-mails is ~2.9e12, so under one expected collision per million addresses).
* free_text: each PII span found inside (``find_pii_spans``) is pseudonymized by its own kind; the
  rest of the text stays.

Everything is scoped: the scope and the kind enter the FF1 tweak and the HMAC input, so another
recipient sees other pseudonyms for the same people. Values that are not of the kind get the
fallback: a keyed token ``[无效]`` + 10 hex digits (same input, same token), counted ``unparsed``
(``damaged`` for values Excel cut to 15 digits).
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from masking.cell_text import crypto_text
from masking.crypto import HmacSha256
from masking.detect.freetext import find_pii_spans
from masking.io.model import Damaged, Value
from masking.kinds import Action, Kind, is_email, is_person_name
from masking.name_address import split_chinese_name, split_region_prefix
from masking.namedata import given_name_chars, surnames
from masking.operators.base import (
    BatchResult,
    KeyMaterial,
    Operator,
    OperatorContext,
    OperatorParams,
    Tally,
    is_blank,
    scope_label,
)
from masking.operators.canonical import DIGIT_KINDS
from masking.operators.format_cipher import FormatCipher

__all__ = ["FALLBACK_PREFIX", "PseudonymizeOperator", "PseudonymizeParams"]

FALLBACK_PREFIX = "[无效]"


@dataclass(frozen=True)
class PseudonymizeParams(OperatorParams):
    """No options: the kind decides the form, the context's scope decides the tokens."""


# --------------------------------------------------------------------------------------------
# Reference lists for plausible text

_PINYIN_SURNAMES = (
    "Wang",
    "Li",
    "Zhang",
    "Liu",
    "Chen",
    "Yang",
    "Zhao",
    "Huang",
    "Zhou",
    "Wu",
    "Xu",
    "Sun",
    "Hu",
    "Zhu",
    "Gao",
    "Lin",
    "He",
    "Guo",
    "Ma",
    "Luo",
    "Liang",
    "Song",
    "Zheng",
    "Xie",
    "Han",
    "Tang",
)
_SYLLABLES = (
    "an",
    "bo",
    "chen",
    "dong",
    "fang",
    "fei",
    "gang",
    "hao",
    "hong",
    "hua",
    "jia",
    "jian",
    "jie",
    "jing",
    "jun",
    "kai",
    "lan",
    "lei",
    "li",
    "lin",
    "ling",
    "long",
    "mei",
    "min",
    "ming",
    "na",
    "ning",
    "peng",
    "ping",
    "qiang",
    "qing",
    "rui",
    "shan",
    "tao",
    "tian",
    "ting",
    "wei",
    "wen",
    "xia",
    "xiang",
    "xin",
    "xiu",
    "xue",
    "yan",
    "yang",
    "yi",
    "ying",
    "yong",
    "yu",
    "yuan",
    "yun",
    "zhen",
    "zhi",
    "zhong",
    "hui",
    "qi",
    "rong",
    "shu",
    "song",
    "zi",
)
_MAIL_DOMAINS = ("qq.com", "163.com", "126.com", "sina.com", "sohu.com", "foxmail.com", "139.com", "aliyun.com")
_STREET_STEMS = (
    "建设",
    "人民",
    "解放",
    "和平",
    "新华",
    "胜利",
    "文化",
    "幸福",
    "光明",
    "长江",
    "黄河",
    "东风",
    "青年",
    "学府",
    "友谊",
    "滨江",
    "湖滨",
    "金桥",
    "振兴",
    "团结",
    "兴业",
    "育才",
    "迎宾",
    "花园",
    "工业",
    "跃进",
    "朝晖",
    "体育",
    "民主",
    "公园",
    "新村",
    "南湖",
    "北湖",
    "东湖",
    "西湖",
    "龙华",
    "凤凰",
)
_STREET_SUFFIXES = ("路", "街", "大道", "路", "街", "巷")
_BUILDING_CUES = re.compile(r"栋|幢|单元|室|楼|座")


@functools.cache
def _surname_table() -> tuple[tuple[str, ...], tuple[float, ...]]:
    names = [s for s in surnames() if not s.word]  # a pseudonym must read as a name on its own
    cumulative = tuple(itertools.accumulate(s.per_10k for s in names))
    return tuple(s.text for s in names), cumulative


def _pick(digest: bytes, start: int, options: Sequence[str]) -> str:
    return options[int.from_bytes(digest[start : start + 4], "big") % len(options)]


def _pick_surname(digest: bytes) -> str:
    texts, cumulative = _surname_table()
    point = int.from_bytes(digest[:6], "big") / 2**48 * cumulative[-1]
    return texts[min(bisect.bisect_right(cumulative, point), len(texts) - 1)]


def _name_pseudonym(text: str, digest: bytes) -> str | None:
    compact = text.replace(" ", "").replace("·", "").replace("•", "")
    parts = split_chinese_name(compact)
    if parts is not None:
        _, given, title = parts
        if title:
            return _pick_surname(digest) + title
        chars = given_name_chars()
        count = 1 if len(given) <= 1 else 2
        return _pick_surname(digest) + "".join(_pick(digest, 8 + 4 * i, chars) for i in range(count))
    if not is_person_name(text) or not text.isascii():
        return None
    # A Latin-script name: "Wang Xiaoming" / "WANG Xiaoming" -> another pinyin name.
    given = (_pick(digest, 12, _SYLLABLES) + _pick(digest, 16, _SYLLABLES)).capitalize()
    return f"{_pick(digest, 8, _PINYIN_SURNAMES)} {given}"


def _email_pseudonym(text: str, digest: bytes) -> str | None:
    if not is_email(text):
        return None
    number = int.from_bytes(digest[16:24], "big") % 100_000_000
    local = f"{_pick(digest, 0, _SYLLABLES)}{_pick(digest, 4, _SYLLABLES)}{number:08d}"
    return f"{local}@{_pick(digest, 8, _MAIL_DOMAINS)}"


def _address_pseudonym(text: str, digest: bytes) -> str | None:
    prefix, rest = split_region_prefix(text)
    number = int.from_bytes(digest[8:10], "big") % 299 + 1
    street = f"{_pick(digest, 0, _STREET_STEMS)}{_pick(digest, 4, _STREET_SUFFIXES)}{number}号"
    if _BUILDING_CUES.search(rest):
        building = digest[10] % 30 + 1
        unit = digest[11] % 4 + 1
        room = (digest[12] % 28 + 1) * 100 + digest[13] % 4 + 1
        street += f"{building}栋{unit}单元{room}室"
    return prefix + street


_TEXT_FORMS: dict[Kind, Callable[[str, bytes], str | None]] = {
    Kind.PERSON_NAME: _name_pseudonym,
    Kind.EMAIL: _email_pseudonym,
    Kind.ADDRESS: _address_pseudonym,
}


def _normalised(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


class _Pseudonymizer:
    """The keyed machinery of one (keys, scope); builds per-kind ciphers on first use."""

    def __init__(self, keys: KeyMaterial, scope: str) -> None:
        self._keys = keys
        self._scope = scope
        self._hmac = HmacSha256(keys.working_key("pseudonymize", "hmac"))
        self._ciphers: dict[Kind, FormatCipher] = {}

    def _digests(self, kind: Kind, purpose: str, texts: Sequence[str]) -> list[bytes]:
        label = scope_label(kind, self._scope, "pseudonymize", purpose) + b"\x1e"
        return self._hmac.digest_many(label + text.encode("utf-8") for text in texts)

    def fallback(self, kind: Kind, values: Sequence[Value]) -> list[str]:
        texts = [crypto_text(value) for value in values]
        return [FALLBACK_PREFIX + d[:5].hex().upper() for d in self._digests(kind, "fallback", texts)]

    def pseudonyms(self, kind: Kind, values: Sequence[Value]) -> list[Value]:
        """One pseudonym per value, None where the value is not of the kind."""
        if kind in DIGIT_KINDS:
            cipher = self._ciphers.get(kind)
            if cipher is None:
                cipher = self._ciphers[kind] = FormatCipher(
                    kind, self._keys.working_key("pseudonymize", "fpe"), self._scope, purpose="pseudonymize"
                )
            return cipher.apply(values)
        form = _TEXT_FORMS[kind]
        out: list[Value] = [None] * len(values)
        todo = [(i, _normalised(v)) for i, v in enumerate(values) if isinstance(v, str) and not isinstance(v, Damaged)]
        digests = self._digests(kind, "text", [text.replace(" ", "") for _, text in todo])
        for (position, text), digest in zip(todo, digests, strict=True):
            out[position] = form(text, digest)
        return out

    def free_text(self, values: Sequence[Value], tally: Tally) -> list[Value]:
        out: list[Value] = list(values)
        # (row, start, end) per span, grouped by kind, so each kind is one batch.
        spans: dict[Kind, list[tuple[int, int, int]]] = {}
        texts: dict[int, str] = {}
        for row, value in enumerate(values):
            if is_blank(value):
                tally.blank += 1
                continue
            text = value if isinstance(value, str) else crypto_text(value)
            found = find_pii_spans(text)
            if not found:
                tally.clean += 1
                continue
            tally.transformed += 1
            texts[row] = text
            for span in found:
                spans.setdefault(span.kind, []).append((row, span.start, span.end))
        replacements: dict[int, list[tuple[int, int, str]]] = {}
        for kind, where in spans.items():
            pieces = [texts[row][start:end] for row, start, end in where]
            made = self.pseudonyms(kind, pieces)
            missing = [i for i, item in enumerate(made) if item is None]
            if missing:
                for i, token in zip(missing, self.fallback(kind, [pieces[i] for i in missing]), strict=True):
                    made[i] = token
            for (row, start, end), new in zip(where, made, strict=True):
                replacements.setdefault(row, []).append((start, end, str(new)))
        for row, edits in replacements.items():
            text = texts[row]
            parts: list[str] = []
            cursor = 0
            for start, end, new in sorted(edits):
                parts += [text[cursor:start], new]
                cursor = end
            parts.append(text[cursor:])
            out[row] = "".join(parts)
        return out


class PseudonymizeOperator(Operator):
    action = Action.PSEUDONYMIZE
    params_type = PseudonymizeParams
    supported = frozenset(set(Kind) - {Kind.SECRET})
    needs_keys = True

    def apply_batch(self, values: Sequence[Value], ctx: OperatorContext) -> BatchResult:
        kind = self.kind
        assert kind is not None  # noqa: S101 - validate() refuses untyped columns
        engine = _Pseudonymizer(ctx.require_keys(self.action), ctx.scope)
        tally = Tally()
        if kind is Kind.FREE_TEXT:
            out = engine.free_text(values, tally)
            return BatchResult(out, tally.freeze())
        made = engine.pseudonyms(kind, values)
        if kind in DIGIT_KINDS:
            return self._digit_result(values, made, engine)
        failed: list[int] = []
        out = list(values)
        for position, (value, new) in enumerate(zip(values, made, strict=True)):
            if is_blank(value):
                tally.blank += 1
            elif new is None or isinstance(value, Damaged):
                failed.append(position)
                tally.fallback(value)
            else:
                out[position] = new
                tally.transformed += 1
        if failed:
            for position, token in zip(failed, engine.fallback(kind, [values[i] for i in failed]), strict=True):
                out[position] = token
        return BatchResult(out, tally.freeze())

    def _digit_result(self, values: Sequence[Value], made: list[Value], engine: _Pseudonymizer) -> BatchResult:
        """:meth:`apply_batch` for the digit kinds. The format cipher gives None for every blank or
        damaged value (and for the values not of the kind), so only those need looking at."""
        kind = self.kind
        assert kind is not None  # noqa: S101 - validate() refuses untyped columns
        tally = Tally()
        out = made
        missing = [position for position, new in enumerate(made) if new is None] if None in made else []
        tally.transformed = len(values) - len(missing)
        failed: list[int] = []
        for position in missing:
            value = out[position] = values[position]
            if is_blank(value):
                tally.blank += 1
            else:
                failed.append(position)
                tally.fallback(value)
        if failed:
            for position, token in zip(failed, engine.fallback(kind, [values[i] for i in failed]), strict=True):
                out[position] = token
        return BatchResult(out, tally.freeze())
