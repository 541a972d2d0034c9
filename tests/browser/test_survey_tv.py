"""Issue 14 point 7: during a group session, five people answer a questionnaire at the
activity-room TV one after another with the keyboard only (number keys choose, Enter goes on)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.study.sessions import services as sessions
from app.survey import results
from app.survey.models import Audience, SurveyResponse
from tests.survey_data import make_questionnaire
from tests.unit.study.test_sessions import build_session

pytestmark = pytest.mark.browser


def keys_ready(page):
    expect(page.locator("form[data-keys-ready]")).to_have_count(1)


def test_five_respondents_answer_in_turn_at_the_tv(world, live_server, page):
    session, _people = build_session(world, starts_in=timedelta(minutes=1))
    sessions.open_session(session, by=world.accounts["terminal_a1"])
    questionnaire = make_questionnaire(world.township_a, audience=Audience.SESSION, title="培训效果调查")
    db.session.commit()

    page.goto(live_server.url("/login"))
    page.fill("input[name=identifier]", "tv-a1")
    page.fill("input[name=password]", "secret-pass")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.goto(live_server.url(f"/terminal/sessions/{session.id}"))
    with page.expect_navigation():
        page.keyboard.press("7")  # the session menu's questionnaire item
    with page.expect_navigation():
        page.keyboard.press("1")  # the first open questionnaire
    expect(page.get_by_role("heading", level=1)).to_have_text("培训效果调查")

    ratings = ["5", "4", "5", "3", "5"]  # 很满意, 满意, 很满意, 一般, 很满意
    for turn, rating in enumerate(ratings):
        group_key = "2" if turn < 3 else "1"  # three villagers, then two members
        with page.expect_navigation():
            page.keyboard.press(group_key)
        keys_ready(page)
        page.keyboard.press("2")  # 每月
        with page.expect_navigation():
            page.keyboard.press("Enter")
        keys_ready(page)
        page.keyboard.press("1")
        page.keyboard.press("3")  # 种植 and 电商
        with page.expect_navigation():
            page.keyboard.press("Enter")
        keys_ready(page)
        expect(page.locator("#tv-position")).to_contain_text("3")
        page.keyboard.press(rating)
        with page.expect_navigation():
            page.keyboard.press("Enter")
        keys_ready(page)
        page.keyboard.press("1")  # 是
        with page.expect_navigation():
            page.keyboard.press("Enter")
        keys_ready(page)
        with page.expect_navigation():
            page.keyboard.press("Enter")  # the optional text: left empty
        keys_ready(page)
        for key in ("2", "1", "3"):  # 饮水 first, then 修路, then 路灯
            page.keyboard.press(key)
        with page.expect_navigation():
            page.keyboard.press("Enter")
        expect(page.locator("#tv-thanks")).to_be_visible()

    db.session.expire_all()
    stored = db.session.scalars(select(SurveyResponse)).all()
    assert len(stored) == 5
    assert all(response.person_id is None and response.channel == "terminal" for response in stored)
    assert sorted(response.respondent_group for response in stored) == ["member"] * 2 + ["villager"] * 3
    counted = results.build_results(questionnaire, world.branch_a1)
    single, multiple, rating, yes_no, _text, ranking = counted.questions
    assert [o.count for o in single.options] == [0, 5, 0]
    assert [o.count for o in multiple.options] == [5, 0, 5, 0]
    assert [o.count for o in rating.options] == [0, 0, 1, 1, 3]
    assert [o.count for o in yes_no.options] == [5, 0]
    assert ranking.options[0].label == "饮水" and ranking.options[0].average_place == 1.0
