"""Data for the progress and completion tests: published video courses and event batches."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from app.extensions import db
from app.media.models import Media, MediaStatus
from tests.factories import create_course, create_lesson


def create_video(unit, duration: float = 600.0) -> Media:
    media = Media(kind="video", status=MediaStatus.READY, original_name="课.mp4", mime="video/mp4",
                  duration=duration, owner_unit_id=unit.id)
    db.session.add(media)
    db.session.flush()
    return media


def video_course(world, *, duration: float = 600.0, lessons: int = 1, credit_hours: str = "2", extra=None):
    """A course of `lessons` video lessons, published to township A (branch A1 sees it)."""
    from app.catalog import services as catalog_services

    course = create_course(world.township_a, credit_hours=credit_hours, lessons=0)
    for number in range(lessons):
        create_lesson(course, type="video", title=f"视频{number + 1}", media=create_video(world.township_a, duration))
    if extra:
        extra(course)
    catalog_services.publish_course(course, [world.township_a])
    db.session.commit()
    return course


T0 = datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc)


def event(lesson_id: int, start: float, end: float, at: datetime, **extra) -> dict:
    return {"id": extra.pop("id", None) or str(uuid.uuid4()), "lesson_id": lesson_id, "start": start, "end": end,
            "at": at.isoformat(), **extra}


def playback(lesson_id: int, start: float, end: float, begin_at: datetime = T0, step: float = 15.0, **extra):
    """Heartbeat events of continuous playback from `start` to `end`, one per `step` seconds."""
    events, position = [], start
    while position < end:
        stop = min(end, position + step)
        events.append(event(lesson_id, position, stop, begin_at + timedelta(seconds=stop - start), **extra))
        position = stop
    return events


def as_loaded(events: list[dict]) -> list[dict]:
    """What the API schema hands the service (times parsed)."""
    return [{**item, "at": datetime.fromisoformat(item["at"])} for item in events]


def learners_seen_since(moment: datetime) -> None:
    """Precondition for tests that replay playback as one late batch: the server first heard from
    every learner at `moment` (so their real time since then may be credited; see
    app.study.progress.services.spend_real_time). A learner already seen keeps their clock."""
    from sqlalchemy import select

    from app.org.models import Person
    from app.study.progress.models import StudyClock

    known = set(db.session.scalars(select(StudyClock.person_id)))
    for person_id in db.session.scalars(select(Person.id)):
        if person_id not in known:
            db.session.add(StudyClock(person_id=person_id, credited_until=moment))
    db.session.flush()
