"""A trace report an investigator can file: built once as a :class:`Document`, written as HTML or PDF.

``build_report(trace_report, facts, language)`` says what the report says; ``write_report(document,
path)`` writes it atomically, as PDF when ``path`` ends in .pdf and as HTML when it ends in .html or
.htm. reportlab (PDF) is imported only when a PDF is written.
"""

from __future__ import annotations

from pathlib import Path

from masking.errors import UsageError
from masking.io.atomic import atomic_output
from masking.languages import CHINESE, ENGLISH, LANGUAGES, Language
from masking.report.document import (
    Document,
    LeakedSource,
    RecordedExport,
    ReportFacts,
    build_report,
    confidence_level,
    confidence_summary,
    confidence_text,
    evidence_document,
    local_time,
    recorded_exports,
)
from masking.report.html import render_html

REPORT_SUFFIXES = (".pdf", ".html", ".htm")


def report_format(path: Path) -> str:
    """``pdf`` or ``html`` from the file name; anything else is a usage error."""
    suffix = path.suffix.lower()
    if suffix not in REPORT_SUFFIXES:
        raise UsageError("the report must be a .pdf or .html file")
    return "pdf" if suffix == ".pdf" else "html"


def write_report(document: Document, path: Path, *, overwrite: bool = False,
                 protect: tuple[Path, ...] = ()) -> str:
    """Write the report (PDF or HTML by its suffix) so it appears complete or not at all; returns its format."""
    fmt = report_format(path)
    with atomic_output(path, overwrite=overwrite, protect=protect) as temp:
        if fmt == "pdf":
            from masking.report.pdf import write_pdf

            write_pdf(document, temp)
        else:
            temp.write_text(render_html(document), encoding="utf-8")
    return fmt


__all__ = [
    "CHINESE",
    "ENGLISH",
    "LANGUAGES",
    "REPORT_SUFFIXES",
    "Document",
    "Language",
    "LeakedSource",
    "RecordedExport",
    "ReportFacts",
    "build_report",
    "confidence_level",
    "confidence_summary",
    "confidence_text",
    "evidence_document",
    "local_time",
    "recorded_exports",
    "render_html",
    "report_format",
    "write_report",
]
