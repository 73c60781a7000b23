"""Header words, as data: which kind a column header names, Chinese and English.

Besides the kinds there are two non-PII classes: MEASUREMENT (kWh, amounts, arrears, dates,
counts: never PII, whatever their digits look like) and NON_PII_ID (identifiers of things, not of
people: 工单号, 序号, 流水号; only content that validates strongly can overrule them).

A header can hold several words (联系人电话); the word that ends last names the column, as the
head noun ends a Chinese noun phrase (联系人电话 is a phone, 电话费 a charge), and on a tie the
longest word wins (email address is an e-mail, not an address).
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum

from masking.kinds import Kind


class HeaderClass(StrEnum):
    MEASUREMENT = "measurement"
    NON_PII_ID = "non_pii_id"


HeaderMeaning = Kind | HeaderClass

HEADER_WORDS: dict[HeaderMeaning, tuple[str, ...]] = {
    Kind.PHONE: (
        "手机", "手机号", "手机号码", "移动电话", "联系电话", "电话", "电话号码", "联系方式", "联系号码",
        "固话", "座机", "办公电话", "家庭电话", "宅电", "联系手机", "短信号码", "通知号码",
        "phone", "mobile", "cell", "cellphone", "telephone", "tel", "contact number", "phone no",
        "mobile no", "mobile number", "phone number",
    ),
    Kind.METER_ID: (
        "表号", "电表号", "电能表", "电能表资产编号", "资产编号", "表计资产号", "电表编号", "表计编号",
        "表资产号", "电能表编号", "表计条码", "表条码",
        "meter", "meter id", "meter no", "meter number", "meter asset", "asset no", "asset number",
    ),
    Kind.ACCOUNT_NO: (
        "户号", "用户编号", "用户号", "用户号码", "客户编号", "客户号", "客户号码", "户编号", "用电户号",
        "客户代码", "用户代码", "用户编码", "客户编码", "账号", "帐号", "缴费号", "用电编号",
        "account", "account no", "account number", "acct", "acct no", "customer id", "customer no",
        "customer number", "consumer no", "consumer number",
    ),
    Kind.ID_NUMBER: (
        "证件号", "证件号码", "身份证", "身份证号", "身份证号码", "公民身份号码", "身份号码", "证件编号",
        "身份证件号码",
        "id card", "id number", "id no", "idno", "national id", "resident id", "identity card",
        "id card no",
    ),
    Kind.BANK_CARD: (
        "银行卡", "银行卡号", "卡号", "银行账号", "银行帐号", "扣款账号", "代扣账号", "开户账号",
        "代扣卡号", "扣款卡号", "借记卡",
        "bank card", "card no", "card number", "bank account", "debit card", "credit card",
    ),
    Kind.PERSON_NAME: (
        "户名", "姓名", "用户名称", "客户名称", "联系人", "户主", "客户姓名", "用户姓名", "名字",
        "联系人姓名", "户主姓名", "代缴人", "租户", "业主", "经办人", "收件人",
        "name", "customer name", "contact", "contact name", "full name", "holder", "account name",
        "owner", "first name", "last name", "surname",
    ),
    Kind.ADDRESS: (
        "地址", "用电地址", "住址", "家庭住址", "通讯地址", "联系地址", "装表地址", "居住地", "详细地址",
        "送达地址", "户籍地址",
        "address", "addr", "street", "home address", "postal address",
    ),
    Kind.EMAIL: (
        "邮箱", "电子邮箱", "电子邮件", "邮件", "邮件地址", "邮箱地址", "电子邮件地址",
        "email", "e mail", "mail", "email address", "e mail address",
    ),
    Kind.SECRET: (
        "密码", "服务密码", "查询密码", "口令", "支付密码", "交易密码", "初始密码",
        "pin", "password", "passwd", "pwd", "passcode", "secret",
    ),
    Kind.FREE_TEXT: (
        "备注", "说明", "描述", "附言", "留言", "内容", "情况说明", "处理意见", "诉求", "摘要",
        "remark", "remarks", "note", "notes", "comment", "comments", "description", "memo",
    ),
    HeaderClass.MEASUREMENT: (
        "电量", "用电量", "金额", "欠费", "余额", "日期", "时间", "数量", "读数", "示数", "起码", "止码",
        "度数", "电费", "费用", "单价", "电价", "合计", "总计", "总额", "次数", "功率", "容量", "倍率",
        "年月", "月份", "年份", "天数", "违约金", "比例", "积分", "笔数", "户数", "有效期", "年龄",
        "电压", "电流", "负荷", "指数", "期数", "应收", "实收", "已缴", "预存", "缴费额", "kwh",
        "kw", "kva", "amount", "date", "time", "balance", "arrears", "qty", "quantity", "count",
        "total", "price", "fee", "reading", "usage", "consumption", "month", "year", "rate", "sum",
        "age", "days", "percent", "timestamp", "charge", "cost", "paid", "due", "voltage", "load",
    ),
    HeaderClass.NON_PII_ID: (
        "序号", "行号", "工单号", "工单编号", "订单号", "订单编号", "流水号", "交易流水号", "批次号", "设备编码",
        "表型", "型号", "台区编号", "线路编号", "单位编码", "供电单位", "供电所", "台区", "线路", "电压等级",
        "行业分类", "用电类别", "状态", "类型",
        "ticket", "ticket no", "order no", "order number", "transaction", "model", "asset code", "work order",
        "status", "type", "category", "tariff",
    ),
}

# Words that name a non-PII identifier only when they are the whole header ("No." alone is a row
# number; in "Account No" the word before it decides).
EXACT_NON_PII = frozenset({"no", "index", "seq", "serial", "id", "#", "n", "nr", "row", "line", "item"})

_PUNCTUATION = re.compile(r"[\s_\-./\\()\[\]{}:#*?!,;'\"|<>]+")


def normalise_header(header: str) -> str:
    """NFKC, lower case, punctuation to single spaces: 'Meter_ID (No.)' -> 'meter id no'."""
    return _PUNCTUATION.sub(" ", unicodedata.normalize("NFKC", header).lower()).strip()


def _compile() -> list[tuple[re.Pattern[str], HeaderMeaning, int]]:
    patterns = []
    for meaning, words in HEADER_WORDS.items():
        for word in words:
            if word.isascii():
                body = r"\s?".join(re.escape(part) for part in word.split())
                pattern = re.compile(rf"(?<![a-z]){body}(?![a-z])")
            else:
                pattern = re.compile(re.escape(word))
            patterns.append((pattern, meaning, len(word)))
    return patterns


_PATTERNS = _compile()


def header_meaning(header: str | None) -> tuple[HeaderMeaning | None, str]:
    """What a header names, and the word that said so; (None, "") when it names nothing known."""
    if header is None:
        return None, ""
    text = normalise_header(str(header))
    if not text:
        return None, ""
    if text in EXACT_NON_PII:
        return HeaderClass.NON_PII_ID, text
    best: tuple[int, int, HeaderMeaning, str] | None = None
    for pattern, meaning, length in _PATTERNS:
        for match in pattern.finditer(text):
            key = (match.end(), length, meaning, match.group())
            if best is None or key[:2] > best[:2]:
                best = key
    if best is None:
        return None, ""
    return best[2], best[3]
