"""A member's own pages: courses by state, resume links, hours against the requirement."""
from datetime import timedelta
from decimal import Decimal

import pytest

from app.core.model_base import utcnow
from app.extensions import db
from app.study import credit as completion
from app.study.progress import services as progress
from tests.conftest import login
from tests.unit.study.study_data import as_loaded, learners_seen_since, playback, video_course


@pytest.mark.parametrize("url", ["/me", "/me/courses", "/me/hours"])
def test_pages_need_login(client, url):
    response = client.get(url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_member_sees_courses_by_state_resume_link_and_hours(client, world):
    started = video_course(world, duration=600, credit_hours="2")
    done = video_course(world, duration=60, credit_hours="1.5")
    untouched = video_course(world, duration=60)
    now = utcnow()
    member = world.accounts["member_a1"]
    learners_seen_since(now - timedelta(hours=2))
    progress.record_events(member, as_loaded(playback(started.lessons[0].id, 0, 90, begin_at=now - timedelta(hours=1))),
                           now=now)
    progress.record_events(member, as_loaded(playback(done.lessons[0].id, 0, 60, begin_at=now - timedelta(hours=2))),
                           now=now)
    completion.grant_session_credit(world.person_a1.id, 5, 90, at=now)
    db.session.commit()
    login(client, "member-a1")

    home = client.get("/me").get_data(as_text=True)
    assert "我的学习" in home or "My learning" in home
    assert f"/courses/{started.id}/lessons/{started.lessons[0].id}?t=90" in home
    courses = client.get("/me/courses").get_data(as_text=True)
    in_progress = courses.split('id="me-courses-in-progress"')[1].split("</section>")[0]
    assigned = courses.split('id="me-courses-assigned"')[1].split("</section>")[0]
    finished = courses.split('id="me-courses-done"')[1].split("</section>")[0]
    assert started.title in in_progress and untouched.title in assigned and done.title in finished
    assert done.title not in in_progress + assigned

    hours = client.get("/me/hours").get_data(as_text=True)
    # 1.5 (course) + 2 (90 session minutes) = 3.5 of 32; short self-study stretches earn nothing.
    assert '<strong id="hours-earned">3.5</strong>' in hours
    assert '<span id="hours-required">32</span>' in hours
    assert '<progress class="hours-bar" max="32" value="3.5"' in hours
    assert hours.count("<tr>") >= 3
    assert completion.grant_session_credit(world.person_a1.id, 5, 90) is None
    assert sum(Decimal(g.hours) for g in progress_grants(world)) == Decimal("3.5")


def progress_grants(world):
    from sqlalchemy import select

    from app.study.progress.models import CreditGrant

    return db.session.scalars(select(CreditGrant).where(CreditGrant.person_id == world.person_a1.id)).all()


def test_account_without_a_person_sees_an_explanation(client, world):
    login(client, "trainer")
    page = client.get("/me").get_data(as_text=True)
    assert 'id="me-hours-summary"' not in page
    assert client.get("/me/hours").status_code == 200


def test_nav_link_only_for_learners(client, world):
    login(client, "member-a1")
    assert client.get("/").headers["Location"].endswith("/me")  # a member's home is their learning page
    assert 'id="nav-my-learning"' in client.get("/me").get_data(as_text=True)
    client.post("/logout", data={})


def test_session_hours_are_listed_under_the_session_name_and_day(client, world):
    from app.study.sessions import services as sessions
    from app.study.sessions.models import AttendanceSource
    from tests.unit.study.test_sessions import build_session

    session, people = build_session(world, starts_in=-timedelta(minutes=50), title="冬季防火专题")
    secretary = world.accounts["secretary_a1"]
    sessions.open_session(session, by=secretary, now=utcnow() - timedelta(minutes=50))
    sessions.sign_in(session, world.person_a1.id, source=AttendanceSource.TICK, by=secretary,
                     now=utcnow() - timedelta(minutes=50))
    sessions.close_session(session, by=secretary)
    db.session.commit()
    login(client, "member-a1")
    rows = client.get("/me/hours").get_data(as_text=True).split('id="credit-grants"')[1].split("</table>")[0]
    assert "冬季防火专题" in rows and "#" not in rows
