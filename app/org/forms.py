from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp


# A phone shows its number pad for a PIN (older members find the letter keyboard hard);
# "off": the browser must not offer a saved PIN to the next person on a shared phone.
PIN_INPUT = {"inputmode": "numeric", "pattern": "[0-9]*", "maxlength": 6, "autocomplete": "off"}


class LoginForm(FlaskForm):
    identifier = StringField(_l("Username or phone"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("Stay logged in on this device"))
    submit = SubmitField(_l("Log in"))


class ActivateForm(FlaskForm):
    identifier = StringField(_l("Phone number or login name on your slip"),
                             validators=[DataRequired(), Length(max=64)])
    code = StringField(_l("Activation code"), validators=[DataRequired(), Length(max=20)])
    password = PasswordField(_l("New password (at least 8 characters, not a common one)"),
                             validators=[DataRequired()])
    pin = StringField(_l("PIN for roll call (4-6 digits, optional)"),
                      validators=[Optional(), Regexp(r"^\d{4,6}$", message=_l("The PIN must be 4 to 6 digits."))],
                      render_kw=PIN_INPUT)
    submit = SubmitField(_l("Activate"))


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=200)])
    new_password = PasswordField(_l("New password (at least 8 characters, not a common one)"),
                                 validators=[DataRequired()])
    new_password_again = PasswordField(_l("New password again"), validators=[
        DataRequired(), EqualTo("new_password", message=_l("The two new passwords are not the same."))])
    submit = SubmitField(_l("Change password"))


class PinForm(FlaskForm):
    pin = PasswordField(_l("New PIN (4-6 digits)"),
                        validators=[DataRequired(), Regexp(r"^\d{4,6}$", message=_l("The PIN must be 4 to 6 digits."))],
                        render_kw=PIN_INPUT)
    submit = SubmitField(_l("Save PIN"))


class UnitForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    submit = SubmitField(_l("Add unit"))


class SiteForm(FlaskForm):
    unit_id = SelectField(_l("Village branch"), coerce=int, validators=[DataRequired()])
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=200)])
    submit = SubmitField(_l("Add activity room"))


class RosterUploadForm(FlaskForm):
    file = FileField(_l("Roster file (.xlsx, .xls or .csv)"), validators=[FileRequired()])
    submit = SubmitField(_l("Check the file"))


class ConfirmForm(FlaskForm):
    """A bare form for POST-only actions: it carries the CSRF token."""

    submit = SubmitField(_l("Confirm"))


class AccountCreateForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64),
                           Regexp(r"^[A-Za-z0-9_.@-]+$", message=_l("Use letters, digits and . _ - @ only."))])
    display_name = StringField(_l("Display name"), validators=[Optional(), Length(max=50)])
    role = SelectField(_l("Role"), validators=[DataRequired()])
    unit_id = SelectField(_l("Unit"), coerce=int, validators=[Optional()])
    site_id = SelectField(_l("Activity room (terminal accounts only)"), coerce=int, validators=[Optional()])
    password = PasswordField(_l("Password (at least 8 characters, not a common one)"), validators=[DataRequired()])
    submit = SubmitField(_l("Create account"))


class AccountEditForm(FlaskForm):
    display_name = StringField(_l("Display name"), validators=[Optional(), Length(max=50)])
    is_enabled = BooleanField(_l("Account may log in"))
    new_password = PasswordField(_l("New password (leave empty to keep)"), validators=[Optional()])
    new_pin = PasswordField(_l("New PIN for roll call (leave empty to keep)"), validators=[
        Optional(), Regexp(r"^\d{4,6}$", message=_l("The PIN must be 4 to 6 digits."))])
    submit = SubmitField(_l("Save"))


class PostForm(FlaskForm):
    """The post a member without office took on (设岗定责)."""
    post = SelectField(_l("Post"), validators=[Optional()])
