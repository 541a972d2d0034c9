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


@pytest.mark.parametrize("joined_party_on, transferred_in_on, expected", [
    (None, None, Decimal("32")),  # the roster gives no date: the full year's target
    (date(2025, 12, 31), None, Decimal("32")),  # joined before the year: full target
    (date(2026, 1, 10), None, Decimal("32")),
    (date(2026, 7, 1), None, Decimal("16")),  # July-December: 6 of 12 months
    (None, date(2026, 10, 15), Decimal("8")),  # transferred in this October
    (date(2026, 12, 20), None, Decimal("3")),  # 32 / 12 = 2.67, rounded up to the half hour
    (date(2027, 2, 1), None, Decimal("0")),  # not yet a member that year
    (date(2001, 7, 1), date(2026, 7, 1), Decimal("16")),  # an old member who moved here in July
    (date(2026, 4, 1), date(2019, 3, 1), Decimal("24")),  # the later date counts: April-December, 9 months
])
def test_mid_year_joins_by_the_rosters_dates_get_a_pro_rated_target(world, joined_party_on, transferred_in_on,
                                                                    expected):
    person = create_person(world.branch_a1, "新党员", joined_party_on=joined_party_on,
                           transferred_in_on=transferred_in_on)
    assert plans.target_hours(person, 2026) == expected


@pytest.mark.parametrize("created_at", [
    datetime(2026, 7, 1, tzinfo=timezone.utc), datetime(2026, 12, 20, tzinfo=timezone.utc)])
def test_the_day_a_person_was_added_does_not_make_a_mid_year_joiner(world, created_at):
    """`lms demo` or the first roster load creates everyone today: they still owe the full year."""
    member = create_person(world.branch_a1, "老党员")
    secretary = create_person(world.branch_a1, "老书记", cadre_roles=[CadreRole.BRANCH_SECRETARY])
    for person in (member, secretary):
        person.created_at = created_at
    db.session.flush()
    assert plans.target_hours(member, 2026) == Decimal("32")
    assert plans.target_hours(secretary, 2026) == Decimal("56")


def test_pro_rating_can_be_switched_off(world, app):
    person = create_person(world.branch_a1, "新党员", joined_party_on=date(2026, 7, 1))
    app.config["RECORDS_PRORATE"] = "none"
    assert plans.target_hours(person, 2026) == Decimal("32")


def test_without_a_plan_the_configured_requirement_applies(world, app):
    member = create_person(world.branch_a1, "党员")
    secretary = create_person(world.branch_a1, "书记", cadre_roles=[CadreRole.BRANCH_SECRETARY])
    app.config["REQUIRED_HOURS_MEMBER"] = Decimal("40")
    app.config["REQUIRED_HOURS_CADRE"] = Decimal("60")
    assert plans.target_hours(member, 2026) == Decimal("40")
    assert plans.target_hours(secretary, 2026) == Decimal("60")
