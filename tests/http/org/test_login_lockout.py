"""Guessing a password: the lock is the account's, whatever address or process the guesses come from."""
from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from app.core.model_base import as_utc, utcnow
from app.extensions import db
from app.org import services
from app.org.models import Account
from tests.conftest import csrf_token
from tests.factories import PASSWORD

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _from(address: str) -> dict:
    """What a request from another machine looks like to the app: its own REMOTE_ADDR (the app
    trusts no proxy header, so a forged X-Forwarded-For changes nothing either way)."""
    return {"environ_base": {"REMOTE_ADDR": address}, "headers": {"X-Forwarded-For": address}}


def _attempt(app, password: str, address: str, identifier: str = "org-a"):
    browser = app.test_client()
    token = csrf_token(browser)
    return browser, browser.post("/login", data={"identifier": identifier, "password": password,
                                                 "csrf_token": token}, **_from(address))


def _account() -> Account:
    db.session.expire_all()
    return db.session.scalar(db.select(Account).where(Account.username == "org-a"))


def test_five_wrong_passwords_from_five_addresses_lock_the_account_for_everyone(client, world):
    app = client.application
    for number in range(1, 5):
        _browser, response = _attempt(app, f"guess-number-{number}", f"127.0.{number}.1")
        assert response.status_code == 200 and "用户名、手机号或密码不正确" in response.get_data(as_text=True)
    _browser, response = _attempt(app, "guess-number-5", "127.0.5.1")
    assert "已暂时锁定" in response.get_data(as_text=True)  # the fifth wrong one locks
    # the right password, from an address never seen: still locked, and the page says until when
    browser, response = _attempt(app, PASSWORD, "127.0.9.9")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "已暂时锁定" in html
    until = as_utc(_account().last_failed_login_at) + timedelta(minutes=1)
    assert f"请在 {until.astimezone(SHANGHAI):%H:%M} 之后再试" in html
    assert browser.get("/").status_code == 302 and "/login" in browser.get("/").headers["Location"]
    # another account is not affected
    _browser, response = _attempt(app, PASSWORD, "127.0.9.9", identifier="org-b")
    assert response.status_code == 302


def test_guesses_through_two_processes_count_together(make_app, world):
    """Two web processes (two apps on one database) share the count: it is in the database."""
    first, second = make_app(), make_app()
    for number in range(5):
        _attempt(first if number % 2 else second, f"guess-number-{number}", f"127.0.{number}.2")
    _browser, response = _attempt(first, PASSWORD, "127.0.7.7")
    assert "已暂时锁定" in response.get_data(as_text=True)
    assert _account().failed_logins == 5


def test_lock_grows_with_each_further_wrong_password_and_is_capped(world):
    account = world.accounts["organiser_a"]
    now = utcnow()
    for minute in range(5):
        assert not services.check_password(account, "wrong-guess", now=now + timedelta(seconds=minute)).ok
    last = now + timedelta(seconds=4)
    assert services.password_locked_until(account, last) == last + timedelta(minutes=1)
    # while locked, even the right password is not checked and nothing is counted
    check = services.check_password(account, PASSWORD, now=last + timedelta(seconds=30))
    assert not check.ok and check.locked_until == last + timedelta(minutes=1)
    assert account.failed_logins == 5
    # each wrong guess after a lock doubles the next one: 2, 4, 8 ... minutes, at most one hour
    moment, delays = last, []
    for _ in range(8):
        moment = services.password_locked_until(account, moment) + timedelta(seconds=1)
        check = services.check_password(account, "wrong-guess", now=moment)
        delays.append(check.locked_until - moment)
    assert delays == [timedelta(minutes=m) for m in (2, 4, 8, 16, 32, 60, 60, 60)]
    # once the lock has passed, the right password logs in and clears the count
    moment = services.password_locked_until(account, moment) + timedelta(seconds=1)
    assert services.check_password(account, PASSWORD, now=moment).ok
    db.session.commit()
    assert _account().failed_logins == 0


def test_a_day_of_guessing_checks_few_passwords(world):
    """Guessing round the clock, whatever the addresses: how many passwords get checked in 24 hours."""
    account = world.accounts["organiser_a"]
    start = moment = utcnow()
    checked = 0
    while moment < start + timedelta(hours=24):
        locked_until = services.password_locked_until(account, moment)
        if locked_until is not None:
            moment = locked_until + timedelta(seconds=1)
            continue
        services.check_password(account, "wrong-guess", now=moment)
        checked += 1
    assert checked <= 5 + 6 + 24  # the free ones, the growing locks, then one an hour


def test_reset_by_an_organiser_opens_the_lock(client, world):
    app = client.application
    for number in range(5):
        _attempt(app, f"guess-number-{number}", f"127.0.{number}.3")
    account = _account()
    services.set_password(account, "new-harvest-2027")
    db.session.commit()
    _browser, response = _attempt(app, "new-harvest-2027", "127.0.8.8")
    assert response.status_code == 302
