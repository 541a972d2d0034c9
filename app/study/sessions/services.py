"""Writes for group study sessions: schedule, open, roll call, leave, close, make-up.

Every function flushes and never commits (the request or CLI commits). Callers pass
objects already loaded through app.study.sessions.queries, i.e. already scope-checked.
Functions that depend on the clock take `now` so tests can move it.
"""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, select

from app.catalog.models import Course, Lesson
from app.catalog.queries import published_to_condition
from app.core.localtime import local_day
from app.core.i18n import format_moment
from app.core.model_base import as_utc, insert_ignoring_duplicates, utcnow
from app.extensions import db
from app.org import services as org_services
from app.org.models import Account, Person, Site
from app.study import credit
from app.study.progress.models import CreditSource
from app.study.sessions.models import (
    ATTENDED,
    Attendance,
    AttendanceSource,
    AttendanceStatus,
    ExpectedAttendee,
    LeaveRequest,
    LeaveStatus,
    MakeUp,
    MakeUpLesson,
    MakeUpStatus,
    SessionLesson,
    SessionStatus,
    StudySession,
)
from app.study.signals import session_closed
from app.study.progress.models import LessonCompletion

QR_WINDOW_SECONDS = 30


# A session is planned for at most this long, and closes itself this long after its planned end.
MAX_PLANNED_LENGTH = timedelta(hours=10)
AUTO_CLOSE_GRACE = timedelta(minutes=30)
# A session may be scheduled as it starts. One that started longer ago than the slack is entered
# afterwards (copied from the paper sheet of a meeting held without the TV): it needs a reason,
# and only sessions of the last LATE_ENTRY_WINDOW may be entered, so a year's hours cannot be
# made up at the last minute.
SCHEDULE_SLACK = timedelta(minutes=15)
LATE_ENTRY_WINDOW = timedelta(days=7)
LATE_ENTRY_REASON_MIN_LENGTH = 4


class SessionError(ValueError):
    """A refusal with a message for the user (translated)."""


# --- settings ----------------------------------------------------------------

def late_grace() -> timedelta:
    return timedelta(minutes=current_app.config["SESSION_LATE_GRACE_MINUTES"])


def makeup_due_days() -> int:
    return current_app.config["SESSION_MAKEUP_DUE_DAYS"]


# --- scheduling --------------------------------------------------------------

def course_visible_at(course: Course, site: Site) -> bool:
    """Published to the site's branch or one of its ancestors (the learner rule of the catalog)."""
    return db.session.scalar(select(Course.id).where(Course.id == course.id,
                                                     published_to_condition(site.unit))) is not None


def schedule_session(*, by: Account, site: Site, title: str, starts_at: datetime, planned_end_at: datetime,
                     course: Course, lessons: list[Lesson] | None = None, late_entry_reason: str | None = None,
                     now: datetime | None = None) -> StudySession:
    """A session at `site` for the whole branch roster; invitees are added afterwards.

    A session whose start is already past (beyond SCHEDULE_SLACK) is entered afterwards: it
    needs `late_entry_reason` and a start within LATE_ENTRY_WINDOW."""
    now = now or utcnow()
    title = title.strip() or course.title
    # SQLite keeps the wall-clock digits and drops the zone: store UTC explicitly.
    starts_at, planned_end_at = as_utc(starts_at).astimezone(timezone.utc), as_utc(planned_end_at).astimezone(timezone.utc)
    if planned_end_at <= starts_at:
        raise SessionError(_("The planned end must be after the start."))
    if planned_end_at - starts_at > MAX_PLANNED_LENGTH:
        raise SessionError(_("A session can last at most %(hours)d hours.",
                             hours=int(MAX_PLANNED_LENGTH.total_seconds() // 3600)))
    reason = _late_entry_reason(starts_at, late_entry_reason, now)
    if not course_visible_at(course, site):
        raise SessionError(_("This course is not published to the branch of this activity room."))
    chosen = [lesson for lesson in (lessons or course.lessons) if lesson.course_id == course.id]
    if not chosen:
        raise SessionError(_("Choose at least one lesson of the course."))
    session = StudySession(site=site, unit_id=site.unit_id, title=title[:120], course=course, starts_at=starts_at,
                           planned_end_at=planned_end_at, status=SessionStatus.SCHEDULED.value,
                           created_by_id=by.id, late_entry_reason=reason)
    session.lesson_rows = [SessionLesson(lesson_id=lesson.id, position=index)
                           for index, lesson in enumerate(sorted(chosen, key=lambda item: item.position))]
    roster = db.session.scalars(select(Person.id).where(Person.unit_id == site.unit_id))
    session.expected_rows = [ExpectedAttendee(person_id=person_id) for person_id in roster]
    db.session.add(session)
    db.session.flush()
    return session


def is_late_entry(starts_at: datetime, now: datetime | None = None) -> bool:
    return as_utc(starts_at) < (now or utcnow()) - SCHEDULE_SLACK


def _late_entry_reason(starts_at: datetime, reason: str | None, now: datetime) -> str | None:
    """None for a session scheduled ahead; the stated reason for one entered afterwards."""
    if not is_late_entry(starts_at, now):
        return None
    if starts_at < now - LATE_ENTRY_WINDOW:
        raise SessionError(_("A session can be entered afterwards only within %(days)d days of its start.",
                             days=LATE_ENTRY_WINDOW.days))
    reason = " ".join((reason or "").split())
    if len(reason) < LATE_ENTRY_REASON_MIN_LENGTH:
        raise SessionError(_("This session has already started: it is entered afterwards. Say why (for example: "
                             "no network in the activity room that evening, copied from the sign-in sheet)."))
    return reason[:500]


def set_session_lessons(session: StudySession, lessons: list[Lesson]) -> None:
    if session.status != SessionStatus.SCHEDULED:
        raise SessionError(_("Lessons can only change before the session opens."))
    chosen = sorted({lesson.id: lesson for lesson in lessons if lesson.course_id == session.course_id}.values(),
                    key=lambda item: item.position)
    if not chosen:
        raise SessionError(_("Choose at least one lesson of the course."))
    session.lesson_rows = [SessionLesson(lesson_id=lesson.id, position=index) for index, lesson in enumerate(chosen)]
    db.session.flush()


def add_expected(session: StudySession, person: Person) -> None:
    if session.is_closed:
        raise SessionError(_("This session is closed."))
    if not is_expected(session, person.id):
        is_invitee = person.unit_id != session.unit_id
        db.session.add(ExpectedAttendee(session_id=session.id, person_id=person.id, is_invitee=is_invitee))
        db.session.flush()


def remove_expected(session: StudySession, person: Person) -> None:
    if session.is_closed:
        raise SessionError(_("This session is closed."))
    db.session.execute(delete(ExpectedAttendee).where(ExpectedAttendee.session_id == session.id,
                                                      ExpectedAttendee.person_id == person.id))
    db.session.flush()


def is_expected(session: StudySession, person_id: int) -> bool:
    return db.session.scalar(select(ExpectedAttendee.person_id).where(
        ExpectedAttendee.session_id == session.id, ExpectedAttendee.person_id == person_id)) is not None


# --- opening -----------------------------------------------------------------

def open_session(session: StudySession, *, by: Account, now: datetime | None = None) -> None:
    if session.is_closed:
        raise SessionError(_("This session is closed."))
    if session.is_open:
        return
    session.status = SessionStatus.OPEN.value
    session.opened_at = now or utcnow()
    session.opened_by_id = by.id
    db.session.flush()


def _require_open(session: StudySession) -> None:
    if not session.is_open:
        raise SessionError(_("Sign-in is only possible while the session is open."))


# --- roll call ---------------------------------------------------------------

def arrival_status(session: StudySession, at: datetime) -> AttendanceStatus:
    return AttendanceStatus.LATE if as_utc(at) > as_utc(session.starts_at) + late_grace() else AttendanceStatus.PRESENT


def _insert_attendance_once(values: dict) -> None:
    """INSERT ... ON CONFLICT (session_id, person_id) DO NOTHING on SQLite and PostgreSQL alike.

    Two phones (or a phone and the roster) signing the same person in at the same
    moment both succeed, and exactly one row exists afterwards.
    """
    statement = insert_ignoring_duplicates(Attendance.__table__, ["session_id", "person_id"],
                                           db.session.get_bind().dialect.name).values(**values)
    db.session.execute(statement)


def get_attendance(session: StudySession, person_id: int) -> Attendance | None:
    return db.session.scalar(select(Attendance).where(Attendance.session_id == session.id,
                                                      Attendance.person_id == person_id)
                             .execution_options(populate_existing=True))


def sign_in(session: StudySession, person_id: int, *, source: AttendanceSource, by: Account | None,
            now: datetime | None = None) -> Attendance:
    """Record that an expected attendee arrived; a second sign-in keeps the first arrival."""
    _require_open(session)
    if not is_expected(session, person_id):
        raise SessionError(_("This person is not expected at this session."))
    now = now or utcnow()
    _insert_attendance_once({
        "session_id": session.id, "person_id": person_id, "status": arrival_status(session, now).value,
        "arrived_at": now, "source": AttendanceSource(source).value,
        "recorded_by_id": by.id if by is not None else None, "recorded_at": now,
    })
    return get_attendance(session, person_id)


def untick(session: StudySession, person_id: int) -> None:
    """Undo a mistaken sign-in while the session is open."""
    _require_open(session)
    db.session.execute(delete(Attendance).where(Attendance.session_id == session.id,
                                                Attendance.person_id == person_id))
    db.session.flush()


def set_roster_ticks(session: StudySession, ticked_ids: set[int], *, by: Account,
                     now: datetime | None = None) -> None:
    """The roster form without JavaScript: ticked people are signed in, unticked ones are not."""
    _require_open(session)
    expected = {row.person_id for row in session.expected_rows}
    signed = {row.person_id: row for row in attendance_rows(session)}
    for person_id in sorted(ticked_ids & expected):
        if person_id not in signed:
            sign_in(session, person_id, source=AttendanceSource.TICK, by=by, now=now)
    for person_id, row in signed.items():
        if person_id not in ticked_ids and row.status_enum in ATTENDED:
            db.session.delete(row)
    db.session.flush()


def mark_left_early(session: StudySession, person_id: int, *, by: Account, now: datetime | None = None) -> Attendance:
    _require_open(session)
    row = get_attendance(session, person_id)
    if row is None or row.status_enum not in ATTENDED:
        raise SessionError(_("Only someone who signed in can leave early."))
    row.status = AttendanceStatus.LEFT_EARLY.value
    row.left_at = now or utcnow()
    row.recorded_by_id = by.id
    db.session.flush()
    return row


def sign_in_by_pin(session: StudySession, person: Person, pin: str, *, by: Account,
                   now: datetime | None = None) -> Attendance:
    """The member chose their name on the terminal and typed their PIN: only that person's PIN
    is checked, so two members who chose the same PIN each sign in only themselves. Wrong PINs
    count against the person wherever they are typed (app.org.services.verify_pin)."""
    _require_open(session)
    if not is_expected(session, person.id):
        raise SessionError(_("This person is not expected at this session."))
    account = db.session.scalar(select(Account).where(Account.person_id == person.id))
    if account is None or not account.pin_hash or not account.is_enabled:
        raise SessionError(_("%(name)s has no PIN. Ask the secretary to tick the name on the roster.",
                             name=person.name))
    now = now or utcnow()
    check = org_services.verify_pin(account, pin, now=now)
    if check.locked_until is not None:
        raise SessionError(pin_locked_message(person, check.locked_until))
    if not check.ok:
        raise SessionError(_("Wrong PIN for %(name)s. Tries left: %(num)d.", name=person.name,
                             num=check.tries_left))
    return sign_in(session, person.id, source=AttendanceSource.PIN, by=by, now=now)


def pin_locked_until(person: Person, now: datetime | None = None) -> datetime | None:
    """While the person's PIN sign-in is locked, until when (for the PIN page)."""
    account = db.session.scalar(select(Account).where(Account.person_id == person.id))
    return org_services.pin_locked_until(account, now) if account is not None else None


def pin_locked_message(person: Person, locked_until: datetime) -> str:
    return _("Too many wrong PINs: PIN sign-in for %(name)s is locked until %(time)s. "
             "Ask the secretary to tick the name on the roster.",
             name=person.name, time=format_moment(locked_until))


# --- rotating QR code --------------------------------------------------------

def _window(now: datetime) -> int:
    return int(as_utc(now).timestamp()) // QR_WINDOW_SECONDS


def _token_signature(session_id: int, window: int) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    message = f"study-checkin:{session_id}:{window}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:20]


def make_checkin_token(session: StudySession, now: datetime | None = None) -> str:
    window = _window(now or utcnow())
    return f"{session.id}-{window}-{_token_signature(session.id, window)}"


def session_id_from_token(token: str) -> int | None:
    head = (token or "").split("-", 1)[0]
    return int(head) if head.isdigit() else None


def check_in_by_token(session: StudySession, token: str, account: Account, *,
                      now: datetime | None = None) -> Attendance:
    """A phone scanned the TV's code: valid for the current and previous 30-second window only."""
    now = now or utcnow()
    parts = (token or "").split("-")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit() or int(parts[0]) != session.id:
        raise SessionError(_("This code is not valid. Scan the code on the screen again."))
    window = int(parts[1])
    if window not in (_window(now), _window(now) - 1) or not hmac.compare_digest(
            parts[2], _token_signature(session.id, window)):
        raise SessionError(_("This code has expired. Scan the code on the screen again."))
    if not session.is_open:
        raise SessionError(_("Sign-in is only possible while the session is open."))
    if account.person_id is None or not is_expected(session, account.person_id):
        raise SessionError(_("You are not on this session's list. Ask the branch secretary."))
    return sign_in(session, account.person_id, source=AttendanceSource.QR, by=account, now=now)


# --- sign-in sheet -----------------------------------------------------------

SHEET_STATUSES = (AttendanceStatus.PRESENT, AttendanceStatus.LATE, AttendanceStatus.LEFT_EARLY,
                  AttendanceStatus.ABSENT)


def record_sheet_marks(session: StudySession, marks: dict[int, AttendanceStatus], *, by: Account,
                       now: datetime | None = None) -> int:
    """Marks copied from the paper sheet, with who entered them. Returns how many changed.

    "absent" here means "no mark": the person is left for the close to decide
    (approved leave or make-up).
    """
    if session.is_closed:
        raise SessionError(_("This session is closed."))
    now = now or utcnow()
    expected = {row.person_id for row in session.expected_rows}
    existing = {row.person_id: row for row in attendance_rows(session)}
    changed = 0
    for person_id, status in marks.items():
        if person_id not in expected:
            continue
        status = AttendanceStatus(status)
        row = existing.get(person_id)
        if status == AttendanceStatus.ABSENT:
            if row is not None:
                db.session.delete(row)
                changed += 1
            continue
        if row is None:
            row = Attendance(session_id=session.id, person_id=person_id)
            db.session.add(row)
        elif row.status == status.value:
            continue
        row.status = status.value
        row.source = AttendanceSource.SHEET.value
        row.recorded_by_id = by.id
        row.recorded_at = now
        row.arrived_at = row.arrived_at or session.starts_at
        row.left_at = (row.left_at or session.planned_end_at) if status == AttendanceStatus.LEFT_EARLY else None
        changed += 1
    db.session.flush()
    return changed


# --- leave -------------------------------------------------------------------

def file_leave(session: StudySession, person: Person, reason: str, *, by: Account,
               now: datetime | None = None) -> LeaveRequest:
    reason = (reason or "").strip()
    if not reason:
        raise SessionError(_("Please give a reason."))
    if session.status != SessionStatus.SCHEDULED or as_utc(now or utcnow()) >= as_utc(session.starts_at):
        raise SessionError(_("Leave can only be requested before the session starts."))
    if not is_expected(session, person.id):
        raise SessionError(_("This person is not expected at this session."))
    leave = db.session.scalar(select(LeaveRequest).where(LeaveRequest.session_id == session.id,
                                                         LeaveRequest.person_id == person.id))
    if leave is None:
        leave = LeaveRequest(session_id=session.id, person_id=person.id)
        db.session.add(leave)
    leave.reason = reason[:500]
    leave.status = LeaveStatus.PENDING.value
    leave.filed_by_id = by.id
    leave.decided_by_id = None
    leave.decided_at = None
    db.session.flush()
    return leave


def decide_leave(leave: LeaveRequest, *, approve: bool, by: Account, now: datetime | None = None) -> None:
    if leave.session.is_closed:
        raise SessionError(_("This session is closed."))
    leave.status = (LeaveStatus.APPROVED if approve else LeaveStatus.REFUSED).value
    leave.decided_by_id = by.id
    leave.decided_at = now or utcnow()
    db.session.flush()


# --- closing -----------------------------------------------------------------

@dataclass
class SessionSummary:
    present: int = 0
    late: int = 0
    left_early: int = 0
    on_leave: int = 0
    absent: int = 0
    made_up: int = 0
    makeup_due_on: date | None = None
    makeup_days: int | None = None


def attendance_rows(session: StudySession) -> list[Attendance]:
    return list(db.session.scalars(select(Attendance).where(Attendance.session_id == session.id)))


def summarise(session: StudySession) -> SessionSummary:
    summary = SessionSummary()
    for row in attendance_rows(session):
        setattr(summary, row.status, getattr(summary, row.status) + 1)
    summary.makeup_due_on = db.session.scalar(select(MakeUp.due_on).where(MakeUp.session_id == session.id).limit(1))
    if summary.makeup_due_on is not None and session.closed_at is not None:
        closed_on = local_day(session.closed_at)
        summary.makeup_days = (summary.makeup_due_on - closed_on).days
    return summary


def close_session(session: StudySession, *, by: Account | None, now: datetime | None = None) -> SessionSummary:
    """Give every expected attendee a final status; absentees without approved leave get a make-up.

    Closing a closed session changes nothing and returns the same summary.
    """
    if session.is_closed:
        return summarise(session)
    now = now or utcnow()
    approved = set(db.session.scalars(select(LeaveRequest.person_id).where(
        LeaveRequest.session_id == session.id, LeaveRequest.status == LeaveStatus.APPROVED)))
    recorded = {row.person_id for row in attendance_rows(session)}
    due_on = local_day(now) + timedelta(days=makeup_due_days())
    for expected in sorted(session.expected_rows, key=lambda row: row.person_id):
        if expected.person_id in recorded:
            continue
        status = AttendanceStatus.ON_LEAVE if expected.person_id in approved else AttendanceStatus.ABSENT
        db.session.add(Attendance(session_id=session.id, person_id=expected.person_id, status=status.value,
                                  source=AttendanceSource.CLOSE.value, recorded_by_id=by.id if by is not None else None,
                                  recorded_at=now))
        if status == AttendanceStatus.ABSENT:
            db.session.add(MakeUp(session_id=session.id, person_id=expected.person_id, due_on=due_on,
                                  lesson_rows=[MakeUpLesson(lesson_id=row.lesson_id) for row in session.lesson_rows]))
    session.status = SessionStatus.CLOSED.value
    session.closed_at = now
    session.closed_by_id = by.id if by is not None else None
    db.session.flush()
    _grant_attendance_credit(session, now)
    session.opened_at = session.opened_at or now
    session_closed.send(current_app._get_current_object(), session_id=session.id, at=now)
    return summarise(session)


def _grant_attendance_credit(session: StudySession, now: datetime) -> None:
    """Credit hours by attended time (the session rule)."""
    for row in attendance_rows(session):
        if row.status_enum not in ATTENDED or row.arrived_at is None:
            continue
        credit.grant_session_credit(row.person_id, session.id, credit.attended_minutes(session, row, now),
                             source=CreditSource.SESSION, at=now)


def close_overdue_sessions(now: datetime | None = None) -> list[int]:
    """Close every open session whose planned end is more than AUTO_CLOSE_GRACE ago, as the
    secretary would have (by nobody: closed_by stays empty). The ids closed."""
    now = now or utcnow()
    overdue = list(db.session.scalars(select(StudySession).where(
        StudySession.status == SessionStatus.OPEN.value,
        StudySession.planned_end_at < now - AUTO_CLOSE_GRACE).order_by(StudySession.id)))
    for session in overdue:
        close_session(session, by=None, now=min(now, as_utc(session.planned_end_at) + AUTO_CLOSE_GRACE))
    return [session.id for session in overdue]


# --- make-up -----------------------------------------------------------------

def _completed_lesson_ids(person_id: int, lesson_ids: set[int]) -> set[int]:
    """Lessons the person has completed (any content version), from the progress records."""
    if not lesson_ids:
        return set()
    return set(db.session.scalars(select(LessonCompletion.lesson_id).where(
        LessonCompletion.person_id == person_id, LessonCompletion.lesson_id.in_(lesson_ids))))


def record_make_up_progress(person_id: int, lesson_id: int, *, now: datetime | None = None) -> list[MakeUp]:
    """A completed lesson ticks it off the person's open make-ups; a make-up with nothing left is cleared."""
    now = now or utcnow()
    cleared = []
    make_ups = list(db.session.scalars(
        select(MakeUp).join(MakeUpLesson).where(MakeUp.person_id == person_id, MakeUp.status == MakeUpStatus.OPEN,
                                                MakeUpLesson.lesson_id == lesson_id)))
    for make_up in make_ups:
        pending = {row.lesson_id: row for row in make_up.lesson_rows if row.completed_at is None}
        done_before = _completed_lesson_ids(person_id, set(pending) - {lesson_id})
        for pending_id, row in pending.items():
            if pending_id == lesson_id or pending_id in done_before:
                row.completed_at = now
        if make_up.lessons_left == 0:
            make_up.status = MakeUpStatus.DONE.value
            make_up.completed_at = now
            attendance = get_attendance(make_up.session, person_id)
            if attendance is not None and attendance.status == AttendanceStatus.ABSENT:
                attendance.status = AttendanceStatus.MADE_UP.value
            _grant_make_up_credit(make_up, person_id, now)
            cleared.append(make_up)
    db.session.flush()
    return cleared


def _grant_make_up_credit(make_up: MakeUp, person_id: int, now: datetime) -> None:
    """A finished make-up earns what attending the whole planned session would have."""
    session = make_up.session
    planned = (as_utc(session.planned_end_at) - as_utc(session.starts_at)).total_seconds() / 60
    credit.grant_session_credit(person_id, session.id, planned, source=CreditSource.MAKEUP, at=now)


def on_lesson_completed(sender, person_id: int, lesson_id: int, at: datetime | None = None, **payload) -> None:
    """Receiver of app.study.signals.lesson_completed (same transaction: flush only)."""
    record_make_up_progress(person_id, lesson_id, now=as_utc(at) if at else None)
