"""Progress events that name a session are checked against it, and quiz lessons take no
heartbeats: a refused batch answers a clear error and stores nothing (API and page endpoint)."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.api.services import create_token
from app.catalog import services as catalog_services
from app.core.model_base import utcnow
from app.extensions import db
from app.study.sessions import services as sessions
from app.study.progress.models import LessonCompletion, LessonProgress, ProgressEvent
from app.study.sessions.models import AttendanceSource
from tests.conftest import login
from tests.factories import create_course, create_lesson, create_quiz
from tests.unit.study.study_data import create_video, event

T0 = utcnow().replace(microsecond=0) - timedelta(hours=1)
CJK = re.compile(r"[\u4e00-\u9fff]")


def _token(account) -> dict:
    _row, plaintext = create_token(account, "test")
    db.session.commit()
    return {"Authorization": f"Bearer {plaintext}"}


@pytest.fixture
def setting(world):
    """A video course published to the county; an open session at site A1 and one at site B1
    (township B), and a closed session at site A1."""
    course = create_course(world.county, lessons=0)
    video = create_lesson(course, type="video", title="视频", media=create_video(world.county, 600))
    quiz = create_quiz(course)
    other_course = create_course(world.county, lessons=0)
    other_video = create_lesson(other_course, type="video", title="别的视频", media=create_video(world.county, 600))
    catalog_services.publish_course(course, [world.county])
    catalog_services.publish_course(other_course, [world.county])
    db.session.flush()
    secretary, organiser_b = world.accounts["secretary_a1"], world.accounts["organiser_b"]
    start, end = T0 - timedelta(minutes=5), T0 + timedelta(hours=2)
    here = sessions.schedule_session(by=secretary, site=world.site_a1, title="本村", starts_at=start,
                                     planned_end_at=end, course=course,
                                     now=start)
    sessions.open_session(here, by=secretary, now=start)
    sessions.sign_in(here, world.person_a1.id, source=AttendanceSource.TICK, by=secretary, now=start)
    elsewhere = sessions.schedule_session(by=organiser_b, site=world.site_b1, title="乙镇", starts_at=start,
                                          planned_end_at=end, course=course,
                                     now=start)
    sessions.open_session(elsewhere, by=organiser_b, now=start)
    closed = sessions.schedule_session(by=secretary, site=world.site_a1, title="已结束", starts_at=start,
                                       planned_end_at=end, course=course,
                                     now=start)
    sessions.open_session(closed, by=secretary, now=start)
    sessions.close_session(closed, by=secretary, now=start + timedelta(minutes=1))
    db.session.commit()
    return {"video": video, "quiz_lesson": quiz.lesson, "other_video": other_video, "here": here,
            "elsewhere": elsewhere, "closed": closed}


def _stored() -> tuple[int, int, int]:
    db.session.rollback()
    return tuple(db.session.scalar(select(func.count()).select_from(model))
                 for model in (ProgressEvent, LessonProgress, LessonCompletion))


def _refused(response, status: int, code: str) -> None:
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["code"] == code and CJK.search(error["message"]), error


def test_a_terminal_reports_only_for_open_sessions_of_its_own_site(client, world, setting):
    headers = _token(world.accounts["terminal_a1"])
    video = setting["video"].id
    cases = [
        # Another township's session, for a person of the terminal's branch: it was stored with that session.
        (event(video, 0, 300, T0, person_id=world.person_a1.id, session_id=setting["elsewhere"].id), 404,
         "session_not_found"),
        (event(video, 0, 300, T0, session_id=setting["elsewhere"].id), 404, "session_not_found"),
        (event(video, 0, 300, T0, person_id=world.person_a1.id, session_id=setting["closed"].id), 422,
         "session_not_open"),
        (event(video, 0, 300, T0, session_id=999999), 404, "session_not_found"),
        (event(setting["other_video"].id, 0, 300, T0, session_id=setting["here"].id), 422, "lesson_not_in_session"),
    ]
    for body, status, code in cases:
        # Mixed with a good event: the batch is refused as a whole.
        good = event(video, 0, 15, T0, session_id=setting["here"].id)
        _refused(client.post("/api/v1/progress", json={"events": [good, body]}, headers=headers), status, code)
        assert _stored() == (0, 0, 0), body
    response = client.post("/api/v1/progress", json={"events": [event(video, 0, 300, T0, session_id=setting["here"].id)]},
                           headers=headers)
    assert response.status_code == 200 and response.get_json()["accepted"] == 1
    assert _stored()[0] == 1


def test_a_member_reports_only_for_sessions_they_belong_to(client, world, setting):
    headers = _token(world.accounts["member_a1"])
    video = setting["video"].id
    # Township B's session: member A1 is neither expected there nor owes a make-up.
    _refused(client.post("/api/v1/progress", json={"events": [event(video, 0, 300, T0, session_id=setting["elsewhere"].id)]},
                         headers=headers), 404, "session_not_found")
    assert _stored() == (0, 0, 0)
    for session in ("here", "closed"):  # expected at both (the closed one left a make-up)
        response = client.post("/api/v1/progress", json={
            "events": [event(video, 0, 15, T0, session_id=setting[session].id)]}, headers=headers)
        assert response.status_code == 200, (session, response.get_data(as_text=True))
    assert _stored()[0] == 2


def test_the_page_endpoint_refuses_the_same_with_its_reason(client, world, setting):
    login(client, "member-a1")
    html = client.get("/me").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
    response = client.post("/study/progress", headers={"X-CSRFToken": token}, json={
        "events": [event(setting["video"].id, 0, 300, T0, session_id=setting["elsewhere"].id)]})
    _refused(response, 404, "session_not_found")
    response = client.post("/study/progress", headers={"X-CSRFToken": token}, json={
        "events": [event(setting["quiz_lesson"].id, 0, 300, T0)]})
    _refused(response, 422, "quiz_lesson")
    assert _stored() == (0, 0, 0)


@pytest.mark.parametrize("key", ["member_a1", "terminal_a1", "organiser_a"])
def test_events_on_a_quiz_lesson_are_refused(client, world, setting, key):
    headers = _token(world.accounts[key])
    quiz_lesson = setting["quiz_lesson"].id
    extra = {} if key == "member_a1" else {"person_id": world.person_a1.id}
    # A "text-like" minute on the quiz lesson used to be stored (and could complete it).
    body = {"events": [event(quiz_lesson, 0, 600, T0, **extra)]}
    _refused(client.post("/api/v1/progress", json=body, headers=headers), 422, "quiz_lesson")
    assert _stored() == (0, 0, 0)
