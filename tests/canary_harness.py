"""Can a recipient tell canary rows from real ones? Shared by tests/test_canary_blend.py and
bench/bench_canaries.py.

Many exports of different sources (branches, seeds) are made through the export's own marker
(:class:`~masking.watermark.embed.ExportMarker`) with every column kept in clear: the attacker's best
view. Per row, categorical features a recipient could compute are taken (region codes, prefixes,
lengths, blank pattern, readings, and cross-field checks: the ID's region against the address's
district, the ID's sex digit against the given name), two classifiers are trained on some exports
(naive Bayes, and logistic regression on one-hot features) and scored on the others: the AUC of
telling canaries from real rows.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from masking import synth
from masking.io.model import Value
from masking.kinds import Action, Kind
from masking.name_address import split_chinese_name, split_region_prefix
from masking.plan import ColumnPlan, Plan, SheetPlan
from masking.regions import all_regions, code_in_use
from masking.transform import build_operators
from masking.watermark.canary import UNIQUE_KINDS
from masking.watermark.embed import ExportMarker, MarkSettings

SHEET = "明细"
COLUMNS: tuple[tuple[str, Kind | None], ...] = (
    ("户号", Kind.ACCOUNT_NO), ("户名", Kind.PERSON_NAME), ("手机号码", Kind.PHONE), ("固定电话", Kind.PHONE),
    ("电能表资产编号", Kind.METER_ID), ("身份证号码", Kind.ID_NUMBER), ("银行卡号", Kind.BANK_CARD),
    ("用电地址", Kind.ADDRESS), ("电子邮箱", Kind.EMAIL), ("本月电量(kWh)", None), ("欠费金额(元)", None),
    ("抄表日期", None), ("备注", Kind.FREE_TEXT),
)


@dataclass(frozen=True)
class _Master:
    secret: bytes
    key_id: str = "KBENCH"

    def subkey(self, purpose: str, length: int = 32) -> bytes:
        return hmac.new(self.secret, purpose.encode(), hashlib.sha256).digest()[:length]


def source_rows(count: int, seed: int) -> list[tuple[Value, ...]]:
    """Customers of one branch; like real ones, each ID's region code was in use at its birth date
    (synthetic IDs draw a 2020 code for any birth year: those customers are left out)."""
    branch = synth.BRANCHES[seed % len(synth.BRANCHES)]
    return [
        (c.account_no, c.name, c.mobile, c.landline, c.meter_id, c.id_number, c.bank_card, c.address, c.email,
         c.usage_kwh, c.arrears, c.reading_date, c.remark)
        for c in synth.customers(count * 2, seed, branch=branch)
        if code_in_use(c.id_number[:6], int(c.id_number[6:10]))
    ][:count]


def plan_for(rows: int) -> Plan:
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    columns = tuple(ColumnPlan(SHEET, i, letters[i], header, kind, 1.0 if kind else 0.0, Action.KEEP, "policy")
                    for i, (header, kind) in enumerate(COLUMNS))
    return Plan((SheetPlan(SHEET, False, True, rows, columns),))


def export_rows(rows: Sequence[tuple[Value, ...]], number: int) -> tuple[list[tuple[Value, ...]], list[bool]]:
    """The rows of one export (canaries in the places the export reserves, drawn as it draws them once
    every row has been read), and which are canaries."""
    plan = plan_for(len(rows))
    operators = build_operators(plan)
    master = _Master(hashlib.sha256(f"bench-master-{number}".encode()).digest())
    identifiers = {SHEET: [i for i, (_, kind) in enumerate(COLUMNS) if kind in UNIQUE_KINDS]}
    marker = ExportMarker(f"EX-BENCH-{number:06d}", master, plan, operators, MarkSettings(), identifiers)
    kept = plan.sheets[0].columns
    placed: list[tuple[Value, ...] | None] = []
    for start in range(0, len(rows), 4096):
        batch = list(rows[start:start + 4096])
        places = marker.canary_places(SHEET, batch)
        marker.source_rows(SHEET, list(zip(*batch, strict=True)))
        for place in places:
            batch.insert(place, None)  # type: ignore[arg-type]
        placed.extend(batch)
    placed.extend([None] * marker.sheet_end(SHEET))
    canaries = iter(marker.draw_canaries(lambda _: kept).get(SHEET, ([], []))[1])
    flags = [row is None for row in placed]
    return [next(canaries) if row is None else row for row in placed], flags


# --- features ---------------------------------------------------------------------------------

_FULL_NAMES = {r.full_name: r.code for r in all_regions()}
_DIGITS = re.compile(r"\d+")


def _text(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value).strip()


def _bucket(number: float, edges: Sequence[float]) -> int:
    return sum(number >= edge for edge in edges)


def features(row: Sequence[Value]) -> list[str]:
    """What a recipient could compute per row (categorical tokens)."""
    (account, name, mobile, landline, meter, id_number, card, address, email, usage, arrears, date,
     remark) = (_text(v) for v in row)
    out = ["blank=" + "".join("1" if not _text(v) else "0" for v in row)]
    out += [f"acc2={account[:2]}", f"acclen={len(account)}"]
    parts = split_chinese_name(name)
    if parts is not None:
        surname, given, _ = parts
        out += [f"sur={surname}", f"givenlen={len(given)}"] + [f"given={c}" for c in given]
    out += [f"namelen={len(name)}", f"m3={mobile[:3]}", f"m4={mobile[:4]}", f"mlen={len(mobile)}"]
    out += [f"area={landline.split('-')[0]}" if landline else "area=", f"llen={len(landline)}"]
    out += [f"unit={meter[:5]}", f"mtype={meter[5:7]}"]
    district_code = _FULL_NAMES.get(split_region_prefix(address)[0], "")
    if len(id_number) == 18:
        out += [f"idprov={id_number[:2]}", f"idcity={id_number[:4]}", f"idregion={id_number[:6]}",
                f"year={id_number[6:9]}", f"idx={id_number[17] == 'X'}"]
        sex = int(id_number[16]) % 2
        out += [f"sexgiven={sex}{c}" for c in (parts[1] if parts else "")]
        same = ("district" if id_number[:6] == district_code else "city" if id_number[:4] == district_code[:4]
                else "province" if id_number[:2] == district_code[:2] else "other")
        out.append(f"id_vs_address={same}")
    out += [f"bin={card[:6]}", f"cardlen={len(card)}"]
    numbers = _DIGITS.findall(address)
    out += [f"district={district_code}", f"addrlen={_bucket(len(address), (10, 15, 20, 25, 30, 35))}",
            f"addrnums={len(numbers)}", f"estate={'小区' in address or '花园' in address}"]
    out += [f"house={_bucket(int(numbers[0]), (10, 50, 100, 200, 300))}" if numbers else "house="]
    local, _, domain = email.partition("@")
    out += [f"domain={domain}", f"local={len(local)}", f"localdigits={any(c.isdigit() for c in local)}"]
    reading = float(usage) if usage else 0.0
    out += [f"usage={_bucket(reading, (1, 50, 100, 150, 200, 300, 500))}", f"usagezero={reading == 0}"]
    out += [f"arrears={float(arrears) == 0 if arrears else 'blank'}", f"date={date}"]
    out += [f"remarklen={_bucket(len(remark), (1, 5, 10, 15, 20))}", f"remarkdigit={any(c.isdigit() for c in remark)}",
            f"remark2={remark[:2]}"]
    return out


# --- classifiers ------------------------------------------------------------------------------

def auc(scores: Sequence[float], labels: Sequence[bool]) -> float:
    """Probability that a random canary scores above a random real row (ties count half)."""
    order = np.argsort(np.asarray(scores, dtype=float), kind="mergesort")
    ranked = np.asarray(scores, dtype=float)[order]
    ranks = np.empty(len(scores), dtype=float)
    i = 0
    while i < len(ranked):
        j = i
        while j + 1 < len(ranked) and ranked[j + 1] == ranked[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    positive = np.asarray(labels, dtype=bool)
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def naive_bayes(train: Sequence[list[str]], labels: Sequence[bool], test: Sequence[list[str]]) -> list[float]:
    counts = {True: Counter[str](), False: Counter[str]()}
    totals = Counter(labels)
    for tokens, label in zip(train, labels, strict=True):
        counts[label].update(set(tokens))
    def log_odds(token: str) -> float:
        yes = (counts[True][token] + 0.5) / (totals[True] + 1)
        no = (counts[False][token] + 0.5) / (totals[False] + 1)
        return math.log(yes / no)
    return [sum(log_odds(t) for t in set(tokens)) for tokens in test]


def logistic(train: Sequence[list[str]], labels: Sequence[bool], test: Sequence[list[str]],
             *, epochs: int = 60, rate: float = 0.5, l2: float = 1e-3) -> list[float]:
    vocabulary: dict[str, int] = {}
    for tokens in train:
        for token in tokens:
            vocabulary.setdefault(token, len(vocabulary))
    def encode(rows: Sequence[list[str]]) -> tuple[np.ndarray, np.ndarray]:
        cols = [[vocabulary[t] for t in set(tokens) if t in vocabulary] for tokens in rows]
        row_of = np.repeat(np.arange(len(rows)), [len(c) for c in cols])
        return row_of, np.fromiter((c for group in cols for c in group), dtype=np.int64)
    rows_tr, cols_tr = encode(train)
    y = np.asarray(labels, dtype=float)
    weight = np.where(y > 0, 0.5 / max(y.mean(), 1e-9), 0.5 / max(1 - y.mean(), 1e-9))  # balanced classes
    w = np.zeros(len(vocabulary))
    bias = 0.0
    for _ in range(epochs):
        z = np.bincount(rows_tr, weights=w[cols_tr], minlength=len(train)) + bias
        p = 1 / (1 + np.exp(-z))
        g = (p - y) * weight / len(train)
        grad = np.bincount(cols_tr, weights=g[rows_tr], minlength=len(vocabulary)) + l2 * w
        w -= rate * grad * 50
        bias -= rate * g.sum()
    rows_te, cols_te = encode(test)
    return list(np.bincount(rows_te, weights=w[cols_te], minlength=len(test)) + bias)


def measure(exports: int, rows: int, seed: int = 0) -> dict[str, float]:
    """AUC of both classifiers, trained on half the exports and scored on the other half."""
    data: list[tuple[list[str], bool, int]] = []
    for number in range(exports):
        out, flags = export_rows(source_rows(rows, seed + number), seed * 1000 + number)
        data.extend((features(row), flag, number) for row, flag in zip(out, flags, strict=True))
    train = [d for d in data if d[2] % 2 == 0]
    test = [d for d in data if d[2] % 2 == 1]
    tr_x, tr_y = [d[0] for d in train], [d[1] for d in train]
    te_x, te_y = [d[0] for d in test], [d[1] for d in test]
    return {
        "canaries": float(sum(d[1] for d in data)),
        "rows": float(len(data)),
        "auc_naive_bayes": auc(naive_bayes(tr_x, tr_y, te_x), te_y),
        "auc_logistic": auc(logistic(tr_x, tr_y, te_x), te_y),
    }
