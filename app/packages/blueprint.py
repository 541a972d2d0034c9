"""URL rule of the course-package upload (a trainer's page beside the course list)."""
from flask import Blueprint

from app.packages import views

packages_bp = Blueprint("packages", __name__, template_folder="templates")
packages_bp.add_url_rule("/manage/courses/import", view_func=views.package_import, methods=["GET", "POST"])
