"""Error pages and JSON errors with one stable shape.

API errors look like {"error": {"status": 404, "code": "not_found", "message": "..."}}
whatever raised them; pages get the site's own 403/404/500 templates.
"""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from app.extensions import db


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
    message = MESSAGES.get(status, lambda: exc.description)()
    if wants_json():
        # Validation errors from the API layer carry field messages in exc.data.
        details = getattr(exc, "data", {}).get("messages") if hasattr(exc, "data") else None
        response = jsonify(error_body(status, _code_name(exc), message, details))
        response.status_code = status
        if status == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
        return response
    return render_template("errors/error.html", status=status, message=message), status


def handle_csrf_error(exc: CSRFError):
    message = _("The form has expired or was not sent from this site. Please reload the page and try again.")
    if wants_json():
        return jsonify(error_body(400, "csrf_failed", message)), 400
    return render_template("errors/error.html", status=400, message=message), 400


def handle_unexpected(exc: Exception):
    db.session.rollback()
    return handle_http_exception(InternalServerError(original_exception=exc))


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    if not app.debug and not app.testing:
        app.register_error_handler(Exception, handle_unexpected)
