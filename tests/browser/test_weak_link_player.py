"""Journey 3.2 (and 2.3): a member on a 512 kbit/s link plays a lesson without stalls.

The link is throttled with Chromium's own network emulation (DevTools protocol,
Network.emulateNetworkConditions), so every byte the page, the probe and the video
fetch goes through it. The video is transcoded by the real job from an ffmpeg clip.
"""
from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from app.catalog.services import publish_course
from app.extensions import db
from app.media import services as media_services
from tests import media_factory
from tests.browser.test_login import fill_login
from tests.factories import create_course

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CLIP_SECONDS = 8
WEAK_LINK_KBPS = 512


def _wait_until(page, predicate: str, seconds: float = 20) -> None:
    """Poll with page.evaluate: wait_for_function needs eval, which the CSP forbids."""
    deadline = time.monotonic() + seconds
    while not page.evaluate(predicate):
        assert time.monotonic() < deadline, f"timed out waiting for {predicate}"
        page.wait_for_timeout(100)


def _published_video_lesson(world, folder, title: str, name: str, seconds: float):
    course = create_course(world.township_a, title=title, lessons=0)
    clip = media_factory.plain_clip(folder, name, size="640x360", duration=seconds)
    media = media_services.ingest_file(clip, original_name=name, owner_unit=world.township_a, course=course)
    db.session.commit()  # the transcode job runs (eagerly) once the upload is committed
    db.session.expire_all()
    assert media.status == "ready", media.error
    assert sorted(r.label for r in media.renditions) == ["240p", "360p"]
    publish_course(course, [world.branch_a1])
    db.session.commit()
    return course, course.lessons[0]


@pytest.fixture
def video_lesson(world, tmp_path):
    return _published_video_lesson(world, tmp_path, "马铃薯晚疫病防治", "晚疫病.mp4", CLIP_SECONDS)


def _member_page(new_page, live_server):
    page = new_page()
    page.goto(live_server.url("/login"))
    fill_login(page, "member-a1", "secret-pass")
    expect(page.locator("#nav-my-learning")).to_be_visible()
    return page


def _throttle(page, kbps: float | None) -> None:
    # One DevTools session per page: conditions set through a second session would not lift the first's.
    cdp = getattr(page, "_lms_cdp", None)
    if cdp is None:
        cdp = page._lms_cdp = page.context.new_cdp_session(page)
        cdp.send("Network.enable")
    if kbps is None:
        conditions = {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}
    else:
        conditions = {"offline": False, "latency": 40, "downloadThroughput": kbps * 1000 / 8,
                      "uploadThroughput": kbps * 1000 / 8}
    cdp.send("Network.emulateNetworkConditions", conditions)


def _leave(page) -> None:
    """Lift the throttle and leave the page, so its last requests (the progress heartbeat sent
    on leaving, a video range) finish before the test's tables are emptied."""
    _throttle(page, None)
    page.goto("about:blank")
    page.wait_for_timeout(500)


def _play(page) -> None:
    page.evaluate("var v = document.getElementById('lesson-player'); v.muted = true; v.play();")


def test_on_a_512_kbit_link_the_player_starts_at_240p_and_never_stalls(world, live_server, new_page,
                                                                       video_lesson):
    course, lesson = video_lesson
    page = _member_page(new_page, live_server)
    _throttle(page, WEAK_LINK_KBPS)
    page.goto(live_server.url(f"/courses/{course.id}/lessons/{lesson.id}"))
    video = page.locator("video#lesson-player")
    expect(video).to_have_attribute("data-quality", "240p", timeout=20_000)
    expect(page.locator("#media-quality")).to_have_text("240p")
    expect(page.locator("#quality-switch a[data-quality='240p']")).to_have_attribute("aria-current", "true")
    measured = float(video.get_attribute("data-throughput"))
    assert 200 < measured < 800, measured
    _wait_until(page, "document.getElementById('lesson-player').readyState >= 1")
    _play(page)
    _wait_until(page, "document.getElementById('lesson-player').ended", seconds=CLIP_SECONDS * 4)
    # Played to the end on 240p, with no stall on the way.
    assert video.get_attribute("data-stalls") == "0"
    assert video.get_attribute("data-quality") == "240p"
    assert page.evaluate("document.getElementById('lesson-player').currentSrc").endswith("/240p")
    _leave(page)


def test_a_stall_steps_down_and_keeps_the_position(world, live_server, new_page, video_lesson):
    course, lesson = video_lesson
    page = _member_page(new_page, live_server)
    page.goto(live_server.url(f"/courses/{course.id}/lessons/{lesson.id}"))
    video = page.locator("video#lesson-player")
    # A fast link: the measurement allows the largest rendition.
    _wait_until(page, "!!document.getElementById('lesson-player').getAttribute('data-throughput')")
    expect(video).to_have_attribute("data-quality", "360p")
    _wait_until(page, "document.getElementById('lesson-player').readyState >= 1")
    _play(page)
    _wait_until(page, "document.getElementById('lesson-player').currentTime > 2")
    # The player runs dry: the element reports `waiting` while playing.
    before = page.evaluate("""() => { var v = document.getElementById('lesson-player');
        var e = document.createEvent('Event'); e.initEvent('waiting', false, false); v.dispatchEvent(e);
        return v.currentTime; }""")
    expect(video).to_have_attribute("data-quality", "240p")
    expect(page.locator("#media-quality")).to_have_text("240p")
    assert video.get_attribute("data-stalls") == "1"
    _wait_until(page, "document.getElementById('lesson-player').currentSrc.slice(-5) === '/240p'")
    # Playing on from where it was, not from the start.
    _wait_until(page, f"document.getElementById('lesson-player').currentTime > {before + 0.5}")
    assert page.evaluate("!document.getElementById('lesson-player').paused")
    _leave(page)


def test_a_chosen_quality_is_kept_and_auto_measures_again(world, live_server, new_page, video_lesson):
    course, lesson = video_lesson
    page = _member_page(new_page, live_server)
    _throttle(page, WEAK_LINK_KBPS)
    page.goto(live_server.url(f"/courses/{course.id}/lessons/{lesson.id}"))
    video = page.locator("video#lesson-player")
    expect(video).to_have_attribute("data-quality", "240p", timeout=20_000)
    page.click("#quality-switch a[data-quality='360p']")
    expect(video).to_have_attribute("data-quality", "360p")
    page.reload()
    expect(page.locator("#quality-switch a[data-auto]")).to_be_visible()
    page.wait_for_timeout(1500)  # time enough for a probe, which a chosen quality does not run
    expect(video).to_have_attribute("data-quality", "360p")
    assert video.get_attribute("data-throughput") is None
    page.click("#quality-switch a[data-auto]")
    expect(video).to_have_attribute("data-quality", "240p", timeout=20_000)
    assert page.evaluate("localStorage.getItem('lms-quality')") is None
    _leave(page)


@pytest.fixture
def long_video_lesson(world, tmp_path):
    """Long enough that 8 seconds can be buffered ahead while it plays (the step-up condition)."""
    return _published_video_lesson(world, tmp_path, "马铃薯储藏", "储藏.mp4", 45)


def test_when_the_link_recovers_the_player_steps_up_and_plays_on(world, live_server, new_page, long_video_lesson):
    course, lesson = long_video_lesson
    page = _member_page(new_page, live_server)
    _throttle(page, WEAK_LINK_KBPS)
    page.goto(live_server.url(f"/courses/{course.id}/lessons/{lesson.id}"))
    video = page.locator("video#lesson-player")
    expect(video).to_have_attribute("data-quality", "240p", timeout=20_000)
    _wait_until(page, "document.getElementById('lesson-player').readyState >= 1")
    _play(page)
    _wait_until(page, "document.getElementById('lesson-player').currentTime > 1")
    _throttle(page, None)  # the link recovers
    # Every 20 seconds a healthy player probes the next rendition and takes it if it fits.
    deadline = time.monotonic() + 60
    while video.get_attribute("data-quality") != "360p":
        state = page.evaluate("""() => { var v = document.getElementById('lesson-player');
            return [v.getAttribute('data-throughput'), v.getAttribute('data-stalls'), v.currentTime, v.paused,
                    v.buffered.length ? v.buffered.end(v.buffered.length - 1) : 0]; }""")
        assert time.monotonic() < deadline, f"no step up: throughput, stalls, time, paused, buffered = {state}"
        page.wait_for_timeout(1000)
    expect(page.locator("#media-quality")).to_have_text("360p")
    at_switch = page.evaluate("document.getElementById('lesson-player').currentTime")
    assert at_switch > 1, "the switch kept the position instead of starting over"
    _wait_until(page, "document.getElementById('lesson-player').currentSrc.slice(-5) === '/360p'")
    _wait_until(page, f"document.getElementById('lesson-player').currentTime > {at_switch + 0.5}")
    assert video.get_attribute("data-stalls") == "0"
    _leave(page)
