"""Trainers' pages: question banks, import and export, the quiz builder, results.

Thin: parse input, load-and-authorise through app.quiz.queries, call one service, render.
"""
from __future__ import annotations

import io

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from app.catalog import queries as catalog_queries
from app.catalog.choices import LessonType
from app.core.downloads import attachment_name
from app.core.params import id_arg, page_arg
from app.core.permissions import require
from app.core.scope import scoped
from app.core.storage import storage_from_config
from app.extensions import db
from app.org.choices import UnitLevel
from app.org.models import Unit
from app.quiz import exports, queries, services, uploads
from app.quiz.forms import (
    AddDrawForm, AddQuestionForm, BankForm, ConfirmForm, EssayGradeForm, ImportUploadForm, QuestionEditForm,
    QuizSettingsForm,
)
from app.quiz.choices import question_type_label
from app.quiz.formats import FORMATS, MAX_INPUT_BYTES, QUESTION_TYPES, ParseResult, build_spreadsheet_template, parse_bytes
from app.quiz.formats.messages import human_size, message
from app.quiz.presenter import question_view, render_question_html
from app.quiz.types import question_type, registered_types

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PREVIEW_QUESTIONS = 200
EXPORT_NAMES = {"gift": "gift.txt", "moodle_xml": "moodle.xml", "xlsx": "xlsx"}


def _bank_units() -> list[Unit]:
    """Units a new bank may belong to: the account's own unit and the townships/county below."""
    statement = scoped(Unit, current_user).where(Unit.level != UnitLevel.BRANCH.value)
    units = list(db.session.scalars(statement.order_by(Unit.path)))
    own = current_user.scope_unit
    if own is not None and own not in units:
        units.insert(0, own)
    return units


# --- banks ------------------------------------------------------------------------------------

@require("manage_question_banks")
def banks():
    form = BankForm()
    units = _bank_units()
    form.unit.choices = [SelectChoice(unit.id, unit.name) for unit in units]
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            unit = next(unit for unit in units if unit.id == form.unit.data)
            try:
                bank = services.create_bank(name=form.name.data, unit=unit, created_by=current_user,
                                            description=form.description.data or "")
            except services.QuizError as error:
                form.name.errors.append(str(error))
            else:
                flash(_("Question bank %(name)s created.", name=bank.name), "success")
                return redirect(url_for("quiz.bank_detail", bank_id=bank.id))
        status = 400
    items = queries.list_banks_for(current_user)
    counts = queries.question_counts([bank.id for bank in items])
    return render_template("quiz/banks.html", banks=items, counts=counts, form=form), status


@require("manage_question_banks")
def bank_detail(bank_id: int):
    bank = queries.get_bank_or_404(current_user, bank_id)
    category = None
    if id_arg("category"):
        category = queries.get_category_or_404(bank, id_arg("category"))
    page = queries.list_questions(bank, category, page=page_arg())
    kinds = queries.bank_question_types(bank)
    names = ("xlsx", "gift", "moodle_xml")
    # types a format cannot carry (cloze outside Moodle XML): said before the download leaves them out
    export_gaps = [(FORMATS[name].label, [question_type_label(kind) for kind in sorted(kinds)
                                          if kind in QUESTION_TYPES and kind not in FORMATS[name].types])
                   for name in names]
    return render_template("quiz/bank_detail.html", bank=bank, category=category, page=page,
                           formats=[(name, FORMATS[name].label) for name in names],
                           export_gaps=[(label, gaps) for label, gaps in export_gaps if gaps])


@require("manage_question_banks")
def bank_import(bank_id: int):
    """GET: the upload form. POST: keep the file and show what would be imported."""
    bank = queries.get_bank_or_404(current_user, bank_id)
    form = ImportUploadForm()
    if request.method == "GET":
        return render_template("quiz/import_upload.html", bank=bank, form=form)
    if not form.validate_on_submit():
        return render_template("quiz/import_upload.html", bank=bank, form=form), 400
    upload = form.file.data
    try:
        upload_id = uploads.store_upload(upload.stream, owner_id=current_user.id, bank_id=bank.id,
                                         filename=upload.filename or "")
    except uploads.UploadTooLarge:
        result = ParseResult.failure(message("too_large", size=human_size(MAX_INPUT_BYTES + 1),
                                             limit=human_size(MAX_INPUT_BYTES)))
        return render_template("quiz/import_preview.html", bank=bank, result=result, upload_id=None,
                               confirm_form=None, limit=PREVIEW_QUESTIONS), 400
    data, filename = uploads.load_upload(upload_id, owner_id=current_user.id, bank_id=bank.id)
    result = parse_bytes(data, filename=filename)
    if not result.questions:
        uploads.discard_upload(upload_id)
        return render_template("quiz/import_preview.html", bank=bank, result=result, upload_id=None,
                               confirm_form=None, limit=PREVIEW_QUESTIONS), 400
    return render_template("quiz/import_preview.html", bank=bank, result=result, upload_id=upload_id,
                           confirm_form=ConfirmForm(upload=upload_id), limit=PREVIEW_QUESTIONS)


@require("manage_question_banks")
def bank_import_confirm(bank_id: int):
    bank = queries.get_bank_or_404(current_user, bank_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    loaded = uploads.load_upload(form.upload.data or "", owner_id=current_user.id, bank_id=bank.id)
    if loaded is None:
        abort(404)
    data, filename = loaded
    outcome = services.import_bank_file(bank, data, filename=filename, account=current_user)
    uploads.discard_upload(form.upload.data)
    if outcome.refused:
        flash(_("Nothing was imported: the file was refused."), "error")
        return redirect(url_for("quiz.bank_import", bank_id=bank.id))
    flash(_("%(n)d questions imported; %(e)d problems were left out.", n=len(outcome.questions),
            e=len(outcome.result.errors)), "success")
    return redirect(url_for("quiz.bank_detail", bank_id=bank.id))


@require("manage_question_banks")
def bank_export(bank_id: int, format: str):
    bank = queries.get_bank_or_404(current_user, bank_id)
    if format not in EXPORT_NAMES:
        abort(404)
    data, _errors = services.export_bank(bank, format)
    extension = EXPORT_NAMES[format]
    return send_file(io.BytesIO(data), mimetype=FORMATS[format].mime, as_attachment=True,
                     download_name=attachment_name(bank.name, extension, fallback="bank"), max_age=0)


@require("manage_question_banks")
def template_download():
    return send_file(io.BytesIO(build_spreadsheet_template()), mimetype=XLSX_MIMETYPE, as_attachment=True,
                     download_name="题库导入模板.xlsx", max_age=0)


@require("manage_question_banks")
def question_new(bank_id: int):
    """A question written by hand: first its type, then the form of that type."""
    bank = queries.get_bank_or_404(current_user, bank_id)
    kind = next((kind for kind in registered_types() if kind.name == request.args.get("type")), None)
    if kind is None:
        return render_template("quiz/question_new.html", bank=bank, kind=None, types=registered_types())
    form = QuestionEditForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                question = services.create_question(
                    bank, kind=kind.name, account=current_user, text=form.text.data or "",
                    answers=form.answers.data or "", explanation=form.explanation.data or "",
                    points=float(form.points.data), category=form.category.data or "", tags=form.tags.data or "")
            except services.QuizError as error:
                form.answers.errors.append(str(error))
                status = 400
            else:
                flash(_("Question added."), "success")
                return redirect(url_for("quiz.question_edit", question_id=question.id))
        else:
            status = 400
    elif form.points.data is None:
        form.points.data = 1
    return render_template("quiz/question_new.html", bank=bank, kind=kind, types=registered_types(),
                           form=form), status


@require("manage_question_banks")
def question_edit(question_id: int):
    question = queries.get_question_or_404(current_user, question_id)
    version = question.current_version
    kind = question_type(question.type)
    form = QuestionEditForm()
    status = 200
    if request.method == "GET":
        form.text.data = kind.text_for_form(services.version_as_parsed(version))
        form.answers.data = kind.answers_for_form(services.version_as_parsed(version))
        form.explanation.data = version.explanation
        form.points.data = version.points
        form.category.data = question.category.path if question.category else ""
        form.tags.data = ", ".join(question.tags)
    elif form.validate_on_submit():
        try:
            changed = services.edit_question(
                question, account=current_user, text=form.text.data or "", explanation=form.explanation.data or "",
                points=float(form.points.data), category=form.category.data or "", tags=form.tags.data or "",
                answers_gift=form.answers.data)
        except services.QuizError as error:
            form.answers.errors.append(str(error))
            status = 400
        else:
            flash(_("Question saved as a new version.") if changed else _("Nothing changed."), "success")
            return redirect(url_for("quiz.question_edit", question_id=question.id))
    else:
        status = 400
    return render_template("quiz/question_edit.html", question=question, version=version, kind=kind, form=form,
                           versions=queries.list_versions(question),
                           html=render_question_html(version.text_html)), status


@require("manage_question_banks")
def question_archive(question_id: int):
    question = queries.get_question_or_404(current_user, question_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    services.archive_question(question)
    flash(_("Question removed from the bank."), "success")
    return redirect(url_for("quiz.bank_detail", bank_id=question.bank_id))


@login_required
def image(image_id: int):
    row = queries.get_image_or_404(current_user, image_id)
    storage = storage_from_config(current_app.config)
    path = storage.path_for(row.storage_key)
    if path is None or not path.exists():
        abort(404)
    response = send_file(path, mimetype=row.mime, max_age=3600)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# --- quiz builder -----------------------------------------------------------------------------

def _settings_from(form: QuizSettingsForm) -> services.QuizSettings:
    return services.QuizSettings(
        title=form.title.data, pass_mark=float(form.pass_mark.data), max_attempts=form.max_attempts.data,
        time_limit_minutes=form.time_limit_minutes.data, shuffle_questions=form.shuffle_questions.data,
        shuffle_options=form.shuffle_options.data, score_policy=form.score_policy.data,
        show_explanations=form.show_explanations.data)


@require("manage_quizzes")
def quiz_new(course_id: int):
    """Create the quiz of a quiz lesson (?lesson=<id>) or the course's end-of-course quiz."""
    course = catalog_queries.get_managed_course_or_404(current_user, course_id)
    lesson = None
    lesson_id = id_arg("lesson")
    if lesson_id:
        _course, lesson = catalog_queries.get_managed_lesson_or_404(current_user, course_id, lesson_id)
        if lesson.type != LessonType.QUIZ:
            abort(404)
        existing = queries.get_quiz_of_lesson(lesson.id)
        if existing is not None:
            return redirect(url_for("quiz.quiz_manage", quiz_id=existing.id))
    form = QuizSettingsForm()
    if request.method == "GET":
        form.title.data = lesson.title if lesson else course.title
        form.show_explanations.data = True
    elif form.validate_on_submit():
        try:
            quiz = services.create_quiz(course, _settings_from(form), lesson=lesson)
        except services.QuizError as error:
            form.title.errors.append(str(error))
        else:
            flash(_("Quiz created. Now add its questions."), "success")
            return redirect(url_for("quiz.quiz_manage", quiz_id=quiz.id))
    status = 400 if request.method == "POST" else 200
    return render_template("quiz/quiz_new.html", course=course, lesson=lesson, form=form), status


def _draw_sources() -> list[SelectChoice]:
    sources = []
    for bank in queries.list_banks_for(current_user):
        sources.append(SelectChoice(f"bank:{bank.id}", _("%(bank)s (whole bank)", bank=bank.name)))
        for category in bank.categories:
            sources.append(SelectChoice(f"category:{category.id}", f"{bank.name} / {category.path}"))
    return sources


@require("manage_quizzes")
def quiz_manage(quiz_id: int):
    quiz = queries.get_managed_quiz_or_404(current_user, quiz_id)
    form = QuizSettingsForm(obj=quiz) if request.method == "GET" else QuizSettingsForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                services.update_quiz(quiz, _settings_from(form))
            except services.QuizError as error:
                form.title.errors.append(str(error))
                status = 400
            else:
                flash(_("Quiz settings saved."), "success")
                return redirect(url_for("quiz.quiz_manage", quiz_id=quiz.id))
        else:
            status = 400
    draw_form = AddDrawForm()
    draw_form.source.choices = _draw_sources()
    bank = None
    questions = None
    bank_id = id_arg("bank")
    if bank_id:
        bank = queries.get_bank_or_404(current_user, bank_id)
        questions = queries.list_questions(bank, page=page_arg())
    return render_template("quiz/quiz_manage.html", quiz=quiz, form=form, draw_form=draw_form,
                           add_form=AddQuestionForm(), banks=queries.list_banks_for(current_user),
                           bank=bank, questions=questions, confirm_form=ConfirmForm()), status


@require("manage_quizzes")
def quiz_add_questions(quiz_id: int):
    quiz = queries.get_managed_quiz_or_404(current_user, quiz_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    added = 0
    for raw in request.form.getlist("question"):
        try:
            question = queries.get_question_or_404(current_user, int(raw))
        except ValueError:
            abort(400)
        try:
            services.add_fixed_question(quiz, question)
            added += 1
        except services.QuizError as error:
            flash(str(error), "error")
    flash(_("%(n)d questions added.", n=added), "success")
    return redirect(url_for("quiz.quiz_manage", quiz_id=quiz.id))


@require("manage_quizzes")
def quiz_add_draw(quiz_id: int):
    quiz = queries.get_managed_quiz_or_404(current_user, quiz_id)
    form = AddDrawForm()
    form.source.choices = _draw_sources()
    if not form.validate_on_submit():
        flash(_("Choose where to draw from and how many questions."), "error")
        return redirect(url_for("quiz.quiz_manage", quiz_id=quiz.id))
    kind, _sep, raw_id = form.source.data.partition(":")
    if kind == "bank":
        bank, category = queries.get_bank_or_404(current_user, int(raw_id)), None
    else:
        category = db.session.get(services.QuestionCategory, int(raw_id))
        if category is None:
            abort(404)
        bank = queries.get_bank_or_404(current_user, category.bank_id)
    try:
        services.add_draw(quiz, bank, category, form.count.data)
    except services.QuizError as error:
        flash(str(error), "error")
        return redirect(url_for("quiz.quiz_manage", quiz_id=quiz.id))
    flash(_("Random draw added."), "success")
    return redirect(url_for("quiz.quiz_manage", quiz_id=quiz.id))


@require("manage_quizzes")
def quiz_remove_slot(quiz_id: int, slot_id: int):
    quiz = queries.get_managed_quiz_or_404(current_user, quiz_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    slot = next((slot for slot in quiz.slots if slot.id == slot_id), None)
    if slot is None:
        abort(404)
    services.remove_slot(quiz, slot)
    flash(_("Removed from the quiz."), "success")
    return redirect(url_for("quiz.quiz_manage", quiz_id=quiz.id))


# --- results ----------------------------------------------------------------------------------

@require("view_quiz_results")
def quiz_results(quiz_id: int):
    quiz = queries.get_quiz_for_results_or_404(current_user, quiz_id)
    results = queries.quiz_results_for(current_user, quiz)
    return render_template("quiz/results.html", quiz=quiz, results=results)


@require("view_quiz_results")
def quiz_results_export(quiz_id: int, format: str):
    quiz = queries.get_quiz_for_results_or_404(current_user, quiz_id)
    rows = queries.result_rows(current_user, quiz)
    if format == "csv":
        return exports.csv_response(quiz, rows)
    if format == "xlsx":
        return exports.xlsx_response(quiz, rows)
    abort(404)


@require("view_quiz_results")
def attempt_review(attempt_id: int):
    attempt = queries.get_attempt_for_review_or_404(current_user, attempt_id)
    views = [question_view(question, reveal=attempt.is_submitted) for question in attempt.questions]
    grader_info = {question.position: question.version.content.get("grader_info", "")
                   for question in attempt.questions if question_type(question.version.type).graded_by_hand}
    return render_template("quiz/review.html", attempt=attempt, quiz=attempt.quiz, questions=views,
                           grader_info=grader_info, grade_form=EssayGradeForm(),
                           can_grade=queries.can_grade(current_user, attempt.quiz))


@require("view_quiz_results")
def attempt_grade(attempt_id: int, position: int):
    attempt = queries.get_attempt_for_review_or_404(current_user, attempt_id)
    if not queries.can_grade(current_user, attempt.quiz):
        abort(403)
    question = next((q for q in attempt.questions if q.position == position), None)
    if question is None:
        abort(404)
    form = EssayGradeForm()
    if not form.validate_on_submit():
        flash(_("Enter a score."), "error")
        return redirect(url_for("quiz.attempt_review", attempt_id=attempt.id))
    try:
        services.grade_essay(question, score=float(form.score.data), grader=current_user,
                             comment=form.comment.data or "")
    except services.QuizError as error:
        flash(str(error), "error")
        return redirect(url_for("quiz.attempt_review", attempt_id=attempt.id))
    flash(_("Grade saved."), "success")
    return redirect(url_for("quiz.attempt_review", attempt_id=attempt.id))
