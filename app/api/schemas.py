"""Marshmallow schemas of the API: they shape the JSON and generate the OpenAPI document."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.api.auth import api_account
from app.core.permissions import can
from app.core.params import MAX_ID, MAX_PAGE
from app.org.choices import PersonCategory, UnitLevel

MAX_PER_PAGE = 200


class ErrorDetailSchema(Schema):
    status = fields.Integer(required=True, metadata={"description": "HTTP status code"})
    code = fields.String(required=True, metadata={"description": "Stable machine-readable code, e.g. not_found"})
    message = fields.String(required=True, metadata={"description": "Human-readable message (user's language)"})
    details = fields.Dict(metadata={"description": "Field errors by location, e.g. {\"query\": {\"category\": [...]}}"})


class ApiErrorSchema(Schema):
    """Every API error has this shape (rendered by app.core.errors)."""

    error = fields.Nested(ErrorDetailSchema, required=True)


class HealthSchema(Schema):
    status = fields.String(required=True, metadata={"example": "ok"})


class UnitRefSchema(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)


class MeSchema(Schema):
    id = fields.Integer(required=True)
    username = fields.String(required=True)
    display_name = fields.String(required=True)
    role = fields.String(required=True)
    scope_unit = fields.Nested(UnitRefSchema, allow_none=True, required=True,
                               metadata={"description": "Root of the units the account may see; null for administrators"})
    person_id = fields.Integer(allow_none=True, required=True)
    site_id = fields.Integer(allow_none=True, required=True)


class UnitNodeSchema(Schema):
    """A unit of the scoped tree; dumped from app.org.queries.unit_tree_for nodes."""

    id = fields.Integer(attribute="unit.id", required=True)
    code = fields.String(attribute="unit.code", required=True)
    name = fields.String(attribute="unit.name", required=True)
    level = fields.String(attribute="unit.level", required=True,
                          metadata={"enum": [level.value for level in UnitLevel]})
    people = fields.Integer(required=True, metadata={"description": "People in this unit and all units below it"})
    children = fields.List(fields.Nested(lambda: UnitNodeSchema()), required=True)


class UnitTreeSchema(Schema):
    items = fields.List(fields.Nested(UnitNodeSchema), required=True,
                        metadata={"description": "Top units of the caller's scope, each with its subtree"})


class PersonSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    gender = fields.String(allow_none=True, required=True)
    birth_year = fields.Integer(allow_none=True, required=True)
    phone = fields.String(allow_none=True, required=True)
    id_number = fields.Method(
        "visible_id_number", required=True,
        metadata={"type": "string", "description": "In full for administrators, masked for everyone else"},
    )
    category = fields.String(required=True, metadata={"enum": [category.value for category in PersonCategory]})
    cadre_roles = fields.List(fields.String(), required=True)
    education = fields.String(allow_none=True, required=True)
    is_prosperity_leader = fields.Boolean(required=True)
    post = fields.String(allow_none=True, required=True)
    unit = fields.Nested(UnitRefSchema, required=True)

    def visible_id_number(self, person) -> str:
        return person.id_number if can(api_account(), "see_full_id_number") else person.masked_id_number


class PeopleQuerySchema(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PER_PAGE))
    unit = fields.Integer(validate=validate.Range(min=1, max=MAX_ID), metadata={
        "description": "Only people in this unit's subtree; a unit outside the caller's scope gives an empty list"})
    category = fields.Enum(PersonCategory, by_value=True)
    q = fields.String(load_default="", validate=validate.Length(max=100),
                      metadata={"description": "Name contains, phone starts with, or ID number ends with"})


class PeoplePageSchema(Schema):
    items = fields.List(fields.Nested(PersonSchema), required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True)
    pages = fields.Integer(required=True)
