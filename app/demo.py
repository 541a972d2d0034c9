"""The demo county: created once, left alone on every later run."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from app.extensions import db
from app.org import services
from app.org.choices import CadreRole, Education, Gender, PersonCategory, Post, Role, UnitLevel
from app.org.id_number import make_id_number
from app.org.models import Account, Person, Site, Unit

DEMO_PASSWORD = "demo-lms-2026"
REGION = "150121"

COUNTY = ("150121", "示范旗")
TOWNSHIPS = [
    ("150121101", "金川镇", "jinchuan", [("150121101001", "东营村"), ("150121101002", "西沟村"), ("150121101003", "南滩村")]),
    ("150121102", "白塔镇", "baita", [("150121102001", "北梁村"), ("150121102002", "前进村"), ("150121102003", "新丰村")]),
]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"
GIVEN = ["建国", "秀英", "志强", "桂兰", "海军", "玉梅", "永福", "春花", "国庆", "丽娟", "文华", "淑珍"]
# Ten people a branch: the mix of categories a real village roster has.
CATEGORY_MIX = [
    PersonCategory.FULL_MEMBER, PersonCategory.FULL_MEMBER, PersonCategory.FULL_MEMBER,
    PersonCategory.FULL_MEMBER, PersonCategory.FULL_MEMBER, PersonCategory.PROBATIONARY,
    PersonCategory.CANDIDATE, PersonCategory.ACTIVIST, PersonCategory.NON_MEMBER, PersonCategory.NON_MEMBER,
]
EDUCATION_MIX = [Education.PRIMARY, Education.JUNIOR, Education.JUNIOR, Education.SENIOR, Education.VOCATIONAL]
POST_MIX = [None, Post.POLICY_OUTREACH, Post.TECH_DEMONSTRATION, None, Post.MEDIATION, Post.HYGIENE, None, None, None, None]


@dataclass
class DemoLogin:
    username: str
    password: str
    role: str
    unit: str

    def as_dict(self) -> dict:
        return {"username": self.username, "password": self.password, "role": self.role, "unit": self.unit}


def _unit(code: str, name: str, level: UnitLevel, parent: Unit | None) -> Unit:
    unit = db.session.scalar(select(Unit).where(Unit.code == code))
    return unit or services.create_unit(code=code, name=name, level=level, parent=parent)


def _account(logins: list[DemoLogin], username: str, role: Role, unit: Unit, **kwargs) -> Account:
    account = db.session.scalar(select(Account).where(Account.username == username))
    if account is None:
        account = services.create_account(username=username, role=role, password=DEMO_PASSWORD,
                                          scope_unit=unit, **kwargs)
    logins.append(DemoLogin(username, DEMO_PASSWORD, role.value, unit.name))
    return account


def _person(branch: Unit, branch_index: int, index: int) -> Person:
    sequence = branch_index * 10 + index
    born = date(1950 + (sequence * 7) % 50, 1 + sequence % 12, 1 + sequence % 28)
    # Odd sequence digit = male (GB 11643); the mix gives both genders.
    id_number = make_id_number(REGION, born, 100 + sequence * 2 + (index % 2))
    person = db.session.scalar(select(Person).where(Person.id_number == id_number))
    if person is not None:
        return person
    roles: list[CadreRole] = []
    if index == 0:
        roles = [CadreRole.BRANCH_SECRETARY, CadreRole.COMMITTEE_MEMBER]
    elif index == 1:
        roles = [CadreRole.COMMITTEE_MEMBER, CadreRole.VILLAGE_CADRE]
    elif index == 6:
        roles = [CadreRole.RESERVE_CADRE]
    return services.create_person(
        unit=branch,
        name=SURNAMES[sequence % len(SURNAMES)] + GIVEN[(sequence * 5 + index) % len(GIVEN)],
        id_number=id_number,
        category=CATEGORY_MIX[index],
        cadre_roles=roles,
        gender=(Gender.MALE if int(id_number[16]) % 2 else Gender.FEMALE).value,
        birth_year=born.year,
        phone=f"1380471{sequence:04d}",
        education=EDUCATION_MIX[index % len(EDUCATION_MIX)].value,
        is_prosperity_leader=index in (2, 7),
        post=POST_MIX[index].value if POST_MIX[index] else None,
    )


def load_demo() -> list[DemoLogin]:
    """Create the demo county if missing and return every demo login."""
    logins: list[DemoLogin] = []
    county = _unit(*COUNTY, UnitLevel.COUNTY, None)
    _account(logins, "trainer", Role.TRAINER, county, display_name="县培训员")
    branch_index = 0
    for code, name, slug, branches in TOWNSHIPS:
        township = _unit(code, name, UnitLevel.TOWNSHIP, county)
        _account(logins, f"org-{slug}", Role.ORGANISER, township, display_name=f"{name}组织员")
        for number, (branch_code, village) in enumerate(branches, start=1):
            branch = _unit(branch_code, f"{village}党支部", UnitLevel.BRANCH, township)
            site = db.session.scalar(select(Site).where(Site.code == f"S{branch_code}"))
            if site is None:
                site = services.create_site(unit=branch, code=f"S{branch_code}", name=f"{village}党员活动室",
                                            address=f"{name}{village}村委会")
            people = [_person(branch, branch_index, index) for index in range(10)]
            _account(logins, f"sec-{slug}{number}", Role.ORGANISER, branch, person=people[0])
            _account(logins, f"tv-{slug}{number}", Role.TERMINAL, branch, site=site,
                     display_name=site.name)
            _account(logins, f"member-{slug}{number}", Role.MEMBER, branch, person=people[2])
            branch_index += 1
    db.session.flush()
    return logins
