from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField, DecimalField, HiddenField, IntegerField, PasswordField, SelectField, StringField, SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from app.quiz.models import ScorePolicy


class PercentField(DecimalField):
    """A percentage shown as people write it: 60 or 62.5, never 60.0."""

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        return f"{float(self.data):g}"


class BankForm(FlaskForm):
    name = StringField(_l("Bank name"), validators=[DataRequired(), Length(max=100)])
    unit = SelectField(_l("Owned by"), coerce=int)
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Create bank"))


class ImportUploadForm(FlaskForm):
    file = FileField(_l("Question file (Excel, CSV, GIFT or Moodle XML)"), validators=[FileRequired()])
    submit = SubmitField(_l("Check the file"))


class ConfirmForm(FlaskForm):
    upload = HiddenField()
    submit = SubmitField(_l("Import"))


class QuestionEditForm(FlaskForm):
    text = TextAreaField(_l("Question"), validators=[Optional(), Length(max=100_000)])
    answers = TextAreaField(_l("Answers (GIFT syntax)"), validators=[Optional(), Length(max=100_000)])
    explanation = TextAreaField(_l("Explanation shown after submission"), validators=[Optional(), Length(max=20_000)])
    points = DecimalField(_l("Points"), places=None, validators=[InputRequired(), NumberRange(min=0, max=1000)])
    category = StringField(_l("Category (a/b for a sub-category)"), validators=[Optional(), Length(max=255)])
    tags = StringField(_l("Tags (separated by commas)"), validators=[Optional(), Length(max=400)])
    submit = SubmitField(_l("Save question"))


class QuizSettingsForm(FlaskForm):
    title = StringField(_l("Quiz title"), validators=[DataRequired(), Length(max=120)])
    pass_mark = PercentField(_l("Pass mark (percent)"), places=None, default=60,
                             validators=[InputRequired(), NumberRange(min=0, max=100)])
    max_attempts = IntegerField(_l("Attempt limit (empty: unlimited)"),
                                validators=[Optional(), NumberRange(min=1, max=100)])
    time_limit_minutes = IntegerField(_l("Time limit in minutes (empty: none)"),
                                      validators=[Optional(), NumberRange(min=1, max=600)])
    shuffle_questions = BooleanField(_l("Shuffle the questions"))
    shuffle_options = BooleanField(_l("Shuffle the options of choice questions"))
    score_policy = SelectField(_l("Which attempt counts"), choices=[
        SelectChoice(policy.value, policy.label) for policy in ScorePolicy])
    show_explanations = BooleanField(_l("Show answers and explanations after submission"), default=True)
    submit = SubmitField(_l("Save quiz settings"))


class AddQuestionForm(FlaskForm):
    question = IntegerField(_l("Question number"), validators=[DataRequired()])
    submit = SubmitField(_l("Add question"))


class AddDrawForm(FlaskForm):
    source = SelectField(_l("Draw from"), validators=[DataRequired()])
    count = IntegerField(_l("Number of questions"), default=10, validators=[DataRequired(), NumberRange(min=1, max=200)])
    submit = SubmitField(_l("Add random draw"))


class StartForm(FlaskForm):
    submit = SubmitField(_l("Start the quiz"))


class TerminalStartForm(FlaskForm):
    person = SelectField(_l("Who takes the quiz"), coerce=int, validators=[DataRequired()])
    pin = PasswordField(_l("PIN"), validators=[DataRequired(), Regexp(r"^\d{4,6}$", message=_l("The PIN must be 4 to 6 digits."))])
    submit = SubmitField(_l("Start the quiz"))


class EssayGradeForm(FlaskForm):
    score = DecimalField(_l("Score"), places=None, validators=[InputRequired(), NumberRange(min=0)])
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Save grade"))
