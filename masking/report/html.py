"""The report as one self-contained HTML page (UTF-8, declared, so every browser shows the Chinese)."""

from __future__ import annotations

from html import escape

from masking.languages import CHINESE
from masking.report.document import Bullets, Document, Facts, Heading, Paragraph

STYLE = """
body { font-family: "Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", "Source Han Sans SC", sans-serif;
       font-size: 11pt; line-height: 1.5; color: #1d2733; max-width: 48em; margin: 2em auto; padding: 0 1em; }
h1 { font-size: 18pt; border-bottom: 2px solid #24364b; padding-bottom: 0.2em; }
h2 { font-size: 14pt; margin-top: 1.4em; }
h3 { font-size: 12pt; margin-top: 1.2em; }
table.facts { border-collapse: collapse; }
table.facts th { text-align: left; font-weight: normal; color: #4a5869; padding: 0.15em 1em 0.15em 0;
                 vertical-align: top; }
table.facts td { padding: 0.15em 0; }
code { font-family: Consolas, "DejaVu Sans Mono", monospace; font-size: 10pt; word-break: break-all; }
p.strong { font-weight: bold; }
p.quiet { color: #4a5869; font-size: 10pt; }
"""


def _block_html(block: Heading | Paragraph | Facts | Bullets, colon: str) -> str:
    if isinstance(block, Heading):
        level = block.level + 1
        return f"<h{level}>{escape(block.text)}</h{level}>"
    if isinstance(block, Paragraph):
        css = "strong" if block.strong else "quiet" if block.quiet else ""
        return f'<p class="{css}">{escape(block.text)}</p>' if css else f"<p>{escape(block.text)}</p>"
    if isinstance(block, Facts):
        rows = "".join(
            "<tr><th>{}</th><td>{}</td></tr>".format(
                escape(fact.label), f"<code>{escape(fact.value)}</code>" if fact.code else escape(fact.value))
            for fact in block.rows)
        return f'<table class="facts">{rows}</table>'
    items = "".join(f"<li><b>{escape(lead)}</b>{colon}{escape(text)}</li>" if lead else f"<li>{escape(text)}</li>"
                    for lead, text in block.items)
    return f"<ul>{items}</ul>"


def render_html(document: Document, *, fragment: bool = False) -> str:
    """A complete page, or (``fragment``) only the body's blocks for a widget that styles them itself."""
    colon = "：" if document.language == CHINESE else ": "
    body = "\n".join(_block_html(block, colon) for block in document.blocks)
    if fragment:
        return body
    lang = "zh-CN" if document.language == CHINESE else "en"
    return (f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{escape(document.title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}\n"
            "</body>\n</html>\n")
