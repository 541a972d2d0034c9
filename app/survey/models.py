"""Questionnaires, their questions, slip codes and answers.

Anonymity is a property of the tables: an anonymous questionnaire's response row has no person,
no account, no code and no time; a slip code row says only whether it is spent. Nothing links
the two, so not even the database administrator can tell who answered what.
"""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.model_base import TimestampMixin, as_utc, utcnow
from app.core.scope import UnitScoped
from app.extensions import db
from app.catalog.models import Course
from app.org.models import Unit


class Audience(StrEnum):
    MEMBERS = "members"  # the party members of the unit's subtree
    VILLAGERS = "villagers"  # invited villagers (群众) of the unit, usually by slip
    SESSION = "session"  # anyone present at a group session (slips or the activity-room TV)

    @property
    def label(self):
        return {
            "members": _l("Party members of the unit"),
            "villagers": _l("Invited villagers of the unit"),
            "session": _l("Anyone at a group session"),
        }[self.value]


class QuestionnaireStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"

    @property
    def label(self):
        return {"draft": _l("Draft"), "open": _l("Published"), "closed": _l("Closed")}[self.value]


class QuestionKind(StrEnum):
    SINGLE = "single"
    MULTIPLE = "multiple"
    RATING = "rating"
    YES_NO = "yes_no"
    TEXT = "text"
    RANKING = "ranking"

    @property
    def label(self):
        return {
            "single": _l("Single choice"),
            "multiple": _l("Multiple choice"),
            "rating": _l("Rating from 1 to 5"),
            "yes_no": _l("Yes or no"),
            "text": _l("Short text"),
            "ranking": _l("Ranking"),
        }[self.value]

    @property
    def has_options(self) -> bool:
        return self.value in {"single", "multiple", "ranking"}


RATING_WORDS = (_l("Very unhappy"), _l("Unhappy"), _l("So-so"), _l("Happy"), _l("Very happy"))  # 1..5
RATING_FACES = ("😞", "😟", "😐", "😊", "😄")  # in the Noto emoji set Debian ships


class RespondentGroup(StrEnum):
    """Who answered, as a group only (members' and villagers' views are counted side by side)."""

    MEMBER = "member"
    VILLAGER = "villager"

    @property
    def label(self):
        return {"member": _l("Party members"), "villager": _l("Villagers")}[self.value]


class Channel(StrEnum):
    PHONE = "phone"  # with the person's own login
    SLIP = "slip"  # a one-time printed code
    TERMINAL = "terminal"  # at the activity-room TV


class Questionnaire(UnitScoped, TimestampMixin, db.Model):
    __tablename__ = "survey_questionnaire"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)  # the owner: its subtree answers
    title: Mapped[str] = mapped_column(String(200))
    intro: Mapped[str] = mapped_column(Text, default="")
    audience: Mapped[str] = mapped_column(String(16))
    is_anonymous: Mapped[bool] = mapped_column(Boolean, default=True)
    opens_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closes_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16), default=QuestionnaireStatus.DRAFT.value)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    # The year of a democratic appraisal (民主评议党员, app.survey.appraisal); None for others.
    appraisal_year: Mapped[int | None] = mapped_column(Integer)
    # A questionnaire sent with a course: the course's package carries it, and importing the
    # package elsewhere creates it there, matched by `package_key` (app.packages.services).
    course_id: Mapped[int | None] = mapped_column(ForeignKey("course.id", ondelete="SET NULL"), index=True)
    package_key: Mapped[str | None] = mapped_column(String(80))

    unit: Mapped[Unit] = relationship()
    course: Mapped[Course | None] = relationship()

    __table_args__ = (UniqueConstraint("course_id", "package_key"),)  # one key once per course
    questions: Mapped[list[SurveyQuestion]] = relationship(
        back_populates="questionnaire", cascade="all, delete-orphan", order_by="SurveyQuestion.position")

    @property
    def audience_enum(self) -> Audience:
        return Audience(self.audience)

    @property
    def status_enum(self) -> QuestionnaireStatus:
        return QuestionnaireStatus(self.status)

    def answering_state(self, now: datetime | None = None) -> str:
        """"open", "draft", "not_yet", "closed": may answers be taken now?"""
        now = now or utcnow()
        if self.status == QuestionnaireStatus.DRAFT:
            return "draft"
        if self.status == QuestionnaireStatus.CLOSED:
            return "closed"
        if self.opens_at is not None and now < as_utc(self.opens_at):
            return "not_yet"
        if self.closes_at is not None and now >= as_utc(self.closes_at):
            return "closed"
        return "open"


class SurveyQuestion(db.Model):
    __tablename__ = "survey_question"

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(
        ForeignKey("survey_questionnaire.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(16))
    prompt: Mapped[str] = mapped_column(String(300))
    options: Mapped[list] = mapped_column(JSON, default=list)  # choice/ranking wording, in order
    is_required: Mapped[bool] = mapped_column(Boolean, default=True)
    # The person this question rates (democratic appraisal rates each member on the same
    # questions); None for an ordinary questionnaire.
    subject_person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)

    questionnaire: Mapped[Questionnaire] = relationship(back_populates="questions")

    @property
    def kind_enum(self) -> QuestionKind:
        return QuestionKind(self.kind)


class SlipCode(db.Model):
    """A one-time code printed on a slip. Only its hash is kept, and whether it is spent:
    no time, no response."""

    __tablename__ = "survey_slip_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(
        ForeignKey("survey_questionnaire.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))  # the answers count for this unit
    respondent_group: Mapped[str] = mapped_column(String(16))
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    is_spent: Mapped[bool] = mapped_column(Boolean, default=False)


class SurveyResponse(db.Model):
    """One person's (or one slip's) set of answers. `person_id` only for named questionnaires."""

    __tablename__ = "survey_response"

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(
        ForeignKey("survey_questionnaire.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    respondent_group: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(16))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))

    answers: Mapped[list[SurveyAnswer]] = relationship(cascade="all, delete-orphan")

    __table_args__ = (
        UniqueConstraint("questionnaire_id", "person_id"),  # one answer per person (NULLs are many)
        Index("ix_survey_response_questionnaire_unit", "questionnaire_id", "unit_id"),
    )


class SurveyAnswer(db.Model):
    __tablename__ = "survey_answer"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("survey_response.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("survey_question.id", ondelete="CASCADE"), index=True)
    choices: Mapped[list | None] = mapped_column(JSON)  # option indexes: chosen ones, or the ranking's order
    rating: Mapped[int | None] = mapped_column(SmallInteger)  # 1-5; yes/no is 1/0
    text: Mapped[str | None] = mapped_column(Text)
