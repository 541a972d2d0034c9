"""Journey: the county organiser sees the week's reminders, opens the monthly site report, picks
the month, drills down to a township, follows a site's figures to its sessions and prints the card."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_login import fill_login
from tests.unit.records.site_data import MONTH, site_month

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_county_organiser_reads_and_prints_the_monthly_site_report(world, live_server, new_page, javascript):
    month = site_month(world)
    page = new_page(java_script_enabled=javascript)
    page.goto(live_server.url("/login"))
    fill_login(page, "county-org", "secret-pass")

    panel = page.locator("#reminders-panel")
    expect(panel).to_contain_text("年度学时落后的党员")
    panel.get_by_role("link", name="站点学用情况月报").click()

    page.locator("input[name=month]").fill(MONTH)
    page.get_by_role("button", name="查看").click()
    expect(page.locator("h1")).to_contain_text(MONTH)
    page.locator("#site-unit-table").get_by_role("link", name="甲镇").click()
    row = page.locator(f'tr[data-site="{world.site_a1.code}"]')
    expect(row.locator(".site-sessions")).to_have_text("2")
    expect(row.locator(".site-viewing")).to_have_text("0.15")
    expect(row.locator(".site-phone")).to_have_text("13900000011")
    expect(row.locator(".site-standing")).to_contain_text("未达标")

    row.get_by_role("link", name=world.site_a1.name).click()
    expect(page.locator("#session-table tbody tr")).to_have_count(2)
    page.locator(f'tr[data-session="{month.first.id}"] a').first.click()
    expect(page).to_have_url(live_server.url(f"/sessions/{month.first.id}"))

    page.goto(live_server.url(f"/records/units/{world.county.id}/site-report?month={MONTH}"))
    page.locator("#site-report-print").click()
    expect(page.locator(".report-card")).to_have_count(2)  # one card per township
    page.emulate_media(media="print")
    expect(page.locator("p.no-print")).to_be_hidden()
    assert page.locator(".report-card").first.evaluate("e => getComputedStyle(e).breakAfter") == "page"
