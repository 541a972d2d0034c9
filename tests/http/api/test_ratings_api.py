"""GET /api/v1/courses/<id>/ratings and POST a learner's own rating over the API."""
import pytest
from sqlalchemy import func, select

from app.api.services import create_token
from app.core.model_base import utcnow
from app.extensions import db
from app.study import credit
from app.study.progress.models import CreditSource
from app.study.ratings.models import CourseRating
from tests.factories import create_course


def _headers(world, key):
    _token, plaintext = create_token(world.accounts[key], "test")
    db.session.commit()
    return {"Authorization": f"Bearer {plaintext}"}


@pytest.fixture
def course(world):
    course = create_course(world.township_a, "马铃薯晚疫病防治", publish_to=[world.township_a])
    db.session.commit()
    return course


def test_needs_a_token_and_a_visible_course(client, world, course):
    assert client.get(f"/api/v1/courses/{course.id}/ratings").status_code == 401
    assert client.post(f"/api/v1/courses/{course.id}/ratings", json={"useful": 5, "clear": 5}).status_code == 401
    other = create_course(world.township_b, "乙镇课程", publish_to=[world.township_b])
    db.session.commit()
    headers = _headers(world, "member_a1")
    assert client.get(f"/api/v1/courses/{other.id}/ratings", headers=headers).status_code == 404
    assert client.post(f"/api/v1/courses/{other.id}/ratings", headers=headers,
                       json={"useful": 5, "clear": 5}).status_code == 404
    # The shared TV may read the summary but never rates.
    tv = _headers(world, "terminal_a1")
    assert client.get(f"/api/v1/courses/{course.id}/ratings", headers=tv).get_json()["may_rate"] is False
    assert client.post(f"/api/v1/courses/{course.id}/ratings", headers=tv,
                       json={"useful": 5, "clear": 5}).status_code == 403


def test_learner_rates_over_the_api(client, world, course):
    headers = _headers(world, "member_a1")
    url = f"/api/v1/courses/{course.id}/ratings"
    early = client.post(url, headers=headers, json={"useful": 5, "clear": 5})
    assert early.status_code == 403 and early.get_json()["error"]["message"] == "学完这门课以后才能评价。"
    credit.complete_lesson(world.person_a1.id, course.lessons[0], source=CreditSource.SELF_STUDY, at=utcnow())
    db.session.commit()
    for bad in ({"useful": 6, "clear": 3}, {"useful": 3}, {"useful": 3, "clear": 3, "comment": "字" * 141}):
        assert client.post(url, headers=headers, json=bad).status_code == 422
    assert db.session.scalar(select(func.count()).select_from(CourseRating)) == 0
    saved = client.post(url, headers=headers, json={"useful": 4, "clear": 2, "comment": "讲得快"})
    assert saved.status_code == 200 and saved.get_json()["useful"] == 4 and saved.get_json()["course_version"] == 1
    client.post(url, headers=headers, json={"useful": 5, "clear": 3})
    summary = client.get(url, headers=headers).get_json()
    assert summary["count"] == 1 and summary["useful"]["average"] == 5.0 and summary["overall"] == 4.0
    assert summary["useful"]["distribution"] == {"1": 0, "2": 0, "3": 0, "4": 0, "5": 1}
    assert summary["mine"]["clear"] == 3 and summary["mine"]["comment"] == "" and summary["may_rate"] is True
    trainer = client.get(url, headers=_headers(world, "trainer")).get_json()
    assert trainer["count"] == 1 and trainer["mine"] is None and trainer["may_rate"] is False


def test_openapi_documents_the_ratings_paths(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    ratings = paths["/api/v1/courses/{course_id}/ratings"]
    assert set(ratings) >= {"get", "post"}
    assert ratings["post"]["security"] == [{"bearerAuth": []}] and "403" in ratings["post"]["responses"]
    assert "404" in ratings["get"]["responses"]
