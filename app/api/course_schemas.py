"""Schemas of the courses API (GET /api/v1/courses, /api/v1/courses/<id>)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.api.schemas import MAX_PER_PAGE
from app.core.params import MAX_PAGE
from app.catalog.choices import CourseStatus, LessonType


class CategoryRefSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)


class AudienceSchema(Schema):
    categories = fields.List(fields.String(), required=True,
                             metadata={"description": "Person categories the course is meant for (empty: everyone)"})
    cadre_roles = fields.List(fields.String(), required=True)


class CourseSummarySchema(Schema):
    id = fields.Integer(required=True)
    slug = fields.String(required=True)
    title = fields.String(required=True)
    summary = fields.String(required=True)
    category = fields.Nested(CategoryRefSchema, required=True)
    tags = fields.List(fields.String(), required=True)
    audience = fields.Method("dump_audience", required=True, metadata={"type": "object"})
    credit_hours = fields.Float(required=True, metadata={"example": 1.5})
    version = fields.Integer(required=True, metadata={"description": "Increases when a published course changes"})
    status = fields.String(required=True, metadata={"enum": [status.value for status in CourseStatus]})

    def dump_audience(self, course) -> dict:
        return {
            "categories": [row.value for row in course.audience_rows if row.kind == "category"],
            "cadre_roles": [row.value for row in course.audience_rows if row.kind == "cadre_role"],
        }


class LessonSchema(Schema):
    id = fields.Integer(required=True)
    type = fields.String(required=True, metadata={"enum": [lesson_type.value for lesson_type in LessonType]})
    title = fields.String(required=True)
    duration = fields.Method("dump_duration", required=True, allow_none=True,
                             metadata={"type": "number", "description": "Seconds, for video and audio; else null"})
    media_id = fields.Integer(required=True, allow_none=True)

    def dump_duration(self, lesson) -> float | None:
        return lesson.media.duration if lesson.media is not None else None


class CourseDetailSchema(CourseSummarySchema):
    lessons = fields.List(fields.Nested(LessonSchema), required=True, metadata={"description": "In study order"})


class CoursesQuerySchema(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=MAX_PER_PAGE))
    category = fields.String(validate=validate.Length(max=40), metadata={"description": "Category code, e.g. agri_tech"})
    q = fields.String(load_default="", validate=validate.Length(max=100), metadata={
        "description": "Chinese substring of title, summary or tags, full pinyin, or pinyin initials (mls)"})


class CoursesPageSchema(Schema):
    items = fields.List(fields.Nested(CourseSummarySchema), required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True)
    pages = fields.Integer(required=True)
