"""Role checks for views. Scope (which objects) lives in app.core.scope."""
from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from app.org.choices import Role

# Who may do what, by capability rather than by role name scattered in views.
CAPABILITIES: dict[str, frozenset[Role]] = {
    "view_people": frozenset({Role.ORGANISER, Role.ADMIN, Role.TRAINER}),
    "manage_people": frozenset({Role.ORGANISER, Role.ADMIN}),
    "manage_units": frozenset({Role.ORGANISER, Role.ADMIN}),
    "manage_accounts": frozenset({Role.ORGANISER, Role.ADMIN}),
    "manage_courses": frozenset({Role.TRAINER, Role.ORGANISER, Role.ADMIN}),
    "manage_categories": frozenset({Role.ADMIN}),
    "manage_question_banks": frozenset({Role.TRAINER, Role.ORGANISER, Role.ADMIN}),
    "manage_quizzes": frozenset({Role.TRAINER, Role.ORGANISER, Role.ADMIN}),
    "view_quiz_results": frozenset({Role.TRAINER, Role.ORGANISER, Role.ADMIN}),
    "upload_media": frozenset({Role.TRAINER, Role.ORGANISER, Role.ADMIN}),
    "view_records": frozenset({Role.ORGANISER, Role.ADMIN}),
    "manage_records": frozenset({Role.ORGANISER, Role.ADMIN}),
}


def can(account, capability: str) -> bool:
    if account is None or not account.is_authenticated:
        return False
    return account.role_enum in CAPABILITIES[capability]


def require(capability: str):
    """View decorator: log in first, then 403 unless the role has the capability."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not can(current_user, capability):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
