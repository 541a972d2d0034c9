"""An old Excel .xls roster (as WPS saves it) imported in Chromium like an .xlsx."""
from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from app.org.id_number import make_id_number
from tests.browser.test_login import fill_login
from tests.xls_files import xls_bytes

pytestmark = pytest.mark.browser


def test_organiser_imports_an_xls_roster(world, live_server, new_page, tmp_path):
    roster = tmp_path / "花名册（WPS）.xls"
    roster.write_bytes(xls_bytes([
        ["姓名", "性别", "出生年份", "手机号", "身份证号", "所在支部编码", "人员类别", "干部职务"],
        ["冯春生", "男", 1972, "13612350001", make_id_number("150121", date(1972, 4, 3), 17), "TA1", "正式党员", "村干部"],
        ["", "男", 1980, "13612350003", make_id_number("150121", date(1980, 1, 1), 35), "TA1", "正式党员", ""],
    ]))
    page = new_page()
    page.goto(live_server.url("/login"))
    fill_login(page, "org-a", "secret-pass")
    page.get_by_role("link", name="导入花名册").first.click()
    expect(page.locator("main")).to_contain_text(".xls")
    page.locator("#roster-file").set_input_files(str(roster))
    page.locator("#roster-check").click()
    expect(page.locator("#count-new")).to_have_text("1")
    expect(page.locator("#count-errors")).to_have_text("1")
    expect(page.locator("#roster-preview")).to_contain_text("冯春生")
    page.locator("#roster-confirm").click()
    expect(page.locator("#result-created")).to_have_text("1")
    page.locator("#job-result-people").click()
    expect(page.locator("table.people")).to_contain_text("冯春生")
