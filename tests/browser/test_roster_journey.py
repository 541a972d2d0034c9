"""The township organiser imports a roster in Chromium and sees the new people."""
from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import Workbook
from playwright.sync_api import expect

from app.org.id_number import make_id_number
from tests.browser.test_login import fill_login

pytestmark = pytest.mark.browser


def _roster_xlsx(path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["姓名", "性别", "出生年份", "手机号", "身份证号", "所在支部编码", "人员类别", "干部职务"])
    sheet.append(["韩春生", "男", 1972, "13612340001", make_id_number("150121", date(1972, 4, 3), 15), "TA1", "正式党员", "村干部"])
    sheet.append(["韩秋月", "女", 1990, "13612340002", make_id_number("150121", date(1990, 9, 9), 24), "TA2", "入党积极分子", ""])
    sheet.append(["", "男", 1980, "13612340003", make_id_number("150121", date(1980, 1, 1), 33), "TA1", "正式党员", ""])
    sheet.append(["越界者", "男", 1980, "13612340004", make_id_number("150121", date(1980, 1, 2), 41), "TB1", "群众", ""])
    buffer = io.BytesIO()
    workbook.save(buffer)
    path.write_bytes(buffer.getvalue())


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_organiser_imports_roster_and_sees_new_people(world, live_server, new_page, tmp_path, javascript):
    roster = tmp_path / "花名册.xlsx"
    _roster_xlsx(roster)
    page = new_page(java_script_enabled=javascript)
    page.goto(live_server.url("/login"))
    fill_login(page, "org-a", "secret-pass")

    page.get_by_role("link", name="导入花名册").first.click()
    page.locator("#roster-file").set_input_files(str(roster))
    page.locator("#roster-check").click()

    # The preview: two valid rows, two errors with row numbers and Chinese reasons.
    expect(page.locator("#count-new")).to_have_text("2")
    expect(page.locator("#count-errors")).to_have_text("2")
    preview = page.locator("#roster-preview")
    expect(preview).to_contain_text("韩春生")
    expect(preview).to_contain_text("韩秋月")
    errors = page.locator("#roster-errors")
    expect(errors).to_contain_text("4")
    expect(errors).to_contain_text("5")
    expect(errors).to_contain_text("姓名")
    expect(errors).not_to_contain_text("乙")  # another township's branch is never named

    page.locator("#roster-confirm").click()
    expect(page.locator("#result-created")).to_have_text("2")
    page.locator("#job-result-people").click()
    table = page.locator("table.people")
    expect(table).to_contain_text("韩春生")
    expect(table).to_contain_text("韩秋月")
    expect(table).not_to_contain_text("越界者")

    page.get_by_role("link", name="韩春生").click()
    expect(page.locator("dl.facts")).to_contain_text("村干部")
    expect(page.locator("dd.id-number")).to_contain_text("****")
