"""Organiser reports: each person's standing against the plan, rolled up per unit.

A handful of grouped queries over the (unit, year)-indexed entries table, then one pass in
Python per person. The figures come from development-file entries, which the study events
append in the same transaction, so they equal counts over the study records themselves.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select

from app.extensions import db
from app.org.models import Account, Person, PersonCadreRole, Unit
from app.records import plans
from app.records.models import DevelopmentEntry, EntryKind
from app.records.queries import ATTENDED_STATUSES, people_in_unit
from app.core.localtime import local_zone
from app.study.sessions.queries import open_make_up_counts
from app.core.scope import scoped

ZERO = Decimal("0")


class Standing(StrEnum):
    DONE = "done"
    ON_TRACK = "on_track"
    BEHIND = "behind"
    NOT_REQUIRED = "not_required"  # a target of zero: nothing to be done, so never "done" either

    @property
    def label(self):
        return {"done": _l("Done"), "on_track": _l("On track"), "behind": _l("Behind"),
                "not_required": _l("Not required")}[self.value]


@dataclass
class PersonRow:
    person_id: int
    name: str
    phone: str | None
    unit_id: int
    unit_path: str
    category: str
    hours: Decimal = ZERO
    target: Decimal = ZERO
    required_courses: int = 0
    completed_required: int = 0
    sessions_expected: int = 0
    sessions_attended: int = 0
    open_makeups: int = 0
    appraisal: str = ""
    standing: Standing = Standing.DONE

    @property
    def attendance_rate(self) -> float | None:
        return self.sessions_attended / self.sessions_expected if self.sessions_expected else None


@dataclass
class UnitRow:
    unit: Unit
    people: int = 0
    done: int = 0
    on_track: int = 0
    behind: int = 0
    not_required: int = 0
    hours: Decimal = ZERO
    target: Decimal = ZERO
    required_courses: int = 0
    completed_required: int = 0
    sessions_expected: int = 0
    sessions_attended: int = 0
    open_makeups: int = 0

    def add(self, row: PersonRow) -> None:
        self.people += 1
        setattr(self, row.standing.value, getattr(self, row.standing.value) + 1)
        self.hours += row.hours
        self.target += row.target
        self.required_courses += row.required_courses
        self.completed_required += row.completed_required
        self.sessions_expected += row.sessions_expected
        self.sessions_attended += row.sessions_attended
        self.open_makeups += row.open_makeups

    def share(self, count: int) -> float:
        return count / self.people if self.people else 0.0

    @property
    def completion_rate(self) -> float | None:
        return self.completed_required / self.required_courses if self.required_courses else None

    @property
    def attendance_rate(self) -> float | None:
        return self.sessions_attended / self.sessions_expected if self.sessions_expected else None


@dataclass
class Report:
    unit: Unit
    year: int
    total: UnitRow
    children: list[UnitRow] = field(default_factory=list)
    people: list[PersonRow] = field(default_factory=list)


def elapsed_share(year: int, deadline: date, today: date) -> Decimal:
    """How much of the plan period has passed (1 after the deadline)."""
    start = date(year, 1, 1)
    if today >= deadline:
        return Decimal("1")
    if today < start:
        return ZERO
    return Decimal((today - start).days + 1) / Decimal((deadline - start).days + 1)


def standing_of(hours: Decimal, target: Decimal, share: Decimal, *, open_makeups: int = 0,
                courses_left: int = 0, past_deadline: bool = False) -> Standing:
    """Done only with the target reached, no make-up open and every required course completed.

    A zero target is "not required" whatever the hours. Someone whose hours are in but who still
    owes a make-up or a course is on track until the deadline and behind after it.
    """
    if target <= 0:
        return Standing.NOT_REQUIRED
    if hours >= target:
        if not open_makeups and courses_left <= 0:
            return Standing.DONE
        return Standing.BEHIND if past_deadline else Standing.ON_TRACK
    return Standing.ON_TRACK if hours >= (target * share) else Standing.BEHIND


def person_rows(account: Account, unit: Unit, year: int, *, category: str | None = None,
                cadre_role: str | None = None, today: date | None = None) -> list[PersonRow]:
    today = today or datetime.now(local_zone()).date()
    people = people_in_unit(account, unit)
    if category:
        people = people.where(Person.category == category)
    if cadre_role:
        people = people.where(Person.id.in_(select(PersonCadreRole.person_id).where(PersonCadreRole.role == cadre_role)))
    person_ids = people.with_only_columns(Person.id)
    rows = db.session.execute(people.with_only_columns(
        Person.id, Person.name, Person.phone, Person.unit_id, Person.category, Person.joined_party_on,
        Person.transferred_in_on, Unit.path)
        .join(Unit, Unit.id == Person.unit_id).order_by(Unit.path, Person.name, Person.id)).all()
    if not rows:
        return []
    roles: dict[int, set[str]] = {}
    for person_id, role in db.session.execute(select(PersonCadreRole.person_id, PersonCadreRole.role)
                                              .where(PersonCadreRole.person_id.in_(person_ids))):
        roles.setdefault(person_id, set()).add(role)

    entries = (select(DevelopmentEntry.person_id,
                      func.sum(DevelopmentEntry.hours),
                      func.sum(case((DevelopmentEntry.kind == EntryKind.SESSION_ATTENDANCE.value,
                                     case((DevelopmentEntry.status == "on_leave", 0), else_=1)), else_=0)),
                      func.sum(case(((DevelopmentEntry.kind == EntryKind.SESSION_ATTENDANCE.value)
                                     & DevelopmentEntry.status.in_(ATTENDED_STATUSES), 1), else_=0)))
               .where(DevelopmentEntry.year == year, DevelopmentEntry.person_id.in_(person_ids))
               .group_by(DevelopmentEntry.person_id))
    totals = {person_id: (Decimal(str(hours or 0)), int(expected or 0), int(attended or 0))
              for person_id, hours, expected, attended in db.session.execute(entries)}
    completed = {}
    for person_id, course_id in db.session.execute(
            select(DevelopmentEntry.person_id, DevelopmentEntry.course_id).where(
                DevelopmentEntry.year == year, DevelopmentEntry.kind == EntryKind.COURSE_COMPLETED.value,
                DevelopmentEntry.person_id.in_(person_ids)).distinct()):
        completed.setdefault(person_id, set()).add(course_id)
    makeups = open_make_up_counts(person_ids)
    appraisals = {}
    for person_id, grade in db.session.execute(select(DevelopmentEntry.person_id, DevelopmentEntry.status).where(
            DevelopmentEntry.year == year, DevelopmentEntry.kind == EntryKind.APPRAISAL.value,
            DevelopmentEntry.person_id.in_(person_ids)).order_by(DevelopmentEntry.sequence)):
        if grade:
            appraisals[person_id] = grade

    year_plans = plans.plans_for_year(year)
    terms_by_unit: dict[int, plans.PlanTerms] = {}
    result = []
    for person_id, name, phone, unit_id, person_category, joined_party_on, transferred_in_on, path in rows:
        terms = terms_by_unit.get(unit_id)
        if terms is None:
            terms = terms_by_unit[unit_id] = plans.terms_for_unit(db.session.get(Unit, unit_id), year, year_plans)
        target = plans.target_for(terms, person_category, roles.get(person_id, ()), joined_party_on,
                                  transferred_in_on)
        hours, expected, attended = totals.get(person_id, (ZERO, 0, 0))
        done_courses = completed.get(person_id, set())
        row = PersonRow(person_id, name, phone, unit_id, path, person_category, hours=hours.quantize(Decimal("0.01")),
                        target=target, required_courses=len(terms.course_ids),
                        completed_required=len(done_courses & set(terms.course_ids)),
                        sessions_expected=expected, sessions_attended=attended,
                        open_makeups=makeups.get(person_id, 0), appraisal=appraisals.get(person_id, ""))
        row.standing = standing_of(row.hours, target, elapsed_share(year, terms.effective_deadline, today),
                                   open_makeups=row.open_makeups,
                                   courses_left=row.required_courses - row.completed_required,
                                   past_deadline=today > terms.effective_deadline)
        result.append(row)
    return result


def build_report(account: Account, unit: Unit, year: int, **filters) -> Report:
    """Totals for the unit, a row per child unit, and (for a branch) a row per person."""
    rows = person_rows(account, unit, year, **filters)

    children = list(db.session.scalars(scoped(Unit, account).where(Unit.parent_id == unit.id)
                                       .order_by(Unit.code, Unit.id)))
    by_child = {child.id: UnitRow(child) for child in children}
    report = Report(unit=unit, year=year, total=UnitRow(unit), children=list(by_child.values()))
    depth = len(unit.path.strip("/").split("/"))
    for row in rows:
        report.total.add(row)
        parts = row.unit_path.strip("/").split("/")
        if len(parts) > depth:
            child = by_child.get(int(parts[depth]))
            if child is not None:
                child.add(row)
    if not children:
        report.people = rows
    return report


def behind_people(account: Account, unit: Unit, year: int, **filters) -> list[PersonRow]:
    return [row for row in person_rows(account, unit, year, **filters) if row.standing == Standing.BEHIND]
