"""Questionnaire pages. Thin: parse, load-and-authorise, call one service, render."""
from __future__ import annotations

import tempfile

from flask import abort, flash, make_response, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from app.core.downloads import attachment_name
from app.core.permissions import require
from app.core.scope import scoped, subtree_condition
from app.extensions import db, limiter
from app.org.models import Unit
from app.core.localtime import local_year
from app.org.choices import UnitLevel
from app.survey import appraisal, exports, queries, results, services
from app.survey.forms import AppraisalNewForm, CodeForm, ConfirmForm, QuestionForm, QuestionnaireForm, SlipForm, parse_answers
from app.survey.models import RATING_FACES, RATING_WORDS, QuestionKind, QuestionnaireStatus, RespondentGroup
from app.survey.services import SurveyError

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _answer_context(questionnaire, **extra) -> dict:
    return {"questionnaire": questionnaire, "kinds": QuestionKind, "rating_words": RATING_WORDS,
            "rating_faces": RATING_FACES, **extra}


# --- organisers: list, build, publish ------------------------------------------------------

@require("view_questionnaire_results")
def questionnaire_list():
    items = queries.list_questionnaires_for(current_user)
    return render_template("survey/list.html", items=items, may_manage=lambda q: queries.may_manage(current_user, q))


@require("manage_questionnaires")
def questionnaire_new():
    form = QuestionnaireForm()
    home = current_user.scope_unit or db.session.scalar(scoped(Unit, current_user).where(Unit.parent_id.is_(None)))
    if home is None:
        abort(404)
    courses = queries.courses_to_send_with(home)
    form.set_courses(courses)
    if form.validate_on_submit():
        try:
            questionnaire = services.create_questionnaire(unit=home, created_by=current_user, **form.values())
            services.set_course(questionnaire, form.chosen_course(courses))
        except SurveyError as error:
            flash(str(error), "error")
        else:
            flash(_("Questionnaire created. Now add its questions."), "success")
            return redirect(url_for("survey.questionnaire_detail", questionnaire_id=questionnaire.id))
    return render_template("survey/edit.html", form=form, unit=home, questionnaire=None)


@require("manage_questionnaires")
def appraisal_new():
    """A branch's democratic appraisal (民主评议党员): one grade question per member and dimension."""
    form = AppraisalNewForm(data=None if request.method == "POST" else {"year": local_year()})
    branches = list(db.session.scalars(scoped(Unit, current_user).where(Unit.level == UnitLevel.BRANCH.value)
                                       .order_by(Unit.path)))
    form.unit_id.choices = [SelectChoice(unit.id, unit.name) for unit in branches]
    if request.method == "POST" and form.validate_on_submit():
        branch = next(unit for unit in branches if unit.id == form.unit_id.data)
        try:
            questionnaire = appraisal.create_appraisal(branch, form.year.data, created_by=current_user)
        except SurveyError as error:
            flash(str(error), "error")
        else:
            flash(_("Democratic appraisal created with %(n)d questions. Check it, publish it, then print slips "
                    "for the members and for the villager representatives.", n=len(questionnaire.questions)),
                  "success")
            return redirect(url_for("survey.questionnaire_detail", questionnaire_id=questionnaire.id))
    elif request.method == "POST":
        flash(_("Choose a branch and a year between 2000 and 2100."), "error")
    return render_template("survey/appraisal_new.html", form=form)


@require("view_questionnaire_results")
def questionnaire_detail(questionnaire_id: int):
    questionnaire = queries.get_questionnaire_or_404(current_user, questionnaire_id)
    manage = queries.may_manage(current_user, questionnaire)
    form = QuestionnaireForm()
    courses = queries.courses_to_send_with(questionnaire.unit, questionnaire.course) if manage else []
    form.set_courses(courses)
    if request.method == "POST":
        if not manage:
            abort(404)
        if form.validate_on_submit():
            try:
                services.update_questionnaire(questionnaire, **form.values())
                if questionnaire.appraisal_year is None:
                    services.set_course(questionnaire, form.chosen_course(courses))
            except SurveyError as error:
                flash(str(error), "error")
            else:
                flash(_("Saved."), "success")
                return redirect(url_for("survey.questionnaire_detail", questionnaire_id=questionnaire.id))
    else:
        form.fill_from(questionnaire)
    issued, spent = services.count_slips(questionnaire)
    return render_template("survey/detail.html", questionnaire=questionnaire, form=form, manage=manage,
                           question_form=QuestionForm(formdata=None), confirm=ConfirmForm(),
                           issued=issued, spent=spent, kinds=QuestionKind, statuses=QuestionnaireStatus,
                           refusal=services.refusal_message(questionnaire))


@require("manage_questionnaires")
def question_add(questionnaire_id: int):
    questionnaire = queries.get_managed_or_404(current_user, questionnaire_id)
    form = QuestionForm()
    if not form.validate_on_submit():
        flash(_("Write the question."), "error")
    else:
        try:
            services.add_question(questionnaire, kind=QuestionKind(form.kind.data), prompt=form.prompt.data,
                                  options=(form.options.data or "").splitlines(), is_required=form.is_required.data)
        except SurveyError as error:
            flash(str(error), "error")
        else:
            flash(_("The question is added to the questionnaire."), "success")
    return redirect(url_for("survey.questionnaire_detail", questionnaire_id=questionnaire.id) + "#questions")


@require("manage_questionnaires")
def question_delete(questionnaire_id: int, question_id: int):
    questionnaire = queries.get_managed_or_404(current_user, questionnaire_id)
    question = queries.get_question_or_404(questionnaire, question_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.delete_question(question)
    except SurveyError as error:
        flash(str(error), "error")
    else:
        flash(_("Question deleted."), "success")
    return redirect(url_for("survey.questionnaire_detail", questionnaire_id=questionnaire.id) + "#questions")


def _state_change(questionnaire_id: int, change, done: str):
    questionnaire = queries.get_managed_or_404(current_user, questionnaire_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        change(questionnaire)
    except SurveyError as error:
        flash(str(error), "error")
    else:
        flash(done, "success")
    return redirect(url_for("survey.questionnaire_detail", questionnaire_id=questionnaire.id))


@require("manage_questionnaires")
def questionnaire_publish(questionnaire_id: int):
    return _state_change(questionnaire_id, services.publish, _("Published: answers are taken from the opening day."))


@require("manage_questionnaires")
def questionnaire_close(questionnaire_id: int):
    return _state_change(questionnaire_id, services.close, _("Closed: no more answers are taken."))


@require("manage_questionnaires")
def questionnaire_delete(questionnaire_id: int):
    """GET: ask first (what will be lost). POST: delete."""
    questionnaire = queries.get_managed_or_404(current_user, questionnaire_id)
    form = ConfirmForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        services.delete_questionnaire(questionnaire)
        flash(_("Questionnaire deleted."), "success")
        return redirect(url_for("survey.questionnaire_list"))
    answered = results.build_results(questionnaire, questionnaire.unit).responses
    return render_template("survey/delete.html", questionnaire=questionnaire, form=form, answered=answered)


@require("manage_questionnaires")
def questionnaire_slips(questionnaire_id: int):
    """GET: how many slips for which unit. POST: issue the codes and render the printable slips."""
    questionnaire = queries.get_managed_or_404(current_user, questionnaire_id)
    form = SlipForm()
    units = list(db.session.scalars(scoped(Unit, current_user).where(
        subtree_condition(Unit.path, questionnaire.unit.path)).order_by(Unit.path)))
    form.unit_id.choices = [SelectChoice(unit.id, "　" * (unit.depth - questionnaire.unit.depth) + unit.name)
                            for unit in units]
    if request.method == "POST" and form.validate_on_submit():
        unit = next(unit for unit in units if unit.id == form.unit_id.data)
        try:
            codes = services.issue_slip_codes(questionnaire, unit, form.count.data, RespondentGroup(form.group.data))
        except SurveyError as error:
            flash(str(error), "error")
        else:
            response = make_response(render_template(
                "survey/slips_print.html", questionnaire=questionnaire, unit=unit, codes=codes,
                answer_url=url_for("survey.slip_start", _external=True)))
            response.headers["Cache-Control"] = "no-store"  # the page holds live codes
            return response
    issued, spent = services.count_slips(questionnaire)
    return render_template("survey/slips.html", questionnaire=questionnaire, form=form, issued=issued, spent=spent)


# --- results ---------------------------------------------------------------------------------

@require("view_questionnaire_results")
def questionnaire_results(questionnaire_id: int, unit_id: int | None = None):
    questionnaire = queries.get_questionnaire_or_404(current_user, questionnaire_id)
    unit = queries.get_results_unit_or_404(current_user, questionnaire, unit_id)
    top = queries.results_top_unit(current_user, questionnaire)
    return render_template("survey/results.html", results=results.build_results(questionnaire, unit),
                           questionnaire=questionnaire, unit=unit, top=top, kinds=QuestionKind)


@require("view_questionnaire_results")
def results_xlsx(questionnaire_id: int, unit_id: int):
    questionnaire = queries.get_questionnaire_or_404(current_user, questionnaire_id)
    unit = queries.get_results_unit_or_404(current_user, questionnaire, unit_id)
    spool = tempfile.TemporaryFile()
    exports.write_xlsx(results.build_results(questionnaire, unit), spool)
    spool.seek(0)
    return send_file(spool, mimetype=XLSX_MIMETYPE, as_attachment=True,
                     download_name=attachment_name(f"{questionnaire.title}-{unit.name}", "xlsx", "questionnaire"))


# --- answering with one's own login ------------------------------------------------------------

@require("learn")
def my_questionnaires():
    person = current_user.person
    items = [(q, services.has_answered(q, person)) for q in queries.open_for_person(person)
             if services.person_may_answer(q, person)]
    return render_template("survey/mine.html", items=items)


@require("learn")
def answer(questionnaire_id: int):
    person = current_user.person
    questionnaire = queries.get_for_person_or_404(person, questionnaire_id)
    if questionnaire.is_anonymous or not services.person_may_answer(questionnaire, person):
        abort(404)
    form = ConfirmForm()
    if services.has_answered(questionnaire, person):
        return render_template("survey/done.html", questionnaire=questionnaire, already=True)
    refusal = services.refusal_message(questionnaire)
    raw = {}
    if request.method == "POST" and refusal is None:
        if not form.validate_on_submit():
            abort(400)
        raw = parse_answers(questionnaire, request.form)
        try:
            services.answer_as_person(questionnaire, person, raw)
        except SurveyError as error:
            flash(str(error), "error")
        else:
            return render_template("survey/done.html", questionnaire=questionnaire, already=False)
    return render_template("survey/answer.html", **_answer_context(
        questionnaire, form=form, refusal=refusal, raw=raw,
        action=url_for("survey.answer", questionnaire_id=questionnaire.id), code=None))


# --- answering with a slip code, without an account --------------------------------------------

@limiter.limit("30 per minute", methods=["POST"])
def slip_start():
    """/q: a short page where the code from the slip is typed in."""
    form = CodeForm()
    if request.method == "POST" and form.validate_on_submit():
        slip = services.find_slip(form.code.data)
        if slip is None:
            flash(_("This code is not valid or has already been used."), "error")
        else:
            return _slip_answer_page(queries.get_slip_questionnaire(slip), services.normalise_code(form.code.data), {})
    return render_template("survey/code.html", form=form)


@limiter.limit("30 per minute", methods=["POST"])
def slip_answer():
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    code = request.form.get("code", "")
    slip = services.find_slip(code)
    if slip is None:
        flash(_("This code is not valid or has already been used."), "error")
        return redirect(url_for("survey.slip_start"))
    questionnaire = queries.get_slip_questionnaire(slip)
    raw = parse_answers(questionnaire, request.form)
    try:
        services.answer_with_slip(questionnaire, code, raw)
    except SurveyError as error:
        flash(str(error), "error")
        return _slip_answer_page(questionnaire, services.normalise_code(code), raw)
    return render_template("survey/done.html", questionnaire=questionnaire, already=False, slip=True)


def _slip_answer_page(questionnaire, code: str, raw: dict):
    response = make_response(render_template("survey/answer.html", **_answer_context(
        questionnaire, form=ConfirmForm(), refusal=services.refusal_message(questionnaire), raw=raw,
        action=url_for("survey.slip_answer"), code=code)))
    response.headers["Cache-Control"] = "no-store"
    return response


