"""Jobs of the study domain."""
from __future__ import annotations

from huey import crontab

from app.core import jobs
from app.extensions import db, huey
from app.study import progress, sessions


@huey.periodic_task(crontab(minute="*/10"), name="app.study.tasks.fold_progress")
def fold_progress() -> None:
    """Repair: merge heartbeats an older version stored without merging them (every heartbeat
    is merged in its own request now; this finds nothing on an installation that never ran it)."""
    app = jobs._job_app
    if app is None or app.config.get("JOBS_EAGER"):
        return  # periodic work belongs to a real consumer
    with app.app_context():
        while progress.fold_pending():
            db.session.commit()
        db.session.commit()


@huey.periodic_task(crontab(minute="*/5"), name="app.study.tasks.close_overdue_sessions")
def close_overdue_sessions() -> None:
    """Every five minutes: a session left open closes itself at its planned end plus a grace,
    so a TV left on overnight earns nobody more than the planned length."""
    app = jobs._job_app
    if app is None or app.config.get("JOBS_EAGER"):
        return  # periodic work belongs to a real consumer
    with app.app_context():
        sessions.close_overdue_sessions()
        db.session.commit()
