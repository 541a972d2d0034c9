"""Login, logout, activation, PIN, CSRF, rate limiting, cookies and headers."""
import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.org import services
from app.org.models import Account
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD


def test_login_by_username(client, world):
    response = login(client, "org-a")
    assert response.headers["Location"] == "/"
    assert "甲镇" in client.get("/").get_data(as_text=True)


def test_login_by_phone_of_linked_person(client, world):
    login(client, world.person_a1.phone)
    assert client.get("/", follow_redirects=True).status_code == 200


def test_wrong_password_shows_chinese_error_and_no_session(client, world):
    response = client.post("/login", data={"identifier": "org-a", "password": "nope",
                                           "csrf_token": csrf_token(client)})
    assert response.status_code == 200
    assert "用户名、手机号或密码不正确" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_unknown_user_gets_the_same_message(client, world):
    response = client.post("/login", data={"identifier": "ghost", "password": "whatever",
                                           "csrf_token": csrf_token(client)})
    assert "用户名、手机号或密码不正确" in response.get_data(as_text=True)


def test_disabled_account_cannot_log_in(client, world):
    world.accounts["organiser_a"].is_enabled = False
    db.session.commit()
    response = client.post("/login", data={"identifier": "org-a", "password": PASSWORD,
                                           "csrf_token": csrf_token(client)})
    assert response.status_code == 200 and client.get("/").status_code == 302


def test_login_without_csrf_token_is_refused(client, world):
    response = client.post("/login", data={"identifier": "org-a", "password": PASSWORD})
    assert response.status_code == 400
    assert "表单已过期" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_open_redirect_is_ignored(client, world):
    token = csrf_token(client)
    response = client.post("/login?next=https://evil.example/", data={
        "identifier": "org-a", "password": PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == "/"
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    response = client.post("/login?next=/people", data={
        "identifier": "org-a", "password": PASSWORD, "csrf_token": csrf_token(client)})
    assert response.headers["Location"] == "/people"


def test_login_is_rate_limited(make_app, world):
    app = make_app(LOGIN_RATE_LIMIT="3 per minute")
    client = app.test_client()
    statuses = []
    for _ in range(5):
        statuses.append(client.post("/login", data={
            "identifier": "org-a", "password": "bad", "csrf_token": csrf_token(client)}).status_code)
    assert statuses[:3] == [200, 200, 200] and statuses[3:] == [429, 429]
    # Even the right password is refused while limited: the limit protects the account.
    response = client.post("/login", data={"identifier": "org-a", "password": PASSWORD,
                                           "csrf_token": csrf_token(client)})
    assert response.status_code == 429
    assert "尝试次数过多" in response.get_data(as_text=True)


def test_logout_requires_post_and_ends_session(client, world):
    login(client, "org-a")
    assert client.get("/logout").status_code == 405
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert client.get("/").status_code == 302


def test_password_change_ends_other_sessions(make_app, world):
    app = make_app()
    first = app.test_client()
    login(first, "org-a")
    account = db.session.get(Account, world.accounts["organiser_a"].id)
    services.set_password(account, "another-pass")
    db.session.commit()
    assert first.get("/").status_code == 302


def test_session_cookie_flags_and_security_headers(client, world):
    response = client.get("/login")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_passwords_use_a_modern_kdf(world):
    assert world.accounts["organiser_a"].password_hash.startswith("scrypt:")


def _member_with_code(world):
    person = world.person_b1
    account = services.member_account_for(person)
    code = services.issue_activation_code(account)
    db.session.commit()
    return account, code


def test_activation_with_code_sets_password_and_pin(client, world):
    account, code = _member_with_code(world)
    response = client.post("/activate", data={
        "identifier": world.person_b1.phone, "code": code.lower(), "password": "new-pass-1",
        "pin": "2468", "csrf_token": csrf_token(client, "/activate")})
    assert response.status_code == 302
    db.session.expire_all()
    account = db.session.get(Account, account.id)
    assert account.is_activated and account.activation_code_hash is None
    assert services.check_pin(account, "2468")
    # The code is one-time: it cannot be used again.
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    response = client.post("/activate", data={
        "identifier": world.person_b1.phone, "code": code, "password": "other-pass",
        "csrf_token": csrf_token(client, "/activate")})
    assert "激活码不正确或已过期" in response.get_data(as_text=True)
    login(client, world.person_b1.phone, "new-pass-1")


def test_activation_with_wrong_code_changes_nothing(client, world):
    account, _code = _member_with_code(world)
    response = client.post("/activate", data={
        "identifier": world.person_b1.phone, "code": "WRONG123", "password": "new-pass-1",
        "csrf_token": csrf_token(client, "/activate")})
    assert "激活码不正确或已过期" in response.get_data(as_text=True)
    db.session.expire_all()
    assert not db.session.get(Account, account.id).is_activated


def test_activation_code_stored_hashed(world):
    account, code = _member_with_code(world)
    stored = db.session.scalar(select(Account.activation_code_hash).where(Account.id == account.id))
    assert code not in stored


def test_expired_activation_code_is_refused(world):
    from datetime import timedelta

    from app.core.model_base import utcnow

    account, code = _member_with_code(world)
    account.activation_expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert not services.check_activation_code(account, code)


@pytest.mark.parametrize("pin, ok", [("1234", True), ("123456", True), ("123", False), ("12a4", False)])
def test_member_sets_pin(client, world, pin, ok):
    login(client, "member-a1")
    response = client.post("/account/pin", data={"pin": pin, "csrf_token": csrf_token(client, "/account/pin")})
    assert (response.status_code == 302) is ok
    db.session.expire_all()
    account = db.session.get(Account, world.accounts["member_a1"].id)
    assert services.check_pin(account, pin) is ok


def test_pin_fields_ask_phones_for_the_number_pad(client, world):
    activate_page = client.get("/activate").get_data(as_text=True)
    login(client, "member-a1")
    pin_page = client.get("/account/pin").get_data(as_text=True)
    for page in (activate_page, pin_page):
        field = re.search(r'<input[^>]*name="pin"[^>]*>', page).group(0)
        assert 'inputmode="numeric"' in field and 'autocomplete="off"' in field, field


def test_pages_work_without_javascript(client, world):
    """No page needs a script: the login form is a plain POST form."""
    html = client.get("/login").get_data(as_text=True)
    assert re.search(r'<form method="post"', html) and "<script" not in html
