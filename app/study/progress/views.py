"""The page endpoint for progress, and progress.js.

POST /study/progress is the cookie (and CSRF header) twin of POST /api/v1/progress and calls the
same service. A member's own pages (/me ...) are app.home.me_views.
"""
from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user, login_required
from marshmallow import ValidationError

from app.core.assets import AssetBlueprint
from app.core.errors import error_body
from app.core.params import id_arg
from app.study.progress import services as progress_service
from app.study.progress.schemas import ProgressBatchSchema

progress_bp = AssetBlueprint("progress", __name__, static_folder="static", static_url_path="/static/study")


def _json_error(status: int, code: str, message: str, details=None):
    response = jsonify(error_body(status, code, message, details))
    response.status_code = status
    return response


@progress_bp.route("/study/progress", methods=["POST"])
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


@progress_bp.route("/study/progress", methods=["GET"])
@login_required
def progress_get():
    lesson_id = id_arg("lesson_id")
    lesson = progress_service.get_lesson_for_reporting(current_user, lesson_id) if lesson_id else None
    if lesson is None or current_user.person_id is None:
        return _json_error(404, "not_found", "not_found")
    return jsonify(progress_service.get_progress(current_user.person_id, lesson))
