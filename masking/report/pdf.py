"""The report as an A4 PDF, laid out in points (1/72 inch) by reportlab, so the text prints at the size
it is set in (10.5 pt body, 18 pt title) whatever the printer's resolution.

Why reportlab and not Qt's PDF writer: the report is built by the core, which the CLI runs without
Qt; reportlab is pure Python, maintained, and lays out in the PDF's own units. Chinese is set in
Adobe's STSong-Light, one of the CJK fonts every PDF reader that reads Chinese provides (Acrobat with
its Asian font pack, Edge/Chrome's PDFium, WPS, poppler): the file stays small and its text can be
searched and copied. Hashes and ids are set in Courier. This module is imported only when a PDF is
written, so reportlab stays off every other path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import ListFlowable, ListItem, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus import Paragraph as PdfParagraph

from masking.languages import CHINESE
from masking.report.document import Bullets, Document, Facts, Heading, Paragraph
from masking.report.words import say

CJK_FONT = "STSong-Light"
CODE_FONT = "Courier"
LATIN_FONT = "Helvetica"
BULLET_FONT = "Helvetica"  # STSong-Light has no glyph for U+2022 in some readers (poppler shows a box)
BODY_SIZE = 10.5  # points; tests/test_report.py fails if the body is set below 10 pt (hashes: 8 pt)
MARGIN = 20 * mm
LABEL_WIDTH = 48 * mm


def _runs(text: str, latin: str = LATIN_FONT) -> str:
    """``text`` as Paragraph markup: Western characters in ``latin``, the rest (Chinese, full-width
    punctuation, symbols outside Windows-1252) in the CJK font, whose Latin widths viewers that
    substitute another Song font get wrong."""
    out: list[str] = []
    for western, run in _split(text):
        font = latin if western else CJK_FONT
        out.append(f'<font name="{font}">{escape(run)}</font>')
    return "".join(out)


def _split(text: str) -> list[tuple[bool, str]]:
    runs: list[tuple[bool, str]] = []
    for char in text:
        try:
            char.encode("cp1252")
            western = True
        except UnicodeEncodeError:
            western = False
        if runs and runs[-1][0] == western:
            runs[-1] = (western, runs[-1][1] + char)
        else:
            runs.append((western, char))
    return runs


def _register_fonts() -> None:
    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=CJK_FONT, fontSize=BODY_SIZE, leading=BODY_SIZE * 1.5,
                          wordWrap="CJK", textColor=colors.HexColor("#1d2733"), spaceAfter=4)
    return {
        "body": base,
        "strong": ParagraphStyle("strong", parent=base, fontSize=12, leading=18, spaceAfter=6),
        "quiet": ParagraphStyle("quiet", parent=base, fontSize=9.5, leading=14, textColor=colors.HexColor("#4a5869")),
        "title": ParagraphStyle("title", parent=base, fontSize=18, leading=26, spaceAfter=10),
        "h1": ParagraphStyle("h1", parent=base, fontSize=14, leading=20, spaceBefore=12, spaceAfter=6),
        "h2": ParagraphStyle("h2", parent=base, fontSize=12, leading=18, spaceBefore=10, spaceAfter=4),
        "label": ParagraphStyle("label", parent=base, textColor=colors.HexColor("#4a5869")),
        "code": ParagraphStyle("code", parent=base, fontName=CODE_FONT, fontSize=8.5, leading=BODY_SIZE * 1.5,
                               wordWrap=None),
    }


def _flowables(document: Document, styles: dict[str, ParagraphStyle]) -> list[Any]:
    colon = "：" if document.language == CHINESE else ": "
    width = A4[0] - 2 * MARGIN
    out: list[Any] = []
    for block in document.blocks:
        if isinstance(block, Heading):
            out.append(PdfParagraph(_runs(block.text), styles[("title", "h1", "h2")[min(block.level, 2)]]))
        elif isinstance(block, Paragraph):
            style = styles["strong" if block.strong else "quiet" if block.quiet else "body"]
            out.append(PdfParagraph(_runs(block.text), style))
        elif isinstance(block, Facts):
            rows = [[PdfParagraph(_runs(fact.label), styles["label"]),
                     PdfParagraph(_runs(fact.value, CODE_FONT) if fact.code else _runs(fact.value),
                                  styles["code" if fact.code else "body"])]
                    for fact in block.rows]
            table = Table(rows, colWidths=[LABEL_WIDTH, width - LABEL_WIDTH], hAlign="LEFT")
            table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                                       ("LEFTPADDING", (0, 0), (-1, -1), 0),
                                       ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
                                       ("TOPPADDING", (0, 0), (-1, -1), 1)]))
            out.extend([table, Spacer(1, 4)])
        elif isinstance(block, Bullets):
            items = [ListItem(PdfParagraph(_runs(f"{lead}{colon}{text}" if lead else text), styles["body"]),
                              leftIndent=12, value="•")
                     for lead, text in block.items]
            out.append(ListFlowable(items, bulletType="bullet", start="•", leftIndent=12,
                                    bulletFontName=BULLET_FONT, bulletFontSize=BODY_SIZE))
    return out


def write_pdf(document: Document, path: Path) -> None:
    """Write ``document`` to ``path`` as an A4 PDF (the caller makes the write atomic)."""
    _register_fonts()
    styles = _styles()

    def footer(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        font = CJK_FONT if document.language == CHINESE else LATIN_FONT
        canvas.setFont(font, 9)
        canvas.setFillColor(colors.HexColor("#4a5869"))
        canvas.drawString(MARGIN, 12 * mm, document.title)
        canvas.drawRightString(A4[0] - MARGIN, 12 * mm, say(document.language, "page", page=doc.page))
        canvas.restoreState()

    pdf = SimpleDocTemplate(str(path), pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                            bottomMargin=MARGIN, title=document.title, author=document.author,
                            subject=document.title, creator="ExportGuard")
    pdf.build(_flowables(document, styles), onFirstPage=footer, onLaterPages=footer)
