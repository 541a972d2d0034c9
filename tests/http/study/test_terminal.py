"""Terminal mode over HTTP: start screen, roll call by tick and PIN, QR check-in, close; JS off throughout."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from app.core.model_base import utcnow
from app.extensions import db
from app.study.sessions import services as services
from app.study.sessions.models import AttendanceStatus
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
    list_url = f"/terminal/sessions/{session.id}/pin"
    pin_url = f"/terminal/sessions/{session.id}/pin/{people[2].id}"
    names = client.get(list_url).get_data(as_text=True)
    assert f'href="{pin_url}"' in names  # JS off: the name is a plain link
    # typing the roster number shown beside the name goes to the same PIN page
    number = re.search(rf'href="{pin_url}"[^>]*><span class="key-hint">(\d+)</span>', names).group(1)
    assert client.get(f"{list_url}?number={number}").headers["Location"].endswith(pin_url)
    assert client.get(f"{list_url}?number=99", follow_redirects=True).get_data(as_text=True).count("99") >= 1
    token = csrf_from(client.get(pin_url).get_data(as_text=True))
    client.post(pin_url, data={"csrf_token": token, "pin": "9999"})
    page = client.get(pin_url).get_data(as_text=True)
    assert "签到密码不对" in page and "还可以再试 4 次" in page
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
    url = f"/terminal/sessions/{session.id}/pin/{world.person_a1.id}"
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
    # the TV names the session, so a phone in the room scans the right one
    assert "马铃薯晚疫病防治" in html and "甲一村活动室" in html
    from app.study.sessions.blueprint import session_time
    assert session_time(session.starts_at, "yyyy-MM-dd HH:mm") in html
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


def test_two_members_with_the_same_pin_each_sign_in_only_themselves(client, world):
    session, people = build_session(world, starts_in=timedelta(minutes=-1))
    zhang, liu = people[1], people[2]
    member_account(zhang, pin="2468")
    member_account(liu, pin="2468")
    services.open_session(session, by=world.accounts["terminal_a1"])
    db.session.commit()
    login(client, "tv-a1")
    liu_url = f"/terminal/sessions/{session.id}/pin/{liu.id}"
    token = csrf_from(client.get(liu_url).get_data(as_text=True))
    page = client.post(liu_url, data={"csrf_token": token, "pin": "2468"}, follow_redirects=True).get_data(as_text=True)
    assert f"欢迎您，{liu.name}" in page and f"欢迎您，{zhang.name}" not in page
    db.session.expire_all()
    assert services.get_attendance(session, liu.id) is not None
    assert services.get_attendance(session, zhang.id) is None
    zhang_url = f"/terminal/sessions/{session.id}/pin/{zhang.id}"
    page = client.post(zhang_url, data={"csrf_token": token, "pin": "2468"}, follow_redirects=True).get_data(as_text=True)
    assert f"欢迎您，{zhang.name}" in page
    db.session.expire_all()
    assert services.get_attendance(session, zhang.id).source == "pin"


def test_pin_lockout_is_per_person_and_holds_in_another_session(client, world):
    first, people = build_session(world, starts_in=timedelta(minutes=-1))
    member, neighbour = people[1], people[2]
    member_account(member, pin="2468")
    member_account(neighbour, pin="1357")
    terminal = world.accounts["terminal_a1"]
    services.open_session(first, by=terminal)
    db.session.commit()
    login(client, "tv-a1")
    url = f"/terminal/sessions/{first.id}/pin/{member.id}"
    token = csrf_from(client.get(url).get_data(as_text=True))
    for tries_left in (4, 3, 2, 1):
        page = client.post(url, data={"csrf_token": token, "pin": "0000"}, follow_redirects=True).get_data(as_text=True)
        assert f"还可以再试 {tries_left} 次" in page
    page = client.post(url, data={"csrf_token": token, "pin": "0000"}, follow_redirects=True).get_data(as_text=True)
    assert "已锁定到" in page and 'id="pin"' not in page  # no PIN field while locked
    # a new ad-hoc session started on the TV: still locked, even with the right PIN
    home = client.get("/terminal").get_data(as_text=True)
    client.post(f"/terminal/courses/{first.course_id}/start", data={"csrf_token": csrf_from(home)})
    second = max(services_sessions_of(world), key=lambda s: s.id)
    assert second.id != first.id and second.is_open
    second_url = f"/terminal/sessions/{second.id}/pin/{member.id}"
    page = client.post(second_url, data={"csrf_token": token, "pin": "2468"}, follow_redirects=True).get_data(as_text=True)
    assert "已锁定到" in page and f"欢迎您，{member.name}" not in page
    db.session.expire_all()
    assert services.get_attendance(second, member.id) is None
    # the neighbour is not locked out by someone else's mistakes
    page = client.post(f"/terminal/sessions/{second.id}/pin/{neighbour.id}", data={"csrf_token": token, "pin": "1357"},
                       follow_redirects=True).get_data(as_text=True)
    assert f"欢迎您，{neighbour.name}" in page


def services_sessions_of(world):
    from sqlalchemy import select

    from app.study.sessions.models import StudySession
    return list(db.session.scalars(select(StudySession).where(StudySession.site_id == world.site_a1.id)))
