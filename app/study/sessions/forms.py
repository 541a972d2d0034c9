"""Forms for scheduling sessions, leave, PIN sign-in and sheet marks."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, PasswordField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

# datetime-local on current browsers; old ones show a text box where "2024-12-01 19:30" works too.
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


class SessionForm(FlaskForm):
    site_id = SelectField(_l("Activity room"), coerce=int, validators=[DataRequired()])
    title = StringField(_l("Title (default: the course title)"), validators=[Length(max=120)])
    starts_at = DateTimeLocalField(_l("Start"), format=DATETIME_FORMATS, validators=[DataRequired()])
    planned_end_at = DateTimeLocalField(_l("Planned end"), format=DATETIME_FORMATS, validators=[DataRequired()])
    course_id = SelectField(_l("Course"), coerce=int, validators=[DataRequired()])
    late_entry_reason = TextAreaField(_l("Entering a session that already took place? Say why"),
                                      validators=[Length(max=500)])
    submit = SubmitField(_l("Schedule session"))


class LeaveForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=500)])
    submit = SubmitField(_l("Request leave"))


class LeaveForMemberForm(LeaveForm):
    person_id = SelectField(_l("Member"), coerce=int, validators=[DataRequired()])


class PinSignInForm(FlaskForm):
    pin = PasswordField(_l("Your PIN"), validators=[DataRequired(), Length(max=6)])
    submit = SubmitField(_l("Sign in"))


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""
