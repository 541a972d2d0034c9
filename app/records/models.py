"""Training plans (年度培训计划) and development files (培养档案).

A DevelopmentEntry is append-only: a correction is a new entry pointing at the one it
corrects. Each person's entries form a keyed hash chain (sequence 1, 2, ...; each hash is an
HMAC over every stored field, id, created_at and the previous hash included, with a key kept
outside the database) so `lms records verify` finds rows changed behind the application's back
(app/records/integrity.py). No foreign key removes or rewrites an entry: a person, or an
account that recorded entries, cannot be deleted while the entries exist (people are archived,
never deleted). unit_id and year are copied onto the entry when it is written so reports per
unit and year read one indexed table.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import (Date, DateTime, Float, ForeignKey, Index, Integer, Numeric, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.model_base import TimestampMixin, utcnow
from app.core.scope import UnitScoped
from app.extensions import db
from app.org.models import Account, Person, Unit


class EntryKind(StrEnum):
    COURSE_COMPLETED = "course_completed"
    SESSION_ATTENDANCE = "session_attendance"
    MAKEUP_DONE = "makeup_done"
    QUIZ_PASSED = "quiz_passed"
    CREDIT = "credit"
    APPRAISAL = "appraisal"
    STAGE = "stage"
    CORRECTION = "correction"

    @property
    def label(self):
        return {
            "course_completed": _l("Course completed"),
            "session_attendance": _l("Group session attendance"),
            "makeup_done": _l("Make-up completed"),
            "quiz_passed": _l("Quiz passed"),
            "credit": _l("Credit hours"),
            "appraisal": _l("Appraisal"),
            "stage": _l("Development stage"),
            "correction": _l("Correction"),
        }[self.value]


class DevelopmentStage(StrEnum):
    TRAINEE = "trainee"  # 培养对象
    ACTIVIST = "activist"  # 入党积极分子
    CANDIDATE = "candidate"  # 发展对象
    RESERVE_CADRE = "reserve_cadre"  # 后备干部
    PROSPERITY_LEADER = "prosperity_leader"  # 致富带头人

    @property
    def label(self):
        return {"trainee": _l("Trainee"), "activist": _l("Activist applying to join"),
                "candidate": _l("Candidate for membership"), "reserve_cadre": _l("Reserve cadre"),
                "prosperity_leader": _l("Prosperity leader")}[self.value]


class AppraisalGrade(StrEnum):
    EXCELLENT = "excellent"  # 优秀
    COMPETENT = "competent"  # 合格
    BASICALLY_COMPETENT = "basically_competent"  # 基本合格
    INCOMPETENT = "incompetent"  # 不合格

    @property
    def label(self):
        return {"excellent": _l("Excellent"), "competent": _l("Competent"),
                "basically_competent": _l("Basically competent"), "incompetent": _l("Not competent")}[self.value]


class TrainingPlan(UnitScoped, TimestampMixin, db.Model):
    """A unit's plan for one year; applies to the unit's subtree unless a lower unit has its own."""

    __tablename__ = "training_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    year: Mapped[int] = mapped_column(Integer)
    member_hours: Mapped[Decimal] = mapped_column(Numeric(6, 2))  # 党员 (full and probationary)
    cadre_hours: Mapped[Decimal] = mapped_column(Numeric(6, 2))  # 支部书记、两委班子成员
    other_hours: Mapped[Decimal] = mapped_column(Numeric(6, 2), default=Decimal("0"))  # activists, villagers
    deadline: Mapped[date] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))

    unit: Mapped[Unit] = relationship()
    course_rows: Mapped[list[PlanCourse]] = relationship(cascade="all, delete-orphan")

    __table_args__ = (UniqueConstraint("unit_id", "year"),)

    @property
    def course_ids(self) -> list[int]:
        return [row.course_id for row in self.course_rows]


class PlanCourse(db.Model):
    """A course every person under the plan must complete."""

    __tablename__ = "training_plan_course"

    plan_id: Mapped[int] = mapped_column(ForeignKey("training_plan.id", ondelete="CASCADE"), primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), primary_key=True)

    course = relationship("Course")


class DevelopmentEntry(UnitScoped, db.Model):
    """One line of a person's development file; never updated, never deleted."""

    __tablename__ = "development_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True)  # stable id (the xAPI statement id)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="RESTRICT"))
    sequence: Mapped[int] = mapped_column(Integer)  # 1, 2, ... per person: the chain's order
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    year: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(24))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    source: Mapped[str] = mapped_column(String(24), default="")
    course_id: Mapped[int | None] = mapped_column(Integer)
    session_id: Mapped[int | None] = mapped_column(Integer)
    attempt_id: Mapped[int | None] = mapped_column(Integer)
    grant_id: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200), default="")  # course or session title at the time
    # Hours counted towards the plan (credit entries; a correction holds the signed change).
    hours: Mapped[Decimal] = mapped_column(Numeric(8, 3), default=Decimal("0"))
    score: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(24), default="")  # attendance status, grade or stage
    note: Mapped[str] = mapped_column(Text, default="")
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("development_entry.id"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="RESTRICT"))
    prev_hash: Mapped[str] = mapped_column(String(64), default="")
    hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    person: Mapped[Person] = relationship()
    recorded_by: Mapped[Account | None] = relationship()
    corrects: Mapped[DevelopmentEntry | None] = relationship(remote_side=[id])

    __table_args__ = (
        UniqueConstraint("person_id", "sequence"),
        Index("ix_development_entry_unit_id_year", "unit_id", "year", "person_id"),
        Index("ix_development_entry_grant_id", "grant_id"),
        Index("ix_development_entry_corrects_id", "corrects_id"),
        # Covers the per-person yearly roll-up of the reports (index-only: no table reads).
        Index("ix_development_entry_person_year_totals", "person_id", "year", "kind", "status", "hours"),
    )

    @property
    def kind_enum(self) -> EntryKind:
        return EntryKind(self.kind)


class OutboxStatement(db.Model):
    """An xAPI statement waiting for (or done with) delivery to the configured receiver."""

    __tablename__ = "records_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[str] = mapped_column(String(36), unique=True)
    # The entry the statement reports; None for a checkpoint statement (app.records.integrity).
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("development_entry.id", ondelete="RESTRICT"))
    body: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str] = mapped_column(Text, default="")
    # Refused for good by the receiver (a 4xx other than 408/429): set aside, not retried.
    refused_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (Index("ix_records_outbox_delivered_at_next_attempt_at", "delivered_at", "next_attempt_at"),)


class WebhookMessage(db.Model):
    """A reminder event (app.records.reminders) waiting for (or done with) delivery to the
    configured webhook; delivered like the xAPI outbox (app.records.outbox.deliver_rows)."""

    __tablename__ = "records_webhook_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The reminder's key (e.g. "make_up_due:17"): each event is queued once.
    event_id: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str] = mapped_column(Text, default="")
    refused_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (Index("ix_records_webhook_outbox_delivered_at_next_attempt_at", "delivered_at",
                            "next_attempt_at"),)
