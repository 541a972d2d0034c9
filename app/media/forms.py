"""Media forms: the plain upload that works with JavaScript off."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SubmitField


class PlainUploadForm(FlaskForm):
    file = FileField(_l("Video, audio or PDF file"), validators=[FileRequired()])
    course_id = HiddenField()
    submit = SubmitField(_l("Upload"))
