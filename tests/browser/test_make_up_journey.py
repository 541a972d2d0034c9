"""Journey 3.2: an absentee studies the make-up on a phone; it clears, and the secretary sees it."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.study.sessions import services as session_services
from tests.browser.test_group_playback import CLIP_SECONDS, _log_in, _session_with_a_real_video

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_the_absentee_clears_the_make_up_on_a_phone(app, world, live_server, new_page, tmp_path):
    session, course = _session_with_a_real_video(app, world, tmp_path)
    secretary = world.accounts["secretary_a1"]
    session_services.open_session(session, by=secretary)
    session_services.close_session(session, by=secretary)  # nobody signed in: all absent
    db.session.commit()

    phone = new_page(viewport={"width": 390, "height": 800})
    _log_in(phone, "home-member")
    expect(phone).to_have_url(re.compile(r"/me$"))  # the member's home is their learning page
    make_up = phone.locator("#me-make-ups a.make-up-link")
    expect(make_up).to_contain_text(course.title)
    expect(make_up).to_contain_text(re.compile(r"补学|Make-up"))
    phone.screenshot(path=str(tmp_path / "phone-me.png"), full_page=True)
    make_up.click()
    expect(phone).to_have_url(re.compile(rf"/courses/{course.id}/lessons/\d+$"))
    phone.evaluate("() => { const v = document.getElementById('lesson-player'); v.muted = true; v.play(); }")
    phone.wait_for_function("() => document.getElementById('lesson-player').ended", timeout=(CLIP_SECONDS + 30) * 1000)
    phone.wait_for_function("() => window.lmsProgress.queueLength() === 0", timeout=20_000)

    phone.goto("/me")
    expect(phone.locator("#me-make-ups")).to_have_count(0)  # nothing left to make up
    phone.goto("/sessions/mine")
    expect(phone.locator("#make-ups li.make-up-done")).to_contain_text(course.title)

    office = new_page()
    _log_in(office, "sec-a1")
    office.goto(f"/sessions/{session.id}")
    row = office.locator("tr").filter(has_text="成员2")
    expect(row).to_contain_text(re.compile(r"已补学|Made up"))
