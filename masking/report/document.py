"""The trace report as a document: what it says, in the reader's language, before any file format.

:func:`build_report` turns a ``TraceReport`` and the facts around it (the leaked data's name and
SHA-256, the investigator, the time, the ledger records the verdict rests on) into a
:class:`Document` of a few block types; :mod:`masking.report.html` and :mod:`masking.report.pdf`
render the same document, so the saved HTML, the PDF and the desktop's evidence pane say the same.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from masking.export_record import ExportRecord
from masking.languages import Language
from masking.ledger import LedgerEntry
from masking.report.words import chance_words, grouped, has, probability_words, say
from masking.watermark.trace import Candidate, Evidence, TraceReport

WEAK = 0.01  # an unnamed candidate at or below this bound is reported as "some evidence"
OTHERS_LISTED = 5


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1  # 0 the title, 1 a section, 2 a subsection


@dataclass(frozen=True)
class Paragraph:
    text: str
    strong: bool = False  # the verdict
    quiet: bool = False  # notes and explanations


@dataclass(frozen=True)
class Fact:
    label: str
    value: str
    code: bool = False  # hashes and ids: a fixed-width font


@dataclass(frozen=True)
class Facts:
    rows: tuple[Fact, ...]


@dataclass(frozen=True)
class Bullets:
    items: tuple[tuple[str, str], ...]  # (lead-in, sentence)


Block = Heading | Paragraph | Facts | Bullets


@dataclass(frozen=True)
class Document:
    title: str
    language: Language
    author: str
    blocks: tuple[Block, ...]


RecordedExport = tuple[LedgerEntry, ExportRecord]  # the ledger entry (its place in the chain) and its record


def recorded_exports(pairs: Iterable[RecordedExport]) -> dict[str, RecordedExport]:
    """``export_records(ledger)`` by export id: the records a report can rest on."""
    return {record.export_id: (entry, record) for entry, record in pairs}


@dataclass(frozen=True)
class LeakedSource:
    """What was traced: a file (its name) or pasted text (its line count), and the SHA-256 of its bytes."""

    name: str | None
    sha256: str
    lines: int = 0

    @classmethod
    def of(cls, source: Path | str) -> LeakedSource:
        """Describe ``source`` as ``trace_file`` reads it: a path, or pasted text (hashed as UTF-8)."""
        if isinstance(source, Path):
            digest = hashlib.sha256()
            with source.open("rb") as stream:
                for chunk in iter(lambda: stream.read(1 << 20), b""):
                    digest.update(chunk)
            return cls(source.name, digest.hexdigest())
        lines = sum(1 for line in source.splitlines() if line.strip())
        return cls(None, hashlib.sha256(source.encode("utf-8")).hexdigest(), lines)


@dataclass(frozen=True)
class ReportFacts:
    """Everything a report states besides the trace itself."""

    source: LeakedSource
    investigator: str
    created: dt.datetime  # aware; shown in the local time zone
    records: Mapping[str, RecordedExport] = field(default_factory=dict)  # export id -> its ledger record
    service: str | None = None  # the evidence service traced at (its URL); None: this workstation's ledger


def local_time(value: dt.datetime | str) -> str:
    """A time in the local zone, to the minute, with its offset: 2026-12-06 17:23 (UTC+08:00)."""
    moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    local = moment.astimezone()
    offset = local.strftime("%z")
    return f"{local:%Y-%m-%d %H:%M} (UTC{offset[:3]}:{offset[3:]})"


def confidence_level(candidate: Candidate, language: Language) -> str:
    """The confidence in words: 极高, very high, ... (unnamed candidates never read as confident)."""
    p = candidate.p_value
    if p is None:
        key = "level_none"
    elif candidate.named and p <= 1e-12:
        key = "level_extreme"
    elif candidate.named and p <= 1e-9:
        key = "level_very_high"
    elif candidate.named:
        key = "level_high"
    else:
        key = "level_weak" if p <= WEAK else "level_none"
    return say(language, key)


def confidence_summary(candidate: Candidate, language: Language) -> str:
    """The level with its figure beside it, for a table cell: 极高（误判概率不超过一万亿分之一）."""
    level = confidence_level(candidate, language)
    if candidate.p_value is None:
        return level
    return say(language, "level_with_chance", level=level, chance=chance_words(candidate.p_value, language))


def confidence_text(candidate: Candidate, language: Language) -> str:
    """The same as a sentence: 可信度：极高（误判概率不超过一万亿分之一）."""
    return say(language, "confidence", summary=confidence_summary(candidate, language))


def evidence_sentence(evidence: Evidence, language: Language) -> str:
    """One finding in plain words; a key without words here falls back to the engine's English."""
    key = f"ev_{evidence.key}"
    if not has(key):
        return evidence.detail
    values = dict(evidence.args)
    if "p" in values:
        with contextlib.suppress(ValueError):  # a figure the engine did not print as a number stays as printed
            values["p"] = probability_words(float(values["p"]), language)
    for name in ("rows", "total", "count", "matched", "tested"):
        if name in values and values[name].isdigit():
            values[name] = grouped(int(values[name]))
    return say(language, key, **values)


def layer_name(layer: str, language: Language) -> str:
    key = f"layer_{layer}"
    return say(language, key) if has(key) else layer


def candidate_blocks(candidate: Candidate, records: Mapping[str, RecordedExport], language: Language) -> list[Block]:
    """One candidate's evidence, layer by layer, and its confidence (the desktop's evidence pane)."""
    return [
        Heading(say(language, "evidence_heading", export_id=candidate.export_id, recipient=candidate.recipient), 2),
        Paragraph(confidence_text(candidate, language), strong=candidate.named),
        Bullets(tuple((layer_name(e.layer, language), evidence_sentence(e, language)) for e in candidate.evidence)),
    ]


def policy_words(policy: Mapping[str, Any] | None, language: Language) -> str:
    """Which policy the export ran under: signed by the office, or local and unsigned (said plainly)."""
    if not policy:
        return say(language, "policy_unknown")
    origin = policy.get("origin")
    key = {"signed": "policy_signed", "local": "policy_local"}.get(str(origin), "policy_builtin")
    return say(language, key, version=policy.get("version", ""), signer=policy.get("signer") or "",
               sha256=str(policy.get("sha256") or "")[:16])


def record_blocks(export_id: str, recorded: RecordedExport | None, language: Language, *,
                  at_service: bool = False) -> list[Block]:
    """The ledger record a verdict rests on."""
    heading = Heading(say(language, "record_heading", export_id=export_id), 2)
    if recorded is None:
        missing = "record_missing_service" if at_service else "record_missing"
        return [heading, Paragraph(say(language, missing, export_id=export_id))]
    entry, record = recorded
    facts = (
        Fact(say(language, "record_position"),
             say(language, "record_position_value", seq=entry.seq, workstation=entry.workstation)),
        Fact(say(language, "record_time"), local_time(entry.time)),
        Fact(say(language, "record_user"), record.user),
        Fact(say(language, "record_recipient"), record.recipient),
        Fact(say(language, "record_purpose"), record.purpose),
        Fact(say(language, "record_rows"), grouped(record.rows)),
        Fact(say(language, "record_input"), record.input_sha256, code=True),
        Fact(say(language, "record_output"), record.output_sha256 or say(language, "none"), code=True),
        Fact(say(language, "record_policy"), policy_words(record.policy, language)),
        Fact(say(language, "record_hash"), entry.hash, code=True),
    )
    return [heading, Facts(facts), Paragraph(say(language, "record_chain"), quiet=True)]


def _verdict_blocks(report: TraceReport, records: Mapping[str, RecordedExport], language: Language,
                    at_service: bool) -> list[Block]:
    named = [c for c in report.candidates if c.named]
    blocks: list[Block] = [Heading(say(language, "conclusion"))]
    if named:
        best = named[0]
        recorded = records.get(best.export_id)
        blocks.append(Paragraph(confidence_text(best, language), strong=True))
        if recorded is not None:
            entry, record = recorded
            blocks.append(Paragraph(say(language, "named", export_id=best.export_id, time=local_time(entry.time),
                                        user=record.user, recipient=best.recipient, purpose=record.purpose),
                                    strong=True))
        else:
            blocks.append(Paragraph(say(language, "named_short", export_id=best.export_id,
                                        recipient=best.recipient), strong=True))
        blocks.extend(Paragraph(say(language, "also_named", export_id=c.export_id, recipient=c.recipient))
                      for c in named[1:])
    elif report.candidates:
        blocks.append(Paragraph(say(language, "not_named"), strong=True))
        if report.rows_needed:
            blocks.append(Paragraph(say(language, "rows_needed", rows=grouped(report.rows_needed))))
    else:
        blocks.append(Paragraph(say(language, "no_match_service" if at_service else "no_match"), strong=True))
    blocks.append(Paragraph(say(language, "meaning", count=grouped(report.exports_tested)), quiet=True))
    return blocks


def build_report(report: TraceReport, facts: ReportFacts, language: Language) -> Document:
    """The whole report: facts, conclusion, the evidence per named export and the ledger record behind it."""
    source = facts.source
    leaked = source.name if source.name is not None else say(language, "pasted", rows=grouped(source.lines))
    at_service = facts.service is not None
    origin = say(language, "source_service", url=facts.service) if at_service else say(language, "source_ledger")
    blocks: list[Block] = [
        Heading(say(language, "title"), 0),
        Facts((
            Fact(say(language, "created"), local_time(facts.created)),
            Fact(say(language, "investigator"), facts.investigator or say(language, "none")),
            Fact(say(language, "leaked"), leaked),
            Fact(say(language, "leaked_sha256"), source.sha256, code=True),
            Fact(say(language, "rows_read"), say(language, "rows_read_value", rows=grouped(report.rows))),
            Fact(say(language, "evidence_source"), origin),
            Fact(say(language, "exports_tested"),
                 say(language, "exports_tested_service" if at_service else "exports_tested_value",
                     count=grouped(report.exports_tested))),
        )),
    ]
    blocks.extend(_verdict_blocks(report, facts.records, language, at_service))
    named = [c for c in report.candidates if c.named]
    for candidate in named:
        blocks.extend(candidate_blocks(candidate, facts.records, language))
        blocks.extend(record_blocks(candidate.export_id, facts.records.get(candidate.export_id), language,
                                    at_service=at_service))
    others = [c for c in report.candidates if not c.named][:OTHERS_LISTED]
    if others:
        blocks.append(Heading(say(language, "other_heading")))
        if not named:  # nobody is named: the strongest lead's evidence is what the investigator needs
            blocks.extend(candidate_blocks(others[0], facts.records, language))
        blocks.append(Bullets(tuple(
            ("", say(language, "other_line", export_id=c.export_id, recipient=c.recipient, time=local_time(c.time),
                     level=confidence_level(c, language)))
            for c in others)))
    if report.notes:
        blocks.append(Heading(say(language, "notes")))
        blocks.extend(Paragraph(note, quiet=True) for note in report.notes)
    return Document(say(language, "title"), language, facts.investigator, tuple(blocks))


def evidence_document(candidate: Candidate, records: Mapping[str, RecordedExport], language: Language, *,
                      at_service: bool = False) -> Document:
    """One candidate's evidence and ledger record, as the desktop shows it beside the table."""
    blocks = candidate_blocks(candidate, records, language)
    if candidate.named:
        blocks.extend(record_blocks(candidate.export_id, records.get(candidate.export_id), language,
                                    at_service=at_service))
    return Document(say(language, "title"), language, "", tuple(blocks))

