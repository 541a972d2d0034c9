"""Activation slips: printed codes work once at /activate; new slips void old ones; scope."""
from __future__ import annotations

import re

from sqlalchemy import select

from app.extensions import db
from app.org.models import Account
from tests.conftest import csrf_from, csrf_token, login
from tests.factories import create_person


def slip_codes(html: str) -> dict[str, str]:
    """Login name -> code, read from the printed slips."""
    logins = re.findall(r'class="slip-login">([^<]+)<', html)
    codes = re.findall(r'class="code">([^<]+)<', html)
    return dict(zip(logins, codes))


def print_slips(client, unit_id: int):
    page = client.get(f"/units/{unit_id}/slips")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="slips-generate"' in html
    return client.post(f"/units/{unit_id}/slips", data={"csrf_token": csrf_from(html)})


def activate(client, identifier: str, code: str, password: str = "new-pass-1"):
    token = csrf_token(client, "/activate")
    return client.post("/activate", data={"csrf_token": token, "identifier": identifier, "code": code,
                                          "password": password, "pin": ""})


def test_slips_codes_activate_once(client, world, app):
    no_phone = create_person(world.branch_a2, "无手机")
    db.session.commit()
    login(client, "org-a")
    response = print_slips(client, world.township_a.id)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    codes = slip_codes(html)
    # The member with an activated account gets no slip; the others do, by phone or login name.
    member_login = f"m{no_phone.id}"
    assert set(codes) == {member_login}
    assert "无手机" in html and "/activate" in html

    anonymous = app.test_client()
    assert activate(anonymous, member_login, codes[member_login]).status_code == 302
    other = app.test_client()
    again = activate(other, member_login, codes[member_login], "another-pass")
    assert again.status_code == 200  # refused: the code is used up
    account = db.session.scalar(select(Account).where(Account.username == member_login))
    db.session.refresh(account)
    assert account.is_activated and account.activation_code_hash is None


def test_phone_is_the_login_name_and_regenerating_voids_the_old_code(client, world, app):
    person = create_person(world.branch_a1, "有手机", phone="13512345678")
    db.session.commit()
    login(client, "sec-a1")
    first = slip_codes(print_slips(client, world.branch_a1.id).get_data(as_text=True))
    second = slip_codes(print_slips(client, world.branch_a1.id).get_data(as_text=True))
    assert set(first) == set(second) == {"13512345678"}
    assert first["13512345678"] != second["13512345678"]
    anonymous = app.test_client()
    assert activate(anonymous, "13512345678", first["13512345678"]).status_code == 200  # old code void
    assert activate(anonymous, "13512345678", second["13512345678"]).status_code == 302
    assert db.session.scalar(select(Account).where(Account.person_id == person.id)).is_activated


def test_other_townships_unit_is_not_found(client, world):
    login(client, "org-a")
    assert client.get(f"/units/{world.branch_b1.id}/slips").status_code == 404
    token = csrf_token(client, f"/units/{world.branch_a1.id}/slips")
    assert client.post(f"/units/{world.branch_b1.id}/slips", data={"csrf_token": token}).status_code == 404
    assert db.session.scalar(select(Account).where(Account.activation_code_hash.is_not(None))) is None


def test_access_matrix(client, world):
    url = f"/units/{world.branch_a1.id}/slips"
    assert "/login" in client.get(url).headers["Location"]
    login(client, "member-a1")
    assert client.get(url).status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account/pin")})
    login(client, "trainer")
    assert client.get(url).status_code == 403


def test_post_without_csrf_issues_nothing(client, world):
    create_person(world.branch_a1, "待激活")
    db.session.commit()
    login(client, "org-a")
    assert client.post(f"/units/{world.branch_a1.id}/slips").status_code == 400
    assert db.session.scalar(select(Account).where(Account.activation_code_hash.is_not(None))) is None
