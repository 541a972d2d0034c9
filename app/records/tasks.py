"""Jobs of the records domain: the periodic delivery of the xAPI outbox, settling self-study hours, the
checkpoint of every development file's head, and the reminders' webhook."""
from __future__ import annotations

import logging

from huey import crontab

from app.core.jobs import periodic
from app.extensions import db
from app.records import integrity, outbox, services, webhook

log = logging.getLogger(__name__)


@periodic(crontab(minute="*"))
def deliver_outbox() -> None:
    """Every minute: post due statements (backoff per row keeps a dead receiver cheap)."""
    if outbox.feed_url():
        outbox.deliver_due()


@periodic(crontab(minute="*"))
def settle_self_study() -> None:
    """Every minute: append the self-study hours granted meanwhile to the development files."""
    services.settle_self_study()


@periodic(crontab(minute="23"))
def write_checkpoint() -> None:
    """Every hour: the signed checkpoint of every person's head (instance/records_checkpoint.json)
    and its statement in the outbox. A file that lost what the last checkpoint recorded keeps
    that head, and is logged; a checkpoint file that fails its signature is never overwritten."""
    try:
        checkpoint = integrity.write_checkpoint()
    except integrity.CheckpointError:
        db.session.rollback()
        log.exception("development-file checkpoint refused; run `lms records verify`")
        return
    if checkpoint.held_back:
        log.error("development files of people %s no longer reach their checkpointed heads; "
                  "run `lms records verify`", checkpoint.held_back)


@periodic(crontab(minute="7"))
def queue_webhook_events() -> None:
    """Every hour: the reminders due this week that the webhook has not been given yet."""
    if webhook.webhook_url():
        webhook.queue_due_events()


@periodic(crontab(minute="*"))
def deliver_webhook() -> None:
    """Every minute: post due webhook events (the outbox's backoff rule per row)."""
    if webhook.webhook_url():
        webhook.deliver_due()
