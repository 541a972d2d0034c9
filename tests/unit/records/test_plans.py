"""Training plan targets: regulation defaults, township -> branch inheritance, mid-year joins."""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from app.extensions import db
from app.org.choices import CadreRole, PersonCategory
from app.records import plans
from tests.factories import create_course, create_person


def test_defaults_follow_the_2019_regulation(world):
    member = create_person(world.branch_a1, "党员")
    secretary = create_person(world.branch_a1, "书记", cadre_roles=[CadreRole.BRANCH_SECRETARY])
    committee = create_person(world.branch_a1, "委员", cadre_roles=[CadreRole.COMMITTEE_MEMBER])
    villager = create_person(world.branch_a1, "群众", category=PersonCategory.NON_MEMBER)
    for person in (member, secretary, committee, villager):
        person.created_at = datetime(2020, 1, 1, tzinfo=timezone.utc)
    assert plans.target_hours(member, 2026) == Decimal("32")
    assert plans.target_hours(secretary, 2026) == Decimal("56")
    assert plans.target_hours(committee, 2026) == Decimal("56")
    assert plans.target_hours(villager, 2026) == Decimal("0")


def test_a_township_plan_applies_to_its_branches_unless_a_branch_has_its_own(world):
    organiser = world.accounts["organiser_a"]
    course = create_course(world.township_a)
    plans.save_plan(world.township_a, 2026, by=organiser, member_hours=Decimal("40"), cadre_hours=Decimal("60"),
                    deadline=date(2026, 11, 30), course_ids=[course.id])
    plans.save_plan(world.branch_a2, 2026, by=organiser, member_hours=Decimal("36"), cadre_hours=Decimal("58"))
    a1 = plans.terms_for_unit(world.branch_a1, 2026)
    a2 = plans.terms_for_unit(world.branch_a2, 2026)
    b1 = plans.terms_for_unit(world.branch_b1, 2026)
    assert (a1.member_hours, a1.cadre_hours, a1.deadline, a1.course_ids) == (40, 60, date(2026, 11, 30), [course.id])
    assert (a2.member_hours, a2.cadre_hours, a2.course_ids) == (36, 58, [])
    assert (b1.member_hours, b1.cadre_hours, b1.plan) == (32, 56, None)
    assert plans.terms_for_unit(world.branch_a1, 2025).plan is None  # a plan is for its year only
    # Saving again replaces the township's plan rather than adding a second one.
    plans.save_plan(world.township_a, 2026, by=organiser, member_hours=Decimal("44"), cadre_hours=Decimal("60"))
    assert plans.terms_for_unit(world.branch_a1, 2026).member_hours == 44


def test_plan_refuses_a_deadline_outside_its_year(world):
    with pytest.raises(plans.PlanError):
        plans.save_plan(world.township_a, 2026, by=world.accounts["organiser_a"], member_hours=Decimal("32"),
                        cadre_hours=Decimal("56"), deadline=date(2027, 1, 31))


@pytest.mark.parametrize("joined, expected", [
    (datetime(2025, 12, 31, tzinfo=timezone.utc), Decimal("32")),  # joined before the year: full target
    (datetime(2026, 1, 10, tzinfo=timezone.utc), Decimal("32")),
    (datetime(2026, 7, 1, tzinfo=timezone.utc), Decimal("16")),  # July-December: 6 of 12 months
    (datetime(2026, 10, 15, tzinfo=timezone.utc), Decimal("8")),
    (datetime(2026, 12, 20, tzinfo=timezone.utc), Decimal("3")),  # 32 / 12 = 2.67, rounded up to the half hour
    (datetime(2027, 2, 1, tzinfo=timezone.utc), Decimal("0")),  # not yet a member that year
])
def test_mid_year_joins_get_a_pro_rated_target(world, joined, expected):
    person = create_person(world.branch_a1, "新党员")
    person.created_at = joined
    db.session.flush()
    assert plans.target_hours(person, 2026) == expected


def test_pro_rating_can_be_switched_off(world, app):
    person = create_person(world.branch_a1, "新党员")
    person.created_at = datetime(2026, 7, 1, tzinfo=timezone.utc)
    app.config["RECORDS_PRORATE"] = "none"
    assert plans.target_hours(person, 2026) == Decimal("32")


def test_people_of_the_initial_roster_load_are_not_new_joiners(world, app):
    person = create_person(world.branch_a1, "老党员")
    person.created_at = datetime(2026, 7, 1, tzinfo=timezone.utc)
    app.config["RECORDS_PRORATE_SINCE"] = "2026-07-15"
    assert plans.target_hours(person, 2026) == Decimal("32")
