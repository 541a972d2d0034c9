"""Sessions and tokens end (issue 15, point 4): each test replays one attack on the real app.

Logout, a new password or a new PIN end the account's other sessions (session cookie and
remember-me cookie alike) and, for a new secret, its API tokens; a login lasts 30 days at most.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

from flask_login.utils import encode_cookie

from app.api import services as api_services
from app.extensions import db
from app.org.models import Account
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD

REMEMBER = "remember_token"


def _logout(client):
    return client.post("/logout", data={"csrf_token": csrf_token(client, "/")})


def _is_logged_in(client) -> bool:
    """The home page answers only a logged-in browser; an anonymous one is sent to /login."""
    response = client.get("/")
    return response.status_code in (200, 302) and "/login" not in response.headers.get("Location", "")


def _login_remembered(client, username: str, password: str = PASSWORD):
    response = client.post("/login", data={"identifier": username, "password": password, "remember": "y",
                                           "csrf_token": csrf_token(client)})
    assert response.status_code == 302
    return response


def _browser_with(app, **cookies):
    """A browser that has only the given cookies (copied from another one: a stolen cookie)."""
    client = app.test_client()
    for name, value in cookies.items():
        client.set_cookie(name, value)
    return client


def _account(username: str) -> Account:
    db.session.expire_all()
    return db.session.scalar(db.select(Account).where(Account.username == username))


# --- logout -------------------------------------------------------------------------------------

def test_old_session_cookie_is_refused_after_logout(client, world):
    login(client, "org-a")
    stolen = client.get_cookie("session").value
    assert _is_logged_in(_browser_with(client.application, session=stolen))  # the copy works while logged in
    _logout(client)
    assert not _is_logged_in(_browser_with(client.application, session=stolen))
    assert not _is_logged_in(client)


def test_remember_me_cookie_alone_is_refused_after_logout(client, world):
    _login_remembered(client, "org-a")
    remembered = client.get_cookie(REMEMBER).value
    # the cookie alone logs a fresh browser in while the account has not logged out
    assert _is_logged_in(_browser_with(client.application, **{REMEMBER: remembered}))
    _logout(client)
    assert not _is_logged_in(_browser_with(client.application, **{REMEMBER: remembered}))


def test_logout_ends_the_accounts_other_devices_too(make_app, world):
    app = make_app()
    phone, office = app.test_client(), app.test_client()
    login(phone, "org-a")
    login(office, "org-a")
    _logout(office)
    assert not _is_logged_in(phone)
    login(phone, "org-a")  # logging in again works
    assert _is_logged_in(phone)


# --- remember-me lasts 30 days at most ------------------------------------------------------------

def test_remember_me_cookie_expires_within_30_days(client, world):
    response = _login_remembered(client, "org-a")
    cookie = next(value for value in response.headers.getlist("Set-Cookie") if value.startswith(REMEMBER + "="))
    expires = parsedate_to_datetime(cookie.split("Expires=")[1].split(";")[0])
    assert timedelta(days=29) < expires - datetime.now(timezone.utc) <= timedelta(days=30, minutes=1)


def test_login_older_than_30_days_is_refused_whatever_its_cookie_says(client, world):
    """The browser may keep a cookie longer than told (or it is copied): the server decides."""
    account = world.accounts["organiser_a"]

    def cookie_of_a_login(days_ago: float) -> str:
        moment = int((datetime.now(timezone.utc) - timedelta(days=days_ago)).timestamp())
        with client.application.test_request_context():  # signed with the app's key, as the app does
            return encode_cookie(f"{account.id}:{account.session_version}:{moment}")

    assert _is_logged_in(_browser_with(client.application, **{REMEMBER: cookie_of_a_login(29)}))
    assert not _is_logged_in(_browser_with(client.application, **{REMEMBER: cookie_of_a_login(31)}))
    # a cookie without the login moment (as issued before) is refused too
    with client.application.test_request_context():
        old_style = encode_cookie(f"{account.id}:{account.session_version}")
    assert not _is_logged_in(_browser_with(client.application, **{REMEMBER: old_style}))


# --- a new password or PIN ------------------------------------------------------------------------

def test_own_password_change_logs_out_other_browsers_and_keeps_this_one(make_app, world):
    app = make_app()
    other, this = app.test_client(), app.test_client()
    _login_remembered(other, "org-a")
    other_session = other.get_cookie("session").value
    other_remembered = other.get_cookie(REMEMBER).value
    login(this, "org-a")
    page = this.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "spring-wheat-2027", "new_password_again": "spring-wheat-2027",
        "csrf_token": csrf_token(this, "/account/password")}, follow_redirects=True).get_data(as_text=True)
    assert "密码已修改" in page
    assert _is_logged_in(this)  # the browser that changed it goes on
    assert not _is_logged_in(other)
    assert not _is_logged_in(_browser_with(app, session=other_session))
    assert not _is_logged_in(_browser_with(app, **{REMEMBER: other_remembered}))
    login(app.test_client(), "org-a", "spring-wheat-2027")
    stranger = app.test_client()
    response = stranger.post("/login", data={"identifier": "org-a", "password": PASSWORD,
                                             "csrf_token": csrf_token(stranger)})
    assert response.status_code == 200 and "用户名、手机号或密码不正确" in response.get_data(as_text=True)


def test_own_password_change_with_wrong_current_password_changes_nothing(client, world):
    login(client, "org-a")
    before = _account("org-a").password_hash
    page = client.post("/account/password", data={
        "current_password": "not-my-password", "new_password": "spring-wheat-2027",
        "new_password_again": "spring-wheat-2027", "csrf_token": csrf_token(client, "/account/password")},
        follow_redirects=True).get_data(as_text=True)
    assert "当前密码不正确" in page
    account = _account("org-a")
    assert account.password_hash == before and account.failed_logins == 1  # counted towards the lockout
    assert _is_logged_in(client)


def test_api_token_is_revoked_when_an_organiser_resets_the_members_password(client, world):
    member = world.accounts["member_a1"]
    _token, plaintext = api_services.create_token(member, "phone app")
    db.session.commit()
    headers = {"Authorization": f"Bearer {plaintext}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    member_browser = client.application.test_client()
    login(member_browser, "member-a1")
    login(client, "org-a")
    url = f"/accounts/{member.id}"
    response = client.post(url, data={"display_name": "张甲一", "is_enabled": "y", "new_password": "potato-field-77",
                                      "csrf_token": csrf_token(client, url)})
    assert response.status_code == 302
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert api_services.list_tokens_for(_account("member-a1"))[0].is_revoked
    assert not _is_logged_in(member_browser)


def test_new_pin_ends_other_sessions_and_revokes_tokens(make_app, world):
    app = make_app()
    member = world.accounts["member_a1"]
    _token, plaintext = api_services.create_token(member, "phone app")
    db.session.commit()
    phone, home = app.test_client(), app.test_client()
    login(phone, "member-a1")
    login(home, "member-a1")
    response = home.post("/account/pin", data={"pin": "2468", "csrf_token": csrf_token(home, "/account/pin")})
    assert response.status_code == 302
    assert _is_logged_in(home) and not _is_logged_in(phone)
    assert app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {plaintext}"}).status_code == 401


def test_organiser_resets_a_members_pin(client, world):
    from app.org import services

    member = world.accounts["member_a1"]
    login(client, "org-a")
    url = f"/accounts/{member.id}"
    page = client.get(url).get_data(as_text=True)
    assert 'name="new_pin"' in page
    client.post(url, data={"display_name": "张甲一", "is_enabled": "y", "new_pin": "7531",
                           "csrf_token": csrf_token(client, url)})
    assert services.check_pin(_account("member-a1"), "7531")
