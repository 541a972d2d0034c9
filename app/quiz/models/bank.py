"""Question banks: banks owned by a unit, categories, tags, questions and their versions.

A question's content lives in immutable QuestionVersion rows. Editing a question adds a
version and moves Question.current_version_id; attempts keep pointing at the version the
learner saw, so old attempts are reviewed and analysed against what was actually asked.
"""
from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, foreign, mapped_column, relationship

from app.core.model_base import TimestampMixin, utcnow
from app.core.scope import UnitScoped
from app.extensions import db
from app.org.models import Unit


class QuestionBank(UnitScoped, TimestampMixin, db.Model):
    __tablename__ = "question_bank"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    unit: Mapped[Unit] = relationship()
    categories: Mapped[list[QuestionCategory]] = relationship(
        back_populates="bank", order_by="QuestionCategory.path", cascade="all, delete-orphan")

    __table_args__ = (UniqueConstraint("unit_id", "name", name="uq_question_bank_unit_id_name"),)

    def __repr__(self) -> str:
        return f"<QuestionBank {self.id} {self.name}>"


class QuestionCategory(db.Model):
    """A "/"-separated category path inside one bank ("农业/马铃薯"). A draw from a category
    also takes the questions of its sub-categories."""

    __tablename__ = "question_category"

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("question_bank.id", ondelete="CASCADE"))
    path: Mapped[str] = mapped_column(String(255))

    bank: Mapped[QuestionBank] = relationship(back_populates="categories")

    __table_args__ = (UniqueConstraint("bank_id", "path", name="uq_question_category_bank_id_path"),)

    @classmethod
    def scope_condition(cls, unit_ids):
        return cls.bank_id.in_(select(QuestionBank.id).where(QuestionBank.unit_id.in_(unit_ids)))

    def __repr__(self) -> str:
        return f"<QuestionCategory {self.bank_id} {self.path}>"


class Question(TimestampMixin, db.Model):
    __tablename__ = "question"

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("question_bank.id", ondelete="CASCADE"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("question_category.id", ondelete="SET NULL"), index=True)
    type: Mapped[str] = mapped_column(String(16))
    # Not a foreign key: question and version would reference each other, which needs a
    # deferred constraint on PostgreSQL and a table rebuild on SQLite. The service that adds a
    # version is the only writer.
    current_version_id: Mapped[int | None] = mapped_column(Integer)
    is_archived: Mapped[bool] = mapped_column(Boolean, default=False)

    bank: Mapped[QuestionBank] = relationship()
    category: Mapped[QuestionCategory | None] = relationship()
    current_version: Mapped[QuestionVersion | None] = relationship(
        primaryjoin=lambda: foreign(Question.current_version_id) == QuestionVersion.id, viewonly=True)
    tag_rows: Mapped[list[QuestionTag]] = relationship(cascade="all, delete-orphan", lazy="selectin",
                                                       order_by="QuestionTag.tag")

    __table_args__ = (Index("ix_question_bank_id_category_id", "bank_id", "category_id"),)

    @classmethod
    def scope_condition(cls, unit_ids):
        return cls.bank_id.in_(select(QuestionBank.id).where(QuestionBank.unit_id.in_(unit_ids)))

    @property
    def tags(self) -> list[str]:
        return [row.tag for row in self.tag_rows]

    def __repr__(self) -> str:
        return f"<Question {self.id} {self.type}>"


class QuestionTag(db.Model):
    __tablename__ = "question_tag"

    question_id: Mapped[int] = mapped_column(ForeignKey("question.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(30), primary_key=True, index=True)


class QuestionVersion(db.Model):
    """What one version of a question asks and how it is graded. Never updated.

    `content` is JSON whose keys depend on the type (see app.quiz.content):
    options [{text, fraction, feedback}] and grading for choice questions, answer (bool) for
    true/false, answers for short ({text, fraction, feedback}) and numeric ({value, tolerance,
    fraction, feedback}), pairs [{left, right}] for matching, grader_info for essays.
    """

    __tablename__ = "question_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer, default=1)
    type: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(255), default="")
    text: Mapped[str] = mapped_column(Text)
    text_html: Mapped[str | None] = mapped_column(Text)
    content_json: Mapped[str] = mapped_column(Text, default="{}")
    explanation: Mapped[str] = mapped_column(Text, default="")  # 解析, shown after submission
    points: Mapped[float] = mapped_column(Float, default=1.0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))

    question: Mapped[Question] = relationship(foreign_keys=[question_id])

    __table_args__ = (UniqueConstraint("question_id", "number", name="uq_question_version_question_id_number"),)

    @property
    def content(self) -> dict:
        return json.loads(self.content_json or "{}")

    def __repr__(self) -> str:
        return f"<QuestionVersion {self.question_id} v{self.number}>"


class QuestionImage(TimestampMixin, db.Model):
    """An image or audio file imported with a question (Moodle XML), kept in media storage
    (the table keeps its first name; mime says which it is)."""

    __tablename__ = "question_image"

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("question_bank.id", ondelete="CASCADE"), index=True)
    storage_key: Mapped[str] = mapped_column(String(255))
    mime: Mapped[str] = mapped_column(String(50))
    size: Mapped[int] = mapped_column(Integer)
    original_name: Mapped[str] = mapped_column(String(255), default="")

    bank: Mapped[QuestionBank] = relationship()
