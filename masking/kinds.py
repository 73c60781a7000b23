"""The kinds of personal data ExportGuard knows, their normalisers and their validators.

Every validator accepts any cell ``Value`` (None, str, int, float, bool, dates, ``Damaged``) and any
junk, and never raises: a value that is not of the kind is simply ``False`` / ``0.0``. Whole numbers
are read through ``str(int)``; a ``Damaged`` value (Excel cut it to 15 significant digits) only
counts by its length and shape, see ``damaged_kind``.

Validators that can tell a strong match from a plausible one return a strength in 0..1 (the
``*_strength`` functions); the ``is_*`` functions are the boolean form.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from enum import StrEnum

from masking.cell_text import identifier_text
from masking.checksums import PROVINCE_CODES, gs1_valid, id_birth_date, id_number_valid, luhn_valid
from masking.io.model import Damaged, Value
from masking.namedata import compound_surnames, unambiguous_single_surnames
from masking.numbering import mobile_prefixes
from masking.regions import is_real_region


class Kind(StrEnum):
    """The vocabulary of the CLI contract (shared/CLI.md, "Kinds and actions")."""

    PHONE = "phone"
    METER_ID = "meter_id"
    ACCOUNT_NO = "account_no"
    ID_NUMBER = "id_number"
    BANK_CARD = "bank_card"
    PERSON_NAME = "person_name"
    ADDRESS = "address"
    EMAIL = "email"
    SECRET = "secret"  # noqa: S105 - the name of a kind, not a password
    FREE_TEXT = "free_text"


class Action(StrEnum):
    KEEP = "keep"
    DROP = "drop"
    REDACT = "redact"
    MASK = "mask"
    PSEUDONYMIZE = "pseudonymize"
    ENCRYPT = "encrypt"
    HASH = "hash"
    GENERALIZE = "generalize"


# --------------------------------------------------------------------------------------------
# Normalisers

# Separators people type inside numbers: spaces (incl. the ideographic space, which NFKC turns into
# a plain space), dashes of every width, dots and brackets.
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―.·()\[\]]")
_DIGITS = re.compile(r"\d+")



def compact(value: Value) -> str | None:
    """``identifier_text`` without separators: '０１０－８８８８ ６６６６' -> '01088886666'."""
    text = identifier_text(value)
    if text is None:
        return None
    return _SEPARATORS.sub("", text)


def digits_only(value: Value) -> str | None:
    """The value's digits when it is nothing but digits and separators, else None."""
    if type(value) is str and value.isascii() and value.isdigit():
        return value  # the common case: NFKC, strip and dropping separators change nothing
    text = compact(value)
    if not text or not text.isascii() or not text.isdigit():
        return None
    return text


def phone_digits(value: Value) -> str | None:
    """The national form of a phone number, or None when the value is not digits and separators.

    Separators dropped (full-width digits too, through NFKC), a +86 / 0086 / 86 country prefix
    removed, and the trunk 0 restored after one: "+86 10 8888 6666" -> "01088886666". The one
    phone normaliser of ExportGuard: detection, masking and the keyed transforms all key on it.
    """
    text = compact(value)
    if not text or not text.isascii():
        return None
    international = False
    if text.startswith("+"):
        if not text.startswith("+86"):
            return None
        text, international = text[3:], True
    elif text.startswith("0086"):
        text, international = text[4:], True
    elif text.startswith("86") and len(text) == 13:
        text, international = text[2:], True
    if not text.isdigit():
        return None
    if international and not text.startswith("0") and len(text) in (9, 10):
        text = "0" + text  # +86 10 8888 6666: the trunk 0 of the area code is dropped abroad
    return text


# --------------------------------------------------------------------------------------------
# Reference data lives in masking/data, behind masking.regions, masking.namedata, masking.numbering.


@functools.cache
def _mobile_prefixes() -> frozenset[str]:
    return frozenset(entry.prefix for entry in mobile_prefixes())


def _surnames() -> tuple[frozenset[str], frozenset[str]]:
    """(single-character surnames, compound surnames)."""
    return unambiguous_single_surnames(), compound_surnames()


# --------------------------------------------------------------------------------------------
# Validators

_AREA_3 = re.compile(r"0(?:10|2\d)")
_AREA_4 = re.compile(r"0[3-9]\d\d")


def is_mobile(value: Value) -> bool:
    """Mainland mobile: 1[3-9] + 9 digits, any separators, +86/0086/86, full-width digits."""
    digits = phone_digits(value)
    return digits is not None and len(digits) == 11 and digits[0] == "1" and digits[1] in "3456789"


def mobile_strength(value: Value) -> float:
    """1.0 for a mobile on an allocated network prefix, 0.6 for the bare 1[3-9] shape."""
    if not is_mobile(value):
        return 0.0
    digits = phone_digits(value)
    return 1.0 if digits is not None and digits[:3] in _mobile_prefixes() else 0.6


def is_landline(value: Value) -> bool:
    """Landline with its area code (010, 02x, 0xxx) and a 7-8 digit local number; 400/800 numbers."""
    digits = phone_digits(value)
    if digits is None:
        return False
    if len(digits) == 10 and digits[:3] in ("400", "800"):
        return True
    if _AREA_3.match(digits):
        local = digits[3:]
        return len(local) == 8 and local[0] in "23456789"
    if _AREA_4.match(digits):
        local = digits[4:]
        return len(local) in (7, 8) and local[0] in "23456789"
    return False


def is_phone(value: Value) -> bool:
    return is_mobile(value) or is_landline(value)


def meter_id_strength(value: Value) -> float:
    """22-digit meter asset number: 5-digit unit code, 2-digit asset type, 14-digit serial, 1 check
    digit. The check digit seems to follow GS1 mod-10, so it is evidence, not a gate: 1.0 when it
    holds, 0.5 for a plausible 22-digit number that fails it, 0.0 otherwise."""
    digits = digits_only(value)
    if digits is None or len(digits) != 22 or isinstance(value, Damaged):
        return 0.0
    if len(set(digits)) <= 2 or digits[:5] == "00000":
        return 0.0  # 0000000000000000000000, 1111...: placeholders, not assets
    return 1.0 if gs1_valid(digits) else 0.5


def is_meter_id(value: Value) -> bool:
    return meter_id_strength(value) > 0.0


def _id_text(value: Value) -> str | None:
    text = compact(value)
    if text is None or isinstance(value, Damaged):
        return None
    return text.upper()


def _valid_id_text(value: Value) -> str | None:
    """The upper-case compact text of a structurally valid resident ID, else None."""
    if type(value) is str and value.isascii() and value.isalnum():
        # the common case, "11010519491231002X": NFKC, strip and dropping separators change nothing
        text: str | None = value.upper()
    else:
        text = _id_text(value)
    if text is None or len(text) not in (15, 18) or not id_number_valid(text):
        return None
    return text


def id_number_strength(value: Value) -> float:
    """Resident ID: 18 characters (real birth date, MOD 11-2 check character, X allowed) or the
    legacy 15 digits. 1.0 with a real GB/T 2260 county code, 0.8 with only a valid province (codes
    of abolished counties still appear on old cards), 0.0 otherwise."""
    text = _valid_id_text(value)
    if text is None:
        return 0.0
    return 1.0 if is_real_region(text[:6]) else 0.8


def is_id_number(value: Value) -> bool:
    return _valid_id_text(value) is not None


_IIN_FIRST = frozenset("345689")


def is_bank_card(value: Value) -> bool:
    """13-19 digits, a valid Luhn digit and a plausible issuer prefix (62 UnionPay, 4, 5, 3, 6, 9)."""
    digits = digits_only(value)
    if digits is None or not 13 <= len(digits) <= 19 or isinstance(value, Damaged):
        return False
    return digits[0] in _IIN_FIRST and luhn_valid(digits)


_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,24}")


def is_email(value: Value) -> bool:
    text = identifier_text(value)
    return text is not None and len(text) <= 254 and _EMAIL.fullmatch(text) is not None


_HAN = re.compile(r"[\u4e00-\u9fff]+")
_LATIN_NAME = re.compile(r"[A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)?(?: [A-Z]\.?)?(?: [A-Z][a-z]+(?:[-'][A-Za-z]+)?){1,2}")
_LATIN_SURNAME_FIRST = re.compile(r"[A-Z]{2,}(?:,? [A-Z][a-z]+){1,2}")  # "WANG Xiaoming"
# Words that look like "Surname + given name" but are common vocabulary in these spreadsheets.
_NOT_NAMES = frozenset(
    {
        "正常", "欠费", "停电", "销户", "暂停", "已缴", "未缴", "居民", "商业", "工业", "农业",
        "城镇", "农村", "是", "否", "有", "无", "高压", "低压", "单相", "三相", "已办", "未办",
        "王府井", "万达", "金额", "安装", "常规", "文件", "方式", "申请", "关闭", "程序",
    }
)


def person_name_strength(value: Value) -> float:
    """Chinese name of 2-4 characters led by a known surname (compound ones too): 1.0 for a common
    surname, 0.7 for a rarer one or a Latin "First Last"; 0.0 otherwise."""
    text = identifier_text(value)
    if text is None or not 2 <= len(text) <= 40:
        return 0.0
    text = text.replace("·", "").replace("•", "") if "·" in text or "•" in text else text
    singles, compounds = _surnames()
    if _HAN.fullmatch(text) and 2 <= len(text) <= 4 and text not in _NOT_NAMES:
        if text[:2] in compounds and len(text) >= 3:
            return 1.0
        if text[0] in singles:
            return 1.0 if len(text) <= 3 else 0.7
        return 0.0
    if _LATIN_NAME.fullmatch(text) or _LATIN_SURNAME_FIRST.fullmatch(text):
        return 0.7
    return 0.0


def is_person_name(value: Value) -> bool:
    return person_name_strength(value) > 0.0


_ADMIN_CUES = re.compile(r"省|自治区|市|区|县|旗|镇|乡|街道|村")
_STREET_CUES = re.compile(r"路|街|道|巷|弄|胡同|大道|小区|花园|公寓|大厦|苑|社区|组")
_NUMBER_CUES = re.compile(r"[\d一二三四五六七八九十百零〇]+\s*(?:号|栋|幢|座|单元|室|楼|层|组|弄|户)")
_EN_ADDRESS = re.compile(
    r"\d+[A-Za-z]?\s+[A-Za-z .'-]+\s(?:Road|Rd|Street|St|Avenue|Ave|Lane|Ln|Boulevard|Blvd|Drive|Dr)\b",
    re.IGNORECASE,
)


def address_strength(value: Value) -> float:
    """Postal address: administrative divisions, streets, building and room numbers. 1.0 with
    cues of at least two of (division, street, number); 0.5 with a street plus number only."""
    text = identifier_text(value)
    if text is None or not 5 <= len(text) <= 200:
        return 0.0
    if _EN_ADDRESS.search(text):
        return 1.0
    if not _HAN.search(text):
        return 0.0
    admin = _ADMIN_CUES.search(text) is not None
    street = _STREET_CUES.search(text) is not None
    number = _NUMBER_CUES.search(text) is not None
    hits = admin + street + number
    if hits >= 2 and (number or (admin and street)):
        return 1.0
    if number and len(text) >= 6:
        return 0.5
    return 0.0


def is_address(value: Value) -> bool:
    return address_strength(value) > 0.0


def is_account_no(value: Value) -> bool:
    """户号 / customer number shape: 8-16 digits (text or a number cell) that is not a phone, a
    resident ID, a bank card or a meter number. Weak on its own; the column decides."""
    digits = digits_only(value)
    if digits is None or not 8 <= len(digits) <= 16 or isinstance(value, Damaged):
        return False
    if len(set(digits)) == 1:
        return False
    return not (is_mobile(digits) or is_id_number(digits) or is_bank_card(digits) or is_landline(digits))


def damaged_kind(value: Value) -> Kind | None:
    """The kind a ``Damaged`` value most likely had, by length and shape alone."""
    if not isinstance(value, Damaged):
        return None
    digits = digits_only(value)
    if digits is None:
        return None
    if len(digits) == 18 and digits[:2] in PROVINCE_CODES and id_birth_date(digits) is not None:
        return Kind.ID_NUMBER
    if len(digits) == 22:
        return Kind.METER_ID
    if 16 <= len(digits) <= 19 and digits[0] in _IIN_FIRST:
        return Kind.BANK_CARD
    return None


def _phone_strength(value: Value) -> float:
    if is_mobile(value):
        return mobile_strength(value)
    return 1.0 if is_landline(value) else 0.0


_STRENGTH: dict[Kind, Callable[[Value], float]] = {
    Kind.PHONE: _phone_strength,
    Kind.METER_ID: meter_id_strength,
    Kind.ID_NUMBER: id_number_strength,
    Kind.BANK_CARD: lambda value: 1.0 if is_bank_card(value) else 0.0,
    Kind.EMAIL: lambda value: 1.0 if is_email(value) else 0.0,
    Kind.PERSON_NAME: person_name_strength,
    Kind.ADDRESS: address_strength,
    Kind.ACCOUNT_NO: lambda value: 0.5 if is_account_no(value) else 0.0,
}


def kind_strength(kind: Kind, value: Value) -> float:
    """How strongly one value looks like ``kind`` (0..1); 0.0 for kinds only a header shows."""
    strength = _STRENGTH.get(kind)
    return strength(value) if strength is not None else 0.0


# --------------------------------------------------------------------------------------------
# Default actions (the export issue moves this into masking/policy.py)
