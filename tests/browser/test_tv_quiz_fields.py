"""On the TV, a quiz question without options (a short answer, a number, a matching) starts with
the focus in its first field, visible, so the room's keyboard types into it at once; Enter goes on.
(The group quiz test draws its questions at random and met these only now and then.)"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_tv_lesson_pages import CONTROLS, FOCUS, _log_in, open_session_for
from tests.factories import bank_questions, create_bank, create_course, create_quiz

pytestmark = pytest.mark.browser


def _session_with_field_questions(world):
    course = create_course(world.township_a, "马铃薯种植", lessons=0)
    # The factory bank in GIFT order: q4 a short answer, q5 a number, q6 a matching.
    short_answer, number, matching = bank_questions(create_bank(world.township_a))[3:6]
    create_quiz(course, questions=[short_answer, number, matching], pass_mark=60, title="课后测验")
    return open_session_for(world, course, "马铃薯集中学习")


def test_questions_without_options_start_with_the_focus_in_their_field(world, live_server, new_page):
    session = _session_with_field_questions(world)
    tv = new_page(viewport={"width": 1920, "height": 1080})
    _log_in(tv, "tv-a1")
    tv.goto(f"/terminal/sessions/{session.id}/play")
    tv.goto(tv.locator("#session-lessons a").first.get_attribute("href"))
    tv.keyboard.press("1")  # open the quiz
    expect(tv.locator(".session-taker").first).to_be_focused()
    tv.keyboard.press("1")  # the first taker
    for number, tag, typed in ((1, "INPUT", "块茎"), (2, "INPUT", "150"), (3, "SELECT", None)):
        expect(tv).to_have_url(re.compile(rf"/quiz/attempts/\d+/q/{number}$"))
        tv.wait_for_selector("form[data-keys-ready]")
        focus = tv.evaluate(FOCUS)
        assert focus and focus["tag"] == tag and focus["outline"] != "none" and focus["width"] >= 3, (number, focus)
        if typed:
            tv.keyboard.type(typed)
            expect(tv.locator("form[data-quiz-keys='form'] input:focus")).to_have_value(typed)
        else:  # the matching: its left column and its drop-downs readable from across the room
            cells = tv.evaluate(CONTROLS.replace("'main a, main button'", "'main th, main select'"))
            assert cells, "no matching table"
            for cell in cells:
                assert cell["size"] >= 22 and cell["contrast"] >= 4.5, cell
        tv.keyboard.press("Enter")
    expect(tv).to_have_url(re.compile(r"/finish$"))
