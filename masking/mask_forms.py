"""The equally plausible forms of a masked value the watermark chooses between (see
:mod:`masking.operators.mask`, which renders them, and :mod:`masking.watermark.marks`, which reads them
back): one table for both sides, so they cannot disagree on a form or on how many there are.

A recipient who receives several exports of the same customers (monthly lists) sees each customer in
several forms and can put together what they show: the *union* of a kind's forms. Every table here is
held under a cap, the kind's usual mask (tests/test_mark_forms.py computes the union of every kind
and length): a phone never shows more than its default (the head and the last 4, at least 4 digits
hidden), an account number never more than its first 3 and last 3 (at least 4 hidden), an ID number
never more than its first 4 and last 4 (the birth date always hidden; the standard ID masks show 6 and
4), a meter number never more than its first 8 and last 5. Each table is a rectangle of (keep_first,
keep_last), so its union is one of its forms (:func:`most_shown_variant`, what the risk projection
counts) and so is what every form shows (the cell's identity, read back by the marks).
"""

from __future__ import annotations

import functools
import re

from masking.kinds import Kind

__all__ = ["MARK_LENGTHS", "MASK_VARIANTS", "NAME_CHARS", "PHONE_FORMS", "PHONE_LENGTHS", "most_shown_variant",
           "phone_class", "phone_head", "phone_keeps", "variant_keep"]

_AREA_3 = re.compile(r"0(?:10|2\d)")

# Equally plausible (keep_first, keep_last) renderings the watermark chooses between; index 0 is the
# default. Used only at the one length per kind a mark is read at (MARK_LENGTHS); other lengths show
# the default. An ID's birth date (digits 7-14) stays hidden; an account shows 0-3 leading and 2-3
# trailing digits, so its identity is its last 2 digits (its leading digits are mostly the branch's).
MASK_VARIANTS: dict[Kind, tuple[tuple[int, int], ...]] = {
    Kind.ID_NUMBER: ((1, 2), (2, 2), (1, 3), (2, 3), (3, 2), (3, 3), (1, 4), (2, 4), (3, 4), (4, 2), (4, 3), (4, 4)),
    Kind.METER_ID: ((5, 4), (5, 3), (6, 4), (6, 3), (5, 5), (6, 5), (7, 3), (7, 4), (7, 5), (8, 3), (8, 4), (8, 5)),
    Kind.ACCOUNT_NO: ((2, 3), (3, 3), (1, 3), (0, 3), (2, 2), (3, 2), (1, 2), (0, 2)),
}
MARK_LENGTHS: dict[Kind, int] = {Kind.ID_NUMBER: 18, Kind.METER_ID: 22, Kind.ACCOUNT_NO: 10}
# A phone's forms, as (digits of the head hidden, digits kept at the end), the head being the mobile's
# first 3 digits or the area code: every form shows a subset of the default 139****5678 / 0571****5678.
# A form is used only where it hides at least PHONE_MIN_HIDDEN digits, and only for the lengths trace
# reads a phone's mark at (PHONE_LENGTHS); a landline always shows its first LANDLINE_SHOWN digits
# (they tell its area code's length, so the reader knows its forms), a mobile's head may go entirely
# (its first digit is always 1): 8 forms for a mobile, 4 for a 12-digit landline, 2 for an 11-digit one
# with a 3-digit area code, none for an 11-digit one with a 4-digit area code (its default hides 3).
PHONE_FORMS = ((0, 4), (0, 3), (1, 4), (1, 3), (2, 4), (2, 3), (3, 4), (3, 3))
PHONE_LENGTHS = (11, 12)
PHONE_MIN_HIDDEN = 4
MOBILE_LENGTH = 11
LANDLINE_SHOWN = 3
# A Chinese name's renderings. Bit 0 of the variant toggles ``name_style`` when two or more characters are
# hidden (张** <-> 张*明; given names of two or more characters only); the rest of the variant picks the
# mask character from NAME_CHARS (with the star as the operator's character): 张**, 张某某, 张××, 张XX.
# One hidden character: 张*, 张某, 张×, 张X (variant mod 4).
# :func:`masking.watermark.marks.read_mark` reads the same numbering back ("name", k=8; "name1", k=4).
NAME_CHARS = ("*", "\u67d0", "\u00d7", "X")  # *, 某, × (the multiplication sign), X
NAME1_VARIANTS = len(NAME_CHARS)
_NAME_MIDDLE = 1  # the variant that toggles the name style (张** -> 张*明) with the star kept


def phone_head(canonical: str) -> int:
    """How many leading digits a phone's default mask keeps: a 4-digit area code (0571-), else 3
    (a mobile's 139, 010-, 021-, 400)."""
    return 4 if canonical[:1] == "0" and not _AREA_3.match(canonical) else 3


def phone_class(length: int, shown: str) -> tuple[int, bool] | None:
    """(head, is a mobile) of a phone of ``length`` digits whose first digits are ``shown`` (all of them
    when masking; what a masked cell shows when reading), or None when they do not tell: 3 or more
    digits always tell, fewer only a mobile's (``""`` or ``"1"``, ``"13"``)."""
    mobile = length == MOBILE_LENGTH and shown[:1] in ("", "1")
    if len(shown) >= LANDLINE_SHOWN:
        return phone_head(shown), mobile
    return (3, True) if mobile else None


@functools.cache  # a handful of answers, asked for every phone rendered or read
def phone_keeps(length: int, head: int, mobile: bool) -> tuple[tuple[int, int], ...]:
    """The (keep_first, keep_last) forms a phone of ``length`` digits with a ``head`` may show, the
    default (head, 4) first (none for a length no mark is read at, or where the default itself hides
    fewer than PHONE_MIN_HIDDEN digits: such a phone always shows the default form)."""
    if length not in PHONE_LENGTHS:
        return ()
    least = 0 if mobile else LANDLINE_SHOWN
    keeps = tuple((head - hidden, last) for hidden, last in PHONE_FORMS
                  if head - hidden >= least and length - head + hidden - last >= PHONE_MIN_HIDDEN)
    return keeps if keeps[:1] == ((head, 4),) else ()


def variant_keep(kind: Kind, canonical: str, variant: int) -> tuple[int, int] | None:
    """The (keep_first, keep_last) watermark ``variant`` asks of a digit value with default parameters,
    or None for the default rendering (variant 0, or a kind or length that carries no mark)."""
    if variant == 0:
        return None
    if kind is Kind.PHONE:
        found = phone_class(len(canonical), canonical)
        keeps = phone_keeps(len(canonical), *found) if found is not None else ()
    else:
        keeps = MASK_VARIANTS.get(kind, ()) if MARK_LENGTHS.get(kind) == len(canonical) else ()
    return keeps[variant % len(keeps)] if keeps else None


def most_shown_variant(kind: Kind | None, *, name_middle: bool = False) -> int:
    """The variant whose rendering shows everything any rendering of a value shows (the longest head and
    tail; a name's surname and last character): the union of the forms, what a recipient holding several
    exports of the same customers can put together, and what the risk projection counts. A phone's is
    its default; a value of a length that carries no mark renders the default whatever the variant.
    ``name_middle``: the mask's ``name_style`` is "middle" (its default rendering already shows 张*明)."""
    if kind is Kind.PERSON_NAME:
        return 0 if name_middle else _NAME_MIDDLE
    table = MASK_VARIANTS.get(kind) if kind is not None else None
    if table:
        return table.index((max(f for f, _ in table), max(last for _, last in table)))
    return 0
