"""Detection: which columns hold which kind of personal data, PII inside free text, and PII that
hides outside the grid of a workbook.

- ``classify_column`` (columns.py): header words plus validated content -> ``ColumnVerdict``;
- ``find_pii_spans`` (freetext.py): spans of PII inside a text;
- ``scan_workbook`` (scan.py): every sheet of an open workbook, sampled, plus ``Finding``s from
  outside the grid (outside.py).
"""

from masking.detect.columns import ColumnVerdict, classify_column
from masking.detect.freetext import Span, find_pii_spans, inner_kinds
from masking.detect.outside import Finding, judge_texts, referenced_columns
from masking.detect.scan import ColumnScan, ScanReport, SheetScan, scan_workbook
from masking.detect.vocabulary import HEADER_WORDS, HeaderClass, header_meaning
from masking.io.model import column_letter

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
