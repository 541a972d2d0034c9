"""Shared builders of records tests: study events produced through the real services."""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from sqlalchemy import insert, select, text

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


# --- rows read and written past the application (attacks, data of older versions) ----------

def unkeyed_hash_as_before_0014(row: dict, prev_hash: str) -> str:
    """What someone reading the code before 0014 recomputes: SHA-256 of the previous hash and the
    entry's fields as canonical JSON (no key needed)."""
    fields = ("uid", "person_id", "sequence", "unit_id", "year", "kind", "occurred_at", "source", "course_id",
              "session_id", "attempt_id", "grant_id", "title", "hours", "score", "status", "note", "corrects_id",
              "recorded_by_id")
    values = {}
    for name in fields:
        value = row[name]
        if isinstance(value, datetime):
            value = (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).astimezone(timezone.utc) \
                .strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        elif isinstance(value, Decimal):
            value = str(value.quantize(Decimal("0.001")))
        elif isinstance(value, float):
            value = f"{value:.4f}"
        values[name] = value
    canonical = json.dumps(values, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


def stored_rows(person_id: int) -> list[dict]:
    """The person's rows as stored (typed by the table, read past the application)."""
    table = DevelopmentEntry.__table__
    with db.engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(
            select(table).where(table.c.person_id == person_id).order_by(table.c.sequence))]


def insert_entry(values: dict) -> None:
    db.session.commit()
    with db.engine.begin() as connection:
        connection.execute(insert(DevelopmentEntry.__table__).values(**values))
    db.session.expire_all()


def rehash_without_key(person_id: int, recompute, *, start: int = 1) -> None:
    """Recompute the person's chain from entry #start with `recompute` and store it."""
    rows = stored_rows(person_id)
    prev_hash = rows[start - 2]["hash"] if start > 1 else ""
    db.session.commit()
    with db.engine.begin() as connection:
        for row in rows[start - 1:]:
            row["prev_hash"] = prev_hash
            prev_hash = recompute(row, prev_hash)
            connection.execute(text("UPDATE development_entry SET prev_hash = :prev, hash = :hash WHERE id = :id"),
                               {"prev": row["prev_hash"], "hash": prev_hash, "id": row["id"]})
    db.session.expire_all()
