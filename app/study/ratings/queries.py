"""Reads of course evaluations, always over the people in the caller's scope
(app.core.scope: a trainer of the county sees the county's learners, a township organiser
the township's, a member their branch's):

- rating_summary / list_comments: averages and distributions of the two questions, and the
  sentences newest first;
- course_analytics: per course and per lesson, who started and completed, the drop-off curve of
  each video or audio lesson from the watched intervals (app.study.progress), and the item
  analysis of each quiz (app.quiz.queries.quiz_results_for, the one place it is computed).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import selectinload

from app.catalog.choices import LessonType
from app.catalog.models import Course, Lesson
from app.core.scope import scope_filter
from app.extensions import db
from app.org.models import Person
from app.quiz import queries as quiz_queries
from app.quiz.models import Attempt, Quiz
from app.study.progress import intervals as watched
from app.study.progress.models import CourseCompletion, LessonCompletion, LessonProgress
from app.study.ratings.models import SCALE, CourseRating

COMMENTS_PER_PAGE = 20
SEGMENTS = 20  # the drop-off curve: one bar per 5% of the lesson


def people_in_scope(account) -> Select:
    """Ids of the people the account sees (the one scope rule)."""
    return select(Person.id).where(scope_filter(Person, account))


@dataclass
class QuestionSummary:
    average: float | None
    distribution: list[tuple[int, int]]  # (face 1..5, people), every face listed

    @property
    def most(self) -> int:
        return max((count for _, count in self.distribution), default=0)


@dataclass
class RatingSummary:
    count: int
    useful: QuestionSummary
    clear: QuestionSummary

    @property
    def overall(self) -> float | None:
        if self.useful.average is None or self.clear.average is None:
            return None
        return (self.useful.average + self.clear.average) / 2


def _question(values: list[int]) -> QuestionSummary:
    counts = {face: 0 for face in SCALE}
    for value in values:
        counts[value] += 1
    return QuestionSummary(round(sum(values) / len(values), 2) if values else None, sorted(counts.items()))


def rating_summary(account, course_id: int) -> RatingSummary:
    rows = db.session.execute(select(CourseRating.useful, CourseRating.clear).where(
        CourseRating.course_id == course_id, scope_filter(CourseRating, account))).all()
    return RatingSummary(len(rows), _question([row.useful for row in rows]), _question([row.clear for row in rows]))


def list_comments(account, course_id: int, page: int = 1, per_page: int = COMMENTS_PER_PAGE):
    """Ratings with a sentence, newest first (by their last edit), a page at a time."""
    statement = (select(CourseRating).where(CourseRating.course_id == course_id, CourseRating.comment != "",
                                            scope_filter(CourseRating, account))
                 .options(selectinload(CourseRating.person).selectinload(Person.unit))
                 .order_by(CourseRating.updated_at.desc(), CourseRating.id.desc()))
    return db.paginate(statement, page=page, per_page=per_page, max_per_page=100, error_out=False)


# --- the catalog's sort by rating (app.catalog.course_ratings is the seam) -----------------

def average_column(account) -> ColumnElement:
    """Correlated to Course.id: the average of both questions over raters in the account's scope
    (NULL when nobody there rated the course)."""
    return (select(func.avg((CourseRating.useful + CourseRating.clear) / 2.0))
            .where(CourseRating.course_id == Course.id, scope_filter(CourseRating, account))
            .correlate(Course).scalar_subquery())


def count_column(account) -> ColumnElement:
    return (select(func.count(CourseRating.id))
            .where(CourseRating.course_id == Course.id, scope_filter(CourseRating, account))
            .correlate(Course).scalar_subquery())


def averages_for(account, course_ids: list[int]) -> dict[int, tuple[float, int]]:
    """{course id: (average of both questions, raters)} over raters in scope, for rated courses."""
    if not course_ids:
        return {}
    rows = db.session.execute(
        select(CourseRating.course_id, func.avg((CourseRating.useful + CourseRating.clear) / 2.0), func.count())
        .where(CourseRating.course_id.in_(course_ids), scope_filter(CourseRating, account))
        .group_by(CourseRating.course_id)).all()
    return {course_id: (round(float(average), 1), count) for course_id, average, count in rows}


# --- the trainer's analytics ----------------------------------------------------------------

@dataclass
class Segment:
    start: float
    end: float
    watched: int
    share: float | None

    @property
    def percent(self) -> int:
        return round((self.share or 0) * 100)


@dataclass
class LessonFigures:
    lesson: Lesson
    started: int = 0
    completed: int = 0
    viewers: int = 0  # learners with watched intervals on the current version (the curve's base)
    curve: list[Segment] = field(default_factory=list)

    @property
    def has_curve(self) -> bool:
        return bool(self.curve)


@dataclass
class CourseAnalytics:
    course: Course
    ratings: RatingSummary
    started: int
    completed: int
    lessons: list[LessonFigures]
    quizzes: list[tuple[Quiz, quiz_queries.QuizResults]]


def course_analytics(account, course: Course) -> CourseAnalytics:
    """Every figure of the analytics page, over the people in the account's scope."""
    people = people_in_scope(account)
    lessons = list(course.lessons)
    versions = {lesson.id: lesson.content_version for lesson in lessons}
    started: dict[int, set[int]] = defaultdict(set)
    completed: dict[int, set[int]] = defaultdict(set)
    intervals_of: dict[int, list[list]] = defaultdict(list)
    if lessons:
        for lesson_id, person_id, version, text in db.session.execute(
                select(LessonProgress.lesson_id, LessonProgress.person_id, LessonProgress.content_version,
                       LessonProgress.intervals)
                .where(LessonProgress.lesson_id.in_(versions), LessonProgress.person_id.in_(people))):
            if version != versions[lesson_id]:
                continue
            started[lesson_id].add(person_id)
            loaded = watched.loads(text)
            if loaded:
                intervals_of[lesson_id].append(loaded)
        for lesson_id, person_id, version in db.session.execute(
                select(LessonCompletion.lesson_id, LessonCompletion.person_id, LessonCompletion.content_version)
                .where(LessonCompletion.lesson_id.in_(versions), LessonCompletion.person_id.in_(people))):
            if version == versions[lesson_id]:
                started[lesson_id].add(person_id)
                completed[lesson_id].add(person_id)
        for lesson_id, person_id in db.session.execute(
                select(Quiz.lesson_id, Attempt.person_id).join(Attempt, Attempt.quiz_id == Quiz.id)
                .where(Quiz.course_id == course.id, Quiz.lesson_id.is_not(None), Attempt.person_id.in_(people))):
            started[lesson_id].add(person_id)
    figures = []
    for lesson in lessons:
        item = LessonFigures(lesson, len(started[lesson.id]), len(completed[lesson.id]))
        duration = lesson.media.duration if lesson.media is not None else None
        if lesson.type in (LessonType.VIDEO, LessonType.AUDIO) and duration:
            item.viewers, item.curve = drop_off(intervals_of[lesson.id], float(duration))
        figures.append(item)
    course_started = set().union(*started.values()) if started else set()
    course_completed = set(db.session.scalars(select(CourseCompletion.person_id).where(
        CourseCompletion.course_id == course.id, CourseCompletion.person_id.in_(people)).distinct()))
    quizzes = [(quiz, quiz_queries.quiz_results_for(account, quiz))
               for quiz in quiz_queries.list_quizzes_of_course(course)]
    return CourseAnalytics(course, rating_summary(account, course.id), len(course_started | course_completed),
                           len(course_completed), figures, quizzes)


def drop_off(learners: list[list], duration: float, count: int = SEGMENTS) -> tuple[int, list[Segment]]:
    """(viewers, segments): the share of viewers who watched at least half of each segment."""
    totals = [0] * count
    for intervals in learners:
        for number, seen in enumerate(watched.segments_watched(intervals, duration, count)):
            totals[number] += seen
    viewers = len(learners)
    size = duration / count
    return viewers, [Segment(number * size, (number + 1) * size, totals[number],
                             totals[number] / viewers if viewers else None) for number in range(count)]
