"""Shared builders of records tests: study events produced through the real services."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.core.model_base import utcnow
from app.extensions import db
from app.records.models import DevelopmentEntry
from app.study.sessions import services as session_services
from tests.factories import create_course, create_person


def entries_of(person, kind: str | None = None) -> list[DevelopmentEntry]:
    statement = select(DevelopmentEntry).where(DevelopmentEntry.person_id == person.id)
    if kind:
        statement = statement.where(DevelopmentEntry.kind == kind)
    return list(db.session.scalars(statement.order_by(DevelopmentEntry.sequence)))


def complete_course(person, course, at=None):
    from app.study.credit import complete_lesson
    from app.study.progress.models import CreditSource

    at = at or utcnow()
    for lesson in course.lessons:
        complete_lesson(person.id, lesson, source=CreditSource.SELF_STUDY, at=at)


def closed_session(world, *, members: int = 3, lessons: int = 2):
    """A session at site A1 with person_a1 and `members` more: person_a1 present, [1] late, the rest absent."""
    people = [world.person_a1] + [create_person(world.branch_a1, f"成员{n}") for n in range(1, members + 1)]
    course = create_course(world.township_a, "马铃薯晚疫病防治", lessons=lessons, publish_to=[world.township_a])
    secretary = world.accounts["secretary_a1"]
    start = utcnow() + timedelta(minutes=5)
    session = session_services.schedule_session(by=secretary, site=world.site_a1, title="马铃薯晚疫病防治",
                                                starts_at=start, planned_end_at=start + timedelta(hours=1),
                                                course=course)
    session_services.open_session(session, by=secretary)
    session_services.sign_in(session, people[0].id, source="tick", by=secretary)
    session_services.sign_in(session, people[1].id, source="tick", by=secretary,
                             now=session.starts_at + timedelta(minutes=20))
    session_services.close_session(session, by=secretary)
    return session, people
