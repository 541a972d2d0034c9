"""What a password must be: the one rule, applied wherever a password is set.

At least MIN_PASSWORD_LENGTH characters; not on the shipped list of common passwords, not a
date (birthdays are the first guess against someone whose ID number is on a roster), not one
character repeated, and not the account's own username, phone or ID number.
"""
from __future__ import annotations

import functools
import re
from datetime import date
from pathlib import Path

from flask_babel import gettext as _

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 200
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")
_EIGHT_DIGITS = re.compile(r"^\d{8}$")


@functools.cache
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def _is_date(text: str) -> bool:
    if not _EIGHT_DIGITS.match(text):
        return False
    try:
        date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return False
    return 1900 <= int(text[:4]) <= 2099


def password_problem(password: str, *, personal: tuple[str | None, ...] = ()) -> str | None:
    """Why `password` may not be used (a message for the user), or None when it may.

    `personal` holds the account's own identifiers (username, phone, ID number).
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        return _("The password must have at least %(n)d characters.", n=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        return _("The password must have at most %(n)d characters.", n=MAX_PASSWORD_LENGTH)
    folded = password.strip().lower()
    if folded in common_passwords() or _is_date(folded) or len(set(folded)) == 1:
        return _("This password is too common and easy to guess. Choose another one.")
    if any(value and folded == value.strip().lower() for value in personal):
        return _("The password must not be your username, phone number or ID number.")
    return None
