"""Operators: the user-known forms, the unparsed/blank/damaged rule and its counts, and refusals."""

from __future__ import annotations

import datetime as dt
import os

import pytest

from masking.checksums import id_check_char, luhn_check_digit
from masking.errors import KeyProblem, UsageError
from masking.io.model import Damaged
from masking.kinds import Action, Kind
from masking.name_address import split_region_prefix
from masking.operators import (
    OPERATORS,
    Counts,
    EncryptionRecord,
    EncryptOperator,
    GeneralizeParams,
    HashParams,
    KeyMaterial,
    MaskParams,
    OperatorContext,
    OperatorError,
    RedactParams,
    get_operator,
    params_from_dict,
)
from masking.operators.format_cipher import ff1_plan
from masking.operators.pseudonymize import FALLBACK_PREFIX

KEYS = KeyMaterial("KTEST01", b"p" * 32, b"e" * 32, b"h" * 32)
CTX = OperatorContext("recipient:中国银行城东支行", KEYS)
ID18 = "51010519491231002" + id_check_char("51010519491231002")
CARD16 = "622588123456789" + luhn_check_digit("622588123456789")
CARD19 = "622202123456789012" + luhn_check_digit("622202123456789012")


def run(action: str, kind: Kind | None, values: list[object], params: object = None, ctx: OperatorContext = CTX):
    return get_operator(action, kind, params).apply_batch(values, ctx)  # type: ignore[arg-type]


# --- mask: the forms users know ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        (Kind.PHONE, "13912345678", "139****5678"),
        (Kind.PHONE, "139-1234-5678", "139-****-5678"),
        (Kind.PHONE, 13912345678, "139****5678"),
        (Kind.PHONE, "0571-88886666", "0571-****6666"),
        (Kind.PHONE, "010-88886666", "010-****6666"),
        (Kind.ID_NUMBER, ID18, "5***************" + ID18[-2:]),
        (Kind.ID_NUMBER, "11010519491231002X", "1***************2X"),
        (Kind.ID_NUMBER, "11010519491231002x", "1***************2X"),
        (Kind.BANK_CARD, CARD16, f"6225********{CARD16[-4:]}"),  # length kept: 16 and 19 digits
        (Kind.BANK_CARD, CARD19, f"6222***********{CARD19[-4:]}"),
        (Kind.BANK_CARD, "6222 0212 3456 7890 128", "6222 **** **** ***0 128"),  # grouping kept (CARD19)
        (Kind.BANK_CARD, "6225-8812-3456-" + CARD16[-4:], "6225-****-****-" + CARD16[-4:]),
        (Kind.METER_ID, "3205001123456789012345", "32050*************2345"),
        (Kind.ACCOUNT_NO, "1234567890", "12*****890"),
        (Kind.PERSON_NAME, "王小明", "王**"),
        (Kind.PERSON_NAME, "张伟", "张*"),
        (Kind.PERSON_NAME, "欧阳明", "欧阳*"),
        (Kind.PERSON_NAME, "Wang Xiaoming", "W*** X*******"),
        (Kind.EMAIL, "zhangsan@sgcc.com.cn", "z***@sgcc.com.cn"),
        (Kind.ADDRESS, "江苏省南京市玄武区中山路18号3栋501室", "江苏省南京市玄武区****"),
        (Kind.SECRET, "hunter2", "******"),
        (Kind.FREE_TEXT, "联系人王伟13912345678，请回电", "联系人王*139****5678，请回电"),
    ],
)
def test_mask_default_forms(kind: Kind, value: object, expected: str) -> None:
    result = run("mask", kind, [value])
    assert result.values == [expected]
    assert result.counts == Counts(transformed=1)


def test_mask_middle_name_style_and_overrides() -> None:
    assert run("mask", Kind.PERSON_NAME, ["张小明"], MaskParams(name_style="middle")).values == ["张*明"]
    assert run("mask", Kind.PHONE, ["13912345678"], MaskParams(keep_first=0, keep_last=2, char="#")).values == [
        "#########78"
    ]
    # Keeping more than the value has hides everything instead of showing it.
    assert run("mask", Kind.ACCOUNT_NO, ["1234567"], MaskParams(keep_first=5, keep_last=5)).values == ["*******"]


# --- the unparsed / blank / damaged rule --------------------------------------------------------

MESSY = ["13912345678", None, "", "   ", "N/A", "1391234", Damaged("139123456780000"), dt.date(2024, 1, 1)]


@pytest.mark.parametrize("action", ["mask", "pseudonymize", "encrypt", "hash", "redact"])
def test_messy_phone_column_counts_and_never_leaks(action: str) -> None:
    result = run(action, Kind.PHONE, list(MESSY))
    assert result.counts.blank == 3
    assert result.counts.damaged == 1
    assert result.counts.unparsed == (0 if action == "redact" else 3)
    assert result.counts.total == len(MESSY)
    assert result.values[1:4] == [None, "", "   "]  # blanks stay as they were
    for before, after in zip(MESSY, result.values, strict=True):
        if before not in (None, "", "   "):
            assert after != before, action
            assert str(before) not in str(after), action


def test_fallback_forms() -> None:
    assert run("mask", Kind.PHONE, ["N/A"]).values == ["****"]
    token = run("pseudonymize", Kind.PHONE, ["N/A"]).values[0]
    assert isinstance(token, str) and token.startswith(FALLBACK_PREFIX) and len(token) == len(FALLBACK_PREFIX) + 10
    assert run("pseudonymize", Kind.PHONE, ["N/A"]).values[0] == token  # keyed and deterministic
    encrypted = run("encrypt", Kind.PHONE, ["N/A", Damaged("139123456780000")]).values
    assert all(isinstance(v, str) and v.startswith("ENC1:") for v in encrypted)
    assert run("generalize", Kind.ADDRESS, ["幸福路12号"]).values == ["[无法归类]"]


def test_operators_never_mutate_their_input() -> None:
    values = ["13912345678", "N/A", None]
    frozen = list(values)
    for action in ("mask", "pseudonymize", "encrypt", "hash", "redact", "drop", "keep"):
        result = run(action, Kind.PHONE, values)
        assert values == frozen
        assert result.values is not values


def test_free_text_without_pii_is_clean() -> None:
    for action in ("mask", "pseudonymize"):
        result = run(action, Kind.FREE_TEXT, ["已抄表，无异常", None])
        assert result.values == ["已抄表，无异常", None]
        assert result.counts == Counts(blank=1, clean=1)


# --- pseudonymize -------------------------------------------------------------------------------


def test_pseudonymize_keeps_formatting_and_cell_type() -> None:
    plain, dashed, spaced, number = run(
        "pseudonymize", Kind.PHONE, ["13912345678", "139-1234-5678", "+86 139 1234 5678", 13912345678]
    ).values
    assert isinstance(plain, str) and plain != "13912345678"
    assert dashed == f"{plain[:3]}-{plain[3:7]}-{plain[7:]}"
    assert spaced == f"+86 {plain[:3]} {plain[3:7]} {plain[7:]}"
    assert number == int(plain)


def test_pseudonymize_keeps_the_fixed_parts() -> None:
    meter, card, account, landline = (
        run("pseudonymize", Kind.METER_ID, ["3205001123456789012345"]).values[0],
        run("pseudonymize", Kind.BANK_CARD, [CARD19]).values[0],
        run("pseudonymize", Kind.ACCOUNT_NO, ["5123456789"]).values[0],
        run("pseudonymize", Kind.PHONE, ["0571-88886666"]).values[0],
    )
    assert isinstance(meter, str) and meter[:7] == "3205001" and len(meter) == 22
    assert isinstance(card, str) and card[:6] == "622202" and len(card) == 19
    assert isinstance(account, str) and account[0] == "5" and len(account) == 10
    assert isinstance(landline, str) and landline.startswith("0571-") and len(landline) == 13


def test_pseudonymize_text_kinds() -> None:
    name, short, titled = run("pseudonymize", Kind.PERSON_NAME, ["王小明", "张伟", "王先生"]).values
    assert isinstance(name, str) and len(name) in (3, 4)
    assert isinstance(short, str) and len(short) in (2, 3)
    assert isinstance(titled, str) and titled.endswith("先生")
    (email,) = run("pseudonymize", Kind.EMAIL, ["zhangsan@sgcc.com.cn"]).values
    assert isinstance(email, str) and "@" in email and "zhangsan" not in email
    (address,) = run("pseudonymize", Kind.ADDRESS, ["江苏省南京市玄武区中山路18号3栋2单元501室"]).values
    assert isinstance(address, str) and address.startswith("江苏省南京市玄武区") and "中山路18号" not in address


def test_pseudonymize_free_text_replaces_spans_only() -> None:
    (text,) = run("pseudonymize", Kind.FREE_TEXT, ["联系人王伟13912345678，请回电"]).values
    assert isinstance(text, str) and text.startswith("联系人") and text.endswith("，请回电")
    assert "13912345678" not in text and "王伟" not in text


def test_scope_and_kind_separate_tokens() -> None:
    other = OperatorContext("recipient:农业银行", KEYS)
    mine = run("pseudonymize", Kind.ACCOUNT_NO, ["5123456789"]).values
    theirs = run("pseudonymize", Kind.ACCOUNT_NO, ["5123456789"], ctx=other).values
    assert mine != theirs
    assert run("hash", Kind.ACCOUNT_NO, ["5123456789"]).values != run("hash", Kind.METER_ID, ["5123456789"]).values


def test_pseudonymize_and_encrypt_use_different_keys() -> None:
    assert run("pseudonymize", Kind.PHONE, ["13912345678"]).values != run("encrypt", Kind.PHONE, ["13912345678"]).values


# --- encrypt / decrypt ----------------------------------------------------------------------------


def test_encrypt_record_and_decrypt() -> None:
    operator = get_operator("encrypt", Kind.PHONE)
    assert isinstance(operator, EncryptOperator)
    record = operator.record(CTX)
    assert record.key_id == "KTEST01" and record.kind is Kind.PHONE and record.format.startswith("fpe1-")
    assert EncryptionRecord.from_dict(record.as_dict()) == record
    values = ["13912345678", "139-1234-5678", "N/A", None, 13912345678]
    encrypted = operator.apply_batch(values, CTX).values
    decrypted = operator.decrypt_batch(encrypted, CTX, record)
    assert decrypted.values == values
    assert decrypted.counts == Counts(transformed=4, blank=1)


def test_decrypt_refuses_a_wrong_key_and_counts_tampering() -> None:
    operator = get_operator("encrypt", Kind.PERSON_NAME)
    assert isinstance(operator, EncryptOperator)
    record = operator.record(CTX)
    other = OperatorContext(CTX.scope, KeyMaterial("KOTHER", b"q" * 32, b"f" * 32, b"i" * 32))
    with pytest.raises(KeyProblem):
        operator.decrypt_batch(["x"], other, record)
    (token,) = operator.apply_batch(["王小明"], CTX).values
    assert isinstance(token, str)
    tampered = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    result = operator.decrypt_batch([tampered, "plain"], CTX)
    assert result.values == [tampered, "plain"]
    assert result.counts == Counts(unparsed=1, failed=1)
    with pytest.raises(OperatorError, match="kind or scope"):
        operator.decrypt_batch([token], OperatorContext("org", KEYS), record)


def test_encrypted_text_does_not_decrypt_under_another_scope() -> None:
    operator = get_operator("encrypt", Kind.EMAIL)
    assert isinstance(operator, EncryptOperator)
    (token,) = operator.apply_batch(["a@b.cn"], CTX).values
    result = operator.decrypt_batch([token], OperatorContext("org", KEYS))
    assert result.counts.failed == 1


# --- hash, generalize, redact, drop, keep ---------------------------------------------------------


def test_hash_is_keyed_hex_and_normalised() -> None:
    a, b, c = run("hash", Kind.PHONE, ["13912345678", "139 1234 5678", "13912345679"]).values
    assert a == b != c
    assert isinstance(a, str) and len(a) == 64 and int(a, 16) >= 0
    assert run("hash", Kind.PHONE, ["13912345678"], HashParams(length=16)).values == [a[:16]]


def test_generalize() -> None:
    values = [dt.date(2024, 11, 3), dt.datetime(2023, 1, 2, 3, 4), "2024/11/03", "2024年1月5日", 153.5, 99, "abc"]
    result = run("generalize", None, values)
    assert result.values == ["2024-11", "2023-01", "2024-11", "2024-01", "100-200", "0-100", "[无法归类]"]
    assert result.counts == Counts(transformed=6, unparsed=1)
    assert run("generalize", None, [dt.date(2024, 11, 3)], GeneralizeParams(date_level="year")).values == ["2024"]
    assert run("generalize", None, [1234], GeneralizeParams(band_width=1000)).values == ["1000-2000"]
    assert run("generalize", Kind.ID_NUMBER, [ID18]).values == ["1940-1949"]
    assert run("generalize", Kind.ADDRESS, ["北京朝阳区建国路1号"]).values == ["北京朝阳区"]


def test_redact_drop_keep() -> None:
    assert run("redact", Kind.PHONE, ["13912345678", None]).values == ["[已隐藏]", None]
    assert run("redact", Kind.PHONE, ["x"], RedactParams(text="***")).values == ["***"]
    dropped = get_operator("drop", Kind.SECRET)
    assert dropped.removes_column and dropped.apply_batch(["pw"], CTX).values == [None]
    assert run("keep", Kind.METER_ID, ["1", None]).counts == Counts(transformed=1, blank=1)


# --- registry, validation, keys --------------------------------------------------------------------


def test_registry_covers_every_action() -> None:
    assert set(OPERATORS) == set(Action)
    assert all(cls.action is action for action, cls in OPERATORS.items())


@pytest.mark.parametrize(
    ("action", "kind", "params", "message"),
    [
        ("generalize", Kind.PHONE, None, "generalize is not available for phone"),
        ("pseudonymize", Kind.SECRET, None, "pseudonymize is not available for secret"),
        ("pseudonymize", None, None, "pseudonymize is not available for a column of unknown kind"),
        ("mask", Kind.PHONE, MaskParams(char="ab"), "mask character"),
        ("mask", Kind.PHONE, MaskParams(char="1"), "mask character"),
        ("mask", Kind.PHONE, MaskParams(keep_first=-1), "keep_first"),
        ("mask", Kind.PERSON_NAME, MaskParams(name_style="first"), "name_style"),
        ("hash", Kind.PHONE, HashParams(length=8), "hash length"),
        ("redact", Kind.PHONE, RedactParams(text=" "), "redact text"),
        ("generalize", None, GeneralizeParams(date_level="day"), "date_level"),
        ("generalize", None, GeneralizeParams(band_width=0), "band_width"),
        ("mask", Kind.PHONE, HashParams(), "MaskParams"),
        ("shred", Kind.PHONE, None, "unknown action"),
        ("mask", "telephone", None, "unknown kind"),
    ],
)
def test_validate_refuses(action: str, kind: object, params: object, message: str) -> None:
    with pytest.raises(OperatorError, match=message) as info:
        get_operator(action, kind, params)  # type: ignore[arg-type]
    assert isinstance(info.value, UsageError) and isinstance(info.value, ValueError)
    assert "\n" not in str(info.value)


def test_params_from_dict() -> None:
    assert params_from_dict("mask", {"keep_first": 2, "char": "#"}) == MaskParams(keep_first=2, char="#")
    assert params_from_dict("generalize", {"band_width": 50}) == GeneralizeParams(band_width=50)
    with pytest.raises(OperatorError, match="no parameter"):
        params_from_dict("mask", {"keep": 2})
    with pytest.raises(OperatorError, match="wrong type"):
        params_from_dict("hash", {"length": "16"})
    with pytest.raises(OperatorError, match="wrong type"):
        params_from_dict("mask", {"keep_first": True})


def test_keyed_operators_need_keys_and_a_scope() -> None:
    with pytest.raises(OperatorError, match="needs key material"):
        run("pseudonymize", Kind.PHONE, ["13912345678"], ctx=OperatorContext("org"))
    with pytest.raises(OperatorError, match="scope"):
        OperatorContext(" ", KEYS)
    with pytest.raises(OperatorError, match="at least 16 bytes"):
        KeyMaterial("K", b"short", b"e" * 32, b"h" * 32)
    assert "p" * 8 not in repr(KEYS)


def test_key_material_from_the_key_ring() -> None:
    from masking.keys import MasterKey

    master = MasterKey("KABC", "2026-01-01", os.urandom(32))
    material = KeyMaterial.from_master(master)
    assert material.key_id == "KABC" and material.encrypt == master.subkey("encrypt")


def test_messages_name_no_values() -> None:
    operator = get_operator("encrypt", Kind.PHONE)
    assert isinstance(operator, EncryptOperator)
    record = EncryptionRecord(Kind.PHONE, "KTEST01", CTX.scope, "fpe0")
    with pytest.raises(OperatorError) as info:
        operator.decrypt_batch(["13912345678"], CTX, record)
    assert "13912345678" not in str(info.value)


# --- helpers ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "prefix"),
    [
        ("江苏省南京市玄武区中山路18号", "江苏省南京市玄武区"),
        ("北京市朝阳区建国路1号", "北京市朝阳区"),
        ("南京玄武区珠江路1号", "南京玄武区"),
        ("中山路12号", ""),
        ("东莞市南城街道", "东莞市"),
    ],
)
def test_region_prefix(address: str, prefix: str) -> None:
    assert split_region_prefix(address)[0] == prefix


def test_ff1_plan_is_tight_and_prefers_radix_10() -> None:
    assert ff1_plan(10**14) == (10, 14)
    radix, length = ff1_plan(53 * 10**8)
    assert 53 * 10**8 <= radix**length < 1.2 * 53 * 10**8
    with pytest.raises(ValueError, match="1,000,000"):
        ff1_plan(999_999)


def test_free_text_masking_remembers_repeats_without_changing_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    from masking.operators import mask as mask_module

    texts = ["低保户减免", "联系人张先生13912345678", None, "低保户减免", "备用电话：025-41120347", "表计更换"] * 5
    remembered = get_operator(Action.MASK, Kind.FREE_TEXT).apply_batch(texts, CTX)
    monkeypatch.setattr(mask_module, "_FREE_TEXT_CACHE", 1)  # cleared before every new text
    fresh = get_operator(Action.MASK, Kind.FREE_TEXT).apply_batch(texts, CTX)
    assert remembered == fresh
    assert remembered.values[1] == "联系人张**139****5678" and remembered.counts.transformed == 10
