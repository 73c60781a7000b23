"""Synthetic customers and the reference data behind them: every value validates, streams, and is
reproducible by seed."""

from __future__ import annotations

import itertools
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from masking import synth
from masking.checksums import PROVINCE_CODES, gs1_valid, id_birth_date, id_number_valid, luhn_valid
from masking.namedata import compound_surnames, given_name_chars, single_surnames, surnames
from masking.numbering import (
    Carrier,
    PrefixUse,
    area_code_for,
    area_codes,
    card_issuers,
    carrier_of,
    mobile_prefixes,
)
from masking.regions import (
    Level,
    all_regions,
    is_real_region,
    region_for_code,
    regions_under,
    residence_regions,
)

VOICE_PREFIXES = {p.prefix for p in mobile_prefixes() if p.use is PrefixUse.VOICE}
ISSUERS = {c.bin: c.length for c in card_issuers()}
EMAIL = re.compile(r"^[a-z0-9]+@[a-z0-9]+(\.[a-z]+)+$")
LANDLINE = re.compile(r"^(0\d{2,3})-([2-8]\d{6,7})$")


def split_name(name: str) -> tuple[str, str]:
    surname = name[:2] if name[:2] in compound_surnames() else name[:1]
    return surname, name[len(surname):]


def assert_valid_mobile(number: str) -> None:
    assert len(number) == 11 and number.isdigit(), number
    assert number[:3] in VOICE_PREFIXES, number
    assert carrier_of(number) is not None


def assert_valid_landline(number: str, area_code: str | None = None) -> None:
    match = LANDLINE.match(number)
    assert match, number
    entry = area_code_for(match[1])
    assert entry is not None and len(match[2]) == entry.local_digits, number
    if area_code is not None:
        assert match[1] == area_code


def assert_valid_customer(c: synth.Customer, branch: synth.Branch) -> None:
    assert len(c.account_no) == 10 and c.account_no.isdigit() and c.account_no[0] == branch.account_prefix
    surname, given = split_name(c.name)
    assert surname in single_surnames() | compound_surnames(), c.name
    assert 1 <= len(given) <= 2 and all(char in given_name_chars() for char in given), c.name
    assert_valid_mobile(c.mobile)
    if c.landline is not None:
        assert_valid_landline(c.landline, branch.area_code)
    assert len(c.meter_id) == 22 and gs1_valid(c.meter_id) and c.meter_id.startswith(branch.unit_code)
    assert c.meter_id[5:7] in synth.METER_ASSET_TYPES
    assert id_number_valid(c.id_number), c.id_number
    assert is_real_region(c.id_number[:6]), c.id_number
    born = id_birth_date(c.id_number)
    assert born is not None and 1940 <= born.year <= 2005
    assert luhn_valid(c.bank_card) and ISSUERS[c.bank_card[:6]] == len(c.bank_card), c.bank_card
    region = region_for_code(c.address_region)
    assert region is not None and region.code.startswith(branch.city_prefix)
    assert c.address.startswith(region.full_name) and "号" in c.address
    assert c.email is None or EMAIL.match(c.email), c.email
    assert len(c.service_password) == 6 and c.service_password.isdigit()
    assert c.usage_kwh >= 0 and c.arrears >= 0 and round(c.arrears, 2) == c.arrears
    assert (c.reading_date.year, c.reading_date.month) == (2024, 11)
    digits_of_remark = re.sub(r"\D", "", c.remark)
    for embedded in c.remark_pii:
        if embedded.kind == synth.PHONE:
            assert embedded.text in digits_of_remark
            if embedded.text.startswith("0"):
                assert embedded.text.startswith(branch.area_code)
            else:
                assert_valid_mobile(embedded.text)
        else:
            assert embedded.kind == synth.PERSON_NAME and embedded.text in c.remark


@pytest.mark.parametrize("branch", synth.BRANCHES, ids=lambda b: b.unit_code)
def test_every_generated_value_validates(branch: synth.Branch) -> None:
    rows = list(synth.customers(1500, seed=11, branch=branch))
    for customer in rows:
        assert_valid_customer(customer, branch)
    assert len({c.account_no for c in rows}) == len(rows)


def test_samples_of_customers_show_the_variety_detection_must_handle() -> None:
    rows = list(synth.customers(3000, seed=5))
    assert any(c.id_number.endswith("X") for c in rows)
    assert any(split_name(c.name)[0] in compound_surnames() for c in rows)
    assert {len(c.bank_card) for c in rows} == {16, 19}
    assert any(c.landline for c in rows) and any(c.landline is None for c in rows)
    assert any(c.email for c in rows) and any(c.email is None for c in rows)
    kinds = {e.kind for c in rows for e in c.remark_pii}
    assert kinds == {synth.PHONE, synth.PERSON_NAME}
    assert any(not c.remark_pii for c in rows)
    assert any("-" in c.remark and c.remark_pii for c in rows)  # "138-1234-5678" in a note
    # Most IDs come from the branch's own city, some from elsewhere.
    local = sum(c.id_number.startswith("3201") for c in rows) / len(rows)
    assert 0.4 < local < 0.8
    assert len({c.id_number[:2] for c in rows}) > 10


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**63))
def test_any_seed_gives_valid_customers(seed: int) -> None:
    for customer in synth.customers(20, seed):
        assert_valid_customer(customer, synth.BRANCHES[0])


def test_same_seed_same_customers_and_other_seed_others() -> None:
    first = list(synth.customers(300, seed=42))
    assert first == list(synth.customers(300, seed=42))
    other = list(synth.customers(300, seed=43))
    assert first != other
    assert sum(a.id_number == b.id_number for a, b in zip(first, other, strict=True)) == 0


def test_account_numbers_are_distinct_over_a_large_stream() -> None:
    accounts = [c.account_no for c in itertools.islice(synth.customers(10**6, seed=3), 20_000)]
    assert len(set(accounts)) == len(accounts)


def test_customers_stream_without_building_the_list() -> None:
    stream = synth.customers(10**9, seed=1)  # would not fit in memory if it were built
    assert len(list(itertools.islice(stream, 3))) == 3


@pytest.mark.parametrize("n", [-1, 10**9 + 1])
def test_customers_rejects_impossible_counts(n: int) -> None:
    with pytest.raises(ValueError, match=r"customers|negative"):
        synth.customers(n, seed=1)


def test_single_field_helpers_validate_and_honour_their_arguments() -> None:
    rng = synth.make_rng(9)
    for _ in range(500):
        assert_valid_mobile(synth.fake_mobile(rng))
        meter = synth.fake_meter_id(rng, "12345")
        assert meter.startswith("12345") and gs1_valid(meter) and len(meter) == 22
        assert gs1_valid(synth.fake_meter_id(rng))
        number = synth.fake_id_number(rng, "4403")
        assert id_number_valid(number) and number.startswith("4403")
        assert id_number_valid(synth.fake_id_number(rng))
        assert luhn_valid(synth.fake_bank_card(rng))
        assert_valid_landline(synth.fake_landline(rng, "0755"), "0755")
        address, code = synth.fake_address(rng, "1101")
        assert code.startswith("1101") and address.startswith("北京市")
        assert EMAIL.match(synth.fake_email(rng))
    with pytest.raises(ValueError, match="5 digits"):
        synth.fake_meter_id(rng, "12")
    # An unknown prefix falls back to anywhere rather than failing.
    assert id_number_valid(synth.fake_id_number(rng, "99"))


def test_helpers_are_reproducible_by_seed() -> None:
    def draw(seed: int) -> tuple[str, ...]:
        rng = synth.make_rng(seed)
        return (synth.fake_name(rng), synth.fake_mobile(rng), synth.fake_id_number(rng), synth.fake_meter_id(rng))

    assert draw(1) == draw(1)
    assert draw(1) != draw(2)


def test_dashed_mobile() -> None:
    assert synth.dashed_mobile("13812345678") == "138-1234-5678"


# --- reference data --------------------------------------------------------------------------------


def test_region_table_is_clean() -> None:
    regions = all_regions()
    codes = [r.code for r in regions]
    assert len(codes) == len(set(codes)) > 3000
    assert all(re.fullmatch(r"\d{6}", code) for code in codes)
    assert {code[:2] for code in codes} == PROVINCE_CODES
    for region in regions:
        assert region.province
        if region.level is Level.COUNTY:
            assert region.district
            assert is_real_region(region.code[:2] + "0000")


@pytest.mark.parametrize(
    ("code", "full_name"),
    [
        ("110105", "北京市朝阳区"),
        ("310115", "上海市浦东新区"),
        ("440106", "广东省广州市天河区"),
        ("320102", "江苏省南京市玄武区"),
        ("429004", "湖北省仙桃市"),
        ("441900", "广东省东莞市"),
        ("650000", "新疆维吾尔自治区"),
    ],
)
def test_known_regions(code: str, full_name: str) -> None:
    region = region_for_code(code)
    assert region is not None and region.full_name == full_name


def test_region_lookups() -> None:
    assert region_for_code("999999") is None and not is_real_region("999999")
    assert region_for_code("110100") is None  # 市辖区 is a grouping, not a place
    assert region_for_code("320100") is not None and region_for_code("320100").level is Level.PREFECTURE  # type: ignore[union-attr]
    residence = {r.code for r in residence_regions()}
    assert {"110105", "441900", "429004"} <= residence and "320100" not in residence
    assert len(regions_under("3201")) == 11 and all(r.code.startswith("3201") for r in regions_under("3201"))
    assert regions_under("99") == ()
    assert all_regions() is all_regions()  # read once


def test_surnames_and_given_names() -> None:
    names = [s.text for s in surnames()]
    assert names[:5] == ["王", "李", "张", "刘", "陈"]
    assert len(names) == len(set(names))
    assert {"欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐"} <= compound_surnames()
    assert all(len(s) == 1 for s in single_surnames()) and len(single_surnames()) >= 100
    chars = given_name_chars()
    assert len(chars) == len(set(chars)) > 100 and all(len(c) == 1 for c in chars)


def test_numbering_plans() -> None:
    prefixes = {p.prefix for p in mobile_prefixes()}
    expected = (
        set(range(130, 140)) | set(range(145, 150)) | {150, 151, 152, 153, 155, 156, 157, 158, 159}
        | {162, 165, 166, 167} | set(range(170, 179)) | set(range(180, 190)) | set(range(190, 200)) - {194}
    )
    assert prefixes == {str(p) for p in expected}
    assert carrier_of("13912345678") is Carrier.MOBILE
    assert carrier_of("18612345678") is Carrier.UNICOM
    assert carrier_of("18912345678") is Carrier.TELECOM
    assert carrier_of("19212345678") is Carrier.BROADNET
    assert carrier_of("12012345678") is None and carrier_of("1391234567") is None
    for entry in area_codes():
        assert re.fullmatch(r"0\d{2,3}", entry.code) and entry.local_digits in (7, 8)
        assert is_real_region(entry.region_code), entry
    assert area_code_for("010") is not None and area_code_for("0755").city == "深圳市"  # type: ignore[union-attr]
    assert area_code_for("0000") is None
    assert {c.length for c in card_issuers()} == {16, 19}
    assert {"622202", "621700", "622848", "623668"} <= ISSUERS.keys()


def test_birth_dates_span_the_documented_years() -> None:
    rng = synth.make_rng(77)
    years = {int(synth.fake_id_number(rng)[6:10]) for _ in range(3000)}
    assert min(years) < 1945 and max(years) > 2000 and years <= set(range(1940, 2006))
    assert synth.BIRTH_YEARS == (1940, 2005)
