"""Courses API: published courses the token's account may study (the learners' rule of
app.catalog.queries), the same as the /courses pages show."""
from __future__ import annotations

from app.api.auth import api_account
from app.api.course_schemas import CourseDetailSchema, CoursesPageSchema, CoursesQuerySchema
from app.api.blueprint import blp, page_payload, secured
from app.catalog import queries


@blp.route("/courses")
@secured()
@blp.arguments(CoursesQuerySchema, location="query", as_kwargs=True)
@blp.response(200, CoursesPageSchema)
def courses(page: int, per_page: int, q: str, category: str | None = None):
    """Published courses visible to the caller, newest first, a page at a time."""
    return page_payload(queries.list_courses_for(api_account(), category=category or None, query=q, page=page,
                                                 per_page=per_page))


@blp.route("/courses/<int:course_id>")
@secured()
@blp.response(200, CourseDetailSchema)
@blp.alt_response(404, response="NOT_FOUND")
def course(course_id: int):
    """One course with its lessons in order; 404 when the caller may not study it."""
    return queries.get_visible_course_or_404(api_account(), course_id)
