"""URL rules of the catalog: learners' pages under /courses, trainers' under /manage."""
from flask import Blueprint

from app.catalog import views

catalog_bp = Blueprint("catalog", __name__, template_folder="templates")
catalog_bp.add_url_rule("/courses", view_func=views.index)
catalog_bp.add_url_rule("/courses/<int:course_id>", view_func=views.course_detail)
catalog_bp.add_url_rule("/courses/<int:course_id>/lessons/<int:lesson_id>", view_func=views.lesson_detail)

catalog_bp.add_url_rule("/manage/courses", view_func=views.manage_courses)
catalog_bp.add_url_rule("/manage/courses/new", view_func=views.course_new, methods=["GET", "POST"])
catalog_bp.add_url_rule("/manage/courses/<int:course_id>", view_func=views.course_edit, methods=["GET", "POST"])
catalog_bp.add_url_rule("/manage/courses/<int:course_id>/lessons/text", view_func=views.lesson_add_text,
                        methods=["POST"])
catalog_bp.add_url_rule("/manage/courses/<int:course_id>/lessons/media", view_func=views.lesson_add_media,
                        methods=["POST"])
catalog_bp.add_url_rule("/manage/courses/<int:course_id>/lessons/quiz", view_func=views.lesson_add_quiz,
                        methods=["POST"])
catalog_bp.add_url_rule("/manage/courses/<int:course_id>/lessons/<int:lesson_id>", view_func=views.lesson_edit,
                        methods=["GET", "POST"])
catalog_bp.add_url_rule("/manage/courses/<int:course_id>/lessons/<int:lesson_id>/move",
                        view_func=views.lesson_move, methods=["POST"])
catalog_bp.add_url_rule("/manage/courses/<int:course_id>/lessons/<int:lesson_id>/remove",
                        view_func=views.lesson_remove, methods=["GET", "POST"])
catalog_bp.add_url_rule("/manage/courses/<int:course_id>/publish", view_func=views.course_publish,
                        methods=["POST"])
catalog_bp.add_url_rule("/manage/courses/<int:course_id>/publications/<int:unit_id>/withdraw",
                        view_func=views.course_unpublish, methods=["POST"])
catalog_bp.add_url_rule("/manage/courses/<int:course_id>/archive", view_func=views.course_archive,
                        methods=["GET", "POST"])
catalog_bp.add_url_rule("/manage/categories", view_func=views.categories, methods=["GET", "POST"])


@catalog_bp.app_template_filter("hours")
def format_hours(value) -> str:
    """Credit hours as people write them: 2, 1.5 (never 2.0 or 1E+1)."""
    return f"{value.normalize():f}" if value is not None else ""
