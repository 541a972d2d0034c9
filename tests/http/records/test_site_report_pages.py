"""The monthly site report through the pages and the API an organiser uses: figures equal the
sessions and heartbeats, scope (404 outside), the month picker, print card, XLSX, home reminders."""
from __future__ import annotations

import io
import re
from decimal import Decimal

import openpyxl
import pytest

from app.api.services import create_token
from app.extensions import db
from app.records import reminders, site_report
from tests.conftest import csrf_token, login
from tests.factories import create_site
from tests.unit.records.site_data import MONTH, figures_from_the_rows, site_month


@pytest.fixture
def month_at_a1(world):
    data = site_month(world)
    rows = figures_from_the_rows(world.site_a1.id, *site_report.parse_month(MONTH).bounds())
    return data, rows


def _logout(client):
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})


def _row(html: str, site_code: str) -> str:
    found = re.search(rf'<tr data-site="{site_code}".*?</tr>', html, re.S)
    assert found, f"no row for {site_code}"
    return found.group(0)


def _cell(row: str, name: str) -> str:
    return re.search(rf'class="{name}">(.*?)</td>', row, re.S).group(1).strip()


@pytest.mark.parametrize("who, expected", [(None, 302), ("member-a1", 403), ("trainer", 403), ("tv-a1", 403)])
def test_site_report_is_for_organisers(client, world, who, expected):
    if who:
        login(client, who)
    assert client.get(f"/records/units/{world.township_a.id}/site-report").status_code == expected


def test_township_page_shows_the_figures_of_the_sessions_and_heartbeats(client, world, month_at_a1):
    _data, rows = month_at_a1
    quiet = create_site(world.branch_a2, "甲二村活动室")
    db.session.commit()
    login(client, "org-a")
    html = client.get(f"/records/units/{world.township_a.id}/site-report?month={MONTH}").get_data(as_text=True)
    row = _row(html, world.site_a1.code)
    assert _cell(row, "site-sessions") == str(rows["sessions"]) == "2"
    hours = (Decimal(rows["viewing_seconds"]) / 3600).quantize(Decimal("0.01"))
    assert _cell(row, "site-viewing") == str(hours) == "0.15"
    assert _cell(row, "site-open") == str((Decimal(rows["open_seconds"]) / 3600).quantize(Decimal("0.01"))) == "2.50"
    attended = rows["attended"] + rows["made_up"]
    assert f"({attended}/{rows['expected']})" in _cell(row, "site-rate") and "75%" in _cell(row, "site-rate")
    assert _cell(row, "site-phone") == "13900000011"
    assert "standing-behind" in row
    # Behind first: the room with no session at all comes before A1; township B is not there.
    assert html.index(f'data-site="{quiet.code}"') < html.index(f'data-site="{world.site_a1.code}"')
    assert world.site_b1.code not in html
    # The figures link to the sessions behind them.
    assert f'/records/sites/{world.site_a1.id}/report?month={MONTH}' in row


def test_site_page_links_each_session(client, world, month_at_a1):
    data, rows = month_at_a1
    login(client, "org-a")
    html = client.get(f"/records/sites/{world.site_a1.id}/report?month={MONTH}").get_data(as_text=True)
    for session_id in rows["session_ids"]:
        assert f'href="/sessions/{session_id}"' in html
    assert re.search(r'id="fig-sessions">2 / 2<', html)
    assert re.search(r'id="fig-viewing">0.15 / 20<', html)
    # The secretary's own branch sees it too; another township's organiser does not.
    _logout(client)
    login(client, "sec-a1")
    assert client.get(f"/records/sites/{world.site_a1.id}/report?month={MONTH}").status_code == 200
    _logout(client)
    login(client, "org-b")
    assert client.get(f"/records/sites/{world.site_a1.id}/report?month={MONTH}").status_code == 404
    assert client.get(f"/records/units/{world.township_a.id}/site-report").status_code == 404


def test_drill_down_from_the_county(client, world, month_at_a1):
    login(client, "county-org")
    html = client.get(f"/records/units/{world.county.id}/site-report?month={MONTH}").get_data(as_text=True)
    assert f'/records/units/{world.township_a.id}/site-report?month={MONTH}' in html
    assert f'/records/units/{world.township_b.id}/site-report?month={MONTH}' in html
    township = client.get(f"/records/units/{world.township_a.id}/site-report?month={MONTH}").get_data(as_text=True)
    assert f'/records/units/{world.county.id}/site-report?month={MONTH}' in township  # back up


@pytest.mark.parametrize("month", ["2026-13", "november", "2026-1", "1999-01"])
def test_a_bad_month_is_a_clear_400(client, world, month):
    login(client, "org-a")
    response = client.get(f"/records/units/{world.township_a.id}/site-report?month={month}")
    assert response.status_code == 400
    assert "年-月" in response.get_data(as_text=True)


def test_pages_of_sites(client, world, app):
    for number in range(site_report.SITES_PER_PAGE + 3):
        create_site(world.branch_a2, f"站点{number:03d}")
    db.session.commit()
    login(client, "org-a")
    first = client.get(f"/records/units/{world.township_a.id}/site-report?month={MONTH}").get_data(as_text=True)
    second = client.get(f"/records/units/{world.township_a.id}/site-report?month={MONTH}&page=2").get_data(as_text=True)
    assert first.count("<tr data-site=") == site_report.SITES_PER_PAGE
    assert second.count("<tr data-site=") == 4  # 53 new rooms and A1
    assert 'rel="next"' in first and "page=2" in first


def test_print_card_per_township(client, world, month_at_a1):
    login(client, "county-org")
    html = client.get(f"/records/units/{world.county.id}/site-report/print?month={MONTH}").get_data(as_text=True)
    cards = re.findall(r'<section class="report-card" data-unit="([^"]+)"', html)
    assert cards == [world.township_a.code, world.township_b.code]
    assert 'css/app.css' in html and "A4" in html


def test_xlsx_has_the_same_figures(client, world, month_at_a1):
    _data, rows = month_at_a1
    login(client, "org-a")
    # The file is spooled to disk and streamed; closing the response (as a WSGI server does) frees it.
    with client.get(f"/records/units/{world.township_a.id}/site-report.xlsx?month={MONTH}") as response:
        assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
        data = response.data
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    lines = [list(line) for line in book.active.iter_rows(values_only=True)]
    book.close()
    a1 = next(line for line in lines[1:] if line[2] == world.site_a1.name)
    assert a1[:10] == ["甲镇", "甲一村党支部", world.site_a1.name, 2, 0.15, 2.5, rows["expected"], rows["attended"],
                       rows["made_up"], 75]
    assert a1[12] == "13900000011"


def test_a_formula_like_site_name_stays_text_in_the_xlsx(client, world):
    create_site(world.branch_a1, "=HYPERLINK(\"http://x\")")
    db.session.commit()
    login(client, "org-a")
    with client.get(f"/records/units/{world.township_a.id}/site-report.xlsx?month={MONTH}") as response:
        data = response.data
    book = openpyxl.load_workbook(io.BytesIO(data))
    cell = next(row[2] for row in book.active.iter_rows(min_row=2) if str(row[2].value).startswith("=HYPER"))
    assert cell.data_type == "s"


# --- the API ----------------------------------------------------------------------------------

def _token(world, key):
    _token_row, plaintext = create_token(world.accounts[key], "site report")
    db.session.commit()
    return {"Authorization": f"Bearer {plaintext}"}


def test_api_answers_the_same_figures(client, world, month_at_a1):
    _data, rows = month_at_a1
    response = client.get(f"/api/v1/sites/{world.site_a1.id}/report?month={MONTH}", headers=_token(world, "organiser_a"))
    assert response.status_code == 200
    body = response.get_json()
    assert body == {"site_id": world.site_a1.id, "month": MONTH, "sessions": rows["sessions"], "viewing_hours": "0.15",
                    "open_hours": "2.50", "participation_rate": 0.75, "expected": rows["expected"],
                    "attended": rows["attended"], "made_up": rows["made_up"], "behind_rules": True,
                    "session_ids": rows["session_ids"]}


def test_api_scope_and_bad_months(client, world, month_at_a1):
    outside = client.get(f"/api/v1/sites/{world.site_a1.id}/report?month={MONTH}", headers=_token(world, "organiser_b"))
    assert outside.status_code == 404 and outside.get_json()["error"]["code"] == "not_found"
    headers = _token(world, "organiser_a")
    for query in ("?month=2026-13", "?month=2026/11", ""):
        response = client.get(f"/api/v1/sites/{world.site_a1.id}/report{query}", headers=headers)
        assert response.status_code == 422, query
        assert response.get_json()["error"]["status"] == 422
    assert client.get(f"/api/v1/sites/{world.site_a1.id}/report?month={MONTH}").status_code == 401
    member = client.get(f"/api/v1/sites/{world.site_a1.id}/report?month={MONTH}", headers=_token(world, "member_a1"))
    assert member.status_code == 403


def test_api_is_in_the_openapi_document(client):
    document = client.get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/api/v1/sites/{site_id}/report"]["get"]
    assert {"200", "404", "401", "403", "422"} <= set(operation["responses"])
    assert any(parameter["name"] == "month" for parameter in operation["parameters"])


# --- home pages -------------------------------------------------------------------------------

def test_home_pages_of_secretary_and_organiser_show_this_weeks_reminders(client, world, month_at_a1):
    for username, account in (("sec-a1", "secretary_a1"), ("org-a", "organiser_a")):
        login(client, username)
        html = client.get("/").get_data(as_text=True)
        assert 'id="reminders-panel"' in html
        due = reminders.due_this_week(world.accounts[account])
        assert due  # members behind their yearly target at least
        for item in reminders.grouped(due)[0].shown:
            assert f'data-key="{item.key}"' in html
        assert 'data-kind="member_behind"' in html
        _logout(client)
    login(client, "org-b")
    assert f'data-key="site_behind:{world.site_a1.id}' not in client.get("/").get_data(as_text=True)
