"""Courses, lessons, categories and where a course is published."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.catalog.choices import CourseStatus, LessonType
from app.core.model_base import TimestampMixin, utcnow
from app.core.scope import UnitScoped
from app.extensions import db
from app.org.models import Unit


class Category(db.Model):
    __tablename__ = "category"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    is_builtin: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(default=100)


class Course(UnitScoped, TimestampMixin, db.Model):
    """A course, owned by the unit of the trainer who made it (its scope for editing).

    Learners see it through publications: a course published to a unit is visible
    to everyone in that unit's subtree. `version` increases whenever a published
    course changes, so progress and records can say which version was studied.
    """

    __tablename__ = "course"
    __scope_column__ = "owner_unit_id"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(120))
    summary: Mapped[str] = mapped_column(Text, default="")
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"), index=True)
    credit_hours: Mapped[Decimal] = mapped_column(Numeric(5, 1), default=Decimal("1.0"))
    status: Mapped[str] = mapped_column(String(16), default=CourseStatus.DRAFT.value, index=True)
    version: Mapped[int] = mapped_column(default=1)
    cover_media_id: Mapped[int | None] = mapped_column(ForeignKey("media.id", ondelete="SET NULL"))
    owner_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    # Lower-cased title, summary and tags plus the title's pinyin and initials ("mls" finds 马铃薯).
    search_text: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    category: Mapped[Category] = relationship()
    owner_unit: Mapped[Unit] = relationship()
    lessons: Mapped[list[Lesson]] = relationship(
        back_populates="course", order_by="Lesson.position", cascade="all, delete-orphan")
    tag_rows: Mapped[list[CourseTag]] = relationship(cascade="all, delete-orphan", lazy="selectin",
                                                     order_by="CourseTag.position")
    audience_rows: Mapped[list[CourseAudience]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    publications: Mapped[list[CoursePublication]] = relationship(cascade="all, delete-orphan")

    @property
    def status_enum(self) -> CourseStatus:
        return CourseStatus(self.status)

    @property
    def tags(self) -> list[str]:
        return [row.tag for row in self.tag_rows]

    def __repr__(self) -> str:
        return f"<Course {self.slug} v{self.version}>"


class CourseTag(db.Model):
    __tablename__ = "course_tag"

    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(30), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(default=0, server_default="0")  # order the trainer typed


class CourseAudience(db.Model):
    """Who a course is meant for: person categories and cadre roles. None = everyone."""

    __tablename__ = "course_audience"

    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)  # "category" | "cadre_role"
    value: Mapped[str] = mapped_column(String(30), primary_key=True)


class CoursePublication(TimestampMixin, db.Model):
    """A course is visible in this unit's subtree."""

    __tablename__ = "course_publication"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))

    unit: Mapped[Unit] = relationship()

    __table_args__ = (UniqueConstraint("course_id", "unit_id"),)


class Lesson(TimestampMixin, db.Model):
    __tablename__ = "lesson"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    type: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(120))
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    body_markdown: Mapped[str] = mapped_column(Text, default="")
    media_id: Mapped[int | None] = mapped_column(ForeignKey("media.id", ondelete="SET NULL"), index=True)
    # Seconds a document or text lesson must stay open to count as studied.
    min_seconds: Mapped[int] = mapped_column(default=60)
    # Bumped when the lesson's content changes, so unchanged lessons keep learners' progress.
    content_version: Mapped[int] = mapped_column(default=1)

    course: Mapped[Course] = relationship(back_populates="lessons")
    media: Mapped["Media | None"] = relationship()  # noqa: F821 - app.media.models

    __table_args__ = (Index("ix_lesson_course_id_position", "course_id", "position"),)

    @property
    def type_enum(self) -> LessonType:
        return LessonType(self.type)
