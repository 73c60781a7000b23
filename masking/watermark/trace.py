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
"""

from __future__ import annotations

import csv
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
from masking.errors import InputError
from masking.export_record import export_records
from masking.io.properties import read_custom_properties
from masking.io.reader import open_workbook
from masking.io.text_encoding import decode_whole
from masking.keys import KeyRing
from masking.plurals import choose_plurals
from masking.watermark.marks import (
    MarkObservation,
    expected_variant_pairs,
    expected_variants,
    export_mark_key,
    identity_hash,
    identity_key,
    read_mark,
)
from masking.watermark.membership import (
    U64,
    fingerprint,
    fingerprinter,
    fingerprints,
    mark_feature,
    token_feature,
    token_space,
    value_feature,
)
from masking.watermark.profile import (
    MAX_PAIR_P,
    POOL,
    READING,
    SUFFIX,
    ProfileIndex,
    RowFeatures,
    cell_features,
    ctx_ok,
    export_log_p,
    pair_bound,
    pair_floor,
    pair_matches,
)
from masking.watermark.reading_marks import ALT, HELD, row_identity
from masking.watermark.reading_marks import fragment_feature as reading_feature
from masking.watermark.stats import chernoff_log_tails, log_combine, log_tail
from masking.watermark.store import TraceData, TraceStore
from masking.watermark.visible import PROPERTY_PREFIX, mark_is_authentic
from masking.workspace import Workspace

ALPHA = 1e-6  # the largest false-attribution probability (after the union bound) at which trace names
MIN_COVERAGE = 0.2  # share of the fragment's rows an export must have carried to be scored
# Chance that a real row shows one given masked identity or reading by coincidence, for canary rows
# without tokens: what the canary drew afresh and every mask pattern shows (marks v3: a mobile's last 3
# digits, 1e-3; an account's last 2, 1e-2; a meter's last 3 behind its copied unit code, 1e-3; ...).
WEAK_CANARY_P = {"m|phone": 1e-3, "m|meter": 1e-3, "m|account": 1e-2, "m|id": 0.05, "m|name": 0.1, "v|": 1e-3}
MIN_WEAK_CANARY = 3
# A monitored phone number (the office's own, masking.watermark.pool) that only one export carried: no
# customer has it and it leaves only in canary rows, so no other export can be its source. Scored as
# this chance (not zero, so that the union bound over a million exports still sits below ALPHA).
MONITORED_P = 1e-12
MAX_LISTED = 10
# A candidate's mark p-value is exact where its Chernoff bound (never below the exact tail) is at most
# this; elsewhere the bound itself is used. Decided per candidate, on its own figures only (never by rank
# among the candidates), so an export's p-value does not depend on the other exports' keys.
EXACT_BELOW = math.log(1e-3)
# The weights of the marks rounds (:func:`_peel_marks`): the first scores every group, each later one the
# groups the exports named so far do not explain; an export's marks p-value is min_r p_r / w_r.
MARK_ROUNDS = (0.5, 1 / 6, 1 / 6, 1 / 6)
# A named export reports the masked values the named exports leave unexplained when they are at least
# this share of at least this many informative groups (a hint of more colluders; never scored).
UNEXPLAINED_SHARE = 0.2
UNEXPLAINED_MIN_GROUPS = 20
_EXPORT_ID = re.compile(r"EX-\d{8}-[0-9A-F]{8}")


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


# --- the ledger's exports and their trace data --------------------------------------------------


@dataclass(frozen=True)
class TracedExport:
    """One export as trace sees it; ``workstation`` and ``user`` are known at the office's service."""

    export_id: str
    recipient: str
    time: str
    key_id: str
    data: TraceData
    workstation: str | None = None
    user: str | None = None


class _Index:
    """Sorted fingerprints of every export (one key), with the export each came from."""

    def __init__(self, parts: Sequence[tuple[int, U64]]) -> None:
        fps = [p for _, p in parts]
        owners = [np.full(len(p), owner, dtype=np.int32) for owner, p in parts]
        all_fps = np.concatenate(fps) if fps else np.zeros(0, np.uint64)
        all_owners = np.concatenate(owners) if owners else np.zeros(0, np.int32)
        order = np.argsort(all_fps)
        self.fps, self.owners = all_fps[order], all_owners[order]

    def owners_of(self, fp: int) -> np.ndarray:
        value = np.uint64(fp)
        lo = int(np.searchsorted(self.fps, value, "left"))
        hi = int(np.searchsorted(self.fps, value, "right"))
        return self.owners[lo:hi]


@dataclass
class _KeyIndex:
    """Everything trace needs about the exports made under one master key."""

    watermark_key: bytes
    members: list[int]
    tokens: _Index
    masked: _Index
    canary_fps: U64
    canary_owner: np.ndarray
    canary_id: np.ndarray
    canary_strong: np.ndarray
    mark_keys: np.ndarray  # per export (indexed like ``exports``), 0 for other keys
    token_counts: np.ndarray  # tokens each export carried (indexed like ``exports``)
    canaries_held: int  # canary fingerprints of every export held under this key, loaded or not


class TraceIndex:
    """The ledger's exports and their trace data, loaded and indexed once (reuse it across traces).

    ``held`` is how many exports the union bound counts: every export in the ledger here; at the
    office's service, every export it holds, though only those that can score are loaded (:meth:`of`);
    ``canaries_held`` likewise counts the canary fingerprints of every export held, per key."""

    def __init__(self, home: Path, ring: KeyRing) -> None:
        exports, notes = _load_exports(home, ring)
        keys = {key_id: ring.by_id(key_id).subkey("watermark") for key_id in {e.key_id for e in exports}}
        self._build(exports, keys, notes, len(exports), {})

    @classmethod
    def of(cls, exports: Sequence[TracedExport], watermark_keys: Mapping[str, bytes], *, held: int,
           canaries_held: Mapping[str, int] | None = None, notes: Sequence[str] = ()) -> TraceIndex:
        index = cls.__new__(cls)
        index._build(list(exports), dict(watermark_keys), list(notes), max(held, len(exports)),
                     dict(canaries_held or {}))
        return index

    def _build(self, exports: list[TracedExport], watermark_keys: dict[str, bytes], notes: list[str],
               held: int, canaries_held: dict[str, int]) -> None:
        self.exports, self.notes, self.held = exports, notes, held
        self.watermark_keys = watermark_keys
        self.by_id = {e.export_id: i for i, e in enumerate(self.exports)}
        self.keys: dict[str, _KeyIndex] = {}
        for key_id in sorted({e.key_id for e in self.exports}):
            watermark_key = watermark_keys[key_id]
            members = [i for i, e in enumerate(self.exports) if e.key_id == key_id]
            datas = [(i, self.exports[i].data) for i in members]
            mark_keys = np.zeros(len(self.exports), dtype=np.uint64)
            for i in members:
                mark_keys[i] = export_mark_key(watermark_key, self.exports[i].export_id)
            canaries = sum(len(d.canary_fps) for _, d in datas)
            self.keys[key_id] = _KeyIndex(
                watermark_key, members, _Index([(i, d.tokens) for i, d in datas]),
                _Index([(i, d.masked) for i, d in datas]),
                np.concatenate([d.canary_fps for _, d in datas]),
                np.concatenate([np.full(len(d.canary_fps), i, np.int32) for i, d in datas]),
                np.concatenate([d.canary_ids for _, d in datas]),
                np.concatenate([d.canary_strong for _, d in datas]), mark_keys,
                np.array([len(e.data.tokens) for e in self.exports], dtype=np.int64),
                max(canaries, canaries_held.get(key_id, 0)))
        self.profiles = {key_id: _profile_index(self.exports, key.members) for key_id, key in self.keys.items()}


def _load_exports(home: Path, ring: KeyRing) -> tuple[list[TracedExport], list[str]]:
    notes: list[str] = []
    ledger = Workspace(home).ledger(ring)
    records = {record.export_id: (entry, record) for entry, record in export_records(ledger)}
    known = {key.key_id for key in ring.keys}
    exports: list[TracedExport] = []
    for stored in TraceStore(home).load_all():
        found = records.get(stored.export_id)
        if found is None:
            notes.append(f"trace data of {stored.export_id} has no ledger record; ignored")
            continue
        entry, record = found
        if record.trace.sha256 != stored.sha256:
            notes.append(f"trace data of {stored.export_id} does not match its ledger record; ignored")
            continue
        if stored.key_id not in known:
            notes.append(f"export {stored.export_id} was made with key {stored.key_id}, not in this keystore")
            continue
        exports.append(TracedExport(stored.export_id, record.recipient, entry.time, stored.key_id, stored.data))
    return exports, notes


# --- scoring ----------------------------------------------------------------------------------


@dataclass
class _Row:
    tokens: dict[int, str] = field(default_factory=dict)  # fingerprint -> feature (for its value space)
    masked: set[int] = field(default_factory=set)
    weak: dict[int, str] = field(default_factory=dict)  # masked identities and readings (canary matching)
    marks: list[tuple[int, MarkObservation]] = field(default_factory=list)


def _features(rows: Sequence[Sequence[str]], fp_key: Fingerprinter) -> list[_Row]:
    out: list[_Row] = []
    for cells in rows:
        row = _Row()
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
    rows = _features(fragment.rows, fingerprinter(watermark_key))
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


def _profile_lookup(rows: Sequence[Sequence[str]], fp_key: Fingerprinter) -> list[tuple[int, int, int, int]]:
    """(fingerprint, row, type, types the row shows) of the rows :func:`_score_profiles` can compare with a
    canary, then (fingerprint, -1 - n, 0, 0) of the n-th identity's reading marks (:func:`_score_reading_marks`)."""
    entries: list[tuple[int, int, int, int]] = []
    for number, row in enumerate(_row_profiles(rows, fp_key)):
        floor = pair_floor(row)
        if floor is None or floor > MAX_PAIR_P:
            continue
        entries.extend((fp, number, kind, len(row.cells)) for kind, cells in row.cells.items() for fp, _ in cells)
    looked = _reading_lookups(rows)
    fps = fingerprints(fp_key, [f for wanted in looked for f in wanted]) if looked else np.zeros(0, np.uint64)
    spans = np.repeat(np.arange(len(looked)), [len(wanted) for wanted in looked])
    entries.extend((int(fp), -1 - int(n), 0, 0) for fp, n in zip(fps.tolist(), spans.tolist(), strict=True))
    return entries


def _coverage_need(used_rows: int) -> int:
    return max(1, math.ceil(MIN_COVERAGE * used_rows))


@dataclass
class _Score:
    log_ps: dict[str, float] = field(default_factory=dict)
    evidence: list[Evidence] = field(default_factory=list)
    canary_tests: int = 0  # canary tests folded into log_ps["canaries"] (_canary_log_p), and their best
    canary_min: float = 0.0


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
        rows = _features(fragment.rows, fingerprinter(key.watermark_key))
        used = [r for r in rows if r.tokens or r.masked]
        rows_used = max(rows_used, len(used))
        coverage = np.zeros(len(exports), dtype=np.int64)
        held_rows = 0  # rows some export held (real customers: canary rows are in no membership set)
        for row in used:
            owners = [key.tokens.owners_of(fp) for fp in row.tokens] + [key.masked.owners_of(fp) for fp in row.masked]
            if owners:
                holders = np.unique(np.concatenate(owners))
                held_rows += bool(len(holders))
                coverage[holders] += 1
        need = _coverage_need(len(used))
        candidates = [i for i in key.members if coverage[i] >= need]
        _score_tokens(used, key, candidates, coverage, scores)
        canary_hits = _canary_hits(rows, key)
        for owner, hits in canary_hits.items():
            if owner not in candidates:
                candidates.append(owner)
            score = scores[owner]
            score.log_ps["canaries"] = sum(lp for _, _, lp in hits)
            for row_number, number, _ in hits[:5]:
                score.evidence.append(_evidence("canaries", "canary_row", row=row_number + 1, canary=number + 1))
        table = _score_marks(used, key, candidates, scores, identity_key(key.watermark_key))
        if table is not None:
            tables.append(table)
        _note_membership_all(coverage, held_rows, scores)
    _peel_marks(tables, scores, index.held)
    _score_informed_canaries(fragment, index, scores)
    _score_labels(fragment, index, scores)
    return _report(exports, scores, index.held, rows_used, list(index.notes))


def _score_tokens(used: Sequence[_Row], key: _KeyIndex, candidates: Sequence[int], coverage: np.ndarray,
                  scores: dict[int, _Score]) -> None:
    token_text: dict[int, str] = {}
    for row in used:
        token_text.update(row.tokens)
    unique: dict[int, list[int]] = defaultdict(list)
    shared: dict[int, int] = defaultdict(int)
    for fp in token_text:
        owners = np.unique(key.tokens.owners_of(fp))
        if len(owners) == 1:
            unique[int(owners[0])].append(fp)
        else:
            for owner in owners:
                shared[int(owner)] += 1
    for i in candidates:
        score = scores[i]
        score.evidence.insert(0, _evidence("membership", "membership", rows=int(coverage[i]), total=len(used)))
        if unique.get(i):
            carried = max(1, int(key.token_counts[i]))
            score.log_ps["tokens"] = sum(min(0.0, math.log(carried / token_space(token_text[fp]))) for fp in unique[i])
            score.evidence.append(_evidence("tokens", "tokens_unique", count=len(unique[i])))
        elif shared.get(i):
            score.evidence.append(_evidence("tokens", "tokens_shared", count=shared[i]))


@dataclass(frozen=True)
class _MarkCounts:
    """Per candidate: marked groups it carried (tested), how many show its pattern, the matches chance
    would give (means), and how many tested groups have each chance of a match (trials, by ``ps``)."""

    tested: np.ndarray
    successes: np.ndarray
    means: np.ndarray
    trials: np.ndarray
    ps: list[float]


@dataclass(frozen=True)
class _MarkTable:
    """One key's marked groups against its candidates: what each group shows and who carried it."""

    key: _KeyIndex
    cands: np.ndarray  # export numbers, one per row of ``carried``
    hashes: np.ndarray  # keyed identity hash per group
    ks: np.ndarray
    seen: np.ndarray  # groups x max k: the patterns seen
    p_group: np.ndarray  # chance that an export that did not make the copy matches the group
    carried: np.ndarray  # candidates x groups: carried the identity, and the group is informative


def _mark_groups(used: Sequence[_Row]) -> dict[tuple[str, str], tuple[int, int, set[int]]]:
    """The fragment's masked cells by (scheme, identity): its fingerprint, its k and the patterns seen."""
    groups: dict[tuple[str, str], tuple[int, int, set[int]]] = {}
    for row in used:
        for fp, observation in row.marks:
            key_of = (observation.scheme, observation.identity)
            groups.setdefault(key_of, (fp, observation.k, set()))[2].add(observation.variant)
    return groups


def _mark_table(groups: dict[tuple[str, str], tuple[int, int, set[int]]], key: _KeyIndex, cands: np.ndarray,
                id_key: bytes) -> _MarkTable:
    position = np.full(len(key.mark_keys), -1, dtype=np.int64)  # export -> its row among the candidates
    position[cands] = np.arange(len(cands))
    ks = np.array([k for _, k, _ in groups.values()], dtype=np.int64)
    seen_count = np.array([len(seen) for _, _, seen in groups.values()], dtype=np.int64)
    seen_table = np.zeros((len(groups), int(ks.max())), dtype=np.bool_)
    carried = np.zeros((len(cands), len(groups)), dtype=np.bool_)
    for g, (fp, _, seen) in enumerate(groups.values()):
        seen_table[g, list(seen)] = True
        at = position[key.masked.owners_of(fp)]
        carried[at[at >= 0], g] = True
    carried &= (seen_count < ks)[None, :]  # a group showing every pattern tells nothing
    hashes = np.array([identity_hash(id_key, scheme, identity) for scheme, identity in groups], dtype=np.uint64)
    return _MarkTable(key, cands, hashes, ks, seen_table, seen_count / ks, carried)


def _matches(table: _MarkTable, rows: np.ndarray) -> np.ndarray:
    """rows x groups: the group shows the pattern the candidate's key picks (whether carried or not)."""
    expected = expected_variants(table.key.mark_keys[table.cands[rows]], table.hashes, table.ks)
    hit: np.ndarray = table.seen[np.arange(len(table.ks))[None, :], expected]
    return hit


def _mark_counts(table: _MarkTable, rows: np.ndarray, excluded: np.ndarray | None = None) -> _MarkCounts:
    """The counts of the candidates at ``rows``, leaving out the ``excluded`` groups; only the (candidate,
    group) pairs carried are computed (a decoy carries a few of the fragment's identities)."""
    carried = table.carried[rows]
    if excluded is not None:
        carried &= ~excluded[None, :]
    at, group = np.nonzero(carried)
    expected = expected_variant_pairs(table.key.mark_keys[table.cands[rows[at]]], table.hashes[group],
                                      table.ks[group])
    hit = table.seen[group, expected]
    ps = sorted(set(table.p_group.tolist()))
    which_p = np.searchsorted(np.array(ps), table.p_group)[group]
    size = len(rows)
    trials = np.bincount(at * len(ps) + which_p, minlength=size * len(ps)).reshape(size, len(ps))
    return _MarkCounts(np.bincount(at, minlength=size), np.bincount(at, weights=hit, minlength=size).astype(np.int64),
                       np.bincount(at, weights=table.p_group[group], minlength=size), trials, ps)


def _marks_log_ps(counts: _MarkCounts) -> list[float | None]:
    """ln p of each candidate's matches (None: it tested nothing): the Chernoff bound, and the exact
    Poisson-binomial tail where that bound is at most EXACT_BELOW."""
    bounds = chernoff_log_tails(counts.successes, counts.trials, counts.ps)
    out: list[float | None] = []
    for n, bound in enumerate(bounds.tolist()):
        if not counts.tested[n]:
            out.append(None)
        elif bound <= EXACT_BELOW:
            by_p = {p: int(counts.trials[n, j]) for j, p in enumerate(counts.ps)}
            out.append(log_tail(int(counts.successes[n]), by_p))
        else:
            out.append(bound)
    return out


def _score_marks(used: Sequence[_Row], key: _KeyIndex, candidates: Sequence[int], scores: dict[int, _Score],
                 id_key: bytes) -> _MarkTable | None:
    """Compare every candidate's expected patterns with the ones seen, all candidates at once (the first
    of the rounds of :func:`_peel_marks`, whose weight the p-value pays)."""
    groups = _mark_groups(used)
    if not groups or not candidates:
        return None
    table = _mark_table(groups, key, np.array(candidates, dtype=np.int64), id_key)
    counts = _mark_counts(table, np.arange(len(candidates)))
    for n, log_p in enumerate(_marks_log_ps(counts)):
        if log_p is not None:
            _set_marks(scores[int(table.cands[n])], counts, n, log_p=log_p, round_=0)
    return table


def _set_marks(score: _Score, counts: _MarkCounts, n: int, *, log_p: float, round_: int) -> None:
    """Round ``round_``'s p-value of one export (after the round's weight): the first round's always, with
    its evidence; a later round's only when it is the export's best so far, its evidence replacing an
    earlier later round's."""
    weighted = min(0.0, log_p - math.log(MARK_ROUNDS[round_]))
    if round_ and weighted >= score.log_ps.get("marks", 0.0):
        return
    score.log_ps["marks"] = min(score.log_ps.get("marks", 0.0), weighted)
    if round_:
        score.evidence = [e for e in score.evidence if e.key != "marks_rest"]
    score.evidence.append(_evidence("marks", "marks_rest" if round_ else "marks", matched=int(counts.successes[n]),
                                    tested=int(counts.tested[n]), expected=f"{counts.means[n]:.1f}",
                                    p=f"{math.exp(log_p):.3g}"))


def _peel_marks(tables: Sequence[_MarkTable], scores: dict[int, _Score], held: int) -> None:
    """Colluders: once some exports are named, the groups whose patterns they explain are set aside and
    every other candidate is scored again on the rest, where the remaining colluders' share of matches
    is larger (each of c colluders matches about 1/c of a minority-voted copy; with one of them named,
    each of the others about 1/(c - 1) of what is left). Round r pays its weight MARK_ROUNDS[r]: an
    export's marks p-value is min over rounds of p_r / w_r, the weights sum to 1, so it stays a valid
    p-value. Which groups are set aside depends on the fragment and the named exports' keys only, never
    on the key of an export not named yet, so under that export each group left still matches by chance
    with probability m/k and its tail is exact (see docs/watermark.md, "Colluders")."""
    for round_ in range(1, len(MARK_ROUNDS)):
        named = _named(scores, held)
        if not named:
            return
        for table in tables:
            is_named = np.isin(table.cands, list(named))
            if not is_named.any() or is_named.all():
                continue
            rest = np.flatnonzero(~is_named)
            counts = _mark_counts(table, rest, _explained(table, is_named))
            for n, log_p in enumerate(_marks_log_ps(counts)):
                if log_p is not None:
                    _set_marks(scores[int(table.cands[rest[n]])], counts, n, log_p=log_p, round_=round_)
        if len(_named(scores, held)) == len(named):
            break
    _unexplained(tables, scores, _named(scores, held))


def _named(scores: Mapping[int, _Score], held: int) -> set[int]:
    return {i for i, bounded in _bounds(scores, held).items() if bounded <= math.log(ALPHA)}


def _explained(table: _MarkTable, is_named: np.ndarray) -> np.ndarray:
    """Per group: a named export that carried its identity shows the pattern seen."""
    explained: np.ndarray = (_matches(table, np.flatnonzero(is_named)) & table.carried[is_named]).any(axis=0)
    return explained


def _unexplained(tables: Sequence[_MarkTable], scores: dict[int, _Score], named: set[int]) -> None:
    """When the named exports leave a good share of the informative masked values unexplained, each named
    export says so: those cells were altered, or come from copies of exports the fragment is too small to
    name (a coalition larger than those named). Reported only, never scored."""
    for table in tables:
        is_named = np.isin(table.cands, list(named))
        informative = table.p_group < 1.0
        total = int(informative.sum())
        if not is_named.any() or total < UNEXPLAINED_MIN_GROUPS:
            continue
        count = int((informative & ~_explained(table, is_named)).sum())
        if count >= UNEXPLAINED_SHARE * total:
            for i in table.cands[is_named].tolist():
                scores[int(i)].evidence.append(_evidence("marks", "marks_unexplained", count=count, total=total))


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


def _canary_hits(rows: Sequence[_Row], key: _KeyIndex) -> dict[int, list[tuple[int, int, float]]]:
    """Per export: (fragment row, canary number, ln p) of each fragment row that is one of its canaries.

    Weak features (masked identities, readings) are shared by many canaries of exports of the same
    customers, so they are counted per canary with numpy; tokens (strong) one by one."""
    fps, owners, ids, strong, tokens = key.canary_fps, key.canary_owner, key.canary_id, key.canary_strong, key.tokens
    hits: dict[int, list[tuple[int, int, float]]] = defaultdict(list)
    if not len(fps):
        return hits
    packed = owners.astype(np.int64) << 32 | ids.astype(np.int64)
    weak_keys, weak_total = np.unique(packed[~strong], return_counts=True)
    order = np.argsort(fps)
    sorted_fps = fps[order]
    for row_number, row in enumerate(rows):
        strong_hits: dict[tuple[int, int], float] = {}
        for fp in row.tokens:
            at = _positions(sorted_fps, order, fp)
            at = at[strong[at]]
            if not len(at):
                continue
            matches = {(int(owners[j]), int(ids[j])) for j in at}
            if len({o for o, _ in matches} | {int(o) for o in tokens.owners_of(fp)}) != 1:
                continue
            log_p = math.log(min(1.0, key.canaries_held / token_space(row.tokens[fp])))
            for match in matches:
                strong_hits[match] = strong_hits.get(match, 0.0) + log_p
        weak_hits = _weak_hits(row, sorted_fps, order, strong, packed, weak_keys, weak_total)
        for owner, (number, log_p) in _strongest_per_export(strong_hits, weak_hits).items():
            hits[owner].append((row_number, number, log_p))
    return hits


def _weak_hits(row: _Row, sorted_fps: np.ndarray, order: np.ndarray, strong: np.ndarray, packed: np.ndarray,  # noqa: PLR0917 - the canary index's arrays
               weak_keys: np.ndarray, weak_total: np.ndarray) -> dict[tuple[int, int], float]:
    """Canaries every weak feature of which (at least MIN_WEAK_CANARY) this row shows, with their ln p."""
    keys: list[np.ndarray] = []
    log_ps: list[np.ndarray] = []
    for fp, feature in row.weak.items():
        at = _positions(sorted_fps, order, fp)
        at = at[~strong[at]]
        if len(at):
            found = np.unique(packed[at])
            keys.append(found)
            log_ps.append(np.full(len(found), _weak_log_p(feature)))
    if not keys:
        return {}
    unique, inverse, counts = np.unique(np.concatenate(keys), return_inverse=True, return_counts=True)
    sums = np.bincount(inverse, weights=np.concatenate(log_ps))
    totals = weak_total[np.searchsorted(weak_keys, unique)]
    whole = (counts >= MIN_WEAK_CANARY) & (counts == totals)
    return {(int(k) >> 32, int(k) & 0xFFFFFFFF): float(v) for k, v in zip(unique[whole], sums[whole], strict=True)}


def _positions(sorted_fps: np.ndarray, order: np.ndarray, fp: int) -> np.ndarray:
    value = np.uint64(fp)
    return order[np.searchsorted(sorted_fps, value, "left"):np.searchsorted(sorted_fps, value, "right")]


def _strongest_per_export(strong_hits: Mapping[tuple[int, int], float],
                          weak_hits: Mapping[tuple[int, int], float]) -> dict[int, tuple[int, float]]:
    """One row's hits, one per export: its strongest canary (one leaked row is one piece of evidence, even
    where two canaries of the export share a value)."""
    best: dict[int, tuple[int, float]] = {}
    for (owner, number), log_p in strong_hits.items():
        if owner not in best or log_p < best[owner][1]:
            best[owner] = (number, log_p)
    for (owner, number), log_p in weak_hits.items():
        if (owner, number) not in strong_hits and (owner not in best or log_p < best[owner][1]):
            best[owner] = (number, log_p)
    return best


def _weak_log_p(feature: str) -> float:
    for prefix, p in WEAK_CANARY_P.items():
        if feature.startswith(prefix):
            return math.log(p)
    return 0.0


def _bounds(scores: Mapping[int, _Score], held: int) -> dict[int, float]:
    """ln of each scored export's false-attribution bound: its layers' combined p-value times the number
    of exports held (the union bound counts every export held, loaded or not)."""
    total = math.log(max(1, held))
    return {i: min(0.0, log_combine(list(score.log_ps.values())) + total) for i, score in scores.items()}


def _named_together(named: Sequence[int]) -> dict[int, tuple[Evidence, ...]]:
    """When several exports are named, each hears so: the fragment merges their copies (colluders), and
    each was named on its own p-value against the same bound, so the others take nothing from it."""
    if len(named) < 2:
        return {}
    return {i: (_evidence("marks", "marks_together", count=len(named)),) for i in named}


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


# --- canaries against an informed leaker, monitored numbers, membership (issue 18) ------------------


def _profile_index(exports: Sequence[TracedExport], members: Sequence[int]) -> ProfileIndex:
    return ProfileIndex([(i, exports[i].data.profile_fps, exports[i].data.profile_ids, exports[i].data.profile_kinds,
                          exports[i].data.profile_slots) for i in members])


def _row_profiles(rows: Sequence[Sequence[str]], fp_key: Fingerprinter) -> list[RowFeatures]:
    """Each fragment row's canary-profile features (masking.watermark.profile), fingerprinted in one batch."""
    parsed = [[cell_features(text) for text in cells] for cells in rows]
    tokens = [[token_feature(text) for text in cells] for cells in rows]
    strings: list[str] = []
    for cells, row_tokens in zip(parsed, tokens, strict=True):
        for cell, token in zip(cells, row_tokens, strict=True):
            strings.extend(f for f in (cell.ctx, cell.suffix[1] if cell.suffix else None,
                                       cell.reading[0] if cell.reading else None, token) if f)
    fps = iter(int(fp) for fp in fingerprints(fp_key, strings)) if strings else iter(())
    out: list[RowFeatures] = []
    for cells, row_tokens in zip(parsed, tokens, strict=True):
        ctx: set[int] = set()
        fresh: dict[int, list[tuple[int, float]]] = defaultdict(list)
        token_fps: list[int] = []
        for cell, token in zip(cells, row_tokens, strict=True):
            if cell.ctx:
                ctx.add(next(fps))
            if cell.suffix:
                fresh[SUFFIX + min(cell.suffix[0], 200)].append((next(fps), cell.suffix[2]))
            if cell.reading:
                fresh[READING].append((next(fps), cell.reading[1]))
            if token:
                token_fps.append(next(fps))
        out.append(RowFeatures(frozenset(ctx), dict(fresh), tuple(token_fps)))
    return out


def _score_informed_canaries(fragment: Fragment, index: TraceIndex, scores: dict[int, _Score]) -> None:
    """Canary profiles and monitored numbers, per key (see masking.watermark.profile and .pool)."""
    for key_id, key in index.keys.items():
        profiles = index.profiles[key_id]
        if not len(profiles):
            continue
        fp_key = fingerprinter(key.watermark_key)
        rows = _row_profiles(fragment.rows, fp_key)
        _score_profiles(rows, profiles, scores)
        _score_pool(rows, profiles, scores)
        _score_reading_marks(fragment.rows, fp_key, profiles, scores)


def _canary_log_p(score: _Score, log_p: float) -> None:
    """One more canary test for this export. The tests read the same canary rows, so they are not
    independent: the canary layer keeps the strongest, times the number of tests (Bonferroni)."""
    if score.canary_tests == 0:  # the single-row test of _canary_hits, if it found anything, is the first
        score.canary_tests = 1 if "canaries" in score.log_ps else 0
        score.canary_min = score.log_ps.get("canaries", 0.0)
    score.canary_tests += 1
    score.canary_min = min(score.canary_min, log_p)
    score.log_ps["canaries"] = min(0.0, score.canary_min + math.log(score.canary_tests))


def _score_profiles(rows: Sequence[RowFeatures], profiles: ProfileIndex, scores: dict[int, _Score]) -> None:
    """Exports whose canaries fragment rows match on their keyed surviving features, scored by the exact
    tail of the number of canaries matched (each bounded by the sum of its pairs' odds over the rows)."""
    matched: dict[int, set[int]] = defaultdict(set)
    for row in rows:
        if not any(kind >= SUFFIX for kind in row.cells):
            continue
        candidates: np.ndarray | None = None
        for kind, cells in row.cells.items():
            positions = [profiles.entries(fp) for fp, _ in cells]
            at = np.concatenate(positions) if positions else np.zeros(0, np.int64)
            at = at[profiles.kind[at] == kind]
            found = np.unique(profiles.owner[at].astype(np.int64) << 32 | profiles.canary[at].astype(np.int64))
            candidates = found if candidates is None else np.intersect1d(candidates, found, assume_unique=True)
            if not len(candidates):
                break
        for packed in (candidates if candidates is not None else ()):
            owner, number = int(packed) >> 32, int(packed) & 0xFFFFFFFF
            canary = profiles.profiles(owner).get(number)
            if canary is not None and number not in matched[owner] and ctx_ok(row, canary) \
                    and pair_bound(row, canary) is not None and pair_matches(row, canary):
                matched[owner].add(number)
    for owner, numbers in matched.items():
        if not numbers:
            continue
        bounds = []
        for canary in profiles.profiles(owner).values():
            pairs = (pair_bound(row, canary) for row in rows if ctx_ok(row, canary))
            bounds.append(min(1.0, sum(b for b in pairs if b is not None)))
        log_p = export_log_p(len(numbers), bounds)
        score = scores[owner]
        _canary_log_p(score, log_p)
        score.evidence.append(_evidence("canaries", "canary_profile", matched=len(numbers), tested=len(bounds),
                                        expected=f"{sum(bounds):.2g}", p=f"{math.exp(log_p):.3g}"))


def _score_pool(rows: Sequence[RowFeatures], profiles: ProfileIndex, scores: dict[int, _Score]) -> None:
    """Monitored numbers: one carried by a single export names it; one carried by several points to them."""
    holders_of: dict[int, set[int]] = {}
    for row in rows:
        for fp in row.tokens:
            if fp in holders_of:
                continue
            at = profiles.entries(fp)
            at = at[profiles.kind[at] == POOL]
            if len(at):
                holders_of[fp] = {int(o) for o in profiles.owner[at]}
    unique: dict[int, int] = defaultdict(int)
    shared: dict[int, list[int]] = defaultdict(list)
    for holders in holders_of.values():
        for owner in holders:
            if len(holders) == 1:
                unique[owner] += 1
            else:
                shared[owner].append(len(holders))
    for owner, count in unique.items():
        _canary_log_p(scores[owner], math.log(MONITORED_P))
        scores[owner].evidence.append(_evidence("canaries", "pool_unique", count=count))
    for owner, sizes in shared.items():
        scores[owner].evidence.append(_evidence("canaries", "pool_shared", count=len(sizes), total=max(sizes)))


def _score_reading_marks(rows: Sequence[Sequence[str]], fp_key: Fingerprinter, profiles: ProfileIndex,
                         scores: dict[int, _Score]) -> None:
    """The keyed +-1 on marked readings (masking.watermark.reading_marks): per export, of the identities
    it held in either direction, how many show only its own; exact binomial tail at 1/2."""
    looked = _reading_lookups(rows)
    if not looked:
        return
    fps = iter(int(fp) for fp in fingerprints(fp_key, [f for wanted in looked for f in wanted]))
    tested: dict[int, int] = defaultdict(int)
    matched: dict[int, int] = defaultdict(int)
    for wanted in looked:
        held: set[int] = set()
        other: set[int] = set()
        for _ in wanted:
            at = profiles.entries(next(fps))
            held.update(int(o) for o in profiles.owner[at[profiles.kind[at] == HELD]])
            other.update(int(o) for o in profiles.owner[at[profiles.kind[at] == ALT]])
        for owner in held | other:
            tested[owner] += 1
            matched[owner] += owner in held and owner not in other
    for owner, count in tested.items():
        hits = matched[owner]
        log_p = log_tail(hits, {0.5: count}) if hits > count / 2 else 0.0
        scores[owner].log_ps["readings"] = log_p
        scores[owner].evidence.append(_evidence("readings", "reading_marks", matched=hits, tested=count,
                                                expected=f"{count / 2:.1f}", p=f"{math.exp(log_p):.3g}"))


def _reading_lookups(rows: Sequence[Sequence[str]]) -> list[list[str]]:
    """The reading-mark features looked up, per identity of the fragment (its first row; one coin per identity)."""
    looked: list[list[str]] = []
    seen: set[str] = set()
    for cells in rows:
        identity = row_identity(cells)
        if identity is None or identity in seen:
            continue
        wanted = [f for f in (reading_feature(identity, text) for text in cells) if f]
        if wanted:
            seen.add(identity)
            looked.append(wanted)
    return looked


def _note_membership_all(coverage: np.ndarray, held_rows: int, scores: dict[int, _Score]) -> None:
    """Report, on each export scored, whether it held every fragment row of a real customer, and how many
    exports in the ledger did (who could have leaked these customers; reported, not scored)."""
    if not held_rows:
        return
    full = coverage >= held_rows
    could = int(full.sum())
    for owner, score in scores.items():
        if owner < len(full) and full[owner]:
            score.evidence.append(_evidence("membership", "membership_all", rows=held_rows, total=could))
