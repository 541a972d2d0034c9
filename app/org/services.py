"""Writes of the organisation domain. Flush, never commit."""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import delete, select
from werkzeug.security import check_password_hash, generate_password_hash

from app.core.model_base import as_utc, utcnow
from app.extensions import db
from app.org.choices import CadreRole, PersonCategory, Role, UnitLevel
from app.org.models import Account, Person, PersonCadreRole, PinFailure, Site, Unit

ACTIVATION_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L on printed slips
ACTIVATION_LENGTH = 8
ACTIVATION_VALID_DAYS = 90
PIN_PATTERN = re.compile(r"^\d{4,6}$")
MIN_PASSWORD_LENGTH = 6


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
    if role != Role.ADMIN and scope_unit is None:
        raise OrgError(_("Every account except an administrator needs a unit."))
    if role == Role.TERMINAL and site is None:
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
    """Organisers hand out logins inside their area; trainers and admins come from an admin."""
    if account.is_admin:
        return list(Role)
    if account.role == Role.ORGANISER:
        return [Role.MEMBER, Role.TERMINAL, Role.ORGANISER]
    return []


def create_managed_account(*, by: Account, username: str, role: Role, password: str,
                           unit: Unit | None, site: Site | None, display_name: str = "") -> Account:
    """An account created through the admin pages; `unit` and `site` are already scope-checked."""
    if role not in roles_assignable_by(by):
        raise OrgError(_("You may not create accounts with this role."))
    if role == Role.ADMIN:
        unit, site = None, None
    elif role == Role.TERMINAL:
        if site is None:
            raise OrgError(_("A terminal account must be bound to a site."))
        unit = site.unit  # a terminal sees what its branch sees
    else:
        site = None
    if role != Role.ADMIN and unit is None:
        raise OrgError(_("Every account except an administrator needs a unit."))
    return create_account(username=username, role=role, password=password, scope_unit=unit, site=site,
                          display_name=display_name)


def update_account(account: Account, *, by: Account, display_name: str, is_enabled: bool) -> None:
    if account.id == by.id and not is_enabled:
        raise OrgError(_("You cannot disable your own account."))
    account.display_name = display_name.strip() or account.username
    if account.is_enabled and not is_enabled:
        account.session_version = (account.session_version or 0) + 1  # log out everywhere
    account.is_enabled = is_enabled


def set_password(account: Account, password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise OrgError(_("The password must have at least %(n)d characters.", n=MIN_PASSWORD_LENGTH))
    account.password_hash = hash_secret(password)
    account.session_version = (account.session_version or 0) + 1


def set_pin(account: Account, pin: str) -> None:
    if not PIN_PATTERN.match(pin):
        raise OrgError(_("The PIN must be 4 to 6 digits."))
    account.pin_hash = hash_secret(pin)


def check_pin(account: Account, pin: str) -> bool:
    return bool(account.pin_hash) and check_password_hash(account.pin_hash, pin)


# --- PIN sign-in on shared terminals ----------------------------------------
#
# A PIN never identifies a person alone: the terminal asks for the name first and then checks
# that person's PIN here, the one place the lockout is decided. Wrong PINs are stored per
# account in the database, so the limit holds whatever terminal, session or quiz they come
# through. PIN_MAX_FAILURES wrong in PIN_FAILURE_WINDOW lock PIN sign-in until the oldest of
# them is PIN_FAILURE_WINDOW old; the right PIN clears the count.

PIN_MAX_FAILURES = 5
PIN_FAILURE_WINDOW = timedelta(minutes=15)


@dataclass(frozen=True)
class PinCheck:
    ok: bool
    tries_left: int = 0  # after a wrong PIN, before the lock
    locked_until: datetime | None = None  # set while PIN sign-in is locked


def _recent_failures(account: Account, now: datetime) -> list[datetime]:
    return [as_utc(value) for value in db.session.scalars(
        select(PinFailure.failed_at).where(PinFailure.account_id == account.id,
                                           PinFailure.failed_at > now - PIN_FAILURE_WINDOW)
        .order_by(PinFailure.failed_at.desc()).limit(PIN_MAX_FAILURES))]


def _lock_end(failures: list[datetime]) -> datetime | None:
    if len(failures) < PIN_MAX_FAILURES:
        return None
    return failures[PIN_MAX_FAILURES - 1] + PIN_FAILURE_WINDOW


def pin_locked_until(account: Account, now: datetime | None = None) -> datetime | None:
    """When the account's PIN sign-in opens again, or None when it is not locked."""
    now = as_utc(now or utcnow())
    return _lock_end(_recent_failures(account, now))


def verify_pin(account: Account, pin: str, *, now: datetime | None = None) -> PinCheck:
    """Check the PIN typed for this account on a shared terminal, counting wrong ones.

    While locked the PIN is not even checked (the right one does not open the lock early).
    """
    now = as_utc(now or utcnow())
    locked_until = _lock_end(_recent_failures(account, now))
    if locked_until is not None:
        return PinCheck(ok=False, locked_until=locked_until)
    if account.is_enabled and check_pin(account, (pin or "").strip()):
        db.session.execute(delete(PinFailure).where(PinFailure.account_id == account.id))
        return PinCheck(ok=True)
    db.session.add(PinFailure(account_id=account.id, failed_at=now))
    db.session.flush()
    failures = _recent_failures(account, now)
    locked_until = _lock_end(failures)
    return PinCheck(ok=False, tries_left=max(0, PIN_MAX_FAILURES - len(failures)), locked_until=locked_until)


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


def authenticate(identifier: str, password: str) -> Account | None:
    account = find_account_for_login(identifier)
    if account is None or not account.is_enabled or not account.password_hash:
        # Spend the same time as a real check so a missing user is not revealed.
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(account.password_hash, password):
        return None
    account.last_login_at = utcnow()
    return account


_DUMMY_HASH = generate_password_hash("not-a-real-password", method="scrypt")


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
