"""Organiser figures equal direct counts over the raw study records, within scope."""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

from sqlalchemy import func, select

from app.core.model_base import utcnow
from app.core.scope import subtree_condition
from app.extensions import db
from app.org.models import Person, Unit
from app.records.dashboard import Standing, build_report, elapsed_share, person_rows, standing_of
from app.records.services import local_year
from app.study.progress.models import CreditGrant
from app.study.sessions.models import ATTENDED, Attendance, MakeUp, MakeUpStatus
from tests.factories import create_course, create_person
from tests.unit.records.records_data import closed_session, complete_course


def _people_of(unit):
    return select(Person.id).where(Person.unit_id.in_(select(Unit.id).where(subtree_condition(Unit.path, unit.path))))


def test_standing_against_the_share_of_the_year_gone():
    share = elapsed_share(2026, date(2026, 12, 31), date(2026, 7, 2))
    assert Decimal("0.49") < share < Decimal("0.51")
    assert standing_of(Decimal("32"), Decimal("32"), share) == Standing.DONE
    assert standing_of(Decimal("17"), Decimal("32"), share) == Standing.ON_TRACK
    assert standing_of(Decimal("10"), Decimal("32"), share) == Standing.BEHIND
    assert elapsed_share(2025, date(2025, 12, 31), date(2026, 3, 1)) == 1


def test_done_needs_the_hours_no_open_make_up_and_the_courses():
    share = Decimal("0.5")
    assert standing_of(Decimal("40"), Decimal("32"), share, open_makeups=1) == Standing.ON_TRACK
    assert standing_of(Decimal("40"), Decimal("32"), share, open_makeups=2, past_deadline=True) == Standing.BEHIND
    assert standing_of(Decimal("40"), Decimal("32"), share, courses_left=1) == Standing.ON_TRACK
    assert standing_of(Decimal("31.5"), Decimal("32"), share) != Standing.DONE


def test_a_zero_target_is_not_required_never_done():
    assert standing_of(Decimal("0"), Decimal("0"), Decimal("0.5")) == Standing.NOT_REQUIRED
    assert standing_of(Decimal("0"), Decimal("0"), Decimal("0.5"), open_makeups=2) == Standing.NOT_REQUIRED
    assert standing_of(Decimal("5"), Decimal("0"), Decimal("1")) == Standing.NOT_REQUIRED


def test_people_added_today_owe_the_full_year_and_open_make_ups_are_not_done(world):
    """What `lms demo` leaves: everyone created today, nobody with a roster joining date."""
    from app.org.choices import CadreRole, PersonCategory

    year = local_year(utcnow())
    session, people = closed_session(world, members=2)  # the absentee gets an open make-up
    absentee = people[2]
    complete_course(absentee, create_course(world.township_a, lessons=1, credit_hours="40"))
    secretary = create_person(world.branch_a1, "书记", cadre_roles=[CadreRole.BRANCH_SECRETARY])
    villager = create_person(world.branch_a1, "村民", category=PersonCategory.NON_MEMBER)
    joiner = create_person(world.branch_a1, "新党员", joined_party_on=date(year, 12, 1))
    db.session.commit()
    rows = {row.person_id: row for row in person_rows(world.accounts["organiser_a"], world.branch_a1, year)}
    assert rows[secretary.id].target == Decimal("56")
    assert rows[world.person_a1.id].target == Decimal("32")
    assert rows[joiner.id].target == Decimal("3")  # December only: 32 / 12, rounded up to the half hour
    assert rows[villager.id].target == 0 and rows[villager.id].standing == Standing.NOT_REQUIRED
    with_make_up = [row for row in rows.values() if row.open_makeups]
    assert with_make_up
    for row in rows.values():
        if row.standing == Standing.DONE:
            assert row.hours >= row.target > 0 and not row.open_makeups
    assert all(row.standing != Standing.DONE for row in with_make_up)
    # Hours in, make-up still open: on track, not done.
    assert rows[absentee.id].hours >= 32 and rows[absentee.id].open_makeups == 1
    assert rows[absentee.id].standing == Standing.ON_TRACK


def test_dashboard_numbers_equal_direct_counts(world):
    session, people = closed_session(world, members=4)
    for person in people[:3]:
        complete_course(person, create_course(world.township_a, lessons=1, credit_hours="4"))
    complete_course(world.person_b1, create_course(world.township_b, lessons=1, credit_hours="9"))
    create_person(world.branch_a2, "甲二村党员")
    db.session.commit()
    year = local_year(utcnow())
    organiser = world.accounts["organiser_a"]
    report = build_report(organiser, world.township_a, year)
    township_people = _people_of(world.township_a)
    raw_hours = db.session.scalar(select(func.sum(CreditGrant.hours)).where(
        CreditGrant.year == year, CreditGrant.person_id.in_(township_people)))
    raw_expected = db.session.scalar(select(func.count()).select_from(Attendance).where(
        Attendance.person_id.in_(township_people), Attendance.status != "on_leave"))
    raw_attended = db.session.scalar(select(func.count()).select_from(Attendance).where(
        Attendance.person_id.in_(township_people), Attendance.status.in_([s.value for s in ATTENDED])))
    raw_open = db.session.scalar(select(func.count()).select_from(MakeUp).where(
        MakeUp.person_id.in_(township_people), MakeUp.status == MakeUpStatus.OPEN))
    raw_people = db.session.scalar(select(func.count()).select_from(Person).where(Person.id.in_(township_people)))
    total = report.total
    assert total.people == raw_people == 6
    assert total.hours == raw_hours == Decimal("12")
    assert (total.sessions_expected, total.sessions_attended, total.open_makeups) == (raw_expected, raw_attended,
                                                                                       raw_open) == (5, 2, 3)
    assert total.done + total.on_track + total.behind + total.not_required == total.people
    by_code = {row.unit.code: row for row in report.children}
    assert by_code["TA1"].people == 5 and by_code["TA2"].people == 1
    assert by_code["TA1"].hours == Decimal("12") and by_code["TA2"].hours == 0


def test_a_branch_report_lists_people_and_filters_apply(world):
    from app.org.choices import CadreRole

    secretary = create_person(world.branch_a1, "书记", cadre_roles=[CadreRole.BRANCH_SECRETARY])
    for person in (secretary, world.person_a1):
        person.created_at = datetime(2020, 5, 1, tzinfo=timezone.utc)  # members long before 2026
    report = build_report(world.accounts["organiser_a"], world.branch_a1, 2026)
    assert {row.name for row in report.people} == {"张甲一", "书记"}
    assert {row.target for row in report.people} == {Decimal("32"), Decimal("56")}
    only = person_rows(world.accounts["organiser_a"], world.branch_a1, 2026, cadre_role="branch_secretary")
    assert [row.person_id for row in only] == [secretary.id]


def test_an_organiser_never_sees_another_townships_people(world):
    complete_course(world.person_b1, create_course(world.township_b, lessons=1))
    organiser_a = world.accounts["organiser_a"]
    # Even asked for the whole county, township A's organiser gets only township A's people.
    names = {row.name for row in person_rows(organiser_a, world.county, local_year(utcnow()))}
    assert "李乙一" not in names and "张甲一" in names
    assert person_rows(organiser_a, world.township_b, 2026) == []
