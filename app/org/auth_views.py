"""Log in, log out, first-time activation, password change and PIN."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy.orm import joinedload

from app.core.security import safe_next_url
from app.extensions import limiter, login_manager
from app.org import services
from app.org.forms import ActivateForm, LoginForm, PasswordChangeForm, PinForm
from app.extensions import db
from app.org.models import Account




@login_manager.user_loader
def load_account(session_id: str):
    """The account of a session cookie or remember-me cookie: "id:session_version:login_moment".

    A bumped session version (logout, new password or PIN, account disabled) ends every cookie
    issued before; a login older than REMEMBER_COOKIE_DURATION ends too, whatever the cookie
    says about its own expiry.
    """
    parts = session_id.split(":")
    if len(parts) != 3 or not all(part.isdigit() for part in parts):
        return None
    account_id, version, logged_in_at = (int(part) for part in parts)
    age = datetime.now(timezone.utc).timestamp() - logged_in_at
    if not 0 <= age <= current_app.config["REMEMBER_COOKIE_DURATION"].total_seconds():
        return None
    # With its scope unit in the same statement: nearly every request asks for it (scope,
    # the courses a learner sees), and loading it apart cost a second round trip each time.
    account = db.session.get(Account, account_id, options=(joinedload(Account.scope_unit),))
    if account is None or account.session_version != version:
        return None
    return account


login_manager.login_view = "auth.login"
login_manager.login_message = None  # the login page explains itself


def start_session(account, *, remember: bool = False) -> None:
    """Log this browser in: the session id carries the account's session version and the login
    moment, and so does the remember-me cookie made from it."""
    login_user(account, remember=remember, duration=current_app.config["REMEMBER_COOKIE_DURATION"])
    session["_user_id"] = f"{account.get_id()}:{int(datetime.now(timezone.utc).timestamp())}"


def _keep_this_session(account) -> None:
    """After the account's own new password or PIN: the other sessions end, this one goes on."""
    remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
    start_session(account, remember=remembered)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _identifier_key() -> str:
    return f"{request.remote_addr}|{request.form.get('identifier', '').strip().lower()}"


@limiter.limit(_login_limit, methods=["POST"], key_func=_identifier_key)
@limiter.limit("60 per minute", methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        result = services.authenticate(form.identifier.data, form.password.data)
        if result.account is not None:
            start_session(result.account, remember=form.remember.data)
            return redirect(safe_next_url(request.args.get("next")))
        if result.locked_until is not None:
            flash(services.password_locked_message(result.locked_until), "error")
        else:
            flash(_("Wrong username, phone or password."), "error")
    return render_template("org/login.html", form=form)


def logout():
    if current_user.is_authenticated:
        # Ends this cookie, a copy of it and the remember-me cookie, on every device.
        services.end_sessions(current_user)
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@limiter.limit(_login_limit, methods=["POST"], key_func=_identifier_key)
@limiter.limit("60 per minute", methods=["POST"])
def activate():
    form = ActivateForm()
    if form.validate_on_submit():
        account = services.find_account_for_login(form.identifier.data)
        try:
            if account is None:
                raise services.OrgError(
                    _("The activation code is wrong or has expired. Ask your branch secretary for a new slip.")
                )
            services.activate_account(account, form.code.data, form.password.data, form.pin.data or None)
        except services.OrgError as error:
            flash(str(error), "error")
        else:
            start_session(account)
            flash(_("Your account is ready. Welcome!"), "success")
            return redirect(url_for("home.index"))
    return render_template("org/activate.html", form=form)


@login_required
def password():
    account = current_user._get_current_object()  # login_user must not get the proxy
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            services.change_own_password(account, form.current_password.data, form.new_password.data)
        except services.OrgError as error:
            flash(str(error), "error")
        else:
            _keep_this_session(account)
            flash(_("Your password is changed. You are logged out on every other device."), "success")
            return redirect(url_for("home.index"))
    return render_template("org/password.html", form=form)


@login_required
def pin():
    account = current_user._get_current_object()  # login_user must not get the proxy
    form = PinForm()
    if form.validate_on_submit():
        services.set_pin(account, form.pin.data)
        _keep_this_session(account)
        flash(_("Your PIN is saved."), "success")
        return redirect(url_for("home.index"))
    return render_template("org/pin.html", form=form)
