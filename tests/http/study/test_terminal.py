"""Terminal mode over HTTP: start screen, roll call by tick and PIN, QR check-in, close; JS off throughout."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from app.core.model_base import utcnow
from app.extensions import db
from app.study import sessions as services
from app.study.models.session import AttendanceStatus
from tests.conftest import csrf_from, csrf_token, login
from tests.factories import create_site, create_account
from tests.unit.study.test_sessions import build_session, member_account


def _logout(client):
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})


def test_terminal_home_lists_today_and_courses_with_plain_links(client, world):
    session, _people = build_session(world, starts_in=timedelta(minutes=1))
    login(client, "tv-a1")
    html = client.get("/").get_data(as_text=True)
    assert "甲一村活动室" in html and "马铃薯晚疫病防治" in html
    assert f'href="/terminal/sessions/{session.id}"' in html  # JS off: a plain link opens it
    assert 'data-nav' in html and "terminal.js" in html and 'class="terminal"' in html
    assert "<script>" not in html  # CSP: no inline scripts
    menu = client.get(f"/terminal/sessions/{session.id}").get_data(as_text=True)
    assert f'action="/terminal/sessions/{session.id}/open"' in menu


def test_terminal_sees_only_its_site(client, world):
    other = create_site(world.branch_a2, "甲二村活动室")
    session, _ = build_session(world)
    db.session.commit()
    create_account("tv-a2", "terminal", world.branch_a2, site=other)
    db.session.commit()
    login(client, "tv-a2")
    home = client.get("/terminal").get_data(as_text=True)
    assert f"/terminal/sessions/{session.id}" not in home and ("今天这里没有安排集中学习" in home or "No session is scheduled here today" in home)
    for url in (f"/terminal/sessions/{session.id}", f"/terminal/sessions/{session.id}/roster",
                f"/terminal/sessions/{session.id}/qr"):
        assert client.get(url).status_code == 404


@pytest.mark.parametrize("username, status", [(None, 302), ("member-a1", 403), ("trainer", 403), ("org-b", 404),
                                              ("sec-a1", 200), ("tv-a1", 200)])
def test_roster_access_matrix(client, world, username, status):
    session, _ = build_session(world)
    if username:
        login(client, username)
    assert client.get(f"/terminal/sessions/{session.id}/roster").status_code == status


def test_roll_call_without_javascript_tick_pin_close(client, world):
    session, people = build_session(world, members=4, starts_in=timedelta(minutes=-15))
    member_account(people[2], pin="4321")
    db.session.commit()
    login(client, "tv-a1")
    menu = client.get(f"/terminal/sessions/{session.id}").get_data(as_text=True)
    client.post(f"/terminal/sessions/{session.id}/open", data={"csrf_token": csrf_from(menu)})
    roster_url = f"/terminal/sessions/{session.id}/roster"
    token = csrf_from(client.get(roster_url).get_data(as_text=True))
    response = client.post(roster_url, data={"csrf_token": token, "present": [str(people[0].id), str(people[1].id)]})
    assert response.status_code == 302
    html = client.get(roster_url).get_data(as_text=True)
    assert len(re.findall(r'value="\d+"[^>]*checked', html)) == 2
    pin_url = f"/terminal/sessions/{session.id}/pin"
    token = csrf_from(client.get(pin_url).get_data(as_text=True))
    client.post(pin_url, data={"csrf_token": token, "pin": "9999"})
    page = client.get(pin_url).get_data(as_text=True)
    assert "签到密码不对" in page or "Wrong PIN" in page
    client.post(pin_url, data={"csrf_token": token, "pin": "4321"})
    assert services.get_attendance(session, people[2].id).source == "pin"
    close_url = f"/terminal/sessions/{session.id}/close"
    token = csrf_from(client.get(close_url).get_data(as_text=True))
    client.post(close_url, data={"csrf_token": token})
    html = client.get(close_url).get_data(as_text=True)
    # Started 15 minutes ago: every sign-in is after the 10-minute grace, so late.
    assert "0 人出席，3 人迟到" in html or "0 present, 3 late" in html
    assert "14 天内" in html or "due in 14 days" in html
    db.session.expire_all()
    assert services.get_attendance(session, people[3].id).status == AttendanceStatus.ABSENT


def test_roster_autosave_endpoint(client, world):
    session, people = build_session(world)
    login(client, "tv-a1")
    token = csrf_from(client.get(f"/terminal/sessions/{session.id}").get_data(as_text=True))
    client.post(f"/terminal/sessions/{session.id}/open", data={"csrf_token": token})
    url = f"/terminal/sessions/{session.id}/roster/{people[1].id}"
    response = client.post(url, data={"csrf_token": token, "present": "1"})
    assert response.status_code == 200 and response.get_json()["present"] is True
    response = client.post(url, data={"csrf_token": token, "present": "0"})
    assert response.get_json()["present"] is False
    assert services.get_attendance(session, people[1].id) is None
    stranger_url = f"/terminal/sessions/{session.id}/roster/{world.person_b1.id}"
    assert client.post(stranger_url, data={"csrf_token": token, "present": "1"}).status_code == 404


def test_pin_attempts_are_rate_limited(client, world):
    session, _ = build_session(world)
    services.open_session(session, by=world.accounts["terminal_a1"])
    db.session.commit()
    login(client, "tv-a1")
    url = f"/terminal/sessions/{session.id}/pin"
    token = csrf_from(client.get(url).get_data(as_text=True))
    codes = [client.post(url, data={"csrf_token": token, "pin": "0000"}).status_code for _ in range(16)]
    assert codes[:15] == [302] * 15 and codes[15] == 429


def test_qr_page_shows_svg_and_refreshes_without_js(client, world):
    session, _ = build_session(world)
    services.open_session(session, by=world.accounts["terminal_a1"])
    db.session.commit()
    login(client, "tv-a1")
    html = client.get(f"/terminal/sessions/{session.id}/qr").get_data(as_text=True)
    assert 'src="data:image/svg+xml' in html
    assert '<noscript><meta http-equiv="refresh"' in html and "data-refresh-seconds" in html


def test_qr_checkin_from_phone(client, world):
    session, people = build_session(world)
    services.open_session(session, by=world.accounts["terminal_a1"])
    db.session.commit()
    login(client, "member-a1")
    url = f"/study/checkin/{services.make_checkin_token(session)}"
    page = client.get(url)
    assert page.status_code == 200
    response = client.post(url, data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    assert response.status_code == 302
    assert services.get_attendance(session, world.person_a1.id).source == "qr"


def test_qr_refused_for_stale_closed_and_unexpected(client, world):
    session, people = build_session(world)
    services.open_session(session, by=world.accounts["terminal_a1"])
    outsider = member_account(world.person_b1)
    db.session.commit()
    login(client, "member-a1")
    stale = services.make_checkin_token(session, utcnow() - timedelta(seconds=61))
    page = client.get(f"/study/checkin/{stale}").get_data(as_text=True)
    assert client.post(f"/study/checkin/{stale}", data={"csrf_token": csrf_from(page)}).status_code == 409
    _logout(client)
    login(client, outsider.username)
    fresh = services.make_checkin_token(session)
    page = client.get(f"/study/checkin/{fresh}").get_data(as_text=True)
    assert client.post(f"/study/checkin/{fresh}", data={"csrf_token": csrf_from(page)}).status_code == 409
    services.close_session(session, by=world.accounts["terminal_a1"])
    db.session.commit()
    _logout(client)
    login(client, "member-a1")
    page = client.get(f"/study/checkin/{fresh}").get_data(as_text=True)
    assert client.post(f"/study/checkin/{fresh}", data={"csrf_token": csrf_from(page)}).status_code == 409
    db.session.expire_all()
    assert services.get_attendance(session, world.person_a1.id).status == AttendanceStatus.ABSENT
