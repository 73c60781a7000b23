"""Values that stay valid, judged by independent oracles: libphonenumber (``phonenumbers``) for
mobiles and python-stdnum's ``cn.ric`` for resident IDs; names against a reference list of the
surnames in common use; bank-card masks keep length and grouping; decrypt restores the text exactly.

Each oracle test prints its figure (``pytest -s`` shows them; bench/README.md records them).
"""

from __future__ import annotations

import random
import re
import unicodedata

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from phonenumbers import PhoneNumberType
from stdnum.cn import ric

from masking import synth
from masking.checksums import id_check_char
from masking.kinds import Kind
from masking.name_address import split_chinese_name
from masking.numbering import PrefixUse, mobile_prefixes
from masking.operators import KeyMaterial, OperatorContext, get_operator

KEYS = KeyMaterial("KTEST01", b"p" * 32, b"e" * 32, b"h" * 32)
CTX = OperatorContext("recipient:城东代收银行", KEYS)
ACTIONS = ("pseudonymize", "encrypt")

# The surnames of the national ranking's top 300 and the ones the issue found rejected: the oracle
# list is written out here, not read from masking/data, so that a surname dropped from the data fails.
REFERENCE_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩邓冯曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任卢姚沈钟姜崔"
    "谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严莫孔向常汤康易乔赖文施洪牛樊"
    "葛邢安齐伍庞颜倪温芦俞章鲁柳岳殷聂申耿关兰焦左柴包宁尚欧穆梅艾翟庄詹甘祝阮舒柯纪童凌毕单季裴霍涂成苗谷盛曲翁"
    "冉骆蓝路游辛靳管蒙鲍华喻祁蒲房滕屈饶解牟尤阳时农司卓古吉缪简车项连麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟"
    "应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳"
    "谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支卿国狄平计索宣晋相初门云容敬来扈晁芮都普"
    "阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓修邰赫杭况那宿鲜印逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉冶斯元束檀"
    "衣信展阴昝智幸奉植衡富尧闭由阎萧符"
)
REFERENCE_COMPOUNDS = ("欧阳", "上官", "司马", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "夏侯", "司徒")


def _apply(action: str, kind: Kind, values: list[str]) -> list[object]:
    return list(get_operator(action, kind, None).apply_batch(values, CTX).values)


def _valid_mobile(text: str) -> bool:
    number = phonenumbers.parse(text, "CN")
    return phonenumbers.is_valid_number(number) and phonenumbers.number_type(number) in (
        PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE)


def _originals_mobile(count: int) -> list[str]:
    """Mobiles as a customer list holds them: voice prefixes, and the data-card 145/147 ranges."""
    rng = random.Random(13)
    data = [p.prefix for p in mobile_prefixes() if p.use is PrefixUse.DATA]
    out = [synth.fake_mobile(rng) for _ in range(count)]
    out += [rng.choice(data) + f"{rng.randrange(10**8):08d}" for _ in range(count // 10)]
    return out


SIZES = [5_000, pytest.param(20_000, marks=pytest.mark.slow)]


@pytest.mark.parametrize("count", SIZES)
def test_every_pseudonymized_or_encrypted_mobile_is_valid_for_libphonenumber(count: int) -> None:
    originals = _originals_mobile(count)
    assert all(_valid_mobile(m) for m in originals)  # the oracle agrees with the inputs
    for action in ACTIONS:
        results = _apply(action, Kind.PHONE, originals)
        valid = sum(isinstance(r, str) and len(r) == 11 and _valid_mobile(r) for r in results)
        data_kept = sum(r[:3] in ("145", "147") for o, r in zip(originals, results, strict=True)
                        if isinstance(r, str) and o[:3] in ("145", "147"))
        print(f"\n[oracle libphonenumber] {action}: {valid}/{len(results)} mobiles valid "
              f"({100 * valid / len(results):.2f}%); 145/147 originals kept in their class: {data_kept}")
        assert valid == len(results)


def test_iot_and_satellite_mobiles_get_the_fallback_not_an_unallocated_number() -> None:
    results = _apply("pseudonymize", Kind.PHONE, ["14612345678", "14812345678", "17491234567"])
    assert all(isinstance(r, str) and r.startswith("[无效]") for r in results)


def _ric_valid(number: str) -> bool:
    try:
        return bool(ric.is_valid(number))
    except KeyError:  # stdnum 2.2 raises for a code it knows as a province or city only (460323)
        return False


def _stdnum_ids(count: int) -> list[str]:
    """IDs as real people hold them: synthetic, kept only where stdnum accepts the original."""
    rng = random.Random(17)
    out: list[str] = []
    while len(out) < count:
        candidate = synth.fake_id_number(rng)
        if _ric_valid(candidate):
            out.append(candidate)
    return out


@pytest.mark.parametrize("count", SIZES)
def test_id_pseudonyms_are_valid_for_stdnum_and_keep_sex_and_region(count: int) -> None:
    originals = _stdnum_ids(count)
    for action in ACTIONS:
        results = [str(r) for r in _apply(action, Kind.ID_NUMBER, originals)]
        valid = sum(_ric_valid(r) for r in results)
        parity = sum(int(o[16]) % 2 == int(r[16]) % 2 for o, r in zip(originals, results, strict=True))
        region = sum(o[:6] == r[:6] for o, r in zip(originals, results, strict=True))
        changed = sum(o != r for o, r in zip(originals, results, strict=True))
        print(f"\n[oracle stdnum cn.ric] {action}: {valid}/{len(results)} valid ({100 * valid / len(results):.2f}%), "
              f"sex parity kept {parity}, region kept {region}, changed {changed}")
        assert valid >= 0.999 * len(results)
        assert parity == region == changed == len(results)


def test_id_scalar_and_batch_paths_agree_and_15_digit_ids_keep_parity() -> None:
    originals = _stdnum_ids(300)
    batch = _apply("pseudonymize", Kind.ID_NUMBER, originals)
    one_by_one = [_apply("pseudonymize", Kind.ID_NUMBER, [o])[0] for o in originals[:20]]
    assert one_by_one == batch[:20]
    old = [o[:6] + o[8:14] + o[14:17] for o in originals if o[6:8] == "19"]  # the 15-digit form (born 19xx)
    results = [str(r) for r in _apply("pseudonymize", Kind.ID_NUMBER, old)]
    assert all(len(r) == 15 and r[:6] == o[:6] and int(r[14]) % 2 == int(o[14]) % 2
               for o, r in zip(old, results, strict=True))
    encrypt = get_operator("encrypt", Kind.ID_NUMBER)
    assert list(encrypt.decrypt_batch(encrypt.apply_batch(old, CTX).values, CTX).values) == old


def test_ids_of_a_region_code_outside_its_years_decrypt_and_stay_outside() -> None:
    # 110112 (通州区) is in use from 1997 on: an ID of 1960 keeps to the years outside, and comes back
    first17 = "11011219600101123"
    original = first17 + id_check_char(first17)
    encrypt = get_operator("encrypt", Kind.ID_NUMBER)
    token = str(encrypt.apply_batch([original], CTX).values[0])
    assert int(token[6:10]) < 1997 and token[:6] == "110112"
    assert encrypt.decrypt_batch([token], CTX).values == [original]


def _names(count: int) -> list[str]:
    rng = random.Random(19)
    given_chars = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华玉兰平刚桂"
    surnames = [*REFERENCE_SURNAMES, *REFERENCE_COMPOUNDS]
    return [rng.choice(surnames) + "".join(rng.choice(given_chars) for _ in range(rng.choice((1, 2))))
            for _ in range(count)]


def test_names_with_every_common_surname_parse_mask_and_pseudonymize() -> None:
    names = [s + "晓明" for s in REFERENCE_SURNAMES] + [s + "明" for s in REFERENCE_COMPOUNDS] + _names(5_000)
    rejected = [n for n in names if split_chinese_name(n) is None]
    masked = _apply("mask", Kind.PERSON_NAME, names)
    stars = sum(m == "****" or not isinstance(m, str) for m in masked)
    pseudonyms = _apply("pseudonymize", Kind.PERSON_NAME, names)
    not_names = sum(not isinstance(p, str) or split_chinese_name(p) is None for p in pseudonyms)
    print(f"\n[names] {len(names)} names over {len(REFERENCE_SURNAMES) + len(REFERENCE_COMPOUNDS)} surnames: "
          f"rejected by the parser {len(rejected)} ({100 * len(rejected) / len(names):.2f}%), masked to **** {stars}, "
          f"pseudonyms that are not names {not_names}")
    assert len(rejected) <= 0.002 * len(names) and stars <= 0.002 * len(names) and not_names == 0
    assert all(m.startswith(n[:1]) for n, m in zip(names, masked, strict=True) if isinstance(m, str))


def test_everyday_words_are_not_read_as_names_on_their_own() -> None:
    from masking.kinds import person_name_strength

    for word in ("和平", "国家", "平均", "成功", "时间", "明细", "公司"):
        assert person_name_strength(word) == 0.0
    assert person_name_strength("庄晓明") == 1.0 and person_name_strength("翁芳") == 1.0


def _cards(count: int) -> list[str]:
    rng = random.Random(23)
    return [synth.fake_bank_card(rng) for _ in range(count)]


def _grouped(card: str) -> str:
    return " ".join(card[i:i + 4] for i in range(0, len(card), 4))


def test_bank_card_masks_keep_length_and_grouping() -> None:
    cards = _cards(2_000)
    lengths = {len(c) for c in cards}
    assert lengths >= {16, 19}
    for form in (lambda c: c, _grouped, lambda c: _grouped(c).replace(" ", "-")):
        written = [form(c) for c in cards]
        masked = [str(m) for m in _apply("mask", Kind.BANK_CARD, written)]
        kept = sum(len(m) == len(w) and re.sub(r"[\d*]", "#", m) == re.sub(r"\d", "#", w)
                   and m[:4] == w[:4] and m[-4:] == w[-4:] for w, m in zip(written, masked, strict=True))
        print(f"\n[bank cards] {form(cards[0])[:9]}...: {kept}/{len(cards)} masks keep length and grouping "
              f"(lengths {sorted(lengths)})")
        assert kept == len(cards)


_WIDE = str.maketrans("0123456789", "０１２３４５６７８９")


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(_originals_mobile(50)),
    st.sampled_from(["", " ", "　", "-", "－", "—", "‐"]),
    st.booleans(),
    st.sampled_from(["", "+86 ", "＋８６ ", " "]),
)
def test_decrypt_restores_the_original_text_exactly(mobile: str, separator: str, wide: bool, prefix: str) -> None:
    text = prefix + separator.join((mobile[:3], mobile[3:7], mobile[7:]))
    if wide:
        text = text.translate(_WIDE)
    operator = get_operator("encrypt", Kind.PHONE)
    token = operator.apply_batch([text], CTX).values[0]
    assert isinstance(token, str) and token != text
    assert unicodedata.normalize("NFKC", token) != unicodedata.normalize("NFKC", text)
    assert operator.decrypt_batch([token], CTX).values == [text]


@pytest.mark.parametrize("kind, text", [
    (Kind.ID_NUMBER, "１１０１０５１９４９１２３１００２Ｘ"),  # (a lower-case x comes back upper-case)
    (Kind.BANK_CARD, "６２２２　０２１２　３４５６　７８９０　１２８"),
    (Kind.METER_ID, "３２０５０－０１－１２３４５６７８９０１２３４－５"),
])
def test_decrypt_restores_full_width_ids_cards_and_meters(kind: Kind, text: str) -> None:
    operator = get_operator("encrypt", kind)
    token = operator.apply_batch([text], CTX).values[0]
    assert token != text
    assert operator.decrypt_batch([token], CTX).values == [text]
