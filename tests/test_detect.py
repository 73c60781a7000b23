"""Column classification, PII in free text, and scanning a workbook by sampling."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from masking import synth
from masking.detect import (
    HeaderClass,
    classify_column,
    find_pii_spans,
    header_meaning,
    inner_kinds,
    scan_workbook,
)
from masking.io.model import Damaged, SheetInfo, Table, Value
from masking.kinds import Action, Kind
from masking.policy import load_policy

SAMPLES = Path(__file__).resolve().parents[1] / "resources" / "samples"


def _values(make: object, count: int = 200, seed: int = 1) -> list[Value]:
    rng = random.Random(seed)
    return [make(rng) for _ in range(count)]  # type: ignore[operator]


MOBILES = _values(synth.fake_mobile)
IDS = _values(synth.fake_id_number)
CARDS = _values(synth.fake_bank_card)
METERS = _values(synth.fake_meter_id)
NAMES = _values(synth.fake_name)
ADDRESSES = _values(lambda rng: synth.fake_address(rng)[0])
EMAILS = _values(synth.fake_email)
ACCOUNTS = [f"3{n:09d}" for n in random.Random(2).sample(range(10**9), 200)]
AMOUNTS = _values(lambda rng: round(rng.uniform(0, 5000), 2))


@pytest.mark.parametrize(
    ("header", "meaning"),
    [
        ("手机", Kind.PHONE), ("联系电话", Kind.PHONE), ("电话号码", Kind.PHONE), ("Mobile", Kind.PHONE),
        ("Tel.", Kind.PHONE), ("联系人电话", Kind.PHONE), ("表号", Kind.METER_ID),
        ("电能表资产编号", Kind.METER_ID), ("Meter ID", Kind.METER_ID), ("户号", Kind.ACCOUNT_NO),
        ("用户编号", Kind.ACCOUNT_NO), ("Account No", Kind.ACCOUNT_NO), ("证件号", Kind.ID_NUMBER),
        ("身份证号码", Kind.ID_NUMBER), ("ID Card No.", Kind.ID_NUMBER), ("银行卡号", Kind.BANK_CARD),
        ("户名", Kind.PERSON_NAME), ("Customer Name", Kind.PERSON_NAME), ("用电地址", Kind.ADDRESS),
        ("Email Address", Kind.EMAIL), ("服务密码", Kind.SECRET), ("PIN", Kind.SECRET), ("备注", Kind.FREE_TEXT),
        ("本月电量(kWh)", HeaderClass.MEASUREMENT), ("欠费金额", HeaderClass.MEASUREMENT),
        ("抄表日期", HeaderClass.MEASUREMENT), ("Account Balance", HeaderClass.MEASUREMENT),
        ("电表示数", HeaderClass.MEASUREMENT), ("户数", HeaderClass.MEASUREMENT),
        ("工单号", HeaderClass.NON_PII_ID), ("No.", HeaderClass.NON_PII_ID), ("序号", HeaderClass.NON_PII_ID),
        ("号码1", None), ("", None), (None, None), ("shipping", None),
    ],
)
def test_header_meaning(header: str | None, meaning: Kind | HeaderClass | None) -> None:
    assert header_meaning(header)[0] == meaning


@pytest.mark.parametrize(
    ("header", "values", "kind"),
    [
        ("手机", MOBILES, Kind.PHONE),
        ("联系电话", [synth.fake_landline(random.Random(n), "025") for n in range(50)], Kind.PHONE),
        ("电能表资产编号", METERS, Kind.METER_ID),
        ("户号", ACCOUNTS, Kind.ACCOUNT_NO),
        ("户号", [int(a) for a in ACCOUNTS], Kind.ACCOUNT_NO),
        ("身份证号码", IDS, Kind.ID_NUMBER),
        ("银行卡号", CARDS, Kind.BANK_CARD),
        ("户名", NAMES, Kind.PERSON_NAME),
        ("用电地址", ADDRESSES, Kind.ADDRESS),
        ("Email", EMAILS, Kind.EMAIL),
        ("服务密码", ["123456"] * 20, Kind.SECRET),
        ("Password", [None] * 5, Kind.SECRET),
    ],
)
def test_header_and_content_agree(header: str, values: list[Value], kind: Kind) -> None:
    verdict = classify_column(header, values)
    assert verdict.kind is kind
    assert verdict.confidence >= 0.9
    assert verdict.sampled == sum(1 for v in values if v is not None)
    assert header in verdict.reason


@pytest.mark.parametrize(
    ("values", "kind"),
    [(MOBILES, Kind.PHONE), ([int(m) for m in MOBILES], Kind.PHONE), (METERS, Kind.METER_ID),
     (IDS, Kind.ID_NUMBER), (CARDS, Kind.BANK_CARD), (NAMES, Kind.PERSON_NAME), (ADDRESSES, Kind.ADDRESS),
     (EMAILS, Kind.EMAIL), (ACCOUNTS, Kind.ACCOUNT_NO)],
)
def test_no_header_content_decides(values: list[Value], kind: Kind) -> None:
    verdict = classify_column(None, values)
    assert verdict.kind is kind
    assert "no header" in verdict.reason


def test_account_numbers_without_header_get_lower_confidence() -> None:
    assert classify_column(None, ACCOUNTS).confidence < classify_column("户号", ACCOUNTS).confidence
    assert classify_column(None, ACCOUNTS).confidence < classify_column(None, IDS).confidence


def test_content_wins_over_a_misleading_header() -> None:
    assert classify_column("备注", IDS).kind is Kind.ID_NUMBER
    assert classify_column("户号", MOBILES).kind is Kind.PHONE
    assert classify_column("户名", CARDS).kind is Kind.BANK_CARD
    # nearly every value a valid ID: even a measurement header yields
    assert classify_column("日期", IDS).kind is Kind.ID_NUMBER


def test_a_header_naming_a_kind_is_never_overruled_by_dates_or_amounts() -> None:
    # issue 13: 联系电话 with half its cells dates, a 2-row column with a date or a boolean, and even a
    # 手机 header over amounts keep the header's kind (the values that are not phones become tokens)
    mobiles = [f"139{n:08d}" for n in range(20)]
    half_dates: list[Value] = [dt.date(2024, 1, 1 + n) if n % 2 else mobiles[n] for n in range(20)]
    assert classify_column("联系电话", half_dates).kind is Kind.PHONE
    assert classify_column("联系电话", [dt.date(2024, 5, 1), "13912345678"]).kind is Kind.PHONE
    assert classify_column("联系电话", [True, "13912345678"]).kind is Kind.PHONE
    verdict = classify_column("手机", AMOUNTS)
    assert verdict.kind is Kind.PHONE and verdict.confidence < 0.7
    assert classify_column(None, half_dates).kind is None  # without a header, dates still say "not PII"


def test_header_alone_keeps_its_kind_when_content_does_not_contradict() -> None:
    look_alikes = [f"129{n:08d}" for n in range(50)]  # 12x: not mobiles, yet under 手机
    verdict = classify_column("手机", look_alikes)
    assert verdict.kind is Kind.PHONE
    assert verdict.confidence < 0.7


_RNG = random.Random(5)
MEASUREMENTS: list[tuple[str | None, list[Value]]] = [
    ("电量(kWh)", [_RNG.randrange(10**11, 10**12) for _ in range(200)]),  # 12-digit integers
    ("本次读数", [_RNG.randrange(10**10, 10**11) for _ in range(200)]),
    ("欠费金额", AMOUNTS),
    (None, AMOUNTS),
    (None, [round(_RNG.uniform(1e9, 1e10), 2) for _ in range(200)]),  # 1234567890.12
    ("抄表日期", [dt.date(2024, 1, 1) + dt.timedelta(days=n) for n in range(200)]),
    (None, [dt.datetime(2024, 1, 1) + dt.timedelta(hours=n) for n in range(200)]),
    (None, [int((dt.date(2024, 1, 1) + dt.timedelta(days=n)).strftime("%Y%m%d")) for n in range(200)]),
    (None, [f"2024-{1 + n % 12:02d}-{1 + n % 28:02d}" for n in range(200)]),
    ("户数", [_RNG.randint(0, 40) for _ in range(200)]),
    (None, [_RNG.randint(0, 40) for _ in range(200)]),
    (None, [_RNG.randrange(0, 10 ** _RNG.randint(2, 9)) for _ in range(200)]),
    ("金额", [f"{_RNG.uniform(0, 99999):,.2f}" for _ in range(200)]),
    (None, [_RNG.random() < 0.5 for _ in range(200)]),
    ("工单号", [f"2024{n:08d}" for n in range(200)]),
    ("序号", list(range(1, 201))),
]


@pytest.mark.parametrize(("header", "values"), MEASUREMENTS)
def test_measurement_columns_are_never_flagged(header: str | None, values: list[Value]) -> None:
    assert classify_column(header, values).kind is None


def test_messy_values_still_classify() -> None:
    rng = random.Random(3)
    messy: list[Value] = []
    for mobile in MOBILES:
        roll = rng.random()
        messy.append(rng.choice(["无", "", None, "-"]) if roll < 0.15 else
                     f"+86 {mobile[:3]}-{mobile[3:7]}-{mobile[7:]}" if roll < 0.4 else
                     mobile.translate(str.maketrans("0123456789", "０１２３４５６７８９")) if roll < 0.6 else mobile)
    assert classify_column("联系方式", messy).kind is Kind.PHONE
    assert classify_column(None, messy).kind is Kind.PHONE


def test_damaged_values_are_counted() -> None:
    damaged = [Damaged(i[:15] + "000") for i in IDS if not i.endswith("X")]
    verdict = classify_column("身份证号码", damaged)
    assert verdict.kind is Kind.ID_NUMBER
    assert verdict.damaged == len(damaged)
    meters = [Damaged(m[:15] + "0" * 7) for m in METERS]
    assert classify_column(None, meters).kind is Kind.METER_ID


def test_free_text_column_lists_inner_kinds() -> None:
    rng = random.Random(9)
    remarks = [synth.fake_remark(rng)[0] for _ in range(300)]
    verdict = classify_column("备注", remarks)
    assert verdict.kind is Kind.FREE_TEXT
    assert set(verdict.inner_kinds) == {Kind.PHONE, Kind.PERSON_NAME}
    assert classify_column(None, remarks).kind is Kind.FREE_TEXT
    plain = ["表计更换", "已电话通知", "欠费停电预警", "已缴清"] * 50
    assert classify_column("备注", plain).kind is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("联系人王先生13912345678", [("王先生", Kind.PERSON_NAME), ("13912345678", Kind.PHONE)]),
        ("租户李女士 139-1234-5678", [("李女士", Kind.PERSON_NAME), ("139-1234-5678", Kind.PHONE)]),
        ("备用电话：025-84561234", [("025-84561234", Kind.PHONE)]),
        ("代缴人：欧阳娜娜", [("欧阳娜娜", Kind.PERSON_NAME)]),
        ("联系人张伟，电话+86 139 1234 5678，白天不在家",
         [("张伟", Kind.PERSON_NAME), ("+86 139 1234 5678", Kind.PHONE)]),
        ("电话１３９１２３４５６７８", [("１３９１２３４５６７８", Kind.PHONE)]),
        ("身份证110105199003071239已核验", [("110105199003071239", Kind.ID_NUMBER)]),
        ("卡号6222021234567890128", [("6222021234567890128", Kind.BANK_CARD)]),
        ("发票寄到zhangwei1985@163.com", [("zhangwei1985@163.com", Kind.EMAIL)]),
        ("13912345678 13812345678", [("13912345678", Kind.PHONE), ("13812345678", Kind.PHONE)]),
        ("电费123.45元，户数12，工单202401050001", []),
        ("12912345678", []),
        ("表计更换", []),
    ],
)
def test_find_pii_spans(text: str, expected: list[tuple[str, Kind]]) -> None:
    spans = find_pii_spans(text)
    assert [(text[s.start : s.end], s.kind) for s in spans] == expected


def test_inner_kinds_in_order() -> None:
    assert inner_kinds("联系人王先生13912345678") == (Kind.PERSON_NAME, Kind.PHONE)


class _FakeWorkbook:
    """A workbook of generated rows that counts how many rows the scan pulled."""

    format = "csv"

    def __init__(self, rows: int) -> None:
        self.sheets = (SheetInfo("用户", 0),)
        self.total = rows
        self.pulled = 0
        self.counted = False

    def table(self, name: str) -> Table:
        return Table(self.sheets[0], 1, 2, ("户号", "手机", "本月电量", None))

    def data_rows(self, name: str, table: Table | None = None) -> Iterator[tuple[int, tuple[Value, ...]]]:
        rng = random.Random(1)
        for row in range(self.total):
            self.pulled += 1
            yield row + 2, (f"3{row:09d}", synth.fake_mobile(rng), round(rng.random() * 300, 2), synth.fake_name(rng))

    def count_rows(self, name: str) -> int:
        self.counted = True
        return self.total


def test_scan_samples_rows_and_stops_early() -> None:
    workbook = _FakeWorkbook(50_000)
    report = scan_workbook(workbook, sample_rows=300)
    assert workbook.pulled <= 301
    assert workbook.counted
    sheet = report.sheets[0]
    assert sheet.data_rows == 50_000
    assert [c.kind for c in sheet.columns] == [Kind.ACCOUNT_NO, Kind.PHONE, None, Kind.PERSON_NAME]
    policy = load_policy()
    assert [policy.default_action(c.kind) for c in sheet.columns] == [
        Action.PSEUDONYMIZE, Action.PSEUDONYMIZE, Action.KEEP, Action.MASK]
    as_json = report.as_dict(policy)
    assert as_json["sheets"][0]["columns"][1] == {
        "index": 1, "letter": "B", "header": "手机", "kind": "phone",
        "confidence": sheet.columns[1].verdict.confidence, "default_action": "pseudonymize"}
    assert report.findings == ()


def _truth_files() -> list[Path]:
    return sorted(SAMPLES.glob("*.truth.json"))


@pytest.mark.parametrize("truth_path", _truth_files(), ids=lambda p: p.name)
def test_bundled_samples_match_their_truth(truth_path: Path) -> None:
    from masking.io.reader import open_workbook

    stem = truth_path.name.removesuffix(".truth.json")
    sample = next((p for p in SAMPLES.glob(stem + ".*") if p.suffix in (".xlsx", ".xlsm", ".csv")), None)
    if sample is None:
        pytest.skip(f"{stem}: truth file without its sample")
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    with open_workbook(sample) as workbook:
        report = scan_workbook(workbook, path=sample)
    got = {(s.info.name, c.index): c.kind for s in report.sheets for c in s.columns}
    wrong = []
    for sheet in truth["sheets"]:
        for column in sheet["columns"]:
            expected = Kind(column["kind"]) if column.get("kind") else None
            found = got.get((sheet["name"], column["index"]))
            if found != expected:
                wrong.append((sheet["name"], column["index"], column.get("header"), expected, found))
    assert wrong == []


def test_samples_folder_has_truth_files_once_generated() -> None:
    if not any(SAMPLES.glob("*.xlsx")) and not any(SAMPLES.glob("*.csv")):
        pytest.skip("bundled samples not generated yet")
    assert _truth_files()


_FINDING_PLACES = {
    "hidden column": "hidden column",
    "sheet": "sheet",
    "comment": "comment",
    "document property": "document property",
    "header/footer": "header",
    "defined name": "defined name",
    "data validation": "data validation",
    "hyperlink": "hyperlink",
}


def _truth_files_with_findings() -> list[Path]:
    return [p for p in _truth_files() if json.loads(p.read_text(encoding="utf-8")).get("findings")]


@pytest.mark.parametrize("truth_path", _truth_files_with_findings(), ids=lambda p: p.name)
def test_bundled_samples_findings_outside_the_grid(truth_path: Path) -> None:
    from masking.io.reader import open_workbook

    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    stem = truth_path.name.removesuffix(".truth.json")
    sample = next((p for p in SAMPLES.glob(stem + ".*") if p.suffix in (".xlsx", ".xlsm", ".csv")), None)
    if sample is None:
        pytest.skip(f"{stem}: truth file without its sample")
    with open_workbook(sample) as workbook:
        report = scan_workbook(workbook, path=sample)
    missing = []
    for expected in truth["findings"]:
        place = next(mine for theirs, mine in _FINDING_PLACES.items() if expected["location"].startswith(theirs))
        if not any(f.kind.value == expected["kind"] and place in f.location for f in report.findings):
            missing.append(expected)
    assert missing == []


_CELL_VALUES = st.one_of(
    st.none(), st.text(max_size=40), st.integers(), st.floats(), st.booleans(), st.dates(),
    st.text(alphabet="0123456789 -+X先生王李联系人电话：@.com", max_size=40), st.text(max_size=25).map(Damaged),
)


@given(st.text(max_size=200))
def test_spans_are_ordered_disjoint_and_inside_the_text(text: str) -> None:
    spans = find_pii_spans(text)
    for span in spans:
        assert 0 <= span.start < span.end <= len(text)
    for before, after in itertools.pairwise(spans):
        assert before.end <= after.start


@given(st.one_of(st.none(), st.text(max_size=20)), st.lists(_CELL_VALUES, max_size=30))
def test_classify_column_never_raises(header: str | None, values: list[Value]) -> None:
    verdict = classify_column(header, values)
    assert 0.0 <= verdict.confidence <= 1.0
    assert verdict.sampled <= len(values)
    assert verdict.inner_kinds == () or verdict.kind is Kind.FREE_TEXT
