"""Validators of masking.kinds: table-driven positives, look-alike negatives, and never raising."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from masking.io.model import Damaged
from masking.kinds import (
    Kind,
    address_strength,
    compact,
    damaged_kind,
    id_number_strength,
    is_account_no,
    is_address,
    is_bank_card,
    is_email,
    is_id_number,
    is_landline,
    is_meter_id,
    is_mobile,
    is_person_name,
    is_phone,
    kind_strength,
    meter_id_strength,
    mobile_strength,
    person_name_strength,
)

VALID_ID = "110105199003071239"  # 北京市朝阳区, 1990-03-07, check character 9
VALID_CARD_19 = "6222021234567890128"
VALID_CARD_16 = "6214831234567896"
VALID_METER = "3210101123456789012343"  # GS1 check digit 3


@pytest.mark.parametrize(
    "value",
    [
        "13912345678",
        13912345678,
        "139 1234 5678",
        "139-1234-5678",
        "+86 139 1234 5678",
        "+86-13912345678",
        "8613912345678",
        "0086 13912345678",
        "１３９１２３４５６７８",
        "（+86）139.1234.5678",
        19912345678,
    ],
)
def test_mobile_positives(value: object) -> None:
    assert is_mobile(value)  # type: ignore[arg-type]
    assert is_phone(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "value",
    [
        "12912345678",  # 11 digits starting with 12: no such network
        12912345678,
        "10912345678",
        "1391234567",  # 10 digits
        "139123456789",  # 12 digits
        "+1 139 1234 5678",
        1391234567.8,
        13912345678.5,
        "139123456xx",
        None,
        True,
        dt.date(2024, 1, 1),
    ],
)
def test_mobile_negatives(value: object) -> None:
    assert not is_mobile(value)  # type: ignore[arg-type]


def test_mobile_strength_prefers_allocated_prefixes() -> None:
    assert mobile_strength("13912345678") == 1.0
    assert mobile_strength("16012345678") == 0.6  # 1[3-9] shape but 160 is not allocated
    assert mobile_strength("12912345678") == 0.0


@pytest.mark.parametrize(
    "value",
    ["010-88886666", "01088886666", "(010)8888 6666", "021-62345678", "0571-88886666", "0931-8888666",
     "4008001234", "800-810-8888", "+86 10 8888 6666", "０２０－８８８８６６６６"],
)
def test_landline_positives(value: str) -> None:
    assert is_landline(value)
    assert is_phone(value)


@pytest.mark.parametrize(
    "value",
    ["010-08886666", "010-888866", "1088886666", "0571-1888666", "4001234", "88886666", 1088886666, "abc"],
)
def test_landline_negatives(value: object) -> None:
    assert not is_landline(value)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [VALID_ID, "110105 1990 0307 1239", int(VALID_ID)])
def test_id_number_positive(value: str | int) -> None:
    assert is_id_number(value)
    assert id_number_strength(value) == 1.0


def test_id_number_with_x_and_legacy_and_spaces() -> None:
    # first17 whose check character is X
    first17 = next(f"1101051990030712{n}" for n in range(10) if _check(f"1101051990030712{n}") == "X")
    assert is_id_number(first17 + "X")
    assert is_id_number(first17 + "x")
    assert is_id_number("110105 19900307 1239")
    assert is_id_number("110105900307123")  # legacy 15 digits: 1990-03-07
    assert is_id_number("１１０１０５１９９００３０７１２３９")


def _check(first17: str) -> str:
    from masking.checksums import id_check_char

    return id_check_char(first17)


@pytest.mark.parametrize(
    "value",
    [
        "110105199003071238",  # wrong check character
        "11010519900307123X",  # wrong check character (X)
        "110105199902301237",  # impossible birth date 1999-02-30 (check character right)
        "990105199003071230",  # no such province
        "110105209912311234",  # born in the future
        110105199003071239,  # as a whole number it is still checked: fine...
        Damaged("110105199003071000"),  # ...but a cut one is only evidence, never valid
        "110105991302123",  # legacy with month 13
        "11010519900307123",  # 17 characters
    ],
)
def test_id_number_look_alikes(value: object) -> None:
    if isinstance(value, int):
        assert is_id_number(value)  # ints keep exact digits: str(int)
        return
    assert not is_id_number(value)  # type: ignore[arg-type]


def test_id_number_from_an_abolished_county_is_weaker() -> None:
    first17 = "11010019900307123"  # 110100 is the prefecture row, not a residence county
    value = first17 + _check(first17)
    assert 0.0 < id_number_strength(value) < 1.0


@pytest.mark.parametrize("value", [VALID_CARD_19, VALID_CARD_16, "6222 0212 3456 7890 128", int(VALID_CARD_16),
                                   "4111111111111111", "5500000000000004"])
def test_bank_card_positives(value: object) -> None:
    assert is_bank_card(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "value",
    ["6214831234567897",  # 16 digits failing Luhn
     "6222021234567890127", "1234567890123452",  # issuer prefix 1 is not a card
     "621483123456",  # 12 digits
     "62148312345678901234",  # 20 digits
     Damaged("6222021234567890000"), 6214831234567896.5, None],
)
def test_bank_card_negatives(value: object) -> None:
    assert not is_bank_card(value)  # type: ignore[arg-type]


def test_meter_id_strength() -> None:
    assert meter_id_strength(VALID_METER) == 1.0
    assert meter_id_strength(int(VALID_METER)) == 1.0
    assert meter_id_strength(VALID_METER[:-1] + "4") == 0.5  # check digit is evidence, not a gate
    assert meter_id_strength("32101 01 12345678901234 3") == 1.0
    for look_alike in (VALID_METER[:-1], VALID_METER + "1", "0" * 22, "1" * 22, Damaged(VALID_METER[:15] + "0" * 7)):
        assert not is_meter_id(look_alike), look_alike


@pytest.mark.parametrize("value", ["zhangwei1985@163.com", "a.b+c@mail.sgcc.com.cn", "12345678@qq.com"])
def test_email_positives(value: str) -> None:
    assert is_email(value)


@pytest.mark.parametrize("value", ["zhangwei1985@163", "@163.com", "a b@163.com", "王@163", 12345, None])
def test_email_negatives(value: object) -> None:
    assert not is_email(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "strength"),
    [("王伟", 1.0), ("张秀英", 1.0), ("欧阳娜娜", 1.0), ("司马懿", 1.0), ("John Smith", 0.7), ("WANG Xiaoming", 0.7),
     ("王小明明", 0.7)],
)
def test_person_name_positives(value: str, strength: float) -> None:
    assert person_name_strength(value) == strength


@pytest.mark.parametrize("value", ["正常", "欠费", "居民", "电表", "王", "王小明明明", "smith", "13912345678", "是"])
def test_person_name_negatives(value: str) -> None:
    assert not is_person_name(value)


@pytest.mark.parametrize(
    "value",
    ["江苏省南京市玄武区中山路128号阳光小区5栋2单元301室", "北京市朝阳区望京街道", "南京市中山路128号",
     "幸福村三组12号", "Flat 3, 221 Baker Street"],
)
def test_address_positives(value: str) -> None:
    assert is_address(value)


@pytest.mark.parametrize("value", ["正常", "欠费停电预警", "1号", "表计更换", "Baker", 12345])
def test_address_negatives(value: object) -> None:
    assert address_strength(value) == 0.0  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["3000000001", 3000000001, "0012345678", "1234567890123456"])
def test_account_no_shape(value: object) -> None:
    assert is_account_no(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "value", ["13912345678", VALID_ID, VALID_CARD_16, "1234567", "12345678901234567", "0000000000", 1234567890.12]
)
def test_account_no_refuses_other_kinds(value: object) -> None:
    assert not is_account_no(value)  # type: ignore[arg-type]


def test_damaged_values_count_by_shape() -> None:
    assert damaged_kind(Damaged("110105199003071000")) is Kind.ID_NUMBER
    assert damaged_kind(Damaged("3210101123456789000000")) is Kind.METER_ID
    assert damaged_kind(Damaged("6222021234567890000")) is Kind.BANK_CARD
    assert damaged_kind(Damaged("1234567890123450000")) is None
    assert damaged_kind("110105199003071000") is None  # only Damaged values


@pytest.mark.parametrize("value", [1234567890.12, 20240105.5, dt.date(2024, 1, 5), dt.datetime(2024, 1, 5, 9, 30),
                                   dt.time(9, 30), True, False, None, -13912345678])
def test_measurements_and_dates_are_no_kind(value: object) -> None:
    for kind in Kind:
        assert kind_strength(kind, value) == 0.0, kind  # type: ignore[arg-type]


def test_compact_removes_separators_and_full_width() -> None:
    assert compact("０１０－８８８８　６６６６") == "01088886666"
    assert compact(13912345678) == "13912345678"
    assert compact(None) is None


_VALUES = st.one_of(
    st.text(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.dates(),
    st.datetimes(),
    st.times(),
    st.text(alphabet="0123456789 -+()Xx０１２３４５６７８９", max_size=30),
    st.text().map(Damaged),
)


@given(_VALUES)
def test_validators_never_raise(value: object) -> None:
    for kind in Kind:
        strength = kind_strength(kind, value)  # type: ignore[arg-type]
        assert 0.0 <= strength <= 1.0
    for check in (is_mobile, is_landline, is_phone, is_meter_id, is_id_number, is_bank_card, is_email,
                  is_person_name, is_address, is_account_no):
        assert check(value) in (True, False)  # type: ignore[operator]




@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("139-1234-5678", "13912345678"),
        ("+86 139 1234 5678", "13912345678"),
        ("008613912345678", "13912345678"),
        ("8613912345678", "13912345678"),
        ("+86 10 8888 6666", "01088886666"),
        ("１３９　１２３４　５６７８", "13912345678"),
        (13912345678, "13912345678"),
        ("+44 20 7946 0958", None),
        ("139-1234-567x", None),
        (None, None),
    ],
)
def test_phone_digits_is_the_one_phone_normaliser(value: object, expected: str | None) -> None:
    from masking.kinds import phone_digits

    assert phone_digits(value) == expected  # type: ignore[arg-type]
