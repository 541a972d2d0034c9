"""Callable factories for every model. They flush; the test commits when it needs to."""
from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass, field
from datetime import date

from app.extensions import db
from app.org import services
from app.org.choices import CadreRole, PersonCategory, Role, UnitLevel
from app.org.id_number import make_id_number
from app.org.models import Account, Person, Site, Unit

PASSWORD = "secret-pass"
_sequence = itertools.count(1)


def create_unit(name: str, level: UnitLevel, parent: Unit | None = None, code: str | None = None) -> Unit:
    return services.create_unit(code=code or f"U{next(_sequence):05d}", name=name, level=level, parent=parent)


def create_site(unit: Unit, name: str | None = None) -> Site:
    number = next(_sequence)
    return services.create_site(unit=unit, code=f"S{number:05d}", name=name or f"活动室{number}")


def create_person(unit: Unit, name: str | None = None, category: PersonCategory = PersonCategory.FULL_MEMBER,
                  cadre_roles: list[CadreRole] = (), phone: str | None = None, **fields) -> Person:
    number = next(_sequence)
    id_number = fields.pop("id_number", None) or make_id_number("150121", date(1970 + number % 40, 3, 9), number)
    return services.create_person(unit=unit, name=name or f"测试{number}", id_number=id_number, category=category,
                                  cadre_roles=list(cadre_roles), phone=phone, **fields)


@functools.cache
def _password_hash(password: str) -> str:
    # The KDF is deliberately slow; hash each test password once per run.
    return services.hash_secret(password)


def create_account(username: str, role: Role, unit: Unit | None, password: str = PASSWORD, **kwargs) -> Account:
    account = services.create_account(username=username, role=role, scope_unit=unit, **kwargs)
    account.password_hash = _password_hash(password)
    return account


@dataclass
class World:
    county: Unit
    township_a: Unit
    township_b: Unit
    branch_a1: Unit
    branch_a2: Unit
    branch_b1: Unit
    branch_b2: Unit
    site_a1: Site
    site_b1: Site
    person_a1: Person
    person_b1: Person
    accounts: dict[str, Account] = field(default_factory=dict)


def build_world() -> World:
    county = create_unit("测试旗", UnitLevel.COUNTY, code="C1")
    township_a = create_unit("甲镇", UnitLevel.TOWNSHIP, county, code="TA")
    township_b = create_unit("乙镇", UnitLevel.TOWNSHIP, county, code="TB")
    branch_a1 = create_unit("甲一村党支部", UnitLevel.BRANCH, township_a, code="TA1")
    branch_a2 = create_unit("甲二村党支部", UnitLevel.BRANCH, township_a, code="TA2")
    branch_b1 = create_unit("乙一村党支部", UnitLevel.BRANCH, township_b, code="TB1")
    branch_b2 = create_unit("乙二村党支部", UnitLevel.BRANCH, township_b, code="TB2")
    site_a1 = create_site(branch_a1, "甲一村活动室")
    site_b1 = create_site(branch_b1, "乙一村活动室")
    person_a1 = create_person(branch_a1, "张甲一", phone="13900000001")
    person_b1 = create_person(branch_b1, "李乙一", phone="13900000002")
    world = World(county, township_a, township_b, branch_a1, branch_a2, branch_b1, branch_b2,
                  site_a1, site_b1, person_a1, person_b1)
    world.accounts = {
        "admin": create_account("admin", Role.ADMIN, None),
        "county_organiser": create_account("county-org", Role.ORGANISER, county),
        "organiser_a": create_account("org-a", Role.ORGANISER, township_a),
        "organiser_b": create_account("org-b", Role.ORGANISER, township_b),
        "secretary_a1": create_account("sec-a1", Role.ORGANISER, branch_a1),
        "trainer": create_account("trainer", Role.TRAINER, county),
        "member_a1": create_account("member-a1", Role.MEMBER, branch_a1, person=person_a1),
        "terminal_a1": create_account("tv-a1", Role.TERMINAL, branch_a1, site=site_a1),
    }
    db.session.commit()
    return world
