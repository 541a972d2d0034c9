"""API endpoints for the account, units and people. Thin: authenticate, parse, call a scoped query, dump."""
from __future__ import annotations

from app.api.auth import api_account
from app.api.blueprint import blp, page_payload, secured
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
