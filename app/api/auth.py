"""Bearer-token authentication for the API. The API never authenticates by cookie.

Outside the API, only the views marked by app.core.permissions.login_or_token_required (the
media bytes the API lists) accept the same token, through Flask-Login's request loader.
"""
from __future__ import annotations

from functools import wraps

from flask import Request, abort, current_app, g, request

from app.api.services import authenticate_bearer
from app.core.permissions import can
from app.org.models import Account


def token_required(capability: str | None = None):
    """View decorator: 401 without a valid bearer token, then 403 without `capability`.

    The authenticated account is available to the view as `api_account()`.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            account = authenticate_bearer(request.headers.get("Authorization"))
            if account is None:
                abort(401)
            if capability is not None and not can(account, capability):
                abort(403)
            g.api_account = account
            return view(*args, **kwargs)

        return wrapped

    return decorator


def api_account() -> Account:
    """The account of the request's bearer token (only inside a token_required view)."""
    return g.api_account


def load_account_from_token(incoming: Request) -> Account | None:
    """Flask-Login's request loader: the bearer token's account, for a view that accepts one.

    Called only when the request has no session; the session, when there is one, wins.
    """
    view = current_app.view_functions.get(incoming.endpoint)
    if not getattr(view, "accepts_bearer_token", False):
        return None
    return authenticate_bearer(incoming.headers.get("Authorization"))
