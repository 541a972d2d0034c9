"""Request body limits per endpoint, applied before anything reads the body.

The app-wide MAX_CONTENT_LENGTH (LMS_MAX_FORM_BYTES, 20 MB) suits ordinary forms. Endpoints that
take files declare their own limit with @body_limit; apply_body_limit runs as the first
before_request hook, ahead of CSRFProtect, whose check parses the form: a limit raised inside the
view comes too late, and a 150 MB video posted without JavaScript would answer 413.
"""
from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app, request

LIMIT_ATTRIBUTE = "body_limit"


def body_limit(limit: str | int | Callable[[], int]):
    """Mark a view: its body may be as large as the config key's value (or the number, or what
    the callable returns). Put it outermost (above the access decorators) or anywhere below a
    decorator that copies the function's attributes (functools.wraps does)."""
    def mark(view):
        setattr(view, LIMIT_ATTRIBUTE, limit)
        return view
    return mark


def limit_for(view) -> int | None:
    limit = getattr(view, LIMIT_ATTRIBUTE, None)
    if limit is None:
        return None
    if isinstance(limit, str):
        return int(current_app.config[limit])
    return int(limit() if callable(limit) else limit)


def apply_body_limit() -> None:
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    limit = limit_for(view) if view is not None else None
    if limit is not None:
        request.max_content_length = limit


def init_body_limits(app: Flask) -> None:
    """Call before CSRFProtect.init_app: before_request hooks run in the order they were added."""
    app.before_request(apply_body_limit)
