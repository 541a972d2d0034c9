"""Media pages and endpoints: library, upload (resumable JSON and plain form), serving.

Thin handlers: parse input, load-and-authorise through app.media.queries, call one
service, answer. Media outside the caller's reach are 404 everywhere.
"""
from __future__ import annotations

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.core.body_limits import body_limit
from app.core.params import MAX_ID, page_arg
from app.core.permissions import login_or_token_required, require
from app.core.scope import get_in_scope_or_404
from app.core.staging import scratch_file
from app.extensions import db
from app.media import queries, services, uploads
from app.media.forms import PlainUploadForm
from app.media.models import MediaStatus
from app.media.presenter import media_as_json
from app.media.probe import MediaRejected
from app.media.serving import send_stored
from app.catalog.models import Course


def _managed_course(course_id) -> object | None:
    """The course an upload should be appended to, if the caller may edit it (else 404)."""
    if course_id in (None, ""):
        return None
    try:
        course_id = int(course_id)
    except (TypeError, ValueError):
        abort(404)
    if not 1 <= course_id <= MAX_ID:
        abort(404)
    return get_in_scope_or_404(Course, course_id, current_user)


# --- trainer pages ----------------------------------------------------------------------------

@require("upload_media")
def library():
    page = queries.list_media_for(current_user, page=page_arg())
    return render_template("media/library.html", page=page)


@require("upload_media")
def detail(media_id: int):
    media = queries.get_managed_media_or_404(current_user, media_id)
    return render_template("media/detail.html", media=media, lessons=queries.list_lessons_using(current_user, media),
                           refreshing=media.status in (MediaStatus.QUEUED, MediaStatus.PROCESSING))


@require("upload_media")
def new(form: PlainUploadForm | None = None, status: int = 200):
    course = _managed_course(request.values.get("course") or request.values.get("course_id"))
    form = form or PlainUploadForm(formdata=None, course_id=course.id if course else "")
    return render_template("media/new.html", form=form, course=course,
                           chunk_size=current_app.config["UPLOAD_CHUNK_BYTES"],
                           max_bytes=current_app.config["MEDIA_MAX_UPLOAD_BYTES"],
                           form_max_bytes=current_app.config["MEDIA_FORM_UPLOAD_BYTES"]), status


@body_limit("MEDIA_FORM_UPLOAD_BYTES")
@require("upload_media")
def plain_upload():
    """The no-JavaScript upload: one multipart form, for files up to MEDIA_FORM_UPLOAD_BYTES."""
    form = PlainUploadForm()
    course = _managed_course(form.course_id.data)
    if not form.validate_on_submit():
        return new(form, 400)
    upload = form.file.data
    with scratch_file(".upload") as temporary:  # probed here, then stored under the media's key
        try:
            upload.save(temporary)
            media = services.ingest_file(temporary, original_name=upload.filename or "", owner_unit=_owner_unit(),
                                         uploaded_by=current_user, course=course)
        except MediaRejected as rejected:
            form.file.errors = [rejected.message]
            return new(form, 422)
    flash(_("%(name)s was uploaded. Transcoding runs in the background.", name=media.original_name), "success")
    return redirect(url_for("media.detail", media_id=media.id))


def _owner_unit():
    return uploads.owner_unit_for(current_user)


# --- resumable upload (JSON, used by static/js/upload.js) --------------------------------------

def _upload_error(error: uploads.UploadError):
    body = {"error": {"status": error.status, "code": error.code, "message": error.message}}
    if error.offset is not None:
        body["offset"] = error.offset
    response = jsonify(body)
    response.status_code = error.status
    if error.offset is not None:
        response.headers["Upload-Offset"] = str(error.offset)
    return response


def _rejected(rejected: MediaRejected):
    response = jsonify({"error": {"status": 422, "code": rejected.code, "message": rejected.message}})
    response.status_code = 422
    return response


@require("upload_media")
def upload_open():
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400)
    course = _managed_course(data.get("course_id"))
    try:
        session = uploads.open_session(current_user, filename=str(data.get("filename") or ""),
                                       size=data.get("size"), sha256=data.get("sha256") or None, course=course)
    except uploads.UploadError as error:
        return _upload_error(error)
    response = jsonify({"id": session.id, "offset": 0, "chunk_size": uploads.chunk_limit()})
    response.status_code = 201
    response.headers["Location"] = url_for("media.upload_status", session_id=session.id)
    return response


@require("upload_media")
def upload_status(session_id: str):
    session = queries.get_upload_session_or_404(current_user, session_id)
    try:
        offset = uploads.stored_offset(session)
    except uploads.UploadError as error:
        return _upload_error(error)
    body = {"id": session.id, "offset": offset, "size": session.size, "chunk_size": uploads.chunk_limit()}
    if session.media_id is not None:
        media = queries.get_managed_media_or_404(current_user, session.media_id)
        body["media"] = dict(media_as_json(media), page_url=url_for("media.detail", media_id=media.id))
    response = jsonify(body)
    response.headers["Upload-Offset"] = str(offset)
    response.headers["Cache-Control"] = "no-store"
    return response


@require("upload_media")
def upload_chunk(session_id: str):
    session = queries.get_upload_session_or_404(current_user, session_id)
    if (request.content_length or 0) > uploads.chunk_limit():
        return _upload_error(uploads.UploadError("chunk_too_large", status=413,
                                                 max_mb=max(1, uploads.chunk_limit() // (1024 * 1024))))
    try:
        media = uploads.append_chunk(session, request.headers.get("Content-Range"), request.stream,
                                     uploader=current_user)
    except uploads.UploadError as error:
        return _upload_error(error)
    except MediaRejected as rejected:
        return _rejected(rejected)
    body = {"offset": session.received}
    status = 200
    if media is not None:
        db.session.flush()
        body["media"] = dict(media_as_json(media), page_url=url_for("media.detail", media_id=media.id))
        status = 201
    response = jsonify(body)
    response.status_code = status
    response.headers["Upload-Offset"] = str(session.received)
    return response


# --- serving ----------------------------------------------------------------------------------

@login_or_token_required
def serve(media_id: int, label: str):
    """A rendition, the poster, or a PDF, to anyone who may watch the media (else 404).

    A browser's session or an API client's bearer token: the same account, the same scope.
    """
    media = queries.get_viewable_media_or_404(current_user, media_id)
    storage = services.media_storage()
    if label == "poster":
        if not media.poster_key:
            abort(404)
        return send_stored(storage, media.poster_key, "image/jpeg")
    if label == "source":
        if media.kind != "document" or not media.source_key:
            abort(404)
        download = request.args.get("download") == "1"
        return send_stored(storage, media.source_key, "application/pdf",
                           download_name=_pdf_name(media.original_name), as_attachment=download)
    if media.status != MediaStatus.READY:
        abort(404)
    rendition = queries.rendition_for(media, label)
    if rendition is None:
        abort(404)
    return send_stored(storage, rendition.key, rendition.mime)


def _pdf_name(name: str) -> str:
    name = services.display_name(name) or "document.pdf"
    return name if name.lower().endswith(".pdf") else name + ".pdf"
