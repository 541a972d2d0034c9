"""The persistent outbox: every new entry becomes a row in the same transaction, and a
periodic job posts due rows to the configured receiver. At least once, never lost: a row is
marked delivered only after the receiver answered 2xx; the statement id lets it drop repeats."""
from __future__ import annotations

import json
import uuid
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from app.core.model_base import as_utc, utcnow
from app.extensions import db
from app.records.models import DevelopmentEntry, OutboxStatement
from app.records.xapi import checkpoint_statement, statement_for

BASE_DELAY_SECONDS = 30
MAX_DELAY_SECONDS = 6 * 3600
CHECKPOINT_NAMESPACE = uuid.UUID("6c1f2a57-3c38-4b1e-9d0e-0b8f5a1c2d47")  # statement ids of checkpoints


def feed_url() -> str | None:
    return current_app.config.get("RECORDS_FEED_URL")


def enqueue_statement(entry: DevelopmentEntry) -> OutboxStatement | None:
    if not feed_url():
        return None
    row = OutboxStatement(statement_id=entry.uid, entry_id=entry.id, next_attempt_at=utcnow(),
                          body=json.dumps(statement_for(entry), ensure_ascii=False, sort_keys=True))
    db.session.add(row)
    db.session.flush()
    return row


def enqueue_checkpoint(checkpoint, *, previous_signature: str) -> OutboxStatement | None:
    """The checkpoint's statement (app.records.integrity.write_checkpoint), in the outbox's order."""
    if not feed_url():
        return None
    statement_id = str(uuid.uuid5(CHECKPOINT_NAMESPACE, checkpoint.signature))
    body = checkpoint_statement(statement_id=statement_id, number=checkpoint.number,
                                written_at=checkpoint.written_at, people=len(checkpoint.heads),
                                entries=checkpoint.entries, digest=checkpoint.digest,
                                signature=checkpoint.signature, previous_signature=previous_signature)
    row = OutboxStatement(statement_id=statement_id, entry_id=None, next_attempt_at=utcnow(),
                          body=json.dumps(body, ensure_ascii=False, sort_keys=True))
    db.session.add(row)
    db.session.flush()
    return row


def refresh_pending_statements(entry_ids: list[int]) -> None:
    """Statements not yet delivered carry the entries' current hashes (after re-chaining)."""
    for start in range(0, len(entry_ids), 1000):
        rows = db.session.scalars(select(OutboxStatement).where(
            OutboxStatement.entry_id.in_(entry_ids[start:start + 1000]), OutboxStatement.delivered_at.is_(None)))
        for row in rows:
            entry = db.session.get(DevelopmentEntry, row.entry_id)
            row.body = json.dumps(statement_for(entry), ensure_ascii=False, sort_keys=True)
    db.session.flush()


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(MAX_DELAY_SECONDS, BASE_DELAY_SECONDS * 2 ** max(0, attempts - 1)))


def _post(body: str) -> None:
    headers = {"Content-Type": "application/json", "X-Experience-API-Version": "1.0.3"}
    token = current_app.config.get("RECORDS_FEED_TOKEN")
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(feed_url(), data=body.encode("utf-8"), headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310 (configured URL)
        response.read()


@dataclass
class DeliveryReport:
    delivered: int = 0
    failed: int = 0


def deliver_due(now: datetime | None = None, limit: int = 500) -> DeliveryReport:
    """Post due statements in order; stop at the first failure (the receiver is likely down).

    The caller commits; each row's outcome is flushed as soon as it is known.
    """
    report = DeliveryReport()
    if not feed_url():
        return report
    now = now or utcnow()
    rows = db.session.scalars(select(OutboxStatement).where(
        OutboxStatement.delivered_at.is_(None), OutboxStatement.next_attempt_at <= now)
        .order_by(OutboxStatement.id).limit(limit)).all()
    for row in rows:
        row.attempts += 1
        try:
            _post(row.body)
        except (urllib.error.URLError, OSError, ValueError) as error:
            row.last_error = str(error)[:500]
            row.next_attempt_at = now + backoff(row.attempts)
            report.failed += 1
            # Everything after it waits as long, so one dead receiver costs one request a round.
            for later in rows[rows.index(row) + 1:]:
                later.next_attempt_at = max(as_utc(later.next_attempt_at), row.next_attempt_at)
            break
        row.delivered_at = now
        row.last_error = ""
        report.delivered += 1
    db.session.flush()
    return report


@dataclass
class Backlog:
    pending: int
    last_delivered_at: datetime | None
    last_error: str
    next_attempt_at: datetime | None


def backlog() -> Backlog:
    pending = db.session.scalar(select(func.count()).select_from(OutboxStatement)
                                .where(OutboxStatement.delivered_at.is_(None)))
    last_delivered = db.session.scalar(select(func.max(OutboxStatement.delivered_at)))
    failing = db.session.execute(select(OutboxStatement.last_error, OutboxStatement.next_attempt_at).where(
        OutboxStatement.delivered_at.is_(None)).order_by(OutboxStatement.id).limit(1)).first()
    return Backlog(pending=pending or 0, last_delivered_at=as_utc(last_delivered) if last_delivered else None,
                   last_error=failing.last_error if failing else "",
                   next_attempt_at=as_utc(failing.next_attempt_at) if failing else None)
