"""URL rules of course packages: the upload beside the course list, the download of one course."""
from flask import Blueprint

from app.packages import views

packages_bp = Blueprint("packages", __name__, template_folder="templates")
packages_bp.add_url_rule("/manage/courses/import", view_func=views.package_import, methods=["GET", "POST"])
packages_bp.add_url_rule("/manage/courses/<int:course_id>/package.zip", view_func=views.package_export)
