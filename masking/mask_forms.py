"""The equally plausible forms of a masked value the watermark chooses between (see
:mod:`masking.operators.mask`, which renders them, and :mod:`masking.watermark.marks`, which reads them
back): one table for both sides, so they cannot disagree on a form or on how many there are."""

from __future__ import annotations

import re

from masking.kinds import Kind

__all__ = ["MASK_VARIANTS", "NAME_CHARS", "PHONE_FORMS", "PHONE_LENGTHS", "least_shown_variant", "phone_head",
           "phone_keeps"]

_AREA_3 = re.compile(r"0(?:10|2\d)")

# Equally plausible (keep_first, keep_last) renderings the watermark chooses between; index 0 is the
# default. Every form shows at least the shortest head and tail (the cell's identity, see
# masking.watermark.marks) and hides at least 3 digits; an ID's birth date (digits 7-14) stays hidden.
MASK_VARIANTS: dict[Kind, tuple[tuple[int, int], ...]] = {
    Kind.ID_NUMBER: ((1, 2), (2, 2), (1, 3), (2, 3), (3, 2), (3, 3), (1, 4), (2, 4), (3, 4), (4, 2), (4, 3), (4, 4)),
    Kind.METER_ID: ((5, 4), (5, 3), (6, 4), (6, 3), (5, 5), (6, 5), (7, 3), (7, 4), (7, 5), (8, 3), (8, 4), (8, 5)),
    Kind.ACCOUNT_NO: ((2, 3), (3, 2), (2, 2), (3, 3), (4, 2), (2, 4), (4, 3), (3, 4)),
}
# A phone's forms, as (digits kept after the area code or the mobile's first 3, digits kept at the end);
# a form is used only where it hides at least PHONE_MIN_HIDDEN digits, and only for the lengths trace
# reads a phone's mark at (PHONE_LENGTHS: a mobile, a landline with its area code), see :func:`phone_keeps`.
PHONE_FORMS = ((0, 4), (1, 3), (0, 3), (1, 4), (2, 3), (0, 5))
PHONE_LENGTHS = (11, 12)
PHONE_MIN_HIDDEN = 3
# A Chinese name's renderings. Bit 0 of the variant toggles ``name_style`` when two or more characters are
# hidden (张** <-> 张*明; given names of two or more characters only); the rest of the variant picks the
# mask character from NAME_CHARS (with the star as the operator's character): 张**, 张某某, 张××, 张XX.
# One hidden character: 张*, 张某, 张×, 张X (variant mod 4).
# :func:`masking.watermark.marks.read_mark` reads the same numbering back ("name", k=8; "name1", k=4).
NAME_CHARS = ("*", "\u67d0", "\u00d7", "X")  # *, 某, × (the multiplication sign), X
NAME1_VARIANTS = len(NAME_CHARS)


def phone_head(canonical: str) -> int:
    """How many leading digits a phone's default mask keeps: a 4-digit area code (0571-), else 3
    (a mobile's 139, 010-, 021-, 400)."""
    return 4 if canonical[:1] == "0" and not _AREA_3.match(canonical) else 3


def phone_keeps(length: int, head: int) -> tuple[tuple[int, int], ...]:
    """The (keep_first, keep_last) forms a phone of ``length`` digits with a ``head`` may show (none for a
    length no mark is read at: such a phone always shows the default form)."""
    if length not in PHONE_LENGTHS:
        return ()
    return tuple((head + extra, last) for extra, last in PHONE_FORMS
                 if length - head - extra - last >= PHONE_MIN_HIDDEN)


def least_shown_variant(kind: Kind | None) -> int:
    """The variant whose rendering shows exactly what every rendering of a value shows (the shortest head
    and tail; a name's surname with stars): what the risk projection counts. The forms only move where
    the kept head and tail end, or which character hides a name, so one of them is that common part."""
    if kind is Kind.PHONE:
        return PHONE_FORMS.index((0, 3))  # the third form of every phone_keeps list that has any
    table = MASK_VARIANTS.get(kind) if kind is not None else None
    if table:
        return table.index((min(f for f, _ in table), min(last for _, last in table)))
    return 0
