"""Jobs of study progress."""
from __future__ import annotations

from huey import crontab

from app.core.jobs import periodic
from app.extensions import db
from app.study.progress import services


@periodic(crontab(minute="*/10"))
def fold_progress() -> None:
    """Repair: merge heartbeats an older version stored without merging them (every heartbeat
    is merged in its own request now; this finds nothing on an installation that never ran it).
    Each batch commits on its own so a long repair holds no lock for long."""
    while services.fold_pending():
        db.session.commit()
