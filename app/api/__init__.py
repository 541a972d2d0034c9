"""JSON API under /api/v1, documented by flask-smorest's OpenAPI generator."""
from __future__ import annotations

from flask_smorest import Api as SmorestApi


class Api(SmorestApi):
    """flask-smorest's Api without its app-wide error handler.

    Errors are rendered by app.core.errors for the whole app, JSON under /api/.
    """

    def _register_error_handlers(self) -> None:
        pass


api = Api(
    spec_kwargs={
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}
        },
    }
)
