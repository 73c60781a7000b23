"""Fictitious but format-valid customers of a power utility branch office.

Every identifier passes the checks real ones pass (carrier prefix, GS1 and Luhn check digits, a
resident ID with a real region code, a real birth date and its MOD 11-2 check character), yet the
people do not exist. Used for the bundled samples, for benchmarks and, through the single-field
helpers, for watermark canary rows.

Randomness is ``random.Random(seed)``: reproducible by design, never used for keys or marks.
Generation streams: ``customers(1_000_000, seed)`` holds one customer at a time.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache

from masking.checksums import gs1_check_digit, id_check_char, luhn_check_digit
from masking.namedata import given_name_chars as _given_name_chars
from masking.namedata import surnames
from masking.numbering import PrefixUse, area_code_for, card_issuers, mobile_prefixes
from masking.regions import Region, regions_under, residence_regions

# Kinds as the CLI contract names them; only the ones that occur inside a remark are needed here.
PHONE = "phone"
PERSON_NAME = "person_name"


@dataclass(frozen=True, slots=True)
class Branch:
    """A branch office: where its customers live and how it numbers accounts and meters."""

    name: str            # 南京供电公司城东营业厅
    account_prefix: str  # first digit of its 10-digit account numbers
    unit_code: str       # 5-digit unit code at the start of its meter asset numbers
    city_prefix: str     # first 4 digits of the GB/T 2260 codes of its districts
    area_code: str       # landline area code of its city


BRANCHES = (
    Branch("南京供电公司城东营业厅", "3", "32101", "3201", "025"),
    Branch("北京朝阳供电公司望京营业厅", "7", "11102", "1101", "010"),
    Branch("深圳供电局福田营业厅", "7", "44301", "4403", "0755"),
    Branch("上海浦东供电公司张江营业厅", "3", "31105", "3101", "021"),
)


@dataclass(frozen=True, slots=True)
class Embedded:
    """A piece of PII inside free text: its kind and its text (digits only for numbers)."""

    kind: str
    text: str


@dataclass(frozen=True, slots=True)
class Customer:
    account_no: str            # 户号: 10 digits
    name: str                  # 户名
    mobile: str                # 11 digits
    landline: str | None       # "025-84561234"
    meter_id: str              # 电能表资产编号: 22 digits, GS1 check digit last
    id_number: str             # 身份证号码: 18 characters
    bank_card: str             # 16 or 19 digits, Luhn
    address: str               # 用电地址
    address_region: str        # GB/T 2260 code of the address's district
    email: str | None
    service_password: str      # 服务密码: 6 digits
    usage_kwh: float           # 本月电量
    arrears: float             # 欠费金额, 2 decimals
    reading_date: dt.date      # 抄表日期
    remark: str                # 备注, free text
    remark_pii: tuple[Embedded, ...]  # what in ``remark`` is sensitive (full names, phone numbers)


def make_rng(seed: int) -> random.Random:
    """The generator every helper here takes: deterministic for a seed, not for secrets."""
    return random.Random(seed)


# --- reference tables, prepared once -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Tables:
    single_surnames: tuple[str, ...]
    single_cum: tuple[float, ...]
    compound_surnames: tuple[str, ...]
    compound_cum: tuple[float, ...]
    given: tuple[str, ...]
    voice_prefixes: tuple[str, ...]
    card_bins: tuple[tuple[str, int], ...]
    id_regions: tuple[str, ...]


def _cumulative(weights: Sequence[float]) -> tuple[float, ...]:
    return tuple(itertools.accumulate(weights))


@cache
def _tables() -> _Tables:
    # surnames that are everyday words (和, 国) make names a reader would not take for names on their own
    single = [s for s in surnames() if not s.compound and not s.word]
    compound = [s for s in surnames() if s.compound]
    return _Tables(
        single_surnames=tuple(s.text for s in single),
        single_cum=_cumulative([s.per_10k for s in single]),
        compound_surnames=tuple(s.text for s in compound),
        compound_cum=_cumulative([s.per_10k for s in compound]),
        given=_given_name_chars(),
        voice_prefixes=tuple(p.prefix for p in mobile_prefixes() if p.use is PrefixUse.VOICE),
        card_bins=tuple((c.bin, c.length) for c in card_issuers()),
        id_regions=tuple(r.code for r in residence_regions()),
    )


def _weighted(rng: random.Random, items: Sequence[str], cum: Sequence[float]) -> str:
    return items[bisect.bisect(cum, rng.random() * cum[-1])]


def _pick(rng: random.Random, items: Sequence[str]) -> str:
    return items[int(rng.random() * len(items))]


def _digits(rng: random.Random, count: int) -> str:
    """``count`` random decimal digits (count <= 15, within a double's exact integers)."""
    return f"{int(rng.random() * 10**count):0{count}d}"


# --- single fields ---------------------------------------------------------------------------------

COMPOUND_SURNAME_RATE = 0.02  # far above the real rate, so that small samples contain some


def fake_surname(rng: random.Random) -> str:
    tables = _tables()
    if rng.random() < COMPOUND_SURNAME_RATE:
        return _weighted(rng, tables.compound_surnames, tables.compound_cum)
    return _weighted(rng, tables.single_surnames, tables.single_cum)


def fake_name(rng: random.Random) -> str:
    """A surname (1-2 characters) and a given name (1-2 characters): 王芳, 李建国, 欧阳晓明."""
    given = _tables().given
    surname = fake_surname(rng)
    if rng.random() < 0.25:
        return surname + _pick(rng, given)
    return surname + _pick(rng, given) + _pick(rng, given)


def fake_mobile(rng: random.Random) -> str:
    """11 digits under a voice prefix some carrier holds."""
    return _pick(rng, _tables().voice_prefixes) + _digits(rng, 8)


def fake_landline(rng: random.Random, area_code: str = "010") -> str:
    """``"010-62345678"``: an area code, a dash and a local number of that city's length, whose
    first digit is 2-8 (0 and 1 start long-distance and service numbers)."""
    entry = area_code_for(area_code)
    local_digits = entry.local_digits if entry is not None else 8
    first = str(2 + int(rng.random() * 7))
    return f"{area_code}-{first}{_digits(rng, local_digits - 1)}"


METER_ASSET_TYPES = ("01", "02", "03")  # single-phase, three-phase, collector terminal
_BRANCH_UNITS = tuple(branch.unit_code for branch in BRANCHES)


def fake_meter_id(rng: random.Random, unit_code: str | None = None) -> str:
    """22 digits: 5-digit unit code, 2-digit asset type, 14-digit serial, GS1 mod-10 check digit."""
    unit = unit_code if unit_code is not None else _pick(rng, _BRANCH_UNITS)
    if len(unit) != 5 or not unit.isdigit():
        raise ValueError("a meter unit code is 5 digits")
    payload = unit + _pick(rng, METER_ASSET_TYPES) + _digits(rng, 14)
    return payload + gs1_check_digit(payload)


@cache
def _id_region_codes(prefix: str) -> tuple[str, ...]:
    return tuple(r.code for r in regions_under(prefix)) or _tables().id_regions


BIRTH_YEARS = (1940, 2005)


@cache
def _birth_dates() -> tuple[str, ...]:
    """Every date of birth an ID may carry, as YYYYMMDD (about 24,000 strings, built once)."""
    first = dt.date(BIRTH_YEARS[0], 1, 1).toordinal()
    last = dt.date(BIRTH_YEARS[1], 12, 31).toordinal()
    return tuple(dt.date.fromordinal(day).strftime("%Y%m%d") for day in range(first, last + 1))


def fake_id_number(rng: random.Random, region_prefix: str = "") -> str:
    """An 18-character resident ID: a real residence region (under ``region_prefix`` when one is
    given and known), a birth date in 1940-2005, a 3-digit sequence, the MOD 11-2 check character
    (``X`` about one time in eleven)."""
    first17 = (
        _pick(rng, _id_region_codes(region_prefix))
        + _pick(rng, _birth_dates())
        + f"{1 + int(rng.random() * 999):03d}"
    )
    return first17 + id_check_char(first17)


def fake_bank_card(rng: random.Random) -> str:
    """A UnionPay card number of a real issuer, 16 or 19 digits, Luhn check digit last."""
    bins = _tables().card_bins
    bin_, length = bins[int(rng.random() * len(bins))]
    middle = length - 7
    body = bin_ + (_digits(rng, middle) if middle <= 15 else _digits(rng, 6) + _digits(rng, middle - 6))
    return body + luhn_check_digit(body)


_ROAD_STEMS = (
    "中山", "解放", "人民", "建设", "和平", "长江", "黄河", "新华", "胜利", "文化", "光明", "团结",
    "幸福", "民主", "青年", "友谊", "东风", "红旗", "花园", "学府", "科技", "创业", "湖滨", "滨江",
    "迎宾", "康宁", "翠竹", "梧桐", "丹桂", "凤凰", "金桥", "银河", "锦绣", "望江", "龙华", "春晖",
)
_ROAD_KINDS = ("路", "路", "路", "街", "大道", "东路", "西路", "南路", "北路")
_ESTATES = ("阳光", "金色", "翠苑", "名都", "锦园", "华庭", "御景", "怡和", "碧水", "新城", "东方", "丽景")
_ESTATE_KINDS = ("小区", "花园", "家园", "公寓", "苑")


def fake_address_in(rng: random.Random, region: Region) -> str:
    """A street address inside ``region``: 江苏省南京市玄武区中山路128号阳光小区5栋2单元301室."""
    return region.full_name + fake_street(rng)


def fake_street(rng: random.Random) -> str:
    """The part of an address after its district: 中山路128号阳光小区5栋2单元301室."""
    road = _pick(rng, _ROAD_STEMS) + _pick(rng, _ROAD_KINDS)
    number = 1 + int(rng.random() * 399)
    if rng.random() < 0.2:
        return f"{road}{number}号"
    estate = _pick(rng, _ESTATES) + _pick(rng, _ESTATE_KINDS)
    building = 1 + int(rng.random() * 30)
    unit = 1 + int(rng.random() * 4)
    floor = 1 + int(rng.random() * 18)
    room = floor * 100 + 1 + int(rng.random() * 4)
    return f"{road}{number}号{estate}{building}栋{unit}单元{room}室"


def fake_address(rng: random.Random, city_prefix: str = "") -> tuple[str, str]:
    """An address and the code of its district, in the city ``city_prefix`` ("3201") when known."""
    regions = regions_under(city_prefix) or residence_regions()
    region = regions[int(rng.random() * len(regions))]
    return fake_address_in(rng, region), region.code


_HANDLES = (
    "wang", "li", "zhang", "liu", "chen", "yang", "huang", "zhao", "wu", "zhou", "xu", "sun", "ma",
    "zhu", "hu", "guo", "he", "lin", "gao", "luo", "wei", "fang", "jun", "ming", "hua", "xiao",
    "ying", "lei", "tao", "hao", "jie", "yu", "xin", "jing", "ping", "qiang", "yan", "hong",
)
_MAIL_DOMAINS = ("163.com", "126.com", "qq.com", "sina.com", "139.com", "foxmail.com", "outlook.com")


def fake_email(rng: random.Random) -> str:
    """``"zhangwei1985@163.com"``, or a QQ number at qq.com."""
    domain = _pick(rng, _MAIL_DOMAINS)
    if domain == "qq.com":
        return f"{1 + int(rng.random() * 9)}{_digits(rng, 5 + int(rng.random() * 5))}@qq.com"
    handle = _pick(rng, _HANDLES) + _pick(rng, _HANDLES)
    suffix = str(1950 + int(rng.random() * 56)) if rng.random() < 0.6 else _digits(rng, 3)
    return f"{handle}{suffix}@{domain}"


def fake_service_password(rng: random.Random) -> str:
    return _digits(rng, 6)


def dashed_mobile(mobile: str) -> str:
    """``"138-1234-5678"``: how people write a mobile number in notes."""
    return f"{mobile[:3]}-{mobile[3:7]}-{mobile[7:]}"


_PLAIN_REMARKS = (
    "表计更换", "已电话通知", "欠费停电预警", "已缴清", "峰谷电价", "阶梯电价第二档", "户主已搬迁",
    "催费单已送达", "智能表远程费控", "光伏并网用户", "低保户减免", "电表箱锈蚀待修", "", "", "", "",
)


def fake_remark(rng: random.Random, area_code: str = "010") -> tuple[str, tuple[Embedded, ...]]:
    """A 备注 and the PII inside it. Most remarks carry none; some name a contact person or
    give a phone number, in the forms staff type them."""
    draw = rng.random()
    if draw < 0.62:
        return _pick(rng, _PLAIN_REMARKS), ()
    mobile = fake_mobile(rng)
    honorific = "先生" if rng.random() < 0.5 else "女士"
    if draw < 0.72:
        return f"联系人{fake_surname(rng)}{honorific}{mobile}", (Embedded(PHONE, mobile),)
    if draw < 0.80:
        return f"租户{fake_surname(rng)}{honorific} {dashed_mobile(mobile)}", (Embedded(PHONE, mobile),)
    if draw < 0.86:
        landline = fake_landline(rng, area_code)
        return f"备用电话：{landline}", (Embedded(PHONE, landline.replace("-", "")),)
    name = fake_name(rng)
    if draw < 0.93:
        return f"代缴人：{name}", (Embedded(PERSON_NAME, name),)
    return (
        f"联系人{name}，电话{mobile}，白天不在家",
        (Embedded(PERSON_NAME, name), Embedded(PHONE, mobile)),
    )


# --- whole customers -------------------------------------------------------------------------------

# Account numbers are an affine permutation of the row index over 10**9: distinct for every row of
# a stream without remembering any of them. The multiplier is coprime to 10.
_ACCOUNT_SPACE = 10**9
_ACCOUNT_MULTIPLIER = 387_420_489  # 3**18


def customers(
    n: int,
    seed: int,
    *,
    branch: Branch = BRANCHES[0],
    reading_month: dt.date = dt.date(2024, 11, 1),
) -> Iterator[Customer]:
    """``n`` customers of ``branch``, the same ones for the same arguments. Account numbers are
    distinct within one call (up to 10**9 rows). Lazy: holds one customer at a time. Raises
    ValueError at once (not at the first ``next``) for an impossible ``n``."""
    if n < 0:
        raise ValueError("n must not be negative")
    if n > _ACCOUNT_SPACE:
        raise ValueError("at most 10**9 customers have distinct account numbers")
    return _customers(n, seed, branch, reading_month)


def _customers(n: int, seed: int, branch: Branch, reading_month: dt.date) -> Iterator[Customer]:
    rng = make_rng(seed)
    rand = rng.random
    offset = int(rand() * _ACCOUNT_SPACE)
    home_province = branch.city_prefix[:2]
    days_in_month = 28
    for index in range(n):
        account = (index * _ACCOUNT_MULTIPLIER + offset) % _ACCOUNT_SPACE
        address, address_region = fake_address(rng, branch.city_prefix)
        home = rand()
        id_prefix = branch.city_prefix if home < 0.5 else home_province if home < 0.75 else ""
        remark, remark_pii = fake_remark(rng, branch.area_code)
        usage = round(math.exp(5.0 + 0.6 * rng.gauss()), 2) if rand() < 0.97 else 0.0
        arrears = round(0.5 + rand() * 800, 2) if rand() < 0.3 else 0.0
        yield Customer(
            account_no=f"{branch.account_prefix}{account:09d}",
            name=fake_name(rng),
            mobile=fake_mobile(rng),
            landline=fake_landline(rng, branch.area_code) if rand() < 0.3 else None,
            meter_id=fake_meter_id(rng, branch.unit_code),
            id_number=fake_id_number(rng, id_prefix),
            bank_card=fake_bank_card(rng),
            address=address,
            address_region=address_region,
            email=fake_email(rng) if rand() < 0.4 else None,
            service_password=fake_service_password(rng),
            usage_kwh=usage,
            arrears=arrears,
            reading_date=reading_month.replace(day=1 + int(rand() * days_in_month)),
            remark=remark,
            remark_pii=remark_pii,
        )
