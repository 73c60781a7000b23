"""Check digits and structural rules of the identifiers ExportGuard protects.

Pure functions over ASCII digit strings; callers normalise (full-width digits, spaces, +86) first.
"""

from __future__ import annotations

import datetime as dt

# First two digits of a resident ID: the province-level division (GB/T 2260).
PROVINCE_CODES = frozenset(
    {
        "11", "12", "13", "14", "15",              # 北京 天津 河北 山西 内蒙古
        "21", "22", "23",                          # 辽宁 吉林 黑龙江
        "31", "32", "33", "34", "35", "36", "37",  # 上海 江苏 浙江 安徽 福建 江西 山东
        "41", "42", "43", "44", "45", "46",        # 河南 湖北 湖南 广东 广西 海南
        "50", "51", "52", "53", "54",              # 重庆 四川 贵州 云南 西藏
        "61", "62", "63", "64", "65",              # 陕西 甘肃 青海 宁夏 新疆
        "71", "81", "82",                          # 台湾 香港 澳门
    }
)

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS = "10X98765432"


def luhn_check_digit(payload: str) -> str:
    """The Luhn digit to append to ``payload`` (bank cards)."""
    total = 0
    for position, char in enumerate(reversed(payload)):
        digit = ord(char) - 48
        if position % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return str((10 - total % 10) % 10)


def luhn_valid(number: str) -> bool:
    return len(number) >= 2 and number.isdigit() and luhn_check_digit(number[:-1]) == number[-1]


def gs1_check_digit(payload: str) -> str:
    """GS1 mod-10 check digit: weights 3,1,3,1... from the right of the payload."""
    total = 0
    for position, char in enumerate(reversed(payload)):
        total += (ord(char) - 48) * (3 if position % 2 == 0 else 1)
    return str((10 - total % 10) % 10)


def gs1_valid(number: str) -> bool:
    return len(number) >= 2 and number.isdigit() and gs1_check_digit(number[:-1]) == number[-1]


def id_check_char(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character of an 18-character resident ID."""
    total = sum((ord(char) - 48) * weight for char, weight in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK_CHARS[total % 11]


def id_birth_date(number: str) -> dt.date | None:
    """The birth date encoded in an 18- or 15-digit resident ID, or None if it is not a real date."""
    if len(number) == 18:
        year, month, day = number[6:10], number[10:12], number[12:14]
    elif len(number) == 15:
        year, month, day = "19" + number[6:8], number[8:10], number[10:12]
    else:
        return None
    if not (year + month + day).isdigit():
        return None
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        return None


def id_number_valid(number: str, *, today: dt.date | None = None) -> bool:
    """A structurally valid resident ID: province code, a real past birth date and, for 18
    characters, the MOD 11-2 check character (upper-case X accepted)."""
    number = number.upper()
    if len(number) == 18:
        if not number[:17].isdigit() or number[17] not in "0123456789X":
            return False
        if id_check_char(number[:17]) != number[17]:
            return False
    elif len(number) != 15 or not number.isdigit():
        return False
    if number[:2] not in PROVINCE_CODES:
        return False
    born = id_birth_date(number)
    if born is None:
        return False
    return dt.date(1900, 1, 1) <= born <= (today or dt.date.today())
