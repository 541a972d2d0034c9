"""A course's cover image, uploaded on the course's edit page (a plain form: works without
JavaScript). Media owns it: the image is stored and checked as media, then set on the course."""
from __future__ import annotations

import tempfile
from pathlib import Path

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.catalog import queries, services
from app.core.body_limits import body_limit
from app.core.permissions import require
from app.media.probe import MediaRejected
from app.media.services import COVER_MAX_BYTES, store_cover_image


def _cover_body_limit() -> int:
    return COVER_MAX_BYTES + 64 * 1024  # the image and the form around it


@body_limit(_cover_body_limit)
@require("manage_courses")
def course_cover(course_id: int):
    course = queries.get_managed_course_or_404(current_user, course_id)
    if request.form.get("remove"):
        services.set_course_cover(course, None)
        flash(_("The cover was removed."), "success")
        return redirect(url_for("catalog.course_edit", course_id=course.id))
    upload = request.files.get("cover")
    if upload is None or not upload.filename:
        flash(_("Choose an image first."), "error")
        return redirect(url_for("catalog.course_edit", course_id=course.id)), 303
    with tempfile.NamedTemporaryFile(prefix="lms-cover-", delete=False) as handle:
        upload.save(handle)  # never under the uploaded name
    try:
        media = store_cover_image(Path(handle.name), owner_unit=course.owner_unit, uploaded_by=current_user)
    except MediaRejected as rejected:
        flash(rejected.message, "error")
        return redirect(url_for("catalog.course_edit", course_id=course.id)), 303
    services.set_course_cover(course, media)
    flash(_("The cover is saved."), "success")
    return redirect(url_for("catalog.course_edit", course_id=course.id))
