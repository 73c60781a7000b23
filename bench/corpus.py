"""A labelled corpus of columns for measuring column classification (bench/accuracy.py).

Every column is (shape, header, values, truth kind or None). Values come from masking.synth; this
module only arranges them into the shapes branch offices send: Chinese, English and unusual
headers, no header, numbers typed as numbers (what the reader yields for them: ``int``, or
``Damaged`` above 15 digits), messy values (blanks, 无, spaces, full-width digits, +86), and decoy
columns with many digits that are not PII (kWh readings, amounts, counts, dates, work orders).

Decisions, documented because they are judgement calls:
- 工单号 / 序号 / 流水号 (work orders, row numbers, transaction serials) identify things, not
  people: not PII when the header says so. Without a header a 10-digit work-order number cannot be
  told from a 户号, so the corpus has no headerless work orders (the detector calls such a column
  account_no with low confidence; protecting it is the safe error).
- Postal codes, tariff codes, voltage levels, 台区 names and branch names are not PII.
- A secret is a secret by its header only (six digits look like anything).
"""

from __future__ import annotations

import datetime as dt
import random
import string
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from masking import synth  # noqa: E402 (after the sys.path lines above)
from masking.checksums import id_check_char, luhn_valid  # noqa: E402
from masking.io.model import Damaged, Value  # noqa: E402


@dataclass(frozen=True, slots=True)
class LabelledColumn:
    shape: str
    header: str | None
    values: tuple[Value, ...]
    kind: str | None


ValueFn = Callable[[random.Random], Value]

_FULL_WIDTH = str.maketrans(string.digits, "０１２３４５６７８９")
_JUNK = ("无", "-", "", " ", "N/A", "暂无", None)


def _excel_cut(digits: str) -> Damaged:
    """What the reader yields for a long identifier typed into a number cell."""
    return Damaged(f"{float(digits):.15g}".split("e")[0].replace(".", "")[:15].ljust(len(digits), "0"))


_MOBILE_FORMS: tuple[tuple[float, Callable[[str], Value]], ...] = (
    (0.35, lambda m: m),
    (0.5, synth.dashed_mobile),
    (0.6, lambda m: f"+86 {m[:3]} {m[3:7]} {m[7:]}"),
    (0.7, lambda m: "86" + m),
    (0.8, lambda m: m.translate(_FULL_WIDTH)),
    (0.9, lambda m: f" {m} "),
    (1.0, int),
)


def _mobile_forms(rng: random.Random) -> Value:
    mobile = synth.fake_mobile(rng)
    roll = rng.random()
    return next(form for bound, form in _MOBILE_FORMS if roll < bound)(mobile)


def _phone_mixed(rng: random.Random) -> Value:
    return synth.fake_landline(rng, rng.choice(("010", "025", "0755", "021", "0571"))) if rng.random() < 0.3 else (
        synth.fake_mobile(rng)
    )


def _landline(rng: random.Random) -> Value:
    value = synth.fake_landline(rng, rng.choice(("010", "025", "0755", "021", "0931")))
    return value.replace("-", "") if rng.random() < 0.3 else value


def _account(rng: random.Random) -> str:
    return rng.choice("3789") + f"{rng.randrange(10**9):09d}"


def _long_account(rng: random.Random) -> str:
    return "0" + f"{rng.randrange(10**12):012d}"


def _id_forms(rng: random.Random) -> Value:
    number = synth.fake_id_number(rng)
    form = rng.random()
    if form < 0.8:
        return number
    if form < 0.9:
        return number.lower()
    return f"{number[:6]} {number[6:14]} {number[14:]}"


def _legacy_id(rng: random.Random) -> str:
    number = synth.fake_id_number(rng)
    if rng.random() < 0.3 and number[6:8] == "19":
        return number[:6] + number[8:17]
    return number


def _id_as_number(rng: random.Random) -> Value:
    number = synth.fake_id_number(rng)
    return Damaged(number[:15] + "000") if number[-1] != "X" else number


def _card_grouped(rng: random.Random) -> str:
    card = synth.fake_bank_card(rng)
    return " ".join(card[i : i + 4] for i in range(0, len(card), 4))


def _meter_as_number(rng: random.Random) -> Value:
    return _excel_cut(synth.fake_meter_id(rng))


def _latin_name(rng: random.Random) -> str:
    first = rng.choice(("John", "Mary", "David", "Linda", "James", "Susan", "Wei", "Li", "Ming", "Anna", "Peter"))
    last = rng.choice(("Smith", "Brown", "Wang", "Zhang", "Chen", "Taylor", "Miller", "Liu", "Johnson", "Lee"))
    return f"{first} {last}"


def _address(rng: random.Random) -> str:
    return synth.fake_address(rng)[0]


def _short_address(rng: random.Random) -> str:
    full = synth.fake_address(rng)[0]
    return full[full.find("区") + 1 :] if "区" in full else full


def _remark(rng: random.Random) -> str:
    return synth.fake_remark(rng, rng.choice(("010", "025")))[0]


def _remark_rich(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.5:
        return _remark(rng)
    if roll < 0.65:
        return f"客户身份证{synth.fake_id_number(rng)}已核验"
    if roll < 0.8:
        return f"发票寄到{synth.fake_email(rng)}"
    return rng.choice(("已处理", "待回访", "客户不在家", "表箱已更换", ""))


# --- decoys ---------------------------------------------------------------------------------------


def _kwh(rng: random.Random) -> Value:
    return round(rng.lognormvariate(5, 0.8), 2)


def _reading_12(rng: random.Random) -> Value:
    return rng.randrange(10**11, 10**12)


def _reading_varied(rng: random.Random) -> Value:
    return rng.randrange(0, 10 ** rng.randint(2, 9))


def _amount(rng: random.Random) -> Value:
    return round(rng.uniform(0, 5000), 2)


def _amount_big(rng: random.Random) -> Value:
    return round(rng.uniform(1e8, 1e10), 2)


def _amount_text(rng: random.Random) -> Value:
    return f"{rng.uniform(0, 99999):,.2f}"


def _count(rng: random.Random) -> Value:
    return rng.randint(0, 40)


def _date(rng: random.Random) -> Value:
    return dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(700))


def _datetime(rng: random.Random) -> Value:
    return dt.datetime(2024, 1, 1, 8) + dt.timedelta(minutes=rng.randrange(10**6))


def _date_text(rng: random.Random) -> Value:
    day = dt.date(2023, 1, 1) + dt.timedelta(days=rng.randrange(700))
    return rng.choice((day.isoformat(), day.strftime("%Y/%m/%d"), f"{day.year}年{day.month}月{day.day}日"))


def _date_int(rng: random.Random) -> Value:
    day = dt.date(2023, 1, 1) + dt.timedelta(days=rng.randrange(700))
    return int(day.strftime("%Y%m%d"))


def _timestamp_int(rng: random.Random) -> Value:
    moment = dt.datetime(2023, 1, 1) + dt.timedelta(seconds=rng.randrange(6 * 10**7))
    return int(moment.strftime("%Y%m%d%H%M%S"))


def _category(options: tuple[str, ...]) -> ValueFn:
    return lambda rng: rng.choice(options)


def _power_factor(rng: random.Random) -> Value:
    return round(rng.uniform(0.8, 1.0), 3)


def _percent(rng: random.Random) -> Value:
    return f"{rng.uniform(0, 100):.1f}%"


def _multiplier(rng: random.Random) -> Value:
    return rng.choice((1, 1, 1, 30, 40, 60, 80, 120))


def _postcode(rng: random.Random) -> Value:
    return f"{rng.choice(('210', '100', '518', '200'))}{rng.randrange(1000):03d}"


def _work_order(rng: random.Random) -> Value:
    return f"2024{rng.randrange(10**8):08d}"


def _transformer_area(rng: random.Random) -> Value:
    return f"{rng.choice(('城东', '幸福', '光明', '望江'))}{rng.randint(1, 30)}号台区"


def _branch(rng: random.Random) -> Value:
    return rng.choice([b.name for b in synth.BRANCHES])


def _age(rng: random.Random) -> Value:
    return rng.randint(18, 95)


def _time_text(rng: random.Random) -> Value:
    return f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}"


def _voltage(rng: random.Random) -> Value:
    return rng.choice(("220V", "380V", "10kV", "35kV"))


def _id_look_alike(rng: random.Random) -> Value:
    """18 digits that fail the check character: a bill serial, not an ID."""
    number = synth.fake_id_number(rng)
    wrong = "0123456789X".replace(id_check_char(number[:17]), "")
    return number[:17] + rng.choice(wrong[:10])


def _contact_mixed(rng: random.Random) -> Value:
    return synth.fake_email(rng) if rng.random() < 0.25 else synth.fake_mobile(rng)


def _holder_mixed(rng: random.Random) -> Value:
    if rng.random() < 0.3:
        return rng.choice(("南京", "江宁", "玄武", "栖霞")) + rng.choice(("宏达", "新纪元", "恒通")) + "科技有限公司"
    return synth.fake_name(rng)


def _sparse(make: ValueFn, share: float) -> ValueFn:
    return lambda rng: make(rng) if rng.random() < share else None


def _remark_rare(rng: random.Random) -> Value:
    if rng.random() < 0.06:
        return f"联系人{synth.fake_surname(rng)}女士{synth.fake_mobile(rng)}"
    return rng.choice(("表计更换", "已电话通知", "欠费停电预警", "已缴清", "峰谷电价", "催费单已送达"))


def _plain_remark(rng: random.Random) -> Value:
    return rng.choice(("表计更换", "已电话通知", "欠费停电预警", "已缴清", "峰谷电价", "阶梯电价第二档",
                       "户主已搬迁", "催费单已送达", "智能表远程费控", "光伏并网用户", "低保户减免", ""))


def _asset_code(rng: random.Random) -> Value:
    return f"ZJ-{rng.randint(2019, 2024)}-{rng.randrange(10**5):05d}"


def _meter_model(rng: random.Random) -> Value:
    return rng.choice(("DDZY102-Z", "DTZY341", "DDSY1088", "DTSD1296"))


def _serial_16(rng: random.Random) -> Value:
    while True:
        digits = "20" + f"{rng.randrange(10**14):014d}"
        if not luhn_valid(digits):
            return digits


def _order_12(rng: random.Random) -> Value:
    return "12" + f"{rng.randrange(10**9):09d}"


def _random_18(rng: random.Random) -> Value:
    return f"{rng.randrange(10**17, 10**18)}"


# (shape, truth kind, header choices, value function, messiness)
_SENSITIVE: list[tuple[str, str, tuple[str | None, ...], ValueFn]] = [
    ("mobile", "phone", ("手机", "手机号码", "联系电话", "移动电话", "Mobile", "Phone", "Tel.", "号码1", None),
     synth.fake_mobile),
    ("mobile-forms", "phone", ("联系方式", "电话号码", "Contact Tel", "联系号码", None), _mobile_forms),
    ("mobile-int", "phone", ("手机", "Mobile No", None), lambda rng: int(synth.fake_mobile(rng))),
    ("phone-mixed", "phone", ("联系电话", "电话", "Telephone", None), _phone_mixed),
    ("landline", "phone", ("固定电话", "座机", "办公电话", "Tel", None), _landline),
    ("meter", "meter_id", ("表号", "电能表资产编号", "资产编号", "Meter ID", "Meter No.", "表计条码", None),
     synth.fake_meter_id),
    ("meter-number", "meter_id", ("电能表资产编号", "Meter ID", None), _meter_as_number),
    ("account", "account_no", ("户号", "用户编号", "客户号码", "客户编号", "Account No", "Customer ID", "用电户号"),
     _account),
    ("account-int", "account_no", ("户号", "Account", "用户号"), lambda rng: int(_account(rng))),
    ("account-noheader", "account_no", (None,), _account),
    ("account-long", "account_no", ("客户代码", "Customer No", None), _long_account),
    ("id", "id_number", ("证件号", "身份证号码", "证件号码", "ID Card No.", "公民身份号码", None), _id_forms),
    ("id-legacy", "id_number", ("身份证", "ID Number", None), _legacy_id),
    ("id-number-cell", "id_number", ("身份证号码", "证件号", None), _id_as_number),
    ("id-misleading", "id_number", ("备注", "编号", "Other"), synth.fake_id_number),
    ("card", "bank_card", ("银行卡号", "扣款账号", "代扣卡号", "Card No", "Bank Account", None),
     synth.fake_bank_card),
    ("card-grouped", "bank_card", ("银行卡", "Card Number", None), _card_grouped),
    ("name", "person_name", ("户名", "姓名", "客户姓名", "联系人", "Name", "Customer Name", None),
     synth.fake_name),
    ("name-latin", "person_name", ("Name", "Contact Name", "Full Name"), _latin_name),
    ("address", "address", ("用电地址", "地址", "住址", "通讯地址", "Address", None), _address),
    ("address-short", "address", ("装表地址", "Address", None), _short_address),
    ("email", "email", ("邮箱", "电子邮箱", "Email", "E-mail", None), synth.fake_email),
    ("secret", "secret", ("服务密码", "查询密码", "密码", "Password", "PIN"),
     synth.fake_service_password),
    ("remark", "free_text", ("备注", "Remarks", "说明", "处理意见", None), _remark),
    ("remark-rich", "free_text", ("备注", "Notes", None), _remark_rich),
    ("remark-rare", "free_text", ("备注", "Memo", None), _remark_rare),
    ("contact-mixed", "phone", ("联系方式", "Contact", None), _contact_mixed),
    ("holder-mixed", "person_name", ("户名", "用户名称", "Account Name"), _holder_mixed),
    ("mobile-sparse", "phone", ("备用手机", "Mobile 2", None), _sparse(synth.fake_mobile, 0.3)),
    ("email-sparse", "email", ("邮箱", None), _sparse(synth.fake_email, 0.2)),
]

_DECOYS: list[tuple[str, tuple[str | None, ...], ValueFn]] = [
    ("kwh", ("本月电量", "用电量(kWh)", "Usage kWh", None), _kwh),
    ("reading-12", ("电表示数", "本次读数", "Reading (kWh)", "止码"), _reading_12),
    ("reading-varied", ("上月示数", None), _reading_varied),
    ("amount", ("欠费金额", "电费", "Arrears", "Amount", "余额", None), _amount),
    ("amount-big", ("应收金额", "Total", None), _amount_big),
    ("amount-text", ("金额", "Balance", None), _amount_text),
    ("count", ("户数", "次数", "Count", "Qty", None), _count),
    ("date", ("抄表日期", "缴费日期", "Date", None), _date),
    ("datetime", ("缴费时间", "Timestamp", None), _datetime),
    ("date-text", ("日期", "开户日期", None), _date_text),
    ("date-int", ("抄表日期", "年月日", None), _date_int),
    ("timestamp-int", ("时间", None), _timestamp_int),
    ("category", ("用电类别", "状态", "Type", None), _category(("居民", "商业", "工业", "农业", "正常", "欠费"))),
    ("power-factor", ("功率因数", "Power Factor", None), _power_factor),
    ("percent", ("比例", "Rate", None), _percent),
    ("multiplier", ("倍率", None), _multiplier),
    ("postcode", ("邮编", "Zip"), _postcode),
    ("work-order", ("工单号", "工单编号", "Ticket No"), _work_order),
    ("row-no", ("序号", "No.", None), lambda rng: rng.randint(1, 5000)),
    ("area", ("台区", "台区名称"), _transformer_area),
    ("branch", ("供电单位", "供电所", None), _branch),
    ("age", ("年龄", "Age"), _age),
    ("time-text", ("时间", None), _time_text),
    ("voltage", ("电压等级", None), _voltage),
    ("id-look-alike", ("流水号", "Serial"), _id_look_alike),
    ("amount-under-phone", ("手机",), _amount),
    ("kwh-under-weird", ("号码1", "Contact"), _kwh),
    ("remark-clean", ("备注", "Remarks", None), _plain_remark),
    ("asset-code", ("设备编码", "Asset Code", None), _asset_code),
    ("meter-model", ("表型", "Model", None), _meter_model),
    ("serial-16", ("流水号", "交易流水号", "Transaction Serial"), _serial_16),
    ("order-12", ("订单号", "Order No"), _order_12),
    ("random-18", ("流水号", None), _random_18),
]


def _messy(values: list[Value], rng: random.Random, level: float) -> list[Value]:
    return [rng.choice(_JUNK) if rng.random() < level else value for value in values]


def build_corpus(seeds: range = range(6), rows: tuple[int, int] = (40, 300)) -> list[LabelledColumn]:
    """The labelled columns: every shape under every header choice, for each seed."""
    corpus: list[LabelledColumn] = []
    for seed in seeds:
        rng = random.Random(seed * 7919 + 17)
        for shape, kind, headers, make in _SENSITIVE:
            for header in headers:
                count = rng.randint(*rows)
                values = [make(rng) for _ in range(count)]
                if kind not in ("secret",) and rng.random() < 0.5:
                    values = _messy(values, rng, rng.choice((0.03, 0.1)))
                corpus.append(LabelledColumn(shape, header, tuple(values), kind))
        for shape, headers, make in _DECOYS:
            for header in headers:
                count = rng.randint(*rows)
                values = [make(rng) for _ in range(count)]
                if rng.random() < 0.4:
                    values = _messy(values, rng, 0.05)
                corpus.append(LabelledColumn(shape, header, tuple(values), None))
    return corpus
