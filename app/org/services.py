"""Writes of the organisation domain. Flush, never commit."""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from flask_babel import gettext as _
from sqlalchemy import delete, func, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from app.core.i18n import format_moment
from app.core.model_base import as_utc, utcnow
from app.core.security import GrowingLockout
from app.core.permissions import ASSIGNABLE_ROLES, ROLES_BOUND_TO_A_SITE, ROLES_WITHOUT_UNIT
from app.extensions import db
from app.org.choices import CadreRole, PersonCategory, Post, Role, UnitLevel
from app.org.models import Account, Person, PersonCadreRole, PinFailure, Site, Unit
from app.org.password_policy import password_problem
from app.org.signals import credentials_changed

ACTIVATION_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L on printed slips
ACTIVATION_LENGTH = 8
ACTIVATION_VALID_DAYS = 90
PIN_PATTERN = re.compile(r"^\d{4,6}$")


class OrgError(ValueError):
    """A refusal with a message for the user (translated)."""


# --- units and sites -------------------------------------------------------

def create_unit(*, code: str, name: str, level: UnitLevel, parent: Unit | None = None) -> Unit:
    code = code.strip()
    if not code or not name.strip():
        raise OrgError(_("Code and name are required."))
    if db.session.scalar(select(Unit.id).where(Unit.code == code)):
        raise OrgError(_("Unit code %(code)s is already used.", code=code))
    if parent is None and level != UnitLevel.COUNTY:
        raise OrgError(_("Only a county may have no parent unit."))
    if parent is not None and parent.level_enum.child_level != level:
        raise OrgError(_("A %(parent)s cannot contain a %(child)s.",
                         parent=parent.level_enum.label, child=level.label))
    unit = Unit(code=code, name=name.strip(), level=level.value, parent=parent)
    db.session.add(unit)
    db.session.flush()  # the id is part of the path
    unit.path = f"{parent.path if parent else '/'}{unit.id}/"
    unit.depth = parent.depth + 1 if parent else 0
    return unit


DEFAULT_COUNTY_NAME = "本县"
DEFAULT_COUNTY_CODE = "county"


def ensure_top_unit(name: str | None = None, code: str | None = None) -> tuple[Unit, bool]:
    """The top of the unit tree, created as a county when there is none yet: every account and
    every upload then has a unit to belong to. Returns (unit, created); an existing top unit is
    left as it is."""
    existing = db.session.scalar(select(Unit).where(Unit.parent_id.is_(None)).order_by(Unit.id).limit(1))
    if existing is not None:
        return existing, False
    return create_unit(code=(code or DEFAULT_COUNTY_CODE), name=(name or DEFAULT_COUNTY_NAME),
                       level=UnitLevel.COUNTY), True


def rename_unit(unit: Unit, name: str) -> None:
    if not name.strip():
        raise OrgError(_("Code and name are required."))
    unit.name = name.strip()


def create_site(*, unit: Unit, code: str, name: str, address: str = "") -> Site:
    if unit.level != UnitLevel.BRANCH:
        raise OrgError(_("An activity room belongs to a village branch."))
    code = code.strip()
    if not code or not name.strip():
        raise OrgError(_("Code and name are required."))
    if db.session.scalar(select(Site.id).where(Site.code == code)):
        raise OrgError(_("Site code %(code)s is already used.", code=code))
    site = Site(unit=unit, code=code, name=name.strip(), address=address.strip())
    db.session.add(site)
    db.session.flush()
    return site


# --- people ----------------------------------------------------------------

def set_cadre_roles(person: Person, roles: list[CadreRole]) -> None:
    wanted = {CadreRole(role).value for role in roles}
    person.cadre_role_rows = [row for row in person.cadre_role_rows if row.role in wanted]
    present = {row.role for row in person.cadre_role_rows}
    for role in sorted(wanted - present):
        person.cadre_role_rows.append(PersonCadreRole(role=role))


def create_person(*, unit: Unit, name: str, id_number: str, category: PersonCategory,
                  cadre_roles: list[CadreRole] = (), **fields) -> Person:
    person = Person(unit=unit, name=name, id_number=id_number.upper(),
                    category=PersonCategory(category).value, **fields)
    db.session.add(person)
    set_cadre_roles(person, list(cadre_roles))
    db.session.flush()
    return person


def set_post(person: Person, post: str | None) -> None:
    """The post (设岗定责) a member took on; None clears it. Unknown values raise ValueError."""
    person.post = Post(post).value if post else None
    db.session.flush()


# --- accounts --------------------------------------------------------------

def hash_secret(secret: str) -> str:
    """Passwords and PINs: werkzeug's scrypt KDF with a random salt."""
    return generate_password_hash(secret, method="scrypt")


def create_account(*, username: str, role: Role, password: str | None = None,
                   scope_unit: Unit | None = None, person: Person | None = None,
                   site: Site | None = None, display_name: str = "") -> Account:
    username = username.strip()
    if not username:
        raise OrgError(_("A username is required."))
    if db.session.scalar(select(Account.id).where(Account.username == username)):
        raise OrgError(_("Username %(name)s is already taken.", name=username))
    if Role(role) not in ROLES_WITHOUT_UNIT and scope_unit is None:
        raise OrgError(_("Every account except an administrator needs a unit."))
    if Role(role) in ROLES_BOUND_TO_A_SITE and site is None:
        raise OrgError(_("A terminal account must be bound to a site."))
    account = Account(
        username=username, role=Role(role).value, scope_unit=scope_unit, person=person,
        site=site, display_name=display_name or (person.name if person else username),
    )
    if password is not None:
        set_password(account, password)
    db.session.add(account)
    db.session.flush()
    return account


def roles_assignable_by(account: Account) -> list[Role]:
    """The roles ``account`` may hand out (core.permissions.ASSIGNABLE_ROLES)."""
    return list(ASSIGNABLE_ROLES.get(account.role_enum, ()))


def create_managed_account(*, by: Account, username: str, role: Role, password: str,
                           unit: Unit | None, site: Site | None, display_name: str = "") -> Account:
    """An account created through the admin pages; `unit` and `site` are already scope-checked."""
    if role not in roles_assignable_by(by):
        raise OrgError(_("You may not create accounts with this role."))
    if role in ROLES_WITHOUT_UNIT:
        unit, site = None, None
    elif role in ROLES_BOUND_TO_A_SITE:
        if site is None:
            raise OrgError(_("A terminal account must be bound to a site."))
        unit = site.unit  # a terminal sees what its branch sees
    else:
        site = None
    if role not in ROLES_WITHOUT_UNIT and unit is None:
        raise OrgError(_("Every account except an administrator needs a unit."))
    return create_account(username=username, role=role, password=password, scope_unit=unit, site=site,
                          display_name=display_name)


def update_account(account: Account, *, by: Account, display_name: str, is_enabled: bool) -> None:
    if account.id == by.id and not is_enabled:
        raise OrgError(_("You cannot disable your own account."))
    account.display_name = display_name.strip() or account.username
    if account.is_enabled and not is_enabled:
        end_sessions(account)
    account.is_enabled = is_enabled


def end_sessions(account: Account) -> None:
    """Log the account out everywhere: every session cookie and remember-me cookie carries the
    session version (Account.get_id), so the old ones stop working at once."""
    account.session_version = (account.session_version or 0) + 1


def _credentials_changed(account: Account) -> None:
    """A new password or PIN: end the other sessions and revoke the API tokens (through the
    signal; the API is a higher layer). A new secret also clears its lockout."""
    end_sessions(account)
    if account.id is not None:
        db.session.flush()
        credentials_changed.send(None, account_id=account.id, at=utcnow())


def set_password(account: Account, password: str) -> None:
    """Set, change or reset a password: the one place the password rule is applied."""
    person = account.person
    problem = password_problem(password, personal=(account.username, person.phone if person else None,
                                                   person.id_number if person else None))
    if problem:
        raise OrgError(problem)
    account.password_hash = hash_secret(password)
    account.failed_logins = 0
    account.last_failed_login_at = None
    _credentials_changed(account)


def change_own_password(account: Account, current: str, new: str, *, now: datetime | None = None) -> None:
    """The person changes their own password; a wrong current one counts towards the lockout
    (a stolen session must not become a way to guess the password)."""
    check = check_password(account, current, now=now)
    if check.locked_until is not None:
        raise OrgError(password_locked_message(check.locked_until))
    if not check.ok:
        raise OrgError(_("The current password is wrong."))
    set_password(account, new)


def set_pin(account: Account, pin: str) -> None:
    if not PIN_PATTERN.match(pin):
        raise OrgError(_("The PIN must be 4 to 6 digits."))
    account.pin_hash = hash_secret(pin)
    if account.id is not None:
        db.session.execute(delete(PinFailure).where(PinFailure.account_id == account.id))
    _credentials_changed(account)


def check_pin(account: Account, pin: str) -> bool:
    return bool(account.pin_hash) and check_password_hash(account.pin_hash, pin)


# --- PIN sign-in on shared terminals ----------------------------------------
#
# A PIN never identifies a person alone: the terminal asks for the name first and then checks
# that person's PIN here, the one place the lockout is decided. Wrong PINs are stored per
# account in the database, so the limit holds whatever terminal, session (scheduled or ad hoc)
# or quiz they come through. The right PIN, or a new one, clears the count.

PIN_LOCKOUT = GrowingLockout(free=5, first=timedelta(minutes=15), cap=timedelta(hours=24))


@dataclass(frozen=True)
class PinCheck:
    ok: bool
    tries_left: int = 0  # after a wrong PIN, before the lock
    locked_until: datetime | None = None  # set while PIN sign-in is locked


def _pin_lock(account: Account) -> tuple[int, datetime | None]:
    count, last = db.session.execute(
        select(func.count(PinFailure.id), func.max(PinFailure.failed_at)).where(PinFailure.account_id == account.id)
    ).one()
    return count, as_utc(last)


def pin_locked_until(account: Account, now: datetime | None = None) -> datetime | None:
    """When the account's PIN sign-in opens again, or None when it is not locked."""
    now = as_utc(now or utcnow())
    until = PIN_LOCKOUT.locked_until(*_pin_lock(account))
    return until if until is not None and until > now else None


def verify_pin(account: Account, pin: str, *, now: datetime | None = None) -> PinCheck:
    """Check the PIN typed for this account on a shared terminal, counting wrong ones.

    While locked the PIN is not even checked (the right one does not open the lock early).
    """
    now = as_utc(now or utcnow())
    locked_until = pin_locked_until(account, now)
    if locked_until is not None:
        return PinCheck(ok=False, locked_until=locked_until)
    if account.is_enabled and check_pin(account, (pin or "").strip()):
        db.session.execute(delete(PinFailure).where(PinFailure.account_id == account.id))
        return PinCheck(ok=True)
    db.session.add(PinFailure(account_id=account.id, failed_at=now))
    db.session.flush()
    failures, _last = _pin_lock(account)
    return PinCheck(ok=False, tries_left=PIN_LOCKOUT.tries_left(failures),
                    locked_until=pin_locked_until(account, now))


# --- passwords ---------------------------------------------------------------
#
# Wrong passwords are counted per account, whatever address they come from (the per-address
# rate limit of the login page is a second, separate line). PASSWORD_LOCKOUT says how long the
# account then waits; while it waits, no password is even checked.

PASSWORD_LOCKOUT = GrowingLockout(free=5, first=timedelta(minutes=1), cap=timedelta(hours=1))


@dataclass(frozen=True)
class PasswordCheck:
    ok: bool
    locked_until: datetime | None = None  # set while the account's login is locked


def password_locked_until(account: Account, now: datetime | None = None) -> datetime | None:
    now = as_utc(now or utcnow())
    until = PASSWORD_LOCKOUT.locked_until(account.failed_logins or 0, as_utc(account.last_failed_login_at))
    return until if until is not None and until > now else None


def password_locked_message(locked_until: datetime) -> str:
    return _("Too many wrong passwords for this account. Try again after %(time)s.",
             time=format_moment(locked_until))


def check_password(account: Account, password: str, *, now: datetime | None = None) -> PasswordCheck:
    """Check the account's password, counting a wrong one; refuse unchecked while locked."""
    now = as_utc(now or utcnow())
    locked_until = password_locked_until(account, now)
    if locked_until is not None:
        return PasswordCheck(ok=False, locked_until=locked_until)
    seen_failures = account.failed_logins or 0
    if account.password_hash and check_password_hash(account.password_hash, password):
        reset = db.session.execute(
            update(Account).where(Account.id == account.id, Account.failed_logins == seen_failures)
            .values(failed_logins=0, last_failed_login_at=None).execution_options(synchronize_session=False))
        if reset.rowcount != 1:
            # A wrong password was counted meanwhile (a parallel guess): decide on what is stored.
            _reload_lockout(account)
            locked_until = password_locked_until(account, now)
            if locked_until is not None:
                return PasswordCheck(ok=False, locked_until=locked_until)
        account.failed_logins = 0
        account.last_failed_login_at = None
        return PasswordCheck(ok=True)
    db.session.execute(  # one atomic increment: parallel guesses each count
        update(Account).where(Account.id == account.id)
        .values(failed_logins=Account.failed_logins + 1, last_failed_login_at=now)
        .execution_options(synchronize_session=False))
    _reload_lockout(account)
    return PasswordCheck(ok=False, locked_until=password_locked_until(account, now))


def _reload_lockout(account: Account) -> None:
    db.session.refresh(account, ["failed_logins", "last_failed_login_at"])


def find_account_for_login(identifier: str) -> Account | None:
    """Accounts log in by username, or by the phone number of their person."""
    identifier = identifier.strip()
    if not identifier:
        return None
    account = db.session.scalar(select(Account).where(Account.username == identifier))
    if account is None:
        account = db.session.scalar(
            select(Account).join(Person, Account.person_id == Person.id).where(Person.phone == identifier)
        )
    return account


@dataclass(frozen=True)
class LoginResult:
    account: Account | None = None  # set when the login succeeded
    locked_until: datetime | None = None  # set when the account's login is locked


def authenticate(identifier: str, password: str, *, now: datetime | None = None) -> LoginResult:
    account = find_account_for_login(identifier)
    if account is None or not account.is_enabled or not account.password_hash:
        # Spend the same time as a real check so a missing user is not revealed.
        check_password_hash(_dummy_hash(), password)
        return LoginResult()
    check = check_password(account, password, now=now)
    if not check.ok:
        return LoginResult(locked_until=check.locked_until)
    account.last_login_at = utcnow()
    return LoginResult(account=account)


@cache
def _dummy_hash() -> str:
    """What an unknown username's password is checked against, so it answers as slowly as a known
    one. Made on first use, not at import: scrypt costs a tenth of a second and 32 MiB."""
    return generate_password_hash("not-a-real-password", method="scrypt")


def _hash_activation_code(code: str, salt: str) -> str:
    digest = hashlib.sha256(f"{salt}:{code}".encode()).hexdigest()
    return f"{salt}${digest}"


def normalise_activation_code(code: str) -> str:
    return re.sub(r"[\s-]", "", code).upper()


def issue_activation_code(account: Account) -> str:
    """Give a not-yet-activated account a fresh one-time code; return it for the slip.

    Codes are random and short-lived, so a salted SHA-256 is enough and keeps
    printing slips for a whole branch fast.
    """
    if account.is_activated:
        raise OrgError(_("This account is already activated."))
    code = "".join(secrets.choice(ACTIVATION_ALPHABET) for _ in range(ACTIVATION_LENGTH))
    account.activation_code_hash = _hash_activation_code(code, secrets.token_hex(8))
    account.activation_expires_at = utcnow() + timedelta(days=ACTIVATION_VALID_DAYS)
    return code


def check_activation_code(account: Account, code: str) -> bool:
    if not account.activation_code_hash or account.is_activated:
        return False
    expires = as_utc(account.activation_expires_at)
    if expires is not None and expires < utcnow():
        return False
    salt, _digest = account.activation_code_hash.split("$", 1)
    expected = _hash_activation_code(normalise_activation_code(code), salt)
    return hmac.compare_digest(expected, account.activation_code_hash)


def activate_account(account: Account, code: str, password: str, pin: str | None = None) -> None:
    if not check_activation_code(account, code):
        raise OrgError(_("The activation code is wrong or has expired. Ask your branch secretary for a new slip."))
    set_password(account, password)
    if pin:
        set_pin(account, pin)
    account.activation_code_hash = None
    account.activation_expires_at = None


def member_account_for(person: Person) -> Account:
    """The person's login, created on first need with a username derived from the id."""
    account = db.session.scalar(select(Account).where(Account.person_id == person.id))
    if account is None:
        account = create_account(username=f"m{person.id}", role=Role.MEMBER,
                                 scope_unit=person.unit, person=person)
    return account
