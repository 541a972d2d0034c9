"""Scoped reads for group sessions. Scope comes from app.core.scope; terminals see only their site."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import abort
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from app.catalog.models import Course, Lesson
from app.catalog.queries import published_in_scope_condition, published_to_condition
from app.core.localtime import local_day_bounds
from app.core.model_base import as_utc, utcnow
from app.core.permissions import can
from app.core.scope import scope_filter, scoped
from app.extensions import db
from app.org.models import Account, Person, Unit
from app.study.sessions.models import (
    ATTENDED,
    Attendance,
    ExpectedAttendee,
    LeaveRequest,
    LeaveStatus,
    MakeUp,
    MakeUpStatus,
    SessionStatus,
    StudySession,
)

SESSIONS_PER_PAGE = 30
# A make-up that was done stays in sight for a week (the member's home page, the secretary's
# home panel), so nobody has to wonder whether it vanished or went through.
RECENTLY_MADE_UP = timedelta(days=7)


def _visible_statement(account: Account):
    """Terminals: their own site only. Organisers and admins: sessions of branches in scope."""
    if can(account, "act_as_terminal"):
        return select(StudySession).where(StudySession.site_id == account.site_id)
    return scoped(StudySession, account)


def get_session_or_404(account: Account, session_id: int) -> StudySession:
    session = db.session.scalar(_visible_statement(account).where(StudySession.id == session_id))
    if session is None:
        abort(404)
    return session


def list_sessions_for(account: Account, page: int = 1, per_page: int = SESSIONS_PER_PAGE):
    statement = (_visible_statement(account).options(selectinload(StudySession.site))
                 .order_by(StudySession.starts_at.desc(), StudySession.id.desc()))
    return db.paginate(statement, page=page, per_page=per_page, max_per_page=200, error_out=False)


def list_today_for_site(site_id: int, now: datetime | None = None) -> list[StudySession]:
    """Today's sessions (local day) at the site, plus any still open from earlier."""
    start, end = local_day_bounds(now)
    return list(db.session.scalars(
        select(StudySession).where(
            StudySession.site_id == site_id,
            or_(StudySession.status == SessionStatus.OPEN,
                (StudySession.starts_at >= start) & (StudySession.starts_at < end)))
        .order_by(StudySession.starts_at, StudySession.id)))


def list_courses_for_unit(unit: Unit, limit: int = 50) -> list[Course]:
    """Published courses assigned to the branch (published to it or to a unit above it)."""
    return list(db.session.scalars(
        select(Course).where(published_to_condition(unit))
        .order_by(Course.published_at.desc(), Course.id.desc()).limit(limit)))


def list_schedulable_courses_for(account: Account) -> list[Course]:
    """Published courses some branch in the account's scope can see (checked per site on save)."""
    statement = select(Course).where(published_in_scope_condition(account))
    return list(db.session.scalars(statement.order_by(Course.title, Course.id)))


def get_schedulable_course_or_404(account: Account, course_id: int) -> Course:
    course = next((course for course in list_schedulable_courses_for(account) if course.id == course_id), None)
    if course is None:
        abort(404)
    return course


@dataclass
class RosterLine:
    person: Person
    is_invitee: bool
    attendance: Attendance | None
    leave: LeaveRequest | None

    @property
    def is_signed_in(self) -> bool:
        return self.attendance is not None and self.attendance.status in ("present", "late", "left_early")


def roster_for(session: StudySession) -> list[RosterLine]:
    """Expected attendees by name, each with their attendance and leave request."""
    expected = db.session.execute(
        select(Person, ExpectedAttendee.is_invitee).join(ExpectedAttendee, ExpectedAttendee.person_id == Person.id)
        .where(ExpectedAttendee.session_id == session.id).order_by(Person.name, Person.id)).all()
    attendance = {row.person_id: row for row in db.session.scalars(
        select(Attendance).where(Attendance.session_id == session.id).execution_options(populate_existing=True))}
    leaves = {row.person_id: row for row in db.session.scalars(
        select(LeaveRequest).where(LeaveRequest.session_id == session.id))}
    return [RosterLine(person, is_invitee, attendance.get(person.id), leaves.get(person.id))
            for person, is_invitee in expected]


def get_expected_person_or_404(session: StudySession, person_id: int) -> Person:
    person = db.session.scalar(select(Person).join(ExpectedAttendee, ExpectedAttendee.person_id == Person.id)
                               .where(ExpectedAttendee.session_id == session.id, Person.id == person_id))
    if person is None:
        abort(404)
    return person


def get_leave_or_404(session: StudySession, leave_id: int) -> LeaveRequest:
    leave = db.session.scalar(select(LeaveRequest).where(LeaveRequest.id == leave_id,
                                                         LeaveRequest.session_id == session.id))
    if leave is None:
        abort(404)
    return leave


def pending_leaves(session: StudySession) -> list[LeaveRequest]:
    return list(db.session.scalars(select(LeaveRequest).where(
        LeaveRequest.session_id == session.id, LeaveRequest.status == LeaveStatus.PENDING).order_by(LeaveRequest.id)))


def list_upcoming_for_person(person_id: int, now: datetime | None = None) -> list[StudySession]:
    """Sessions the person is expected at that have not closed (today's and later, or open)."""
    start, _end = local_day_bounds(now)
    return list(db.session.scalars(
        select(StudySession).join(ExpectedAttendee, ExpectedAttendee.session_id == StudySession.id)
        .where(ExpectedAttendee.person_id == person_id, StudySession.status != SessionStatus.CLOSED,
               or_(StudySession.starts_at >= start, StudySession.status == SessionStatus.OPEN))
        .options(selectinload(StudySession.site)).order_by(StudySession.starts_at)))


def get_session_for_person_or_404(person_id: int, session_id: int) -> StudySession:
    session = db.session.scalar(
        select(StudySession).join(ExpectedAttendee, ExpectedAttendee.session_id == StudySession.id)
        .where(StudySession.id == session_id, ExpectedAttendee.person_id == person_id))
    if session is None:
        abort(404)
    return session


def leaves_of_person(person_id: int, session_ids: list[int]) -> dict[int, LeaveRequest]:
    if not session_ids:
        return {}
    return {row.session_id: row for row in db.session.scalars(select(LeaveRequest).where(
        LeaveRequest.person_id == person_id, LeaveRequest.session_id.in_(session_ids)))}


def list_make_ups_for_person(person_id: int, include_done: bool = True) -> list[MakeUp]:
    statement = select(MakeUp).where(MakeUp.person_id == person_id).options(selectinload(MakeUp.session))
    if not include_done:
        statement = statement.where(MakeUp.status == MakeUpStatus.OPEN)
    return list(db.session.scalars(statement.order_by(MakeUp.status.desc(), MakeUp.due_on, MakeUp.id)))


def list_make_ups_done_recently(person_id: int, now: datetime | None = None) -> list[MakeUp]:
    """The person's make-ups finished within RECENTLY_MADE_UP, newest first: the member sees it done."""
    return list(db.session.scalars(
        select(MakeUp).where(MakeUp.person_id == person_id, MakeUp.status == MakeUpStatus.DONE,
                             MakeUp.completed_at >= (now or utcnow()) - RECENTLY_MADE_UP)
        .options(selectinload(MakeUp.session)).order_by(MakeUp.completed_at.desc(), MakeUp.id.desc())))


def open_make_up_counts(person_ids) -> dict[int, int]:
    """Open make-ups per person, for the people `person_ids` (a list or a select of ids) names."""
    return dict(db.session.execute(select(MakeUp.person_id, func.count()).where(
        MakeUp.status == MakeUpStatus.OPEN.value, MakeUp.person_id.in_(person_ids))
        .group_by(MakeUp.person_id)).all())


def find_people_to_invite(account: Account, session: StudySession, text: str, limit: int = 20) -> list[Person]:
    """People in the organiser's scope matching a name or phone, not yet expected."""
    text = (text or "").strip()
    if not text:
        return []
    already = select(ExpectedAttendee.person_id).where(ExpectedAttendee.session_id == session.id)
    return list(db.session.scalars(
        scoped(Person, account).where(
            or_(Person.name.contains(text, autoescape=True), Person.phone.startswith(text, autoescape=True)),
            Person.id.not_in(already))
        .options(selectinload(Person.unit)).order_by(Person.name, Person.id).limit(limit)))


def lessons_of(course: Course) -> list[Lesson]:
    return list(course.lessons)


@dataclass
class PinRosterLine:
    """One name on the terminal's PIN sign-in list, numbered as on the roster."""
    number: int
    person: Person
    has_pin: bool
    is_signed_in: bool

    @property
    def can_choose(self) -> bool:
        return self.has_pin and not self.is_signed_in


def pin_roster_for(session: StudySession) -> list[PinRosterLine]:
    """Expected attendees by name (the roster's order and numbers), and who can sign in by PIN."""
    roster = roster_for(session)
    with_pin = set(db.session.scalars(select(Account.person_id).where(
        Account.person_id.in_([line.person.id for line in roster]), Account.pin_hash.is_not(None),
        Account.is_enabled.is_(True))))
    return [PinRosterLine(number, line.person, line.person.id in with_pin, line.is_signed_in)
            for number, line in enumerate(roster, start=1)]


def get_pin_roster_line_or_404(session: StudySession, person_id: int) -> PinRosterLine:
    line = next((line for line in pin_roster_for(session) if line.person.id == person_id), None)
    if line is None:
        abort(404)
    return line


@dataclass
class OrganiserOverview:
    """What a secretary or organiser sees first on the home page."""

    today: list[StudySession]
    open_make_ups: list[MakeUp]
    open_make_ups_total: int
    recently_made_up: list[MakeUp]


def overview_for_organiser(account: Account, now: datetime | None = None, limit: int = 10) -> OrganiserOverview:
    """Today's sessions (and any still open), the open make-ups and those done this past week,
    in the account's scope."""
    start, end = local_day_bounds(now)
    today = list(db.session.scalars(
        _visible_statement(account).where(or_(StudySession.status == SessionStatus.OPEN,
                                              (StudySession.starts_at >= start) & (StudySession.starts_at < end)))
        .options(selectinload(StudySession.site)).order_by(StudySession.starts_at, StudySession.id)))
    people = scoped(Person, account, select(Person.id))
    open_make_ups = select(MakeUp).where(MakeUp.status == MakeUpStatus.OPEN, MakeUp.person_id.in_(people))
    total = db.session.scalar(select(func.count()).select_from(open_make_ups.subquery())) or 0
    shown = list(db.session.scalars(open_make_ups.options(selectinload(MakeUp.person), selectinload(MakeUp.session))
                                    .order_by(MakeUp.due_on, MakeUp.id).limit(limit)))
    done = list(db.session.scalars(
        select(MakeUp).where(MakeUp.status == MakeUpStatus.DONE, MakeUp.person_id.in_(people),
                             MakeUp.completed_at >= (now or utcnow()) - RECENTLY_MADE_UP)
        .options(selectinload(MakeUp.person), selectinload(MakeUp.session))
        .order_by(MakeUp.completed_at.desc(), MakeUp.id.desc()).limit(limit)))
    return OrganiserOverview(today, shown, total, done)


# --- what progress asks of group sessions -----------------------------------------------


def attendees_present(session_id: int, start: datetime, end: datetime) -> list[tuple[int, datetime]]:
    """People signed in to the session (present or late, not yet left) at some point in [start, end].

    Returns (person id, arrival time) pairs, arrival in UTC. Someone who left early
    counts when they left after `start`.
    """
    start, end = as_utc(start), as_utc(end)
    rows = db.session.execute(
        select(Attendance.person_id, Attendance.arrived_at).where(
            Attendance.session_id == session_id,
            Attendance.status.in_([status.value for status in ATTENDED]),
            Attendance.arrived_at.is_not(None),
            Attendance.arrived_at <= end,
            or_(Attendance.left_at.is_(None), Attendance.left_at > start),
        ).order_by(Attendance.person_id))
    return [(person_id, as_utc(arrived_at)) for person_id, arrived_at in rows]


def session_for_site_open(session_id: int, account) -> bool:
    """True when `account` is the terminal of the session's site and the session is open."""
    if not can(account, "act_as_terminal"):
        return False
    session = db.session.get(StudySession, session_id)
    return session is not None and session.is_open and session.site_id == account.site_id


def reporting_refusal(account, session_id: int, person_ids: set[int | None]) -> tuple[str | None, int | None]:
    """May `account` report progress naming this session, for these people (None: a terminal's
    event for everyone present)? Returns (refusal code or None, the session's course id).

    - A terminal reports for a session at its own site while it is open.
    - A member reports for their own person only, at a session they were expected at or have a
      make-up for (a make-up runs after the session closed).
    - An organiser or administrator reports for people in their scope at a session in their
      scope; only a terminal reports for "everyone present".
    A session the account may not report for is "session_not_found" (its existence is not
    revealed), a terminal's session that is not open is "session_not_open".
    """
    session = db.session.get(StudySession, session_id) if isinstance(session_id, int) else None
    if session is None:
        return "session_not_found", None
    if can(account, "act_as_terminal"):
        if session.site_id != account.site_id:
            return "session_not_found", None
        return (None if session.is_open else "session_not_open"), session.course_id
    if None in person_ids:
        return "session_not_found", None
    if can(account, "learn"):
        if person_ids != {account.person_id}:
            return "session_not_found", None
        expected = select(ExpectedAttendee.person_id).where(ExpectedAttendee.session_id == session.id,
                                                             ExpectedAttendee.person_id == account.person_id)
        making_up = select(MakeUp.person_id).where(MakeUp.session_id == session.id,
                                                   MakeUp.person_id == account.person_id)
        if db.session.scalar(expected.union(making_up).limit(1)) is None:
            return "session_not_found", None
        return None, session.course_id
    in_scope = db.session.scalar(select(StudySession.id).where(StudySession.id == session.id,
                                                              scope_filter(StudySession, account)))
    return (None, session.course_id) if in_scope is not None else ("session_not_found", None)
