"""The only home of completion and credit hours: lessons, courses and grants are recorded here,
once, and the rules that turn watched time and attended minutes into hours live here too.

Every write happens under the person's row lock (lock_people), so "once" holds when two
requests for the same learner race, and the course check sees every lesson completed so far.
Each record announces itself through app.study.signals inside the same transaction.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from flask import current_app
from sqlalchemy import bindparam, func, select, update

from app.catalog.choices import LessonType
from app.catalog.models import Course, Lesson
from app.core.localtime import local_year
from app.core.model_base import as_utc, utcnow
from app.extensions import db
from app.org.models import Person
from app.study import signals
from app.study.progress.models import CourseCompletion, CreditGrant, CreditSource, LessonCompletion
from app.quiz.models import Attempt
from app.quiz.services import best_result_passed

if TYPE_CHECKING:
    from app.study.sessions.models import Attendance, StudySession

HOURS_QUANTUM = Decimal("0.001")


# The statements of lock_people, built once (a heartbeat runs them every time).
_PEOPLE = bindparam("people", expanding=True)
# FOR NO KEY UPDATE, not FOR UPDATE: the foreign keys of rows this transaction already
# inserted hold KEY SHARE on the person, and FOR UPDATE would deadlock against them.
_LOCK = select(Person.id).where(Person.id.in_(_PEOPLE)).order_by(Person.id).with_for_update(key_share=True)
_SQLITE_LOCK = update(Person).where(Person.id.in_(_PEOPLE)).values(id=Person.id)


def lock_people(person_ids: list[int]) -> None:
    """Serialise study writes per person; always in id order so two batches cannot deadlock."""
    if not person_ids:
        return
    if db.session.get_bind().dialect.name == "sqlite":
        _lock_sqlite(person_ids)
        return
    db.session.execute(_LOCK, {"people": list(person_ids)}).all()


def _lock_sqlite(person_ids: list[int]) -> None:
    # SQLite has one write lock per database. Reads outside a write transaction run on their
    # own snapshot, so take the lock (a no-op write) unless this transaction already holds it.
    if not db.session.connection().connection.dbapi_connection.in_transaction:
        db.session.execute(_SQLITE_LOCK, {"people": list(person_ids)})


def lock_people_reading(person_ids: list[int], statement, parameters: dict) -> list:
    """lock_people, then the rows of `statement` (a select built once, from person and what it
    outer-joins of them), read under the lock.

    On SQLite the write lock is held from the transaction's first write on, so this is one
    statement there. On PostgreSQL the read must be a statement of its own after the lock: a
    locking SELECT that waited for another transaction sees that transaction's change of the
    locked row only, while the rows it joins stay as they were when it started.
    """
    if not person_ids:
        return []
    lock_people(person_ids)
    return db.session.execute(statement, parameters).all()


def _sender():
    return current_app._get_current_object()


def complete_lesson(person_id: int, lesson: Lesson, *, source: CreditSource, at: datetime,
                    session_id: int | None = None) -> LessonCompletion | None:
    """Record that the person completed this version of the lesson; None if already recorded."""
    lock_people([person_id])
    existing = db.session.scalar(select(LessonCompletion).where(
        LessonCompletion.person_id == person_id, LessonCompletion.lesson_id == lesson.id,
        LessonCompletion.content_version == lesson.content_version))
    if existing is not None:
        return None
    record = LessonCompletion(person_id=person_id, lesson_id=lesson.id, content_version=lesson.content_version,
                              source=CreditSource(source).value, session_id=session_id, completed_at=at)
    db.session.add(record)
    db.session.flush()
    signals.lesson_completed.send(_sender(), person_id=person_id, lesson_id=lesson.id, course_id=lesson.course_id,
                                  source=record.source, at=at)
    check_course_completion(person_id, lesson.course, source=source, at=at)
    return record


def quiz_passed(person_id: int, course: Course) -> bool:
    """True when the course has no quiz or the person's best result passed it."""
    result = best_result_passed(person_id, course.id)
    return result is None or bool(result)


def is_course_complete(person_id: int, course: Course) -> bool:
    required = [lesson for lesson in course.lessons if lesson.required and lesson.type != LessonType.QUIZ]
    done = completed_lesson_ids(person_id, [lesson.id for lesson in required], course)
    return all(lesson.id in done for lesson in required) and quiz_passed(person_id, course)


def completed_lesson_ids(person_id: int, lesson_ids: list[int], course: Course | None = None) -> set[int]:
    """Lessons (current content versions) the person has completed."""
    if not lesson_ids:
        return set()
    rows = db.session.execute(select(LessonCompletion.lesson_id, LessonCompletion.content_version).where(
        LessonCompletion.person_id == person_id, LessonCompletion.lesson_id.in_(lesson_ids))).all()
    versions = {lesson.id: lesson.content_version for lesson in (course.lessons if course else [])}
    return {lesson_id for lesson_id, version in rows if versions.get(lesson_id, version) == version}


def has_completed_course(person_id: int | None, course_id: int) -> bool:
    """True once the person has completed some version of the course (what a rating needs)."""
    if person_id is None:
        return False
    return db.session.scalar(select(CourseCompletion.id).where(
        CourseCompletion.person_id == person_id, CourseCompletion.course_id == course_id).limit(1)) is not None


def check_course_completion(person_id: int, course: Course, *, source: CreditSource | str,
                            at: datetime | None = None) -> CourseCompletion | None:
    """Record the course as complete (and grant its hours) if it now is; safe to call any time.

    The quiz area calls this after a passed attempt (source self_study or session).
    """
    at = at or utcnow()
    lock_people([person_id])
    existing = db.session.scalar(select(CourseCompletion).where(
        CourseCompletion.person_id == person_id, CourseCompletion.course_id == course.id,
        CourseCompletion.course_version == course.version))
    if existing is not None or not is_course_complete(person_id, course):
        return None
    record = CourseCompletion(person_id=person_id, course_id=course.id, course_version=course.version,
                              source=CreditSource(source).value, completed_at=at)
    db.session.add(record)
    db.session.flush()
    signals.course_completed.send(_sender(), person_id=person_id, course_id=course.id,
                                  course_version=course.version, source=record.source, at=at)
    already = db.session.scalar(select(CreditGrant.id).where(
        CreditGrant.person_id == person_id, CreditGrant.source == CreditSource.COURSE.value,
        CreditGrant.course_id == course.id))
    if already is None:  # a new version of a course already credited earns no second grant
        # Self-study time already credited for this course's lessons is part of the course's
        # hours, not on top of them: the course earns its hours once in all.
        studied = db.session.scalar(select(func.coalesce(func.sum(CreditGrant.hours), 0)).where(
            CreditGrant.person_id == person_id, CreditGrant.course_id == course.id,
            CreditGrant.source == CreditSource.SELF_STUDY.value)) or Decimal("0")
        remaining = max(Decimal(course.credit_hours) - Decimal(studied), Decimal("0"))
        _grant(person_id, remaining.quantize(HOURS_QUANTUM), CreditSource.COURSE, at, course_id=course.id)
    return record


def on_quiz_passed(sender, attempt_id: int, person_id: int, at: datetime | None = None, **payload) -> None:
    """Receiver of app.quiz.signals.quiz_passed: a passed quiz may complete its course."""
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None:
        return
    source = CreditSource.SESSION if attempt.terminal_account_id else CreditSource.SELF_STUDY
    at = at or utcnow()
    quiz_lesson = attempt.quiz.lesson
    if quiz_lesson is not None:
        # A quiz lesson is complete once its quiz is passed: make-ups and course lines tick it off.
        complete_lesson(person_id, quiz_lesson, source=source, at=at)
    check_course_completion(person_id, attempt.quiz.course, source=source, at=at)


def _grant(person_id: int, hours: Decimal, source: CreditSource, at: datetime, **refs) -> CreditGrant:
    grant = CreditGrant(person_id=person_id, year=local_year(at), hours=hours, source=source.value,
                        granted_at=at, **refs)
    db.session.add(grant)
    db.session.flush()
    signals.credit_granted.send(_sender(), person_id=person_id, grant_id=grant.id, hours=grant.hours,
                                source=grant.source, at=at)
    return grant


def self_study_hours(credited_seconds: float) -> Decimal:
    return (Decimal(str(credited_seconds)) / 3600).quantize(HOURS_QUANTUM, rounding=ROUND_HALF_UP)


def grant_self_study(person_id: int, lesson_id: int, course_id: int | None, day: date, credited_seconds: float,
                     at: datetime) -> CreditGrant:
    """Set the self-study grant of one lesson-day to `credited_seconds` (it only grows).

    Playback progress does the same in bulk (app.study.progress). A self-study grant sends no
    credit_granted signal: it grows with every heartbeat, so it is marked ledger_pending and the
    records domain appends its growth in bulk.
    """
    hours = self_study_hours(credited_seconds)
    grant = db.session.scalar(select(CreditGrant).where(
        CreditGrant.person_id == person_id, CreditGrant.source == CreditSource.SELF_STUDY.value,
        CreditGrant.lesson_id == lesson_id, CreditGrant.day == day))
    if grant is None:
        grant = CreditGrant(person_id=person_id, year=local_year(at), hours=hours, source=CreditSource.SELF_STUDY.value,
                            granted_at=at, lesson_id=lesson_id, course_id=course_id, day=day, ledger_pending=True)
        db.session.add(grant)
    elif hours > grant.hours:
        grant.hours = hours
        grant.granted_at = at
        grant.ledger_pending = True
    db.session.flush()
    return grant


def grant_session_credit(person_id: int, session_id: int, attended_minutes: float, *,
                         source: CreditSource = CreditSource.SESSION, at: datetime | None = None) -> CreditGrant | None:
    """Credit hours for attending a group session (or its make-up), by the session rule; once."""
    at = at or utcnow()
    lock_people([person_id])
    existing = db.session.scalar(select(CreditGrant).where(
        CreditGrant.person_id == person_id, CreditGrant.session_id == session_id,
        CreditGrant.source.in_([CreditSource.SESSION.value, CreditSource.MAKEUP.value])))
    hours = session_hours(attended_minutes)
    if existing is not None or hours <= 0:
        return None
    return _grant(person_id, hours, CreditSource(source), at, session_id=session_id)


# --- the credit-hour rules -----------------------------------------------------------------

@dataclass(frozen=True)
class SelfStudyRules:
    min_continuous: float
    cap: float


def self_study_rules() -> SelfStudyRules:
    return SelfStudyRules(current_app.config["SELF_STUDY_MIN_CONTINUOUS"], current_app.config["SELF_STUDY_CAP"])


def session_hours(attended_minutes: float) -> Decimal:
    """Credit hours for attended minutes: 45 min = 1 h by default, rounded down to half hours."""
    per_hour = current_app.config["SESSION_MINUTES_PER_HOUR"]
    step = current_app.config["SESSION_HOURS_STEP"]
    if attended_minutes <= 0 or per_hour <= 0:
        return Decimal("0")
    hours = Decimal(str(attended_minutes)) / Decimal(str(per_hour))
    steps = (hours / step).to_integral_value(rounding=ROUND_FLOOR)
    return (steps * step).quantize(Decimal("0.1"))


def self_study_day_credit(day_unique_seconds: float, day_longest_run: float, credited_before: float,
                          rules: SelfStudyRules | None = None) -> float:
    """Self-study seconds one day earns for one resource.

    Nothing before the minimum continuous watching; re-watching within the day is already
    excluded by counting the day's unique seconds; the resource's total stays under the cap.
    """
    rules = rules or self_study_rules()
    if day_longest_run < rules.min_continuous:
        return 0.0
    return max(0.0, min(day_unique_seconds, rules.cap - credited_before))


def attended_minutes(session: StudySession, row: Attendance, closed_at: datetime) -> float:
    """Minutes of a session one attendee is credited for: from arrival to leaving or closing,
    never before the planned start or (a session opened on the TV) before it was opened, never
    after the planned end. So no session earns more than its planned length allows, however
    long it was left open or however early an arrival was entered."""
    begin = max(as_utc(row.arrived_at), as_utc(session.starts_at))
    if session.opened_at is not None:
        begin = max(begin, as_utc(session.opened_at))
    end = min(as_utc(row.left_at) if row.left_at else closed_at, closed_at, as_utc(session.planned_end_at))
    return max((end - begin).total_seconds() / 60, 0.0)
