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


def create_course(owner_unit: Unit, title: str | None = None, category_code: str = "agri_tech", *,
                  summary: str = "", credit_hours="1", tags: list[str] = (), publish_to: list[Unit] = (),
                  lessons: int = 1, **kwargs):
    """A course with `lessons` text lessons, published to `publish_to` when given."""
    from sqlalchemy import select

    from app.catalog import services as catalog_services
    from app.catalog.models import Category

    catalog_services.ensure_builtin_categories()
    category = db.session.scalar(select(Category).where(Category.code == category_code))
    course = catalog_services.create_course(title=title or f"课程{next(_sequence)}", category=category,
                                            owner_unit=owner_unit, summary=summary, credit_hours=credit_hours,
                                            tags=list(tags), **kwargs)
    for number in range(1, lessons + 1):
        create_lesson(course, title=f"第{number}课", body_markdown=f"# 第{number}课\n\n正文。")
    if publish_to:
        catalog_services.publish_course(course, list(publish_to))
    return course


def create_lesson(course, type: str = "text", title: str | None = None, **kwargs):
    from app.catalog import services as catalog_services

    return catalog_services.add_lesson(course, type=type, title=title or f"课时{next(_sequence)}", **kwargs)


# --- quiz ---------------------------------------------------------------------------------------

QUIZ_GIFT = """$CATEGORY: 农业/马铃薯

::q1:: 马铃薯晚疫病由什么引起？ {=真菌#对 ~细菌#错 ~病毒 ####晚疫病是一种真菌病害。}

::q2:: 下列哪些是晚疫病的防治措施？ {~%50%选用抗病品种 ~%50%及时喷施保护性药剂 ~%-100%大水漫灌}

::q3:: 晚疫病在低温高湿条件下容易流行。 {T ####低温高湿利于病菌繁殖。}

::q4:: 马铃薯的块茎属于植物的哪一部分？ {=茎 =块茎}

::q5:: 每亩马铃薯用种量约多少公斤？ {#150:10}

::q6:: 配对作物与类别 {=马铃薯 -> 薯类 =小麦 -> 谷物 = -> 豆类}

$CATEGORY: 农业/养殖

::q7:: 奶牛挤奶前应做什么？ {=清洗消毒乳房 ~直接挤奶 ~喂食 ####挤奶前必须清洗消毒。}

::q8:: 羊舍冬季应注意保暖通风。 {TRUE}
"""


def create_bank(unit, name: str | None = None, gift: str | None = QUIZ_GIFT):
    """A bank in `unit`, filled from GIFT text (eight questions in two categories by default)."""
    from app.quiz import services as quiz_services

    bank = quiz_services.create_bank(name=name or f"题库{next(_sequence)}", unit=unit)
    if gift:
        quiz_services.import_bank_file(bank, gift.encode("utf-8"), filename="bank.gift")
    return bank


def create_quiz(course, *, lesson=True, questions=(), draw=None, **settings):
    """A quiz on a new quiz lesson of `course` (or the end-of-course quiz), with fixed
    `questions` and/or draw=(bank, category path or None, count)."""
    from sqlalchemy import select

    from app.quiz import services as quiz_services
    from app.quiz.models import QuestionCategory

    quiz_lesson = create_lesson(course, type="quiz", title=settings.pop("lesson_title", "测验")) if lesson else None
    quiz = quiz_services.create_quiz(course, quiz_services.QuizSettings(title=settings.pop("title", "测验"),
                                                                          **settings), lesson=quiz_lesson)
    for question in questions:
        quiz_services.add_fixed_question(quiz, question)
    if draw is not None:
        bank, path, count = draw
        category = None
        if path:
            category = db.session.scalar(select(QuestionCategory).where(QuestionCategory.bank_id == bank.id,
                                                                        QuestionCategory.path == path))
        quiz_services.add_draw(quiz, bank, category, count)
    return quiz


def bank_questions(bank):
    from sqlalchemy import select

    from app.quiz.models import Question

    return list(db.session.scalars(select(Question).where(Question.bank_id == bank.id).order_by(Question.id)))
