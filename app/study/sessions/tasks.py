"""Jobs of group sessions."""
from __future__ import annotations

from huey import crontab

from app.core.jobs import periodic
from app.study.sessions import services


@periodic(crontab(minute="*/5"))
def close_overdue_sessions() -> None:
    """Every five minutes: a session left open closes itself at its planned end plus a grace,
    so a TV left on overnight earns nobody more than the planned length."""
    services.close_overdue_sessions()
