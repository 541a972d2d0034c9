"""Journey 1 steps 3-4 and journey 3: a trainer uploads a video through the resumable
uploader, the transcode finishes, a member plays the lesson in Chromium."""
from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.catalog.services import publish_course
from app.extensions import db
from app.media.models import Media
from tests import media_factory
from tests.browser.test_login import fill_login
from tests.conftest import _empty_all_tables
from tests.factories import create_course

CHUNK = 64 * 1024


@pytest.fixture
def app(make_app):
    """Small chunks, so a 3 s clip goes up in several and an interruption falls in the middle."""
    app = make_app(UPLOAD_CHUNK_BYTES=CHUNK)
    with app.app_context():
        yield app
        db.session.remove()
        _empty_all_tables()


@pytest.fixture
def clip(tmp_path):
    return media_factory.plain_clip(tmp_path, "马铃薯晚疫病.mp4", duration=3)


def _wait_until(page, predicate: str, seconds: float = 15) -> None:
    """Poll a predicate with page.evaluate: wait_for_function needs eval, which the CSP forbids."""
    deadline = time.monotonic() + seconds
    while not page.evaluate(predicate):
        assert time.monotonic() < deadline, f"timed out waiting for {predicate}"
        page.wait_for_timeout(100)


def _upload_as_trainer(page, live_server, course, clip):
    page.goto(live_server.url("/login"))
    fill_login(page, "trainer", "secret-pass")
    page.goto(live_server.url(f"/media/new?course={course.id}"))
    expect(page.locator("#resumable-upload")).to_be_visible()
    page.set_input_files("#resumable-file", str(clip))


def test_trainer_uploads_and_member_plays(world, live_server, new_page, clip):
    course = create_course(world.township_a, title="马铃薯晚疫病防治", lessons=0)
    db.session.commit()
    trainer = new_page()
    _upload_as_trainer(trainer, live_server, course, clip)
    # The uploader moves to the media page when the last chunk is in; it shows the finished job.
    expect(trainer.locator("#media-status .media-status")).to_have_attribute("data-status", "ready", timeout=60_000)
    expect(trainer.locator("#media-poster")).to_be_visible()
    db.session.expire_all()
    media = db.session.scalar(select(Media))
    assert media.size == clip.stat().st_size and media.status == "ready"

    db.session.expire_all()
    course = db.session.get(type(course), course.id)
    publish_course(course, [world.branch_a1])
    db.session.commit()
    lesson = course.lessons[0]

    member = new_page()
    member.goto(live_server.url("/login"))
    fill_login(member, "member-a1", "secret-pass")
    member.goto(live_server.url(f"/courses/{course.id}/lessons/{lesson.id}"))
    expect(member.locator("#media-duration")).to_have_text("0:03")
    video = member.locator("video#lesson-player")
    expect(video).to_have_attribute("data-quality", "360p")
    _wait_until(member, "() => document.getElementById('lesson-player').readyState >= 1")
    duration = member.evaluate("document.getElementById('lesson-player').duration")
    assert abs(duration - 3) <= 0.5
    member.evaluate("var v = document.getElementById('lesson-player'); v.muted = true; v.play();")
    _wait_until(member, "() => document.getElementById('lesson-player').currentTime > 0.5")
    # The quality switch keeps the position and is remembered.
    member.click("#quality-switch a[data-quality='240p']")
    expect(video).to_have_attribute("data-quality", "240p")
    assert member.evaluate("localStorage.getItem('lms-quality')") == "240p"


def test_interrupted_upload_resumes_and_completes(world, live_server, new_page, clip):
    course = create_course(world.township_a, lessons=0)
    db.session.commit()
    trainer = new_page()
    context = trainer.context
    starts = []
    dropped = {"done": False}

    def chunks(route, request):
        if request.method == "PUT":
            start = int(request.headers["content-range"].split()[1].split("-")[0])
            starts.append(start)
            if len(starts) == 2 and not dropped["done"]:
                dropped["done"] = True
                context.set_offline(True)
                route.abort("internetdisconnected")
                return
        route.continue_()

    trainer.route("**/media/uploads/*", chunks)
    _upload_as_trainer(trainer, live_server, course, clip)
    offline_message = trainer.get_attribute("#resumable-upload", "data-msg-offline")
    expect(trainer.locator("#upload-status")).to_have_text(offline_message, timeout=15_000)
    context.set_offline(False)
    expect(trainer.locator("#media-status .media-status")).to_have_attribute("data-status", "ready", timeout=60_000)
    assert starts.count(0) == 1, "the upload continued where it stopped, never from the start"
    assert starts[2] == CHUNK, starts
    media = db.session.scalar(select(Media))
    assert media.size == clip.stat().st_size
