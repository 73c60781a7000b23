"""Detection: which columns hold which kind of personal data, PII inside free text, and PII that
hides outside the grid of a workbook.

- ``classify_column`` (columns.py): header words plus validated content -> ``ColumnVerdict``;
- ``find_pii_spans`` (freetext.py): spans of PII inside a text;
- ``scan_workbook`` (scan.py): every sheet of an open workbook, sampled, plus ``Finding``s from
  outside the grid (outside.py).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from masking.detect.columns import ColumnVerdict, classify_column
    from masking.detect.freetext import Span, find_pii_spans, inner_kinds
    from masking.detect.outside import Finding, judge_texts, referenced_columns
    from masking.detect.scan import ColumnScan, ScanReport, SheetScan, scan_workbook
    from masking.detect.vocabulary import HEADER_WORDS, HeaderClass, header_meaning
    from masking.io.model import column_letter

# Each name's module, imported when the name is first asked for: importing one part (the leak check and a
# transform worker import only freetext) must not load the scan, the policy and the xlsx parts with it.
_HOMES = {
    "ColumnVerdict": "masking.detect.columns", "classify_column": "masking.detect.columns",
    "Span": "masking.detect.freetext", "find_pii_spans": "masking.detect.freetext",
    "inner_kinds": "masking.detect.freetext", "Finding": "masking.detect.outside",
    "judge_texts": "masking.detect.outside", "referenced_columns": "masking.detect.outside",
    "ColumnScan": "masking.detect.scan", "ScanReport": "masking.detect.scan", "SheetScan": "masking.detect.scan",
    "scan_workbook": "masking.detect.scan", "HEADER_WORDS": "masking.detect.vocabulary",
    "HeaderClass": "masking.detect.vocabulary", "header_meaning": "masking.detect.vocabulary",
    "column_letter": "masking.io.model",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)


__all__ = [
    "HEADER_WORDS",
    "ColumnScan",
    "ColumnVerdict",
    "Finding",
    "HeaderClass",
    "ScanReport",
    "SheetScan",
    "Span",
    "classify_column",
    "column_letter",
    "find_pii_spans",
    "header_meaning",
    "inner_kinds",
    "judge_texts",
    "referenced_columns",
    "scan_workbook",
]
