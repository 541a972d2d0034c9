"""Quizzes: where a quiz sits in a course, its settings, and its slots (fixed or drawn)."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, DateTime, Float, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.catalog.models import Course, Lesson
from app.core.model_base import TimestampMixin, utcnow
from app.extensions import db
from app.quiz.models.bank import Question, QuestionBank, QuestionCategory


class ScorePolicy(StrEnum):
    BEST = "best"
    LAST = "last"

    @property
    def label(self):
        return {"best": _l("Best attempt counts"), "last": _l("Last attempt counts")}[self.value]


class Quiz(TimestampMixin, db.Model):
    """A quiz of a course: the end-of-course quiz (lesson_id None) or the quiz of a quiz lesson."""

    __tablename__ = "quiz"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    lesson_id: Mapped[int | None] = mapped_column(ForeignKey("lesson.id", ondelete="CASCADE"), unique=True)
    title: Mapped[str] = mapped_column(String(120))
    pass_mark: Mapped[float] = mapped_column(Float, default=60.0)  # percent of the maximum score
    max_attempts: Mapped[int | None] = mapped_column(Integer)  # None: unlimited
    time_limit_minutes: Mapped[int | None] = mapped_column(Integer)  # None: untimed
    shuffle_questions: Mapped[bool] = mapped_column(Boolean, default=False)
    shuffle_options: Mapped[bool] = mapped_column(Boolean, default=False)
    score_policy: Mapped[str] = mapped_column(String(8), default=ScorePolicy.BEST.value)
    show_explanations: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    course: Mapped[Course] = relationship()
    lesson: Mapped[Lesson | None] = relationship()
    slots: Mapped[list[QuizSlot]] = relationship(
        back_populates="quiz", order_by="QuizSlot.position", cascade="all, delete-orphan")

    @classmethod
    def scope_condition(cls, unit_ids):
        """Managed through its course: the course's owner unit must be in scope."""
        return cls.course_id.in_(select(Course.id).where(Course.owner_unit_id.in_(unit_ids)))

    @property
    def score_policy_enum(self) -> ScorePolicy:
        return ScorePolicy(self.score_policy)

    def __repr__(self) -> str:
        return f"<Quiz {self.id} {self.title}>"


class QuizSlot(db.Model):
    """One place in a quiz: a fixed question, or `draw_count` questions drawn per learner
    from a bank category (its sub-categories included; the whole bank when category is None)."""

    __tablename__ = "quiz_slot"

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quiz.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    question_id: Mapped[int | None] = mapped_column(ForeignKey("question.id", ondelete="CASCADE"), index=True)
    bank_id: Mapped[int | None] = mapped_column(ForeignKey("question_bank.id", ondelete="CASCADE"), index=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("question_category.id", ondelete="CASCADE"))
    draw_count: Mapped[int] = mapped_column(Integer, default=0)

    quiz: Mapped[Quiz] = relationship(back_populates="slots")
    question: Mapped[Question | None] = relationship()
    bank: Mapped[QuestionBank | None] = relationship()
    category: Mapped[QuestionCategory | None] = relationship()

    @property
    def is_draw(self) -> bool:
        return self.question_id is None
