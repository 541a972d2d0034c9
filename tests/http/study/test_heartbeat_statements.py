"""The statements one heartbeat costs, pinned: the page path (session cookie and CSRF header) and
the API path (bearer token), at the steady state of a learner watching a video.

A heartbeat is the request the server answers most (every learner, every 15 s), so its
statement count is its cost (bench/bench_heartbeat.py measures the same with its CPU time; see
bench/README.md). If a change needs another statement here, say why in the commit and update
HEARTBEAT_STATEMENTS; if it saves one, lower it.
"""
from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy import select

from app.api.services import create_token
from app.core.model_base import utcnow
from app.extensions import db
from app.study.progress.models import CreditGrant, LessonProgress
from tests.conftest import login
from tests.unit.study.study_data import event, learners_seen_since, playback, video_course

pytestmark = pytest.mark.usefixtures("world")

# account (with its scope unit) / the lesson, if the account may study it / the event, unless
# its id was seen / the learner's clock, progress, day and grant, read under the learner's lock
# (PostgreSQL: the lock is a statement of its own, see app.study.credit.lock_people_reading) /
# then the clock, the progress, the day and the grant written.
HEARTBEAT_STATEMENTS = {"sqlite": 8, "postgresql": 9}


@contextmanager
def counted_statements():
    statements: list[str] = []

    def seen(_connection, _cursor, statement, *_args):
        statements.append(statement)

    sqlalchemy_event.listen(db.engine, "before_cursor_execute", seen)
    try:
        yield statements
    finally:
        sqlalchemy_event.remove(db.engine, "before_cursor_execute", seen)


def _steady_state(client, world, lesson, url, headers):
    """Two and a half minutes watched in one batch (the day's continuous watching passes the
    two minutes self-study credit needs), so the next heartbeat grows progress, day and grant."""
    learners_seen_since(utcnow() - timedelta(hours=1))
    db.session.commit()
    begin = utcnow() - timedelta(seconds=160)
    response = client.post(url, json={"events": playback(lesson.id, 0, 150, begin_at=begin)}, headers=headers)
    assert response.status_code == 200 and response.get_json()["accepted"] == 10


def _heartbeat_statements(client, world, lesson, url, headers) -> list[str]:
    grant_before = db.session.scalar(select(CreditGrant.hours).where(CreditGrant.person_id == world.person_a1.id))
    beat = {"events": [event(lesson.id, 150, 165, utcnow())]}
    with counted_statements() as statements:
        response = client.post(url, json=beat, headers=headers)
    assert response.status_code == 200 and response.get_json() == {"accepted": 1, "duplicates": 0}
    # The heartbeat did the whole merge: progress, the day's grant.
    db.session.expire_all()
    assert db.session.scalar(select(LessonProgress.watched_seconds)
                             .where(LessonProgress.person_id == world.person_a1.id)) == 165.0
    assert db.session.scalar(select(CreditGrant.hours).where(CreditGrant.person_id == world.person_a1.id)) > grant_before
    return statements


@pytest.fixture
def lesson(world):
    return video_course(world, duration=600).lessons[0]


def test_a_page_heartbeat_runs_the_pinned_statements(client, world, lesson):
    login(client, "member-a1")
    page = client.get("/me").get_data(as_text=True)
    csrf = page.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
    headers = {"X-CSRFToken": csrf}
    _steady_state(client, world, lesson, "/study/progress", headers)
    statements = _heartbeat_statements(client, world, lesson, "/study/progress", headers)
    assert len(statements) == HEARTBEAT_STATEMENTS[db.engine.dialect.name], "\n".join(statements)


def test_an_api_heartbeat_runs_the_pinned_statements(client, world, lesson):
    _token, plaintext = create_token(world.accounts["member_a1"], "phone")
    db.session.commit()
    headers = {"Authorization": f"Bearer {plaintext}"}
    _steady_state(client, world, lesson, "/api/v1/progress", headers)
    statements = _heartbeat_statements(client, world, lesson, "/api/v1/progress", headers)
    assert len(statements) == HEARTBEAT_STATEMENTS[db.engine.dialect.name], "\n".join(statements)


def test_a_repeated_heartbeat_stops_after_the_insert(client, world, lesson):
    """A replayed batch (a phone resending what it is not sure arrived) writes nothing."""
    _token, plaintext = create_token(world.accounts["member_a1"], "phone")
    db.session.commit()
    headers = {"Authorization": f"Bearer {plaintext}"}
    _steady_state(client, world, lesson, "/api/v1/progress", headers)
    beat = {"events": [event(lesson.id, 150, 165, utcnow())]}
    assert client.post("/api/v1/progress", json=beat, headers=headers).get_json()["accepted"] == 1
    with counted_statements() as statements:
        response = client.post("/api/v1/progress", json=beat, headers=headers)
    assert response.get_json() == {"accepted": 0, "duplicates": 1}
    assert len(statements) == 3, "\n".join(statements)  # account, lesson, the insert that found the id
