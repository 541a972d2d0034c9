"""Playback progress API: POST batches of watched intervals, GET one learner's progress.

The same service (app.study.progress) serves the cookie-authenticated page endpoint.
"""
from __future__ import annotations

from flask import Response, abort, jsonify
from marshmallow import Schema, fields, validate

from app.api.auth import api_account
from app.api.blueprint import blp, secured
from app.core.errors import error_body
from app.study.progress import services as progress_service
from app.study.progress.schemas import ProgressBatchSchema
from app.core.params import MAX_ID

class ProgressBatchResultSchema(Schema):
    accepted = fields.Integer(required=True)
    duplicates = fields.Integer(required=True)


class ProgressQuerySchema(Schema):
    lesson_id = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_ID))
    person_id = fields.Integer(load_default=None, validate=validate.Range(min=1, max=MAX_ID))


class ProgressSchema(Schema):
    watched_seconds = fields.Float(required=True)
    resume_position = fields.Float(required=True)
    complete = fields.Boolean(required=True)


def record_batch(account, events: list[dict]) -> dict:
    """Record, or abort with the refusal's status, code and reason (nothing is stored)."""
    try:
        result = progress_service.record_events(account, events)
    except progress_service.ProgressRefused as refusal:
        abort(refused(refusal))
    return {"accepted": result.accepted, "duplicates": result.duplicates}


def refused(refusal: progress_service.ProgressRefused) -> Response:
    """The API's error shape with the refusal's own code and message (not the generic 404 text)."""
    response = jsonify(error_body(refusal.status, refusal.code, refusal.message))
    response.status_code = refusal.status
    return response


# Schema instances, not classes: webargs builds a new schema (and its nested one) for every
# request when given a class, which cost more than the validation itself. Loading does not
# change a schema, so one instance serves every thread.
PROGRESS_BATCH_SCHEMA = ProgressBatchSchema()
PROGRESS_QUERY_SCHEMA = ProgressQuerySchema()


@blp.route("/progress", methods=["POST"])
@secured()
@blp.arguments(PROGRESS_BATCH_SCHEMA)
@blp.response(200, ProgressBatchResultSchema)
@blp.alt_response(404, response="NOT_FOUND")
def progress_post(batch):
    """Report watched intervals; events act for the token's person or a person_id in scope."""
    result = record_batch(api_account(), batch["events"])
    # A Response is returned as it is by @blp.response, without the schema dump and jsonify that
    # cost a tenth of this heartbeat's time (the schema still documents it).
    return batch_answer(result["accepted"], result["duplicates"])


def batch_answer(accepted: int, duplicates: int) -> Response:
    """The answer to a recorded batch (ProgressBatchResultSchema), for the view and the shortcut."""
    return Response(f'{{"accepted":{accepted},"duplicates":{duplicates}}}\n', mimetype="application/json")


@blp.route("/progress", methods=["GET"])
@secured()
@blp.arguments(PROGRESS_QUERY_SCHEMA, location="query", as_kwargs=True)
@blp.response(200, ProgressSchema)
@blp.alt_response(404, response="NOT_FOUND")
def progress_get(lesson_id: int, person_id: int | None = None):
    """Unique watched seconds, resume position and completion of one lesson for one learner."""
    account = api_account()
    try:
        person = progress_service.resolve_person_for(account, person_id)
    except progress_service.ProgressRefused as refusal:
        abort(refused(refusal))
    lesson = progress_service.get_lesson_for_reporting(account, lesson_id)
    if lesson is None:
        abort(404)
    return progress_service.get_progress(person, lesson)
