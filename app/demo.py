"""The demo county: created once, left alone on every later run."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

from sqlalchemy import select
import uuid

from app.catalog.models import Course
from app.catalog.services import ensure_builtin_categories
from app.extensions import db
from app.org import services
from app.org.choices import CadreRole, Education, Gender, PersonCategory, Post, Role, UnitLevel
from app.org.id_number import make_id_number
from app.org.models import Account, Person, Site, Unit
from app.packages.services import import_package
from app.packages.manifest import load_package
from app.catalog.services import publish_course
from app.core.localtime import local_zone
from app.study.sessions import services as sessions
from app.study.sessions.models import AttendanceSource, StudySession
from app.study.progress.services import lesson_duration, record_events

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


def _demo_county() -> Unit:
    """The demo county; the still empty top unit `lms init` made becomes it (one tree, not two)."""
    county = db.session.scalar(select(Unit).where(Unit.code == COUNTY[0]))
    if county is not None:
        return county
    roots = list(db.session.scalars(select(Unit).where(Unit.parent_id.is_(None)).limit(2)))
    if len(roots) == 1 and not db.session.scalar(select(Unit.id).where(Unit.parent_id == roots[0].id).limit(1)):
        roots[0].code, roots[0].name = COUNTY
        db.session.flush()
        return roots[0]
    return _unit(*COUNTY, UnitLevel.COUNTY, None)


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
    ensure_builtin_categories()
    county = _demo_county()
    _account(logins, "trainer", Role.TRAINER, county, display_name="县培训员")
    _account(logins, "org-county", Role.ORGANISER, county, display_name=f"{county.name}委组织部")
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


def build_demo(with_courses: bool = True) -> list[DemoLogin]:
    """What `lms demo` does, step by step with a commit after each: the county and its people,
    then the starter library and the demo sessions. Returns every demo login."""
    logins = load_demo()
    db.session.commit()
    if with_courses:
        courses = load_starter_library()
        db.session.commit()
        schedule_demo_sessions(courses)
        db.session.commit()
    return logins


# --- courses and group sessions ---------------------------------------------------------------

STARTER_LIBRARY = Path(__file__).resolve().parent.parent / "courses"
# The first branch's session is the one journey 2 walks through.
SESSION_TITLES = {"potato-seed-and-yield": "马铃薯晚疫病防治"}


def load_starter_library() -> list:
    """Import every package in courses/ (idempotent) and publish it to the demo county."""
    county = db.session.scalar(select(Unit).where(Unit.code == COUNTY[0]))
    trainer = db.session.scalar(select(Account).where(Account.username == "trainer"))
    courses = []
    for folder in sorted(STARTER_LIBRARY.iterdir()):
        if not (folder / "course.yaml").is_file():
            continue
        report = import_package(load_package(folder), owner_unit=county, account=trainer)
        course = db.session.get(Course, report.course_id)
        if not any(publication.unit_id == county.id for publication in course.publications):
            publish_course(course, [county], by=trainer)
        courses.append(course)
    db.session.flush()
    return courses


def _local(day: date, hour: int, minute: int) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=local_zone()).astimezone(timezone.utc)


def schedule_demo_sessions(courses: list, now: datetime | None = None) -> None:
    """Per branch: a session in the coming week, and one last week that took place (idempotent)."""
    now = now or datetime.now(timezone.utc)
    today = now.astimezone(local_zone()).date()
    ordered = sorted(courses, key=lambda course: course.slug != "potato-seed-and-yield")
    sites = list(db.session.scalars(select(Site).order_by(Site.code)))
    for index, site in enumerate(sites):
        if db.session.scalar(select(StudySession.id).where(StudySession.site_id == site.id).limit(1)):
            continue  # this site has its demo sessions already
        secretary = db.session.scalar(select(Account).where(Account.scope_unit_id == site.unit_id,
                                                            Account.role == Role.ORGANISER))
        course = ordered[index % len(ordered)]
        title = SESSION_TITLES.get(course.slug, course.title)
        sessions.schedule_session(by=secretary, site=site, title=title, course=course,
                                  starts_at=_local(today + timedelta(days=index % 6), 19, 30),
                                  planned_end_at=_local(today + timedelta(days=index % 6), 21, 0),
                                  now=_local(today - timedelta(days=1), 12, 0))  # scheduled ahead, yesterday
        past_start = _local(today - timedelta(days=7), 19, 30)
        past = sessions.schedule_session(by=secretary, site=site, title=title, course=course,
                                         starts_at=past_start, planned_end_at=past_start + timedelta(minutes=90),
                                         now=past_start - timedelta(days=2))
        roster = sorted(row.person_id for row in past.expected_rows)
        on_leave, absent, late = roster[-1], roster[-3:-1], roster[3]
        leave = sessions.file_leave(past, db.session.get(Person, on_leave), "外出务工", by=secretary,
                                    now=past_start - timedelta(days=1))
        sessions.decide_leave(leave, approve=True, by=secretary, now=past_start - timedelta(hours=20))
        sessions.open_session(past, by=secretary, now=past_start - timedelta(minutes=10))
        for person_id in roster:
            if person_id == on_leave or person_id in absent:
                continue
            arrival = past_start + timedelta(minutes=25 if person_id == late else -5)
            sessions.sign_in(past, person_id, source=AttendanceSource.TICK, by=secretary, now=arrival)
        _demo_session_progress(past, site, past_start)
        sessions.close_session(past, by=secretary, now=past_start + timedelta(minutes=95))
    db.session.flush()


def _demo_session_progress(session, site: Site, start: datetime) -> None:
    """The terminal showed the session's lessons in turn; its playback credits everyone signed in."""
    terminal = db.session.scalar(select(Account).where(Account.site_id == site.id, Account.role == Role.TERMINAL))
    clock = start + timedelta(minutes=5)
    events = []
    for row in sorted(session.lesson_rows, key=lambda item: item.position):
        lesson = row.lesson
        if lesson.type == "quiz":
            continue
        length = lesson_duration(lesson) or float(lesson.min_seconds or 60)
        for offset in range(0, int(length), 60):
            end = min(offset + 60, length)
            events.append({"id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"demo/{session.id}/{lesson.id}/{offset}")),
                           "lesson_id": lesson.id, "start": offset, "end": end, "session_id": session.id,
                           "at": clock + timedelta(seconds=end - offset), "scrolled_to_end": end >= length})
            clock += timedelta(seconds=end - offset)
    if events:
        record_events(terminal, events, now=clock)
