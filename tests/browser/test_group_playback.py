"""Journey 2.3 on the activity-room TV: the lesson played from the session screen credits the
members signed in at that moment (and nobody else), which they then see on their phones."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from app.catalog import services as catalog_services
from app.core.model_base import utcnow
from app.extensions import db
from app.study.sessions import services as session_services
from tests.factories import create_account, create_course, create_lesson, create_person
from tests.browser.playable import playable_video

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CLIP_SECONDS = 5


def _session_with_a_real_video(app, world, tmp_path):
    media = playable_video(app, world.township_a, tmp_path, CLIP_SECONDS)
    course = create_course(world.township_a, "马铃薯晚疫病防治", lessons=0)
    create_lesson(course, type="video", title="识别病斑", media=media)
    catalog_services.publish_course(course, [world.township_a])
    present = create_person(world.branch_a1, "成员1")
    stayed_home = create_person(world.branch_a1, "成员2")
    create_account("present-member", "member", world.branch_a1, person=present)
    create_account("home-member", "member", world.branch_a1, person=stayed_home)
    start = utcnow() + timedelta(minutes=5)
    session = session_services.schedule_session(
        by=world.accounts["secretary_a1"], site=world.site_a1, title="马铃薯晚疫病防治", starts_at=start,
        planned_end_at=start + timedelta(hours=1), course=course)
    db.session.commit()
    return session, course


def _log_in(page: Page, username: str) -> None:
    page.goto("/login")
    page.locator("#identifier").fill(username)
    page.locator("#password").fill("secret-pass")
    page.locator("#password").press("Enter")
    expect(page.locator("form[action='/logout']")).to_have_count(1)


def _press(page: Page, key: str) -> None:
    page.wait_for_load_state("load")
    page.keyboard.press(key)


def _course_line(page: Page, title: str):
    return page.locator("#me-courses-done li, #me-courses-in-progress li, #me-courses-assigned li").filter(
        has_text=title)


def test_the_tv_playing_in_a_session_credits_those_signed_in(app, world, live_server, new_page, tmp_path):
    session, course = _session_with_a_real_video(app, world, tmp_path)
    tv = new_page(viewport={"width": 1280, "height": 720})
    _log_in(tv, "tv-a1")
    expect(tv.locator("#today-sessions a").first).to_be_focused()
    _press(tv, "Enter")
    expect(tv).to_have_url(live_server.url(f"/terminal/sessions/{session.id}"))
    expect(tv.locator("#session-menu button")).to_be_focused()
    _press(tv, "Enter")  # start the session
    expect(tv.locator("#signed-in-count")).to_be_visible()

    _press(tv, "1")  # roll call: tick two names
    expect(tv).to_have_url(re.compile(r"/roster$"))
    names = tv.locator(".roster-name").all_inner_texts()
    assert {world.person_a1.name, "成员1", "成员2"} <= set(names), names
    boxes = tv.locator("input[name=present]")
    ticked = []
    for index, name in enumerate(names):
        if name in (world.person_a1.name, "成员1"):
            boxes.nth(index).focus()
            _press(tv, "Space")
            ticked.append(boxes.nth(index).get_attribute("value"))
    for person_id in ticked:
        expect(tv.locator(f'[data-status-for="{person_id}"]')).not_to_be_empty()
    _press(tv, "Escape")
    expect(tv.locator("#signed-in-count")).to_contain_text("2")

    expect(tv).to_have_url(live_server.url(f"/terminal/sessions/{session.id}"))
    _press(tv, "4")  # play lessons
    expect(tv.locator("#session-lessons a").first).to_be_focused()
    _press(tv, "Enter")
    expect(tv).to_have_url(re.compile(rf"/terminal/sessions/{session.id}/lessons/\d+$"))
    player = tv.locator("video#lesson-player")
    expect(player).to_be_focused()  # the remote's Enter goes straight to the video
    font_size = tv.evaluate("() => parseFloat(getComputedStyle(document.body).fontSize)")
    assert font_size >= 24, font_size  # a TV page, not an 18 px desktop page
    tv.screenshot(path=str(tmp_path / "tv-lesson.png"))
    _press(tv, "Enter")  # full screen and play
    tv.wait_for_function("() => { const v = document.getElementById('lesson-player'); return v && v.ended; }",
                         timeout=(CLIP_SECONDS + 30) * 1000)
    tv.wait_for_function("() => window.lmsProgress && window.lmsProgress.queueLength() === 0", timeout=20_000)
    _press(tv, "Escape")
    if "/lessons/" in tv.url:  # the first Escape left full screen
        _press(tv, "Escape")
    expect(tv).to_have_url(re.compile(r"/play$"))

    # Each member checks their own phone: those signed in watched the lesson, the other did not.
    for username, credited in (("member-a1", True), ("present-member", True), ("home-member", False)):
        phone = new_page(viewport={"width": 390, "height": 800})
        _log_in(phone, username)
        phone.goto("/me/courses")
        line = _course_line(phone, course.title)
        if credited:
            expect(line).to_contain_text(re.compile(r"1 (of|/) 1|1 / 1|已学 1"))
            expect(phone.locator("#me-courses-done")).to_contain_text(course.title)
        else:
            expect(phone.locator("#me-courses-done")).not_to_contain_text(course.title)
        phone.context.close()
