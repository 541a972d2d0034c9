"""JSON API under /api/v1, documented by flask-smorest's OpenAPI generator."""
from __future__ import annotations

from flask_smorest import Api as SmorestApi

from app.api.schemas import ApiErrorSchema


class Api(SmorestApi):
    """flask-smorest's Api without its app-wide error handler.

    Errors are rendered by app.core.errors for the whole app, JSON under /api/;
    ERROR_SCHEMA documents that shape for every error response in the OpenAPI document.
    """

    ERROR_SCHEMA = ApiErrorSchema

    def _register_error_handlers(self) -> None:
        pass


api = Api(
    spec_kwargs={
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}
        },
    }
)
