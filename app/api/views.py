"""API endpoints under /api/v1."""
from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("api", __name__, url_prefix="/api/v1", description="Rural LMS API v1")


@blp.route("/health")
@blp.response(200)
def health():
    """Liveness check (no authentication)."""
    return {"status": "ok"}
