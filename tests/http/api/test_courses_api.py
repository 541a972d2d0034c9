"""GET /api/v1/courses and /api/v1/courses/<id>: the learners' visibility rule over the API."""
import pytest

from app.api.services import create_token
from app.catalog import services
from app.extensions import db
from app.media.models import Media, MediaStatus
from tests.factories import create_course, create_lesson


def _headers(world, key):
    _token, plaintext = create_token(world.accounts[key], "test")
    db.session.commit()
    return {"Authorization": f"Bearer {plaintext}"}


@pytest.fixture
def courses(world):
    media = Media(kind="video", status=MediaStatus.READY, original_name="讲解.mp4", owner_unit_id=world.county.id,
                  duration=95.5)
    db.session.add(media)
    potato = create_course(world.county, "马铃薯晚疫病防治", summary="识别与用药", credit_hours="1.5", tags=["植保"],
                           audience_categories=["full_member"], audience_cadre_roles=["village_cadre"], lessons=1,
                           slug="potato-blight")
    create_lesson(potato, type="video", title="田间讲解", media=media)
    create_lesson(potato, type="quiz", title="测验")
    services.publish_course(potato, [world.township_a])
    other = create_course(world.county, "乙镇课程", publish_to=[world.township_b])
    draft = create_course(world.county, "草稿")
    db.session.commit()
    return {"potato": potato, "other": other, "draft": draft}


def test_needs_a_token(client, world, courses):
    for url in ("/api/v1/courses", f"/api/v1/courses/{courses['potato'].id}"):
        response = client.get(url)
        assert response.status_code == 401 and response.get_json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("key", ["member_a1", "terminal_a1"])
def test_list_is_scoped(client, world, courses, key):
    body = client.get("/api/v1/courses", headers=_headers(world, key)).get_json()
    assert [item["title"] for item in body["items"]] == ["马铃薯晚疫病防治"]
    assert (body["page"], body["per_page"], body["total"], body["pages"]) == (1, 20, 1, 1)
    item = body["items"][0]
    assert item["category"] == {"code": "agri_tech", "name": "农业科技"}
    assert item["credit_hours"] == 1.5 and item["tags"] == ["植保"] and item["status"] == "published"
    assert item["audience"] == {"categories": ["full_member"], "cadre_roles": ["village_cadre"]}
    assert item["slug"] == "potato-blight" and item["version"] == 1
    assert "lessons" not in item


def test_detail_has_lessons_in_order(client, world, courses):
    potato = courses["potato"]
    body = client.get(f"/api/v1/courses/{potato.id}", headers=_headers(world, "member_a1")).get_json()
    assert [(lesson["type"], lesson["title"]) for lesson in body["lessons"]] == [
        ("text", "第1课"), ("video", "田间讲解"), ("quiz", "测验")]
    video = body["lessons"][1]
    assert video["duration"] == 95.5 and video["media_id"] == potato.lessons[1].media_id
    assert body["lessons"][0]["duration"] is None and body["lessons"][0]["media_id"] is None
    assert body["summary"] == "识别与用药"


def test_detail_404_when_not_visible(client, world, courses):
    headers = _headers(world, "member_a1")
    for key in ("other", "draft"):
        response = client.get(f"/api/v1/courses/{courses[key].id}", headers=headers)
        assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
    assert client.get("/api/v1/courses/999999", headers=headers).status_code == 404
    headers_b = _headers(world, "organiser_b")
    assert client.get(f"/api/v1/courses/{courses['other'].id}", headers=headers_b).status_code == 200
    assert client.get(f"/api/v1/courses/{courses['potato'].id}", headers=headers_b).status_code == 404


def test_pagination_search_and_category(client, world, courses):
    for number in range(4):
        create_course(world.county, f"政策课{number}", category_code="policy", publish_to=[world.township_a])
    db.session.commit()
    headers = _headers(world, "member_a1")
    body = client.get("/api/v1/courses?per_page=2&page=3", headers=headers).get_json()
    assert (body["total"], body["pages"], body["page"], len(body["items"])) == (5, 3, 3, 1)
    body = client.get("/api/v1/courses?q=mls", headers=headers).get_json()
    assert [item["title"] for item in body["items"]] == ["马铃薯晚疫病防治"]
    body = client.get("/api/v1/courses?category=policy", headers=headers).get_json()
    assert body["total"] == 4
    assert client.get("/api/v1/courses?category=nope", headers=headers).get_json()["total"] == 0
    response = client.get("/api/v1/courses?per_page=500", headers=headers)
    assert response.status_code == 422


def test_openapi_documents_the_courses_paths(client):
    document = client.get("/api/v1/openapi.json").get_json()
    paths = document["paths"]
    assert "/api/v1/courses" in paths and "/api/v1/courses/{course_id}" in paths
    assert paths["/api/v1/courses"]["get"]["security"] == [{"bearerAuth": []}]
    assert "404" in paths["/api/v1/courses/{course_id}"]["get"]["responses"]
    parameters = {p["name"] for p in paths["/api/v1/courses"]["get"]["parameters"]}
    assert parameters == {"page", "per_page", "category", "q"}
    lesson = document["components"]["schemas"]["Lesson"]["properties"]
    assert set(lesson) == {"id", "type", "title", "duration", "media_id"}
