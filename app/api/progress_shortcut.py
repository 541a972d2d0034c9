"""POST /api/v1/progress answered in front of Flask when a heartbeat needs nothing from the database.

Every learner's phone or terminal sends a heartbeat every 15 seconds, so this endpoint carries
most of a busy server's requests. Through Flask (request context, cookie session, hooks, the
flask-smorest and webargs wrappers, the token's account merged into an ORM session) a heartbeat
cost twice what storing it did. This WSGI middleware answers the common case directly, with the
same services as the view (app.api.progress.progress_post):

- the bearer token is in the token cache (app.api.services.cached_account), so it was checked
  against the database in the last API_TOKEN_CACHE_SECONDS and nothing revoked it since;
- the body is a plainly valid batch (app.api.progress.plain_events, the view's own fast check);
- every event is the token's own person's (no person_id of someone else; no session_id from a
  terminal or organiser, whose session events are checked against open sessions) and its
  lesson is in the lesson cache for this account (the catalog allowed it within the minute);
- app.study.progress.prepare_batch and the group writer then do exactly what they do for the view.

Everything else goes to the Flask view untouched, with the body put back: a token not cached,
a terminal or organiser reporting for others or for a session, a lesson not seen yet, any
invalid input, a writer error (the view retries; a repeated event id counts once). The view
answers those, and every refusal, as documented. The answer carries the headers every Flask response gets
(app.core.security.set_security_headers).

LMS_PROGRESS_SHORTCUT=0 sends every request to the view.
"""
from __future__ import annotations

import io
import itertools
import json
import logging

from flask import Flask
from werkzeug.wrappers import Response

from app.api.progress import batch_answer, plain_events
from app.api.services import cached_account
from app.core.security import set_security_headers
from app.study import rules
from app.study.ingest import group_commit_enabled, lesson_cache_of, writer_of
from app.study.progress import REPORTING_FOR_OTHERS, prepare_batch

log = logging.getLogger(__name__)

PATH = "/api/v1/progress"
MAX_BODY = 64 * 1024  # a heartbeat is a few hundred bytes; an offline queue's replay may be larger: the view takes it


class ProgressShortcut:
    def __init__(self, app: Flask, wsgi_app):
        self.app = app
        self.wsgi_app = wsgi_app
        self._answered = itertools.count()
        self.answered = 0  # heartbeats answered here, not by the view

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") != PATH or environ.get("REQUEST_METHOD") != "POST" or not self._enabled():
            return self.wsgi_app(environ, start_response)
        body, response = self._answer(environ)
        if response is None:
            if body is not None:
                environ["wsgi.input"] = io.BytesIO(body)
            return self.wsgi_app(environ, start_response)
        self.answered = next(self._answered) + 1
        return response(environ, start_response)

    def _enabled(self) -> bool:
        return rules.setting("LMS_PROGRESS_SHORTCUT", self.app) and group_commit_enabled(self.app)

    def _answer(self, environ) -> tuple[bytes | None, Response | None]:
        """(the body if it was read, the answer or None for the view)."""
        content_type = environ.get("CONTENT_TYPE", "").partition(";")[0].strip().lower()
        length = environ.get("CONTENT_LENGTH", "")
        if content_type != "application/json" or not length.isdigit() or not 0 < int(length) <= MAX_BODY:
            return None, None
        account = cached_account(self.app, environ.get("HTTP_AUTHORIZATION"))
        if account is None or account.person_id is None:
            return None, None
        body = environ["wsgi.input"].read(int(length))
        try:
            events = plain_events(json.loads(body))
        except ValueError:
            return body, None
        if events is None:
            return body, None
        lessons = lesson_cache_of(self.app)
        reports_for_others = account.role_enum in REPORTING_FOR_OTHERS
        for event in events:
            if (event["person_id"] not in (None, account.person_id)
                    or (event["session_id"] is not None and reports_for_others)
                    or (account.id, event["lesson_id"]) not in lessons):
                return body, None
        try:
            result = writer_of(self.app).submit(prepare_batch(account, events, lesson_cache=lessons))
        except Exception:  # noqa: BLE001 - the view answers it (and its error) in the usual way
            log.warning("progress shortcut failed; the view takes the batch", exc_info=True)
            return body, None
        return body, set_security_headers(batch_answer(result.accepted, result.duplicates))
