"""Issue 16 point 2: the TV's lesson pages (video, document, text) and its quiz pages (the takers,
one question per screen, submit, the taker's score) are TV pages at 1920x1080: large type on every
link and button, readable contrast, a visible focus where the remote's keys start, and the number
and back keys."""
from __future__ import annotations

import os
import re
import shutil
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from app.catalog import services as catalog_services
from app.core.model_base import utcnow
from app.extensions import db
from app.media.models import Media, MediaStatus, Rendition
from app.study.sessions import services as session_services
from app.study.sessions.models import AttendanceSource
from tests import media_factory
from tests.browser.playable import playable_video
from tests.factories import create_bank, create_course, create_lesson, create_quiz

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# For each visible link and button in the page's main part: its font size, and the contrast of
# its text against the first background colour behind it that is not transparent (WCAG formula).
CONTROLS = """() => {
  function rgb(text) { const m = text.match(/[\\d.]+/g).map(Number); return m.length > 3 && m[3] === 0 ? null : m; }
  function lum(c) { const [r, g, b] = c.slice(0, 3).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
                    return 0.2126 * r + 0.7152 * g + 0.0722 * b; }
  function background(el) { for (; el; el = el.parentElement) { const c = rgb(getComputedStyle(el).backgroundColor); if (c) return c; } return [255, 255, 255]; }
  return Array.from(document.querySelectorAll('main a, main button')).filter(el => el.offsetParent !== null).map(el => {
    const style = getComputedStyle(el), fg = lum(rgb(style.color)), bg = lum(background(el));
    return {text: el.textContent.trim().slice(0, 30), size: parseFloat(style.fontSize),
            contrast: (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05)};
  });
}"""
FOCUS = """() => { const el = document.activeElement; if (!el || el === document.body) return null;
  const style = getComputedStyle(el); return {tag: el.tagName, outline: style.outlineStyle, width: parseFloat(style.outlineWidth)}; }"""


def _session(app, world, tmp_path):
    video = playable_video(app, world.township_a, tmp_path, 3)
    # A second rendition, so the page shows the quality switch the room may use.
    key = f"renditions/{video.id}/240p.mp4"
    shutil.copy(os.path.join(app.config["MEDIA_ROOT"], f"renditions/{video.id}/360p.mp4"),
                os.path.join(app.config["MEDIA_ROOT"], key))
    db.session.add(Rendition(media_id=video.id, label="240p", width=320, height=180, key=key, size=1, mime="video/mp4"))
    pdf = media_factory.text_pdf(tmp_path, "handbook.pdf")
    document = Media(kind="document", status=MediaStatus.READY, original_name="晚疫病防治手册.pdf",
                     mime="application/pdf", owner_unit_id=world.township_a.id, size=pdf.stat().st_size)
    db.session.add(document)
    db.session.flush()
    document.source_key = f"sources/{document.id}/handbook.pdf"
    target = os.path.join(app.config["MEDIA_ROOT"], document.source_key)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    shutil.copy(pdf, target)
    course = create_course(world.township_a, "马铃薯晚疫病防治", lessons=0)
    create_lesson(course, type="text", title="识别病斑", body_markdown="# 病斑\n\n叶片出现水渍状斑点。")
    create_lesson(course, type="video", title="田间识别", media=video)
    create_lesson(course, type="document", title="防治手册", media=document)
    create_quiz(course, draw=(create_bank(world.township_a), None, 2), pass_mark=60, title="课后测验")
    return open_session_for(world, course, "晚疫病防治集中学习")


def open_session_for(world, course, title: str):
    """Publish the course to township A and open a group session on it at the branch's activity
    room, with the branch's member signed in (the world's test data, before the TV is used)."""
    catalog_services.publish_course(course, [world.township_a])
    start = utcnow() + timedelta(minutes=5)
    session = session_services.schedule_session(
        by=world.accounts["secretary_a1"], site=world.site_a1, title=title, starts_at=start,
        planned_end_at=start + timedelta(hours=1), course=course)
    session_services.open_session(session, by=world.accounts["secretary_a1"])
    session_services.sign_in(session, world.person_a1.id, source=AttendanceSource.TICK, by=world.accounts["terminal_a1"])
    db.session.commit()
    return session


def _log_in(page: Page, username: str) -> None:
    page.goto("/login")
    page.locator("#identifier").fill(username)
    page.locator("#password").fill("secret-pass")
    page.locator("#password").press("Enter")
    expect(page.locator("form[action='/logout']")).to_have_count(1)


def _assert_a_tv_page(tv: Page, where: str) -> None:
    tv.wait_for_load_state("load")
    assert tv.evaluate("() => document.body.classList.contains('terminal')"), where
    assert tv.evaluate("() => parseFloat(getComputedStyle(document.body).fontSize)") >= 24, where
    focus = tv.evaluate(FOCUS)
    assert focus and focus["outline"] != "none" and focus["width"] >= 3, (where, focus)
    for control in tv.evaluate(CONTROLS):
        assert control["size"] >= 22, (where, control)  # nothing desktop-sized
        assert control["contrast"] >= 4.5, (where, control)  # no yellow on white, no blue on black
    small = tv.evaluate("""() => Array.from(document.querySelectorAll('main p, main li, main legend, main dd'))
        .filter(e => e.offsetParent && e.textContent.trim() && parseFloat(getComputedStyle(e).fontSize) < 22)
        .map(e => e.textContent.trim().slice(0, 30))""")
    assert small == [], (where, small)


def test_each_lesson_page_of_the_tv_is_a_tv_page(app, world, live_server, new_page, tmp_path):
    session = _session(app, world, tmp_path)
    tv = new_page(viewport={"width": 1920, "height": 1080})
    _log_in(tv, "tv-a1")
    tv.goto(f"/terminal/sessions/{session.id}/play")
    lessons = [link.get_attribute("href") for link in tv.locator("#session-lessons a").all()]
    assert len(lessons) == 4, lessons
    for number, path in enumerate(lessons[:3], start=1):
        tv.goto(path)
        tv.wait_for_load_state("load")
        if number == 2:
            expect(tv.locator("#quality-switch")).to_be_visible()
        if number == 3:
            expect(tv.locator("#pdf-download")).to_be_visible()
        _assert_a_tv_page(tv, path)
        # Chinese punctuation in the lesson navigation (full-width colon).
        nav = tv.locator(".terminal-lesson-nav").inner_text()
        assert not re.search(r"课时: ", nav), nav
    # The back key leaves the lesson for the session's lessons.
    tv.keyboard.press("0")
    expect(tv).to_have_url(re.compile(rf"/terminal/sessions/{session.id}/play$"))


def test_the_group_quiz_on_the_tv_is_a_tv_page(app, world, live_server, new_page, tmp_path):
    session = _session(app, world, tmp_path)
    tv = new_page(viewport={"width": 1920, "height": 1080})
    _log_in(tv, "tv-a1")
    tv.goto(f"/terminal/sessions/{session.id}/play")
    tv.goto(tv.locator("#session-lessons a").nth(3).get_attribute("href"))
    _assert_a_tv_page(tv, "quiz lesson")
    tv.keyboard.press("1")  # open the quiz
    expect(tv.locator(".session-taker").first).to_be_focused()
    _assert_a_tv_page(tv, "takers")
    tv.keyboard.press("1")  # the first taker
    expect(tv).to_have_url(re.compile(r"/quiz/attempts/\d+/q/1$"))
    tv.wait_for_selector("form[data-keys-ready]")
    _assert_a_tv_page(tv, "question 1")
    tv.keyboard.press("ArrowDown")  # the remote's arrows move between the options
    tv.keyboard.press("Enter")
    expect(tv).to_have_url(re.compile(r"/q/2$"))
    tv.wait_for_selector("form[data-keys-ready]")
    tv.keyboard.press("1")
    tv.keyboard.press("Enter")
    expect(tv).to_have_url(re.compile(r"/finish$"))
    _assert_a_tv_page(tv, "finish")
    tv.keyboard.press("Enter")
    expect(tv).to_have_url(re.compile(r"/result$"))
    _assert_a_tv_page(tv, "result")
