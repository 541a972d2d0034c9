"""A terminal playing in a group session credits everyone signed in, late arrivals from arrival on."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.study.progress import services as progress
from app.study.sessions import services as sessions
from app.study.progress.models import LessonCompletion
from app.study.sessions.models import AttendanceSource
from tests.factories import create_person
from tests.unit.study.study_data import T0, as_loaded, playback, video_course


@pytest.fixture
def open_session(world):
    course = video_course(world, duration=300)
    late = create_person(world.branch_a1, "迟到者")
    absent = create_person(world.branch_a1, "缺席者")
    db.session.flush()
    session = sessions.schedule_session(by=world.accounts["secretary_a1"], site=world.site_a1, title="马铃薯晚疫病防治",
                                        starts_at=T0, planned_end_at=T0 + timedelta(hours=1), course=course,
                                        now=T0 - timedelta(days=1))
    sessions.open_session(session, by=world.accounts["secretary_a1"], now=T0)
    sessions.sign_in(session, world.person_a1.id, source=AttendanceSource.TICK, by=world.accounts["terminal_a1"],
                     now=T0)
    sessions.sign_in(session, late.id, source=AttendanceSource.TICK, by=world.accounts["terminal_a1"],
                     now=T0 + timedelta(seconds=120))
    db.session.commit()
    return session, course.lessons[0], late, absent


def test_terminal_playback_credits_those_present_from_their_arrival(world, open_session):
    session, lesson, late, absent = open_session
    terminal = world.accounts["terminal_a1"]
    # The TV plays the whole 300 s lesson from T0; the late member arrives 120 s in.
    result = progress.record_events(terminal, as_loaded(playback(lesson.id, 0, 300, session_id=session.id)),
                                    now=T0 + timedelta(minutes=10))
    db.session.commit()
    assert result.accepted == 20
    on_time = progress.get_progress(world.person_a1.id, lesson)
    assert on_time == {"watched_seconds": 300.0, "resume_position": 0.0, "complete": True}
    assert progress.get_progress(late.id, lesson)["watched_seconds"] == 180.0
    assert progress.get_progress(absent.id, lesson)["watched_seconds"] == 0.0
    completions = db.session.scalars(select(LessonCompletion)).all()
    assert [(row.person_id, row.source, row.session_id) for row in completions] == [
        (world.person_a1.id, "session", session.id)]


def test_another_sites_terminal_cannot_post_for_the_session(world, open_session):
    from app.org.choices import Role
    from tests.factories import create_account, create_site

    session, lesson, _late, _absent = open_session
    other = create_account("tv-a1-b", Role.TERMINAL, world.branch_a1, site=create_site(world.branch_a1))
    db.session.commit()
    with pytest.raises(progress.ProgressRefused) as refused:
        progress.record_events(other, as_loaded(playback(lesson.id, 0, 30, session_id=session.id)))
    assert refused.value.status == 404
