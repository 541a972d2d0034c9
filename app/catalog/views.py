"""Catalog pages: learners browse and study; trainers build and publish courses.

Thin handlers: parse input, load-and-authorise through app.catalog.queries, call one
service, render. A course outside the caller's scope (or not visible to a learner) is 404.
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.catalog import queries, services
from app.catalog.choices import CourseStatus, LessonType
from app.catalog.attachable_media import attachable_media
from app.catalog.course_ratings import course_ratings
from app.catalog.forms import (
    CategoryForm,
    ConfirmForm,
    CourseForm,
    LessonEditForm,
    MediaLessonForm,
    NewCourseForm,
    PublishForm,
    QuizLessonForm,
    TextLessonForm,
)
from app.catalog.markdown import render_markdown
from app.core.params import page_arg
from app.core.permissions import require
from app.org import queries as org_queries
from app.org.choices import CadreRole, PersonCategory

MEDIA_LESSON_TYPES = (LessonType.VIDEO, LessonType.AUDIO, LessonType.DOCUMENT)


# --- learners ---------------------------------------------------------------------------------

@login_required
def index():
    categories = queries.list_categories()
    category = queries.get_category_by_code(request.args.get("category"))
    query = request.args.get("q", "")[:50]
    sorts = queries.available_sorts()
    sort = request.args.get("sort") if request.args.get("sort") in sorts else "newest"
    page = queries.list_courses_for(current_user, category=category, query=query, page=page_arg(), sort=sort)
    ratings = course_ratings()
    course_ids = [course.id for course in page.items]
    return render_template("catalog/index.html", page=page, categories=categories, category=category, query=query,
                           lesson_counts=queries.lesson_counts(course_ids), sort=sort, sorts=sorts,
                           ratings=ratings.averages_for(current_user, course_ids) if ratings else {})


@login_required
def course_detail(course_id: int):
    course = queries.get_visible_course_or_404(current_user, course_id)
    return render_template("catalog/course.html", course=course, audience=_audience_labels(course))


@login_required
def lesson_detail(course_id: int, lesson_id: int):
    course, lesson = queries.get_visible_lesson_or_404(current_user, course_id, lesson_id)
    lessons = list(course.lessons)
    index = lessons.index(lesson)
    return render_template(
        "catalog/lesson.html", course=course, lesson=lesson, media=lesson.media,
        previous=lessons[index - 1] if index > 0 else None,
        next=lessons[index + 1] if index + 1 < len(lessons) else None,
        # Text lessons are their Markdown; media lessons may carry notes (a generated video's key points).
        body_html=render_markdown(lesson.body_markdown) if lesson.body_markdown else None,
    )


def _audience_labels(course) -> list[str]:
    labels = []
    for row in course.audience_rows:
        enum = PersonCategory if row.kind == "category" else CadreRole
        try:
            labels.append(str(enum(row.value).label))
        except ValueError:
            continue
    return labels


# --- trainers: courses ------------------------------------------------------------------------

@require("manage_courses")
def manage_courses():
    status = request.args.get("status")
    status = status if status in CourseStatus.__members__.values() else None
    page = queries.list_managed_courses_for(current_user, status=status, page=page_arg())
    return render_template("catalog/manage_courses.html", page=page, status=status, statuses=list(CourseStatus),
                           lesson_counts=queries.lesson_counts([course.id for course in page.items]))


def _fill_course_choices(form: CourseForm) -> None:
    form.category_id.choices = [(c.id, c.name) for c in queries.list_categories()]
    if isinstance(form, NewCourseForm):
        form.owner_unit_id.choices = [(u.id, "　" * u.depth + u.name)
                                      for u in org_queries.list_units_for(current_user)]
    form.audience_categories.choices = [(c.value, c.label) for c in PersonCategory]
    form.audience_cadre_roles.choices = [(r.value, r.label) for r in CadreRole]


@require("manage_courses")
def course_new():
    form = NewCourseForm()
    _fill_course_choices(form)
    if request.method == "GET" and current_user.scope_unit is not None:
        form.owner_unit_id.data = current_user.scope_unit_id
    if form.validate_on_submit():
        owner = org_queries.get_unit_or_404(current_user, form.owner_unit_id.data)
        try:
            course = services.create_course(
                title=form.title.data, slug=form.slug.data or None, summary=form.summary.data or "",
                category=queries.get_category_or_404(form.category_id.data), owner_unit=owner,
                created_by=current_user, credit_hours=form.credit_hours.data, tags=form.tags.data or [],
                audience_categories=form.audience_categories.data or [],
                audience_cadre_roles=form.audience_cadre_roles.data or [])
        except services.CatalogError as error:
            flash(str(error), "error")
        else:
            flash(_("Course %(title)s created. Now add its lessons.", title=course.title), "success")
            return redirect(url_for("catalog.course_edit", course_id=course.id))
    status = 400 if request.method == "POST" else 200
    return render_template("catalog/course_new.html", form=form), status


def _render_edit(course, status: int = 200, **forms):
    """The edit page with every form; a form that just failed is passed in to show its errors."""
    course_form = forms.get("course_form")
    if course_form is None:
        course_form = CourseForm(formdata=None, obj=course,
                                 audience_categories=[r.value for r in course.audience_rows if r.kind == "category"],
                                 audience_cadre_roles=[r.value for r in course.audience_rows if r.kind == "cadre_role"])
        course_form.credit_hours.data = f"{course.credit_hours.normalize():f}"  # 2, not 2.0
    _fill_course_choices(course_form)
    media_form = forms.get("media_form") or MediaLessonForm(formdata=None)
    media_form.media_id.choices = _media_choices()
    publish_form = forms.get("publish_form") or PublishForm(formdata=None)
    publish_form.unit_ids.choices = _publish_choices()
    if publish_form.unit_ids.data is None:
        publish_form.unit_ids.data = services.proposed_publication_unit_ids(course)
    return render_template(
        "catalog/course_edit.html", course=course, course_form=course_form, media_form=media_form,
        text_form=forms.get("text_form") or TextLessonForm(formdata=None),
        quiz_form=forms.get("quiz_form") or QuizLessonForm(formdata=None),
        publish_form=publish_form, confirm_form=ConfirmForm(), units_by_id=_units_by_id(),
    ), status


def _media_choices() -> list[tuple[int, str]]:
    provider = attachable_media()
    if provider is None:
        return []
    choices = []
    for lesson_type in MEDIA_LESSON_TYPES:
        for media in provider.list_attachable(current_user, lesson_type.value):
            choices.append((media.id, f"[{lesson_type.label}] {media.original_name or media.id}"))
    return choices


def _publish_choices() -> list[tuple[int, str]]:
    return [(u.id, "　" * u.depth + u.name) for u in org_queries.list_units_for(current_user)]


def _units_by_id() -> dict:
    return {u.id: u for u in org_queries.list_units_for(current_user)}


@require("manage_courses")
def course_edit(course_id: int):
    course = queries.get_managed_course_or_404(current_user, course_id)
    if request.method == "GET":
        return _render_edit(course)
    form = CourseForm()
    _fill_course_choices(form)
    if not form.validate_on_submit():
        return _render_edit(course, 400, course_form=form)
    try:
        changed = services.update_course(
            course, title=form.title.data, summary=form.summary.data or "",
            category=queries.get_category_or_404(form.category_id.data), credit_hours=form.credit_hours.data,
            tags=form.tags.data or [], audience_categories=form.audience_categories.data or [],
            audience_cadre_roles=form.audience_cadre_roles.data or [])
    except services.CatalogError as error:
        flash(str(error), "error")
        return _render_edit(course, 400, course_form=form)
    if changed and course.status == CourseStatus.PUBLISHED:
        flash(_("Saved. Learners now see version %(version)d.", version=course.version), "success")
    else:
        flash(_("Saved.") if changed else _("Nothing changed."), "success")
    return redirect(url_for("catalog.course_edit", course_id=course.id))


# --- trainers: lessons ------------------------------------------------------------------------

@require("manage_courses")
def lesson_add_text(course_id: int):
    course = queries.get_managed_course_or_404(current_user, course_id)
    form = TextLessonForm()
    if not form.validate_on_submit():
        return _render_edit(course, 400, text_form=form)
    try:
        lesson = services.add_lesson(course, type=LessonType.TEXT, title=form.title.data,
                                     body_markdown=form.body.data or "")
    except services.CatalogError as error:
        flash(str(error), "error")
        return _render_edit(course, 400, text_form=form)
    flash(_("Lesson %(title)s added. Its preview is below.", title=lesson.title), "success")
    return redirect(url_for("catalog.lesson_edit", course_id=course.id, lesson_id=lesson.id))


@require("manage_courses")
def lesson_add_media(course_id: int):
    course = queries.get_managed_course_or_404(current_user, course_id)
    form = MediaLessonForm()
    form.media_id.choices = _media_choices()
    if not form.validate_on_submit():
        return _render_edit(course, 400, media_form=form)
    media = attachable_media().get_attachable_or_404(current_user, form.media_id.data,
                                                     [lesson_type.value for lesson_type in MEDIA_LESSON_TYPES])
    lesson = services.add_lesson(course, type=LessonType(media.kind), title=form.title.data, media=media)
    flash(_("Lesson %(title)s added.", title=lesson.title), "success")
    return redirect(url_for("catalog.course_edit", course_id=course.id, _anchor="lessons"))


@require("manage_courses")
def lesson_add_quiz(course_id: int):
    course = queries.get_managed_course_or_404(current_user, course_id)
    form = QuizLessonForm()
    if not form.validate_on_submit():
        return _render_edit(course, 400, quiz_form=form)
    lesson = services.add_lesson(course, type=LessonType.QUIZ, title=form.title.data)
    flash(_("Quiz lesson %(title)s added. Its questions are set on the quiz page.", title=lesson.title), "success")
    return redirect(url_for("catalog.course_edit", course_id=course.id, _anchor="lessons"))


@require("manage_courses")
def lesson_edit(course_id: int, lesson_id: int):
    course, lesson = queries.get_managed_lesson_or_404(current_user, course_id, lesson_id)
    form = LessonEditForm(obj=lesson, body=lesson.body_markdown)
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                changed = services.update_lesson(
                    lesson, title=form.title.data,
                    body_markdown=(form.body.data or "") if lesson.type == LessonType.TEXT else None)
            except services.CatalogError as error:
                flash(str(error), "error")
                status = 400
            else:
                flash(_("Lesson saved.") if changed else _("Nothing changed."), "success")
                return redirect(url_for("catalog.lesson_edit", course_id=course.id, lesson_id=lesson.id))
        else:
            status = 400
    preview = render_markdown(lesson.body_markdown) if lesson.type == LessonType.TEXT else None
    return render_template("catalog/lesson_edit.html", course=course, lesson=lesson, form=form,
                           preview=preview), status


@require("manage_courses")
def lesson_move(course_id: int, lesson_id: int):
    course, lesson = queries.get_managed_lesson_or_404(current_user, course_id, lesson_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.move_lesson(lesson, -1 if request.form.get("direction") == "up" else 1)
    return redirect(url_for("catalog.course_edit", course_id=course.id, _anchor="lessons"))


@require("manage_courses")
def lesson_remove(course_id: int, lesson_id: int):
    course, lesson = queries.get_managed_lesson_or_404(current_user, course_id, lesson_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        title = lesson.title
        services.remove_lesson(lesson)
        flash(_("Lesson %(title)s removed.", title=title), "success")
        return redirect(url_for("catalog.course_edit", course_id=course.id, _anchor="lessons"))
    return render_template("catalog/confirm.html", course=course, form=form,
                           question=_("Remove the lesson %(title)s from this course?", title=lesson.title),
                           action=url_for("catalog.lesson_remove", course_id=course.id, lesson_id=lesson.id))


# --- trainers: publishing -----------------------------------------------------------------------

@require("manage_courses")
def course_publish(course_id: int):
    course = queries.get_managed_course_or_404(current_user, course_id)
    form = PublishForm()
    form.unit_ids.choices = _publish_choices()
    if not form.validate_on_submit():
        return _render_edit(course, 400, publish_form=form)
    units = [org_queries.get_unit_or_404(current_user, unit_id) for unit_id in form.unit_ids.data]
    try:
        services.publish_course(course, units, by=current_user)
    except services.CatalogError as error:
        flash(str(error), "error")
        return _render_edit(course, 400, publish_form=form)
    flash(_("Published to %(units)s.", units="、".join(unit.name for unit in units)), "success")
    return redirect(url_for("catalog.course_edit", course_id=course.id))


@require("manage_courses")
def course_unpublish(course_id: int, unit_id: int):
    course = queries.get_managed_course_or_404(current_user, course_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    unit = org_queries.get_unit_or_404(current_user, unit_id)
    services.unpublish_course(course, unit)
    flash(_("Withdrawn from %(unit)s.", unit=unit.name), "success")
    return redirect(url_for("catalog.course_edit", course_id=course.id))


@require("manage_courses")
def course_archive(course_id: int):
    course = queries.get_managed_course_or_404(current_user, course_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        services.archive_course(course)
        flash(_("Course %(title)s archived: learners no longer see it.", title=course.title), "success")
        return redirect(url_for("catalog.manage_courses"))
    return render_template("catalog/confirm.html", course=course, form=form,
                           question=_("Archive %(title)s? Learners will no longer see it.", title=course.title),
                           action=url_for("catalog.course_archive", course_id=course.id))


# --- administrators: categories -------------------------------------------------------------------

@require("manage_categories")
def categories():
    form = CategoryForm()
    status = 200
    if request.method == "POST":
        status = 400
        if form.validate_on_submit():
            try:
                category = services.create_category(form.code.data, form.name.data)
            except services.CatalogError as error:
                flash(str(error), "error")
            else:
                flash(_("Category %(name)s added.", name=category.name), "success")
                return redirect(url_for("catalog.categories"))
    return render_template("catalog/categories.html", categories=queries.list_categories(), form=form), status
