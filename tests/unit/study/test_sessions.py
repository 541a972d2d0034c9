"""Group sessions: scheduling, roll call, QR rotation, sheet marks, leave, close and make-up."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.core.model_base import utcnow
from app.extensions import db
from app.org import services as org_services
from app.org.choices import PersonCategory
from app.org.models import Account
from app.study.sessions import services as services
from app.study.sessions import queries as sessions_api
from app.study.sessions.models import (
    Attendance,
    AttendanceSource,
    AttendanceStatus,
    LeaveStatus,
    MakeUp,
    MakeUpStatus,
)
from app.study.signals import lesson_completed
from tests.factories import create_account, create_course, create_person


def build_session(world, *, members: int = 3, lessons: int = 2, starts_in=timedelta(minutes=5),
                  title: str = "马铃薯晚疫病防治"):
    """A scheduled session at site A1 for branch A1 (person_a1 plus `members` more), committed."""
    people = [world.person_a1] + [create_person(world.branch_a1, f"成员{n}") for n in range(1, members + 1)]
    course = create_course(world.township_a, title, lessons=lessons, publish_to=[world.township_a])
    start = utcnow() + starts_in
    # A session that has already started is entered afterwards, from the sheet: it needs a reason.
    reason = "停电，事后据签到表补录" if services.is_late_entry(start) else None
    session = services.schedule_session(by=world.accounts["secretary_a1"], site=world.site_a1, title=title,
                                        starts_at=start, planned_end_at=start + timedelta(hours=1), course=course,
                                        late_entry_reason=reason)
    db.session.commit()
    return session, people


def member_account(person, pin: str | None = None, username: str | None = None):
    account = db.session.scalar(select(Account).where(Account.person_id == person.id))
    if account is None:
        account = create_account(username or f"m-{person.id}", "member", person.unit, person=person)
    if pin:
        org_services.set_pin(account, pin)
    return account


def test_schedule_expects_branch_roster_and_all_lessons(world):
    outsider = create_person(world.branch_a2, "外村人")
    session, people = build_session(world)
    assert {row.person_id for row in session.expected_rows} == {p.id for p in people}
    assert outsider.id not in {row.person_id for row in session.expected_rows}
    assert [lesson.title for lesson in session.lessons] == ["第1课", "第2课"]
    assert session.unit_id == world.branch_a1.id


def test_schedule_refuses_course_not_published_to_branch(world):
    course = create_course(world.township_b, "乙镇课程", publish_to=[world.township_b])
    start = utcnow()
    with pytest.raises(services.SessionError):
        services.schedule_session(by=world.accounts["secretary_a1"], site=world.site_a1, title="", course=course,
                                  starts_at=start, planned_end_at=start + timedelta(hours=1))


def test_invitee_villager_can_be_added(world):
    session, _people = build_session(world)
    villager = create_person(world.branch_a2, "村民王", category=PersonCategory.NON_MEMBER)
    services.add_expected(session, villager)
    assert services.is_expected(session, villager.id)
    assert next(row for row in session.expected_rows if row.person_id == villager.id).is_invitee


def test_sign_in_needs_open_session_and_expected_person(world):
    session, people = build_session(world)
    secretary = world.accounts["secretary_a1"]
    with pytest.raises(services.SessionError):
        services.sign_in(session, people[0].id, source=AttendanceSource.TICK, by=secretary)
    services.open_session(session, by=secretary)
    stranger = create_person(world.branch_b1, "陌生人")
    with pytest.raises(services.SessionError):
        services.sign_in(session, stranger.id, source=AttendanceSource.TICK, by=secretary)
    row = services.sign_in(session, people[0].id, source=AttendanceSource.TICK, by=secretary)
    again = services.sign_in(session, people[0].id, source=AttendanceSource.PIN, by=secretary)
    assert row.id == again.id and again.source == "tick"
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 1


def test_late_after_grace_and_left_early_with_times(world):
    session, people = build_session(world, starts_in=timedelta(minutes=-30))
    secretary = world.accounts["secretary_a1"]
    services.open_session(session, by=secretary)
    on_time = services.sign_in(session, people[0].id, source=AttendanceSource.TICK, by=secretary,
                               now=session.starts_at + timedelta(minutes=9))
    late = services.sign_in(session, people[1].id, source=AttendanceSource.TICK, by=secretary,
                            now=session.starts_at + timedelta(minutes=11))
    assert on_time.status == AttendanceStatus.PRESENT
    assert late.status == AttendanceStatus.LATE
    left_at = session.starts_at + timedelta(minutes=40)
    left = services.mark_left_early(session, people[0].id, by=secretary, now=left_at)
    assert left.status == AttendanceStatus.LEFT_EARLY and left.left_at == left_at


def test_pin_is_checked_for_the_chosen_expected_member_only(world):
    session, people = build_session(world)
    member_account(people[1], pin="2468")
    outsider = create_person(world.branch_b1, "外人")
    member_account(outsider, pin="1357")
    terminal = world.accounts["terminal_a1"]
    services.open_session(session, by=terminal)
    with pytest.raises(services.SessionError):
        services.sign_in_by_pin(session, outsider, "1357", by=terminal)  # not on the list
    with pytest.raises(services.SessionError):
        services.sign_in_by_pin(session, people[1], "0000", by=terminal)
    with pytest.raises(services.SessionError):
        services.sign_in_by_pin(session, people[2], "2468", by=terminal)  # no PIN of their own
    row = services.sign_in_by_pin(session, people[1], "2468", by=terminal)
    assert row.person_id == people[1].id
    assert services.get_attendance(session, people[1].id).source == "pin"
    assert services.get_attendance(session, people[2].id) is None


def test_two_members_with_the_same_pin_each_sign_in_only_themselves(world):
    session, people = build_session(world)
    zhang, liu = people[1], people[2]
    member_account(zhang, pin="2468")
    member_account(liu, pin="2468")
    terminal = world.accounts["terminal_a1"]
    services.open_session(session, by=terminal)
    services.sign_in_by_pin(session, liu, "2468", by=terminal)
    assert services.get_attendance(session, liu.id) is not None
    assert services.get_attendance(session, zhang.id) is None
    services.sign_in_by_pin(session, zhang, "2468", by=terminal)
    assert services.get_attendance(session, zhang.id).source == "pin"


def test_wrong_pins_lock_the_person_across_sessions_until_the_lock_passes(world):
    first, people = build_session(world)
    second, _ = build_session(world, title="奶牛养殖")
    member = people[1]
    account = member_account(member, pin="2468")
    other = member_account(people[2], pin="1357")
    terminal = world.accounts["terminal_a1"]
    services.open_session(first, by=terminal)
    services.open_session(second, by=terminal)
    now = utcnow()
    messages = []
    for minute in range(4):
        with pytest.raises(services.SessionError) as error:
            services.sign_in_by_pin(first, member, "1111", by=terminal, now=now + timedelta(minutes=minute))
        messages.append(str(error.value))
    assert "4" in messages[0] and "1" in messages[3]  # tries left, counted down
    with pytest.raises(services.SessionError) as error:  # the fifth, through another session
        services.sign_in_by_pin(second, member, "1111", by=terminal, now=now + timedelta(minutes=4))
    assert "锁定" in str(error.value) or "locked" in str(error.value)
    # locked everywhere: the right PIN does not open it, in either session
    for session in (first, second):
        with pytest.raises(services.SessionError) as error:
            services.sign_in_by_pin(session, member, "2468", by=terminal, now=now + timedelta(minutes=6))
        assert "锁定" in str(error.value) or "locked" in str(error.value)
    assert services.get_attendance(first, member.id) is None and services.get_attendance(second, member.id) is None
    # the fifth wrong PIN locks for 15 minutes (org_services.PIN_LOCKOUT)
    assert org_services.pin_locked_until(account, now + timedelta(minutes=6)) == now + timedelta(minutes=19)
    # another person is not affected
    services.sign_in_by_pin(first, people[2], "1357", by=terminal, now=now + timedelta(minutes=6))
    assert org_services.pin_locked_until(other, now) is None
    # once the lock has passed the right PIN signs in and clears the count
    services.sign_in_by_pin(second, member, "2468", by=terminal, now=now + timedelta(minutes=19, seconds=1))
    assert services.get_attendance(second, member.id) is not None
    assert org_services.verify_pin(account, "9999", now=now + timedelta(minutes=20)).tries_left == 4


def test_qr_token_rotates_and_is_bound_to_open_session(world):
    session, people = build_session(world)
    account = member_account(people[0])
    now = utcnow()
    token = services.make_checkin_token(session, now)
    with pytest.raises(services.SessionError):  # not open yet
        services.check_in_by_token(session, token, account, now=now)
    services.open_session(session, by=world.accounts["terminal_a1"])
    stale = services.make_checkin_token(session, now - timedelta(seconds=60))
    with pytest.raises(services.SessionError):
        services.check_in_by_token(session, stale, account, now=now)
    previous = services.make_checkin_token(session, now - timedelta(seconds=30))
    assert services.check_in_by_token(session, previous, account, now=now).source == "qr"
    forged = token[:-1] + ("0" if token[-1] != "0" else "1")
    with pytest.raises(services.SessionError):
        services.check_in_by_token(session, forged, member_account(people[1]), now=now)


def test_qr_token_refused_after_close_and_for_others(world):
    session, people = build_session(world)
    other, _ = build_session(world, title="另一场")
    services.open_session(session, by=world.accounts["terminal_a1"])
    services.open_session(other, by=world.accounts["terminal_a1"])
    stranger = member_account(create_person(world.branch_b1, "乙村人"))
    with pytest.raises(services.SessionError):
        services.check_in_by_token(session, services.make_checkin_token(session), stranger)
    with pytest.raises(services.SessionError):  # a code of one session does not open another
        services.check_in_by_token(other, services.make_checkin_token(session), member_account(people[0]))
    services.close_session(session, by=world.accounts["terminal_a1"])
    with pytest.raises(services.SessionError):
        services.check_in_by_token(session, services.make_checkin_token(session), member_account(people[1]))


def test_sheet_marks_record_who_entered_them(world):
    session, people = build_session(world)
    secretary = world.accounts["secretary_a1"]
    changed = services.record_sheet_marks(session, {people[0].id: AttendanceStatus.PRESENT,
                                                    people[1].id: AttendanceStatus.LATE,
                                                    people[2].id: AttendanceStatus.ABSENT}, by=secretary)
    assert changed == 2
    row = services.get_attendance(session, people[1].id)
    assert (row.status, row.source, row.recorded_by_id) == ("late", "sheet", secretary.id)
    summary = services.close_session(session, by=secretary)
    assert (summary.present, summary.late, summary.absent) == (1, 1, 2)


def test_leave_flow_and_close_gives_make_ups(world):
    session, people = build_session(world, members=4)
    secretary = world.accounts["secretary_a1"]
    member = member_account(people[1])
    leave = services.file_leave(session, people[1], "去县医院看病", by=member)
    refused = services.file_leave(session, people[2], "走亲戚", by=secretary)
    services.decide_leave(leave, approve=True, by=secretary)
    services.decide_leave(refused, approve=False, by=secretary)
    assert leave.status == LeaveStatus.APPROVED and refused.status == LeaveStatus.REFUSED
    services.open_session(session, by=secretary)
    services.sign_in(session, people[0].id, source=AttendanceSource.TICK, by=secretary)
    services.sign_in(session, people[3].id, source=AttendanceSource.TICK, by=secretary,
                     now=session.starts_at + timedelta(minutes=20))
    closed_at = utcnow()
    summary = services.close_session(session, by=secretary, now=closed_at)
    assert (summary.present, summary.late, summary.on_leave, summary.absent) == (1, 1, 1, 2)
    assert summary.makeup_days == 14
    make_ups = db.session.scalars(select(MakeUp).order_by(MakeUp.person_id)).all()
    assert {m.person_id for m in make_ups} == {people[2].id, people[4].id}
    assert all(len(m.lesson_rows) == 2 for m in make_ups)
    # Closing twice changes nothing.
    again = services.close_session(session, by=secretary)
    assert again == summary
    assert db.session.scalar(select(func.count()).select_from(MakeUp)) == 2


def test_leave_only_before_start(world):
    session, people = build_session(world, starts_in=timedelta(minutes=-1))
    with pytest.raises(services.SessionError):
        services.file_leave(session, people[0], "有事", by=world.accounts["secretary_a1"])


def test_make_up_cleared_when_all_lessons_completed(world, app):
    session, people = build_session(world)
    secretary = world.accounts["secretary_a1"]
    services.open_session(session, by=secretary)
    services.close_session(session, by=secretary)
    make_up = db.session.scalar(select(MakeUp).where(MakeUp.person_id == people[1].id))
    first, second = session.lesson_rows
    lesson_completed.send(app, person_id=people[1].id, lesson_id=first.lesson_id, course_id=session.course_id,
                          source="self", at=utcnow())
    assert make_up.status == MakeUpStatus.OPEN and make_up.lessons_left == 1
    lesson_completed.send(app, person_id=people[1].id, lesson_id=second.lesson_id, course_id=session.course_id,
                          source="self", at=utcnow())
    assert make_up.status == MakeUpStatus.DONE
    assert services.get_attendance(session, people[1].id).status == AttendanceStatus.MADE_UP
    assert services.summarise(session).made_up == 1
    other = db.session.scalar(select(MakeUp).where(MakeUp.person_id == people[2].id))
    assert other.status == MakeUpStatus.OPEN


def test_attendees_present_window_and_terminal_check(world):
    session, people = build_session(world, starts_in=timedelta(minutes=-30))
    secretary = world.accounts["secretary_a1"]
    services.open_session(session, by=secretary)
    start = session.starts_at
    services.sign_in(session, people[0].id, source=AttendanceSource.TICK, by=secretary, now=start)
    services.sign_in(session, people[1].id, source=AttendanceSource.TICK, by=secretary, now=start + timedelta(minutes=20))
    services.mark_left_early(session, people[0].id, by=secretary, now=start + timedelta(minutes=10))
    window = sessions_api.attendees_present(session.id, start + timedelta(minutes=15), start + timedelta(minutes=25))
    assert [person_id for person_id, _ in window] == [people[1].id]
    early = sessions_api.attendees_present(session.id, start, start + timedelta(minutes=5))
    assert [person_id for person_id, _ in early] == [people[0].id]
    assert sessions_api.session_for_site_open(session.id, world.accounts["terminal_a1"])
    assert not sessions_api.session_for_site_open(session.id, secretary)


# --- credit that holds up -------------------------------------------------------------------

def _session_hours(world, person):
    from app.study.progress.models import CreditGrant

    return sum((grant.hours for grant in db.session.scalars(select(CreditGrant).where(
        CreditGrant.person_id == person.id, CreditGrant.source == "session"))), start=0)


def test_a_backdated_session_earns_no_more_than_its_planned_length(world):
    from decimal import Decimal

    from app.study.sessions.models import AttendanceStatus

    with pytest.raises(services.SessionError):  # six weeks back: outside the window for late entries
        build_session(world, starts_in=-timedelta(weeks=6))
    session, people = build_session(world, starts_in=-timedelta(days=6))  # 1 h planned, six days ago
    assert session.entered_afterwards
    services.record_sheet_marks(session, {person.id: AttendanceStatus.PRESENT for person in people},
                                by=world.accounts["secretary_a1"])
    services.close_session(session, by=world.accounts["secretary_a1"])
    db.session.commit()
    # 60 planned minutes at 45 minutes an hour, rounded down to half hours: 1.0, not 969.5.
    assert {_session_hours(world, person) for person in people} == {Decimal("1.0")}


def test_a_session_left_open_overnight_earns_its_planned_length_and_closes_itself(world):
    from decimal import Decimal

    session, people = build_session(world, starts_in=-timedelta(hours=20))
    services.open_session(session, by=world.accounts["terminal_a1"], now=utcnow() - timedelta(hours=20))
    services.sign_in(session, people[0].id, source=AttendanceSource.TICK, by=world.accounts["terminal_a1"],
                     now=utcnow() - timedelta(hours=20))
    db.session.commit()
    assert services.close_overdue_sessions() == [session.id]
    db.session.commit()
    assert session.is_closed and session.closed_by_id is None
    assert _session_hours(world, people[0]) == Decimal("1.0")
    assert services.close_overdue_sessions() == []


def test_credit_counts_from_when_the_tv_opened_the_session(world):
    from decimal import Decimal

    session, people = build_session(world, starts_in=-timedelta(minutes=55))
    now = utcnow()
    services.open_session(session, by=world.accounts["terminal_a1"], now=now - timedelta(minutes=10))
    services.sign_in(session, people[0].id, source=AttendanceSource.TICK, by=world.accounts["terminal_a1"],
                     now=now - timedelta(minutes=10))
    services.close_session(session, by=world.accounts["secretary_a1"], now=now)
    db.session.commit()
    assert _session_hours(world, people[0]) == Decimal("0")  # ten real minutes, not fifty-five


def test_a_past_session_is_entered_afterwards_only_with_a_reason(world):
    course = create_course(world.township_a, "补录课", lessons=1, publish_to=[world.township_a])
    secretary = world.accounts["secretary_a1"]
    start = utcnow() - timedelta(days=2)
    for reason in (None, "", "   ", "补"):
        with pytest.raises(services.SessionError, match="事后补录"):
            services.schedule_session(by=secretary, site=world.site_a1, title="补录", course=course, starts_at=start,
                                      planned_end_at=start + timedelta(hours=1), late_entry_reason=reason)
    session = services.schedule_session(by=secretary, site=world.site_a1, title="补录", course=course,
                                        starts_at=start, planned_end_at=start + timedelta(hours=1),
                                        late_entry_reason="  当晚断网，  据签到表补录 ")
    assert session.entered_afterwards and session.late_entry_reason == "当晚断网， 据签到表补录"
    # Scheduling as the session starts (within the slack) is ordinary, not a late entry.
    now = utcnow()
    ordinary = services.schedule_session(by=secretary, site=world.site_a1, title="现在开始", course=course,
                                         starts_at=now - timedelta(minutes=5), planned_end_at=now + timedelta(hours=1))
    assert not ordinary.entered_afterwards


def test_a_session_cannot_be_planned_for_days(world):
    course = create_course(world.township_a, "长课", lessons=1, publish_to=[world.township_a])
    start = utcnow()
    with pytest.raises(services.SessionError):
        services.schedule_session(by=world.accounts["secretary_a1"], site=world.site_a1, title="长课",
                                  starts_at=start, planned_end_at=start + timedelta(days=40), course=course)


def test_a_make_up_with_a_quiz_clears_once_the_absentee_passes_the_quiz_alone(world, app):
    from app.quiz import services as quiz_services
    from tests.factories import create_bank, create_quiz
    from tests.unit.quiz.test_services import _answer_all_correctly

    course = create_course(world.township_a, "马铃薯晚疫病防治", lessons=1, publish_to=[world.township_a])
    create_quiz(course, draw=(create_bank(world.county), None, 4), pass_mark=60)
    absentee = create_person(world.branch_a1, "缺席者")
    start = utcnow() + timedelta(minutes=5)
    session = services.schedule_session(by=world.accounts["secretary_a1"], site=world.site_a1, title="晚间学习",
                                        starts_at=start, planned_end_at=start + timedelta(hours=1), course=course)
    services.open_session(session, by=world.accounts["secretary_a1"])
    services.close_session(session, by=world.accounts["secretary_a1"])
    make_up = db.session.scalar(select(MakeUp).where(MakeUp.person_id == absentee.id))
    assert make_up.subject == "马铃薯晚疫病防治"  # named after what to study, not the session
    reading, quiz_lesson = sorted(course.lessons, key=lambda lesson: lesson.position)
    assert make_up.next_lesson == reading
    lesson_completed.send(app, person_id=absentee.id, lesson_id=reading.id, course_id=course.id,
                          source="self_study", at=utcnow())
    assert make_up.status == MakeUpStatus.OPEN and make_up.next_lesson == quiz_lesson
    account = create_account("absentee", "member", world.branch_a1, person=absentee)
    attempt = quiz_services.start_attempt(quiz_lesson_quiz(quiz_lesson), absentee, account=account)
    assert quiz_services.submit_attempt(attempt, account, _answer_all_correctly(attempt))
    db.session.flush()
    assert make_up.status == MakeUpStatus.DONE and make_up.next_lesson is None


def quiz_lesson_quiz(lesson):
    from app.quiz.models import Quiz

    return db.session.scalar(select(Quiz).where(Quiz.lesson_id == lesson.id))


@pytest.mark.parametrize("local_hour", [0, 3, 7, 8, 12, 23])
def test_todays_sessions_include_the_early_hours_of_the_local_day(world, local_hour):
    from datetime import datetime, timezone
    from zoneinfo import ZoneInfo

    from app.study.sessions import queries as session_queries

    zone = ZoneInfo("Asia/Shanghai")
    starts = datetime(2026, 12, 10, local_hour, 30, tzinfo=zone)
    course = create_course(world.township_a, "早课", lessons=1, publish_to=[world.township_a])
    session = services.schedule_session(by=world.accounts["secretary_a1"], site=world.site_a1, title="早课",
                                        starts_at=starts, planned_end_at=starts + timedelta(hours=1), course=course,
                                        now=starts - timedelta(days=1))
    db.session.commit()
    noon = datetime(2026, 12, 10, 12, 0, tzinfo=zone).astimezone(timezone.utc)
    assert [item.id for item in session_queries.list_today_for_site(world.site_a1.id, now=noon)] == [session.id]
    next_day = noon + timedelta(days=1)
    assert session_queries.list_today_for_site(world.site_a1.id, now=next_day) == []
