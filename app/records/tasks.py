"""Jobs of the records domain: the periodic delivery of the xAPI outbox and settling self-study hours."""
from __future__ import annotations

from huey import crontab

from app.core import jobs
from app.extensions import db, huey
from app.records import outbox, services


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
