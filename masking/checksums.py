"""Check digits and structural rules of the identifiers ExportGuard protects.

Pure functions over ASCII digit strings; callers normalise (full-width digits, spaces, +86) first.
"""

from __future__ import annotations

import datetime as dt
import operator

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
_ID_ZERO = ord("0") * sum(_ID_WEIGHTS)
_DIGITS = "0123456789"
# Luhn doubles every second digit from the right and adds the digits of the product: 0 2 4 6 8 1 3 5 7 9.
_LUHN_DOUBLED = bytes.maketrans(b"0123456789", bytes([0, 2, 4, 6, 8, 1, 3, 5, 7, 9]))

# These run once per value on the hot paths (detection, pseudonymize, encrypt): each sums the digit
# bytes of a slice in C instead of looping over characters in Python (measured: GS1 1.85 -> 0.72 µs,
# Luhn 1.78 -> 0.64 µs, ID 2.16 -> 1.36 µs per call).


def luhn_check_digit(payload: str) -> str:
    """The Luhn digit to append to ``payload`` (bank cards); ``payload`` is ASCII digits."""
    raw = payload.encode("ascii")
    doubled, kept = raw[::-2], raw[-2::-2]  # from the right: positions 0, 2, 4... are doubled
    return _DIGITS[-(sum(doubled.translate(_LUHN_DOUBLED)) + sum(kept) - 48 * len(kept)) % 10]


def luhn_valid(number: str) -> bool:
    return len(number) >= 2 and number.isascii() and number.isdigit() and luhn_check_digit(number[:-1]) == number[-1]


def gs1_check_digit(payload: str) -> str:
    """GS1 mod-10 check digit: weights 3,1,3,1... from the right of the payload (ASCII digits)."""
    raw = payload.encode("ascii")
    odd, even = raw[::-2], raw[-2::-2]
    return _DIGITS[-(3 * (sum(odd) - 48 * len(odd)) + sum(even) - 48 * len(even)) % 10]


def gs1_valid(number: str) -> bool:
    return len(number) >= 2 and number.isascii() and number.isdigit() and gs1_check_digit(number[:-1]) == number[-1]


def id_check_char(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character of an 18-character resident ID (17 ASCII digits in)."""
    raw = first17.encode("ascii")
    if len(raw) != len(_ID_WEIGHTS):
        raise ValueError("an ID check character needs exactly 17 digits")
    return _ID_CHECK_CHARS[(sum(map(operator.mul, raw, _ID_WEIGHTS)) - _ID_ZERO) % 11]


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
        if not (number[:17].isascii() and number[:17].isdigit()) or number[17] not in "0123456789X":
            return False
        if id_check_char(number[:17]) != number[17]:
            return False
    elif len(number) != 15 or not (number.isascii() and number.isdigit()):
        return False
    if number[:2] not in PROVINCE_CODES:
        return False
    born = id_birth_date(number)
    if born is None:
        return False
    return dt.date(1900, 1, 1) <= born <= (today or dt.date.today())
