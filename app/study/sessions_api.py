"""What the progress/completion area asks of group sessions (a small, stable contract)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select

from app.core.model_base import as_utc
from app.core.scope import scope_filter
from app.extensions import db
from app.org.choices import Role
from app.study.models.session import ATTENDED, Attendance, ExpectedAttendee, MakeUp, StudySession


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
    if account is None or not getattr(account, "is_authenticated", False) or account.role != Role.TERMINAL:
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
    role = account.role
    if role == Role.TERMINAL:
        if session.site_id != account.site_id:
            return "session_not_found", None
        return (None if session.is_open else "session_not_open"), session.course_id
    if None in person_ids:
        return "session_not_found", None
    if role == Role.MEMBER:
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
