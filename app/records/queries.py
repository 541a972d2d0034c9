"""Scoped reads of development files and plans. Everything goes through app.core.scope."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from flask import abort

from app.core.scope import scoped, subtree_condition
from app.extensions import db
from app.org import queries as org_queries
from app.org.models import Account, Person, Unit
from app.records.models import DevelopmentEntry, EntryKind
from app.core.permissions import can


def get_entry_or_404(account: Account, entry_id: int) -> DevelopmentEntry:
    """An entry is found only when its person is in scope."""
    entry = db.session.get(DevelopmentEntry, entry_id)
    if entry is None:
        abort(404)
    org_queries.get_person_or_404(account, entry.person_id)
    return entry


def home_unit_for(account: Account) -> Unit | None:
    """The unit an organiser's reports start from: their scope unit, or the top unit for an admin."""
    if account.scope_unit is not None:
        return account.scope_unit
    return db.session.scalar(scoped(Unit, account).where(Unit.parent_id.is_(None)).order_by(Unit.id).limit(1))


def people_in_unit(account: Account, unit: Unit):
    """Statement: people in the unit's subtree, within the account's scope."""
    return scoped(Person, account).where(Person.unit_id.in_(
        select(Unit.id).where(subtree_condition(Unit.path, unit.path))))


def list_entries_for(person: Person, year: int | None = None) -> list[DevelopmentEntry]:
    statement = select(DevelopmentEntry).where(DevelopmentEntry.person_id == person.id)
    if year is not None:
        statement = statement.where(DevelopmentEntry.year == year)
    return list(db.session.scalars(statement.order_by(DevelopmentEntry.sequence)))


def years_for(person: Person) -> list[int]:
    return list(db.session.scalars(select(DevelopmentEntry.year).where(DevelopmentEntry.person_id == person.id)
                                   .group_by(DevelopmentEntry.year).order_by(DevelopmentEntry.year.desc())))


def hours_in_year(person_id: int, year: int) -> Decimal:
    value = db.session.scalar(select(func.coalesce(func.sum(DevelopmentEntry.hours), 0)).where(
        DevelopmentEntry.person_id == person_id, DevelopmentEntry.year == year))
    return Decimal(str(value)).quantize(Decimal("0.01"))


def corrections_of(entry_ids: list[int]) -> dict[int, list[DevelopmentEntry]]:
    if not entry_ids:
        return {}
    found: dict[int, list[DevelopmentEntry]] = {}
    for row in db.session.scalars(select(DevelopmentEntry).where(DevelopmentEntry.corrects_id.in_(entry_ids))
                                  .order_by(DevelopmentEntry.id)):
        found.setdefault(row.corrects_id, []).append(row)
    return found


@dataclass
class EntryPage:
    entries: list[DevelopmentEntry]
    next_cursor: int | None


def entries_page_for(account: Account, since: int, limit: int = 200) -> EntryPage:
    """Entries after the cursor (an entry id), oldest first, of people in the account's scope.

    A member's token (an account bound to a person) sees only that person's entries.
    """
    statement = select(DevelopmentEntry).where(DevelopmentEntry.id > since)
    if can(account, "view_records"):
        statement = statement.where(DevelopmentEntry.person_id.in_(scoped(Person, account, select(Person.id))))
    else:  # a member (or any other account) sees only their own file
        statement = statement.where(DevelopmentEntry.person_id == (account.person_id or -1))
    rows = list(db.session.scalars(statement.order_by(DevelopmentEntry.id).limit(limit)))
    return EntryPage(rows, rows[-1].id if rows else since)


ATTENDED_STATUSES = ("present", "late", "left_early")
KIND_LABELS = {kind.value: kind.label for kind in EntryKind}
