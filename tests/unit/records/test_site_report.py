"""The monthly site report: its figures equal the sessions and heartbeats they come from."""
from __future__ import annotations

from decimal import Decimal

import pytest

from app.records import site_report
from tests.unit.records.site_data import MONTH, figures_from_the_rows, site_month


def test_figures_equal_the_sessions_and_heartbeats(world):
    month_data = site_month(world)
    month = site_report.parse_month(MONTH)
    figures = site_report.site_figures(world.site_a1, month)
    rows = figures_from_the_rows(world.site_a1.id, *month.bounds())

    assert [item.session.id for item in figures.sessions] == rows["session_ids"] == sorted(
        [month_data.first.id, month_data.second.id])
    assert figures.session_count == rows["sessions"] == 2
    # The TV played 300 s and 240 s; the sessions were open 60 and 90 minutes.
    assert rows["viewing_seconds"] == 540.0
    assert figures.viewing_hours == Decimal("0.15") == (Decimal(rows["viewing_seconds"]) / 3600).quantize(Decimal("0.01"))
    assert rows["open_seconds"] == 150 * 60
    assert figures.open_hours == Decimal("2.50")
    # Members expected: person_a1, the secretary, the absentee, the one who never made up (the
    # villager is not a member): 4 a session. Attended 2 + 3, the first session's absentee made up.
    assert (figures.expected, figures.attended, figures.made_up) == (rows["expected"], rows["attended"],
                                                                     rows["made_up"]) == (8, 5, 1)
    assert figures.participation_rate == pytest.approx(6 / 8)
    assert figures.behind_rules  # 2 sessions, but 0.15 of 20 viewing hours
    assert (figures.secretary_name, figures.secretary_phone) == ("王书记", "13900000011")


def test_other_months_and_sessions_not_held_do_not_count(world):
    site_month(world)
    october = site_report.site_figures(world.site_a1, site_report.parse_month("2026-10"))
    december = site_report.site_figures(world.site_a1, site_report.parse_month("2026-12"))
    assert october.session_count == 0 and october.viewing_hours == 0 and october.participation_rate is None
    assert december.session_count == 1 and december.viewing_hours == Decimal("0.02")  # 60 s
    assert december.open_hours == Decimal("0.50")


def test_rules_are_configurable(app, world):
    site_month(world)
    month = site_report.parse_month(MONTH)
    app.config.update(SITE_RULE_SESSIONS=2, SITE_RULE_HOURS=Decimal("0.1"))
    assert not site_report.site_figures(world.site_a1, month).behind_rules
    app.config.update(SITE_RULE_SESSIONS=3)
    figures = site_report.site_figures(world.site_a1, month)
    assert figures.behind_rules and figures.sessions_short == 1 and figures.hours_short == 0


def test_township_report_lists_sites_behind_first_within_scope(world):
    from tests.factories import create_site

    site_month(world)
    quiet = create_site(world.branch_a2, "甲二村活动室")
    month = site_report.parse_month(MONTH)
    report = site_report.build_site_report(world.accounts["organiser_a"], world.township_a, month)
    assert [item.site.id for item in report.sites] == [quiet.id, world.site_a1.id]  # 0 sessions first
    assert world.site_b1.id not in {item.site.id for item in report.sites}
    assert report.total.sessions == 2 and report.total.behind == 2
    by_unit = {row.unit.id: row for row in report.children}
    assert by_unit[world.branch_a1.id].sessions == 2 and by_unit[world.branch_a2.id].sessions == 0
    cards = site_report.report_cards(world.accounts["county_organiser"], world.county, month)
    assert [card.unit.id for card in cards] == [world.township_a.id, world.township_b.id]


@pytest.mark.parametrize("text", ["", "2026-13", "2026-1", "26-11", "1999-12", "2026-11-01", "abcd-ef"])
def test_bad_months_are_refused(text):
    with pytest.raises(ValueError):
        site_report.parse_month(text)


def test_month_arithmetic():
    month = site_report.parse_month("2026-12")
    assert str(month.next) == "2027-01" and str(month.previous) == "2026-11"
    assert str(site_report.parse_month("2026-01").previous) == "2025-12"
    assert site_report.parse_month("2026-02").last_day.day == 28
