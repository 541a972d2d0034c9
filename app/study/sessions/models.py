"""Group study sessions (集中学习): schedule, roll call, leave and make-up study.

A session belongs to the branch of its site (`unit_id`, copied from the site when
scheduled) so app.core.scope limits secretaries to their own branch. Attendance has
one row per (session, person): concurrent sign-ins insert with ON CONFLICT DO
NOTHING, so the first one wins and nobody is counted twice.
"""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.catalog.models import Course, Lesson
from app.core.model_base import TimestampMixin, utcnow
from app.core.scope import UnitScoped
from app.extensions import db
from app.org.models import Account, Person, Site, Unit


class SessionStatus(StrEnum):
    SCHEDULED = "scheduled"
    OPEN = "open"
    CLOSED = "closed"

    @property
    def label(self):
        return {"scheduled": _l("Scheduled"), "open": _l("In progress"), "closed": _l("Closed")}[self.value]


class AttendanceStatus(StrEnum):
    PRESENT = "present"
    LATE = "late"
    LEFT_EARLY = "left_early"
    ON_LEAVE = "on_leave"
    ABSENT = "absent"
    MADE_UP = "made_up"

    @property
    def label(self):
        return {
            "present": _l("Present"),
            "late": _l("Late"),
            "left_early": _l("Left early"),
            "on_leave": _l("On leave"),
            "absent": _l("Absent"),
            "made_up": _l("Made up"),
        }[self.value]


# Statuses that mean "was in the room" (at some point).
ATTENDED = frozenset({AttendanceStatus.PRESENT, AttendanceStatus.LATE, AttendanceStatus.LEFT_EARLY})


class AttendanceSource(StrEnum):
    TICK = "tick"  # secretary ticked the name on the terminal roster
    PIN = "pin"  # member typed their PIN on the terminal
    QR = "qr"  # member scanned the rotating code with their phone
    SHEET = "sheet"  # entered afterwards from the paper sign-in sheet
    CLOSE = "close"  # computed when the session closed (absent, on leave)

    @property
    def label(self):
        return {"tick": _l("Roster tick"), "pin": _l("PIN"), "qr": _l("QR code"), "sheet": _l("Sign-in sheet"),
                "close": _l("Session close")}[self.value]


class LeaveStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"

    @property
    def label(self):
        return {"pending": _l("Awaiting decision"), "approved": _l("Approved"), "refused": _l("Refused")}[self.value]


class MakeUpStatus(StrEnum):
    OPEN = "open"
    DONE = "done"

    @property
    def label(self):
        return {"open": _l("To do"), "done": _l("Done")}[self.value]


class StudySession(UnitScoped, TimestampMixin, db.Model):
    __tablename__ = "study_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    planned_end_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16), default=SessionStatus.SCHEDULED.value)
    opened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    # Set when the session was scheduled after it had started (entered afterwards from the paper
    # sheet): why, in the secretary's words. Who and when are created_by and created_at.
    late_entry_reason: Mapped[str | None] = mapped_column(String(500))

    site: Mapped[Site] = relationship()
    created_by: Mapped[Account | None] = relationship(foreign_keys=[created_by_id])
    unit: Mapped[Unit] = relationship()
    course: Mapped[Course] = relationship()
    lesson_rows: Mapped[list[SessionLesson]] = relationship(
        cascade="all, delete-orphan", order_by="SessionLesson.position")
    expected_rows: Mapped[list[ExpectedAttendee]] = relationship(cascade="all, delete-orphan")

    __table_args__ = (Index("ix_study_session_site_id_starts_at", "site_id", "starts_at"),)

    @property
    def status_enum(self) -> SessionStatus:
        return SessionStatus(self.status)

    @property
    def is_open(self) -> bool:
        return self.status == SessionStatus.OPEN

    @property
    def is_closed(self) -> bool:
        return self.status == SessionStatus.CLOSED

    @property
    def entered_afterwards(self) -> bool:
        return self.late_entry_reason is not None

    @property
    def lessons(self) -> list[Lesson]:
        return [row.lesson for row in self.lesson_rows]

    def __repr__(self) -> str:
        return f"<StudySession {self.id} {self.title} {self.status}>"


class SessionLesson(db.Model):
    """A lesson studied in the session (default: every lesson of the course)."""

    __tablename__ = "study_session_lesson"

    session_id: Mapped[int] = mapped_column(ForeignKey("study_session.id", ondelete="CASCADE"), primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(default=0)

    lesson: Mapped[Lesson] = relationship()


class ExpectedAttendee(db.Model):
    """Someone expected at the session: the branch roster, plus invitees (villagers too)."""

    __tablename__ = "study_session_expected"

    session_id: Mapped[int] = mapped_column(ForeignKey("study_session.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), primary_key=True,
                                           index=True)
    is_invitee: Mapped[bool] = mapped_column(Boolean, default=False)

    person: Mapped[Person] = relationship()


class Attendance(db.Model):
    """One person's attendance at one session; exactly one row each (see module docstring)."""

    __tablename__ = "study_attendance"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("study_session.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    arrived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    left_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    source: Mapped[str] = mapped_column(String(16))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    person: Mapped[Person] = relationship()
    recorded_by: Mapped[Account | None] = relationship()

    __table_args__ = (UniqueConstraint("session_id", "person_id"),)

    @property
    def status_enum(self) -> AttendanceStatus:
        return AttendanceStatus(self.status)

    @property
    def source_enum(self) -> AttendanceSource:
        return AttendanceSource(self.source)


class LeaveRequest(TimestampMixin, db.Model):
    """请假: one per person and session; filing again replaces the reason and waits for a new decision."""

    __tablename__ = "study_leave_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("study_session.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=LeaveStatus.PENDING.value)
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    session: Mapped[StudySession] = relationship()
    person: Mapped[Person] = relationship()

    __table_args__ = (UniqueConstraint("session_id", "person_id"),)

    @property
    def status_enum(self) -> LeaveStatus:
        return LeaveStatus(self.status)


class MakeUp(TimestampMixin, db.Model):
    """补学: an absentee studies the session's lessons by the due date; completing them clears it."""

    __tablename__ = "study_make_up"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("study_session.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default=MakeUpStatus.OPEN.value, index=True)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    session: Mapped[StudySession] = relationship()
    person: Mapped[Person] = relationship()
    lesson_rows: Mapped[list[MakeUpLesson]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    __table_args__ = (UniqueConstraint("session_id", "person_id"),)

    @property
    def status_enum(self) -> MakeUpStatus:
        return MakeUpStatus(self.status)

    @property
    def lessons_left(self) -> int:
        return sum(1 for row in self.lesson_rows if row.completed_at is None)

    @property
    def subject(self) -> str:
        """What to study, as the member knows it: the course (the session's own name if it has none)."""
        course = self.session.course
        return course.title if course is not None else self.session.title

    @property
    def next_lesson(self) -> Lesson | None:
        """The first lesson still to study, in the course's order: where the make-up's link goes."""
        pending = [row.lesson for row in self.lesson_rows if row.completed_at is None and row.lesson is not None]
        return min(pending, key=lambda lesson: (lesson.position, lesson.id)) if pending else None


class MakeUpLesson(db.Model):
    """A lesson to make up (the session's lessons at close), ticked off as completions arrive."""

    __tablename__ = "study_make_up_lesson"

    make_up_id: Mapped[int] = mapped_column(ForeignKey("study_make_up.id", ondelete="CASCADE"), primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id", ondelete="CASCADE"), primary_key=True,
                                           index=True)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    lesson: Mapped[Lesson] = relationship()
