"""Jobs of the records domain: the periodic delivery of the xAPI outbox, settling self-study hours and the
checkpoint of every development file's head."""
from __future__ import annotations

import logging

from huey import crontab

from app.core import jobs
from app.extensions import db, huey
from app.records import integrity, outbox, services

log = logging.getLogger(__name__)


@huey.periodic_task(crontab(minute="*"), name="app.records.tasks.deliver_outbox")
def deliver_outbox() -> None:
    """Every minute: post due statements (backoff per row keeps a dead receiver cheap)."""
    app = jobs._job_app
    if app is None or app.config.get("JOBS_EAGER") or not app.config.get("RECORDS_FEED_URL"):
        return  # periodic work belongs to a real consumer
    with app.app_context():
        outbox.deliver_due()
        db.session.commit()


@huey.periodic_task(crontab(minute="*"), name="app.records.tasks.settle_self_study")
def settle_self_study() -> None:
    """Every minute: append the self-study hours granted meanwhile to the development files."""
    app = jobs._job_app
    if app is None or app.config.get("JOBS_EAGER"):
        return  # periodic work belongs to a real consumer
    with app.app_context():
        services.settle_self_study()
        db.session.commit()


@huey.periodic_task(crontab(minute="23"), name="app.records.tasks.write_checkpoint")
def write_checkpoint() -> None:
    """Every hour: the signed checkpoint of every person's head (instance/records_checkpoint.json)
    and its statement in the outbox. A file that lost what the last checkpoint recorded keeps
    that head, and is logged; a checkpoint file that fails its signature is never overwritten."""
    app = jobs._job_app
    if app is None or app.config.get("JOBS_EAGER"):
        return  # periodic work belongs to a real consumer
    with app.app_context():
        try:
            checkpoint = integrity.write_checkpoint()
        except integrity.CheckpointError:
            db.session.rollback()
            log.exception("development-file checkpoint refused; run `lms records verify`")
            return
        db.session.commit()
        if checkpoint.held_back:
            log.error("development files of people %s no longer reach their checkpointed heads; "
                      "run `lms records verify`", checkpoint.held_back)
