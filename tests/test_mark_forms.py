"""Every form a mark may take survives what a leaker's copy goes through (issue 18).

Each form of each scheme (ID 12, meter 12, account 8, phone 6, name 8 and 4) is rendered for 120
synthetic customers and put through the transforms of tests/trace_harness.py, one at a time and
chained: a CSV round trip, paste-as-values into a new workbook (digit strings retyped as numbers),
full-width digits and stars with zero-width spaces, NFKC, a zero-width space after every character,
lower case, and a CSV saved in GBK (what "save as CSV" writes on a Chinese Windows) read back by
trace (chained: csv, GBK, full-width and zero-width, paste; GBK has no zero-width space). A form
survives when every cell reads back with its identity and its variant. The figures are printed per
form; a form that does not survive fails the test (and must leave the tables).
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
    schemes = {f[0] for f in forms}
    assert schemes == {"id", "meter", "account", "phone", "name", "name1"}
    assert all(sum(1 for f in forms if f[0] == s) >= 6 for s in schemes - {"name1"})


def _common(texts: list[str]) -> str:
    """What every text shows at each position (a star where they differ)."""
    assert len({len(t) for t in texts}) == 1, texts
    return "".join(c if all(t[i] == c for t in texts) else "*" for i, c in enumerate(texts[0]))


def test_the_risk_projection_shows_what_every_form_shows() -> None:
    """The risk projection renders one form (least_shown_variant); it must show exactly the characters
    every form an export can show has in common: for markable values the common part of all of them,
    for phones of other lengths (which never carry a mark) the default rendering itself."""
    people = list(customers(150, seed=7))
    values = {
        Kind.ID_NUMBER: [c.id_number for c in people], Kind.METER_ID: [c.meter_id for c in people],
        Kind.ACCOUNT_NO: [c.account_no for c in people], Kind.PERSON_NAME: [c.name for c in people],
        Kind.PHONE: [c.mobile for c in people] + ["0571-84561234", "010-84561234", "0571-8456123", "4008208820",
                                                  "4001234567", "057184561234"],
    }
    for kind, column in values.items():
        shown = Projection(kind, Action.MASK).shown(column)
        for value, projected in zip(column, shown, strict=True):
            forms = [str(MaskOperator.mask_one(kind, value, MaskParams(), v)) for v in range(16)]
            assert projected == _common([trace_text(f) if kind is Kind.PERSON_NAME else f for f in forms]) \
                .replace("某", "*"), (kind, value, projected)
    assert Projection(Kind.PHONE, Action.MASK).shown(["4001234567"]) == ["400***4567"]  # never marked: as is
