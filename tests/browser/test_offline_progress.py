"""Journey 2.3 / 3: the link drops while a lesson plays; progress waits in the browser and
reaches the server, with nothing lost, when the link returns."""
from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.study.progress import services as progress
from tests.factories import create_course, create_lesson
from tests.browser.playable import playable_video

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CLIP_SECONDS = 6


def _video_lesson(app, world, tmp_path):
    from app.catalog import services as catalog_services

    media = playable_video(app, world.township_a, tmp_path, CLIP_SECONDS)
    course = create_course(world.township_a, "马铃薯晚疫病防治", lessons=0)
    lesson = create_lesson(course, type="video", title="识别病斑", media=media)
    catalog_services.publish_course(course, [world.township_a])
    db.session.commit()
    return course, lesson


def _watched(person, lesson) -> float:
    db.session.rollback()  # see what the server thread committed
    return progress.get_progress(person.id, lesson)["watched_seconds"]


def test_progress_played_offline_reaches_the_server_when_the_link_returns(app, world, live_server, new_page,
                                                                           tmp_path):
    course, lesson = _video_lesson(app, world, tmp_path)
    page = new_page()
    context = page.context
    page.goto(live_server.url("/login"))
    page.locator("#identifier").fill("member-a1")
    page.locator("#password").fill("secret-pass")
    page.locator("#submit").click()
    expect(page.locator("#nav-my-learning")).to_be_visible()

    page.goto(live_server.url(f"/courses/{course.id}/lessons/{lesson.id}"))
    player = page.locator("video#lesson-player[data-lesson-id]")
    expect(player).to_be_visible()
    # Let the whole (small) clip buffer while online, as the cached part of a longer lesson would.
    page.evaluate("""() => { const v = document.getElementById('lesson-player');
                             v.muted = true; v.preload = 'auto'; v.load(); }""")
    page.wait_for_function("() => { const v = document.getElementById('lesson-player');"
                           " return v.readyState >= 4 && v.buffered.length && v.buffered.end(0) >= v.duration - 0.1; }")

    context.set_offline(True)
    page.evaluate("() => document.getElementById('lesson-player').play()")
    page.wait_for_function("() => document.getElementById('lesson-player').ended", timeout=(CLIP_SECONDS + 20) * 1000)
    page.wait_for_function("() => window.lmsProgress.queueLength() > 0")
    time.sleep(1)  # a send attempt happened (pause/ended flush) and failed
    assert _watched(world.person_a1, lesson) == 0.0
    assert page.evaluate("() => window.lmsProgress.queueLength()") > 0

    context.set_offline(False)
    page.wait_for_function("() => window.lmsProgress.queueLength() === 0", timeout=20_000)
    # What the server shows the learner (a read merges the heartbeats stored before it).
    shown = page.evaluate(f"async () => (await fetch('/study/progress?lesson_id={lesson.id}')).json()")
    assert CLIP_SECONDS - 1 <= shown["watched_seconds"] <= CLIP_SECONDS, shown
    assert shown["complete"]
    watched = _watched(world.person_a1, lesson)
    assert CLIP_SECONDS - 1 <= watched <= CLIP_SECONDS, watched

    # The queue is empty and re-sending nothing changes nothing: the page reload flushes again.
    page.reload()
    page.wait_for_function("() => window.lmsProgress && window.lmsProgress.queueLength() === 0")
    assert _watched(world.person_a1, lesson) == watched
