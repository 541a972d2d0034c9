"""Serving renditions: Range (206/416), validators (304), Content-Type, and who may watch."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from app.extensions import db
from app.media.models import Media
from tests.conftest import login
from tests.factories import create_course
from tests.http.media.conftest import plain_upload


@pytest.fixture
def published(app, client, world, sources):
    """A video lesson in a course of township A, published to branch A1 only."""
    login(client, "trainer")
    course = create_course(world.township_a, lessons=0)
    db.session.commit()
    assert plain_upload(client, sources.plain_clip, course_id=course.id).status_code == 302
    client.post("/logout", data={"csrf_token": "x"})
    client.delete_cookie("session")
    media = db.session.scalar(select(Media))
    from app.catalog.services import publish_course

    publish_course(course, [world.branch_a1])
    db.session.commit()
    rendition = next(r for r in media.renditions if r.label == "360p")
    return media, (Path(app.config["MEDIA_ROOT"]) / rendition.key).read_bytes()


def _get(client, url, **headers):
    with client.get(url, headers=headers) as response:
        response.get_data()
        return response


def test_range_requests_return_exact_slices(client, published):
    media, data = published
    login(client, "member-a1")
    url = f"/media/{media.id}/360p"
    whole = _get(client, url)
    assert whole.status_code == 200 and whole.mimetype == "video/mp4"
    assert whole.get_data() == data and whole.headers["Accept-Ranges"] == "bytes"
    assert "private" in whole.headers["Cache-Control"] and "public" not in whole.headers["Cache-Control"]
    assert whole.headers["ETag"] and whole.headers["Last-Modified"]
    for header, expected in ((f"bytes=100-1099", data[100:1100]), ("bytes=1000-", data[1000:]),
                             ("bytes=-500", data[-500:])):
        part = _get(client, url, Range=header)
        assert part.status_code == 206, header
        assert part.get_data() == expected
        first = len(data) - len(expected) if header.startswith("bytes=-") else int(header[6:].split("-")[0])
        assert part.headers["Content-Range"] == f"bytes {first}-{first + len(expected) - 1}/{len(data)}"
    unsatisfiable = _get(client, url, Range=f"bytes={len(data) + 10}-")
    assert unsatisfiable.status_code == 416
    assert unsatisfiable.headers["Content-Range"] == f"bytes */{len(data)}"
    assert _get(client, url, **{"If-None-Match": whole.headers["ETag"]}).status_code == 304
    assert _get(client, url, **{"If-Modified-Since": whole.headers["Last-Modified"]}).status_code == 304
    stale = _get(client, url, Range="bytes=0-9", **{"If-Range": '"not-the-etag"'})
    assert stale.status_code == 200 and stale.get_data() == data
    fresh = _get(client, url, Range="bytes=0-9", **{"If-Range": whole.headers["ETag"]})
    assert fresh.status_code == 206 and fresh.get_data() == data[:10]
    poster = _get(client, f"/media/{media.id}/poster")
    assert poster.status_code == 200 and poster.mimetype == "image/jpeg"


@pytest.mark.parametrize("username, expected", [
    (None, 302),            # anonymous: to the login page
    ("member-a1", 200),     # published to their branch
    ("sec-a1", 200),
    ("org-b", 404),         # another township: not found
    ("trainer", 200),       # the county trainer manages the course
    ("org-a", 200),         # owner unit in scope
    ("admin", 200),
])
def test_access_matrix(client, published, username, expected):
    media, _data = published
    if username:
        login(client, username)
    assert _get(client, f"/media/{media.id}/360p").status_code == expected
    assert _get(client, f"/media/{media.id}/poster").status_code == expected


def test_unpublished_course_media_is_hidden_from_members(client, published, world):
    media, _data = published
    from app.catalog.services import unpublish_course

    course = media_course(media)
    unpublish_course(course, world.branch_a1)
    db.session.commit()
    login(client, "member-a1")
    assert _get(client, f"/media/{media.id}/360p").status_code == 404


def test_guessing_labels_and_ids_finds_nothing(client, published):
    media, _data = published
    login(client, "member-a1")
    for url in (f"/media/{media.id}/source", f"/media/{media.id}/1080p", f"/media/{media.id}/..%2Fsource",
                f"/media/{media.id + 1}/360p"):
        assert _get(client, url).status_code == 404, url


def test_lesson_page_offers_player_with_360p_poster_and_duration(client, published):
    media, _data = published
    course = media_course(media)
    lesson = course.lessons[0]
    login(client, "member-a1")
    html = client.get(f"/courses/{course.id}/lessons/{lesson.id}").get_data(as_text=True)
    assert f'data-lesson-id="{lesson.id}"' in html
    assert f'src="/media/{media.id}/360p"' in html
    assert f'poster="/media/{media.id}/poster"' in html
    # Several qualities: nothing is fetched before player.js has measured the link.
    assert "0:02" in html and 'preload="none"' in html
    assert f'href="?q=240p"' in html
    assert re.search(r'data-quality="240p"\s+data-src="[^"]+/240p" data-bitrate="[1-9][0-9]*"', html)
    chosen = client.get(f"/courses/{course.id}/lessons/{lesson.id}?q=240p&t=1").get_data(as_text=True)
    assert f'src="/media/{media.id}/240p#t=1"' in chosen


def media_course(media):
    from app.catalog.models import Course, Lesson

    return db.session.scalar(select(Course).join(Lesson).where(Lesson.media_id == media.id))
