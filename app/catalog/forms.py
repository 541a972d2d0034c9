from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget


class CheckboxListField(SelectMultipleField):
    """A multiple choice shown as checkboxes (works without JavaScript, unlike a multi-select)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class TagsField(StringField):
    """Tags typed as one line: "马铃薯,晚疫病"; ASCII or Chinese commas (，、) or semicolons split; spaces around a tag are dropped.

    Shows a list as "马铃薯,晚疫病" again, so saving the form unchanged keeps the tags.
    """

    SEPARATORS = re.compile(r"[,，、;；]")

    def _value(self) -> str:
        if isinstance(self.data, (list, tuple)):
            return ",".join(self.data)
        return self.data or ""

    def process_formdata(self, valuelist) -> None:
        text = valuelist[0] if valuelist else ""
        self.data = [tag.strip() for tag in self.SEPARATORS.split(text or "") if tag.strip()]


class CourseForm(FlaskForm):
    title = StringField(_l("Course title"), validators=[DataRequired(), Length(max=120)])
    category_id = SelectField(_l("Course category"), coerce=int)
    summary = TextAreaField(_l("Summary"), validators=[Optional(), Length(max=4000)])
    credit_hours = StringField(_l("Credit hours"), default="1", validators=[DataRequired(), Length(max=10)])
    tags = TagsField(_l("Tags (separated by commas)"), validators=[Optional()])
    audience_categories = CheckboxListField(_l("Meant for (person categories)"))
    audience_cadre_roles = CheckboxListField(_l("Meant for (cadre roles)"))
    submit = SubmitField(_l("Save course"))


class NewCourseForm(CourseForm):
    owner_unit_id = SelectField(_l("Owned by (who may edit it)"), coerce=int)
    slug = StringField(_l("Short name for links (optional: lowercase letters, digits and -)"),
                       validators=[Optional(), Length(max=80),
                                   Regexp(r"^[a-z0-9-]*$", message=_l("Only lowercase letters, digits and -."))])
    submit = SubmitField(_l("Create course"))


class TextLessonForm(FlaskForm):
    title = StringField(id="text-title", label=_l("Lesson title"), validators=[DataRequired(), Length(max=120)])
    body = TextAreaField(id="text-body", label=_l("Text (Markdown)"), validators=[Optional(), Length(max=100_000)])
    submit = SubmitField(_l("Add text lesson"))


class MediaLessonForm(FlaskForm):
    title = StringField(id="media-title", label=_l("Lesson title"), validators=[DataRequired(), Length(max=120)])
    media_id = SelectField(_l("Ready video, audio or PDF"), coerce=int)
    submit = SubmitField(_l("Add media lesson"))


class QuizLessonForm(FlaskForm):
    title = StringField(id="quiz-title", label=_l("Quiz title"), validators=[DataRequired(), Length(max=120)])
    submit = SubmitField(_l("Add quiz lesson"))


class LessonEditForm(FlaskForm):
    title = StringField(_l("Lesson title"), validators=[DataRequired(), Length(max=120)])
    body = TextAreaField(_l("Text (Markdown)"), validators=[Optional(), Length(max=100_000)])
    submit = SubmitField(_l("Save lesson"))


class PublishForm(FlaskForm):
    unit_ids = CheckboxListField(id="publish-units", label=_l("Publish to (a unit includes every unit below it)"), coerce=int)
    submit = SubmitField(_l("Publish"))


class ConfirmForm(FlaskForm):
    """Only the CSRF token: move, remove, withdraw and archive buttons."""

    submit = SubmitField(_l("Confirm"))


class CategoryForm(FlaskForm):
    code = StringField(_l("Code (letters, digits or _)"),
                       validators=[DataRequired(), Length(min=2, max=40), Regexp(r"^[A-Za-z0-9_]+$")])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=50)])
    submit = SubmitField(_l("Add category"))
