"""Writing a course rating: who may rate (a person who finished the course, on their own
account, never the shared TV) and what a rating holds. One rating per person and course;
saving again edits it. Services flush; the request commits."""
from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from app.catalog.models import Course
from app.core.model_base import utcnow
from app.core.permissions import can
from app.extensions import db
from app.study.credit import has_completed_course, lock_people
from app.study.ratings.models import SCALE, CourseRating

COMMENT_MAX = 140


class RatingRefused(ValueError):
    """Bad input or not allowed: the message is for the learner; nothing was saved."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def may_rate(account, course: Course) -> bool:
    """A learner with a person of their own who has completed some version of the course."""
    return (account is not None and account.is_authenticated and account.person_id is not None
            and can(account, "rate_courses") and has_completed_course(account.person_id, course.id))


def rating_of(person_id: int | None, course_id: int) -> CourseRating | None:
    if person_id is None:
        return None
    return db.session.scalar(select(CourseRating).where(CourseRating.person_id == person_id,
                                                        CourseRating.course_id == course_id))


def _score(value, question: str) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        number = None
    if number not in SCALE:
        raise RatingRefused(_("Please choose one face for “%(question)s”.", question=question))
    return number


def clean_comment(text) -> str:
    """One sentence: surrounding blanks and line breaks removed; at most COMMENT_MAX characters."""
    if text is None:
        return ""
    if not isinstance(text, str):
        raise RatingRefused(_("The sentence must be text."))
    comment = " ".join(text.split())
    if len(comment) > COMMENT_MAX:
        raise RatingRefused(_("Please keep the sentence to %(n)d characters or fewer.", n=COMMENT_MAX))
    return comment


def save_rating(account, course: Course, *, useful, clear, comment=None, at: datetime | None = None) -> CourseRating:
    """Create or edit the account's rating of the course; RatingRefused changes nothing."""
    if not may_rate(account, course):
        raise RatingRefused(_("You can rate a course once you have finished it."), status=403)
    useful_score = _score(useful, _("Was it useful?"))
    clear_score = _score(clear, _("Could you follow it?"))
    text = clean_comment(comment)
    at = at or utcnow()
    lock_people([account.person_id])  # two saves at once make one row, not a unique-key error
    rating = rating_of(account.person_id, course.id)
    if rating is None:
        rating = CourseRating(person_id=account.person_id, course_id=course.id, created_at=at)
        db.session.add(rating)
    rating.course_version = course.version
    rating.useful, rating.clear, rating.comment = useful_score, clear_score, text
    rating.updated_at = at
    db.session.flush()
    return rating
