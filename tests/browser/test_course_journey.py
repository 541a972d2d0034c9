"""Journey 1 in Chromium: a trainer builds a course and publishes it to a township; a member of
one of its branches (JavaScript off) finds it in the catalog and reads the lesson."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.catalog.services import ensure_builtin_categories
from app.extensions import db
from tests.browser.test_login import fill_login

pytestmark = pytest.mark.browser


def test_trainer_publishes_course_and_branch_member_reads_it(world, live_server, new_page):
    ensure_builtin_categories()
    db.session.commit()

    trainer = new_page()
    trainer.goto(live_server.url("/login"))
    fill_login(trainer, "trainer", "secret-pass")
    trainer.goto(live_server.url("/manage/courses"))
    trainer.locator("#new-course").click()
    trainer.locator("#title").fill("马铃薯晚疫病防治")
    trainer.locator("#category_id").select_option(label="农业科技")
    trainer.locator("#credit_hours").fill("2")
    trainer.locator("#summary").fill("识别病斑，科学用药。")
    trainer.locator("#submit").click()

    expect(trainer.locator("#course-title")).to_contain_text("马铃薯晚疫病防治")
    expect(trainer.locator("#course-version")).to_contain_text("1")
    trainer.locator("#text-title").fill("识别晚疫病")
    trainer.locator("#text-body").fill("# 病斑特征\n\n- 叶片出现水渍状斑点\n- 叶背有白色霉层")
    trainer.locator("#text-submit").click()
    expect(trainer.locator("#lesson-preview h1")).to_have_text("病斑特征")

    trainer.goto(live_server.url("/manage/courses"))
    trainer.get_by_role("link", name="马铃薯晚疫病防治").click()
    # Publish to township A only (the default suggestion, the county, is unticked).
    trainer.locator(f"#publish-units input[value='{world.county.id}']").uncheck()
    trainer.locator(f"#publish-units input[value='{world.township_a.id}']").check()
    trainer.locator("#publish-submit").click()
    expect(trainer.locator("#publications")).to_contain_text("甲镇")

    member = new_page(java_script_enabled=False)
    member.goto(live_server.url("/login"))
    fill_login(member, "member-a1", "secret-pass")
    member.goto(live_server.url("/courses"))
    courses = member.locator("#course-list")
    expect(courses).to_contain_text("马铃薯晚疫病防治")
    expect(courses).to_contain_text("农业科技")
    member.locator("#course-search").fill("mls")
    member.locator("form.course-search button").click()
    member.get_by_role("link", name="马铃薯晚疫病防治").click()
    expect(member.locator("#lesson-list")).to_contain_text("识别晚疫病")
    member.locator("#start-course").click()
    expect(member.locator("#lesson-body h1")).to_have_text("病斑特征")
    expect(member.locator("#lesson-body")).to_contain_text("叶背有白色霉层")
