"""URL rules of the quiz domain: banks and builder for trainers, attempts for learners."""
from flask import Blueprint

from app.quiz import attempt_views, choices, views
from app.quiz.queries import get_quiz_of_lesson

quiz_bp = Blueprint("quiz", __name__, url_prefix="/quiz", template_folder="templates",
                    static_folder="static", static_url_path="/static")

# question banks
quiz_bp.add_url_rule("/banks", view_func=views.banks, methods=["GET", "POST"])
quiz_bp.add_url_rule("/banks/<int:bank_id>", view_func=views.bank_detail)
quiz_bp.add_url_rule("/banks/<int:bank_id>/import", view_func=views.bank_import, methods=["GET", "POST"])
quiz_bp.add_url_rule("/banks/<int:bank_id>/import/confirm", view_func=views.bank_import_confirm, methods=["POST"])
quiz_bp.add_url_rule("/banks/<int:bank_id>/export/<format>", view_func=views.bank_export)
quiz_bp.add_url_rule("/template.xlsx", view_func=views.template_download)
quiz_bp.add_url_rule("/banks/<int:bank_id>/questions/new", view_func=views.question_new, methods=["GET", "POST"])
quiz_bp.add_url_rule("/questions/<int:question_id>", view_func=views.question_edit, methods=["GET", "POST"])
quiz_bp.add_url_rule("/questions/<int:question_id>/archive", view_func=views.question_archive, methods=["POST"])
quiz_bp.add_url_rule("/images/<int:image_id>", view_func=views.image)

# quiz builder and results
quiz_bp.add_url_rule("/courses/<int:course_id>/new", view_func=views.quiz_new, methods=["GET", "POST"])
quiz_bp.add_url_rule("/manage/<int:quiz_id>", view_func=views.quiz_manage, methods=["GET", "POST"])
quiz_bp.add_url_rule("/manage/<int:quiz_id>/questions", view_func=views.quiz_add_questions, methods=["POST"])
quiz_bp.add_url_rule("/manage/<int:quiz_id>/draws", view_func=views.quiz_add_draw, methods=["POST"])
quiz_bp.add_url_rule("/manage/<int:quiz_id>/slots/<int:slot_id>/remove", view_func=views.quiz_remove_slot,
                     methods=["POST"])
quiz_bp.add_url_rule("/manage/<int:quiz_id>/results", view_func=views.quiz_results)
quiz_bp.add_url_rule("/manage/<int:quiz_id>/results.<format>", view_func=views.quiz_results_export)
quiz_bp.add_url_rule("/review/<int:attempt_id>", view_func=views.attempt_review)
quiz_bp.add_url_rule("/review/<int:attempt_id>/q/<int:position>/grade", view_func=views.attempt_grade,
                     methods=["POST"])

# taking a quiz
quiz_bp.add_url_rule("/<int:quiz_id>", view_func=attempt_views.quiz_page)
quiz_bp.add_url_rule("/<int:quiz_id>/start", view_func=attempt_views.start, methods=["POST"])
quiz_bp.add_url_rule("/<int:quiz_id>/session-answers", view_func=attempt_views.session_answers)
quiz_bp.add_url_rule("/attempts/<int:attempt_id>", view_func=attempt_views.attempt_page)
quiz_bp.add_url_rule("/attempts/<int:attempt_id>/q/<int:position>", view_func=attempt_views.attempt_question,
                     methods=["GET", "POST"])
quiz_bp.add_url_rule("/attempts/<int:attempt_id>/finish", view_func=attempt_views.attempt_finish)
quiz_bp.add_url_rule("/attempts/<int:attempt_id>/submit", view_func=attempt_views.attempt_submit, methods=["POST"])
quiz_bp.add_url_rule("/attempts/<int:attempt_id>/result", view_func=attempt_views.attempt_result)


@quiz_bp.app_template_global()
def lesson_quiz(lesson):
    """The quiz of a quiz lesson, for the catalog's lesson page (quiz/_lesson_quiz.html)."""
    return get_quiz_of_lesson(lesson.id)


@quiz_bp.app_template_global()
def question_type_label(kind: str) -> str:
    return choices.question_type_label(kind)


@quiz_bp.app_template_global()
def location_label(location: str) -> str:
    return choices.location_label(location)


@quiz_bp.app_template_global()
def answer_summary(question) -> str:
    return choices.answer_summary(question)
