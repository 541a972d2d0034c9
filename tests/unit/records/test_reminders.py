"""Reminders of the week: sites behind their monthly rule, make-ups about to expire, members
behind their yearly target, and the hook a higher package adds its own kind with."""
from __future__ import annotations

from datetime import date

from app.records import reminders
from app.records.dashboard import behind_people
from tests.unit.records.site_data import site_month


def _by_kind(items):
    kinds = {}
    for item in items:
        kinds.setdefault(item.kind, []).append(item)
    return kinds


def test_a_site_behind_its_rule_is_due_in_the_months_last_week(world):
    site_month(world)
    organiser = world.accounts["organiser_a"]
    early = _by_kind(reminders.due_this_week(organiser, today=date(2026, 11, 20)))
    assert "site_behind" not in early  # the month still has more than a week to go
    late = _by_kind(reminders.due_this_week(organiser, today=date(2026, 11, 25)))
    [site] = late["site_behind"]
    assert site.key == f"site_behind:{world.site_a1.id}:2026-11"
    assert site.phone == "13900000011"  # the branch secretary's
    assert site.data["sessions"] == 2 and site.data["viewing_hours"] == "0.15"
    assert site.link == f"/records/sites/{world.site_a1.id}/report?month=2026-11"


def test_make_ups_due_within_seven_days(world):
    month = site_month(world)
    organiser = world.accounts["organiser_a"]
    # The first session closed on 20 November: its open make-ups are due 14 days later, on 4 December
    # (the absentee's cleared when the lesson was studied; the one who never came still owes it).
    due = _by_kind(reminders.due_this_week(organiser, today=date(2026, 11, 28)))["make_up_due"]
    assert [(item.data["name"], item.due_on, item.data["session_id"]) for item in due] == [
        ("未补学者", date(2026, 12, 4), month.first.id)]
    assert "make_up_due" not in _by_kind(reminders.due_this_week(organiser, today=date(2026, 11, 20)))
    # On 5 December the first session's make-up has expired; the second session's (due 7 December) are listed.
    later = _by_kind(reminders.due_this_week(organiser, today=date(2026, 12, 5)))["make_up_due"]
    assert {item.data["session_id"] for item in later} == {month.second.id}
    assert sorted(item.data["name"] for item in later) == ["未补学者", "村民甲"]


def test_members_behind_are_the_dashboards_behind_people(world):
    site_month(world)
    organiser = world.accounts["organiser_a"]
    today = date(2026, 11, 28)
    behind = _by_kind(reminders.due_this_week(organiser, today=today))["member_behind"]
    expected = behind_people(organiser, world.township_a, 2026, today=today)
    assert expected and [item.data["person_id"] for item in behind] == [row.person_id for row in expected]
    assert all(item.key.endswith(":2026-W48") for item in behind)


def test_reminders_stay_in_scope(world):
    site_month(world)
    outside = reminders.due_this_week(world.accounts["organiser_b"], today=date(2026, 11, 28))
    assert all(item.unit_id in {world.township_b.id, world.branch_b1.id, world.branch_b2.id} for item in outside)
    assert not any(item.data.get("site_id") == world.site_a1.id for item in outside)


def test_a_higher_package_adds_its_kind_through_the_hook(world):
    def low_response(account, unit, today):
        return [reminders.Reminder(kind="questionnaire_low_response", key="questionnaire_low_response:1:2026-W48",
                                   text="问卷回收率低", unit_id=unit.id, unit_name=unit.name)]

    reminders.add_reminder_source(low_response)
    reminders.add_reminder_source(low_response)
    try:
        items = reminders.due_this_week(world.accounts["organiser_a"], today=date(2026, 11, 28))
        assert [item.key for item in items if item.kind == "questionnaire_low_response"] == [
            "questionnaire_low_response:1:2026-W48"]
    finally:
        reminders.REMINDER_SOURCES.remove(low_response)


def test_an_open_questionnaire_few_have_answered_is_a_reminder_until_half_have(world):
    from app.extensions import db
    from app.survey import services as survey
    from app.survey.models import Audience, QuestionKind

    questionnaire = survey.create_questionnaire(unit=world.township_a, title="村务满意度", audience=Audience.VILLAGERS,
                                                is_anonymous=True)
    question = survey.add_question(questionnaire, kind=QuestionKind.YES_NO, prompt="满意吗？")
    survey.publish(questionnaire)
    codes = survey.issue_slip_codes(questionnaire, world.branch_a1, 4)
    db.session.commit()
    organiser = world.accounts["organiser_a"]
    today = date(2026, 11, 28)

    def low():
        return [item for item in reminders.due_this_week(organiser, today=today) if item.kind == "questionnaire_low"]

    [reminder] = low()
    assert (reminder.data["answered"], reminder.data["expected"]) == (0, 4)
    assert reminder.key == f"questionnaire_low:{questionnaire.id}:{world.township_a.id}:2026-W48"
    assert reminder.link == f"/questionnaires/{questionnaire.id}/results"
    survey.answer_with_slip(questionnaire, codes[0], {question.id: True})
    db.session.commit()
    assert low()[0].data["answered"] == 1
    survey.answer_with_slip(questionnaire, codes[1], {question.id: False})
    db.session.commit()
    assert low() == []  # half have answered
    assert not [item for item in reminders.due_this_week(world.accounts["organiser_b"], today=today)
                if item.kind == "questionnaire_low"]  # the other township sees nothing of it
