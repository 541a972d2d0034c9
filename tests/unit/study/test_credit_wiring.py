"""Events that cross areas: a passed quiz completes its course; a closed session and a finished
make-up grant credit hours by the session rule."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

from sqlalchemy import select

from app.extensions import db
from app.study import credit as completion
from app.study.sessions import services as sessions
from app.study.progress.models import CourseCompletion, CreditGrant
from app.study.sessions.models import AttendanceSource, MakeUp
from tests.factories import bank_questions, create_bank, create_course, create_quiz

START = datetime(2026, 11, 20, 11, 30, tzinfo=timezone.utc)  # 19:30 in Asia/Shanghai


def _grants(person_id, source):
    return list(db.session.scalars(select(CreditGrant).where(CreditGrant.person_id == person_id,
                                                             CreditGrant.source == source)))


def test_passing_the_quiz_completes_the_course_and_grants_its_hours(world):
    from app.quiz import services as quiz_services

    course = create_course(world.county, credit_hours="1.5", publish_to=[world.county], lessons=1)
    bank = create_bank(world.county)
    quiz = create_quiz(course, questions=bank_questions(bank)[:2], pass_mark=0)
    completion.complete_lesson(world.person_a1.id, course.lessons[0], source="self_study", at=START)
    assert db.session.scalar(select(CourseCompletion)) is None  # the quiz is still open
    member = world.accounts["member_a1"]
    attempt = quiz_services.start_attempt(quiz, world.person_a1, account=member)
    assert quiz_services.submit_attempt(attempt, member, {})
    done = db.session.scalar(select(CourseCompletion))
    assert (done.person_id, done.course_id) == (world.person_a1.id, course.id)
    assert [grant.hours for grant in _grants(world.person_a1.id, "course")] == [Decimal("1.5")]


def test_a_failed_quiz_does_not_complete_the_course(world):
    from app.quiz import services as quiz_services

    course = create_course(world.county, publish_to=[world.county], lessons=1)
    quiz = create_quiz(course, questions=bank_questions(create_bank(world.county))[:2], pass_mark=100)
    completion.complete_lesson(world.person_a1.id, course.lessons[0], source="self_study", at=START)
    attempt = quiz_services.start_attempt(quiz, world.person_a1, account=world.accounts["member_a1"])
    quiz_services.submit_attempt(attempt, world.accounts["member_a1"], {})
    assert db.session.scalar(select(CourseCompletion)) is None


def _session(world):
    course = create_course(world.county, publish_to=[world.county], lessons=1)
    secretary = world.accounts["secretary_a1"]
    session = sessions.schedule_session(by=secretary, site=world.site_a1, title="集中学习", course=course,
                                        starts_at=START, planned_end_at=START + timedelta(minutes=90),
                                        now=START - timedelta(days=1))
    sessions.open_session(session, by=secretary, now=START - timedelta(minutes=5))
    return session, secretary


def test_closing_a_session_grants_hours_by_attended_time(world):
    from tests.factories import create_person

    late_person = create_person(world.branch_a1, "迟到者")
    absent_person = create_person(world.branch_a1, "缺席者")
    db.session.flush()
    session, secretary = _session(world)
    sessions.sign_in(session, world.person_a1.id, source=AttendanceSource.TICK, by=secretary, now=START)
    sessions.sign_in(session, late_person.id, source=AttendanceSource.TICK, by=secretary,
                     now=START + timedelta(minutes=25))
    sessions.close_session(session, by=secretary, now=START + timedelta(minutes=90))
    # 90 minutes = 2 hours; 65 minutes = 1 hour (45 min an hour, rounded down to half hours).
    assert [grant.hours for grant in _grants(world.person_a1.id, "session")] == [Decimal("2.0")]
    assert [grant.hours for grant in _grants(late_person.id, "session")] == [Decimal("1.0")]
    assert _grants(absent_person.id, "session") == []
    sessions.close_session(session, by=secretary, now=START + timedelta(minutes=120))  # again: nothing more
    assert len(_grants(world.person_a1.id, "session")) == 1


def test_finishing_a_make_up_grants_the_session_hours(world):
    session, secretary = _session(world)
    sessions.close_session(session, by=secretary, now=START + timedelta(minutes=90))
    make_up = db.session.scalar(select(MakeUp).where(MakeUp.person_id == world.person_a1.id))
    assert make_up is not None and _grants(world.person_a1.id, "makeup") == []
    lesson = session.lesson_rows[0].lesson
    completion.complete_lesson(world.person_a1.id, lesson, source="makeup", at=START + timedelta(days=2))
    assert make_up.status == "done"
    assert [grant.hours for grant in _grants(world.person_a1.id, "makeup")] == [Decimal("2.0")]
