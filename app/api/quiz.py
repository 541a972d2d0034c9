"""Question banks and quiz results over the API: the same services and scoped queries as the
pages. The import endpoint answers with the import report of `lms quiz import --json`."""
from __future__ import annotations

from flask import abort, jsonify, request
from marshmallow import Schema, fields, validate

from app.api.auth import api_account
from app.api.blueprint import blp, secured
from app.core.params import MAX_ID
from app.core.scope import get_in_scope_or_404
from app.org.models import Unit
from app.quiz import queries, services
from app.quiz.formats import MAX_INPUT_BYTES

BANK_IMPORT_DOC = {
    "requestBody": {"content": {"multipart/form-data": {"schema": {
        "type": "object", "properties": {"file": {"type": "string", "format": "binary"}}, "required": ["file"]}}}},
    "parameters": [{"in": "query", "name": "dry_run", "schema": {"type": "boolean"},
                    "description": "Parse and report only; nothing is saved."}],
}


class BankSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    description = fields.String(required=True)
    unit_id = fields.Integer(required=True)
    unit_name = fields.String(attribute="unit.name", required=True)
    categories = fields.Method("category_paths", required=True)

    def category_paths(self, bank) -> list[str]:
        return [category.path for category in bank.categories]


class BankListSchema(Schema):
    items = fields.List(fields.Nested(BankSchema), required=True)


class BankCreateSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    unit_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID), metadata={"description": "Owning unit (default: the caller's scope unit)"})
    description = fields.String(load_default="", validate=validate.Length(max=2000))


class BankDetailSchema(BankSchema):
    questions = fields.Method("question_reports", required=True,
                              metadata={"description": "Current version of each question, in the import report shape"})

    def question_reports(self, bank) -> list[dict]:
        reports = []
        for parsed in services.questions_for_export(bank):
            report = parsed.to_report()
            reports.append(report)
        return reports


class ResultsSchema(Schema):
    quiz_id = fields.Integer(required=True)
    title = fields.String(required=True)
    people = fields.Integer(required=True)
    passed = fields.Integer(required=True)
    pass_rate = fields.Float(allow_none=True, required=True)
    mean_percent = fields.Float(allow_none=True, required=True)
    attempts = fields.Integer(required=True)
    needs_grading = fields.Integer(required=True)
    histogram = fields.List(fields.Dict(), required=True)
    questions = fields.List(fields.Dict(), required=True)
    units = fields.List(fields.Dict(), required=True)


@blp.route("/question-banks")
@secured("manage_question_banks")
@blp.response(200, BankListSchema)
def question_banks():
    """Question banks of the units in the caller's scope."""
    return {"items": queries.list_banks_for(api_account())}


@blp.route("/question-banks", methods=["POST"])
@secured("manage_question_banks")
@blp.arguments(BankCreateSchema)
@blp.response(201, BankSchema)
@blp.alt_response(404, response="NOT_FOUND")
def question_bank_create(payload: dict):
    """Create a bank in a unit of the caller's scope."""
    account = api_account()
    if payload.get("unit_id") is not None:
        unit = get_in_scope_or_404(Unit, payload["unit_id"], account)
    elif account.scope_unit is not None:
        unit = account.scope_unit
    else:
        abort(422, "unit_id is required")
    try:
        return services.create_bank(name=payload["name"], unit=unit, created_by=account,
                                    description=payload["description"])
    except services.QuizError as error:
        abort(409, str(error))


@blp.route("/question-banks/<int:bank_id>")
@secured("manage_question_banks")
@blp.response(200, BankDetailSchema)
@blp.alt_response(404, response="NOT_FOUND")
def question_bank(bank_id: int):
    """One bank with its questions; 404 outside the caller's scope."""
    return queries.get_bank_or_404(api_account(), bank_id)


@blp.route("/question-banks/<int:bank_id>/import", methods=["POST"])
@secured("manage_question_banks")
@blp.doc(**BANK_IMPORT_DOC)
@blp.alt_response(404, response="NOT_FOUND")
def question_bank_import(bank_id: int):
    """Import a question file (multipart field "file"). Answers with the import report:
    201 when questions were saved, 200 for a dry run, 422 when the whole file is refused."""
    bank = queries.get_bank_or_404(api_account(), bank_id)
    upload = request.files.get("file")
    if upload is None:
        abort(422, "multipart field 'file' is required")
    data = upload.stream.read(MAX_INPUT_BYTES + 1)  # one byte over the limit is enough to refuse
    dry_run = request.args.get("dry_run", "").lower() in ("1", "true", "yes")
    outcome = services.import_bank_file(bank, data, filename=upload.filename, account=api_account(), dry_run=dry_run)
    status = 422 if outcome.refused else (200 if dry_run else 201)
    return jsonify(outcome.result.to_report()), status


@blp.route("/quizzes/<int:quiz_id>/results")
@secured("view_quiz_results")
@blp.response(200, ResultsSchema)
@blp.alt_response(404, response="NOT_FOUND")
def quiz_results(quiz_id: int):
    """Pass rate, score distribution, item analysis and units, over people in the caller's scope."""
    account = api_account()
    quiz = queries.get_quiz_for_results_or_404(account, quiz_id)
    results = queries.quiz_results_for(account, quiz)
    return {
        "quiz_id": quiz.id, "title": quiz.title, "people": results.people_count, "passed": results.passed,
        "pass_rate": results.pass_rate, "mean_percent": results.mean_percent, "attempts": results.attempts_total,
        "needs_grading": results.needs_grading,
        "histogram": [{"range": label, "people": count} for label, count in results.histogram],
        "questions": [{"question_id": item.question_id, "text": item.text, "type": item.type,
                       "answered": item.answered, "correct_rate": item.correct_rate,
                       "discrimination": item.discrimination} for item in results.questions],
        "units": [{"unit_id": unit.unit_id, "name": unit.name, "people": unit.people, "passed": unit.passed,
                   "pass_rate": unit.pass_rate, "mean_percent": unit.mean_percent} for unit in results.units],
    }
