"""A learner's rating of a course: two questions on a 1-5 face scale and one optional sentence.

One row per person and course, edited in place (the learner may change their mind); it names
the course version that was rated. Written only by app.study.ratings.services.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.model_base import utcnow
from app.extensions import db
from app.org.models import Person

SCALE = (1, 2, 3, 4, 5)


class CourseRating(db.Model):
    __tablename__ = "course_rating"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    course_version: Mapped[int] = mapped_column(Integer, default=1)
    useful: Mapped[int] = mapped_column(Integer)  # 有用吗？ 1 (no use) .. 5 (very useful)
    clear: Mapped[int] = mapped_column(Integer)  # 听得懂吗？ 1 (could not follow) .. 5 (understood all)
    comment: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    person: Mapped[Person] = relationship()
    course = relationship("Course")

    __table_args__ = (
        UniqueConstraint("person_id", "course_id", name="uq_course_rating_person_id_course_id"),
        CheckConstraint("useful BETWEEN 1 AND 5", name="useful"),
        CheckConstraint("clear BETWEEN 1 AND 5", name="clear"),
    )

    @classmethod
    def scope_condition(cls, unit_ids):
        """Ratings are scoped by the rater's unit (as quiz attempts are)."""
        return cls.person_id.in_(select(Person.id).where(Person.unit_id.in_(unit_ids)))

    @property
    def overall(self) -> float:
        return (self.useful + self.clear) / 2
