"""The installation's local time: moments are stored in UTC; days and years are the county's.

The zone is BABEL_DEFAULT_TIMEZONE (LMS_TIMEZONE, default Asia/Shanghai), the same one the
pages format times in.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import current_app

from app.core.model_base import as_utc, utcnow

DEFAULT_ZONE = "Asia/Shanghai"


def local_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or DEFAULT_ZONE)


def local_day(moment: datetime) -> date:
    return as_utc(moment).astimezone(local_zone()).date()


def local_year(moment: datetime | None = None) -> int:
    """The local year of a moment (now when left out): a study year ends at local midnight."""
    return as_utc(moment or utcnow()).astimezone(local_zone()).year


def local_today() -> date:
    return local_day(utcnow())


def local_moment(day: date, at: time) -> datetime:
    """A local wall-clock time on a day, as a UTC moment."""
    return datetime.combine(day, at, tzinfo=local_zone()).astimezone(timezone.utc)


def local_day_bounds(now: datetime | None = None) -> tuple[datetime, datetime]:
    """The local day around `now`, as UTC moments: moments are stored in UTC, and SQLite compares
    their digits, so bounds in local time would shift the day by the zone's offset."""
    day = local_day(now or utcnow())
    start = local_moment(day, time.min)
    return start, local_moment(day + timedelta(days=1), time.min)
