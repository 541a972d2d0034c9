"""The hash chain of development files: pure functions, no database.

hash = sha256(prev_hash + canonical JSON of the entry's content fields). Values are
normalised first (UTC ISO times, hours to 3 decimals, scores to 4) so SQLite and
PostgreSQL round trips give the same text.
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from decimal import Decimal

CONTENT_FIELDS = ("uid", "person_id", "sequence", "unit_id", "year", "kind", "occurred_at", "source", "course_id",
                  "session_id", "attempt_id", "grant_id", "title", "hours", "score", "status", "note", "corrects_id",
                  "recorded_by_id")


def _normalise(value):
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, Decimal):
        return str(value.quantize(Decimal("0.001")))
    if isinstance(value, float):
        return f"{value:.4f}"
    return value


def content_of(entry) -> dict:
    values = {name: _normalise(getattr(entry, name)) for name in CONTENT_FIELDS}
    if values["hours"] is None:
        values["hours"] = "0.000"
    elif not isinstance(values["hours"], str):
        values["hours"] = _normalise(Decimal(str(values["hours"])))
    return values


def entry_hash(entry, prev_hash: str) -> str:
    canonical = json.dumps(content_of(entry), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()
