"""Account administration: who may create which logins, inside which area."""
import pytest
from sqlalchemy import select

from app.extensions import db
from app.org.models import Account
from tests.conftest import csrf_token, login


def _create(client, **fields):
    data = {"display_name": "", "unit_id": 0, "site_id": 0, "password": "long-pass-1", **fields,
            "csrf_token": csrf_token(client, "/accounts/new")}
    return client.post("/accounts/new", data=data)


def _account(username):
    return db.session.scalar(select(Account).where(Account.username == username))


@pytest.mark.parametrize("username, status", [(None, 302), ("member-a1", 403), ("tv-a1", 403),
                                              ("trainer", 403), ("org-a", 200), ("admin", 200)])
def test_accounts_page_access(client, world, username, status):
    if username:
        login(client, username)
    assert client.get("/accounts").status_code == status


def test_organiser_lists_only_accounts_in_own_area(client, world):
    login(client, "org-a")
    html = client.get("/accounts").get_data(as_text=True)
    assert "sec-a1" in html and "tv-a1" in html and "org-b" not in html


def test_admin_creates_trainer(client, world):
    login(client, "admin")
    response = _create(client, username="trainer2", role="trainer", unit_id=world.township_b.id)
    assert response.status_code == 302
    account = _account("trainer2")
    assert account.role == "trainer" and account.scope_unit_id == world.township_b.id
    assert account.password_hash.startswith("scrypt:")
    login(client.application.test_client(), "trainer2", "long-pass-1")


def test_organiser_creates_terminal_bound_to_site_in_area(client, world):
    login(client, "org-a")
    response = _create(client, username="tv-new", role="terminal", site_id=world.site_a1.id)
    assert response.status_code == 302
    account = _account("tv-new")
    assert account.site_id == world.site_a1.id and account.scope_unit_id == world.branch_a1.id


def test_organiser_cannot_create_trainer_or_admin(client, world):
    login(client, "org-a")
    for role in ("trainer", "admin"):
        response = _create(client, username=f"x-{role}", role=role, unit_id=world.township_a.id)
        assert response.status_code == 200  # not a valid choice: the form is shown again
        assert _account(f"x-{role}") is None


def test_organiser_cannot_use_unit_or_site_of_other_township(client, world):
    login(client, "org-a")
    _create(client, username="x-org", role="organiser", unit_id=world.township_b.id)
    _create(client, username="x-tv", role="terminal", site_id=world.site_b1.id)
    assert _account("x-org") is None and _account("x-tv") is None


def test_terminal_without_site_is_refused_in_chinese(client, world):
    login(client, "admin")
    response = _create(client, username="tv-x", role="terminal", unit_id=world.branch_a1.id)
    assert "终端账号必须绑定一个活动室站点" in response.get_data(as_text=True)
    assert _account("tv-x") is None


def test_bad_username_is_refused(client, world):
    login(client, "admin")
    response = _create(client, username="../evil name", role="organiser", unit_id=world.township_a.id)
    assert response.status_code == 200 and _account("../evil name") is None


def test_disable_account_logs_it_out(make_app, client, world):
    other = client.application.test_client()
    login(other, "sec-a1")
    assert other.get("/").status_code == 200
    login(client, "org-a")
    target = world.accounts["secretary_a1"].id
    url = f"/accounts/{target}"
    response = client.post(url, data={"display_name": "书记", "csrf_token": csrf_token(client, url)})
    assert response.status_code == 302
    assert _account("sec-a1").is_enabled is False
    assert other.get("/").status_code == 302


def test_cannot_disable_yourself(client, world):
    login(client, "org-a")
    url = f"/accounts/{world.accounts['organiser_a'].id}"
    response = client.post(url, data={"display_name": "x", "csrf_token": csrf_token(client, url)})
    assert "不能停用自己的账号" in response.get_data(as_text=True)
    assert _account("org-a").is_enabled


def test_account_outside_area_is_404_and_trainer_is_read_only_for_organiser(client, world):
    login(client, "org-a")
    assert client.get(f"/accounts/{world.accounts['organiser_b'].id}").status_code == 404
    assert client.get(f"/accounts/{world.accounts['trainer'].id}").status_code == 404  # county-wide


def test_reset_password(client, world):
    login(client, "admin")
    url = f"/accounts/{world.accounts['organiser_b'].id}"
    client.post(url, data={"display_name": "乙", "is_enabled": "y", "new_password": "fresh-pass-2",
                           "csrf_token": csrf_token(client, url)})
    login(client.application.test_client(), "org-b", "fresh-pass-2")
