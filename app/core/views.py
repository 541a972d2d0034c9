"""Language switch, job status, and the static files of every AssetBlueprint."""
from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, session
from flask_login import current_user, login_required

from app.core.assets import AssetBlueprint, add_static_version
from app.core.jobs import get_job_or_404
from app.core.security import safe_next_url

bp = AssetBlueprint("core", __name__, template_folder="templates", static_folder="static",
                    static_url_path="/static/core")
bp.app_url_defaults(add_static_version)  # versioned URLs for every AssetBlueprint's files


@bp.route("/lang/<code>")
def set_language(code: str):
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    session["locale"] = code
    return redirect(safe_next_url(request.args.get("next")))


@bp.route("/jobs/<int:job_id>")
@login_required
def job_status(job_id: int):
    job = get_job_or_404(current_user, job_id)
    return render_template("core/job.html", job=job)
