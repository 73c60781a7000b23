"""The role each column plays in re-identification: direct identifier, quasi-identifier, sensitive
attribute or other (GB/T 37964-2019, 3.4-3.6; ARX's attribute types).

A role describes what the column's OUTPUT is, so it follows the kind, the header and the action:
an ID number left in clear is a direct identifier, but masked, pseudonymized or generalized it still
shows its region code, sex or birth years, which are quasi-identifiers; an address masked or
generalized to its district is a quasi-identifier. Untyped columns take their role from the header
(性别, 出生日期, 邮编: quasi-identifiers; 电费, 欠费, 收入: sensitive attributes). The user may set any
column's role (the plan's ``role``); :func:`default_role` is only the starting point.

Which columns count towards k (:func:`counts_in_k`): every quasi-identifier that reaches the output,
and a direct identifier left in clear (it singles out its row by itself). Direct identifiers that are
masked or turned into tokens are not counted: nothing public links a token or 139****5678 to a person
without the key (set such a column's role to ``quasi`` to count it anyway).
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum

from masking.kinds import Action, Kind

__all__ = ["QUASI_HEADER_WORDS", "SENSITIVE_HEADER_WORDS", "Role", "counts_in_k", "default_role"]


class Role(StrEnum):
    DIRECT = "direct"
    QUASI = "quasi"
    SENSITIVE = "sensitive"
    OTHER = "other"


# Header words of untyped columns that are quasi-identifiers: demographics and coarse places that a
# recipient can find about a person elsewhere (GB/T 37964-2019 annex A lists these kinds of data).
QUASI_HEADER_WORDS: tuple[str, ...] = (
    "性别", "出生", "生日", "年龄", "邮编", "邮政编码", "区县", "县区", "行政区", "所属区", "街道", "乡镇",
    "社区", "小区", "村", "城市", "省份", "民族", "籍贯", "国籍", "职业", "婚姻", "学历", "文化程度",
    "sex", "gender", "birth", "dob", "age", "postcode", "post code", "zip", "district", "county", "city",
    "province", "region", "ethnicity", "nationality", "occupation", "marital", "education",
)
# Header words of attributes that must not be learnt about a person (the "sensitive attribute" role).
SENSITIVE_HEADER_WORDS: tuple[str, ...] = (
    "电费", "欠费", "余额", "金额", "收入", "工资", "违约金", "低保", "困难", "残疾", "疾病", "诊断", "病史",
    "信用", "宗教", "income", "salary", "balance", "arrears", "amount", "diagnosis", "disease", "disability",
    "religion", "credit",
)
# An ID number's output still shows its region code (pseudonymize, encrypt: the codec keeps it), its
# sex digit (mask) or its birth years (generalize): quasi-identifiers, not an identifier any more.
_ID_QUASI_ACTIONS = frozenset({Action.MASK, Action.PSEUDONYMIZE, Action.ENCRYPT, Action.GENERALIZE})
# A pseudonymized address keeps its district (only the street and number are invented).
_ADDRESS_QUASI_ACTIONS = frozenset({Action.MASK, Action.PSEUDONYMIZE, Action.GENERALIZE})
_REMOVED = frozenset({Action.DROP, Action.REDACT})


def _header_has(header: str | None, words: tuple[str, ...]) -> bool:
    if not header:
        return False
    text = unicodedata.normalize("NFKC", header).casefold()
    for word in words:
        if word.isascii():
            # English words only as whole words: "age" in "age band", not in "usage" or "page"
            if re.search(rf"(?<![a-z]){re.escape(word)}(?![a-z])", text):
                return True
        elif word in text:
            return True
    return False


def default_role(kind: Kind | None, header: str | None, action: Action) -> Role:  # noqa: PLR0911 - a rule a line
    """The role inferred from the column's kind, header and action (see the module docstring)."""
    if kind is None:
        if _header_has(header, QUASI_HEADER_WORDS):
            return Role.QUASI
        if _header_has(header, SENSITIVE_HEADER_WORDS):
            return Role.SENSITIVE
        return Role.OTHER
    if kind is Kind.FREE_TEXT:
        return Role.OTHER
    if kind is Kind.SECRET:
        return Role.SENSITIVE
    if kind is Kind.ID_NUMBER and action in _ID_QUASI_ACTIONS:
        return Role.QUASI
    if kind is Kind.ADDRESS and action in _ADDRESS_QUASI_ACTIONS:
        return Role.QUASI
    return Role.DIRECT


def counts_in_k(role: Role, action: Action) -> bool:
    """Whether a column with this role and action is part of the quasi-identifier tuple of k."""
    if action in _REMOVED:
        return False
    return role is Role.QUASI or (role is Role.DIRECT and action is Action.KEEP)
