"""Short and common passwords are refused wherever a password is set, with a clear Chinese message."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.org import services
from app.org.models import Account
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD

TOO_SHORT = "密码至少要 8 位"
TOO_COMMON = "这个密码太常见，很容易被猜到，请换一个"
PERSONAL = "密码不能和用户名、手机号或身份证号相同"

REFUSED = [
    ("abc1234", TOO_SHORT),  # 7 characters (6 were enough before)
    ("pass12", TOO_SHORT),
    ("123456789", TOO_COMMON),
    ("88888888", TOO_COMMON),
    ("woaini1314", TOO_COMMON),
    ("qq123456", TOO_COMMON),
    ("a123456789", TOO_COMMON),
    ("password", TOO_COMMON),
    ("PassWord", TOO_COMMON),  # case does not help
    ("19800115", TOO_COMMON),  # a birthday
    ("aaaaaaaaaa", TOO_COMMON),
]


def _account(username: str) -> Account:
    db.session.expire_all()
    return db.session.scalar(select(Account).where(Account.username == username))


def test_the_list_ships_with_the_package_and_holds_chinese_favourites():
    from app.org.password_policy import common_passwords

    listed = common_passwords()
    assert len(listed) > 500
    assert {"123456789", "88888888", "woaini1314", "qq123456", "a123456789", "password"} <= listed
    assert all(len(entry) >= 8 for entry in listed)


@pytest.mark.parametrize("password, message", REFUSED, ids=[p for p, _m in REFUSED])
def test_own_password_change_refuses(client, world, password, message):
    login(client, "org-a")
    before = _account("org-a").password_hash
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": password, "new_password_again": password,
        "csrf_token": csrf_token(client, "/account/password")})
    assert message in response.get_data(as_text=True)
    assert _account("org-a").password_hash == before


@pytest.mark.parametrize("password, message", REFUSED[:1] + REFUSED[4:6], ids=["short", "woaini1314", "qq123456"])
def test_organiser_reset_refuses_and_changes_nothing(client, world, password, message):
    login(client, "org-a")
    member = world.accounts["member_a1"]
    before = member.password_hash
    url = f"/accounts/{member.id}"
    response = client.post(url, data={"display_name": "改了名字", "is_enabled": "y", "new_password": password,
                                      "csrf_token": csrf_token(client, url)})
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    account = _account("member-a1")
    assert account.password_hash == before and account.display_name != "改了名字"  # nothing half-saved


@pytest.mark.parametrize("password, message", REFUSED[:1] + REFUSED[5:7], ids=["short", "qq123456", "a123456789"])
def test_account_creation_refuses(client, world, password, message):
    login(client, "admin")
    response = client.post("/accounts/new", data={
        "username": "trainer9", "role": "trainer", "unit_id": world.county.id, "site_id": 0, "display_name": "",
        "password": password, "csrf_token": csrf_token(client, "/accounts/new")})
    assert message in response.get_data(as_text=True)
    assert _account("trainer9") is None


def test_activation_refuses_a_common_password(client, world):
    account = services.member_account_for(world.person_b1)
    code = services.issue_activation_code(account)
    db.session.commit()
    response = client.post("/activate", data={
        "identifier": world.person_b1.phone, "code": code, "password": "woaini1314", "pin": "",
        "csrf_token": csrf_token(client, "/activate")})
    assert TOO_COMMON in response.get_data(as_text=True)
    assert not _account(account.username).is_activated


def test_own_phone_or_username_is_refused(client, world):
    login(client, "member-a1")
    for password in (world.person_a1.phone, "member-a1", world.person_a1.id_number.lower()):
        response = client.post("/account/password", data={
            "current_password": PASSWORD, "new_password": password, "new_password_again": password,
            "csrf_token": csrf_token(client, "/account/password")})
        assert PERSONAL in response.get_data(as_text=True), password


@pytest.mark.parametrize("password", ["x", "12345678", "qq123456"])
def test_lms_init_refuses(app, password):
    result = app.test_cli_runner().invoke(args=["init", "--admin", "boss", "--password", password])
    assert result.exit_code != 0
    assert "密码" in result.output or "password" in result.output.lower()
    assert db.session.scalar(select(func.count()).select_from(Account)) == 0


def test_a_good_password_is_taken_everywhere(client, world):
    login(client, "org-a")
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "cold-climate-sheep", "new_password_again": "cold-climate-sheep",
        "csrf_token": csrf_token(client, "/account/password")})
    assert response.status_code == 302
    login(client.application.test_client(), "org-a", "cold-climate-sheep")
