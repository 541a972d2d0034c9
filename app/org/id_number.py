"""Chinese resident identity card numbers (GB 11643-1999): checksum, birth date, gender."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
_SHAPE = re.compile(r"^\d{17}[\dX]$")
_FULL_WIDTH = str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789XX")


@dataclass(frozen=True)
class IdNumberInfo:
    number: str
    birth_date: date
    gender: str  # "male" | "female"


class InvalidIdNumber(ValueError):
    pass


def check_digit(first17: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS))
    return _CHECK_CHARS[total % 11]


def normalise(raw: str) -> str:
    return re.sub(r"\s", "", str(raw)).translate(_FULL_WIDTH).upper()


def parse_id_number(raw: str) -> IdNumberInfo:
    """Validate an 18-character ID number; raises InvalidIdNumber with an English reason code."""
    number = normalise(raw)
    if not _SHAPE.match(number):
        raise InvalidIdNumber("shape")
    if check_digit(number[:17]) != number[17]:
        raise InvalidIdNumber("checksum")
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidIdNumber("birth_date") from None
    if born.year < 1900 or born > date.today():
        raise InvalidIdNumber("birth_date")
    gender = "male" if int(number[16]) % 2 else "female"
    return IdNumberInfo(number=number, birth_date=born, gender=gender)


def make_id_number(region: str, born: date, sequence: int) -> str:
    """Build a valid number (demo data and tests): region(6) + yyyymmdd + seq(3) + check."""
    first17 = f"{region}{born:%Y%m%d}{sequence % 1000:03d}"
    return first17 + check_digit(first17)
