"""Playback progress, completions and credit grants.

ProgressEvent makes reporting idempotent (a repeated client event id is ignored); under load
events are stored first and folded into progress a moment later (ProgressEvent.folded).
LessonProgress holds one learner's merged watched intervals of one lesson version.
StudyDay holds the same for one local day, for the self-study time rules.
LessonCompletion, CourseCompletion and CreditGrant are append-only records: written
once, by app.study.credit, with the moment and the source.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.model_base import utcnow
from app.extensions import db


class CreditSource(StrEnum):
    COURSE = "course"
    SESSION = "session"
    MAKEUP = "makeup"
    SELF_STUDY = "self_study"

    @property
    def label(self):
        return {"course": _l("Course completed"), "session": _l("Group session"), "makeup": _l("Make-up study"),
                "self_study": _l("Self-study")}[self.value]


class ProgressEvent(db.Model):
    """One reported playback interval, as the client sent it (kept for audit and replay)."""

    __tablename__ = "progress_event"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # the client's uuid
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[int | None] = mapped_column(Integer)  # a group session (sessions area), if any
    start: Mapped[float] = mapped_column(Float)
    end: Mapped[float] = mapped_column(Float)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    scrolled_to_end: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # False while an event waits to be merged into progress (only events stored by an older
    # version that folded later; the repair job app.study.progress.tasks.fold_progress merges them).
    folded: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    __table_args__ = (
        Index("ix_progress_event_unfolded", "received_at", "id", sqlite_where=text("NOT folded"),
              postgresql_where=text("NOT folded")),
    )


class StudyClock(db.Model):
    """How much of a learner's real time has been spent on credited playback.

    Playback is credited against the server's own receive times, never the client's `at`:
    every credited stretch spends the learner's budget (the real time since `credited_until`,
    at most LMS_PROGRESS_OFFLINE_SECONDS), so no number of batches, threads or devices earns more
    than the time that really passed.
    """

    __tablename__ = "study_clock"

    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), primary_key=True)
    credited_until: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LessonProgress(db.Model):
    """A learner's merged watched intervals of one version of a lesson."""

    __tablename__ = "lesson_progress"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id", ondelete="CASCADE"), index=True)
    content_version: Mapped[int] = mapped_column(default=1)
    intervals: Mapped[str] = mapped_column(Text, default="[]")  # JSON [[start, end], ...], sorted, disjoint
    watched_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    resume_position: Mapped[float] = mapped_column(Float, default=0.0)
    # Self-study seconds credited for this lesson over all days (the cap applies to it).
    self_study_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    last_event_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    lesson = relationship("Lesson")

    __table_args__ = (
        UniqueConstraint("person_id", "lesson_id", "content_version"),
        Index("ix_lesson_progress_person_id_updated_at", "person_id", "updated_at"),
    )


class StudyDay(db.Model):
    """What a learner watched of one lesson on one local day (self-study time rules)."""

    __tablename__ = "study_day"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(Date)
    intervals: Mapped[str] = mapped_column(Text, default="[]")
    credited_seconds: Mapped[float] = mapped_column(Float, default=0.0)

    __table_args__ = (UniqueConstraint("person_id", "lesson_id", "day"),)


class LessonCompletion(db.Model):
    """A lesson version completed by a person: recorded once."""

    __tablename__ = "lesson_completion"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id", ondelete="CASCADE"), index=True)
    content_version: Mapped[int] = mapped_column(default=1)
    source: Mapped[str] = mapped_column(String(16))
    session_id: Mapped[int | None] = mapped_column(Integer)
    completed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (UniqueConstraint("person_id", "lesson_id", "content_version"),)


class CourseCompletion(db.Model):
    """A course version completed by a person: recorded once."""

    __tablename__ = "course_completion"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    course_version: Mapped[int] = mapped_column(default=1)
    source: Mapped[str] = mapped_column(String(16))
    completed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    course = relationship("Course")

    __table_args__ = (UniqueConstraint("person_id", "course_id", "course_version"),)


class CreditGrant(db.Model):
    """Credit hours granted to a person (学时).

    Course and session grants are written once. A self-study grant is one row per
    (person, lesson, local day); its hours may still grow during that day as the day's
    watching is credited, and never change afterwards.
    """

    __tablename__ = "credit_grant"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    year: Mapped[int] = mapped_column(Integer)
    hours: Mapped[Decimal] = mapped_column(Numeric(7, 3))
    source: Mapped[str] = mapped_column(String(16))
    course_id: Mapped[int | None] = mapped_column(ForeignKey("course.id", ondelete="SET NULL"), index=True)
    lesson_id: Mapped[int | None] = mapped_column(ForeignKey("lesson.id", ondelete="SET NULL"))
    session_id: Mapped[int | None] = mapped_column(Integer)
    day: Mapped[date | None] = mapped_column(Date)
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Set by the records domain when a self-study grant grew and its development-file entry is
    # still to be appended (app.records.services.settle_self_study): a heartbeat every 15 s must
    # not append a hash-chained entry each time.
    ledger_pending: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    course = relationship("Course")
    lesson = relationship("Lesson")
    # A session grant names its session (no foreign key: grants outlive nothing, sessions are kept).
    session = relationship("StudySession", primaryjoin="foreign(CreditGrant.session_id) == StudySession.id",
                           viewonly=True)

    __table_args__ = (
        Index("ix_credit_grant_person_id_year", "person_id", "year"),
        Index("ix_credit_grant_ledger_pending", "person_id", sqlite_where=text("ledger_pending"),
              postgresql_where=text("ledger_pending")),
        # "Once" (per course, per session, per lesson-day) is kept by app.study.credit under the
        # person's row lock: unique constraints cannot, as NULLs never collide.
    )

    @property
    def display_hours(self) -> Decimal:
        return Decimal(self.hours).quantize(Decimal("0.01"))

    @property
    def source_enum(self) -> CreditSource:
        return CreditSource(self.source)
