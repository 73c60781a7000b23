"""Trace a leaked fragment back to the export it came from.

``trace_file(path_or_text, home, ring)`` reads the fragment (xlsx, csv, or text pasted from a
spreadsheet; with or without headers, columns in any order), turns every cell into the features of
:mod:`masking.watermark.membership`, and scores every export in the ledger:

1. *membership*: exports that carried none (or too few) of the fragment's identifiers drop out;
2. *tokens*: identifiers carried by exactly one export (recipient-scoped pseudonyms and ciphertexts,
   canaries) point at it; the chance that an export that did not carry a token holds an equal one is
   at most (tokens it carried) / (values of that shape);
3. *marks*: the masking patterns of masked cells are compared with the patterns the export's key
   picks; under any other export each distinct identity matches by chance (1/k, or m/k when m
   patterns were seen for it), so the number of matches has an exact Poisson-binomial tail;
4. *canaries*: a fictitious row of one export found in the fragment names it from that row alone.

The layers' p-values are combined (Fisher's product, exact form) and multiplied by the number of
exports in the ledger (a union bound). A candidate is *named* only when that bound is at most
:data:`ALPHA`; otherwise trace says how many more rows would likely be needed.

This module is the driver: it reads the fragment, scores membership, tokens and the visible and metadata
labels, runs the other layers and assembles the report. The layers live beside it:
:mod:`masking.watermark.mark_scoring` (marks, with the colluders' peeling rounds) and
:mod:`masking.watermark.canary_scoring` (canary rows and profiles, monitored numbers, reading marks),
both scoring into the records of :mod:`masking.watermark.scoring`; :mod:`masking.watermark.trace_index`
loads and indexes the ledger's exports once.
"""

from __future__ import annotations

import csv
import functools
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from masking.cell_text import round_trip_text
from masking.crypto import Fingerprinter
from masking.detect.vocabulary import header_meaning
from masking.errors import InputError
from masking.io.properties import read_custom_properties
from masking.io.reader import open_workbook
from masking.io.text_encoding import decode_whole
from masking.keys import KeyRing
from masking.watermark.canary_scoring import (
    MIN_WEAK_CANARY,
    _note_membership_all,
    _profile_lookup,
    _score_canary_rows,
    _score_informed_canaries,
)
from masking.watermark.mark_scoring import _MarkTable, _named_together, _peel_marks, _score_marks
from masking.watermark.marks import identity_key, read_mark
from masking.watermark.membership import (
    fingerprint,
    fingerprinter,
    mark_feature,
    token_feature,
    token_space,
    value_feature,
)
from masking.watermark.scoring import ALPHA, EVIDENCE_TEXTS, Evidence, _bounds, _evidence, _Row, _Score
from masking.watermark.stats import log_combine
from masking.watermark.trace_index import TracedExport, TraceIndex, _KeyIndex
from masking.watermark.visible import NOTICE_TEXTS, PROPERTY_PREFIX, mark_is_authentic

__all__ = [  # the public face of trace, with the records and the index it hands on from its modules
    "ALPHA",
    "EVIDENCE_TEXTS",
    "MIN_COVERAGE",
    "Candidate",
    "Evidence",
    "Fragment",
    "FragmentLookup",
    "TraceIndex",
    "TraceReport",
    "TracedExport",
    "Verdict",
    "fragment_lookup",
    "read_fragment",
    "trace_file",
    "trace_fragment",
]

MIN_COVERAGE = 0.2  # share of the fragment's rows an export must have carried to be scored
MAX_LISTED = 10
_EXPORT_ID = re.compile(r"EX-\d{8}-[0-9A-F]{8}")


@dataclass(frozen=True)
class Candidate:
    export_id: str
    recipient: str
    time: str
    score: float  # -log10 of the combined p-value before the union bound
    p_value: float | None  # false-attribution probability after the union bound
    named: bool
    evidence: tuple[Evidence, ...]
    workstation: str | None = None  # known when traced at the office's service
    user: str | None = None

    def as_dict(self) -> dict[str, Any]:
        located = {} if self.workstation is None else {"workstation": self.workstation, "user": self.user}
        return {"export_id": self.export_id, "recipient": self.recipient, "time": self.time,
                "score": round(self.score, 2), "p_value": self.p_value, "named": self.named,
                "evidence": [{"layer": e.layer, "detail": e.detail, "key": e.key, "args": dict(e.args)}
                             for e in self.evidence], **located}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Candidate:
        """The candidate :meth:`as_dict` wrote; ``KeyError``/``TypeError``/``ValueError`` when it is not one."""
        evidence = []
        for item in data["evidence"]:
            key = str(item["key"])
            if key not in EVIDENCE_TEXTS:
                raise ValueError(f"unknown evidence {key!r}")
            evidence.append(Evidence(str(item["layer"]), key,
                                     tuple((str(k), str(v)) for k, v in dict(item["args"]).items())))
        p_value = data["p_value"]
        workstation, user = data.get("workstation"), data.get("user")
        return cls(str(data["export_id"]), str(data["recipient"]), str(data["time"]), float(data["score"]),
                   None if p_value is None else float(p_value), bool(data["named"]), tuple(evidence),
                   None if workstation is None else str(workstation), None if user is None else str(user))


@dataclass(frozen=True)
class Verdict:
    export_id: str
    recipient: str
    confidence: float


@dataclass(frozen=True)
class TraceReport:
    rows: int  # fragment rows that carry anything trace can read
    exports_tested: int
    verdict: Verdict | None
    candidates: tuple[Candidate, ...]
    rows_needed: int | None = None  # when no one is named: about how many more rows would be needed
    notes: tuple[str, ...] = ()

    @property
    def named(self) -> tuple[Candidate, ...]:
        return tuple(c for c in self.candidates if c.named)

    def as_dict(self) -> dict[str, Any]:
        verdict = None if self.verdict is None else {
            "export_id": self.verdict.export_id, "recipient": self.verdict.recipient,
            "confidence": self.verdict.confidence}
        return {"verdict": verdict, "candidates": [c.as_dict() for c in self.candidates], "rows": self.rows,
                "exports_tested": self.exports_tested, "rows_needed": self.rows_needed, "notes": list(self.notes)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TraceReport:
        """The report :meth:`as_dict` wrote (the evidence service's answer); ``ValueError`` when it is not one."""
        try:
            verdict = data["verdict"]
            rows_needed = data.get("rows_needed")
            return cls(int(data["rows"]), int(data["exports_tested"]),
                       None if verdict is None else Verdict(str(verdict["export_id"]), str(verdict["recipient"]),
                                                            float(verdict["confidence"])),
                       tuple(Candidate.from_dict(c) for c in data["candidates"]),
                       None if rows_needed is None else int(rows_needed),
                       tuple(str(n) for n in data.get("notes", ())))
        except (KeyError, TypeError, AttributeError) as error:
            raise ValueError("not a trace report") from error


# --- reading the fragment ---------------------------------------------------------------------


@dataclass(frozen=True)
class Fragment:
    rows: tuple[tuple[str, ...], ...]
    properties: dict[str, str] = field(default_factory=dict)

    @functools.cached_property
    def not_customers(self) -> frozenset[int]:
        """The rows that are a table's header row or the notice sheet's, no customer's (read once, not
        once per key: trace reads the fragment under every key it holds)."""
        return frozenset(number for number, cells in enumerate(self.rows)
                         if _is_header_row(cells) or not NOTICE_TEXTS.isdisjoint(cells))


def read_fragment(source: Path | str, encoding: str | None = None) -> Fragment:
    """A leaked file (xlsx, csv, txt) or pasted text, as rows of cell texts; ``encoding`` names a
    text file's codec (detected otherwise)."""
    if isinstance(source, str) and ("\n" in source or "\t" in source or not Path(source).exists()):
        return Fragment(tuple(_parse_text(source)))
    path = Path(source)
    if path.suffix.lower() in (".txt", ".tsv"):
        try:
            raw = path.read_bytes()
        except OSError as error:
            raise InputError(f"{path}: cannot read ({error.strerror or type(error).__name__})") from None
        return Fragment(tuple(_parse_text(decode_whole(raw, encoding, path.name))))
    rows: list[tuple[str, ...]] = []
    with open_workbook(path, encoding=encoding) as workbook:
        for sheet in workbook.sheets:
            for _, values in workbook.rows(sheet.name):
                rows.append(tuple(t for t in (round_trip_text(v) for v in values) if t is not None))
    return Fragment(tuple(rows), _custom_properties(path))


def _parse_text(text: str) -> Iterable[tuple[str, ...]]:
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return []
    if any("\t" in line for line in lines):
        return [tuple(cell.strip() for cell in line.split("\t")) for line in lines]
    try:
        dialect: Any = csv.Sniffer().sniff("\n".join(lines[:20]), delimiters=",;|")
    except csv.Error:
        dialect = csv.excel
    return [tuple(cell.strip() for cell in row) for row in csv.reader(lines, dialect)]


def _custom_properties(path: Path) -> dict[str, str]:
    """ExportGuard's own document properties of a leaked file; none when it has none or they are unreadable."""
    try:
        properties = read_custom_properties(path)
    except InputError:
        return {}
    return {name: value for name, value in properties.items() if name.startswith(PROPERTY_PREFIX)}


def _features(fragment: Fragment, fp_key: Fingerprinter) -> list[_Row]:
    """Each fragment row's tokens, masked identities (with their marks) and weak features, fingerprinted;
    none for a header or notice row (:attr:`Fragment.not_customers`)."""
    out: list[_Row] = []
    skipped = fragment.not_customers
    for number, cells in enumerate(fragment.rows):
        row = _Row()
        if number in skipped:
            out.append(row)
            continue
        for text in cells:
            token = token_feature(text)
            if token:
                row.tokens[fingerprint(fp_key, token)] = token
            mark = mark_feature(text)
            if mark:
                fp = fingerprint(fp_key, mark)
                row.masked.add(fp)
                row.weak[fp] = mark
                observation = read_mark(text)
                if observation is not None:
                    row.marks.append((fp, observation))
            value = value_feature(text)
            if value:
                row.weak[fingerprint(fp_key, value)] = value
        out.append(row)
    return out


def _is_header_row(cells: Sequence[str]) -> bool:
    """Whether a fragment row is a table's header row (户号, 户名, 手机号码, ...): most of its cells, two
    at least, name a column the scan knows, and none holds a number of six digits or more."""
    filled = [text for text in cells if text.strip()]
    if len(filled) < 2 or any(sum(ch.isdigit() for ch in text) >= 6 for text in filled):
        return False
    named = sum(1 for text in filled if header_meaning(text)[0] is not None)
    return named >= 2 and named * 5 >= len(filled) * 3  # two, and three in five


# --- what an index must find (the office's service) -------------------------------------------


@dataclass(frozen=True)
class FragmentLookup:
    """What an index must find for a fragment under one key, so that scoring only the exports it returns
    gives the very same report as scoring them all (:func:`trace_fragment`):

    * every export holding one of the ``tokens`` (token uniqueness counts every holder);
    * every export holding a token or masked identity of at least ``need`` of the fragment's rows
      (the coverage below which :func:`trace_fragment` does not score an export);
    * every export whose canary rows hold ``MIN_WEAK_CANARY`` or more of one row's ``weak`` features;
    * every export one of whose canary profiles (:mod:`masking.watermark.profile`) holds, for one
      fragment row that can be compared with a canary at all (:func:`~masking.watermark.profile.pair_floor`),
      a feature of each type the row shows (``profile_*``: the entry's fingerprint, row, type, and the
      number of types its row shows), or one of the fragment's reading marks (entries of ``profile_need``
      0: any export holding one is tested). Monitored numbers are tokens: their holders are found above.

    ``rows`` maps each (fingerprint, kind) entry to its fragment row; ``cover`` marks the token and
    masked entries that count towards coverage."""

    fps: tuple[int, ...]
    rows: tuple[int, ...]
    token: tuple[bool, ...]
    cover: tuple[bool, ...]
    weak: tuple[bool, ...]
    need: int
    min_weak: int = MIN_WEAK_CANARY
    profile_fps: tuple[int, ...] = ()
    profile_rows: tuple[int, ...] = ()
    profile_kinds: tuple[int, ...] = ()
    profile_need: tuple[int, ...] = ()


def fragment_lookup(fragment: Fragment, watermark_key: bytes) -> FragmentLookup:
    entries: list[tuple[int, int, bool, bool, bool]] = []
    rows = _features(fragment, fingerprinter(watermark_key))
    used = 0
    for number, row in enumerate(rows):
        used += bool(row.tokens or row.masked)
        entries.extend((fp, number, True, True, False) for fp in row.tokens)
        entries.extend((fp, number, False, True, fp in row.weak) for fp in row.masked)
        entries.extend((fp, number, False, False, True) for fp in row.weak if fp not in row.masked)
    columns = list(zip(*entries, strict=True)) if entries else [(), (), (), (), ()]
    profile = _profile_lookup(fragment.rows, fingerprinter(watermark_key))
    found = list(zip(*profile, strict=True)) if profile else [(), (), (), ()]
    return FragmentLookup(tuple(columns[0]), tuple(columns[1]), tuple(columns[2]), tuple(columns[3]),
                          tuple(columns[4]), _coverage_need(used), MIN_WEAK_CANARY, *(tuple(c) for c in found))


def _coverage_need(used_rows: int) -> int:
    return max(1, math.ceil(MIN_COVERAGE * used_rows))


# --- scoring ----------------------------------------------------------------------------------


def trace_file(source: Path | str, home: Path, ring: KeyRing, *, index: TraceIndex | None = None,
               encoding: str | None = None) -> TraceReport:
    """Score every export in ``home``'s ledger against a leaked file or pasted text."""
    return trace_fragment(read_fragment(source, encoding), index or TraceIndex(home, ring))


def trace_fragment(fragment: Fragment, index: TraceIndex) -> TraceReport:
    exports = index.exports
    scores: dict[int, _Score] = defaultdict(_Score)
    tables: list[_MarkTable] = []
    rows_used = 0
    for key in index.keys.values():
        rows = _features(fragment, fingerprinter(key.watermark_key))
        used = [r for r in rows if r.tokens or r.masked]
        rows_used = max(rows_used, len(used))
        coverage = np.zeros(len(exports), dtype=np.int64)
        held_rows = 0  # rows some export held (real customers: canary rows are in no membership set)
        token_owners = key.tokens.owners_of_each(fp for row in used for fp in row.tokens)
        masked_owners = key.masked.owners_of_each(fp for row in used for fp in row.masked)
        for row in used:
            owners = [token_owners[fp] for fp in row.tokens] + [masked_owners[fp] for fp in row.masked]
            if owners:
                holders = np.unique(np.concatenate(owners))
                held_rows += bool(len(holders))
                coverage[holders] += 1
        need = _coverage_need(len(used))
        candidates = [i for i in key.members if coverage[i] >= need]
        _score_tokens(used, key, candidates, coverage, scores)
        for owner in _score_canary_rows(rows, key, scores):
            if owner not in candidates:
                candidates.append(owner)
        table = _score_marks(used, key, candidates, scores, identity_key(key.watermark_key))
        if table is not None:
            tables.append(table)
        _note_membership_all(coverage, held_rows, scores)
    _peel_marks(tables, scores, index.held)
    _score_informed_canaries(fragment.rows, index, scores)
    _score_labels(fragment, index, scores)
    return _report(exports, scores, index.held, rows_used, list(index.notes))


def _score_tokens(used: Sequence[_Row], key: _KeyIndex, candidates: Sequence[int], coverage: np.ndarray,
                  scores: dict[int, _Score]) -> None:
    token_text: dict[int, str] = {}
    for row in used:
        token_text.update(row.tokens)
    unique: dict[int, list[int]] = defaultdict(list)
    shared: dict[int, int] = defaultdict(int)
    for fp, held_by in key.tokens.owners_of_each(token_text).items():
        owners = set(held_by.tolist())  # a handful at most: a set, not a numpy call per token
        if len(owners) == 1:
            unique[owners.pop()].append(fp)
        else:
            for owner in owners:
                shared[owner] += 1
    for i in candidates:
        score = scores[i]
        score.evidence.insert(0, _evidence("membership", "membership", rows=int(coverage[i]), total=len(used)))
        if unique.get(i):
            carried = max(1, int(key.token_counts[i]))
            score.log_ps["tokens"] = sum(min(0.0, math.log(carried / token_space(token_text[fp]))) for fp in unique[i])
            score.evidence.append(_evidence("tokens", "tokens_unique", count=len(unique[i])))
        elif shared.get(i):
            score.evidence.append(_evidence("tokens", "tokens_shared", count=shared[i]))


def _score_labels(fragment: Fragment, index: TraceIndex, scores: dict[int, _Score]) -> None:
    """The visible and metadata layers name an export outright; they can be copied or typed, so they are
    reported but do not enter the p-value."""
    mentioned = {eid for row in fragment.rows for text in row for eid in _EXPORT_ID.findall(text)}
    for export_id in mentioned:
        if export_id in index.by_id:
            scores[index.by_id[export_id]].evidence.append(
                _evidence("visible", "visible"))
    prop_id = fragment.properties.get(PROPERTY_PREFIX + "ExportId")
    if prop_id is not None and prop_id in index.by_id:
        i = index.by_id[prop_id]
        key = index.watermark_keys[index.exports[i].key_id]
        genuine = mark_is_authentic(key, prop_id, fragment.properties.get(PROPERTY_PREFIX + "Mark", ""))
        scores[i].evidence.append(_evidence("metadata", "metadata_authentic" if genuine else "metadata_forged"))


def _report(exports: Sequence[TracedExport], scores: dict[int, _Score], held: int, rows_used: int,
            notes: list[str]) -> TraceReport:
    total = max(1, held)  # the union bound counts every export held, loaded or not
    log_alpha = math.log(ALPHA)
    listed: list[tuple[float, Candidate]] = []
    bounds = _bounds(scores, held)
    together = _named_together([i for i, bounded in bounds.items() if bounded <= log_alpha])
    for i, score in scores.items():
        export = exports[i]
        log_p, bounded = log_combine(list(score.log_ps.values())), bounds[i]
        p_value = math.exp(bounded) if score.log_ps else None
        evidence = (*score.evidence, *together.get(i, ()))
        listed.append((bounded, Candidate(export.export_id, export.recipient, export.time, -log_p / math.log(10),
                                          p_value, bounded <= log_alpha, evidence, export.workstation,
                                          export.user)))
    listed.sort(key=lambda item: (item[0], -item[1].score))
    named = [c for _, c in listed if c.named]
    shown = tuple(named + [c for _, c in listed if not c.named][: max(0, MAX_LISTED - len(named))])
    verdict = None
    rows_needed = None
    if named:
        best = named[0]
        verdict = Verdict(best.export_id, best.recipient, 1.0 - (best.p_value or 0.0))
    elif listed and rows_used:
        best_log_p = -listed[0][1].score * math.log(10)
        target = math.log(total) - log_alpha
        if best_log_p < 0:
            rows_needed = max(1, math.ceil(rows_used * target / -best_log_p) - rows_used)
    if not rows_used:
        notes = [*notes, "nothing in the fragment looks like a token, an identifier or a masked value"]
    return TraceReport(rows_used, held, verdict, shown, rows_needed, tuple(notes))
