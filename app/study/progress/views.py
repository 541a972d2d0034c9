"""A member's own pages (/me, /me/courses, /me/hours) and the page endpoint for progress.

The pages read through app.study.progress.queries; POST /study/progress is the cookie
(and CSRF header) twin of POST /api/v1/progress and calls the same service.
"""
from __future__ import annotations


from flask import jsonify, render_template, request
from flask_login import current_user, login_required
from marshmallow import ValidationError
from dataclasses import replace

from app.core.assets import AssetBlueprint
from app.core.errors import error_body
from app.study.progress import queries as progress_queries
from app.study.progress import services as progress_service
from app.study.progress.schemas import ProgressBatchSchema
from app.core.params import id_arg, year_arg
from app.records.plans import target_hours
from app.study.sessions import queries as session_queries

me_bp = AssetBlueprint("me", __name__, template_folder="templates", static_folder="static",
                  static_url_path="/static/study")


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
    return render_template("study/me_index.html", hours=_hours_of(current_user),
                           resume=progress_queries.list_resume_points(current_user),
                           courses=progress_queries.list_my_courses(current_user),
                           sessions=_sessions_of(current_user.person_id))


@me_bp.route("/me/courses")
@login_required
def courses():
    return render_template("study/me_courses.html", courses=progress_queries.list_my_courses(current_user),
                           resume=progress_queries.list_resume_points(current_user, limit=20))


@me_bp.route("/me/hours")
@login_required
def hours():
    year = year_arg(None)
    return render_template("study/me_hours.html", hours=_hours_of(current_user, year))


def _json_error(status: int, code: str, message: str, details=None):
    response = jsonify(error_body(status, code, message, details))
    response.status_code = status
    return response


@me_bp.route("/study/progress", methods=["POST"])
@login_required
def progress_post():
    """Pages report progress here with their session cookie and the X-CSRFToken header."""
    try:
        batch = ProgressBatchSchema().load(request.get_json(silent=True) or {})
    except ValidationError as error:
        return _json_error(422, "unprocessable_entity", "invalid", {"json": error.messages})
    try:
        result = progress_service.record_events(current_user, batch["events"])
    except progress_service.ProgressRefused as refusal:
        return _json_error(refusal.status, refusal.code, refusal.message)
    return jsonify({"accepted": result.accepted, "duplicates": result.duplicates})


@me_bp.route("/study/progress", methods=["GET"])
@login_required
def progress_get():
    lesson_id = id_arg("lesson_id")
    lesson = progress_service.get_lesson_for_reporting(current_user, lesson_id) if lesson_id else None
    if lesson is None or current_user.person_id is None:
        return _json_error(404, "not_found", "not_found")
    return jsonify(progress_service.get_progress(current_user.person_id, lesson))
