"""The monthly site report (站点学用情况): each activity room's month against the site rules.

Figures of a site and month, all from the sessions held there (closed group sessions whose
start falls in the local month) and the heartbeats of those sessions:

- sessions: how many were held;
- viewing hours: the terminal's playback during them, the sum of the lengths of the heartbeats
  the site's terminal sent for the session (events with a session and no person of their own,
  app.study.progress), never more for one session than its open hours;
- open hours: how long each session was open, from opening to closing (a session entered
  afterwards from its paper sheet was never open on the system: its planned span counts);
- participation rate (参学率): (attended + made up) / expected, counted per member and session
  over the members (正式、预备党员) of the branch roster each session expected (invitees aside):
  attended = present, late or left early; made up = absent, then cleared the make-up.

A site is behind its rules when it held fewer than LMS_SITE_RULE_SESSIONS sessions or fewer
than LMS_SITE_RULE_HOURS viewing hours. Everything is read through the caller's scope.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import case, func, select

from app.core.localtime import local_moment, local_today
from app.core.model_base import as_utc
from app.core.params import FIRST_YEAR, LAST_YEAR
from app.core.scope import scoped, subtree_condition
from app.core.xlsx import StreamingXlsxWriter
from app.extensions import db
from app.org.choices import CadreRole, UnitLevel
from app.org.models import Account, Person, PersonCadreRole, Site, Unit
from app.records.plans import MEMBER_CATEGORIES
from app.study.progress.models import ProgressEvent
from app.study.sessions.models import (
    ATTENDED,
    Attendance,
    AttendanceStatus,
    ExpectedAttendee,
    SessionStatus,
    StudySession,
)

SITES_PER_PAGE = 50
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})\Z")


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    @property
    def previous(self) -> Month:
        return Month(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    @property
    def last_day(self) -> date:
        return date.fromordinal(self.next.first_day.toordinal() - 1)

    def bounds(self) -> tuple[datetime, datetime]:
        """The local month as [start, end) moments."""
        return local_moment(self.first_day, time.min), local_moment(self.next.first_day, time.min)

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)


def parse_month(text: str | None) -> Month:
    """"YYYY-MM" (2000-01 to 2100-12); ValueError for anything else."""
    found = _MONTH.match((text or "").strip())
    if not found:
        raise ValueError(text)
    year, month = int(found.group(1)), int(found.group(2))
    if not (FIRST_YEAR <= year <= LAST_YEAR and 1 <= month <= 12):
        raise ValueError(text)
    return Month(year, month)


def current_month() -> Month:
    return Month.of(local_today())


@dataclass(frozen=True)
class SiteRules:
    sessions: int
    hours: Decimal


def site_rules() -> SiteRules:
    config = current_app.config
    return SiteRules(sessions=int(config["SITE_RULE_SESSIONS"]), hours=Decimal(str(config["SITE_RULE_HOURS"])))


def _hours(seconds: float) -> Decimal:
    return (Decimal(str(seconds)) / Decimal(3600)).quantize(Decimal("0.01"))


@dataclass
class SessionFigures:
    """One held session: what it adds to its site's month."""

    session: StudySession
    open_seconds: float = 0.0
    viewing_seconds: float = 0.0
    expected: int = 0
    attended: int = 0
    made_up: int = 0

    @property
    def open_hours(self) -> Decimal:
        return _hours(self.open_seconds)

    @property
    def viewing_hours(self) -> Decimal:
        return _hours(self.viewing_seconds)


@dataclass
class SiteFigures:
    site: Site
    month: Month
    rules: SiteRules
    sessions: list[SessionFigures] = field(default_factory=list)
    secretary_name: str = ""
    secretary_phone: str = ""

    @property
    def session_count(self) -> int:
        return len(self.sessions)

    @property
    def open_hours(self) -> Decimal:
        return _hours(sum(item.open_seconds for item in self.sessions))

    @property
    def viewing_hours(self) -> Decimal:
        return _hours(sum(item.viewing_seconds for item in self.sessions))

    @property
    def expected(self) -> int:
        return sum(item.expected for item in self.sessions)

    @property
    def attended(self) -> int:
        return sum(item.attended for item in self.sessions)

    @property
    def made_up(self) -> int:
        return sum(item.made_up for item in self.sessions)

    @property
    def participation_rate(self) -> float | None:
        """(attended + made up) / expected, 0..1; None when nobody was expected."""
        return (self.attended + self.made_up) / self.expected if self.expected else None

    @property
    def sessions_short(self) -> int:
        return max(0, self.rules.sessions - self.session_count)

    @property
    def hours_short(self) -> Decimal:
        return max(Decimal("0"), self.rules.hours - self.viewing_hours)

    @property
    def behind_rules(self) -> bool:
        return self.session_count < self.rules.sessions or self.viewing_hours < self.rules.hours


def _open_seconds(session: StudySession) -> float:
    if session.entered_afterwards or session.opened_at is None or session.closed_at is None:
        return max(0.0, (as_utc(session.planned_end_at) - as_utc(session.starts_at)).total_seconds())
    return max(0.0, (as_utc(session.closed_at) - as_utc(session.opened_at)).total_seconds())


def figures_for(sites: list[Site], month: Month) -> list[SiteFigures]:
    """The month's figures of each site, in the order given (a few grouped queries)."""
    rules = site_rules()
    result = {site.id: SiteFigures(site, month, rules) for site in sites}
    if not result:
        return []
    start, end = month.bounds()
    held = list(db.session.scalars(select(StudySession).where(
        StudySession.site_id.in_(list(result)), StudySession.status == SessionStatus.CLOSED.value,
        StudySession.starts_at >= start, StudySession.starts_at < end)
        .order_by(StudySession.starts_at, StudySession.id)))
    by_session = {session.id: SessionFigures(session, open_seconds=_open_seconds(session)) for session in held}
    ids = list(by_session)
    for chunk in (ids[offset:offset + 500] for offset in range(0, len(ids), 500)):
        viewing = select(ProgressEvent.session_id, func.sum(ProgressEvent.end - ProgressEvent.start)).where(
            ProgressEvent.session_id.in_(chunk), ProgressEvent.person_id.is_(None)).group_by(ProgressEvent.session_id)
        for session_id, seconds in db.session.execute(viewing):
            figures = by_session[session_id]
            figures.viewing_seconds = min(float(seconds or 0), figures.open_seconds)
        attendance = (select(ExpectedAttendee.session_id, func.count(),
                             func.sum(case((Attendance.status.in_([status.value for status in ATTENDED]), 1), else_=0)),
                             func.sum(case((Attendance.status == AttendanceStatus.MADE_UP.value, 1), else_=0)))
                      .join(Person, Person.id == ExpectedAttendee.person_id)
                      .outerjoin(Attendance, (Attendance.session_id == ExpectedAttendee.session_id)
                                 & (Attendance.person_id == ExpectedAttendee.person_id))
                      .where(ExpectedAttendee.session_id.in_(chunk), ExpectedAttendee.is_invitee.is_(False),
                             Person.category.in_(MEMBER_CATEGORIES))
                      .group_by(ExpectedAttendee.session_id))
        for session_id, expected, attended, made_up in db.session.execute(attendance):
            figures = by_session[session_id]
            figures.expected, figures.attended, figures.made_up = int(expected), int(attended or 0), int(made_up or 0)
    for figures in by_session.values():
        result[figures.session.site_id].sessions.append(figures)
    secretaries = secretaries_of({site.unit_id for site in sites})
    for figures in result.values():
        figures.secretary_name, figures.secretary_phone = secretaries.get(figures.site.unit_id, ("", ""))
    return list(result.values())


def secretaries_of(unit_ids: set[int]) -> dict[int, tuple[str, str]]:
    """The branch secretary (支部书记) of each unit from the roster's cadre roles: name and phone."""
    found: dict[int, tuple[str, str]] = {}
    if not unit_ids:
        return found
    rows = db.session.execute(select(Person.unit_id, Person.name, Person.phone)
                              .join(PersonCadreRole, PersonCadreRole.person_id == Person.id)
                              .where(PersonCadreRole.role == CadreRole.BRANCH_SECRETARY.value,
                                     Person.unit_id.in_(list(unit_ids)))
                              .order_by(Person.unit_id, Person.name, Person.id))
    for unit_id, name, phone in rows:
        found.setdefault(unit_id, (name, phone or ""))
    return found


def sites_in(account: Account, unit: Unit) -> list[Site]:
    """Sites of the unit's subtree within the account's scope, by unit then name."""
    return list(db.session.scalars(scoped(Site, account).join(Unit, Unit.id == Site.unit_id)
                                   .where(subtree_condition(Unit.path, unit.path))
                                   .order_by(Unit.path, Site.name, Site.id)))


def behind_first(figures: list[SiteFigures]) -> list[SiteFigures]:
    """Sites behind their rules first (fewest sessions, then fewest hours), then the others as given."""
    behind = sorted((item for item in figures if item.behind_rules),
                    key=lambda item: (item.session_count, item.viewing_hours))
    return behind + [item for item in figures if not item.behind_rules]


@dataclass
class UnitSummary:
    """A child unit's line on the report: its sites together."""

    unit: Unit
    sites: int = 0
    behind: int = 0
    sessions: int = 0
    viewing_hours: Decimal = Decimal("0.00")
    open_hours: Decimal = Decimal("0.00")
    expected: int = 0
    attended: int = 0
    made_up: int = 0

    def add(self, figures: SiteFigures) -> None:
        self.sites += 1
        self.behind += figures.behind_rules
        self.sessions += figures.session_count
        self.viewing_hours += figures.viewing_hours
        self.open_hours += figures.open_hours
        self.expected += figures.expected
        self.attended += figures.attended
        self.made_up += figures.made_up

    @property
    def participation_rate(self) -> float | None:
        return (self.attended + self.made_up) / self.expected if self.expected else None


@dataclass
class SiteReport:
    unit: Unit
    month: Month
    rules: SiteRules
    total: UnitSummary
    children: list[UnitSummary]
    sites: list[SiteFigures]  # every site of the subtree, behind first

    def page(self, number: int, per_page: int = SITES_PER_PAGE) -> list[SiteFigures]:
        return self.sites[(number - 1) * per_page:number * per_page]

    @property
    def pages(self) -> int:
        return max(1, -(-len(self.sites) // SITES_PER_PAGE))


def build_site_report(account: Account, unit: Unit, month: Month) -> SiteReport:
    """The month's figures of every site under `unit`, behind first, with a line per child unit."""
    figures = behind_first(figures_for(sites_in(account, unit), month))
    children = [UnitSummary(child) for child in db.session.scalars(
        scoped(Unit, account).where(Unit.parent_id == unit.id).order_by(Unit.code, Unit.id))]
    total = UnitSummary(unit)
    for item in figures:
        total.add(item)
        for child in children:
            if item.site.unit.is_within(child.unit):
                child.add(item)
                break
    return SiteReport(unit=unit, month=month, rules=site_rules(), total=total, children=children, sites=figures)


def site_figures(site: Site, month: Month) -> SiteFigures:
    return figures_for([site], month)[0]


def report_cards(account: Account, unit: Unit, month: Month) -> list[SiteReport]:
    """What the printable report prints: one card per township (a county's townships, or the
    township itself; a branch prints its own card)."""
    townships = [child for child in db.session.scalars(
        scoped(Unit, account).where(Unit.parent_id == unit.id, Unit.level == UnitLevel.TOWNSHIP.value).order_by(Unit.code, Unit.id))]
    return [build_site_report(account, township, month) for township in (townships or [unit])]


SHEET_WIDTHS = [14, 20, 22, 8, 10, 10, 8, 8, 8, 10, 10, 10, 14]


def sheet_header() -> list[str]:
    return [_("Township"), _("Branch"), _("Activity room"), _("Sessions"), _("Viewing hours"), _("Open hours"),
            _("Expected"), _("Attended"), _("Made up"), _("Participation rate (%)"), _("Behind the rules"),
            _("Secretary"), _("Phone")]


def sheet_rows(report: SiteReport):
    for figures in report.sites:
        unit = figures.site.unit
        township = unit.parent.name if unit.parent is not None and unit.level == UnitLevel.BRANCH.value else ""
        rate = figures.participation_rate
        yield [township, unit.name, figures.site.name, figures.session_count, float(figures.viewing_hours),
               float(figures.open_hours), figures.expected, figures.attended, figures.made_up,
               round(rate * 100, 1) if rate is not None else "", _("Yes") if figures.behind_rules else _("No"),
               figures.secretary_name, figures.secretary_phone]


def write_xlsx(report: SiteReport, out) -> None:
    """The report as one sheet (app.core.xlsx: stored text never becomes a formula)."""
    with StreamingXlsxWriter(out) as book:
        book.write_sheet(f"{report.month}", sheet_header(), sheet_rows(report), widths=SHEET_WIDTHS)
