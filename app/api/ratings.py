"""Course ratings over the API: the summary of a course's ratings (raters in the caller's
scope, as the catalog's sort) and a learner's own rating, written by the same service as the
page (app.study.ratings)."""
from __future__ import annotations

from flask import abort, jsonify
from marshmallow import Schema, fields, validate

from app.api.auth import api_account
from app.api.blueprint import blp, secured
from app.catalog import queries as catalog_queries
from app.core.errors import error_body
from app.study.ratings import queries, services
from app.study.ratings.services import COMMENT_MAX


class QuestionSummarySchema(Schema):
    average = fields.Float(required=True, allow_none=True, metadata={"description": "1-5; null when nobody rated"})
    distribution = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True,
                               metadata={"description": "People per answer, keys \"1\" to \"5\""})


class RatingSchema(Schema):
    useful = fields.Integer(required=True, validate=validate.Range(min=1, max=5),
                            metadata={"description": "有用吗？ 1 (not useful) to 5 (very useful)"})
    clear = fields.Integer(required=True, validate=validate.Range(min=1, max=5),
                           metadata={"description": "听得懂吗？ 1 (could not follow) to 5 (followed all)"})
    comment = fields.String(load_default="", validate=validate.Length(max=COMMENT_MAX),
                            metadata={"description": "One optional sentence"})
    course_version = fields.Integer(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class RatingSummarySchema(Schema):
    course_id = fields.Integer(required=True)
    count = fields.Integer(required=True, metadata={"description": "Raters in the caller's scope"})
    useful = fields.Nested(QuestionSummarySchema, required=True)
    clear = fields.Nested(QuestionSummarySchema, required=True)
    overall = fields.Float(required=True, allow_none=True)
    mine = fields.Nested(RatingSchema, required=True, allow_none=True,
                         metadata={"description": "The caller's own rating, if any"})
    may_rate = fields.Boolean(required=True, metadata={"description": "The caller finished the course and may rate"})


def _question(summary) -> dict:
    return {"average": summary.average, "distribution": {str(face): count for face, count in summary.distribution}}


@blp.route("/courses/<int:course_id>/ratings")
@secured()
@blp.response(200, RatingSummarySchema)
@blp.alt_response(404, response="NOT_FOUND")
def course_ratings(course_id: int):
    """How the raters in the caller's scope rated the course; 404 when the caller may not open it."""
    account = api_account()
    course = catalog_queries.get_visible_course_or_404(account, course_id)
    summary = queries.rating_summary(account, course.id)
    return {"course_id": course.id, "count": summary.count, "useful": _question(summary.useful),
            "clear": _question(summary.clear), "overall": summary.overall,
            "mine": services.rating_of(account.person_id, course.id),
            "may_rate": services.may_rate(account, course)}


@blp.route("/courses/<int:course_id>/ratings", methods=["POST"])
@secured("rate_courses")
@blp.arguments(RatingSchema)
@blp.response(200, RatingSchema)
@blp.alt_response(404, response="NOT_FOUND")
def course_rating_post(payload: dict, course_id: int):
    """Rate a course one has finished (or change one's rating): one rating per learner and course.
    403 before the course is finished; 422 for values outside 1-5."""
    account = api_account()
    course = catalog_queries.get_visible_course_or_404(account, course_id)
    try:
        return services.save_rating(account, course, useful=payload["useful"], clear=payload["clear"],
                                    comment=payload["comment"])
    except services.RatingRefused as refusal:
        response = jsonify(error_body(refusal.status, "forbidden" if refusal.status == 403 else "bad_request",
                                      str(refusal)))
        response.status_code = refusal.status
        abort(response)
