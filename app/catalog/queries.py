"""Scoped reads of the catalog.

Two rules live here:
- Managing (trainers, organisers, admins): a course is theirs to edit when its owner
  unit is inside their scope (app.core.scope.scoped).
- Learning (everyone): a published course is visible when one of its publications
  targets the account's scope unit or one of that unit's ancestors ("/1/4/17/" ->
  units 1, 4 and 17). Administrators, who have no scope unit, see every published
  course. Drafts and archived courses are never visible to learners. This is THE
  learner rule: pages, the API, media serving and quiz images all call it
  (openable_condition adds the managers' preview of drafts they own, for roles that may
  manage courses only: a member or terminal whose branch owns a draft still does not see it).
"""
from __future__ import annotations

from flask import abort
from sqlalchemy import ColumnElement, exists, false, func, or_, select, true
from sqlalchemy.orm import selectinload

from app.catalog.choices import CourseStatus
from app.catalog.course_ratings import course_ratings
from app.catalog.models import Category, Course, CoursePublication, Lesson
from app.core.permissions import can
from app.core.scope import get_in_scope_or_404, scope_filter, scoped, unit_ids_in_scope
from app.extensions import db
from app.org.models import Unit

CATALOG_PER_PAGE = 20
SORTS = ("newest", "rating")  # the catalog's orders; "rating" needs app.catalog.course_ratings
MANAGE_PER_PAGE = 20


def ancestor_unit_ids(path: str) -> list[int]:
    """Ids on a materialised path, root first: "/1/4/17/" -> [1, 4, 17]."""
    return [int(part) for part in path.strip("/").split("/") if part]


def learner_unit_ids(account) -> list[int] | None:
    """The units whose publications the account sees as a learner: its scope unit and the units
    above it, root first. None: every published course (an administrator); []: none."""
    if account.scope_unit is None:
        return None if account.is_admin else []
    return ancestor_unit_ids(account.scope_unit.path)


def visible_condition(account) -> ColumnElement[bool]:
    """SQL condition on Course: published and published to the account's unit or above it."""
    unit_ids = learner_unit_ids(account)
    if unit_ids is None:
        return published_condition()
    return published_to_units(unit_ids) if unit_ids else false()


def published_to_condition(unit) -> ColumnElement[bool]:
    """SQL condition on Course: published, and published to `unit` or one of its ancestors
    (what every learner of the unit sees)."""
    return published_to_units(ancestor_unit_ids(unit.path))


def published_condition() -> ColumnElement[bool]:
    return Course.status == CourseStatus.PUBLISHED.value


def published_to_units(unit_ids) -> ColumnElement[bool]:
    """The learner rule's condition for a unit whose path holds `unit_ids` (a list, or an
    expanding bound parameter for a statement built once, as a heartbeat's)."""
    published_here = exists().where(CoursePublication.course_id == Course.id, CoursePublication.unit_id.in_(unit_ids))
    return published_condition() & published_here


def published_in_scope_condition(account) -> ColumnElement[bool]:
    """SQL condition on Course: what a learner of some unit in the account's scope sees
    (published to a unit in the scope or above it); everything published for an administrator."""
    if account.scope_unit is None:
        return published_condition()
    targets = unit_ids_in_scope(account).union(select(Unit.id).where(Unit.id.in_(ancestor_unit_ids(account.scope_unit.path))))
    return published_to_units(targets)


def openable_condition(account) -> ColumnElement[bool]:
    """SQL condition on Course: the account may open the course and what it holds (lessons,
    media, posters, quiz images): as a learner (visible_condition), or, for those who may
    manage courses, as the manager of a course owned in their scope (drafts as a preview).
    A member or a terminal gets the learner rule only, whatever units its scope holds."""
    if can(account, "manage_courses"):
        return or_(visible_condition(account), scope_filter(Course, account))
    return visible_condition(account)


def normalise_query(text: str) -> str:
    """What search compares: lower case without spaces ("Ma Ling Shu" -> "malingshu")."""
    return "".join((text or "").split()).lower()


def search_condition(text: str) -> ColumnElement[bool]:
    needle = normalise_query(text)
    if not needle:
        return true()
    return Course.search_text.contains(needle, autoescape=True)


def list_categories() -> list[Category]:
    return list(db.session.scalars(select(Category).order_by(Category.position, Category.id)))


def get_category_by_code(code: str | None) -> Category | None:
    if not code:
        return None
    return db.session.scalar(select(Category).where(Category.code == code))


def get_category_or_404(category_id: int) -> Category:
    category = db.session.get(Category, category_id)
    if category is None:
        abort(404)
    return category


def available_sorts() -> list[str]:
    return list(SORTS) if course_ratings() is not None else ["newest"]


def list_courses_for(account, category: Category | str | None = None, query: str = "", page: int = 1,
                     per_page: int = CATALOG_PER_PAGE, sort: str = "newest"):
    """Published courses the account may study, one page at a time: newest first, or (sort
    "rating") best rated by the raters in the account's unit first, unrated ones last."""
    statement = (select(Course).where(visible_condition(account), search_condition(query))
                 .options(selectinload(Course.category)))
    if isinstance(category, str):
        category = get_category_by_code(category)
        if category is None:
            statement = statement.where(false())
    if category is not None:
        statement = statement.where(Course.category_id == category.id)
    ratings = course_ratings() if sort == "rating" else None
    if ratings is not None:
        average, raters = ratings.average_column(account), ratings.count_column(account)
        statement = statement.order_by(average.is_(None), average.desc(), raters.desc())
    statement = statement.order_by(Course.published_at.desc(), Course.id.desc())
    return db.paginate(statement, page=page, per_page=per_page, max_per_page=200, error_out=False)


def count_courses_for(account) -> int:
    return db.session.scalar(select(func.count()).select_from(Course).where(visible_condition(account)))


def get_visible_course_or_404(account, course_id: int) -> Course:
    """A course as learners see it; those who may manage it also see it as a draft (preview)."""
    course = db.session.scalar(select(Course).where(Course.id == course_id, openable_condition(account)))
    if course is None:
        abort(404)
    return course


def get_visible_lesson_or_404(account, course_id: int, lesson_id: int) -> tuple[Course, Lesson]:
    course = get_visible_course_or_404(account, course_id)
    return course, _lesson_of_or_404(course, lesson_id)


def list_courses_a_unit_may_require(account, unit, limit: int = 500) -> list[Course]:
    """Courses a training plan of `unit` may require, by title: those its learners can study
    (published to the unit or above), and courses owned in the editor's scope that are not
    archived (a plan may name a course before it is published). Nothing else: not another
    county's drafts, not a course published only to some other township."""
    own = scope_filter(Course, account) & (Course.status != CourseStatus.ARCHIVED.value)
    statement = select(Course).where(or_(published_to_condition(unit), own)).order_by(Course.title, Course.id)
    return list(db.session.scalars(statement.limit(limit)))


def lesson_counts(course_ids: list[int]) -> dict[int, int]:
    if not course_ids:
        return {}
    rows = db.session.execute(select(Lesson.course_id, func.count()).where(Lesson.course_id.in_(course_ids))
                              .group_by(Lesson.course_id))
    return dict(rows.all())


# --- managing --------------------------------------------------------------------------------

def list_managed_courses_for(account, status: str | None = None, page: int = 1, per_page: int = MANAGE_PER_PAGE):
    """Courses owned by units in the account's scope (drafts, published and archived)."""
    statement = scoped(Course, account).options(selectinload(Course.category), selectinload(Course.owner_unit))
    if status:
        statement = statement.where(Course.status == status)
    statement = statement.order_by(Course.updated_at.desc(), Course.id.desc())
    return db.paginate(statement, page=page, per_page=per_page, max_per_page=200, error_out=False)


def count_managed_courses_by_status(account) -> dict[str, int]:
    statement = scoped(Course, account, select(Course.status, func.count()).select_from(Course))
    return dict(db.session.execute(statement.group_by(Course.status)).all())


def get_managed_course_or_404(account, course_id: int) -> Course:
    return get_in_scope_or_404(Course, course_id, account)


def get_managed_lesson_or_404(account, course_id: int, lesson_id: int) -> tuple[Course, Lesson]:
    course = get_managed_course_or_404(account, course_id)
    return course, _lesson_of_or_404(course, lesson_id)


def _lesson_of_or_404(course: Course, lesson_id: int) -> Lesson:
    for lesson in course.lessons:
        if lesson.id == lesson_id:
            return lesson
    abort(404)
