"""A member finishes a short text lesson on a phone, rates the course on the face scale (a face
tapped, another chosen with the arrow keys, one sentence), sees the rating on the course page and
in 我的课程, and the trainer reads it on the course analytics page opened from the workbench.
The activity-room TV's course page offers no rating, only where to give it."""
from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from app.catalog import services as catalog_services
from app.extensions import db
from tests.browser.test_login import fill_login
from tests.factories import create_course, create_lesson

pytestmark = [pytest.mark.browser]

PHONE = {"viewport": {"width": 390, "height": 780}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
COURSE = "马铃薯晚疫病防治"
SENTENCE = "讲得清楚，字再大一点更好"
SHOTS = Path("/tmp/course_rating")


def _login(page: Page, live_server, username: str) -> None:
    page.goto(live_server.url("/login"))
    fill_login(page, username, "secret-pass")
    page.wait_for_url(lambda url: "/login" not in url)


def test_member_rates_a_finished_course_and_the_trainer_sees_it(world, live_server, new_page):
    course = create_course(world.township_a, COURSE, lessons=0)
    lesson = create_lesson(course, title="识别病斑", body_markdown="# 病斑特征\n\n叶片出现水渍状斑点。", min_seconds=2)
    catalog_services.publish_course(course, [world.township_a])
    db.session.commit()

    phone = new_page(**PHONE)
    _login(phone, live_server, "member-a1")
    phone.goto(live_server.url(f"/courses/{course.id}"))
    expect(phone.locator("#rating-form")).to_have_count(0)  # not finished yet
    # Reading the short lesson to its end completes it, and with it the course.
    phone.goto(live_server.url(f"/courses/{course.id}/lessons/{lesson.id}"))
    phone.wait_for_timeout(3000)
    phone.mouse.wheel(0, 2000)
    for _ in range(30):
        phone.goto(live_server.url(f"/courses/{course.id}"))
        if phone.locator("#rating-form").count():
            break
        phone.goto(live_server.url(f"/courses/{course.id}/lessons/{lesson.id}"))
        phone.wait_for_timeout(3000)
        phone.mouse.wheel(0, 2000)
    form = phone.locator("#rating-form")
    expect(form).to_be_visible()
    expect(phone.locator("#face-useful legend")).to_have_text("有用吗？")
    legend_px = phone.locator("#face-useful legend").evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert legend_px >= 22  # large type for older members

    phone.locator("#face-useful label", has_text="很有用").click()
    first_clear = phone.locator("#face-clear input[value='1']")
    first_clear.focus()
    phone.keyboard.press("Space")
    phone.keyboard.press("ArrowRight")
    phone.keyboard.press("ArrowRight")
    expect(phone.locator("#face-clear input[value='3']")).to_be_checked()
    phone.locator("#rating-comment").fill(SENTENCE)
    SHOTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(SHOTS / "phone-rating.png"), full_page=True)
    phone.locator("#rating-submit").click()
    expect(phone.locator(".flash-success")).to_contain_text("评价已保存")
    expect(phone.locator("#rating-saved")).to_be_visible()
    expect(phone.locator("#face-useful input[value='5']")).to_be_checked()
    expect(phone.locator("#rating-comment")).to_have_value(SENTENCE)

    phone.goto(live_server.url("/me/courses"))
    done = phone.locator(f"#me-rating-{course.id}")
    expect(done).to_contain_text("很有用")
    expect(done).to_contain_text("懂一半")
    expect(done).to_contain_text(SENTENCE)

    desk = new_page()
    _login(desk, live_server, "trainer")
    desk.goto(live_server.url(f"/manage/courses/{course.id}"))
    desk.locator("#course-analytics-link").click()
    expect(desk.locator("h1")).to_contain_text(COURSE)
    expect(desk.locator("#ratings-count")).to_have_text("1")
    expect(desk.locator("#ratings-useful-average")).to_have_text("5.0 / 5")
    expect(desk.locator("#ratings-clear-average")).to_have_text("3.0 / 5")
    expect(desk.locator("#rating-comments")).to_contain_text(SENTENCE)
    expect(desk.locator("#rating-comments")).not_to_contain_text("张甲一")  # the branch, not the name
    expect(desk.locator("#course-completed")).to_have_text("1")
    expect(desk.locator(f"#lesson-row-{lesson.id} .completed")).to_have_text("1")
    desk.screenshot(path=str(SHOTS / "trainer-analytics.png"), full_page=True)

    tv = new_page()
    _login(tv, live_server, "tv-a1")
    tv.goto(live_server.url(f"/courses/{course.id}"))
    expect(tv.locator("#rating-on-own-device")).to_contain_text("自己的手机")
    expect(tv.locator("#rating-form")).to_have_count(0)
