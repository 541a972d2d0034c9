"""Journey 4: the county organiser drills down to a person's development file and downloads the XLSX."""
from __future__ import annotations

import re

import openpyxl
import pytest
from playwright.sync_api import expect

from app.extensions import db
from tests.browser.test_login import fill_login
from tests.factories import create_course
from tests.unit.records.records_data import complete_course

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_organiser_drills_down_and_downloads_the_township_xlsx(world, live_server, new_page, tmp_path, javascript):
    complete_course(world.person_a1, create_course(world.township_a, "马铃薯晚疫病防治", lessons=1, credit_hours="3"))
    complete_course(world.person_b1, create_course(world.township_b, "乙镇课程", lessons=1, credit_hours="2"))
    db.session.commit()
    page = new_page(java_script_enabled=javascript, accept_downloads=True)
    page.goto(live_server.url("/login"))
    fill_login(page, "county-org", "secret-pass")

    page.locator("#nav-records").click()
    table = page.locator("#unit-table")
    expect(table).to_contain_text("甲镇")
    expect(table).to_contain_text("乙镇")
    chart = page.locator(".records-chart img")
    expect(chart).to_have_attribute("src", re.compile(rf"^/records/units/{world.county.id}/chart\.svg"))
    svg = page.request.get(live_server.url(chart.get_attribute("src")))  # with the browser's cookies
    assert svg.ok, (svg.status, svg.text()[:300])
    assert svg.headers["content-type"].startswith("image/svg+xml") and "甲镇" in svg.text()

    table.get_by_role("link", name="甲镇").click()
    expect(page.locator("#unit-table")).to_contain_text("甲一村党支部")
    with page.expect_download() as download_info:
        page.locator("#export-xlsx").click()
    saved = tmp_path / "township.xlsx"
    download_info.value.save_as(saved)
    workbook = openpyxl.load_workbook(saved, read_only=True)
    names = {row[0] for row in list(workbook.worksheets[0].iter_rows(values_only=True))[1:]}
    workbook.close()
    assert names == {"张甲一"}

    page.locator("#unit-table").get_by_role("link", name="甲一村党支部").click()
    page.locator("#people-table").get_by_role("link", name="张甲一").click()
    entries = page.locator("table.file-entries")
    expect(entries).to_contain_text("马铃薯晚疫病防治")
    expect(entries).to_contain_text("3.00")
    expect(page.locator("body")).not_to_contain_text("乙镇课程")

    page.go_back()
    page.locator("#print-files").click()
    expect(page.locator(".development-file")).to_have_count(1)

    page.goto(live_server.url("/records"))
    page.locator("#feed-link").click()
    expect(page.locator("#feed-backlog")).to_have_text("0")
