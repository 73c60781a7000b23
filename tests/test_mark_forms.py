"""Every form a mark may take survives what a leaker's copy goes through (issue 18).

Each form of each scheme (ID 12, meter 12, account 8, phone 8, name 8 and 4) is rendered for 120
synthetic customers and put through the transforms of tests/trace_harness.py, one at a time and
chained: a CSV round trip, paste-as-values into a new workbook (digit strings retyped as numbers),
full-width digits and stars with zero-width spaces, NFKC, a zero-width space after every character,
lower case, and a CSV saved in GBK (what "save as CSV" writes on a Chinese Windows) read back by
trace (chained: csv, GBK, full-width and zero-width, paste; GBK has no zero-width space). A form
survives when every cell reads back with its identity and its variant. The figures are printed per
form; a form that does not survive fails the test (and must leave the tables).

Then the cap (marks v3): a recipient holding several exports of the same customers sees each one in
several forms and can put together what they show, so the union of every kind's forms, at every length
the mask accepts, is held to the kind's usual mask; and the risk projection counts that union.
"""

from __future__ import annotations

import random
import unicodedata
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import trace_harness as h

from masking.cell_text import trace_text
from masking.kinds import Action, Kind
from masking.mask_forms import phone_head
from masking.operators.mask import MaskOperator, MaskParams
from masking.risk.projection import Projection
from masking.synth import customers
from masking.watermark.marks import MarkObservation, read_mark
from masking.watermark.trace import read_fragment

Rows = list[list[str]]


def _forms() -> tuple[Rows, list[MarkObservation]]:
    """One row per (customer, variant): the five masked values in that variant, and what each shows."""
    rows: Rows = []
    truth: list[MarkObservation] = []
    for c in customers(120, seed=18):
        values = ((Kind.ID_NUMBER, c.id_number), (Kind.METER_ID, c.meter_id), (Kind.ACCOUNT_NO, c.account_no),
                  (Kind.PHONE, c.mobile), (Kind.PERSON_NAME, c.name))
        for variant in range(12):
            row = []
            for kind, value in values:
                masked = str(MaskOperator.mask_one(kind, value, MaskParams(), variant))
                observation = read_mark(masked)
                assert observation is not None, masked
                if variant >= observation.k:  # this scheme has fewer forms: the cell repeats one
                    masked = ""
                else:
                    truth.append(observation)
                row.append(masked)
            rows.append(row)
    return rows, truth


def _gbk_csv(rows: Rows, tmp: Path) -> Rows:
    path = tmp / "saved_as_gbk.csv"
    path.write_bytes("\r\n".join(",".join(row) for row in rows).encode("gbk"))
    return [list(r) for r in read_fragment(path).rows]


def _pasted(rows: Rows, tmp: Path) -> Rows:
    return [list(r) for r in read_fragment(h.paste_as_values(rows, tmp / "pasted.xlsx")).rows]


def _each_cell(change: Callable[[str], str]) -> Callable[[Rows, Path], Rows]:
    return lambda rows, _tmp: [[change(cell) for cell in row] for row in rows]


def test_every_form_survives_csv_retyping_nfkc_and_copy_paste(tmp_path: Path) -> None:
    rows, truth = _forms()
    transforms: dict[str, Callable[[Rows, Path], Rows]] = {
        "csv": h.csv_round_trip,
        "paste-as-values": _pasted,
        "full-width + zero-width": lambda rows, _tmp: h.unicode_noise(rows, random.Random(1)),
        "NFKC": _each_cell(lambda cell: unicodedata.normalize("NFKC", cell)),
        "zero-width everywhere": _each_cell("\u200b".join),
        "lower case": _each_cell(str.lower),
        "GBK csv": _gbk_csv,
    }
    transforms["all chained"] = lambda rows, tmp: _pasted(h.unicode_noise(
        _gbk_csv(h.csv_round_trip(rows, tmp), tmp), random.Random(2)), tmp)
    survived: dict[str, dict[tuple[str, int], list[int]]] = {}
    for name, transform in transforms.items():
        after = transform(rows, tmp_path)
        assert len(after) == len(rows)
        cells = [cell for row in after for cell in row if cell]
        assert len(cells) == len(truth), name
        tally: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0, 0])
        for cell, want in zip(cells, truth, strict=True):
            counts = tally[(want.scheme, want.variant)]
            counts[0] += read_mark(cell) == want
            counts[1] += 1
        survived[name] = tally
    forms = sorted(survived["csv"])
    print(f"\n[mark forms] {len(forms)} forms x {len(transforms)} transforms, {len(truth)} cells each:")
    for scheme in ("id", "meter", "account", "phone", "name", "name1"):
        mine = [f for f in forms if f[0] == scheme]
        worst = min(survived[t][f][0] / survived[t][f][1] for t in transforms for f in mine) if mine else 0.0
        print(f"  {scheme}: {len(mine)} forms, worst survival over the transforms {worst:.0%}")
    lost = {(t, f): survived[t][f] for t in transforms for f in forms if survived[t][f][0] != survived[t][f][1]}
    assert not lost, lost
    counts = {scheme: sum(1 for f in forms if f[0] == scheme) for scheme in {f[0] for f in forms}}
    assert counts == {"id": 12, "meter": 12, "account": 8, "phone": 8, "name": 8, "name1": 4}


# --- the cap: what all the forms of a value show together ---------------------------------------------

FORMS_TRIED = 48  # more variants than any scheme has: every form of every value is rendered


def _renderings(kind: Kind, value: str, params: MaskParams | None = None) -> list[str]:
    return [str(MaskOperator.mask_one(kind, value, params or MaskParams(), v)) for v in range(FORMS_TRIED)]


def _shown(text: str) -> set[int]:
    """The positions a masked digit string shows (the mask character hides the others)."""
    return {i for i, ch in enumerate(text) if ch != "*"}


def _digit_values() -> dict[Kind, list[str]]:
    """Plain digit values of every length each digit kind's mask accepts (their masks are digit strings
    of the same length, position for position)."""
    people = list(customers(60, seed=3))
    landlines = ["010" + str(d) + "8456123" for d in range(2, 10)] + ["021" + "6" + "1234567", "0571" + "8456123",
                                                                       "0571" + "84561234", "0755" + "23456789"]
    return {
        Kind.PHONE: [c.mobile for c in people] + landlines + ["4008208820", "8008101234"],
        Kind.ACCOUNT_NO: [c.account_no for c in people] + ["1" + "2345678901234567890"[:n - 1] for n in range(6, 21)],
        Kind.ID_NUMBER: [c.id_number for c in people] + ["110105491231002"],
        Kind.METER_ID: [c.meter_id for c in people],
    }


# The most a kind's forms may show together (positions kept at the start, at the end; digits hidden at
# least): the kind's usual mask. A phone: its head (a mobile's 3 digits, the area code) and the last 4,
# 139****5678; an account: the first 3 and last 3 (its default shows 2 and 3); an ID: the first 4 and
# last 4 (the documented standard masks show 6 and 4), the birth date (digits 7-14) never; a meter: its
# unit code and 3 more digits, and the last 5. A value whose default already hides fewer digits (a
# short account, an 11-digit landline with a 4-digit area code) shows its default form only.
def _cap(kind: Kind, value: str) -> tuple[int, int, int]:
    if kind is Kind.PHONE:
        return phone_head(value), 4, 4
    return {Kind.ACCOUNT_NO: (3, 3, 4), Kind.ID_NUMBER: (4, 4, 10), Kind.METER_ID: (8, 5, 9)}[kind]


def test_the_forms_of_every_kind_and_length_show_together_no_more_than_the_usual_mask() -> None:
    union_of: dict[tuple[Kind, int], set[tuple[int, int]]] = defaultdict(set)
    for kind, values in _digit_values().items():
        for value in values:
            forms = set(_renderings(kind, value))
            default = MaskOperator.mask_one(kind, value, MaskParams())
            assert isinstance(default, str) and default in forms and default != "****", (kind, value)
            union = set().union(*map(_shown, forms))
            first, last, hidden = _cap(kind, value)
            allowed = set(range(first)) | set(range(len(value) - last, len(value)))
            assert union <= allowed, (kind, value, sorted(forms))
            assert len(value) - len(union) >= hidden or forms == {default}, (kind, value, sorted(forms))
            if kind is Kind.ID_NUMBER:
                assert not union & set(range(6, 6 + (8 if len(value) == 18 else 6))), value  # the birth date
            head = max((i + 1 for i in union if i < len(value) // 2), default=0)
            union_of[(kind, len(value))].add((head, len(value) - min(i for i in union if i >= len(value) // 2)))
    print("\n[mark forms] what all the forms of a value show together (first, last) by kind and length:")
    for (kind, length), seen in sorted(union_of.items(), key=lambda item: (item[0][0].value, item[0][1])):
        print(f"  {kind.value} {length}: {sorted(seen)}")
    # the written-down unions (docs/watermark.md): a mobile 139****5678, an account 123****890, an ID
    # 1101**********002X, a meter 32050001*********12345; with the default alone at other lengths
    assert union_of[(Kind.PHONE, 11)] == {(3, 4), (4, 4)}  # (4, 4): 0571-8456123, its default only
    assert union_of[(Kind.PHONE, 12)] == {(4, 4)}
    assert union_of[(Kind.ACCOUNT_NO, 10)] == {(3, 3)} and union_of[(Kind.ACCOUNT_NO, 12)] == {(2, 3)}
    assert union_of[(Kind.ID_NUMBER, 18)] == {(4, 4)} and union_of[(Kind.ID_NUMBER, 15)] == {(1, 2)}
    assert union_of[(Kind.METER_ID, 22)] == {(8, 5)}


def test_names_show_together_no_more_than_the_surname_and_the_last_character() -> None:
    for c in customers(200, seed=5):
        for style in ("surname", "middle"):
            forms = {_as_stars(Kind.PERSON_NAME, f, "*")
                     for f in _renderings(Kind.PERSON_NAME, c.name, MaskParams(name_style=style))}
            assert {len(f) for f in forms} == {len(c.name)}, forms
            union = set().union(*map(_shown, forms))
            assert all(f[i] == c.name[i] for f in forms for i in _shown(f)), (c.name, forms)
            assert len(union) < len(c.name), (c.name, forms)  # at least one character hidden
            # the surname (1 or 2 characters) and at most the given name's last character
            assert union <= set(range(2)) | {len(c.name) - 1}, (c.name, forms)


def _as_stars(kind: Kind, text: str, char: str) -> str:
    """The mask character as a star; in a name 某, × and X too (which one hides a character says nothing
    of the name: a one-character given name has no rendering that is both the most shown and starred)."""
    if kind is Kind.PERSON_NAME:
        text = trace_text(text).replace("\u67d0", "*").replace("\u00d7", "*").replace("X", "*")
    return text.replace(char, "*")


def _union(texts: list[str]) -> str:
    """What the texts show together at each position (a star where none of them shows a character)."""
    assert len({len(t) for t in texts}) == 1, texts
    return "".join(next((t[i] for t in texts if t[i] != "*"), "*") for i in range(len(texts[0])))


def test_the_risk_projection_counts_what_the_forms_show_together() -> None:
    """The risk projection renders one form (most_shown_variant); it must show exactly what all the forms an
    export can show put together (a recipient of several exports of the same customers sees that much):
    for markable values the union of all of them, for values of other lengths (which never carry a
    mark) the default rendering itself. With a name style or a mask character set in the plan too."""
    people = list(customers(150, seed=7))
    values = {
        Kind.ID_NUMBER: [c.id_number for c in people] + ["110105491231002"],
        Kind.METER_ID: [c.meter_id for c in people],
        Kind.ACCOUNT_NO: [c.account_no for c in people] + ["12345678", "123456789012"],
        Kind.PERSON_NAME: [c.name for c in people] + ["王先生", "欧阳小明"],
        Kind.PHONE: [c.mobile for c in people] + ["0571-84561234", "010-84561234", "0571-8456123", "4008208820",
                                                  "4001234567", "057184561234"],
    }
    plans: list[dict[str, str]] = [{}, {"name_style": "middle"}, {"char": "#"}]
    for kind, column in values.items():
        for plan in plans:
            params = MaskParams(**plan)
            shown = Projection(kind, Action.MASK, plan).shown(column)
            for value, projected in zip(column, shown, strict=True):
                forms = [_as_stars(kind, f, params.char) for f in _renderings(kind, value, params)]
                assert _as_stars(kind, projected, params.char) == _union(forms), (kind, plan, value, projected)
    assert Projection(Kind.PHONE, Action.MASK).shown(["13912345678", "4001234567"]) == ["139****5678", "400***4567"]
    assert Projection(Kind.ID_NUMBER, Action.MASK).shown(["11010519491231002X"]) == ["1101**********002X"]
    assert Projection(Kind.ACCOUNT_NO, Action.MASK).shown(["3123456789"]) == ["312****789"]
    # 李某: the form that shows 张*明 for longer given names hides a single character with 某
    assert Projection(Kind.PERSON_NAME, Action.MASK).shown(["张小明", "李四"]) == ["张*明", "李某"]
