"""Jobs of study progress."""
from __future__ import annotations

from huey import crontab

from app.core import jobs
from app.extensions import db, huey
from app.study.progress import services


@huey.periodic_task(crontab(minute="*/10"), name="app.study.progress.tasks.fold_progress")
def fold_progress() -> None:
    """Repair: merge heartbeats an older version stored without merging them (every heartbeat
    is merged in its own request now; this finds nothing on an installation that never ran it)."""
    app = jobs._job_app
    if app is None or app.config.get("JOBS_EAGER"):
        return  # periodic work belongs to a real consumer
    with app.app_context():
        while services.fold_pending():
            db.session.commit()
        db.session.commit()
