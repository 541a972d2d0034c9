"""URL rules of course evaluations (blueprint "ratings")."""
from flask import Blueprint

from app.catalog.course_ratings import EXTENSION_KEY as CATALOG_COURSE_RATINGS
from app.study.ratings import queries, views
from app.study.ratings.choices import QUESTIONS

ratings_bp = Blueprint("ratings", __name__, template_folder="templates")

# The catalog sorts and labels courses by rating through its seam (app.catalog.course_ratings).
ratings_bp.record_once(lambda state: state.app.extensions.setdefault(CATALOG_COURSE_RATINGS, queries))

ratings_bp.add_url_rule("/courses/<int:course_id>/rating", view_func=views.rate_course, methods=["GET", "POST"])
ratings_bp.add_url_rule("/manage/courses/<int:course_id>/analytics", view_func=views.course_analytics)
ratings_bp.add_app_template_global(views.rating_panel, "course_rating_panel")
ratings_bp.add_app_template_global(views.my_rating, "my_course_rating")
ratings_bp.add_app_template_global(QUESTIONS, "rating_questions")
