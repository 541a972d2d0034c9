"""POST /api/v1/media (202, 422) and GET /api/v1/media/<id> (shape, display size, scope)."""
from __future__ import annotations

from sqlalchemy import func, select

from app.api.services import create_token
from app.extensions import db
from app.media.models import Media
from tests.http.media.conftest import CJK, stored_files


def _bearer(world, key):
    _token, plaintext = create_token(world.accounts[key], "media")
    db.session.commit()
    return {"Authorization": f"Bearer {plaintext}"}


def _post(client, headers, path, name=None):
    with path.open("rb") as handle:
        return client.post("/api/v1/media", data={"file": (handle, name or path.name)}, headers=headers,
                           content_type="multipart/form-data")


def test_upload_answers_202_then_reports_the_ladder(client, world, sources):
    headers = _bearer(world, "trainer")
    created = _post(client, headers, sources.rotated_phone_clip)
    assert created.status_code == 202
    body = created.get_json()
    assert body["status"] == "queued" and body["progress"] == 0 and body["error"] is None
    shown = client.get(f"/api/v1/media/{body['id']}", headers=headers)
    assert shown.status_code == 200
    media = shown.get_json()
    assert set(media) == {"id", "status", "progress", "error", "kind", "duration", "poster_url", "document_url",
                          "renditions"}
    assert (media["status"], media["progress"], media["kind"]) == ("ready", 100, "video")
    assert abs(media["duration"] - 2) < 0.2
    assert media["poster_url"] == f"/media/{media['id']}/poster"
    assert media["renditions"]
    for rendition in media["renditions"]:
        assert set(rendition) == {"label", "width", "height", "bitrate", "url"}
        assert rendition["height"] > rendition["width"], "a portrait phone clip stays portrait"
        assert rendition["url"] == f"/media/{media['id']}/{rendition['label']}"
    row = db.session.get(Media, media["id"])
    assert row.height > row.width


def test_refused_upload_answers_422_in_chinese_and_stores_nothing(app, client, world, sources):
    headers = _bearer(world, "trainer")
    response = _post(client, headers, sources.image_named_mp4)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "image" and CJK.search(error["message"])
    assert db.session.scalar(select(func.count()).select_from(Media)) == 0
    assert stored_files(app) == []


def test_media_outside_scope_is_404_and_members_are_403(client, world, sources):
    created = _post(client, _bearer(world, "organiser_a"), sources.mp3_audio).get_json()
    assert client.get(f"/api/v1/media/{created['id']}", headers=_bearer(world, "organiser_b")).status_code == 404
    assert client.get(f"/api/v1/media/{created['id']}", headers=_bearer(world, "member_a1")).status_code == 403
    assert client.get(f"/api/v1/media/{created['id']}").status_code == 401


def test_openapi_documents_the_media_endpoints(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "post" in spec["paths"]["/api/v1/media"]
    assert "202" in spec["paths"]["/api/v1/media"]["post"]["responses"]
    assert "multipart/form-data" in spec["paths"]["/api/v1/media"]["post"]["requestBody"]["content"]
    assert "/api/v1/media/{media_id}" in spec["paths"]
