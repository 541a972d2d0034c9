"""POST/GET /api/v1/progress and the page twin POST /study/progress: access matrix, answers, CSRF."""
from datetime import timedelta

import pytest

from app.api.services import create_token
from app.core.model_base import utcnow
from app.extensions import db
from tests.conftest import csrf_from, login
from tests.factories import create_person
from tests.unit.study.study_data import event, learners_seen_since, playback, video_course

pytestmark = pytest.mark.usefixtures("world")

# Through HTTP the server's clock decides what is too old: report stretches of an hour ago.
T0 = utcnow().replace(microsecond=0) - timedelta(hours=1)


def _token(world, key):
    _token, plaintext = create_token(world.accounts[key], "test")
    db.session.commit()
    return {"Authorization": f"Bearer {plaintext}"}


@pytest.fixture
def lesson(world):
    return video_course(world, duration=600).lessons[0]


def test_member_posts_batches_and_reads_progress(client, world, lesson):
    learners_seen_since(utcnow() - timedelta(hours=1))  # a phone back online after an hour
    db.session.commit()
    headers = _token(world, "member_a1")
    events = playback(lesson.id, 0, 120, begin_at=T0)
    response = client.post("/api/v1/progress", json={"events": events}, headers=headers)
    assert response.status_code == 200 and response.get_json() == {"accepted": 8, "duplicates": 0}
    response = client.post("/api/v1/progress", json={"events": events[:3]}, headers=headers)
    assert response.get_json() == {"accepted": 0, "duplicates": 3}
    response = client.get(f"/api/v1/progress?lesson_id={lesson.id}", headers=headers)
    assert response.get_json() == {"watched_seconds": 120.0, "resume_position": 120.0, "complete": False}


# account key -> status for: own progress post, post for person_a1 by id, post for an out-of-scope person
MATRIX = {
    None: (401, 401, 401),
    "member_a1": (200, 200, 403),
    "terminal_a1": (422, 200, 404),
    "organiser_a": (422, 200, 404),
    "organiser_b": (404, 404, 404),  # the lesson is not published to township B
    "trainer": (404, 404, 404),  # county level: the course is published below it
}


@pytest.mark.parametrize("key", list(MATRIX))
def test_access_matrix(client, world, lesson, key):
    headers = _token(world, key) if key else {}
    outsider = create_person(world.branch_b1, "外人")
    db.session.commit()
    own = {"events": [event(lesson.id, 0, 10, T0)]}
    for_a1 = {"events": [event(lesson.id, 0, 10, T0, person_id=world.person_a1.id)]}
    for_outsider = {"events": [event(lesson.id, 0, 10, T0, person_id=outsider.id)]}
    statuses = tuple(client.post("/api/v1/progress", json=body, headers=headers).status_code
                     for body in (own, for_a1, for_outsider))
    assert statuses == MATRIX[key]


def test_invalid_batches_are_refused_with_field_errors(client, world, lesson):
    headers = _token(world, "member_a1")
    bad = [{"events": []}, {"events": [{"id": "x", "lesson_id": lesson.id, "start": 0, "end": 1, "at": "yesterday"}]},
           {"events": [{**event(lesson.id, 0, 1, T0), "at": "2026-11-20T10:00:00"}]},  # no offset
           {}]
    for body in bad:
        response = client.post("/api/v1/progress", json=body, headers=headers)
        assert response.status_code == 422, body
        assert response.get_json()["error"]["code"] == "unprocessable_entity"


def test_get_progress_of_another_person_needs_scope(client, world, lesson):
    client.post("/api/v1/progress", json={"events": playback(lesson.id, 0, 30, begin_at=T0)},
                headers=_token(world, "member_a1"))
    url = f"/api/v1/progress?lesson_id={lesson.id}&person_id={world.person_a1.id}"
    assert client.get(url, headers=_token(world, "organiser_a")).get_json()["watched_seconds"] == 30.0
    assert client.get(url, headers=_token(world, "organiser_b")).status_code == 404
    assert client.get(f"/api/v1/progress?lesson_id={lesson.id}&person_id={world.person_b1.id}",
                      headers=_token(world, "member_a1")).status_code == 403


def test_openapi_documents_the_progress_endpoint(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/progress"])


def test_page_endpoint_uses_the_session_cookie_and_the_csrf_header(client, world, lesson):
    learners_seen_since(utcnow() - timedelta(hours=1))
    db.session.commit()
    login(client, "member-a1")
    body = {"events": playback(lesson.id, 0, 45, begin_at=T0 + timedelta(minutes=1))}
    assert client.post("/study/progress", json=body).status_code == 400  # no CSRF header
    token = csrf_from(client.get("/me").get_data(as_text=True).replace('name="csrf-token" content=',
                                                                        'name="csrf_token" value='))
    response = client.post("/study/progress", json=body, headers={"X-CSRFToken": token})
    assert response.status_code == 200 and response.get_json() == {"accepted": 3, "duplicates": 0}
    assert client.get(f"/study/progress?lesson_id={lesson.id}").get_json()["watched_seconds"] == 45.0
    response = client.post("/study/progress", json={"events": [{"id": "short"}]}, headers={"X-CSRFToken": token})
    assert response.status_code == 422


def test_page_endpoint_needs_login(client, lesson):
    response = client.post("/study/progress", json={"events": []})
    assert response.status_code in (302, 400, 401)
