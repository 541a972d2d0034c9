"""A lesson page for a phone video weighs under 100 KB without the video itself.

HTML + stylesheet + scripts + poster, as a browser that accepts gzip receives them,
for a lesson made from a busy 1080x1920 phone recording (the old 720p poster alone
weighed more than 180 KB).
"""
from __future__ import annotations

import re
import shutil

import pytest

from app.catalog.services import publish_course
from app.extensions import db
from app.media import services as media_services
from tests.conftest import login
from tests.factories import create_course

pytestmark = pytest.mark.slow

PAGE_BUDGET = 100 * 1024
POSTER_BUDGET = 30 * 1024


def test_phone_video_lesson_page_is_under_100_kb(app, world, client, sources, tmp_path):
    course = create_course(world.township_a, title="马铃薯晚疫病防治", lessons=0)
    upload = tmp_path / "手机录像.mp4"
    shutil.copy(sources.busy_phone_clip, upload)
    media = media_services.ingest_file(upload, original_name=upload.name, owner_unit=world.township_a, course=course)
    db.session.commit()
    db.session.expire_all()
    assert media.status == "ready", media.error
    publish_course(course, [world.branch_a1])
    db.session.commit()

    login(client, "member-a1")
    page = client.get(f"/courses/{course.id}/lessons/{course.lessons[0].id}", headers={"Accept-Encoding": "gzip"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    poster = re.search(r'<video[^>]* poster="([^"]+)"', html)
    assert poster, "the video shows a poster"
    parts = {"html": len(page.get_data())}
    for url in re.findall(r'<link rel="stylesheet" href="([^"]+)"', html) + re.findall(r'<script src="([^"]+)"', html) \
            + [poster.group(1)]:
        response = client.get(url.replace("&amp;", "&"), headers={"Accept-Encoding": "gzip"})
        assert response.status_code == 200, url
        parts[url] = len(response.get_data())
        response.close()
    assert parts[poster.group(1)] < POSTER_BUDGET, parts
    assert sum(parts.values()) < PAGE_BUDGET, parts
    assert any(url.startswith("/static/core/css/app.css") for url in parts), parts
