"""The completion service: course completion, credit hours, self-study time rules, session rule."""
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.extensions import db
from app.org.choices import CadreRole
from app.study import credit as completion
from app.study import rules, signals
from app.study.progress import services as progress
from app.study.progress.models import CourseCompletion, CreditGrant, StudyDay
from tests.factories import create_person
from tests.unit.study.study_data import T0, as_loaded, learners_seen_since, playback, video_course


def _record(account, events, now=None):
    learners_seen_since(T0 - timedelta(minutes=1))
    result = progress.record_events(account, as_loaded(events), now=now or T0 + timedelta(days=5))
    db.session.commit()
    return result


def _grants(person, source=None):
    statement = select(CreditGrant).where(CreditGrant.person_id == person.id).order_by(CreditGrant.id)
    if source:
        statement = statement.where(CreditGrant.source == source)
    return list(db.session.scalars(statement))


def test_course_completes_when_required_lessons_do_and_grants_its_hours_once(world):
    def optional_lesson(course):
        from tests.unit.study.study_data import create_video
        from tests.factories import create_lesson

        create_lesson(course, type="video", title="选学", media=create_video(world.township_a, 60), required=False)

    course = video_course(world, duration=120, lessons=2, credit_hours="2.5", extra=optional_lesson)
    first, second, _optional = course.lessons
    member = world.accounts["member_a1"]
    received = []

    def receiver(sender, **payload):
        received.append(payload)

    with signals.course_completed.connected_to(receiver), signals.credit_granted.connected_to(receiver):
        _record(member, playback(first.id, 0, 120))
        assert db.session.scalar(select(CourseCompletion)) is None
        _record(member, playback(second.id, 0, 120, begin_at=T0 + timedelta(minutes=5)))
        _record(member, playback(second.id, 0, 120, begin_at=T0 + timedelta(minutes=10)))  # again: nothing new
    done = db.session.scalars(select(CourseCompletion)).all()
    assert [(row.person_id, row.course_id, row.course_version, row.source) for row in done] == [
        (world.person_a1.id, course.id, course.version, "self_study")]
    assert done[0].completed_at.replace(tzinfo=None) == (T0 + timedelta(minutes=7)).replace(tzinfo=None)
    # The course earns its hours once in all: self-study time already credited for its lessons
    # is part of them, and the course grant adds the rest.
    course_grants = _grants(world.person_a1, "course")
    studied = sum(grant.hours for grant in _grants(world.person_a1, "self_study") if grant.course_id == course.id)
    assert [(grant.hours + studied, grant.course_id, grant.year) for grant in course_grants] == [
        (Decimal("2.5"), course.id, 2026)]
    assert [item["course_id"] for item in received if "course_version" in item] == [course.id]
    assert [item["hours"] for item in received if item.get("source") == "course" and "grant_id" in item] == [
        Decimal("2.5") - studied]
    assert completion.check_course_completion(world.person_a1.id, course, source="self_study") is None


def test_course_with_a_quiz_lesson_waits_for_the_quiz(world):
    from tests.factories import create_lesson

    course = video_course(world, duration=60, extra=lambda c: create_lesson(c, type="quiz", title="测验"))
    _record(world.accounts["member_a1"], playback(course.lessons[0].id, 0, 60))
    passed = completion.quiz_passed(world.person_a1.id, course)
    assert completion.is_course_complete(world.person_a1.id, course) is passed
    assert db.session.scalar(select(CourseCompletion)) is None


def test_self_study_needs_two_minutes_of_continuous_watching(world):
    lesson = video_course(world, duration=3600).lessons[0]
    member = world.accounts["member_a1"]
    # Ten separate minutes with seeks between them: never two continuous minutes.
    scattered = []
    for number in range(10):
        scattered += playback(lesson.id, number * 200, number * 200 + 60, begin_at=T0 + timedelta(minutes=2 * number))
    _record(member, scattered)
    assert _grants(world.person_a1, "self_study") == []
    _record(member, playback(lesson.id, 2400, 2550, begin_at=T0 + timedelta(hours=1)))
    # 150 s continuous: the whole day's unique time now counts (600 + 150 s).
    assert [grant.hours for grant in _grants(world.person_a1, "self_study")] == [Decimal("0.208")]


def test_self_study_same_day_rewatch_earns_nothing_other_days_do_up_to_the_cap(world):
    lesson = video_course(world, duration=7200).lessons[0]
    member = world.accounts["member_a1"]
    _record(member, playback(lesson.id, 0, 1800))
    _record(member, playback(lesson.id, 0, 1800, begin_at=T0 + timedelta(hours=1)))  # same day again
    assert [grant.hours for grant in _grants(world.person_a1, "self_study")] == [Decimal("0.500")]
    _record(member, playback(lesson.id, 0, 2400, begin_at=T0 + timedelta(days=1)))  # next day: capped at 60 min
    _record(member, playback(lesson.id, 0, 600, begin_at=T0 + timedelta(days=2)))  # cap reached
    grants = _grants(world.person_a1, "self_study")
    assert [grant.hours for grant in grants] == [Decimal("0.500"), Decimal("0.500")]
    assert sum(row.credited_seconds for row in db.session.scalars(select(StudyDay))) == 3600


def test_self_study_rules_are_configurable(app, world):
    app.config.update(SELF_STUDY_MIN_CONTINUOUS=30.0, SELF_STUDY_CAP=600.0)
    lesson = video_course(world, duration=3600).lessons[0]
    _record(world.accounts["member_a1"], playback(lesson.id, 0, 45))
    _record(world.accounts["member_a1"], playback(lesson.id, 100, 1000, begin_at=T0 + timedelta(hours=1)))
    assert [grant.hours for grant in _grants(world.person_a1, "self_study")] == [Decimal("0.167")]


@pytest.mark.parametrize("minutes, hours", [(0, "0"), (22, "0"), (23, "0.5"), (44, "0.5"), (45, "1.0"),
                                            (67, "1.0"), (68, "1.5"),
                                            (90, "2.0"), (120, "2.5")])
def test_session_rule_45_minutes_make_an_hour_rounded_down_to_half_hours(app, minutes, hours):
    assert completion.session_hours(minutes) == Decimal(hours)


def test_session_rule_is_configurable(app):
    app.config.update(SESSION_MINUTES_PER_HOUR=60.0, SESSION_HOURS_STEP=Decimal("1"))
    assert completion.session_hours(119) == Decimal("1.0")
    assert completion.session_hours(120) == Decimal("2.0")


def test_session_credit_is_granted_once(world):
    first = completion.grant_session_credit(world.person_a1.id, 77, 95, at=T0)
    again = completion.grant_session_credit(world.person_a1.id, 77, 200, at=T0)
    db.session.commit()
    assert again is None
    assert [(grant.hours, grant.session_id, grant.source) for grant in _grants(world.person_a1)] == [
        (Decimal("2.000"), 77, "session")]
    assert first.hours == Decimal("2.0")


def test_yearly_requirement_is_higher_for_secretaries(world):
    secretary = create_person(world.branch_a1, "书记", cadre_roles=[CadreRole.BRANCH_SECRETARY])
    db.session.commit()
    assert rules.required_hours(world.person_a1) == Decimal("32")
    assert rules.required_hours(secretary) == Decimal("56")
