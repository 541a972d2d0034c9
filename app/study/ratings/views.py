"""Pages of course evaluations: the learner's rating form (/courses/<id>/rating) and the
trainer's course analytics (/manage/courses/<id>/analytics), plus the course page's panel.

Thin handlers: load-and-authorise through app.catalog.queries (the learner's visibility rule,
the manager's scope), call one service or query, render."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.catalog import queries as catalog_queries
from app.core.params import page_arg
from app.core.permissions import can, require
from app.study.ratings import queries, services
from app.study.ratings.choices import QUESTIONS


def rating_panel(course) -> dict:
    """What the course page shows of ratings (study/_course_rating.html)."""
    allowed = services.may_rate(current_user, course)
    return {"allowed": allowed, "rating": services.rating_of(current_user.person_id, course.id) if allowed else None,
            "on_terminal": can(current_user, "act_as_terminal"), "questions": QUESTIONS}


def my_rating(course_id: int):
    """The signed-in learner's rating of a course, for /me's finished courses."""
    return services.rating_of(current_user.person_id, course_id)


@login_required
def rate_course(course_id: int):
    course = catalog_queries.get_visible_course_or_404(current_user, course_id)
    panel = rating_panel(course)
    if not panel["allowed"]:
        return render_template("study/rate_course.html", course=course, panel=panel, error=None), 403
    if request.method == "GET":
        return render_template("study/rate_course.html", course=course, panel=panel, error=None)
    try:
        services.save_rating(current_user, course, useful=request.form.get("useful"),
                             clear=request.form.get("clear"), comment=request.form.get("comment"))
    except services.RatingRefused as refusal:
        return render_template("study/rate_course.html", course=course, panel=panel, error=str(refusal),
                               form=request.form), refusal.status
    flash(_("Thank you. Your rating is saved; you may change it at any time."), "success")
    return redirect(url_for("catalog.course_detail", course_id=course.id, _anchor="course-rating"))


@require("view_course_analytics")
def course_analytics(course_id: int):
    course = catalog_queries.get_managed_course_or_404(current_user, course_id)
    return render_template("study/course_analytics.html", course=course,
                           analytics=queries.course_analytics(current_user, course),
                           comments=queries.list_comments(current_user, course.id, page=page_arg()),
                           questions=QUESTIONS)
