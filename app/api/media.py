"""Media API: upload a file (POST /api/v1/media) and follow its transcode (GET /api/v1/media/<id>).

The same services as the upload page: app.media.services.ingest_file checks the file,
stores it under an id-built key and queues the transcode. A refused file answers 422
with the Chinese reason and leaves nothing stored.
"""
from __future__ import annotations

from flask import jsonify, request
from marshmallow import Schema, fields

from app.api.auth import api_account
from app.api.schemas import ApiErrorSchema
from app.api.blueprint import blp, secured
from app.core.body_limits import body_limit
from app.core.errors import error_body
from app.core.staging import scratch_file
from app.media import queries, services
from app.media.presenter import media_as_json
from app.media.probe import MediaRejected
from app.media.uploads import owner_unit_for


# What the listed byte URLs (renditions, poster, PDF) accept, said once for each of them.
BYTES_ACCESS = ("send the same `Authorization: Bearer` token as to the API (a browser's session cookie works "
                "too); Range requests answer 206; 404 outside the caller's scope, exactly as the pages; "
                "401 for a revoked or unknown token")


class RenditionSchema(Schema):
    label = fields.String(required=True, metadata={"example": "360p"})
    width = fields.Integer(allow_none=True, metadata={"description": "Pixels as displayed"})
    height = fields.Integer(allow_none=True, metadata={"description": "Pixels as displayed"})
    bitrate = fields.Integer(allow_none=True, metadata={"description": "Bits per second, whole file"})
    url = fields.String(required=True, metadata={"description": "Range-capable URL of the bytes; " + BYTES_ACCESS})


class MediaSchema(Schema):
    id = fields.Integer(required=True)
    status = fields.String(required=True, metadata={"enum": ["queued", "processing", "ready", "failed"]})
    progress = fields.Integer(required=True, metadata={"description": "0-100, from ffmpeg's progress output"})
    error = fields.String(allow_none=True, metadata={"description": "Why it failed, in Chinese; null otherwise"})
    kind = fields.String(required=True, metadata={"enum": ["video", "audio", "document"]})
    duration = fields.Float(allow_none=True, metadata={"description": "Seconds"})
    poster_url = fields.String(allow_none=True, metadata={"description": "JPEG poster; " + BYTES_ACCESS})
    document_url = fields.String(allow_none=True, metadata={
        "description": "The PDF of a document (null for video and audio); add ?download=1 for an attachment; "
                       + BYTES_ACCESS})
    renditions = fields.List(fields.Nested(RenditionSchema), required=True)


UPLOAD_BODY = {
    "required": True,
    "content": {"multipart/form-data": {"schema": {
        "type": "object", "required": ["file"],
        "properties": {"file": {"type": "string", "format": "binary",
                                "description": "Video, audio or PDF; at most LMS_MAX_UPLOAD_BYTES"}},
    }}},
}


@blp.route("/media", methods=["POST"])
@body_limit("MEDIA_MAX_UPLOAD_BYTES")
@secured("upload_media")
@blp.doc(requestBody=UPLOAD_BODY)
@blp.response(202, MediaSchema)
# The schema, not a named component: 422's name differs between Python versions.
@blp.alt_response(422, schema=ApiErrorSchema,
                  description="The file was refused; error.message names the reason in Chinese")
def upload_media():
    """Upload one file (multipart field "file"); answers at once, the transcode runs in the background."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _refused("missing_file", "请在 file 字段上传一个文件。")
    account = api_account()
    with scratch_file(".upload") as temporary:  # probed here, then stored under the media's key
        try:
            upload.save(temporary)
            media = services.ingest_file(temporary, original_name=upload.filename, owner_unit=owner_unit_for(account),
                                         uploaded_by=account)
        except MediaRejected as rejected:
            return _refused(rejected.code, rejected.message)
    return media_as_json(media)


@blp.route("/media/<int:media_id>")
@secured("upload_media")
@blp.response(200, MediaSchema)
@blp.alt_response(404, response="NOT_FOUND")
def media_detail(media_id: int):
    """One media with its transcode status and renditions; 404 outside the caller's scope."""
    return media_as_json(queries.get_managed_media_or_404(api_account(), media_id))


def _refused(code: str, message: str):
    response = jsonify(error_body(422, code, message))
    response.status_code = 422
    return response
