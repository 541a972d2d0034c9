"""API endpoints under /api/v1. Thin: authenticate, parse, call a scoped query, dump."""
from __future__ import annotations

from flask_smorest import Blueprint

from app.api.auth import api_account, token_required
from app.api.schemas import (
    HealthSchema,
    MeSchema,
    PeoplePageSchema,
    PeopleQuerySchema,
    PersonSchema,
    UnitTreeSchema,
)
from app.org import queries
from app.org.choices import PersonCategory

blp = Blueprint("api", __name__, url_prefix="/api/v1", description="Rural LMS API v1")

BEARER = [{"bearerAuth": []}]


def secured(capability: str | None = None):
    """token_required, plus its security requirement and 401/403 answers in the OpenAPI document.

    Put it above @blp.arguments so authentication comes before input validation.
    """

    def decorator(view):
        view = token_required(capability)(view)
        if capability is not None:
            view = blp.alt_response(403, response="FORBIDDEN")(view)
        view = blp.alt_response(401, response="UNAUTHORIZED")(view)
        return blp.doc(security=BEARER)(view)

    return decorator


def page_payload(pagination) -> dict:
    """The envelope of every paginated list: {"items", "page", "per_page", "total", "pages"}."""
    return {"items": pagination.items, "page": pagination.page, "per_page": pagination.per_page,
            "total": pagination.total, "pages": pagination.pages}


@blp.route("/health")
@blp.response(200, HealthSchema)
def health():
    """Liveness check (no authentication)."""
    return {"status": "ok"}


@blp.route("/me")
@secured()
@blp.response(200, MeSchema)
def me():
    """The account the token acts as, with the root of its scope."""
    return api_account()


@blp.route("/units")
@secured("view_people")
@blp.response(200, UnitTreeSchema)
def units():
    """The caller's units as a tree, each with the head count of its subtree."""
    return {"items": queries.unit_tree_for(api_account())}


@blp.route("/people")
@secured("view_people")
@blp.arguments(PeopleQuerySchema, location="query", as_kwargs=True)
@blp.response(200, PeoplePageSchema)
def people(page: int, per_page: int, q: str, unit: int | None = None, category: PersonCategory | None = None):
    """People in the caller's scope, by name, a page at a time."""
    filters = queries.PeopleFilter(query=q, unit_id=unit, category=category)
    return page_payload(queries.list_people_for(api_account(), filters, page=page, per_page=per_page))


@blp.route("/people/<int:person_id>")
@secured("view_people")
@blp.response(200, PersonSchema)
@blp.alt_response(404, response="NOT_FOUND")
def person(person_id: int):
    """One person; 404 when the person is outside the caller's scope."""
    return queries.get_person_or_404(api_account(), person_id)
from app.api import courses  # noqa: E402,F401 - registers /courses on blp
from app.api import progress  # noqa: E402,F401 - registers /progress on blp
from app.api import quiz  # noqa: E402,F401 - registers /question-banks and /quizzes on blp
from app.api import media  # noqa: E402,F401 - registers /media on blp
from app.api import records  # noqa: E402,F401 - registers /records on blp
