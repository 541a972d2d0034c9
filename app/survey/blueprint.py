"""URL rules of questionnaires (blueprint "survey")."""
from flask_babel import lazy_gettext as _l

from app.core.assets import AssetBlueprint
from app.study.sessions.terminal_menu import MenuItem, add_session_item
from app.survey import terminal_views, views

survey_bp = AssetBlueprint("survey", __name__, template_folder="templates", static_folder="static",
                           static_url_path="/static/survey")

# The TV's session menu offers the questionnaires answered by anyone at the session.
survey_bp.record_once(lambda state: add_session_item(
    state.app, MenuItem(_l("Questionnaire"), "survey.terminal_questionnaires")))

_rule = survey_bp.add_url_rule
_rule("/questionnaires", view_func=views.questionnaire_list)
_rule("/questionnaires/new", view_func=views.questionnaire_new, methods=["GET", "POST"])
_rule("/questionnaires/appraisal/new", view_func=views.appraisal_new, methods=["GET", "POST"])
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
_rule("/terminal/sessions/<int:session_id>/questionnaires", view_func=terminal_views.terminal_questionnaires)
_rule("/terminal/sessions/<int:session_id>/questionnaires/<int:questionnaire_id>", view_func=terminal_views.terminal_next)
_rule("/terminal/sessions/<int:session_id>/questionnaires/<int:questionnaire_id>/step",
      view_func=terminal_views.terminal_step, methods=["POST"])
