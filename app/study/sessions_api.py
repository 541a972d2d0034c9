"""What the progress/completion area asks of group sessions (a small, stable contract)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select

from app.core.model_base import as_utc
from app.extensions import db
from app.org.choices import Role
from app.study.models.session import ATTENDED, Attendance, StudySession


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
