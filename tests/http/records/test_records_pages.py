"""Organiser pages of records: access matrix, drill-down, files, corrections, exports, the pull API."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timezone

import openpyxl
import pytest
from sqlalchemy import select

from app.api.services import create_token
from app.core.model_base import utcnow
from app.extensions import db
from app.records.models import DevelopmentEntry, EntryKind, TrainingPlan
from app.records.services import local_year
from tests.conftest import csrf_from, login
from tests.factories import create_course, create_person
from tests.unit.records.records_data import complete_course, entries_of



@pytest.fixture
def filed(world):
    """Township A: person_a1 completed a 3-hour course; a member of A2 has nothing. Township B likewise."""
    complete_course(world.person_a1, create_course(world.township_a, "庭院经济", lessons=1, credit_hours="3"))
    complete_course(world.person_b1, create_course(world.township_b, "乙镇课程", lessons=1, credit_hours="5"))
    idle = create_person(world.branch_a2, "王落后", phone="13900000009")
    idle.created_at = datetime(2020, 1, 1, tzinfo=timezone.utc)
    db.session.commit()
    return world


def _year():
    return local_year(utcnow())


@pytest.mark.parametrize("who, expected", [(None, 302), ("member-a1", 403), ("trainer", 403), ("tv-a1", 403)])
def test_dashboard_is_for_organisers(client, world, who, expected):
    if who:
        login(client, who)
    response = client.get(f"/records/units/{world.township_a.id}")
    assert response.status_code == expected


@pytest.mark.parametrize("url", ["/records/units/{unit}", "/records/units/{unit}/behind", "/records/units/{unit}/chart.svg",
                                 "/records/units/{unit}/export.xlsx", "/records/units/{unit}/export.csv",
                                 "/records/units/{unit}/print", "/records/units/{unit}/plan",
                                 "/records/people/{person}", "/records/people/{person}/print"])
def test_another_townships_objects_are_not_found(client, filed, url):
    login(client, "org-a")
    response = client.get(url.format(unit=filed.township_b.id, person=filed.person_b1.id))
    assert response.status_code == 404


def test_drill_down_from_township_to_branch_to_person(client, filed):
    login(client, "org-a")
    page = client.get("/records").get_data(as_text=True)
    assert "甲镇" in page and "甲一村党支部" in page and "乙一村" not in page
    assert f'/records/units/{filed.branch_a1.id}' in page and "chart.svg" in page
    branch = client.get(f"/records/units/{filed.branch_a1.id}").get_data(as_text=True)
    assert "张甲一" in branch and f"/records/people/{filed.person_a1.id}" in branch
    person = client.get(f"/records/people/{filed.person_a1.id}").get_data(as_text=True)
    assert "庭院经济" in person and "3.00" in person and 'class="entry-credit"' in person
    chart = client.get(f"/records/units/{filed.township_a.id}/chart.svg")
    assert chart.status_code == 200 and chart.mimetype == "image/svg+xml" and b"<svg" in chart.data
    assert "甲一村党支部".encode() in chart.data


def test_behind_list_shows_phone_numbers_for_follow_up(client, filed):
    login(client, "org-a")
    page = client.get(f"/records/units/{filed.township_a.id}/behind?year={_year()}").get_data(as_text=True)
    assert "王落后" in page and "13900000009" in page and "李乙一" not in page


def test_xlsx_export_has_a_summary_and_the_entries_of_the_scope_only(client, filed):
    login(client, "org-a")
    # The file is spooled to disk and streamed; closing the response (as a WSGI server does) frees it.
    with client.get(f"/records/units/{filed.township_a.id}/export.xlsx?year={_year()}") as response:
        assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
        data = response.data
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    summary, entries = (list(sheet.iter_rows(values_only=True)) for sheet in workbook.worksheets)
    names = {row[0] for row in summary[1:]}
    assert names == {"张甲一", "王落后"}
    person_a1 = next(row for row in summary if row[0] == "张甲一")
    assert person_a1[4] == 3.0 and person_a1[5] > 0
    assert {row[1] for row in entries[1:]} == {"张甲一"} and len(entries) == 1 + 2
    workbook.close()


def test_csv_export_lists_entries(client, filed):
    login(client, "org-a")
    with client.get(f"/records/units/{filed.township_a.id}/export.csv?year={_year()}") as response:
        text = response.get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) == 3 and {row[1] for row in rows[1:]} == {"张甲一"}


def test_print_pages_for_a_person_and_a_branch(client, filed):
    login(client, "org-a")
    one = client.get(f"/records/people/{filed.person_a1.id}/print").get_data(as_text=True)
    assert "庭院经济" in one and 'class="development-file"' in one
    batch = client.get(f"/records/units/{filed.township_a.id}/print").get_data(as_text=True)
    assert batch.count('class="development-file"') == 2 and "李乙一" not in batch


def test_correction_through_the_page(client, filed):
    login(client, "org-a")
    credit = entries_of(filed.person_a1, EntryKind.CREDIT)[0]
    url = f"/records/entries/{credit.id}/correct"
    token = csrf_from(client.get(url).get_data(as_text=True))
    refused = client.post(url, data={"csrf_token": token, "hours": "2", "reason": ""})
    assert refused.status_code == 200
    response = client.post(url, data={"csrf_token": token, "hours": "2", "reason": "登记错误"})
    assert response.status_code == 302
    correction = db.session.scalar(select(DevelopmentEntry).where(DevelopmentEntry.corrects_id == credit.id))
    assert correction.note == "登记错误" and str(correction.hours) in ("-1.000", "-1")
    other = entries_of(filed.person_b1, EntryKind.CREDIT)[0]
    assert client.get(f"/records/entries/{other.id}/correct").status_code == 404


def test_appraisal_and_stage_through_the_page(client, filed):
    login(client, "org-a")
    url = f"/records/people/{filed.person_a1.id}"
    token = csrf_from(client.get(url).get_data(as_text=True))
    client.post(f"{url}/appraisal", data={"csrf_token": token, "year": str(_year()), "grade": "excellent",
                                          "review": "群众满意"})
    client.post(f"{url}/stage", data={"csrf_token": token, "stage": "reserve_cadre", "note": ""})
    kinds = [entry.kind for entry in entries_of(filed.person_a1)]
    assert kinds[-2:] == ["appraisal", "stage"]


def test_plan_page_saves_a_township_plan(client, filed):
    login(client, "org-a")
    url = f"/records/units/{filed.township_a.id}/plan?year=2026"
    token = csrf_from(client.get(url).get_data(as_text=True))
    response = client.post(url, data={"csrf_token": token, "year": "2026", "member_hours": "40",
                                      "cadre_hours": "60", "other_hours": "0", "deadline": "2026-11-30"})
    assert response.status_code == 302
    plan = db.session.scalar(select(TrainingPlan))
    assert (plan.unit_id, plan.year, plan.member_hours) == (filed.township_a.id, 2026, 40)


def test_pull_api_pages_in_order_within_scope(client, filed):
    _token, plaintext = create_token(filed.accounts["organiser_a"], "feed")
    db.session.commit()
    headers = {"Authorization": f"Bearer {plaintext}"}
    first = client.get("/api/v1/records?since=0&limit=1", headers=headers).get_json()
    assert len(first["items"]) == 1
    second = client.get(f"/api/v1/records?since={first['next_cursor']}&limit=50", headers=headers).get_json()
    items = first["items"] + second["items"]
    assert {item["person_id"] for item in items} == {filed.person_a1.id}
    assert [item["id"] for item in items] == sorted(item["id"] for item in items)
    assert all(item["statement"]["id"] == item["statement_id"] for item in items)
    done = client.get(f"/api/v1/records?since={second['next_cursor']}", headers=headers).get_json()
    assert done["items"] == [] and done["next_cursor"] == second["next_cursor"]
    # A member's token sees only the member's own file.
    _token, member_plain = create_token(filed.accounts["member_a1"], "mine")
    db.session.commit()
    mine = client.get("/api/v1/records", headers={"Authorization": f"Bearer {member_plain}"}).get_json()
    assert {item["person_id"] for item in mine["items"]} == {filed.person_a1.id}
    assert client.get("/api/v1/records").status_code == 401


@pytest.mark.parametrize("who, expected", [("org-a", 403), ("sec-a1", 403), ("county-org", 200), ("admin", 200)])
def test_feed_status_is_county_wide(client, filed, who, expected):
    login(client, who)
    response = client.get("/records/feed")
    assert response.status_code == expected
    if expected == 200:
        assert 'id="feed-backlog">0<' in response.get_data(as_text=True)


def _people_cells(page: str) -> dict[str, list[str]]:
    """The branch dashboard's person table: name -> the row's cell texts."""
    import re

    table = page.split('id="people-table"')[1].split("</table>")[0]
    rows = {}
    for row in re.findall(r"<tr class=\"standing-[a-z_]+\">(.*?)</tr>", table, re.S):
        cells = [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
        rows[cells[0]] = cells
    return rows


def test_targets_by_roster_date_and_standings_on_the_dashboard_and_me(client, world):
    """Rows made today owe the full year; a July joiner owes half; /me shows the dashboard's target."""
    from datetime import date

    from app.org.choices import CadreRole, PersonCategory
    from tests.unit.records.records_data import closed_session

    year = _year()
    world.person_a1.joined_party_on = date(year, 7, 1)
    create_person(world.branch_a1, "王书记", cadre_roles=[CadreRole.BRANCH_SECRETARY])
    create_person(world.branch_a1, "赵村民", category=PersonCategory.NON_MEMBER)
    _session, people = closed_session(world, members=2)  # 成员2 is absent: an open make-up
    complete_course(people[2], create_course(world.township_a, "大课", lessons=1, credit_hours="40"))
    db.session.commit()

    login(client, "org-a")
    rows = _people_cells(client.get(f"/records/units/{world.branch_a1.id}").get_data(as_text=True))
    # Columns: name, standing, hours, required hours, courses, attendance, open make-ups, phone.
    assert rows["王书记"][3] == "56.0" and rows["成员1"][3] == "32.0"
    assert rows["张甲一"][3] == "16.0"
    assert rows["赵村民"][1] == "不要求" and rows["赵村民"][3] == "0.0"
    assert rows["成员2"][2] == "40.0" and rows["成员2"][6] == "1" and rows["成员2"][1] != "已完成"
    assert all(cells[1] != "已完成" for cells in rows.values())

    client.post("/logout", data={"csrf_token": csrf_from(client.get("/me").get_data(as_text=True))})
    login(client, "member-a1")
    for url in ("/me", "/me/hours"):
        assert '<span id="hours-required">16</span>' in client.get(url).get_data(as_text=True)
