"""The plain-code check of progress batches loads exactly what the marshmallow schema loads,
and leaves everything else to the schema (which answers 422 with its messages)."""
from __future__ import annotations

import math

import pytest
from marshmallow import Schema, ValidationError

from app.study.progress.schemas import ProgressBatchSchema, plain_events

SCHEMA = ProgressBatchSchema()

VALID = [
    {"events": [{"id": "a" * 8, "lesson_id": 3, "start": 0, "end": 15, "at": "2026-11-27T05:00:00+08:00"}]},
    {"events": [{"id": "b" * 64, "lesson_id": 3, "start": 12.5, "end": 27.25, "at": "2026-11-27T05:00:00Z",
                 "person_id": 9, "session_id": None, "scrolled_to_end": True}]},
    {"events": [{"id": "c" * 36, "lesson_id": 1, "start": -1e6, "end": 1e6, "at": "2026-11-27T05:00:00.123456-05:00",
                 "person_id": None, "session_id": 4}] * 3},
]

# Each is refused or needs the schema's conversions; the plain check must not decide them.
NOT_PLAIN = [
    [],
    {"events": []},
    {"events": [{"id": "short", "lesson_id": 3, "start": 0, "end": 15, "at": "2026-11-27T05:00:00+08:00"}]},
    {"events": [{"id": "a" * 8, "lesson_id": "3", "start": 0, "end": 15, "at": "2026-11-27T05:00:00+08:00"}]},
    {"events": [{"id": "a" * 8, "lesson_id": True, "start": 0, "end": 15, "at": "2026-11-27T05:00:00+08:00"}]},
    {"events": [{"id": "a" * 8, "lesson_id": 3, "start": math.nan, "end": 15, "at": "2026-11-27T05:00:00+08:00"}]},
    {"events": [{"id": "a" * 8, "lesson_id": 3, "start": 0, "end": 2e6, "at": "2026-11-27T05:00:00+08:00"}]},
    {"events": [{"id": "a" * 8, "lesson_id": 3, "start": 0, "end": 15, "at": "2026-11-27T05:00:00"}]},  # naive
    {"events": [{"id": "a" * 8, "lesson_id": 3, "start": 0, "end": 15, "at": "yesterday"}]},
    {"events": [{"id": "a" * 8, "lesson_id": 3, "start": 0, "end": 15, "at": "2026-11-27T05:00:00Z", "extra": 1}]},
    {"events": [{"id": "a" * 8, "lesson_id": 3, "start": 0, "end": 15, "at": "2026-11-27T05:00:00Z",
                 "scrolled_to_end": "yes"}]},
    {"events": [{"id": "a" * 8, "lesson_id": 3, "start": 0, "end": 15}]},
    {"events": [{"id": "a" * 8, "lesson_id": 3, "start": 0, "end": 15, "at": "2026-11-27T05:00:00Z"}] * 501},
    {"events": [], "more": 1},
]


@pytest.mark.parametrize("batch", VALID)
def test_plain_check_loads_what_the_schema_loads(batch):
    assert plain_events(batch) is not None
    assert SCHEMA.load(batch) == Schema.load(SCHEMA, batch)


@pytest.mark.parametrize("batch", NOT_PLAIN)
def test_anything_else_is_left_to_the_schema(batch):
    assert plain_events(batch) is None
    try:
        expected = Schema.load(SCHEMA, batch)
    except ValidationError as error:
        with pytest.raises(ValidationError) as raised:
            SCHEMA.load(batch)
        assert raised.value.messages == error.messages
    else:
        assert SCHEMA.load(batch) == expected
