"""Judging what hides outside the grid: each text from ``masking.io.xlsx_parts`` becomes zero or
more ``Finding``s that name the location and the kind, never the value itself."""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from masking.detect.freetext import find_pii_spans
from masking.io.xlsx_parts import OutsideText, Where, column_index
from masking.kinds import (
    Kind,
    is_address,
    is_bank_card,
    is_email,
    is_id_number,
    is_phone,
    person_name_strength,
)


@dataclass(frozen=True, slots=True)
class Finding:
    """PII outside the data grid. ``detail`` describes it without the value (CLI "findings")."""

    location: str
    kind: Kind
    detail: str


KIND_PHRASES: dict[Kind, str] = {
    Kind.PHONE: "a phone number",
    Kind.METER_ID: "a meter asset number",
    Kind.ACCOUNT_NO: "an account number",
    Kind.ID_NUMBER: "a resident ID number",
    Kind.BANK_CARD: "a bank card number",
    Kind.PERSON_NAME: "a person's name",
    Kind.ADDRESS: "an address",
    Kind.EMAIL: "an e-mail address",
    Kind.SECRET: "a secret",
    Kind.FREE_TEXT: "text with personal data",
}

KIND_NOUNS: dict[Kind, str] = {
    Kind.PHONE: "phone numbers",
    Kind.METER_ID: "meter asset numbers",
    Kind.ACCOUNT_NO: "account numbers",
    Kind.ID_NUMBER: "resident ID numbers",
    Kind.BANK_CARD: "bank card numbers",
    Kind.PERSON_NAME: "names",
    Kind.ADDRESS: "addresses",
    Kind.EMAIL: "e-mail addresses",
    Kind.SECRET: "secrets",
    Kind.FREE_TEXT: "texts with personal data inside",
}

_WHAT: dict[Where, str] = {
    Where.COMMENT: "comment",
    Where.DEFINED_NAME: "defined name",
    Where.PROPERTY: "document property",
    Where.HEADER_FOOTER: "header/footer",
    Where.DATA_VALIDATION: "data validation list",
    Where.HYPERLINK: "hyperlink",
    Where.FORMULA: "formula",
    Where.HIDDEN_SHEET: "hidden sheet",
}

# A cell or range reference: Sheet!$C$2, '用户 表'!C:C, C2:D9. Function names (LOG10() are not.
_REFERENCE = re.compile(
    r"(?<![A-Za-z0-9_.])(?:(?:'(?P<quoted>(?:[^']|'')+)'|(?P<sheet>[A-Za-z0-9_.\u4e00-\u9fff]+))!)?"
    r"\$?(?P<c1>[A-Z]{1,3})(?:\$?(?P<r1>\d+))?(?::\$?(?P<c2>[A-Z]{1,3})(?:\$?(?P<r2>\d+))?)?(?![A-Za-z0-9_(!])"
)
_STRING_LITERAL = re.compile(r'"(?:[^"]|"")*"')
# Fields whose whole text is a person when it looks like a name (authors, creators, managers).
_NAME_FIELDS = re.compile(r"author|'creator'|'lastModifiedBy'|'Manager'", re.IGNORECASE)


def referenced_columns(formula: str, default_sheet: str | None) -> set[tuple[str, int]]:
    """(sheet, 0-based column) pairs a formula or defined name refers to; string literals are
    skipped, ranges are expanded up to 64 columns."""
    found: set[tuple[str, int]] = set()
    for match in _REFERENCE.finditer(_STRING_LITERAL.sub('""', formula)):
        if match.group("r1") is None and match.group("c2") is None:
            continue  # a bare word such as TRUE or a name, not a reference
        sheet = match.group("quoted")
        sheet = sheet.replace("''", "'") if sheet is not None else match.group("sheet") or default_sheet
        if sheet is None:
            continue
        first = column_index(match.group("c1"))
        last = column_index(match.group("c2")) if match.group("c2") else first
        for index in range(min(first, last), min(max(first, last), min(first, last) + 63) + 1):
            found.add((sheet, index))
    return found


def _whole_text_kinds(text: str, *, name_field: bool) -> list[Kind]:
    text = text.strip()
    kinds: list[Kind] = []
    if is_phone(text):
        kinds.append(Kind.PHONE)
    elif is_id_number(text):
        kinds.append(Kind.ID_NUMBER)
    elif is_bank_card(text):
        kinds.append(Kind.BANK_CARD)
    elif is_email(text):
        kinds.append(Kind.EMAIL)
    elif name_field and person_name_strength(text) >= 0.7:
        kinds.append(Kind.PERSON_NAME)
    elif is_address(text) and len(text) >= 8:
        kinds.append(Kind.ADDRESS)
    return kinds


def text_kinds(item: OutsideText) -> list[Kind]:
    """The kinds in one outside text, each once, in order of appearance."""
    text = item.text
    if item.where is Where.HYPERLINK:
        text = urllib.parse.unquote(text)
        for scheme in ("mailto:", "tel:", "sms:"):
            if text.lower().startswith(scheme):
                text = text[len(scheme) :].split("?", 1)[0]
    name_field = bool(_NAME_FIELDS.search(item.location))
    kinds = _whole_text_kinds(text, name_field=name_field)
    if item.where is Where.DATA_VALIDATION:
        items = [part.strip() for part in text.strip('"').split(",") if part.strip()]
        for part in items:
            kinds += _whole_text_kinds(part, name_field=True)
    kinds += [span.kind for span in find_pii_spans(text)]
    return list(dict.fromkeys(kinds))


def judge_texts(
    items: Iterable[OutsideText],
    sensitive_columns: Mapping[tuple[str, int], Kind],
    column_names: Mapping[tuple[str, int], str],
) -> Iterator[Finding]:
    """Findings for the outside texts: PII inside each text, and formulas or defined names that
    refer to columns holding PII (``sensitive_columns``: (sheet, column) -> kind)."""
    for item in items:
        if item.where is Where.HIDDEN_SHEET:
            continue  # judged from the sheet's sampled columns by the scan
        what = _WHAT[item.where]
        author = item.location.endswith("author")
        verb = "is" if author else "holds" if item.where is Where.PROPERTY else "contains"
        subject = "comment author" if author else what
        for kind in text_kinds(item):
            yield Finding(item.location, kind, f"{subject} {verb} {KIND_PHRASES[kind]}")
        if item.where in (Where.FORMULA, Where.DEFINED_NAME, Where.DATA_VALIDATION):
            seen: set[Kind] = set()
            for ref in sorted(referenced_columns(item.text, item.sheet)):
                target = sensitive_columns.get(ref)
                if target is not None and target not in seen:
                    seen.add(target)
                    yield Finding(
                        item.location,
                        target,
                        f"{what} refers to {column_names.get(ref, 'a column')} ({target.value})",
                    )
