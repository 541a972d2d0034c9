"""Roles and what each may do (capabilities). Scope (which objects) lives in app.core.scope."""
from __future__ import annotations

from enum import StrEnum
from functools import wraps

from flask import abort, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required


class Role(StrEnum):
    MEMBER = "member"
    TRAINER = "trainer"
    ORGANISER = "organiser"
    ADMIN = "admin"
    TERMINAL = "terminal"

    @property
    def label(self):
        return {
            "member": _l("Member"),
            "trainer": _l("Trainer"),
            "organiser": _l("Organiser"),
            "admin": _l("Administrator"),
            "terminal": _l("Activity-room terminal"),
        }[self.value]


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
    # The outbound feed's state; county-wide, so organisers only at the top of the tree (records).
    "see_feed": frozenset({Role.ORGANISER, Role.ADMIN}),
    "see_full_id_number": frozenset({Role.ADMIN}),
    # Questionnaires: build, publish, print slips (within scope); read results (min group applied).
    "manage_questionnaires": frozenset({Role.ORGANISER, Role.ADMIN}),
    "view_questionnaire_results": frozenset({Role.ORGANISER, Role.ADMIN}),
    "manage_sessions": frozenset({Role.ORGANISER, Role.ADMIN}),
    "run_roll_call": frozenset({Role.ORGANISER, Role.ADMIN, Role.TERMINAL}),
    # Report progress (or read it) naming people other than oneself, within one's scope or site.
    "report_for_others": frozenset({Role.TERMINAL, Role.ORGANISER, Role.ADMIN}),
    # The activity-room TV: its start screen, its own site's sessions, quizzes taken on it by PIN.
    "act_as_terminal": frozenset({Role.TERMINAL}),
    # A learner's own pages: their courses, hours, make-ups (the home page sends them there).
    "learn": frozenset({Role.MEMBER}),
    # Rate a course one has finished, on one's own device: never the shared TV, whose room is anonymous.
    "rate_courses": frozenset({Role.MEMBER, Role.ORGANISER, Role.TRAINER}),
    # A course's analytics (ratings, completion, drop-off, quiz items) over people in scope.
    "view_course_analytics": frozenset({Role.TRAINER, Role.ORGANISER, Role.ADMIN}),
}


# Which roles an account may hand out (the accounts pages). Organisers give logins inside their
# area; trainers and administrators come from an administrator.
ASSIGNABLE_ROLES: dict[Role, tuple[Role, ...]] = {
    Role.ADMIN: tuple(Role),
    Role.ORGANISER: (Role.MEMBER, Role.TERMINAL, Role.ORGANISER),
}
# What an account of each role is bound to: an administrator to no unit (it sees everything),
# a terminal to its activity room (and so to that room's branch), everyone else to a unit.
ROLES_WITHOUT_UNIT = frozenset({Role.ADMIN})
ROLES_BOUND_TO_A_SITE = frozenset({Role.TERMINAL})


def role_can(role: str, capability: str) -> bool:
    """The table itself, for a role read from the database without its account."""
    return Role(role) in CAPABILITIES[capability]


def can(account, capability: str) -> bool:
    if account is None or not account.is_authenticated:
        return False
    return account.role_enum in CAPABILITIES[capability]


def login_or_token_required(view):
    """login_required for a view an API client may also call with its bearer token (media bytes).

    The token itself is read by the API's request loader (app.api.auth.load_account_from_token),
    which answers only for views marked here: no other page authenticates by token. A request
    that sent credentials in its Authorization header and is not authenticated by them gets
    401, not the login page a browser is sent to.
    """
    guarded = login_required(view)

    @wraps(view)
    def wrapped(*args, **kwargs):
        if "Authorization" in request.headers and not current_user.is_authenticated:
            abort(401)
        return guarded(*args, **kwargs)

    wrapped.accepts_bearer_token = True
    return wrapped


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
