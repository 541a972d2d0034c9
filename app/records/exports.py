"""Exports of a unit's development files: XLSX (summary + entries) and CSV of entries.

The XLSX is streamed by app.core.xlsx (sheet XML written as text into the zip) and entries
are read in batches, so memory stays flat and a township's year (~330,000 entries) takes
seconds, not the minute openpyxl needed. Rows carry the stored text as it is: the writers
(app.core.tabular, app.core.xlsx) keep any of it from becoming a formula.

The CSV is streamed after the request has ended (app.core.downloads): entry_rows and csv_lines
settle everything that needs the account, the unit or the locale before they return, and the
rows they yield come from fresh queries of plain columns.
"""
from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import IO

from flask_babel import gettext as _
from sqlalchemy import Float, String, cast, func, select, type_coerce

from app.core.tabular import csv_writer
from app.core.xlsx import StreamingXlsxWriter
from app.extensions import db
from app.org.choices import PersonCategory
from app.org.models import Account, Person, Unit
from app.records import services
from app.records.dashboard import person_rows
from app.records.models import AppraisalGrade, DevelopmentEntry, EntryKind
from app.records.presenter import source_label, status_label
from app.records.queries import people_in_unit
from app.core.localtime import local_zone

BATCH = 5000


def _label(enum, value: str) -> str:
    try:
        return str(enum(value).label)
    except ValueError:
        return value or ""


def entry_header() -> list[str]:
    return [_("Entry"), _("Full name"), _("Unit"), _("Year"), _("Date"), _("Type"), _("Source"), _("Course or session"),
            _("Hours"), _("Score"), _("Status"), _("Note"), _("Corrects entry"), _("Recorded by"), _("Hash")]


def entry_rows(account: Account, unit: Unit, year: int) -> Iterator[list]:
    """One list per entry of people in the unit's subtree (in scope), in file order.

    Plain columns in batches (no ORM objects), so the session holds nothing as it streams; a
    township's year is ~350,000 rows, so the per-row work is kept to lookups. The statements
    and labels are made now; the returned iterator touches neither the account nor the unit.
    """
    people = people_in_unit(account, unit).with_only_columns(Person.id)
    entry = DevelopmentEntry
    # The moment comes as text on SQLite: parsing it here (C) is much faster than the dialect's
    # regex; hours come as floats, not Decimals.
    # On PostgreSQL the server hands the moment over as naive UTC, saving a conversion a row.
    moment = entry.occurred_at
    dialect = db.session.get_bind().dialect.name
    if dialect == "sqlite":
        moment = type_coerce(entry.occurred_at, String)
    elif dialect == "postgresql":
        moment = func.timezone("UTC", entry.occurred_at)
    statement = (select(entry.id, entry.person_id, entry.unit_id, entry.year, moment, entry.kind, entry.source,
                        entry.title, cast(entry.hours, Float), entry.score, entry.status, entry.note,
                        entry.corrects_id, entry.recorded_by_id, entry.hash)
                 .where(entry.year == year, entry.person_id.in_(people))
                 .order_by(entry.person_id, entry.sequence))
    # Labels are translated once per export, not once per row (a lazy gettext costs ~30 us).
    kinds = {kind.value: str(kind.label) for kind in EntryKind}
    return _entry_rows(statement, people, kinds, _LocalMinutes(local_zone()))


def _entry_rows(statement, people, kinds: dict[str, str], local_minutes: _LocalMinutes) -> Iterator[list]:
    # Names are looked up, not joined into every row.
    sources, statuses = _Memo(source_label), _Memo(status_label)
    names: dict[int, str] = {}
    units = _Memo(lambda unit_id: db.session.scalar(select(Unit.name).where(Unit.id == unit_id)))
    recorders = _Memo(lambda account_id: db.session.scalar(select(Account.username).where(Account.id == account_id))
                      if account_id else "")
    for (entry_id, person_id, unit_id, entry_year, occurred_at, kind, source, title, hours, score, status, note,
         corrects_id, recorder_id, entry_hash) in _stream(statement):
        if person_id not in names:
            _load_people(names, person_id, people)
        yield [entry_id, names[person_id], units[unit_id], entry_year, local_minutes(occurred_at), kinds.get(kind, kind),
               sources[source], title, hours, score, statuses[status],
               note, corrects_id or "", recorders[recorder_id], entry_hash]


def _load_people(names: dict, person_id: int, people) -> None:
    """Names of the next thousand people in file order, in one query (entries come by person)."""
    if len(names) >= _Memo.LIMIT:
        names.clear()
    for found_id, name in db.session.execute(select(Person.id, Person.name).where(
            Person.id >= person_id, Person.id.in_(people)).order_by(Person.id).limit(1000)):
        names[found_id] = name


class _LocalMinutes:
    """A stored UTC moment as local "YYYY-MM-DD HH:MM": the zone's offset is looked up once an
    hour of UTC time, not converted row by row."""

    def __init__(self, zone):
        self.zone = zone
        self.offsets: dict[int, timedelta] = {}

    def __call__(self, moment) -> str:
        if isinstance(moment, str):
            moment = datetime.fromisoformat(moment)
        if moment.tzinfo is not None:
            moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
        hour = moment.toordinal() * 24 + moment.hour
        offset = self.offsets.get(hour)
        if offset is None:
            offset = self.offsets[hour] = moment.replace(tzinfo=timezone.utc).astimezone(self.zone).utcoffset()
        return (moment + offset).isoformat(sep=" ", timespec="minutes")


def _stream(statement):
    """Rows in batches through Core: plain tuples, without the ORM's per-row loading."""
    result = db.session.connection().execution_options(stream_results=True, yield_per=BATCH).execute(statement)
    for partition in result.partitions():
        yield from partition


class _Memo(dict):
    """value -> function(value), computed once (bounded: names of a township's people)."""

    LIMIT = 50_000

    def __init__(self, function):
        super().__init__()
        self.function = function

    def __missing__(self, value):
        if len(self) >= self.LIMIT:
            self.clear()
        result = self[value] = self.function(value)
        return result


def summary_header() -> list[str]:
    return [_("Full name"), _("Unit"), _("Category"), _("Phone"), _("Hours"), _("Required hours"), _("Standing"),
            _("Required courses completed"), _("Required courses"), _("Attendance rate"), _("Open make-ups"),
            _("Appraisal")]


def summary_rows(account: Account, unit: Unit, year: int) -> Iterator[list]:
    units = {}
    for row in person_rows(account, unit, year):
        if row.unit_id not in units:
            units[row.unit_id] = db.session.get(Unit, row.unit_id).name
        rate = row.attendance_rate
        yield [row.name, units[row.unit_id], _label(PersonCategory, row.category), row.phone or "", float(row.hours),
               float(row.target), str(row.standing.label), row.completed_required, row.required_courses,
               round(rate * 100, 1) if rate is not None else "", row.open_makeups,
               _label(AppraisalGrade, row.appraisal) if row.appraisal else ""]


SUMMARY_WIDTHS = [12, 22, 12, 14, 8, 10, 10, 12, 10, 10, 10, 10]
ENTRY_WIDTHS = [9, 12, 22, 6, 17, 12, 10, 30, 7, 7, 9, 24, 9, 12, 20]


def settle_before_export(account: Account, unit: Unit) -> None:
    """An export leaves the system: the self-study hours still waiting for the unit's people are
    appended first (services.settle_self_study), so the file is not a minute behind the job.
    A write inside a read, on purpose and only here; the caller commits."""
    people = people_in_unit(account, unit).with_only_columns(Person.id)
    services.settle_self_study(person_ids=list(db.session.scalars(people)))


def write_xlsx(account: Account, unit: Unit, year: int, out: IO[bytes]) -> None:
    settle_before_export(account, unit)
    with StreamingXlsxWriter(out) as book:
        book.write_sheet(_("Summary"), summary_header(), summary_rows(account, unit, year), widths=SUMMARY_WIDTHS)
        book.write_sheet(_("Entries"), entry_header(), entry_rows(account, unit, year), widths=ENTRY_WIDTHS)


def csv_lines(account: Account, unit: Unit, year: int) -> Iterator[str]:
    """CSV text in chunks, with a BOM so Excel on Windows reads the Chinese."""
    settle_before_export(account, unit)
    return _csv_chunks(entry_header(), entry_rows(account, unit, year))


def _csv_chunks(header: list[str], rows: Iterator[list]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(header)
    for number, row in enumerate(rows, start=1):
        writer.writerow(row)
        if number % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def write_csv(account: Account, unit: Unit, year: int, out: IO[bytes]) -> None:
    for chunk in csv_lines(account, unit, year):
        out.write(chunk.encode("utf-8"))
