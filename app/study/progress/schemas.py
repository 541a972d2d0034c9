"""The shape of a progress batch, shared by the page endpoint (POST /study/progress) and the API
(POST /api/v1/progress): both load heartbeats with the same schema."""
from __future__ import annotations

from datetime import datetime

from marshmallow import Schema, fields, validate

from app.core.params import MAX_ID

MAX_EVENTS_PER_BATCH = 500


class ProgressEventSchema(Schema):
    id = fields.String(required=True, validate=validate.Length(min=8, max=64),
                       metadata={"description": "Client-generated uuid; a repeated id is ignored"})
    lesson_id = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_ID))
    start = fields.Float(required=True, allow_nan=False, validate=validate.Range(min=-1e6, max=1e6),
                         metadata={"description": "Media seconds where the stretch started"})
    end = fields.Float(required=True, allow_nan=False, validate=validate.Range(min=-1e6, max=1e6),
                       metadata={"description": "Media seconds where it ended (text/document: seconds open)"})
    at = fields.AwareDateTime(required=True, default_timezone=None,
                              metadata={"description": "ISO 8601 time the stretch ended, with offset"})
    person_id = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=MAX_ID),
                               metadata={"description": "Terminals and organisers: a person in scope"})
    session_id = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=MAX_ID),
                                metadata={"description": "A group session (terminal: credits those present)"})
    scrolled_to_end = fields.Boolean(load_default=False,
                                     metadata={"description": "Text lessons: the reader reached the end"})


class ProgressBatchSchema(Schema):
    events = fields.List(fields.Nested(ProgressEventSchema), required=True,
                         validate=validate.Length(min=1, max=MAX_EVENTS_PER_BATCH))

    def load(self, data, *, many=None, partial=None, unknown=None):
        """A well-formed heartbeat is checked by plain code (marshmallow's field machinery cost
        as much as recording the batch); anything else goes through the schema, which gives the
        same answer for valid input and the detailed 422 message for invalid input."""
        if many is None and partial is None and unknown is None:
            events = plain_events(data)
            if events is not None:
                return {"events": events}
        return super().load(data, many=many, partial=partial, unknown=unknown)


_EVENT_KEYS = frozenset(ProgressEventSchema().fields)
_OPTIONAL_IDS = ("person_id", "session_id")


def plain_events(data) -> list[dict] | None:
    """The batch as ProgressEventSchema would load it, or None unless every event is plainly valid."""
    if type(data) is not dict or data.keys() != {"events"}:
        return None
    raw = data["events"]
    if type(raw) is not list or not 1 <= len(raw) <= MAX_EVENTS_PER_BATCH:
        return None
    events = []
    for event in raw:
        if type(event) is not dict or not event.keys() <= _EVENT_KEYS:
            return None
        event_id, lesson_id, start, end, at = (event.get("id"), event.get("lesson_id"), event.get("start"),
                                               event.get("end"), event.get("at"))
        if (type(event_id) is not str or not 8 <= len(event_id) <= 64 or type(lesson_id) is not int
                or not 1 <= lesson_id <= MAX_ID or type(at) is not str):
            return None
        for value in (start, end):
            if type(value) not in (int, float) or not -1e6 <= value <= 1e6:  # NaN fails the range too
                return None
        loaded = {"id": event_id, "lesson_id": lesson_id, "start": float(start), "end": float(end)}
        for name in _OPTIONAL_IDS:
            value = event.get(name)
            if value is not None and (type(value) is not int or not 1 <= value <= MAX_ID):
                return None
            loaded[name] = value
        scrolled = event.get("scrolled_to_end", False)
        if type(scrolled) is not bool:
            return None
        try:
            moment = datetime.fromisoformat(at)
        except ValueError:
            return None
        if moment.tzinfo is None or moment.utcoffset() is None:
            return None
        loaded["at"] = moment
        loaded["scrolled_to_end"] = scrolled
        events.append(loaded)
    return events
