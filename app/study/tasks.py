"""Jobs of the study domain."""
from __future__ import annotations

from huey import crontab

from app.core import jobs
from app.extensions import huey
from app.study.ingest import fold_now


@huey.periodic_task(crontab(minute="*"), name="app.study.tasks.fold_progress")
def fold_progress() -> None:
    """Every minute: merge heartbeats a stopped process stored but did not fold (a running
    server folds its own within a second)."""
    app = jobs._job_app
    if app is None or app.config.get("JOBS_EAGER"):
        return  # periodic work belongs to a real consumer
    with app.app_context():
        fold_now()
