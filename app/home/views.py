"""The home page by role: the TV's start screen, a member's own learning page, or the panels."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required

from app.core.permissions import can
from app.home.panels import panels_for
from app.study.sessions.terminal_views import terminal_home

home_bp = Blueprint("home", __name__, template_folder="templates")


@home_bp.route("/")
@login_required
def index():
    if can(current_user, "act_as_terminal"):  # the activity-room TV opens on its own start screen
        return terminal_home()
    if can(current_user, "learn") and current_user.person_id is not None:
        # A member's home is their own learning page: make-ups due, hours, where to resume.
        return redirect(url_for("me.index"))
    return render_template("home/index.html", panels=panels_for(current_user))
