"""A secretary prints answer slips; villagers without accounts answer on a phone-sized screen with
a slip code (JavaScript off, as on old phones); the secretary then reads the results."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_login import fill_login
from tests.survey_data import make_questionnaire

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 780}}


def _answer(page, live_server, code: str, rating_word: str) -> None:
    page.goto(live_server.url("/q"))
    page.locator("#code").fill(code.lower())  # typed in lower case: still the code
    page.get_by_role("button", name="打开问卷").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("村务满意度调查")
    expect(page.locator(".survey-note")).to_contain_text("不问姓名")
    page.locator("#question-1").get_by_text("每月").click()
    page.locator("#question-2").get_by_text("电商").click()
    page.locator("#question-3").get_by_text(rating_word, exact=True).click()
    page.locator("#question-4").get_by_text("是", exact=True).click()
    page.locator("#question-5 textarea").fill("希望多讲电商")
    for option, place in (("修路", "第 2 名"), ("饮水", "第 1 名"), ("路灯", "第 3 名")):
        page.locator("#question-6 label", has_text=option).locator("select").select_option(label=place)
    page.locator("#submit-answers").click()
    expect(page.locator("#thanks")).to_have_text("答卷已收到，谢谢您！")


def test_villagers_answer_with_slips_and_the_secretary_reads_results(world, live_server, new_page):
    questionnaire = make_questionnaire(world.branch_a1)
    secretary = new_page(java_script_enabled=True)
    secretary.goto(live_server.url("/login"))
    fill_login(secretary, "sec-a1", "secret-pass")
    secretary.locator("#nav-questionnaires").click()
    secretary.get_by_role("link", name="村务满意度调查").click()
    secretary.locator("#print-slips").click()
    secretary.locator("#count").fill("5")
    secretary.get_by_role("button", name="生成答卷码").click()
    codes = secretary.locator("#slips .code").all_inner_texts()
    assert len(codes) == 5

    villager = new_page(java_script_enabled=False, **PHONE)
    for code, word in zip(codes, ("很满意", "满意", "很满意", "一般", "很满意")):
        _answer(villager, live_server, code, word)
    # A used code is refused in plain words.
    villager.goto(live_server.url("/q"))
    villager.locator("#code").fill(codes[0])
    villager.get_by_role("button", name="打开问卷").click()
    expect(villager.get_by_role("alert")).to_contain_text("已经用过")

    secretary.goto(live_server.url(f"/questionnaires/{questionnaire.id}/results"))
    expect(secretary.locator("#response-count")).to_have_text("答卷 5 份")
    expect(secretary.locator("#result-3")).to_contain_text("平均 4.4 分")
    expect(secretary.locator("#result-5")).to_contain_text("希望多讲电商")
