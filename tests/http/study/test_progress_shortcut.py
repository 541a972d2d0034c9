"""POST /api/v1/progress in front of Flask (app.api.progress_shortcut): it answers a cached
token's plain heartbeat exactly as the view would, and leaves everything else to the view."""
from datetime import timedelta

import pytest

from app.api.models import ApiToken
from app.api.services import create_token, revoke_token
from app.core.model_base import utcnow
from app.extensions import db
from app.study.models import ProgressEvent
from tests.factories import create_person
from tests.unit.study.study_data import event, playback, video_course

T0 = utcnow().replace(microsecond=0) - timedelta(hours=1)


@pytest.fixture
def lesson(world):
    return video_course(world, duration=600).lessons[0]


@pytest.fixture
def member_headers(world):
    _token, plaintext = create_token(world.accounts["member_a1"], "phone")
    db.session.commit()
    return {"Authorization": f"Bearer {plaintext}"}


def _answered(app) -> int:
    return app.wsgi_app.answered


def _post(client, headers, body, **kwargs):
    response = client.post("/api/v1/progress", json=body, headers=headers, **kwargs)
    # Vary: Cookie is Flask noting that something looked for a cookie session; the API never
    # authenticates by cookie, so the answer does not vary with one.
    return (response.status_code, response.get_json(),
            sorted((name, value) for name, value in response.headers.items() if name != "Vary"))


def _prime(client, headers, lesson):
    """A token's first heartbeats go to the view, which fills the token and lesson caches (the
    very first also writes the token's last-used time, which drops it from the cache again)."""
    for second in range(2):
        status, _body, _headers = _post(client, headers, {"events": [event(lesson.id, second, second + 1, T0)]})
        assert status == 200


def test_a_cached_heartbeat_is_answered_in_front_of_flask_as_the_view_answers_it(app, client, lesson, member_headers):
    before = _answered(app)
    _prime(client, member_headers, lesson)
    assert _answered(app) == before  # a token not cached yet: the view

    heartbeat = playback(lesson.id, 0, 60, begin_at=T0)
    shortcut = _post(client, member_headers, {"events": heartbeat})
    assert _answered(app) == before + 1
    resent = _post(client, member_headers, {"events": heartbeat[:2]})
    assert _answered(app) == before + 2

    app.config["LMS_PROGRESS_SHORTCUT"] = "0"
    view = _post(client, member_headers, {"events": playback(lesson.id, 60, 120, begin_at=T0 + timedelta(minutes=1))})
    view_resent = _post(client, member_headers, {"events": heartbeat[:2]})
    assert _answered(app) == before + 2

    assert shortcut == view and shortcut[1] == {"accepted": 4, "duplicates": 0}
    assert resent == view_resent and resent[1] == {"accepted": 0, "duplicates": 2}
    app.config["LMS_PROGRESS_SHORTCUT"] = "1"
    makeup = _post(client, member_headers, {"events": [event(lesson.id, 200, 215, T0, session_id=12)]})
    assert _answered(app) == before + 3 and makeup[1] == {"accepted": 1, "duplicates": 0}
    response = client.get(f"/api/v1/progress?lesson_id={lesson.id}", headers=member_headers)
    assert response.get_json()["watched_seconds"] == 135.0


def _cases(world, lesson):
    outsider = create_person(world.branch_b1, "外人")
    db.session.commit()
    return {
        "a field missing": {"json": {"events": [{"id": "abcdefgh-1", "lesson_id": lesson.id, "start": 0, "end": 5}]}},
        "not JSON": {"data": b"{\"events\": [", "content_type": "application/json"},
        "not declared JSON": {"data": b'{"events": []}', "content_type": "text/plain"},
        "another person": {"json": {"events": [event(lesson.id, 0, 5, T0, person_id=outsider.id)]}},
        "an unknown lesson": {"json": {"events": [event(999_999, 0, 5, T0)]}},
        "an extra field": {"json": {"events": [event(lesson.id, 0, 5, T0, colour="red")]}},
    }


def test_everything_else_is_answered_by_the_view(app, client, world, lesson, member_headers):
    _prime(client, member_headers, lesson)
    before = _answered(app)
    answers = {}
    for shortcut_setting in ("1", "0"):
        app.config["LMS_PROGRESS_SHORTCUT"] = shortcut_setting
        for name, request in _cases(world, lesson).items():
            response = client.post("/api/v1/progress", headers=member_headers, **request)
            answers.setdefault(name, []).append((response.status_code, response.get_json()))
    assert _answered(app) == before
    for name, (with_shortcut, view_only) in answers.items():
        assert with_shortcut == view_only, name
        assert with_shortcut[0] >= 400, name
    assert "at" in str(answers["a field missing"][0][1])  # the body reached the view intact


def test_a_revoked_token_is_refused_at_once(app, client, lesson, member_headers):
    _prime(client, member_headers, lesson)
    token = db.session.query(ApiToken).one()
    revoke_token(token)
    db.session.commit()
    before = _answered(app)
    status, _body, _headers = _post(client, member_headers, {"events": [event(lesson.id, 1, 2, T0)]})
    assert status == 401
    assert _answered(app) == before
    assert db.session.query(ProgressEvent).count() == 2  # the priming heartbeats only
