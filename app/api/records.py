"""Pull API of development files: entries in order after a cursor, with the next cursor.

Scoped to the token's user: organisers and administrators see their subtree's people,
anyone else only their own file. Each entry carries its xAPI statement.
"""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.api.auth import api_account
from app.api.blueprint import blp, secured
from app.core.model_base import as_utc
from app.core.params import MAX_ID
from app.records import queries, services
from app.records.xapi import statement_for

MAX_PAGE = 500


class RecordsQuerySchema(Schema):
    since = fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_ID),
                           metadata={"description": "Cursor: the next_cursor of the previous page (0 to start)"})
    limit = fields.Integer(load_default=200, validate=validate.Range(min=1, max=MAX_PAGE))


class RecordEntrySchema(Schema):
    id = fields.Integer()
    statement_id = fields.String(attribute="uid")
    person_id = fields.Integer()
    unit_id = fields.Integer()
    year = fields.Integer()
    kind = fields.String()
    occurred_at = fields.Method("utc_time", metadata={"description": "ISO 8601, UTC"})
    source = fields.String()
    course_id = fields.Integer(allow_none=True)
    session_id = fields.Integer(allow_none=True)
    title = fields.String()
    hours = fields.Decimal(as_string=True)
    score = fields.Float(allow_none=True)
    status = fields.String()
    note = fields.String()
    corrects_id = fields.Integer(allow_none=True)
    hash = fields.String()
    statement = fields.Method("xapi_statement", metadata={"description": "The entry as an xAPI statement"})

    def utc_time(self, entry) -> str:
        return as_utc(entry.occurred_at).isoformat()

    def xapi_statement(self, entry) -> dict:
        return statement_for(entry)


class RecordsPageSchema(Schema):
    items = fields.List(fields.Nested(RecordEntrySchema))
    next_cursor = fields.Integer()


@blp.route("/records")
@secured()
@blp.arguments(RecordsQuerySchema, location="query", as_kwargs=True)
@blp.response(200, RecordsPageSchema)
def records(since: int, limit: int):
    """Development-file entries after `since`, oldest first; follow next_cursor until items is empty."""
    services.settle_self_study()  # the self-study hours still waiting belong in this page
    page = queries.entries_page_for(api_account(), since, limit)
    return {"items": page.entries, "next_cursor": page.next_cursor}
