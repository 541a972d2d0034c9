"""Questionnaires at the activity-room TV during a group session: one respondent after another,
one question per screen, number keys to choose and Enter to go on (static/survey/tv_keys.js; every
screen also works with plain buttons).

Each respondent starts with a fresh one-time code, issued when they say whether they are a member
or a villager and carried from screen to screen with their earlier answers: the last screen spends
it like a printed slip, so going back and sending the last screen again stores nothing twice, and
the stored answers name nobody.
"""
from __future__ import annotations

from flask import abort, render_template, request
from flask_login import current_user, login_required

from app.core.permissions import can
from app.study.sessions import queries as session_queries
from app.survey import queries, services
from app.survey.forms import ConfirmForm, parse_answers
from app.survey.models import RATING_FACES, RATING_WORDS, Channel, QuestionKind, RespondentGroup
from app.survey.services import SurveyError


def _load_session(session_id: int):
    if not can(current_user, "act_as_terminal") or current_user.site is None:
        abort(403)
    session = session_queries.get_session_or_404(current_user, session_id)
    if session.site_id != current_user.site_id:
        abort(404)
    return session


def _open_session(session_id: int):
    session = _load_session(session_id)
    if not session.is_open:
        abort(404)
    return session


@login_required
def terminal_questionnaires(session_id: int):
    session = _load_session(session_id)
    items = queries.open_for_site_session(session.site.unit) if session.is_open else []
    return render_template("survey/terminal_list.html", session=session, items=items)


@login_required
def terminal_next(session_id: int, questionnaire_id: int):
    """The screen between respondents: who answers next (member or villager)."""
    session = _open_session(session_id)
    questionnaire = queries.get_for_site_session_or_404(session.site.unit, questionnaire_id)
    return render_template("survey/terminal_next.html", session=session, questionnaire=questionnaire,
                           form=ConfirmForm(), groups=list(RespondentGroup), thanks=request.args.get("done") == "1")


@login_required
def terminal_step(session_id: int, questionnaire_id: int):
    """POST: start a respondent (`group`), or take one question's answer and show the next."""
    session = _open_session(session_id)
    questionnaire = queries.get_for_site_session_or_404(session.site.unit, questionnaire_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    questions = questionnaire.questions
    code = request.form.get("code")
    if code is None:  # a new respondent
        group = request.form.get("group")
        if group not in {g.value for g in RespondentGroup}:
            abort(400)
        code = services.issue_slip_codes(questionnaire, session.site.unit, 1, RespondentGroup(group))[0]
        return _screen(session, questionnaire, code, 0, {})
    position = request.form.get("position", type=int)
    if position is None or not 0 <= position < len(questions):
        abort(400)
    raw = parse_answers(questionnaire, request.form)
    if request.form.get("go") == "back" and position > 0:
        return _screen(session, questionnaire, code, position - 1, raw)
    try:
        services.validate_answers(questionnaire, raw, only=questions[position])
    except SurveyError as error:
        return _screen(session, questionnaire, code, position, raw, error=str(error))
    if position + 1 < len(questions):
        return _screen(session, questionnaire, code, position + 1, raw)
    try:
        services.answer_with_slip(questionnaire, code, raw, channel=Channel.TERMINAL)
    except SurveyError as error:
        return _screen(session, questionnaire, code, position, raw, error=str(error))
    return render_template("survey/terminal_next.html", session=session, questionnaire=questionnaire,
                           form=ConfirmForm(), groups=list(RespondentGroup), thanks=True)


def _screen(session, questionnaire, code: str, position: int, raw: dict, error: str | None = None):
    question = questionnaire.questions[position]
    carried = [(name, value) for name, value in request.form.items(multi=True)
               if name.startswith("q") and not _belongs_to(name, question.id)]
    response = render_template(
        "survey/terminal_question.html", session=session, questionnaire=questionnaire, question=question,
        position=position, total=len(questionnaire.questions), code=code, raw=raw, carried=carried, error=error,
        form=ConfirmForm(), kinds=QuestionKind, rating_words=RATING_WORDS, rating_faces=RATING_FACES)
    return response, 422 if error else 200


def _belongs_to(field_name: str, question_id: int) -> bool:
    return field_name == f"q{question_id}" or field_name.startswith(f"q{question_id}_")
