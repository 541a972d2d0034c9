"""Home page by role, language switch, job status."""
from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required

from app.core import home as home_panels
from app.core.assets import AssetBlueprint, add_static_version
from app.core.jobs import get_job_or_404
from app.org.auth_views import _safe_next

bp = AssetBlueprint("core", __name__, template_folder="templates", static_folder="static",
                    static_url_path="/static/core")
bp.app_url_defaults(add_static_version)  # versioned URLs for every AssetBlueprint's files


@bp.route("/")
@login_required
def home():
    if current_user.role == "terminal":  # the activity-room TV opens on its own start screen
        from app.study.sessions.terminal_views import terminal_home

        return terminal_home()
    if current_user.role == "member" and current_user.person_id is not None:
        # A member's home is their own learning page: make-ups due, hours, where to resume.
        return redirect(url_for("me.index"))
    return render_template("core/home.html", panels=home_panels.panels_for(current_user))


@bp.route("/lang/<code>")
def set_language(code: str):
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    session["locale"] = code
    return redirect(_safe_next(request.args.get("next")))


@bp.route("/jobs/<int:job_id>")
@login_required
def job_status(job_id: int):
    job = get_job_or_404(current_user, job_id)
    return render_template("core/job.html", job=job)
