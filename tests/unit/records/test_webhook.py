"""The reminders' webhook posts JSON events to a real local HTTP server: signed, each once, a 500
retried with the xAPI outbox's backoff, a refusing 4xx set aside while the rest go on."""
from __future__ import annotations

import hashlib
import hmac
import json
import threading
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from app.core.model_base import as_utc, utcnow
from app.extensions import db
from app.records import outbox, tasks, webhook
from app.records.models import WebhookMessage
from tests.conftest import login
from tests.unit.records.site_data import site_month

SECRET = "county-sms-gateway-secret"


class Gateway:
    """A county SMS gateway stand-in: answers 500 `failures` times, refuses the ids in `refuse`
    with 422 and its reason, and stores everything else (body and headers)."""

    def __init__(self):
        self.failures = 0
        self.refuse: set[str] = set()
        self.received: list[tuple[dict, dict, bytes]] = []
        self.requests = 0
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers["Content-Length"]))
                gateway.requests += 1
                event = json.loads(body)
                if gateway.failures:
                    gateway.failures -= 1
                    self.send_response(500)
                    self.end_headers()
                    return
                if event["id"] in gateway.refuse:
                    self.send_response(422)
                    self.send_header("Content-Type", "application/json")
                    self.end_headers()
                    self.wfile.write(json.dumps({"detail": "no phone number"}).encode())
                    return
                gateway.received.append((event, self.headers, body))  # case-insensitive lookups
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway(app):
    gateway = Gateway()
    app.config.update(WEBHOOK_URL=gateway.url, WEBHOOK_SECRET=SECRET)
    yield gateway
    gateway.close()


def _rows():
    return db.session.scalars(select(WebhookMessage).order_by(WebhookMessage.id)).all()


def _run_delivery_job(app):
    app.config["JOBS_EAGER"] = False  # as in a real consumer (periodic tasks run only there)
    try:
        tasks.deliver_webhook.call_local()
    finally:
        app.config["JOBS_EAGER"] = True
    db.session.expire_all()


def test_nothing_is_queued_without_a_url(world):
    site_month(world)
    assert webhook.queue_due_events(today=date(2026, 11, 28)) == 0
    assert _rows() == []


def test_events_are_signed_json_and_queued_once(app, world, gateway):
    site_month(world)
    queued = webhook.queue_due_events(today=date(2026, 11, 28))
    db.session.commit()
    assert queued == len(_rows()) > 0
    assert webhook.queue_due_events(today=date(2026, 11, 28)) == 0  # each event once
    kinds = {row.kind for row in _rows()}
    assert {"site_behind", "make_up_due", "member_behind"} <= kinds

    _run_delivery_job(app)
    assert len(gateway.received) == queued
    assert all(row.delivered_at is not None for row in _rows())
    for event, headers, body in gateway.received:
        expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        assert headers["X-LMS-Signature"] == expected
        assert headers["X-LMS-Event"] == event["event"] and headers["X-LMS-Delivery"] == event["id"]
    sites = {event["data"]["site_id"]: event for event, _headers, _body in gateway.received
             if event["event"] == "site_behind"}
    assert set(sites) == {world.site_a1.id, world.site_b1.id}  # the whole county
    site = sites[world.site_a1.id]
    assert site["phone"] == "13900000011" and site["id"] == f"site_behind:{world.site_a1.id}:2026-11"
    assert site["data"]["sessions"] == 2 and site["due_on"] == "2026-11-30"
    make_up = next(event for event, _headers, _body in gateway.received if event["event"] == "make_up_due")
    assert make_up["data"]["name"] == "未补学者" and make_up["due_on"] == "2026-12-04"


def test_a_500_is_retried_with_the_feeds_backoff_then_delivered(world, gateway):
    site_month(world)
    webhook.queue_due_events(today=date(2026, 11, 28))
    db.session.commit()
    total = len(_rows())
    gateway.failures = 1
    now = utcnow()
    report = webhook.deliver_due(now=now)
    db.session.commit()
    assert (report.delivered, report.failed, gateway.requests) == (0, 1, 1)  # stops at the first failure
    first = _rows()[0]
    assert first.attempts == 1 and "HTTP 500" in first.last_error
    assert as_utc(first.next_attempt_at) == now + outbox.backoff(1)
    assert all(as_utc(row.next_attempt_at) >= now + outbox.backoff(1) for row in _rows())
    assert webhook.deliver_due(now=now + timedelta(seconds=5)).delivered == 0  # not due yet
    report = webhook.deliver_due(now=now + outbox.backoff(1))
    db.session.commit()
    assert report.delivered == total and len(gateway.received) == total
    assert [row.attempts for row in _rows()][0] == 2


def test_a_refused_event_is_set_aside_and_the_rest_go_on(world, gateway):
    site_month(world)
    webhook.queue_due_events(today=date(2026, 11, 28))
    db.session.commit()
    refused = _rows()[0]
    gateway.refuse = {refused.event_id}
    report = webhook.deliver_due()
    db.session.commit()
    assert report.refused == 1 and report.delivered == len(_rows()) - 1
    db.session.refresh(refused)
    assert refused.refused_at is not None and refused.delivered_at is None
    assert refused.last_error == "HTTP 422: no phone number"
    assert webhook.deliver_due().refused == 0  # not retried
    assert webhook.backlog().refused == 1 and webhook.backlog().pending == 0


def test_the_hourly_job_queues_this_weeks_reminders(app, world, gateway):
    site_month(world)
    app.config["JOBS_EAGER"] = False
    try:
        tasks.queue_webhook_events.call_local()
    finally:
        app.config["JOBS_EAGER"] = True
    db.session.expire_all()
    # Whatever today is, the members behind their yearly target are due every week.
    assert any(row.kind == "member_behind" for row in _rows())


def test_the_feed_page_shows_the_webhooks_backlog(client, world, gateway):
    site_month(world)
    webhook.queue_due_events(today=date(2026, 11, 28))
    db.session.commit()
    pending = len(_rows())
    login(client, "county-org")
    html = client.get("/records/feed").get_data(as_text=True)
    assert f'id="webhook-pending">{pending}<' in html and f'id="webhook-url">{gateway.url}<' in html
