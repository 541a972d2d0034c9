"""Forms of the questionnaire builder, slips and answering; `parse_answers` reads an answer form."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.core.localtime import local_day, local_moment
from app.survey.models import Audience, QuestionKind, Questionnaire, RespondentGroup


class QuestionnaireForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    intro = TextAreaField(_l("A few words to the people answering"), validators=[Optional(), Length(max=2000)])
    audience = SelectField(_l("Who answers"), choices=[SelectChoice(a.value, a.label) for a in Audience])
    is_anonymous = BooleanField(_l("Anonymous: answered with printed slips, nobody's name is kept"), default=True)
    opens_on = DateField(_l("Opens on"), validators=[Optional()])
    closes_on = DateField(_l("Closes after"), validators=[Optional()])
    # 0: not sent with a course; the choices are the courses the organiser manages (set by the view).
    # Exporting that course's package carries the questionnaire; importing the package elsewhere
    # creates it there as a draft.
    course_id = SelectField(_l("Send with a course package"), coerce=int, default=0)

    def set_courses(self, courses) -> None:
        self.course_id.choices = [SelectChoice(0, _l("No course"))] + [
            SelectChoice(course.id, course.title) for course in courses]

    def chosen_course(self, courses):
        return next((course for course in courses if course.id == self.course_id.data), None)

    def fill_from(self, questionnaire: Questionnaire) -> None:
        self.course_id.data = questionnaire.course_id or 0
        self.title.data, self.intro.data = questionnaire.title, questionnaire.intro
        self.audience.data, self.is_anonymous.data = questionnaire.audience, questionnaire.is_anonymous
        self.opens_on.data = local_day(questionnaire.opens_at) if questionnaire.opens_at else None
        self.closes_on.data = (local_day(questionnaire.closes_at) - timedelta(days=1)) if questionnaire.closes_at else None

    def values(self) -> dict:
        return {"title": self.title.data, "intro": self.intro.data or "", "audience": Audience(self.audience.data),
                "is_anonymous": bool(self.is_anonymous.data), "opens_at": _start(self.opens_on.data),
                "closes_at": _start(self.closes_on.data + timedelta(days=1)) if self.closes_on.data else None}


def _start(day: date | None) -> datetime | None:
    return local_moment(day, time.min) if day else None


class QuestionForm(FlaskForm):
    kind = SelectField(_l("Kind of question"), choices=[SelectChoice(k.value, k.label) for k in QuestionKind])
    prompt = StringField(_l("Question"), validators=[DataRequired(), Length(max=300)])
    options = TextAreaField(_l("Options, one per line (choices and ranking only)"), validators=[Optional()])
    is_required = BooleanField(_l("An answer is required"), default=True)


class SlipForm(FlaskForm):
    unit_id = SelectField(_l("The answers count for"), coerce=int)
    group = SelectField(_l("Handed to"), choices=[SelectChoice(g.value, g.label) for g in RespondentGroup],
                        default=RespondentGroup.VILLAGER.value)
    count = IntegerField(_l("Number of slips"), default=20, validators=[InputRequired(), NumberRange(min=1, max=500)])


class CodeForm(FlaskForm):
    code = StringField(_l("The code on your slip"), validators=[DataRequired(), Length(max=20)])


class ConfirmForm(FlaskForm):
    """A bare form: a POST button with its CSRF token."""


def parse_answers(questionnaire: Questionnaire, form: MultiDict) -> dict[int, object]:
    """The answer form's fields as the values services.validate_answers takes. Unreadable input
    becomes a value the validation refuses (with the question's number), never an exception."""
    raw: dict[int, object] = {}
    for question in questionnaire.questions:
        name = f"q{question.id}"
        kind = question.kind_enum
        if kind == QuestionKind.MULTIPLE:
            raw[question.id] = [_int(value) for value in form.getlist(name)]
        elif kind == QuestionKind.RANKING:
            places = [(_int(form.get(f"{name}_{index}")), index) for index in range(len(question.options))]
            if all(place is None for place, _index in places):
                raw[question.id] = []
            elif any(place is None for place, _index in places) or len({p for p, _i in places}) != len(places):
                raw[question.id] = ["?"]
            else:
                raw[question.id] = [index for _place, index in sorted(places)]
        elif kind == QuestionKind.YES_NO:
            value = form.get(name)
            raw[question.id] = {"yes": True, "no": False}.get(value, "?") if value else None
        elif kind == QuestionKind.TEXT:
            raw[question.id] = form.get(name, "")
        else:
            value = form.get(name)
            raw[question.id] = (_int(value) if _int(value) is not None else "?") if value else None
    return raw


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class AppraisalNewForm(FlaskForm):
    """A branch's democratic appraisal for a year (the questions are generated)."""
    unit_id = SelectField(_l("Branch"), coerce=int)
    year = IntegerField(_l("Year"), validators=[InputRequired(), NumberRange(min=2000, max=2100)])
