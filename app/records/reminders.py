"""Reminders: what is due this week in an account's scope, for the home page and the webhook.

Each kind of reminder comes from one source in REMINDER_SOURCES; a source is a function
`(account, unit, today) -> list[Reminder]` reading through the account's scope. The sources here:

- site_behind: a site behind its monthly rule (app.records.site_report) when the month ends
  within REMINDER_DAYS: sessions or viewing hours still missing;
- make_up_due: an open make-up whose due date falls within REMINDER_DAYS (today included);
- member_behind: a member behind their yearly target, the dashboard's "behind" standing
  (app.records.dashboard.standing_of over app.records.plans.target_for), once a week;
- questionnaire_low: an open questionnaire (app.survey) that fewer than half of those expected
  in the unit's subtree have answered, once a week while it is open: the members of the subtree
  for a members' questionnaire, the slips handed out there for the others (a session audience
  without slips has no expected number and is left out).

Hook for higher packages: a package above records (e.g. questionnaires, "an open questionnaire
with low response") adds its own source with `add_reminder_source(fn)` when its blueprint is
registered, giving its reminders a kind and a key of their own; the home page and the webhook
then carry them like the others. This package never imports such a package.

A reminder's `key` names the event once: the webhook sends each key once
(app.records.webhook), so a key carries the period it is about (the month, the ISO week).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from app.core.localtime import local_today
from app.core.scope import subtree_condition
from app.extensions import db
from app.org.choices import PersonCategory
from app.org.models import Account, Person, Unit
from app.records import site_report
from app.records.dashboard import behind_people
from app.records.queries import home_unit_for, people_in_unit
from app.study.sessions.models import MakeUp, MakeUpStatus
from app.survey.models import Audience, Questionnaire, QuestionnaireStatus, SlipCode, SurveyResponse
from app.survey.queries import visible_condition as questionnaires_visible_to

REMINDER_DAYS = 7


@dataclass
class Reminder:
    kind: str            # site_behind, make_up_due, member_behind, or a hooked source's kind
    key: str             # the event's stable id (the webhook sends each once)
    text: str            # one plain sentence in the user's language
    unit_id: int
    unit_name: str
    link: str = ""       # path of the page behind it
    due_on: date | None = None
    phone: str = ""      # whom to call or text: the secretary, the member
    data: dict = field(default_factory=dict)

    def as_event(self) -> dict:
        """The webhook's JSON of this reminder."""
        return {"id": self.key, "event": self.kind, "text": self.text, "due_on": self.due_on.isoformat() if self.due_on else None,
                "phone": self.phone or None, "unit": {"id": self.unit_id, "name": self.unit_name},
                "link": self.link or None, "data": self.data}


ReminderSource = Callable[[Account, Unit, date], list[Reminder]]


def sites_behind(account: Account, unit: Unit, today: date) -> list[Reminder]:
    month = site_report.Month.of(today)
    if (month.last_day - today).days >= REMINDER_DAYS:
        return []
    result = []
    for figures in site_report.build_site_report(account, unit, month).sites:
        if not figures.behind_rules:
            continue
        site = figures.site
        result.append(Reminder(
            kind="site_behind", key=f"site_behind:{site.id}:{month}",
            text=_("%(site)s is behind the site rules for %(month)s: %(sessions)d of %(rule_sessions)d sessions, "
                   "%(hours)s of %(rule_hours)s viewing hours.", site=site.name, month=str(month),
                   sessions=figures.session_count, rule_sessions=figures.rules.sessions,
                   hours=figures.viewing_hours, rule_hours=figures.rules.hours),
            unit_id=site.unit_id, unit_name=site.unit.name, due_on=month.last_day, phone=figures.secretary_phone,
            link=f"/records/sites/{site.id}/report?month={month}",
            data={"site_id": site.id, "site": site.name, "month": str(month), "sessions": figures.session_count,
                  "viewing_hours": str(figures.viewing_hours), "rule_sessions": figures.rules.sessions,
                  "rule_hours": str(figures.rules.hours), "secretary": figures.secretary_name}))
    return result


def make_ups_due(account: Account, unit: Unit, today: date) -> list[Reminder]:
    people = people_in_unit(account, unit).with_only_columns(Person.id)
    rows = db.session.scalars(select(MakeUp).where(
        MakeUp.status == MakeUpStatus.OPEN.value, MakeUp.person_id.in_(people),
        MakeUp.due_on >= today, MakeUp.due_on < today + timedelta(days=REMINDER_DAYS))
        .order_by(MakeUp.due_on, MakeUp.id))
    result = []
    for make_up in rows:
        person = make_up.person
        result.append(Reminder(
            kind="make_up_due", key=f"make_up_due:{make_up.id}",
            text=_("%(name)s must make up %(subject)s by %(due)s (%(left)d lessons left).", name=person.name,
                   subject=make_up.subject, due=make_up.due_on.isoformat(), left=make_up.lessons_left),
            unit_id=person.unit_id, unit_name=person.unit.name, due_on=make_up.due_on, phone=person.phone or "",
            link=f"/records/people/{person.id}",
            data={"person_id": person.id, "name": person.name, "session_id": make_up.session_id,
                  "subject": make_up.subject, "lessons_left": make_up.lessons_left}))
    return result


def members_behind(account: Account, unit: Unit, today: date) -> list[Reminder]:
    iso = today.isocalendar()
    result = []
    for row in behind_people(account, unit, today.year, today=today):
        result.append(Reminder(
            kind="member_behind", key=f"member_behind:{row.person_id}:{iso.year}-W{iso.week:02d}",
            text=_("%(name)s has %(hours)s of %(target)s hours this year and is behind the plan.", name=row.name,
                   hours=row.hours, target=row.target),
            unit_id=row.unit_id, unit_name="", phone=row.phone or "", link=f"/records/people/{row.person_id}",
            data={"person_id": row.person_id, "name": row.name, "hours": str(row.hours), "target": str(row.target),
                  "year": today.year}))
    names = dict(db.session.execute(select(Unit.id, Unit.name).where(Unit.id.in_({r.unit_id for r in result}))).all()) \
        if result else {}
    for reminder in result:
        reminder.unit_name = names.get(reminder.unit_id, "")
    return result


LOW_RESPONSE_SHARE = 0.5  # fewer answers than this share of those expected is "low"


def questionnaires_low_response(account: Account, unit: Unit, today: date) -> list[Reminder]:
    subtree = select(Unit.id).where(subtree_condition(Unit.path, unit.path))
    open_ones = [questionnaire for questionnaire in db.session.scalars(
        select(Questionnaire).where(Questionnaire.status == QuestionnaireStatus.OPEN.value,
                                    questionnaires_visible_to(account)).order_by(Questionnaire.id))
        if questionnaire.answering_state() == "open"]
    iso = today.isocalendar()
    result = []
    for questionnaire in open_ones:
        if questionnaire.audience == Audience.MEMBERS.value:
            members = people_in_unit(account, unit).where(Person.category.in_(
                (PersonCategory.FULL_MEMBER.value, PersonCategory.PROBATIONARY.value)))
            expected = db.session.scalar(select(db.func.count()).select_from(members.subquery())) or 0
        else:
            expected = db.session.scalar(select(db.func.count(SlipCode.id)).where(
                SlipCode.questionnaire_id == questionnaire.id, SlipCode.unit_id.in_(subtree))) or 0
        if not expected:
            continue
        answered = db.session.scalar(select(db.func.count(SurveyResponse.id)).where(
            SurveyResponse.questionnaire_id == questionnaire.id, SurveyResponse.unit_id.in_(subtree))) or 0
        if answered >= expected * LOW_RESPONSE_SHARE:
            continue
        closes_on = questionnaire.closes_at.date() if questionnaire.closes_at else None
        result.append(Reminder(
            kind="questionnaire_low", key=f"questionnaire_low:{questionnaire.id}:{unit.id}:{iso.year}-W{iso.week:02d}",
            text=_("Only %(answered)d of %(expected)d have answered the questionnaire %(title)s.",
                   answered=answered, expected=expected, title=questionnaire.title),
            unit_id=unit.id, unit_name=unit.name, due_on=closes_on,
            link=f"/questionnaires/{questionnaire.id}/results",
            data={"questionnaire_id": questionnaire.id, "title": questionnaire.title, "answered": answered,
                  "expected": expected}))
    return result


# The sources, in the order the home page shows them. Higher packages append with add_reminder_source.
REMINDER_SOURCES: list[ReminderSource] = [sites_behind, make_ups_due, members_behind, questionnaires_low_response]


def add_reminder_source(source: ReminderSource) -> None:
    """The hook: a package above records adds a kind of reminder (e.g. a questionnaire with low
    response). Adding the same function twice adds it once."""
    if source not in REMINDER_SOURCES:
        REMINDER_SOURCES.append(source)


def due_this_week(account: Account, unit: Unit | None = None, today: date | None = None) -> list[Reminder]:
    """Every reminder of the account's scope (from `unit` down, default its home unit)."""
    unit = unit or home_unit_for(account)
    if unit is None:
        return []
    today = today or local_today()
    return [reminder for source in REMINDER_SOURCES for reminder in source(account, unit, today)]


@dataclass
class ReminderGroup:
    kind: str
    items: list[Reminder]
    shown: list[Reminder]


def grouped(reminders: list[Reminder], limit: int = 10) -> list[ReminderGroup]:
    """By kind in the sources' order, each with its first `limit` items to show."""
    kinds: dict[str, list[Reminder]] = {}
    for reminder in reminders:
        kinds.setdefault(reminder.kind, []).append(reminder)
    return [ReminderGroup(kind, items, items[:limit]) for kind, items in kinds.items()]


class CountyWide:
    """Acts for the whole tree (the webhook's job): what an administrator would see."""

    id = None
    scope_unit = None
    is_admin = True
    is_authenticated = True
    person_id = None
