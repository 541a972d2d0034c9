"""Jobs of group sessions."""
from __future__ import annotations

from huey import crontab

from app.core import jobs
from app.extensions import db, huey
from app.study.sessions import services


@huey.periodic_task(crontab(minute="*/5"), name="app.study.sessions.tasks.close_overdue_sessions")
def close_overdue_sessions() -> None:
    """Every five minutes: a session left open closes itself at its planned end plus a grace,
    so a TV left on overnight earns nobody more than the planned length."""
    app = jobs._job_app
    if app is None or app.config.get("JOBS_EAGER"):
        return  # periodic work belongs to a real consumer
    with app.app_context():
        services.close_overdue_sessions()
        db.session.commit()
