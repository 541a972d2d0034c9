"""The API blueprint (/api/v1) and what every resource module decorates its views with.

The resource modules that add routes to it are listed in app.api.resources.
"""
from __future__ import annotations

from flask_smorest import Blueprint

from app.api.auth import token_required

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
