"""The API fetches what it lists: the rendition, poster and PDF URLs of GET /api/v1/media/<id>
answer the bearer token alone (Range included), with exactly the pages' scope."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.api.services import create_token, revoke_token
from app.catalog import services as catalog_services
from app.extensions import db
from app.media import services as media_services
from tests.conftest import login
from tests.factories import create_course, create_lesson


def _token(world, key: str) -> tuple[object, dict]:
    token, plaintext = create_token(world.accounts[key], "media bytes")
    db.session.commit()
    return token, {"Authorization": f"Bearer {plaintext}"}


def _get(client, url: str, **headers):
    with client.get(url, headers=headers) as response:
        response.get_data()
        return response


def _ingest(app, world, source: Path, name: str):
    copy = Path(app.config["MEDIA_ROOT"]).parent / name
    shutil.copy(source, copy)
    media = media_services.ingest_file(copy, original_name=name, owner_unit=world.branch_a1,
                                       uploaded_by=world.accounts["secretary_a1"])
    db.session.commit()  # the eager job queue transcodes on commit
    db.session.refresh(media)
    assert media.status == "ready"
    return media


@pytest.fixture
def draft_video(app, world, sources):
    """A real transcoded video in a draft course of branch A1: its managers may fetch it, its
    learners not yet."""
    course = create_course(world.branch_a1, title="令牌草稿", lessons=0)
    media = _ingest(app, world, sources.plain_clip, "token.mp4")
    create_lesson(course, type="video", title="令牌视频", media=media)
    db.session.commit()
    return course, media


def test_a_token_alone_downloads_what_the_api_lists_whole_and_by_range(app, client, world, draft_video):
    _course, media = draft_video
    _token_row, bearer = _token(world, "trainer")
    listed = client.get(f"/api/v1/media/{media.id}", headers=bearer).get_json()
    rendition = next(r for r in listed["renditions"] if r["label"] == "360p")
    data = (Path(app.config["MEDIA_ROOT"]) / next(r.key for r in media.renditions if r.label == "360p")).read_bytes()

    whole = _get(client, rendition["url"], **bearer)
    assert whole.status_code == 200 and whole.mimetype == "video/mp4"
    assert whole.get_data() == data
    assert "Set-Cookie" not in whole.headers, "a token request starts no session"
    assert "Authorization" in whole.headers["Vary"] and "private" in whole.headers["Cache-Control"]
    part = _get(client, rendition["url"], Range="bytes=1000-4999", **bearer)
    assert part.status_code == 206
    assert part.get_data() == data[1000:5000]
    assert part.headers["Content-Range"] == f"bytes 1000-4999/{len(data)}"
    tail = _get(client, rendition["url"], Range="bytes=-700", **bearer)
    assert tail.status_code == 206 and tail.get_data() == data[-700:]

    poster = _get(client, listed["poster_url"], **bearer)
    assert poster.status_code == 200 and poster.mimetype == "image/jpeg"
    assert poster.get_data() == (Path(app.config["MEDIA_ROOT"]) / media.poster_key).read_bytes()
    assert listed["document_url"] is None


def test_a_token_downloads_the_pdf_the_api_lists(app, client, world, sources):
    _token_row, bearer = _token(world, "trainer")
    pdf = sources.text_pdf
    with pdf.open("rb") as handle:
        created = client.post("/api/v1/media", data={"file": (handle, "手册.pdf")}, headers=bearer,
                              content_type="multipart/form-data")
    assert created.status_code == 202, created.get_data(as_text=True)
    listed = client.get(f"/api/v1/media/{created.get_json()['id']}", headers=bearer).get_json()
    assert listed["kind"] == "document" and listed["document_url"] == f"/media/{listed['id']}/source"
    document = _get(client, listed["document_url"], **bearer)
    assert document.status_code == 200 and document.mimetype == "application/pdf"
    assert document.get_data() == pdf.read_bytes()
    part = _get(client, listed["document_url"], Range="bytes=0-7", **bearer)
    assert part.status_code == 206 and part.get_data() == pdf.read_bytes()[:8]
    attachment = _get(client, listed["document_url"] + "?download=1", **bearer)
    assert attachment.headers["Content-Disposition"].startswith("attachment;")


def _page_status(client, username: str, url: str) -> int:
    client.delete_cookie("session")
    login(client, username)
    status = _get(client, url).status_code
    client.delete_cookie("session")
    return status


@pytest.mark.parametrize("label", ["360p", "poster"])
def test_a_token_has_exactly_the_scope_of_the_pages(client, world, draft_video, label):
    course, media = draft_video
    url = f"/media/{media.id}/{label}"
    people = {"member_a1": "member-a1", "terminal_a1": "tv-a1", "organiser_b": "org-b", "secretary_a1": "sec-a1",
              "trainer": "trainer"}
    bearers = {key: _token(world, key)[1] for key in people}

    def by_token() -> dict:
        return {key: _get(client, url, **bearers[key]).status_code for key in people}

    def by_page() -> dict:
        return {key: _page_status(client, username, url) for key, username in people.items()}

    expected = {"member_a1": 404, "terminal_a1": 404, "organiser_b": 404, "secretary_a1": 200, "trainer": 200}
    assert by_token() == expected
    assert by_page() == expected
    catalog_services.publish_course(course, [world.branch_a1])
    db.session.commit()
    expected.update(member_a1=200, terminal_a1=200)
    assert by_token() == expected
    assert by_page() == expected


def test_revoked_unknown_or_missing_token(client, world, draft_video):
    _course, media = draft_video
    url = f"/media/{media.id}/360p"
    token, bearer = _token(world, "trainer")
    assert _get(client, url, **bearer).status_code == 200
    revoke_token(token)
    db.session.commit()
    revoked = _get(client, url, **bearer)
    assert revoked.status_code == 401 and revoked.headers["WWW-Authenticate"].startswith("Bearer")
    assert _get(client, url, Authorization="Bearer lms_not-a-token").status_code == 401
    anonymous = _get(client, url)
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/login")


def test_the_token_opens_the_media_bytes_and_no_page(client, world, draft_video):
    _course, media = draft_video
    _token_row, bearer = _token(world, "trainer")
    for page in ("/media", f"/media/{media.id}", "/"):
        response = _get(client, page, **bearer)
        assert response.status_code == 302 and "/login" in response.headers["Location"], page


def test_openapi_says_the_listed_urls_take_the_token(client):
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    media = schemas["Media"]["properties"]
    for described in (schemas["Rendition"]["properties"]["url"], media["poster_url"], media["document_url"]):
        assert "Authorization: Bearer" in described["description"]
        assert "Range" in described["description"] and "404" in described["description"]
