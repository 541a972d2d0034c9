"""Questionnaires over the API: create, list, results (the minimum group size applied by the same
app.survey.results as the pages), and answers with a slip code, which need no login."""
from __future__ import annotations

from flask import abort, jsonify
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.api.auth import api_account
from app.api.blueprint import blp, secured
from app.catalog.models import Course
from app.core.errors import error_body
from app.core.params import MAX_ID
from app.core.scope import get_in_scope_or_404
from app.extensions import limiter
from app.org.models import Unit
from app.survey import queries, results, services
from app.survey.models import Audience, QuestionKind


class SurveyQuestionSchema(Schema):
    id = fields.Integer(dump_only=True)
    position = fields.Integer(dump_only=True)
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in QuestionKind]))
    prompt = fields.String(required=True, validate=validate.Length(min=1, max=300))
    options = fields.List(fields.String(validate=validate.Length(max=100)), load_default=list,
                          validate=validate.Length(max=8),
                          metadata={"description": "Wording of the choices (single, multiple, ranking)"})
    required = fields.Boolean(attribute="is_required", load_default=True)


class QuestionnaireSchema(Schema):
    id = fields.Integer(dump_only=True)
    unit_id = fields.Integer(load_default=None, validate=validate.Range(min=1, max=MAX_ID),
                             metadata={"description": "Owner unit; the caller's own unit when left out"})
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    intro = fields.String(load_default="", validate=validate.Length(max=2000))
    audience = fields.String(required=True, validate=validate.OneOf([a.value for a in Audience]))
    anonymous = fields.Boolean(attribute="is_anonymous", load_default=True)
    opens_at = fields.AwareDateTime(load_default=None, allow_none=True)
    closes_at = fields.AwareDateTime(load_default=None, allow_none=True)
    status = fields.String(dump_only=True)
    course_id = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=MAX_ID),
                               metadata={"description": "Sent with this course's package (a course the caller "
                                                        "manages); exporting the course carries the questionnaire"})
    questions = fields.List(fields.Nested(SurveyQuestionSchema), load_default=list, validate=validate.Length(max=100))
    publish = fields.Boolean(load_only=True, load_default=False, metadata={"description": "Publish at once"})


class QuestionnaireListSchema(Schema):
    items = fields.List(fields.Nested(QuestionnaireSchema))


class QuestionnaireResultsQuerySchema(Schema):
    unit_id = fields.Integer(load_default=None, validate=validate.Range(min=1, max=MAX_ID),
                             metadata={"description": "A unit below; the caller's top unit when left out"})


class SurveyOptionResultSchema(Schema):
    label = fields.String()
    count = fields.Integer()
    percent = fields.Float()
    average_place = fields.Float(allow_none=True)


class SurveyQuestionResultSchema(Schema):
    question_id = fields.Integer(attribute="question.id")
    kind = fields.String(attribute="question.kind")
    prompt = fields.String(attribute="question.prompt")
    answered = fields.Integer()
    options = fields.List(fields.Nested(SurveyOptionResultSchema))
    average = fields.Float(allow_none=True)
    texts = fields.List(fields.String())


class SurveyUnitRowSchema(Schema):
    unit_id = fields.Integer(attribute="unit.id")
    name = fields.String(attribute="unit.name")
    responses = fields.Integer()
    suppressed = fields.Boolean()


class QuestionnaireResultsSchema(Schema):
    questionnaire_id = fields.Integer(attribute="questionnaire.id")
    unit_id = fields.Integer(attribute="unit.id")
    responses = fields.Integer()
    min_group = fields.Integer()
    suppressed = fields.Boolean(metadata={"description": "True: too few answers; `questions` is empty"})
    questions = fields.List(fields.Nested(SurveyQuestionResultSchema))
    units = fields.List(fields.Nested(SurveyUnitRowSchema), attribute="children")


class SlipAnswerItemSchema(Schema):
    question_id = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_ID))
    value = fields.Raw(required=True, allow_none=True, metadata={
        "description": "single: option index; multiple: list of indexes; ranking: every index once, best first; "
                       "rating: 1-5; yes_no: true/false; text: a string"})


class SlipAnswersSchema(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=20))
    answers = fields.List(fields.Nested(SlipAnswerItemSchema), required=True, validate=validate.Length(max=100))

    @validates_schema
    def _one_answer_per_question(self, data, **kwargs):
        ids = [item["question_id"] for item in data.get("answers", [])]
        if len(ids) != len(set(ids)):
            raise ValidationError("one answer per question", "answers")


class SlipAcceptedSchema(Schema):
    accepted = fields.Boolean()


def _refuse(status: int, code: str, message: str):
    """An error whose message says what is wrong (in the caller's language), in the API's shape."""
    response = jsonify(error_body(status, code, message))
    response.status_code = status
    return response


@blp.route("/questionnaires")
@secured("view_questionnaire_results")
@blp.response(200, QuestionnaireListSchema)
def questionnaires():
    """Questionnaires of the caller's subtree, and those sent down from the units above it."""
    return {"items": queries.list_questionnaires_for(api_account())}


@blp.route("/questionnaires", methods=["POST"])
@secured("manage_questionnaires")
@blp.arguments(QuestionnaireSchema)
@blp.response(201, QuestionnaireSchema)
@blp.alt_response(404, response="NOT_FOUND")
def questionnaire_create(payload: dict):
    """Create a questionnaire with its questions (and publish it when `publish` is true)."""
    account = api_account()
    if payload["unit_id"] is not None:
        unit = get_in_scope_or_404(Unit, payload["unit_id"], account)
    elif account.scope_unit is not None:
        unit = account.scope_unit
    else:
        abort(422, "unit_id is required")
    course = get_in_scope_or_404(Course, payload["course_id"], account) if payload["course_id"] is not None else None
    try:
        questionnaire = services.create_questionnaire(
            unit=unit, title=payload["title"], intro=payload["intro"], audience=Audience(payload["audience"]),
            is_anonymous=payload["is_anonymous"], opens_at=payload["opens_at"], closes_at=payload["closes_at"],
            created_by=account)
        for question in payload["questions"]:
            services.add_question(questionnaire, kind=QuestionKind(question["kind"]), prompt=question["prompt"],
                                  options=question["options"], is_required=question["is_required"])
        if course is not None:
            services.set_course(questionnaire, course)
        if payload["publish"]:
            services.publish(questionnaire)
    except services.SurveyError as error:
        return _refuse(422, "unprocessable_entity", str(error))
    return questionnaire


@blp.route("/questionnaires/<int:questionnaire_id>/results")
@secured("view_questionnaire_results")
@blp.arguments(QuestionnaireResultsQuerySchema, location="query", as_kwargs=True)
@blp.response(200, QuestionnaireResultsSchema)
@blp.alt_response(404, response="NOT_FOUND")
def questionnaire_results(questionnaire_id: int, unit_id: int | None):
    """Results for a unit's subtree; `suppressed` (and no questions) for a group under the minimum."""
    account = api_account()
    questionnaire = queries.get_questionnaire_or_404(account, questionnaire_id)
    unit = queries.get_results_unit_or_404(account, questionnaire, unit_id)
    return results.build_results(questionnaire, unit)


@blp.route("/questionnaires/<int:questionnaire_id>/answers", methods=["POST"])
@limiter.limit("30 per minute")
@blp.arguments(SlipAnswersSchema)
@blp.response(201, SlipAcceptedSchema)
@blp.alt_response(403, response="FORBIDDEN", description="The code is not valid, used, or for another questionnaire")
@blp.alt_response(409, response="CONFLICT", description="The questionnaire is not open")
def questionnaire_answers(payload: dict, questionnaire_id: int):
    """Answer once with a slip code, without a login. The code is spent; the stored answers keep
    nothing of it."""
    slip = services.find_slip(payload["code"])
    if slip is None or slip.questionnaire_id != questionnaire_id:
        return _refuse(403, "forbidden", services.invalid_code_message())
    questionnaire = queries.get_slip_questionnaire(slip)
    refusal = services.refusal_message(questionnaire)
    if refusal:
        return _refuse(409, "conflict", refusal)
    raw = {item["question_id"]: item["value"] for item in payload["answers"]}
    try:
        services.answer_with_slip(questionnaire, payload["code"], raw)
    except services.SurveyError as error:
        return _refuse(422, "unprocessable_entity", str(error))
    return {"accepted": True}
