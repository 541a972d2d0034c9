"""A member's own pages: /me (make-ups due, hours, where to resume), /me/courses, /me/hours.

They sit above records, beside the home page, because they show the training plan's yearly
target (app.records.plans.target_hours) beside the hours that study counted.
"""
from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from app.core.params import year_arg
from app.records.plans import target_hours
from app.study.progress import queries as progress_queries
from app.study.sessions import queries as session_queries

me_bp = Blueprint("me", __name__)  # its templates (me/...) are in the home package's folder, which home_bp registers


def _hours_of(account, year: int | None = None):
    """The hours summary with the yearly target the dashboard shows (app.records.plans.target_hours)."""
    summary = progress_queries.hours_summary(account, year)
    if account.person is None:
        return summary
    return replace(summary, required=target_hours(account.person, summary.year))


def _sessions_of(person_id: int | None) -> dict:
    """Upcoming sessions, open make-ups and those done this past week."""
    if person_id is None:
        return {"upcoming": [], "make_ups": [], "made_up": []}
    return {"upcoming": session_queries.list_upcoming_for_person(person_id),
            "make_ups": session_queries.list_make_ups_for_person(person_id, include_done=False),
            "made_up": session_queries.list_make_ups_done_recently(person_id)}


@me_bp.route("/me")
@login_required
def index():
    return render_template("me/index.html", hours=_hours_of(current_user),
                           resume=progress_queries.list_resume_points(current_user),
                           courses=progress_queries.list_my_courses(current_user),
                           sessions=_sessions_of(current_user.person_id))


@me_bp.route("/me/courses")
@login_required
def courses():
    return render_template("me/courses.html", courses=progress_queries.list_my_courses(current_user),
                           resume=progress_queries.list_resume_points(current_user, limit=20))


@me_bp.route("/me/hours")
@login_required
def hours():
    year = year_arg(None)
    return render_template("me/hours.html", hours=_hours_of(current_user, year))
