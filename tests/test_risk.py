"""Re-identification risk: roles, what masked cells show, and k / prosecutor risk on known classes."""

from __future__ import annotations

import csv
import random
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from masking.detect import scan_workbook
from masking.io.reader import open_workbook
from masking.kinds import Action, Kind
from masking.plan import Plan, build_plan
from masking.policy import load_policy
from masking.risk.assess import assess
from masking.risk.classes import class_sizes, combine, figures, value_codes
from masking.risk.generalize import generalize_to_k
from masking.risk.projection import Projection
from masking.risk.roles import Role, counts_in_k, default_role

DISTRICTS = ("江苏省南京市玄武区", "江苏省南京市鼓楼区", "江苏省苏州市姑苏区")
SIZES = (1, 2, 3, 5, 8, 13)  # the classes the generated files hold, by (district, birth year, sex)


def _write_classes(path: Path, sizes: tuple[int, ...] = SIZES, seed: int = 7) -> None:
    """A CSV whose rows fall in classes of exactly ``sizes`` on (district, birth year, sex); every row has
    its own street number and amount, which are not quasi-identifiers."""
    rng = random.Random(seed)
    rows = []
    for number, size in enumerate(sizes):
        district = DISTRICTS[number % len(DISTRICTS)]
        year, sex = 1950 + number, "男" if number % 2 else "女"
        rows += [[f"{district}中山路{rng.randrange(1, 999)}号", year, sex, f"{rng.uniform(10, 900):.2f}"]
                 for _ in range(size)]
    rng.shuffle(rows)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["地址", "出生年份", "性别", "电费"])
        writer.writerows(rows)


def _plan(path: Path, home: Path, choices: tuple[str, ...] = (), roles: tuple[str, ...] = ()) -> Plan:
    policy = load_policy(None, home)
    with open_workbook(path) as workbook:
        report = scan_workbook(workbook, path=path)
    return build_plan(report, policy, choices=choices, roles=roles)


@pytest.mark.parametrize(
    ("sizes", "threshold", "k", "below", "classes"),
    [
        ((1, 2, 3, 5, 8, 13), 5, 1, 6, 6),
        ((5, 5, 7), 5, 5, 0, 3),
        ((4, 4, 4, 9), 5, 4, 12, 4),
        ((1,) * 10, 2, 1, 10, 10),
        ((1000,), 5, 1000, 0, 1),
    ],
)
def test_figures_from_known_class_sizes(sizes: tuple[int, ...], threshold: int, k: int, below: int,
                                        classes: int) -> None:
    keys = np.repeat(np.arange(len(sizes), dtype=np.uint64) * np.uint64(7919), sizes)
    np.random.default_rng(1).shuffle(keys)
    counted, per_row = class_sizes(keys)
    result = figures(counted, threshold)
    assert sorted(counted.tolist()) == sorted(sizes)
    assert per_row.sum() == sum(s * s for s in sizes)  # each row sees its own class's size
    assert (result.k, result.rows_below_k, result.classes, result.rows) == (k, below, classes, sum(sizes))
    assert result.prosecutor_risk == 1 / k  # ARX getHighestRisk: 1 / smallest class
    assert result.average_risk == classes / sum(sizes)  # ARX getAverageRisk: 1 / average class size


def test_empty_table_has_no_risk() -> None:
    result = figures(class_sizes(np.zeros(0, dtype=np.uint64))[0], 5)
    assert (result.rows, result.k, result.prosecutor_risk, result.rows_below_k) == (0, 0, 0.0, 0)


def test_row_keys_depend_on_every_column_and_its_order() -> None:
    a, b = value_codes(["男", "女", "男"]), value_codes(["1980", "1980", "1981"])
    keys = combine([a, b], 3)
    assert len(set(keys.tolist())) == 3
    assert combine([a, b], 3).tolist() == keys.tolist()
    assert combine([b, a], 3).tolist() != keys.tolist()
    same = combine([value_codes(["x", "x"]), value_codes(["y", "y"])], 2)
    assert same[0] == same[1]


@pytest.mark.parametrize(
    ("kind", "header", "action", "role", "counted"),
    [
        (Kind.ID_NUMBER, "身份证号", Action.KEEP, Role.DIRECT, True),
        (Kind.ID_NUMBER, "身份证号", Action.MASK, Role.QUASI, True),
        (Kind.ID_NUMBER, "身份证号", Action.PSEUDONYMIZE, Role.QUASI, True),
        (Kind.ID_NUMBER, "身份证号", Action.HASH, Role.DIRECT, False),
        (Kind.ADDRESS, "地址", Action.GENERALIZE, Role.QUASI, True),
        (Kind.ADDRESS, "地址", Action.KEEP, Role.DIRECT, True),
        (Kind.ADDRESS, "地址", Action.ENCRYPT, Role.DIRECT, False),
        (Kind.PHONE, "手机", Action.MASK, Role.DIRECT, False),
        (Kind.PHONE, "手机", Action.KEEP, Role.DIRECT, True),
        (Kind.SECRET, "服务密码", Action.DROP, Role.SENSITIVE, False),
        (None, "性别", Action.KEEP, Role.QUASI, True),
        (None, "出生日期", Action.GENERALIZE, Role.QUASI, True),
        (None, "出生日期", Action.DROP, Role.QUASI, False),
        (None, "Date of Birth", Action.KEEP, Role.QUASI, True),
        (None, "usage", Action.KEEP, Role.OTHER, False),
        (None, "电费金额", Action.KEEP, Role.SENSITIVE, False),
        (None, "备注", Action.KEEP, Role.OTHER, False),
    ],
)
def test_default_roles(kind: Kind | None, header: str, action: Action, role: Role, counted: bool) -> None:
    assert default_role(kind, header, action) is role
    assert counts_in_k(role, action) is counted


def test_masked_cells_project_to_what_the_watermark_patterns_show_together() -> None:
    ids = ["11010519491231002X", "320102198001011238"]
    assert Projection(Kind.ID_NUMBER, Action.MASK).shown(ids) == ["1101" + "*" * 10 + "002X",
                                                                "3201" + "*" * 10 + "1238"]
    assert Projection(Kind.PHONE, Action.MASK).shown(["13912345678"]) == ["139****5678"]
    assert Projection(Kind.PERSON_NAME, Action.MASK).shown(["张小明", "李四"]) == ["张*明", "李某"]
    assert Projection(Kind.ADDRESS, Action.MASK).shown(["江苏省南京市玄武区中山路18号"]) == ["江苏省南京市玄武区****"]
    assert Projection(Kind.ID_NUMBER, Action.PSEUDONYMIZE).shown([*ids, None]) == ["110105", "320102", ""]
    assert Projection(Kind.ID_NUMBER, Action.GENERALIZE, {"year_band": 5}).shown(ids) == ["1945-1949", "1980-1984"]
    assert Projection(Kind.ADDRESS, Action.GENERALIZE, {"address_level": "city"}).shown(
        ["江苏省南京市玄武区中山路18号"]) == ["江苏省南京市"]
    assert Projection(None, Action.KEEP).shown([1985, "男", None, " "]) == ["1985", "男", "", ""]
    assert Projection(None, Action.REDACT).shown(["男"]) == [""]


def test_k_and_risk_of_a_generated_file_match_its_known_classes(tmp_path: Path) -> None:
    source = tmp_path / "classes.csv"
    _write_classes(source)
    plan = _plan(source, tmp_path)
    with open_workbook(source) as workbook:
        risk = assess(workbook, plan, threshold=5)
    (sheet,) = risk.sheets
    assert sheet.quasi_identifiers == ("地址", "出生年份", "性别")
    assert [c.role for c in sheet.columns] == [Role.QUASI, Role.QUASI, Role.QUASI, Role.SENSITIVE]
    assert (sheet.figures.rows, sheet.figures.classes, sheet.figures.k) == (sum(SIZES), len(SIZES), 1)
    assert sheet.figures.rows_below_k == 1 + 2 + 3
    assert sheet.figures.prosecutor_risk == 1.0
    assert sheet.figures.average_risk == len(SIZES) / sum(SIZES)


def test_roles_set_by_the_user_change_the_quasi_identifiers(tmp_path: Path) -> None:
    source = tmp_path / "classes.csv"
    _write_classes(source, sizes=(3, 4, 6, 6))
    plan = _plan(source, tmp_path, roles=("性别=other", "出生年份=other"))
    with open_workbook(source) as workbook:
        risk = assess(workbook, plan, threshold=5)
    (sheet,) = risk.sheets
    assert sheet.quasi_identifiers == ("地址",)
    # classes 0 and 3 share 玄武区, 1 鼓楼区, 2 姑苏区
    assert sorted([sheet.figures.k, sheet.figures.classes, sheet.figures.rows_below_k]) == sorted([4, 3, 4])
    keep_address = _plan(source, tmp_path, choices=("地址=keep",), roles=("性别=other", "出生年份=other"))
    with open_workbook(source) as workbook:
        assert assess(workbook, keep_address, threshold=5).sheets[0].figures.k == 1  # street numbers differ


def _write_people(path: Path, rows: int, seed: int = 3) -> list[tuple[str, int, str]]:
    """Random people over two districts, 40 birth years and two sexes: most (district, year, sex)
    classes are smaller than 5; in 5-year bands most are not."""
    rng = random.Random(seed)
    people = [(rng.choice(DISTRICTS[:2]), rng.randrange(1950, 1990), rng.choice("男女")) for _ in range(rows)]
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["地址", "出生年份", "性别"])
        writer.writerows([f"{d}中山路{rng.randrange(1, 999)}号", y, s] for d, y, s in people)
    return people


def test_generalize_to_k_reaches_k_with_bands_and_few_suppressed_rows(tmp_path: Path) -> None:
    source = tmp_path / "classes.csv"
    people = _write_people(source, 600)
    plan = _plan(source, tmp_path)
    policy = load_policy(None, tmp_path)
    with open_workbook(source) as workbook:
        before = assess(workbook, plan, threshold=5)
        chosen = generalize_to_k(workbook, plan, policy, 5, max_suppressed=0.05)
    assert before.k < 5
    assert chosen.reached
    assert [(label, after) for label, _, after in chosen.changed] == [
        ("classes!B (出生年份)", "generalize (band_width=5.0, date_level=band, year_band=5)")]
    # the same figures, counted independently: (district, 5-year band, sex) without the suppressed rows
    gone = set(chosen.suppressed["classes"].tolist())
    classes = Counter((d, f"{y - y % 5}-{y - y % 5 + 5}", s) for n, (d, y, s) in enumerate(people) if n not in gone)
    (sheet,) = chosen.risk.sheets
    assert sheet.figures.k == min(classes.values()) >= 5
    assert sheet.figures.classes == len(classes)
    assert sheet.figures.rows == len(people) - len(gone)
    assert sheet.suppressed_rows == len(gone) <= 30
    rare = Counter((d, f"{y - y % 5}-{y - y % 5 + 5}", s) for d, y, s in people)
    assert gone == {n for n, (d, y, s) in enumerate(people) if rare[(d, f"{y - y % 5}-{y - y % 5 + 5}", s)] < 5}


def test_generalize_to_k_says_when_k_cannot_be_reached(tmp_path: Path) -> None:
    source = tmp_path / "classes.csv"
    _write_classes(source, sizes=(1, 1, 1, 1))
    plan = _plan(source, tmp_path, roles=("电费=quasi",))  # every row has its own amount
    with open_workbook(source) as workbook:
        chosen = generalize_to_k(workbook, plan, load_policy(None, tmp_path), 5, max_suppressed=0.05)
    assert not chosen.reached
    assert chosen.suppressed["classes"].size == 0


def test_a_sheet_without_quasi_identifiers_is_never_below_k(tmp_path: Path) -> None:
    source = tmp_path / "classes.csv"
    _write_classes(source, sizes=(1, 1))
    plan = _plan(source, tmp_path, roles=("地址=other", "出生年份=other", "性别=other"))
    with open_workbook(source) as workbook:
        risk = assess(workbook, plan, threshold=5)
        chosen = generalize_to_k(workbook, plan, load_policy(None, tmp_path), 5, max_suppressed=0.05)
    (sheet,) = risk.sheets
    assert sheet.quasi_identifiers == () and sheet.figures.k == 2 and not sheet.below(5)
    assert chosen.reached and chosen.suppressed["classes"].size == 0 and chosen.changed == ()
    with_one = _plan(source, tmp_path, roles=("出生年份=other", "性别=other"))
    with open_workbook(source) as workbook:
        assert assess(workbook, with_one, threshold=5).sheets[0].below(5)  # two rows, two districts
