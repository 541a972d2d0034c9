"""A month of activity at site A1 written through the services: group sessions opened, signed in,
played on the terminal (heartbeats), closed, and a make-up cleared; plus what must not count."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.org.choices import CadreRole, PersonCategory
from app.org.models import Person
from app.records.plans import MEMBER_CATEGORIES
from app.study.credit import complete_lesson
from app.study.progress import services as progress
from app.study.progress.models import CreditSource, ProgressEvent
from app.study.sessions import services as sessions
from app.study.sessions.models import (
    ATTENDED,
    Attendance,
    AttendanceSource,
    AttendanceStatus,
    ExpectedAttendee,
    SessionStatus,
    StudySession,
)
from tests.factories import create_person
from tests.unit.study.study_data import T0, as_loaded, playback, video_course

# T0 is 2026-11-20 10:00 UTC (18:00 in Shanghai): the month is November 2026.
MONTH = "2026-11"


@dataclass
class SiteMonth:
    course: object
    lesson: object
    secretary: Person
    absent: Person
    villager: Person
    first: StudySession
    second: StudySession


def _held(world, course, *, starts_at, minutes_open: int, played: float, present: list[Person]) -> StudySession:
    secretary_account, terminal = world.accounts["secretary_a1"], world.accounts["terminal_a1"]
    session = sessions.schedule_session(by=secretary_account, site=world.site_a1, title=course.title,
                                        starts_at=starts_at, planned_end_at=starts_at + timedelta(hours=2),
                                        course=course, now=starts_at - timedelta(days=1))
    sessions.open_session(session, by=secretary_account, now=starts_at)
    for person in present:
        sessions.sign_in(session, person.id, source=AttendanceSource.TICK, by=terminal, now=starts_at)
    db.session.commit()
    lesson = course.lessons[0]
    progress.record_events(terminal, as_loaded(playback(lesson.id, 0, played, begin_at=starts_at, session_id=session.id)),
                           now=starts_at + timedelta(seconds=played + 5))
    sessions.close_session(session, by=secretary_account, now=starts_at + timedelta(minutes=minutes_open))
    db.session.commit()
    return session


def site_month(world) -> SiteMonth:
    """Site A1 in November: two sessions held (open 60 and 90 minutes; the TV played 300 s and
    240 s), the absent member makes the first one up; a scheduled session that never took place,
    a December session and a member's own playback do not count."""
    course = video_course(world, duration=300)
    secretary = create_person(world.branch_a1, "王书记", cadre_roles=[CadreRole.BRANCH_SECRETARY], phone="13900000011")
    absent = create_person(world.branch_a1, "缺席者")
    create_person(world.branch_a1, "未补学者")  # absent at both, never makes up
    villager = create_person(world.branch_a1, "村民甲", category=PersonCategory.NON_MEMBER)
    db.session.commit()
    first = _held(world, course, starts_at=T0, minutes_open=60, played=300,
                  present=[world.person_a1, secretary, villager])
    second = _held(world, course, starts_at=T0 + timedelta(days=3), minutes_open=90, played=240,
                   present=[world.person_a1, secretary, absent])
    # The absentee of the first session studies the lesson at home: the make-up clears.
    complete_lesson(absent.id, course.lessons[0], source=CreditSource.SELF_STUDY, at=T0 + timedelta(days=2))
    db.session.commit()
    # Not in November's figures: a session held in December, one scheduled but never held.
    _held(world, course, starts_at=T0 + timedelta(days=12), minutes_open=30, played=60, present=[world.person_a1])
    sessions.schedule_session(by=world.accounts["secretary_a1"], site=world.site_a1, title="未举行",
                              starts_at=T0 + timedelta(days=5), planned_end_at=T0 + timedelta(days=5, hours=1),
                              course=course, now=T0)
    db.session.commit()
    return SiteMonth(course, course.lessons[0], secretary, absent, villager, first, second)


def figures_from_the_rows(site_id: int, start, end) -> dict:
    """The month's figures counted straight from the sessions, attendance and heartbeat rows."""
    held = list(db.session.scalars(select(StudySession).where(
        StudySession.site_id == site_id, StudySession.status == SessionStatus.CLOSED.value,
        StudySession.starts_at >= start, StudySession.starts_at < end)))
    ids = [session.id for session in held]
    viewing = db.session.scalar(select(func.coalesce(func.sum(ProgressEvent.end - ProgressEvent.start), 0)).where(
        ProgressEvent.session_id.in_(ids), ProgressEvent.person_id.is_(None)))
    open_seconds = sum((session.closed_at - session.opened_at).total_seconds() for session in held)
    members = select(ExpectedAttendee.person_id).join(Person, Person.id == ExpectedAttendee.person_id)
    expected = attended = made_up = 0
    for session in held:
        member_ids = set(db.session.scalars(members.where(ExpectedAttendee.session_id == session.id,
                                                          Person.category.in_(MEMBER_CATEGORIES))))
        expected += len(member_ids)
        for row in db.session.scalars(select(Attendance).where(Attendance.session_id == session.id)):
            if row.person_id in member_ids:
                attended += row.status_enum in ATTENDED
                made_up += row.status == AttendanceStatus.MADE_UP
    return {"sessions": len(held), "viewing_seconds": float(viewing), "open_seconds": open_seconds,
            "expected": expected, "attended": attended, "made_up": made_up, "session_ids": sorted(ids)}
