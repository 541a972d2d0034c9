"""Attempts and the questions (with responses) of each attempt."""
from __future__ import annotations

import json
from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.model_base import utcnow
from app.extensions import db
from app.org.models import Account, Person
from app.quiz.models.bank import QuestionVersion
from app.quiz.models.quiz import Quiz


class AttemptStatus(StrEnum):
    IN_PROGRESS = "in_progress"
    NEEDS_GRADING = "needs_grading"  # submitted; an essay waits for a trainer
    GRADED = "graded"

    @property
    def label(self):
        return {"in_progress": _l("In progress"), "needs_grading": _l("Waiting for a trainer"),
                "graded": _l("Graded")}[self.value]


class Attempt(db.Model):
    """One person's attempt at a quiz.

    Submission is a state change made by a conditional UPDATE (status in_progress -> submitted
    state) so a second submit of the same attempt, concurrent or later, changes nothing and
    gets the stored result: no locks needed on SQLite or PostgreSQL.
    """

    __tablename__ = "quiz_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quiz.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer, default=1)  # 1 for the person's first attempt
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    # The shared terminal the attempt was taken on (group-session mode), if any.
    terminal_account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default=AttemptStatus.IN_PROGRESS.value)
    seed: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    deadline_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    score: Mapped[float | None] = mapped_column(Float)
    max_score: Mapped[float] = mapped_column(Float, default=0.0)
    percent: Mapped[float | None] = mapped_column(Float)
    passed: Mapped[bool | None] = mapped_column(Boolean)

    quiz: Mapped[Quiz] = relationship()
    person: Mapped[Person] = relationship()
    started_by: Mapped[Account | None] = relationship(foreign_keys=[started_by_id])
    terminal_account: Mapped[Account | None] = relationship(foreign_keys=[terminal_account_id])
    questions: Mapped[list[AttemptQuestion]] = relationship(
        back_populates="attempt", order_by="AttemptQuestion.position", cascade="all, delete-orphan")

    __table_args__ = (
        UniqueConstraint("quiz_id", "person_id", "number", name="uq_quiz_attempt_quiz_id_person_id_number"),
        Index("ix_quiz_attempt_quiz_id_status", "quiz_id", "status"),
    )

    @classmethod
    def scope_condition(cls, unit_ids):
        """Results are scoped by the learner's unit."""
        return cls.person_id.in_(select(Person.id).where(Person.unit_id.in_(unit_ids)))

    @property
    def status_enum(self) -> AttemptStatus:
        return AttemptStatus(self.status)

    @property
    def is_submitted(self) -> bool:
        return self.status != AttemptStatus.IN_PROGRESS

    def __repr__(self) -> str:
        return f"<Attempt {self.id} quiz={self.quiz_id} person={self.person_id} {self.status}>"


class AttemptQuestion(db.Model):
    """A question as asked in one attempt (the version seen, the option order shown) and the
    learner's response with its grade."""

    __tablename__ = "quiz_attempt_question"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("quiz_attempt.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)  # 1-based, as shown
    version_id: Mapped[int] = mapped_column(ForeignKey("question_version.id"), index=True)
    # Display order of options (choice) or of the right-hand choices (matching): original indexes.
    order_json: Mapped[str] = mapped_column(Text, default="[]")
    response_json: Mapped[str | None] = mapped_column(Text)  # None: not answered
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    fraction: Mapped[float | None] = mapped_column(Float)
    score: Mapped[float | None] = mapped_column(Float)
    max_score: Mapped[float] = mapped_column(Float, default=0.0)
    graded_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    grader_comment: Mapped[str] = mapped_column(Text, default="")

    attempt: Mapped[Attempt] = relationship(back_populates="questions")
    version: Mapped[QuestionVersion] = relationship()

    __table_args__ = (UniqueConstraint("attempt_id", "position", name="uq_quiz_attempt_question_attempt_id_position"),)

    @property
    def order(self) -> list[int]:
        return json.loads(self.order_json or "[]")

    @property
    def response(self):
        return None if self.response_json is None else json.loads(self.response_json)
