"""Trainers import a zipped course package from the browser, and download a course as one."""
from __future__ import annotations

import shutil

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from wtforms import SubmitField

from app.catalog.models import Course
from app.catalog.queries import get_managed_course_or_404
from app.core.downloads import attachment_name
from app.packages.services import export_course, import_package
from app.packages.manifest import PackageError, PackageProblem, extract_zip, load_package
from app.core import staging
from app.core.body_limits import body_limit
from app.core.permissions import require
from app.core.scope import scoped
from app.extensions import db
from app.org.models import Unit


# The uploaded zip is staged (app.core.staging) while it is unpacked and imported, then discarded.
STAGED_KIND = "package"


class PackageUploadForm(FlaskForm):
    file = FileField(validators=[FileRequired()])
    submit = SubmitField()


def _owner_unit():
    if current_user.scope_unit is not None:
        return current_user.scope_unit

    roots = list(db.session.scalars(select(Unit).where(Unit.parent_id.is_(None)).limit(2)))
    return roots[0] if len(roots) == 1 else None


@body_limit("PACKAGE_MAX_BYTES")
@require("manage_courses")
def package_import():
    form = PackageUploadForm()
    if request.method == "GET":
        return render_template("packages/package_import.html", form=form)
    if not form.validate_on_submit():
        return render_template("packages/package_import.html", form=form), 400
    try:
        staged = staging.stage(STAGED_KIND, form.file.data.stream, owner_id=current_user.id,
                               max_bytes=current_app.config["PACKAGE_MAX_BYTES"], filename=form.file.data.filename or "")
    except staging.StagedTooLarge:
        abort(413)  # the body limit answers first; a file alone over it cannot come through
    workdir = staging.scratch_dir("package-")
    try:
        try:
            with staging.local_file(staged) as archive:
                package = load_package(extract_zip(archive, workdir / "unpacked"))
            existing = db.session.scalar(select(Course).where(Course.slug == package.slug))
            if existing is not None and db.session.scalar(
                    scoped(Course, current_user).where(Course.id == existing.id)) is None:
                raise PackageError([PackageProblem("course.yaml", None, _(
                    "A course with the short name %(slug)s belongs to another unit.", slug=package.slug))])
            owner = _owner_unit()
            if owner is None:
                raise PackageError([PackageProblem("course.yaml", None, _("Your account has no unit."))])
            report = import_package(package, owner_unit=owner, account=current_user)
        except PackageError as error:
            # The 400 answer rolls the request back: nothing of the package is kept.
            return render_template("packages/package_import.html", form=form, problems=error.problems), 400
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        staging.discard(STAGED_KIND, staged.id)
    message = {"created": _("Course %(title)s imported."), "updated": _("Course %(title)s updated."),
               "unchanged": _("Course %(title)s is unchanged.")}[report.action]
    flash(message % {"title": package.title}, "success")
    for note in report.notes:
        flash(note, "info")
    return redirect(url_for("catalog.course_edit", course_id=report.course_id))


@require("manage_courses")
def package_export(course_id: int):
    """The course as a zipped package (lessons, media, quiz and the questionnaires sent with it),
    for another installation's import page or `lms courses import`."""
    course = get_managed_course_or_404(current_user, course_id)
    workdir = staging.scratch_dir("package-export-")
    try:
        archive = export_course(course, workdir / f"{course.slug}.zip")
        handle = open(archive, "rb")  # stays readable once the folder is gone
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return send_file(handle, mimetype="application/zip", as_attachment=True,
                     download_name=attachment_name(course.slug, "zip"))
