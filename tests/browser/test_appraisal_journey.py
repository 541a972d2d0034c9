"""Democratic appraisal (民主评议党员): the secretary generates the branch's appraisal, prints slips
for the members, five members answer on phone-sized screens (JavaScript off), and the branch
committee records 张甲一's grade, which then shows in the development file."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.org.choices import PersonCategory
from tests.browser.test_login import fill_login
from tests.factories import create_person

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 780}}


def test_a_branch_appraises_its_members_and_records_the_result(world, live_server, new_page):
    create_person(world.branch_a1, "王二", category=PersonCategory.PROBATIONARY, phone="13900000011")
    db.session.commit()
    secretary = new_page(java_script_enabled=True)
    secretary.goto(live_server.url("/login"))
    fill_login(secretary, "sec-a1", "secret-pass")
    secretary.locator("#nav-questionnaires").click()
    secretary.locator("#new-appraisal").click()
    secretary.locator("#year").fill("2026")
    secretary.get_by_role("button", name="创建").click()
    expect(secretary.get_by_role("heading", level=1)).to_contain_text("2026 年度民主评议党员")
    secretary.locator("#publish").click()
    secretary.locator("#print-slips").click()
    secretary.locator("#group").select_option("member")
    secretary.locator("#count").fill("5")
    secretary.get_by_role("button", name="生成答卷码").click()
    codes = secretary.locator("#slips .code").all_inner_texts()
    assert len(codes) == 5

    member = new_page(java_script_enabled=False, **PHONE)
    for code in codes:
        member.goto(live_server.url("/q"))
        member.locator("#code").fill(code)
        member.get_by_role("button", name="打开问卷").click()
        questions = member.locator("[id^=question-]")
        expect(questions).to_have_count(8)
        for number in range(1, 9):
            member.locator(f"#question-{number}").get_by_text("优秀", exact=True).click()
        member.locator("#submit-answers").click()
        expect(member.locator("#thanks")).to_have_text("答卷已收到，谢谢您！")

    secretary.goto(live_server.url("/questionnaires"))
    secretary.get_by_role("link", name="2026 年度民主评议党员").click()
    secretary.locator("#appraisal-results").click()
    card = secretary.locator(f"#person-{world.person_a1.id}")
    expect(card.locator(f"#person-{world.person_a1.id}-member tbody tr").first).to_contain_text("思想")
    expect(card.locator(f"#person-{world.person_a1.id}-villager")).to_contain_text("不显示")
    card.locator("select").select_option("excellent")
    card.locator("textarea").fill("带头发展庭院经济")
    card.get_by_role("button", name="记入培养档案").click()
    expect(secretary.locator(".flash").first).to_contain_text("已记入培养档案")
    expect(secretary.locator(f"#person-{world.person_a1.id} .recorded")).to_contain_text("优秀")
    secretary.locator(f"#person-{world.person_a1.id} h2 a").click()
    expect(secretary.locator("main")).to_contain_text("带头发展庭院经济")
