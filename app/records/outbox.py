"""The persistent outbox: every new entry becomes a row in the same transaction, and a
periodic job posts due rows to the configured receiver. At least once, never lost: a row is
marked delivered only after the receiver answered 2xx; the statement id lets it drop repeats."""
from __future__ import annotations

import base64
import json
import logging
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import func, select

from app.core.localtime import local_moment
from app.core.model_base import as_utc, utcnow
from app.extensions import db
from app.records.models import DevelopmentEntry, OutboxStatement
from app.records.xapi import checkpoint_statement, statement_for, vocabulary

logger = logging.getLogger(__name__)

BASE_DELAY_SECONDS = 30
MAX_DELAY_SECONDS = 6 * 3600
CHECKPOINT_NAMESPACE = uuid.UUID("6c1f2a57-3c38-4b1e-9d0e-0b8f5a1c2d47")  # statement ids of checkpoints


def feed_url() -> str | None:
    return current_app.config.get("RECORDS_FEED_URL")


@dataclass(frozen=True)
class FeedConfiguration:
    """What the organiser's feed page tells about the configuration, in words, not variable names."""

    url: str | None
    authentication: str  # "basic", "bearer" or "none"
    user: str
    base_iri: str
    base_iri_configured: bool
    actor_homepage: str
    actor_homepage_configured: bool
    actor_key_configured: bool


def configuration() -> FeedConfiguration:
    config = current_app.config
    words = vocabulary()
    authentication = "basic" if config.get("RECORDS_FEED_USER") else (
        "bearer" if config.get("RECORDS_FEED_TOKEN") else "none")
    return FeedConfiguration(url=feed_url(), authentication=authentication, user=config.get("RECORDS_FEED_USER") or "",
                             base_iri=words.base_iri, base_iri_configured=bool(config.get("XAPI_BASE_IRI")),
                             actor_homepage=words.actor_homepage,
                             actor_homepage_configured=bool(config.get("XAPI_ACTOR_HOMEPAGE")),
                             actor_key_configured=words.actor_key_configured)


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


# A 4xx says the receiver will answer this statement the same again: it is set aside and the
# rest go on. Except 408 and 429 ("later") and the answers about the receiver's configuration
# rather than the statement (our credentials or address are wrong: every statement would be
# refused alike), which stop the round and are retried with back-off like a receiver that is down.
RETRIED_CLIENT_ERRORS = frozenset({401, 403, 404, 405, 408, 429})


class Refused(Exception):
    """The receiver refused this statement for good; the message is its reason."""


def _headers() -> dict:
    """xAPI headers with the configured authentication: HTTP Basic (user and password), else a
    bearer token, else none."""
    headers = {"Content-Type": "application/json", "X-Experience-API-Version": "1.0.3"}
    user, password = current_app.config.get("RECORDS_FEED_USER"), current_app.config.get("RECORDS_FEED_PASSWORD")
    token = current_app.config.get("RECORDS_FEED_TOKEN")
    if user:
        credentials = base64.b64encode(f"{user}:{password or ''}".encode("utf-8")).decode("ascii")
        headers["Authorization"] = f"Basic {credentials}"
    elif token:
        headers["Authorization"] = f"Bearer {token}"
    return headers


def _reason(error: urllib.error.HTTPError) -> str:
    """The receiver's own words: its JSON `detail`/`message`/`error`, else the start of its body."""
    try:
        text = error.read(4000).decode("utf-8", "replace")
    except OSError:
        text = ""
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    if isinstance(body, dict):
        for key in ("detail", "message", "error", "errors"):
            if body.get(key):
                detail = body[key]
                text = detail if isinstance(detail, str) else json.dumps(detail, ensure_ascii=False)
                break
    return f"HTTP {error.code}: {' '.join(text.split()) or error.reason}"[:500]


# What a statement says, as the xAPI specification compares statements: the LRS adds stored,
# authority, version and may fill in defaults, none of which changes what was said.
_COMPARED = ("actor", "verb", "object", "result", "context", "timestamp")


def _same_statement(sent: dict, stored: dict) -> bool:
    def comparable(statement: dict) -> dict:
        values = {key: statement.get(key) for key in _COMPARED}
        if values["timestamp"]:
            values["timestamp"] = datetime.fromisoformat(values["timestamp"].replace("Z", "+00:00"))
        return json.loads(json.dumps(values, sort_keys=True, default=str))

    return comparable(sent) == comparable(stored)


def _already_stored(body: str) -> bool:
    """After a 409: is the statement the receiver holds under this id the one we sent (our own
    earlier delivery whose answer was lost)? Anything else is a real conflict."""
    sent = json.loads(body)
    url = f"{feed_url()}?{urllib.parse.urlencode({'statementId': sent['id']})}"
    request = urllib.request.Request(url, headers=_headers(), method="GET")
    try:
        with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310 (configured URL)
            stored = json.loads(response.read())
    except (urllib.error.URLError, OSError, ValueError):
        return False
    return isinstance(stored, dict) and _same_statement(sent, stored)


def post_json(url: str, body: str, headers: dict, *, already_stored=None) -> None:
    """POST `body` to `url`: returns on 2xx, raises Refused for an answer that will not change
    (a 4xx outside RETRIED_CLIENT_ERRORS) and OSError for any other failure (retried with backoff).
    `already_stored(body)`, when given, turns a 409 into success (the receiver holds it already).
    The one delivery rule of every outbound queue: the xAPI feed and the webhook (app.records.webhook)."""
    request = urllib.request.Request(url, data=body.encode("utf-8"), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310 (configured URL)
            response.read()
    except urllib.error.HTTPError as error:
        if error.code == 409 and already_stored is not None and already_stored(body):
            return
        if 400 <= error.code < 500 and error.code not in RETRIED_CLIENT_ERRORS:
            raise Refused(_reason(error)) from error
        raise OSError(_reason(error)) from error


def _post(body: str) -> None:
    post_json(feed_url(), body, _headers(), already_stored=_already_stored)


@dataclass
class DeliveryReport:
    delivered: int = 0
    failed: int = 0
    refused: int = 0


def _due(now: datetime):
    return (OutboxStatement.delivered_at.is_(None), OutboxStatement.refused_at.is_(None),
            OutboxStatement.next_attempt_at <= now)


def deliver_due(now: datetime | None = None, limit: int = 500) -> DeliveryReport:
    """Post due statements in order. A statement the receiver refuses for good is set aside with
    its reason and the rest go on; at any other failure (the receiver is down or busy) stop, and
    everything after it waits as long.

    The caller commits; each row's outcome is flushed as soon as it is known.
    """
    report = DeliveryReport()
    if not feed_url():
        return report
    now = now or utcnow()
    rows = db.session.scalars(select(OutboxStatement).where(*_due(now))
                              .order_by(OutboxStatement.id).limit(limit)).all()
    deliver_rows(rows, lambda row: _post(row.body), now, report, what="statement",
                 name=lambda row: row.statement_id)
    return report


def deliver_rows(rows, send, now: datetime, report: DeliveryReport, *, what: str, name) -> None:
    """Send due rows in order (rows with attempts, last_error, next_attempt_at, delivered_at and
    refused_at, as OutboxStatement and WebhookMessage have). A row refused for good is set aside
    with its reason and the rest go on; at any other failure stop: the row waits backoff(attempts)
    and everything after it waits as long, so one dead receiver costs one request a round.
    Each row's outcome is flushed; the caller commits."""
    for position, row in enumerate(rows):
        row.attempts += 1
        try:
            send(row)
        except Refused as refusal:
            row.last_error = str(refusal)
            row.refused_at = now
            report.refused += 1
            logger.warning("The receiver refused %s %s: %s", what, name(row), refusal)
            continue
        except (urllib.error.URLError, OSError, ValueError) as error:
            row.last_error = str(error)[:500]
            row.next_attempt_at = now + backoff(row.attempts)
            report.failed += 1
            for later in rows[position + 1:]:
                later.next_attempt_at = max(as_utc(later.next_attempt_at), row.next_attempt_at)
            break
        row.delivered_at = now
        row.last_error = ""
        report.delivered += 1
    db.session.flush()


def backfill(since: date | None = None, chunk: int = 1000) -> int:
    """Queue every entry that has no statement in the outbox yet (made before the feed was
    configured), oldest first, optionally only those that happened on or after `since`.
    Returns how many were queued; running it again queues nothing new."""
    if not feed_url():
        return 0
    queued = 0
    last_id = 0
    sent = select(OutboxStatement.id).where(OutboxStatement.statement_id == DevelopmentEntry.uid)
    while True:
        query = select(DevelopmentEntry).where(DevelopmentEntry.id > last_id, ~sent.exists())
        if since is not None:
            query = query.where(DevelopmentEntry.occurred_at >= local_moment(since, time.min))
        entries = db.session.scalars(query.order_by(DevelopmentEntry.id).limit(chunk)).all()
        if not entries:
            return queued
        for entry in entries:
            enqueue_statement(entry)
            queued += 1
        last_id = entries[-1].id
        db.session.commit()


def refused_statements(limit: int = 50) -> list[OutboxStatement]:
    return db.session.scalars(select(OutboxStatement).where(OutboxStatement.refused_at.is_not(None))
                              .order_by(OutboxStatement.refused_at.desc(), OutboxStatement.id.desc())
                              .limit(limit)).all()


def retry_refused() -> int:
    """Put refused statements back in the queue (after the receiver's side was fixed)."""
    rows = db.session.scalars(select(OutboxStatement).where(OutboxStatement.refused_at.is_not(None))).all()
    for row in rows:
        row.refused_at = None
        row.next_attempt_at = utcnow()
    db.session.flush()
    return len(rows)


@dataclass
class Backlog:
    pending: int
    refused: int
    last_delivered_at: datetime | None
    last_error: str
    next_attempt_at: datetime | None


def backlog() -> Backlog:
    pending = db.session.scalar(select(func.count()).select_from(OutboxStatement).where(
        OutboxStatement.delivered_at.is_(None), OutboxStatement.refused_at.is_(None)))
    refused = db.session.scalar(select(func.count()).select_from(OutboxStatement)
                                .where(OutboxStatement.refused_at.is_not(None)))
    last_delivered = db.session.scalar(select(func.max(OutboxStatement.delivered_at)))
    failing = db.session.execute(select(OutboxStatement.last_error, OutboxStatement.next_attempt_at).where(
        OutboxStatement.delivered_at.is_(None), OutboxStatement.refused_at.is_(None)).order_by(OutboxStatement.id).limit(1)).first()
    return Backlog(pending=pending or 0, refused=refused or 0, last_delivered_at=as_utc(last_delivered) if last_delivered else None,
                   last_error=failing.last_error if failing else "",
                   next_attempt_at=as_utc(failing.next_attempt_at) if failing else None)
