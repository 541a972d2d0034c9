"""Forms of plans, appraisals, stages and corrections."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice
from wtforms import DateField, DecimalField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional

from app.records.models import AppraisalGrade, DevelopmentStage


class PlanForm(FlaskForm):
    member_hours = DecimalField(_l("Hours for party members"), places=1,
                                validators=[InputRequired(), NumberRange(min=0, max=1000)])
    cadre_hours = DecimalField(_l("Hours for branch secretaries and committee members"), places=1,
                               validators=[InputRequired(), NumberRange(min=0, max=1000)])
    other_hours = DecimalField(_l("Hours for others (activists, villagers)"), places=1, default=0,
                               validators=[InputRequired(), NumberRange(min=0, max=1000)])
    deadline = DateField(_l("Deadline"), validators=[Optional()])
    course_ids = SelectMultipleField(_l("Required courses"), coerce=int, validators=[Optional()])


class AppraisalForm(FlaskForm):
    year = SelectField(_l("Year"), coerce=int)
    grade = SelectField(_l("Year-end appraisal"), choices=[SelectChoice("", "—")] + [SelectChoice(g.value, g.label) for g in AppraisalGrade],
                        validators=[Optional()])
    review = StringField(_l("Democratic review outcome"), validators=[Optional()])
    note = TextAreaField(_l("Note"), validators=[Optional()])


class StageForm(FlaskForm):
    stage = SelectField(_l("Development stage"), choices=[SelectChoice(s.value, s.label) for s in DevelopmentStage],
                        validators=[DataRequired()])
    note = TextAreaField(_l("Note"), validators=[Optional()])


class CorrectionForm(FlaskForm):
    hours = DecimalField(_l("Correct hours"), places=2, validators=[Optional(), NumberRange(min=0, max=1000)])
    status = SelectField(_l("Correct status"), validators=[Optional()])
    reason = StringField(_l("Reason"), validators=[DataRequired()])


class AppraisalResultForm(FlaskForm):
    """The branch committee's grade for one member after the democratic appraisal."""
    grade = SelectField(_l("Grade decided by the branch committee"),
                        choices=[SelectChoice(g.value, g.label) for g in AppraisalGrade], validators=[DataRequired()])
    note = TextAreaField(_l("Note"), validators=[Optional()])
