"""Log in, log out, first-time activation and PIN."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from app.extensions import limiter, login_manager
from app.org import services
from app.org.forms import ActivateForm, LoginForm, PinForm


@login_manager.user_loader
def load_account(session_id: str):
    from app.extensions import db
    from app.org.models import Account

    account_id, _sep, version = session_id.partition(":")
    if not account_id.isdigit():
        return None
    account = db.session.get(Account, int(account_id))
    if account is None or str(account.session_version) != version:
        return None
    return account


login_manager.login_view = "auth.login"
login_manager.login_message = None  # the login page explains itself


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _identifier_key() -> str:
    return f"{request.remote_addr}|{request.form.get('identifier', '').strip().lower()}"


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths: an open redirect would help phishing."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("core.home")


@limiter.limit(_login_limit, methods=["POST"], key_func=_identifier_key)
@limiter.limit("60 per minute", methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = LoginForm()
    if form.validate_on_submit():
        account = services.authenticate(form.identifier.data, form.password.data)
        if account is not None:
            login_user(account, remember=form.remember.data)
            return redirect(_safe_next(request.args.get("next")))
        flash(_("Wrong username, phone or password."), "error")
    return render_template("org/login.html", form=form)


def logout():
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
            login_user(account)
            flash(_("Your account is ready. Welcome!"), "success")
            return redirect(url_for("core.home"))
    return render_template("org/activate.html", form=form)


@login_required
def pin():
    form = PinForm()
    if form.validate_on_submit():
        services.set_pin(current_user, form.pin.data)
        flash(_("Your PIN is saved."), "success")
        return redirect(url_for("core.home"))
    return render_template("org/pin.html", form=form)
