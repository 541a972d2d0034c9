"""Error pages and JSON errors with one stable shape, and the log of unexpected errors.

API errors look like {"error": {"status": 404, "code": "not_found", "message": "..."}}
whatever raised them; pages get the site's own 403/404/500 templates.

An unexpected exception is logged (the app's logger, "app") with its traceback, the request's
method and path, the account id and a request id; the 500 page and the JSON error show the same
request id, so what a user reads out on the phone finds the traceback in the log.
"""
from __future__ import annotations

import re
import secrets

from flask import Flask, current_app, g, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import BadRequest, HTTPException, InternalServerError
from flask_login import current_user

from app.extensions import db

# A request id from the front web server (nginx: proxy_set_header X-Request-ID $request_id) is
# used when it looks like one; otherwise one is made.
_FORWARDED_ID = re.compile(r"[A-Za-z0-9._-]{8,64}\Z")


class InvalidArgument(BadRequest):
    """A 400 whose description is the translated sentence the user sees (a bad page number)."""

    def __init__(self, message: str):
        super().__init__(description=message)


def request_id() -> str:
    """This request's id (made once per request)."""
    if "request_id" not in g:
        forwarded = request.headers.get("X-Request-ID", "")
        g.request_id = forwarded if _FORWARDED_ID.match(forwarded) else secrets.token_hex(6)
    return g.request_id


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_body(status: int, code: str, message: str, details=None) -> dict:
    body = {"status": status, "code": code, "message": message}
    if details:
        body["details"] = details
    return {"error": body}


def _code_name(exc: HTTPException) -> str:
    return (exc.name or "error").lower().replace(" ", "_").replace("'", "")


MESSAGES = {
    400: lambda: _("The request could not be understood."),
    401: lambda: _("Please log in first."),
    403: lambda: _("You do not have permission to do this."),
    404: lambda: _("The page or record was not found, or is outside your area."),
    405: lambda: _("This action is not allowed here."),
    413: lambda: _("The file is too large."),
    422: lambda: _("Some of the input is not valid."),
    429: lambda: _("Too many attempts. Please wait a minute and try again."),
    500: lambda: _("Something went wrong on the server. Please try again later."),
}


def handle_http_exception(exc: HTTPException):
    status = exc.code or 500
    if status >= 500:
        db.session.rollback()
    if isinstance(exc, InvalidArgument):
        message = exc.description
    else:
        message = MESSAGES.get(status, lambda: exc.description)()
    reference = request_id() if status >= 500 else None
    if wants_json():
        # Validation errors from the API layer carry field messages in exc.data.
        details = getattr(exc, "data", {}).get("messages") if hasattr(exc, "data") else None
        body = error_body(status, _code_name(exc), message, details)
        if reference:
            body["error"]["request_id"] = reference
        response = jsonify(body)
        response.status_code = status
    else:
        response = current_app.make_response((render_template(
            "errors/error.html", status=status, message=message, request_id=reference), status))
    if status == 401:
        # Only a bearer token is ever answered 401 (pages send browsers to the login page).
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def handle_csrf_error(exc: CSRFError):
    message = _("The form has expired or was not sent from this site. Please reload the page and try again.")
    if wants_json():
        return jsonify(error_body(400, "csrf_failed", message)), 400
    return render_template("errors/error.html", status=400, message=message), 400


def handle_unexpected(exc: Exception):
    db.session.rollback()
    log_unexpected(exc)
    return handle_http_exception(InternalServerError(original_exception=exc))


def log_unexpected(exc: BaseException) -> None:
    """The traceback, with what finds it again: the request id the user was shown."""
    try:
        account = current_user.get_id() if current_user and current_user.is_authenticated else None
    except Exception:  # noqa: BLE001 - the account may be what broke; the traceback matters more
        account = "?"
    current_app.logger.error("Unexpected error, request %s: %s %s (account %s)", request_id(), request.method,
                             request.full_path, account, exc_info=exc)


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    if not app.debug and not app.testing:
        app.register_error_handler(Exception, handle_unexpected)
