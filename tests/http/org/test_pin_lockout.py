"""Guessing a PIN on the activity-room TV: the lock is the person's, however many sessions the
terminal opens, and it grows with every wrong PIN after it."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.core.model_base import as_utc, utcnow
from app.extensions import db
from app.org import services as org_services
from app.org.models import PinFailure
from app.study.sessions.models import StudySession
from tests.conftest import csrf_from, login
from tests.unit.study.test_sessions import build_session, member_account


def _start_ad_hoc_session(client, course_id: int) -> StudySession:
    home = client.get("/terminal").get_data(as_text=True)
    client.post(f"/terminal/courses/{course_id}/start", data={"csrf_token": csrf_from(home)})
    db.session.expire_all()
    return db.session.scalars(select(StudySession).order_by(StudySession.id.desc())).first()


def _type_pin(client, session_id: int, person_id: int, pin: str) -> str:
    url = f"/terminal/sessions/{session_id}/pin/{person_id}"
    token = csrf_from(client.get(url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, "pin": pin}, follow_redirects=True).get_data(as_text=True)


def _let_time_pass(account, minutes: float) -> None:
    """Move the stored wrong PINs into the past, as if the terminal had waited."""
    for row in db.session.scalars(select(PinFailure).where(PinFailure.account_id == account.id)):
        row.failed_at = as_utc(row.failed_at) - timedelta(minutes=minutes)
    db.session.commit()


def test_fresh_ad_hoc_sessions_bring_no_fresh_pin_tries(client, world):
    scheduled, people = build_session(world, starts_in=timedelta(minutes=-1))
    member = people[1]
    account = member_account(member, pin="2468")
    db.session.commit()
    login(client, "tv-a1")
    first = _start_ad_hoc_session(client, scheduled.course_id)
    for tries_left in (4, 3, 2, 1):
        assert f"还可以再试 {tries_left} 次" in _type_pin(client, first.id, member.id, "0000")
    assert "已锁定到" in _type_pin(client, first.id, member.id, "0001")
    # a second ad-hoc session: still locked
    second = _start_ad_hoc_session(client, scheduled.course_id)
    assert second.id != first.id
    assert "已锁定到" in _type_pin(client, second.id, member.id, "0002")
    # the 15 minutes pass; a third ad-hoc session gets ONE try, and the next lock is twice as long
    _let_time_pass(account, 16)
    third = _start_ad_hoc_session(client, scheduled.course_id)
    page = _type_pin(client, third.id, member.id, "0003")
    assert "已锁定到" in page and "还可以再试" not in page
    db.session.expire_all()
    last = max(as_utc(row.failed_at) for row in db.session.scalars(
        select(PinFailure).where(PinFailure.account_id == account.id)))
    assert org_services.pin_locked_until(account) == last + timedelta(minutes=30)
    assert db.session.query(PinFailure).filter_by(account_id=account.id).count() == 6  # 0002 was never checked


def test_a_day_of_pin_guessing_checks_few_pins(world):
    """A terminal guessing round the clock through any number of sessions: how many PINs are checked."""
    _session, people = build_session(world)
    account = member_account(people[1], pin="2468")
    start = moment = utcnow()
    checked = 0
    while moment < start + timedelta(hours=24):
        locked_until = org_services.pin_locked_until(account, moment)
        if locked_until is not None:
            moment = locked_until + timedelta(seconds=1)
            continue
        org_services.verify_pin(account, f"{checked:04d}" if checked != 2468 else "0000", now=moment)
        checked += 1
    assert checked <= 12  # 5 free, then 15, 30, 60 ... minutes (before: 5 every 15 minutes, 480 a day)


def test_the_right_pin_or_a_new_pin_clears_the_count(world):
    _session, people = build_session(world)
    account = member_account(people[1], pin="2468")
    now = utcnow()
    for second in range(4):
        org_services.verify_pin(account, "0000", now=now + timedelta(seconds=second))
    assert org_services.verify_pin(account, "2468", now=now + timedelta(seconds=5)).ok
    assert org_services.verify_pin(account, "0000", now=now + timedelta(seconds=6)).tries_left == 4
    for second in range(7, 11):
        org_services.verify_pin(account, "0000", now=now + timedelta(seconds=second))
    assert org_services.pin_locked_until(account, now + timedelta(seconds=11)) is not None
    org_services.set_pin(account, "1357")  # the member (or an organiser) sets a new PIN
    assert org_services.pin_locked_until(account, now + timedelta(seconds=12)) is None
