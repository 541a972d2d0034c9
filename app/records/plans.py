"""Training plans: which plan applies to a person, and the hours the person must reach.

Defaults follow the 2019 regulation on member education (中国共产党党员教育管理工作条例):
members at least 32 hours a year; branch secretaries and committee members at least 56.
A unit's plan applies to its whole subtree unless a lower unit has its own; the nearest wins.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.org.choices import CadreRole, PersonCategory
from app.org.models import Account, Person, Unit
from app.records.models import PlanCourse, TrainingPlan
from app.study.rules import setting

DEFAULT_MEMBER_HOURS = Decimal("32")
DEFAULT_CADRE_HOURS = Decimal("56")
MEMBER_CATEGORIES = frozenset({PersonCategory.FULL_MEMBER.value, PersonCategory.PROBATIONARY.value})
PLAN_CADRE_ROLES = frozenset({CadreRole.BRANCH_SECRETARY.value, CadreRole.COMMITTEE_MEMBER.value})


class PlanError(Exception):
    """A refused plan; the message is shown to the user."""


@dataclass
class PlanTerms:
    """The terms in force for a unit and year: a stored plan or the regulation's defaults."""

    year: int
    member_hours: Decimal = DEFAULT_MEMBER_HOURS
    cadre_hours: Decimal = DEFAULT_CADRE_HOURS
    other_hours: Decimal = Decimal("0")
    deadline: date | None = None
    course_ids: list[int] = field(default_factory=list)
    plan: TrainingPlan | None = None

    @property
    def effective_deadline(self) -> date:
        return self.deadline or date(self.year, 12, 31)


def ancestor_ids(unit: Unit) -> list[int]:
    """The unit and its ancestors, nearest first (from the materialised path "/1/4/9/")."""
    return [int(part) for part in reversed(unit.path.strip("/").split("/")) if part]


def terms_for_unit(unit: Unit, year: int, plans_by_unit: dict[int, TrainingPlan] | None = None) -> PlanTerms:
    ids = ancestor_ids(unit)
    if plans_by_unit is None:
        plans_by_unit = {plan.unit_id: plan for plan in db.session.scalars(
            select(TrainingPlan).where(TrainingPlan.unit_id.in_(ids), TrainingPlan.year == year))}
    for unit_id in ids:
        plan = plans_by_unit.get(unit_id)
        if plan is not None:
            return PlanTerms(year=year, member_hours=Decimal(plan.member_hours), cadre_hours=Decimal(plan.cadre_hours),
                             other_hours=Decimal(plan.other_hours), deadline=plan.deadline,
                             course_ids=plan.course_ids, plan=plan)
    return default_terms(year)


def default_terms(year: int) -> PlanTerms:
    """Without a stored plan: the regulation's hours, as LMS_REQUIRED_HOURS_MEMBER/_CADRE set them."""
    return PlanTerms(year=year, member_hours=Decimal(setting("LMS_REQUIRED_HOURS_MEMBER")),
                     cadre_hours=Decimal(setting("LMS_REQUIRED_HOURS_CADRE")))


def plans_for_year(year: int) -> dict[int, TrainingPlan]:
    return {plan.unit_id: plan for plan in db.session.scalars(select(TrainingPlan).where(TrainingPlan.year == year))}


def full_year_target(terms: PlanTerms, category: str, cadre_roles: set[str]) -> Decimal:
    if cadre_roles and not PLAN_CADRE_ROLES.isdisjoint(cadre_roles):
        return terms.cadre_hours
    if category in MEMBER_CATEGORIES:
        return terms.member_hours
    return terms.other_hours


def joined_on(joined_party_on: date | None, transferred_in_on: date | None) -> date | None:
    """The day the person came under the branch's requirement, from the roster's two dates.

    The later of 入党日期 and 转入日期: someone who joined the party years ago and transferred
    in this March owes this year's share from March. None when the roster gives neither.
    """
    dates = [day for day in (joined_party_on, transferred_in_on) if day is not None]
    return max(dates) if dates else None


def prorate(hours: Decimal, year: int, joined: date | None) -> Decimal:
    """A person who joined during the year owes the share of the months left (joining month counts).

    `joined` is the roster's date (see joined_on); without one, or before the year, the full
    year's hours apply. LMS_RECORDS_PRORATE=none turns pro-rating off.
    """
    rule = current_app.config.get("RECORDS_PRORATE", "monthly")
    if rule == "none" or joined is None or joined.year < year:
        return hours
    if joined.year > year:
        return Decimal("0")
    months = 12 - joined.month + 1
    # Rounded up to the half hour, so a target is never a fraction nobody can read.
    share = hours * months / 12
    return (share * 2).quantize(Decimal("1"), rounding="ROUND_CEILING") / 2


def target_for(terms: PlanTerms, category: str, cadre_roles, joined_party_on: date | None,
               transferred_in_on: date | None) -> Decimal:
    """The yearly target from plain values (the dashboard's batch path); target_hours wraps it."""
    base = full_year_target(terms, category, set(cadre_roles))
    return prorate(base, terms.year, joined_on(joined_party_on, transferred_in_on))


def target_hours(person: Person, year: int, terms: PlanTerms | None = None) -> Decimal:
    """The hours the person must reach in the year: what the dashboard and the person's own page show."""
    terms = terms or terms_for_unit(person.unit, year)
    return target_for(terms, person.category, {role.value for role in person.cadre_roles},
                      person.joined_party_on, person.transferred_in_on)


def save_plan(unit: Unit, year: int, *, by: Account, member_hours: Decimal, cadre_hours: Decimal,
              other_hours: Decimal = Decimal("0"), deadline: date | None = None,
              course_ids: list[int] = ()) -> TrainingPlan:
    """Create or replace the unit's plan for the year."""
    for value in (member_hours, cadre_hours, other_hours):
        if value is None or Decimal(value) < 0 or Decimal(value) > 1000:
            raise PlanError(_("Hours are between 0 and 1000."))
    deadline = deadline or date(year, 12, 31)
    if deadline.year != year:
        raise PlanError(_("The deadline must fall within the plan's year."))
    plan = db.session.scalar(select(TrainingPlan).where(TrainingPlan.unit_id == unit.id, TrainingPlan.year == year))
    if plan is None:
        plan = TrainingPlan(unit_id=unit.id, year=year, created_by_id=by.id)
        db.session.add(plan)
    plan.member_hours = Decimal(member_hours).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    plan.cadre_hours = Decimal(cadre_hours).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    plan.other_hours = Decimal(other_hours).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    plan.deadline = deadline
    plan.course_rows = [PlanCourse(course_id=course_id) for course_id in dict.fromkeys(course_ids)]
    db.session.flush()
    return plan
