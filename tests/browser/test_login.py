"""Logging in through a real browser, with JavaScript off (village PCs) and on."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def fill_login(page: Page, username: str, password: str) -> None:
    page.locator("#identifier").fill(username)
    page.locator("#password").fill(password)
    page.locator("#submit").click()


def expect_logged_in_home(page: Page, live_server, username: str) -> None:
    expect(page).to_have_url(live_server.url("/"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(username)
    expect(page.locator("form[action='/logout'] button[type=submit]")).to_be_visible()


def test_login_without_javascript_is_chinese_and_reports_wrong_password(world, live_server, page_no_js):
    page = page_no_js
    page.goto(live_server.url("/login"))

    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_role("heading", level=1)).to_have_text("登录")

    fill_login(page, "org-a", "not-the-password")
    expect(page).to_have_url(live_server.url("/login"))
    error = page.get_by_role("alert")
    expect(error).to_be_visible()
    expect(error).to_have_text(CHINESE)
    expect(page.locator("form[action='/logout']")).to_have_count(0)

    fill_login(page, "org-a", "secret-pass")
    expect_logged_in_home(page, live_server, "org-a")


def test_login_with_javascript_and_language_switch(world, live_server, page):
    page.goto(live_server.url("/"))
    expect(page).to_have_url(re.compile(re.escape(live_server.url("/login"))))

    fill_login(page, "org-a", "secret-pass")
    expect_logged_in_home(page, live_server, "org-a")
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "zh-CN")

    page.get_by_role("link", name="English").click()
    expect(page).to_have_url(re.compile(re.escape(live_server.url("/")) + r"\??$"))
    expect(html).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    expect(page.get_by_role("link", name="English")).to_have_count(0)

    page.get_by_role("link", name="中文").click()
    expect(html).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_role("link", name="English")).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)


def test_changing_the_password_in_one_browser_logs_out_the_other(world, live_server, new_page):
    """JavaScript off: the office PC stays logged in ("stay logged in"); on the phone the
    organiser changes the password through the page; the office PC is logged out."""
    office = new_page(java_script_enabled=False)
    office.goto(live_server.url("/login"))
    office.locator("#identifier").fill("org-a")
    office.locator("#password").fill("secret-pass")
    office.locator("#remember").check()
    office.locator("#submit").click()
    expect_logged_in_home(office, live_server, "org-a")

    phone = new_page(java_script_enabled=False)
    phone.goto(live_server.url("/login"))
    fill_login(phone, "org-a", "secret-pass")
    phone.get_by_role("link", name="修改密码").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("修改密码")
    for field, value in (("#current_password", "secret-pass"), ("#new_password", "woaini1314"),
                         ("#new_password_again", "woaini1314")):
        phone.locator(field).fill(value)
    phone.locator("#submit").click()
    expect(phone.get_by_role("alert")).to_contain_text("这个密码太常见")
    for field, value in (("#current_password", "secret-pass"), ("#new_password", "dairy-cows-2027"),
                         ("#new_password_again", "dairy-cows-2027")):
        phone.locator(field).fill(value)
    phone.locator("#submit").click()
    expect(phone.get_by_role("status")).to_contain_text("密码已修改")
    expect(phone.locator("form[action='/logout']")).to_be_visible()

    office.reload()
    expect(office).to_have_url(re.compile(re.escape(live_server.url("/login"))))
    expect(office.locator("form[action='/logout']")).to_have_count(0)
