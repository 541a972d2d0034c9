"""URL rules of questionnaires (blueprint "survey")."""
from flask import Blueprint

from app.survey import views

survey_bp = Blueprint("survey", __name__, template_folder="templates")

_rule = survey_bp.add_url_rule
_rule("/questionnaires", view_func=views.questionnaire_list)
_rule("/questionnaires/new", view_func=views.questionnaire_new, methods=["GET", "POST"])
_rule("/questionnaires/<int:questionnaire_id>", view_func=views.questionnaire_detail, methods=["GET", "POST"])
_rule("/questionnaires/<int:questionnaire_id>/questions", view_func=views.question_add, methods=["POST"])
_rule("/questionnaires/<int:questionnaire_id>/questions/<int:question_id>/delete", view_func=views.question_delete,
      methods=["POST"])
_rule("/questionnaires/<int:questionnaire_id>/publish", view_func=views.questionnaire_publish, methods=["POST"])
_rule("/questionnaires/<int:questionnaire_id>/close", view_func=views.questionnaire_close, methods=["POST"])
_rule("/questionnaires/<int:questionnaire_id>/delete", view_func=views.questionnaire_delete, methods=["GET", "POST"])
_rule("/questionnaires/<int:questionnaire_id>/slips", view_func=views.questionnaire_slips, methods=["GET", "POST"])
_rule("/questionnaires/<int:questionnaire_id>/results", view_func=views.questionnaire_results)
_rule("/questionnaires/<int:questionnaire_id>/results/units/<int:unit_id>", view_func=views.questionnaire_results)
_rule("/questionnaires/<int:questionnaire_id>/results/units/<int:unit_id>/export.xlsx", view_func=views.results_xlsx)
_rule("/me/questionnaires", view_func=views.my_questionnaires)
_rule("/me/questionnaires/<int:questionnaire_id>", view_func=views.answer, methods=["GET", "POST"])
_rule("/q", view_func=views.slip_start, methods=["GET", "POST"])
_rule("/q/answer", view_func=views.slip_answer, methods=["POST"])
