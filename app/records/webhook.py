"""The outbound webhook: the reminders (app.records.reminders) as JSON events for a county's
SMS gateway or any other receiver at LMS_WEBHOOK_URL.

A periodic job queues every reminder due this week in the whole tree whose key has no row yet
(each event is sent once), and another posts due rows in order with the xAPI outbox's rule
(app.records.outbox.post_json and deliver_rows: 2xx delivered; a refusing 4xx set aside with the
receiver's reason; anything else retried after backoff(attempts), holding back the rows after it).

Each request: `Content-Type: application/json`, `X-LMS-Event: <kind>`, `X-LMS-Delivery: <event id>`
and, with LMS_WEBHOOK_SECRET set, `X-LMS-Signature: sha256=<hex HMAC-SHA256 of the raw body>`.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select

from app.core.localtime import local_today
from app.core.model_base import utcnow
from app.core.scope import scoped
from app.extensions import db
from app.org.models import Unit
from app.records import outbox, reminders
from app.records.models import WebhookMessage

SIGNATURE_HEADER = "X-LMS-Signature"


def webhook_url() -> str | None:
    return current_app.config.get("WEBHOOK_URL")


def signature(body: bytes, secret: str) -> str:
    """The signature header's value: what a receiver recomputes with the shared secret."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def queue_due_events(today=None) -> int:
    """Queue the reminders due this week in the whole tree that were never queued. The number queued."""
    if not webhook_url():
        return 0
    today = today or local_today()
    account = reminders.CountyWide()
    due = [reminder for root in db.session.scalars(scoped(Unit, account).where(Unit.parent_id.is_(None))
                                                   .order_by(Unit.id))
           for reminder in reminders.due_this_week(account, root, today)]
    if not due:
        return 0
    known = set()
    keys = [reminder.key for reminder in due]
    for offset in range(0, len(keys), 500):
        known.update(db.session.scalars(select(WebhookMessage.event_id).where(
            WebhookMessage.event_id.in_(keys[offset:offset + 500]))))
    now = utcnow()
    queued = 0
    for reminder in due:
        if reminder.key in known:
            continue
        known.add(reminder.key)
        event = {**reminder.as_event(), "queued_at": now.isoformat()}
        db.session.add(WebhookMessage(event_id=reminder.key, kind=reminder.kind, next_attempt_at=now,
                                      body=json.dumps(event, ensure_ascii=False, sort_keys=True)))
        queued += 1
    db.session.flush()
    return queued


def _send(row: WebhookMessage) -> None:
    body = row.body.encode("utf-8")
    headers = {"Content-Type": "application/json; charset=utf-8", "X-LMS-Event": row.kind,
               "X-LMS-Delivery": row.event_id}
    secret = current_app.config.get("WEBHOOK_SECRET")
    if secret:
        headers[SIGNATURE_HEADER] = signature(body, secret)
    outbox.post_json(webhook_url(), row.body, headers)


def deliver_due(now=None, limit: int = 500) -> outbox.DeliveryReport:
    """Post due events in order (the caller commits)."""
    report = outbox.DeliveryReport()
    if not webhook_url():
        return report
    now = now or utcnow()
    rows = db.session.scalars(select(WebhookMessage).where(
        WebhookMessage.delivered_at.is_(None), WebhookMessage.refused_at.is_(None),
        WebhookMessage.next_attempt_at <= now).order_by(WebhookMessage.id).limit(limit)).all()
    outbox.deliver_rows(rows, _send, now, report, what="webhook event", name=lambda row: row.event_id)
    return report


@dataclass
class WebhookBacklog:
    pending: int
    refused: int
    delivered: int


def backlog() -> WebhookBacklog:
    def count(*conditions) -> int:
        return db.session.scalar(select(func.count()).select_from(WebhookMessage).where(*conditions)) or 0

    return WebhookBacklog(pending=count(WebhookMessage.delivered_at.is_(None), WebhookMessage.refused_at.is_(None)),
                          refused=count(WebhookMessage.refused_at.is_not(None)),
                          delivered=count(WebhookMessage.delivered_at.is_not(None)))
