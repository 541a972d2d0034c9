"""Reads for a member's own pages: their courses, where to resume, their hours."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.catalog.models import Course, Lesson
from app.catalog.queries import visible_condition
from app.core.localtime import local_year
from app.extensions import db
from app.study import rules
from app.study.credit import completed_lesson_ids
from app.study.progress.models import CourseCompletion, CreditGrant, CreditSource, LessonProgress

RESUME_LIMIT = 5


@dataclass
class CourseLine:
    course: Course
    lessons_done: int
    lessons_required: int
    completed_at: object = None
    next_lesson: Lesson | None = None


@dataclass
class MyCourses:
    assigned: list[CourseLine]
    in_progress: list[CourseLine]
    done: list[CourseLine]


def list_my_courses(account) -> MyCourses:
    """Courses published to the member's unit, split into not started, in progress and done."""
    person_id = account.person_id
    courses = list(db.session.scalars(select(Course).where(visible_condition(account))
                                      .options(selectinload(Course.lessons))
                                      .order_by(Course.published_at.desc(), Course.id.desc())))
    completions = {row.course_id: row for row in db.session.scalars(select(CourseCompletion).where(
        CourseCompletion.person_id == person_id)) if person_id is not None}
    started = set(db.session.scalars(select(Lesson.course_id).join(
        LessonProgress, LessonProgress.lesson_id == Lesson.id).where(LessonProgress.person_id == person_id)))
    # Courses completed in an earlier version (or no longer published) still count as done.
    done_courses = {row.course_id: row.course for row in completions.values()}
    result = MyCourses([], [], [])
    for course in courses:
        done_courses.pop(course.id, None)
        line = _line(person_id, course)
        completion = completions.get(course.id)
        if completion is not None and completion.course_version == course.version:
            line.completed_at = completion.completed_at
            result.done.append(line)
        elif course.id in started or line.lessons_done:
            result.in_progress.append(line)
        else:
            result.assigned.append(line)
    for course in done_courses.values():
        line = _line(person_id, course)
        line.completed_at = completions[course.id].completed_at
        result.done.append(line)
    return result


def _line(person_id: int | None, course: Course) -> CourseLine:
    required = [lesson for lesson in course.lessons if lesson.required]
    done = completed_lesson_ids(person_id, [lesson.id for lesson in course.lessons], course) if person_id else set()
    next_lesson = next((lesson for lesson in course.lessons if lesson.id not in done), None)
    return CourseLine(course, sum(1 for lesson in required if lesson.id in done), len(required),
                      next_lesson=next_lesson)


@dataclass
class ResumeItem:
    lesson: Lesson
    resume_position: float
    watched_seconds: float


def list_resume_points(account, limit: int = RESUME_LIMIT) -> list[ResumeItem]:
    """The lessons the member stopped in most recently, not yet complete, still visible."""
    if account.person_id is None:
        return []
    rows = db.session.execute(
        select(LessonProgress, Lesson).join(Lesson, LessonProgress.lesson_id == Lesson.id)
        .join(Course, Lesson.course_id == Course.id)
        .where(LessonProgress.person_id == account.person_id, LessonProgress.completed_at.is_(None),
               LessonProgress.content_version == Lesson.content_version, visible_condition(account))
        .order_by(LessonProgress.updated_at.desc()).limit(limit)).all()
    return [ResumeItem(lesson, progress.resume_position, progress.watched_seconds) for progress, lesson in rows]


@dataclass
class HoursSummary:
    year: int
    earned: Decimal
    required: Decimal
    by_source: dict[str, Decimal]
    grants: list[CreditGrant]

    @property
    def remaining(self) -> Decimal:
        return max(Decimal("0"), self.required - self.earned)

    @property
    def by_source_rows(self) -> list[tuple[CreditSource, Decimal]]:
        return [(CreditSource(key), value) for key, value in self.by_source.items()]

    @property
    def met(self) -> bool:
        return self.earned >= self.required


def hours_summary(account, year: int | None = None) -> HoursSummary:
    year = year or local_year()
    person = account.person
    grants = list(db.session.scalars(select(CreditGrant).where(
        CreditGrant.person_id == account.person_id, CreditGrant.year == year)
        .options(selectinload(CreditGrant.course), selectinload(CreditGrant.lesson),
                 selectinload(CreditGrant.session))
        .order_by(CreditGrant.granted_at.desc(), CreditGrant.id.desc()))) if person else []
    by_source = {source.value: Decimal("0") for source in CreditSource}
    for grant in grants:
        by_source[grant.source] += Decimal(grant.hours)
    earned = sum(by_source.values(), Decimal("0")).quantize(Decimal("0.1"))
    return HoursSummary(year, earned, rules.required_hours(person),
                        {key: value.quantize(Decimal("0.1")) for key, value in by_source.items()}, grants)

