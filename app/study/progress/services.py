"""Playback progress: record reported intervals once, merge them per learner and lesson.

One service for phones, pages and terminals (POST /api/v1/progress and POST /study/progress),
one ordinary request each: record_events validates the batch (prepare_batch: lessons the
account may study, people in its scope, open sessions of its site; raises ProgressRefused),
inserts its events (a repeated event id is ignored) and merges them into progress, study days
and grants, all in the request's transaction (the caller commits).
Correctness under concurrency comes from three things:
- the event id is the primary key of progress_event and is inserted with ON CONFLICT DO
  NOTHING, so a repeated or concurrently replayed event counts once;
- every credited person's row is locked (FOR NO KEY UPDATE on PostgreSQL; SQLite's write
  transaction serialises already) before their progress is read and merged, in id order, so
  two batches for the same learner never merge from the same stale state or deadlock;
- what is credited spends the learner's real time as the server measures it (StudyClock):
  the client's `at` orders stretches and names their day, but never buys time.
"""
from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, select, text, update
from sqlalchemy.orm import joinedload

from app.catalog.choices import LessonType
from app.catalog.models import Course, Lesson
from app.catalog.queries import learner_unit_ids, published_condition, published_to_units, visible_condition
from app.core.localtime import local_day, local_year
from app.core.model_base import as_utc, insert_ignoring_duplicates, utcnow
from app.core.permissions import can, role_can
from app.core.scope import scoped
from app.extensions import db
from app.media.models import Media
from app.org.models import Account, Person
from app.study import credit as completion
from app.study import rules
from app.study.progress import intervals
from app.study.progress.models import CreditGrant, CreditSource, LessonProgress, ProgressEvent, StudyClock, StudyDay
from app.study.sessions.queries import attendees_present, reporting_refusal

CLOCK_SKEW = timedelta(minutes=5)
# A player at most this close to the end has finished: resume from the start next time.
FINISHED_MARGIN = 2.0


# Why a batch was refused, by code: what the API and the page endpoint answer in `message`.
REFUSALS = {
    "no_person": _l("This account is not linked to a person, so it has no progress to report."),
    "forbidden": _l("This account may report only its own progress."),
    "person_not_found": _l("The person was not found, or is outside your area."),
    "lesson_not_found": _l("The lesson was not found, or is not open to you."),
    "quiz_lesson": _l("A quiz lesson is completed by taking its quiz; playback progress is not recorded for it."),
    "session_not_found": _l("The study session was not found, or this account may not report for it."),
    "session_not_open": _l("The study session is not open, so it takes no progress."),
    "lesson_not_in_session": _l("The lesson is not part of this study session's course."),
}


class ProgressRefused(Exception):
    """The batch cannot be accepted as a whole (status 403/404/422, a code of REFUSALS)."""

    def __init__(self, status: int, code: str):
        super().__init__(code)
        self.status = status
        self.code = code

    @property
    def message(self) -> str:
        """The reason in the user's language (read inside a request or app context)."""
        return str(REFUSALS.get(self.code, self.code))


@dataclass(frozen=True)
class LessonInfo:
    """What crediting needs of a lesson, as plain values (batches cross threads)."""

    id: int
    course_id: int
    type: str
    duration: float | None
    min_seconds: int
    content_version: int

    @classmethod
    def of(cls, lesson: Lesson) -> LessonInfo:
        return cls(lesson.id, lesson.course_id, lesson.type, lesson_duration(lesson), lesson.min_seconds,
                   lesson.content_version)

    @classmethod
    def of_row(cls, row) -> LessonInfo:
        """From a row of visible_lesson_facts."""
        return cls(row.id, row.course_id, row.type, _duration(row.type, row.media_duration, row.min_seconds),
                   row.min_seconds, row.content_version)

    @property
    def threshold(self) -> float | None:
        if self.type in (LessonType.VIDEO, LessonType.AUDIO):
            return None if self.duration is None else self.duration * rules.completion_share()
        if self.type in (LessonType.TEXT, LessonType.DOCUMENT):
            return float(self.min_seconds)
        return None  # quizzes complete through their attempts


@dataclass
class PreparedBatch:
    """A validated batch: its unique events with the person each one credits (None: a terminal's
    session event, credited to those present)."""

    account_id: int
    reports_for_others: bool
    events: list[dict]
    lessons: dict[int, LessonInfo]
    duplicates_in_batch: int
    now: datetime


@dataclass
class Credit:
    """A stretch of one lesson credited to one person."""

    person_id: int
    lesson: LessonInfo
    start: float
    end: float
    at: datetime
    source: CreditSource
    session_id: int | None = None
    # A moment the server itself saw this person present (arrival at a group session): their
    # real time counts from then even if no heartbeat of theirs came before.
    present_since: datetime | None = None


@dataclass
class BatchResult:
    accepted: int = 0
    duplicates: int = 0


def lesson_duration(lesson: Lesson) -> float | None:
    """What a lesson's seconds are measured against: media length, or the minimum open time."""
    return _duration(lesson.type, lesson.media.duration if lesson.media is not None else None, lesson.min_seconds)


def _duration(lesson_type: str, media_duration: float | None, min_seconds: int) -> float | None:
    if lesson_type in (LessonType.VIDEO, LessonType.AUDIO):
        return media_duration or None
    return float(max(min_seconds, 1))


# --- reading ------------------------------------------------------------------------------------

# The lesson facts a heartbeat needs, of the lessons a learner may study (the catalog's learner
# rule: learner_unit_ids, published_to_units): statements built once (a heartbeat runs one
# every time; building it cost more than running it).
_LESSON, _MEDIA, _COURSE = Lesson.__table__, Media.__table__, Course.__table__
_LESSON_FACTS = (select(_LESSON.c.id, _LESSON.c.course_id, _LESSON.c.type, _LESSON.c.min_seconds,
                        _LESSON.c.content_version, _MEDIA.c.duration.label("media_duration"))
                 .select_from(_LESSON.join(_COURSE, _LESSON.c.course_id == _COURSE.c.id)
                              .outerjoin(_MEDIA, _MEDIA.c.id == _LESSON.c.media_id))
                 .where(_LESSON.c.id.in_(bindparam("lesson_ids", expanding=True))))
_VISIBLE_LESSON_FACTS = _LESSON_FACTS.where(published_to_units(bindparam("unit_ids", expanding=True)))
_PUBLISHED_LESSON_FACTS = _LESSON_FACTS.where(published_condition())


def visible_lesson_facts(account: Account, lesson_ids) -> list:
    """Rows (id, course_id, type, min_seconds, content_version, media_duration) of those of the
    lessons the account may study (app.catalog.queries.visible_condition), as plain values."""
    unit_ids = learner_unit_ids(account)
    if unit_ids is None:
        return db.session.execute(_PUBLISHED_LESSON_FACTS, {"lesson_ids": list(lesson_ids)}).all()
    if not unit_ids:
        return []
    return db.session.execute(_VISIBLE_LESSON_FACTS, {"lesson_ids": list(lesson_ids), "unit_ids": unit_ids}).all()


def get_progress(person_id: int, lesson: Lesson) -> dict:
    row = db.session.scalar(select(LessonProgress).where(
        LessonProgress.person_id == person_id, LessonProgress.lesson_id == lesson.id,
        LessonProgress.content_version == lesson.content_version))
    if row is None:
        return {"watched_seconds": 0.0, "resume_position": 0.0, "complete": False}
    return {"watched_seconds": round(row.watched_seconds, 2), "resume_position": round(row.resume_position, 2),
            "complete": row.completed_at is not None}


def get_lesson_for_reporting(account: Account, lesson_id: int) -> Lesson | None:
    """The lesson if the account may study it (the catalog's learner rule)."""
    return db.session.scalar(select(Lesson).join(Course, Lesson.course_id == Course.id)
                             .where(Lesson.id == lesson_id, visible_condition(account)))


def resolve_person_for(account: Account, person_id: int | None) -> int:
    """Whose progress the account reports or reads: itself, or a person in its scope."""
    if person_id is None or person_id == account.person_id:
        if account.person_id is None:
            raise ProgressRefused(422, "no_person")
        return account.person_id
    if not can(account, "report_for_others"):
        raise ProgressRefused(403, "forbidden")
    if db.session.scalar(scoped(Person, account, select(Person.id)).where(Person.id == person_id)) is None:
        raise ProgressRefused(404, "person_not_found")
    return person_id


# --- writing ------------------------------------------------------------------------------------

def record_events(account: Account, events: list[dict], now: datetime | None = None) -> BatchResult:
    """Validate and record one batch in the caller's transaction (the caller commits)."""
    return write_batches([prepare_batch(account, events, now)])[0]


def prepare_batch(account: Account, events: list[dict], now: datetime | None = None) -> PreparedBatch:
    """Check a batch before anything is written: lessons the account may study, people in its
    scope, open sessions of its site. Raises ProgressRefused for the whole batch."""
    now = now or utcnow()
    unique: dict[str, dict] = {}
    for event in events:
        unique.setdefault(event["id"], event)
    reports_for_others = can(account, "report_for_others")
    lessons = _lessons_for(account, {event["lesson_id"] for event in unique.values()})
    persons: dict[int | None, int | None] = {}
    prepared = []
    for event in unique.values():
        key = event.get("person_id")
        session_expansion = key is None and event.get("session_id") is not None and reports_for_others
        if session_expansion:
            person_id = None
        else:
            if key not in persons:
                persons[key] = resolve_person_for(account, key)
            person_id = persons[key]
        prepared.append({"id": event["id"], "lesson_id": event["lesson_id"], "person_id": person_id,
                         "named_person": key, "session_id": event.get("session_id"),
                         "start": float(event["start"]), "end": float(event["end"]), "at": as_utc(event["at"]),
                         "scrolled_to_end": bool(event.get("scrolled_to_end"))})
    _check_sessions(account, prepared, lessons)
    return PreparedBatch(account.id, reports_for_others, prepared, lessons, len(events) - len(unique), now)


def _lessons_for(account: Account, lesson_ids: set[int]) -> dict[int, LessonInfo]:
    found = {row.id: LessonInfo.of_row(row) for row in visible_lesson_facts(account, lesson_ids)}
    if len(found) != len(lesson_ids):
        raise ProgressRefused(404, "lesson_not_found")
    if any(lesson.type == LessonType.QUIZ for lesson in found.values()):
        # A quiz lesson completes through its attempts (app.quiz); a heartbeat must not do it.
        raise ProgressRefused(422, "quiz_lesson")
    return found


def _check_sessions(account: Account, events, lessons: dict[int, LessonInfo]) -> None:
    """Every event naming a session must belong there: the sessions' contract says who may
    report for a session (app.study.sessions.queries.reporting_refusal), and the lesson must be of the
    session's course."""
    people: dict[int, set] = defaultdict(set)
    for event in events:
        if event["session_id"] is not None:
            people[event["session_id"]].add(event["person_id"])
    if not people:
        return

    for session_id, person_ids in people.items():
        refusal, course_id = reporting_refusal(account, session_id, person_ids)
        if refusal is not None:
            raise ProgressRefused(422 if refusal == "session_not_open" else 404, refusal)
        if any(lessons[event["lesson_id"]].course_id != course_id for event in events
               if event["session_id"] == session_id):
            raise ProgressRefused(422, "lesson_not_in_session")


def write_batches(batches: list[PreparedBatch]) -> list[BatchResult]:
    """Record prepared batches in the current transaction (no commit); one result each."""
    results = [BatchResult(duplicates=batch.duplicates_in_batch) for batch in batches]
    owner: dict[str, int] = {}  # event id -> index of the first batch that carries it
    rows = []
    for index, batch in enumerate(batches):
        for event in batch.events:
            if event["id"] in owner:
                results[index].duplicates += 1
                continue
            owner[event["id"]] = index
            rows.append({"id": event["id"], "account_id": batch.account_id, "person_id": event["person_id"],
                         "lesson_id": event["lesson_id"], "session_id": event["session_id"],
                         "start": event["start"], "end": event["end"], "at": event["at"],
                         "received_at": batch.now, "scrolled_to_end": event["scrolled_to_end"], "folded": True})
    new_ids = _insert_new_events(rows)
    for index, batch in enumerate(batches):
        fresh = [event for event in batch.events if event["id"] in new_ids and owner[event["id"]] == index]
        results[index].accepted = len(fresh)
        results[index].duplicates += sum(1 for event in batch.events if owner.get(event["id"]) == index) - len(fresh)
        _merge(_credits_for(batch, fresh), batch.now)
    return results


# Only the repair job folds (events an older version stored unfolded); one at a time.
FOLD_LOCK_KEY = 0x6C6D7370  # "lmsp"
FOLD_CHUNK = 5000
_UNFOLDED = text("NOT progress_event.folded")


def fold_pending(chunk: int = FOLD_CHUNK) -> int:
    """Merge stored events not merged yet into progress, days and grants (no commit), batch by
    batch in arrival order. Returns the number of events folded."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(func.pg_advisory_xact_lock(FOLD_LOCK_KEY)))
    table = ProgressEvent.__table__
    connection = db.session.connection()
    rows = connection.execute(
        select(table.c.id, table.c.account_id, table.c.person_id, table.c.lesson_id, table.c.session_id,
               table.c.start, table.c.end, table.c.at, table.c.received_at, table.c.scrolled_to_end)
        .where(_UNFOLDED).order_by(table.c.received_at, table.c.id).limit(chunk)).all()
    for batch in _stored_batches(rows):
        _merge(_credits_for(batch, batch.events), batch.now)
    ids = [row.id for row in rows]
    for start in range(0, len(ids), 500):  # under any SQLite build's bound-variable limit
        connection.execute(update(table).where(table.c.id.in_(ids[start:start + 500])).values(folded=True))
    return len(rows)


def _stored_batches(rows) -> list[PreparedBatch]:
    """Stored events regrouped into the batches they came in, with what crediting needs."""
    lesson_ids = {row.lesson_id for row in rows}
    lessons = {lesson.id: LessonInfo.of(lesson) for lesson in db.session.scalars(
        select(Lesson).where(Lesson.id.in_(lesson_ids)).options(joinedload(Lesson.media)))}
    account_ids = {row.account_id for row in rows if row.account_id is not None}
    roles = dict(db.session.execute(select(Account.id, Account.role).where(Account.id.in_(account_ids))).all())
    grouped: dict[tuple, list] = defaultdict(list)
    for row in rows:
        if row.lesson_id in lessons:  # a lesson deleted meanwhile took its progress with it
            grouped[(row.account_id, as_utc(row.received_at))].append(row)
    batches = []
    for (account_id, received_at), group in grouped.items():
        role = roles.get(account_id)
        events = [{"id": row.id, "lesson_id": row.lesson_id, "person_id": row.person_id,
                   "named_person": row.person_id, "session_id": row.session_id, "start": row.start, "end": row.end,
                   "at": as_utc(row.at), "scrolled_to_end": bool(row.scrolled_to_end)} for row in group]
        batches.append(PreparedBatch(account_id, role is not None and role_can(role, "report_for_others"), events,
                                     lessons, 0, received_at))
    return batches


def _insert_new_events(rows: list[dict]) -> set[str]:
    """Insert the events whose id is new; the ids inserted."""
    if not rows:
        return set()
    # Sorted ids: two transactions sharing events take their unique-index locks in the same order
    # (PostgreSQL would otherwise deadlock on a pair of replayed batches).
    rows.sort(key=lambda row: row["id"])
    statement = _insert_events_statement(db.session.get_bind().dialect.name)
    inserted: set[str] = set()
    for start in range(0, len(rows), 200):  # under any SQLite build's bound-variable limit
        inserted.update(db.session.connection().execute(statement, rows[start:start + 200]).scalars())
    return inserted


@functools.cache
def _insert_events_statement(dialect: str):
    """INSERT ... ON CONFLICT (id) DO NOTHING RETURNING id, built once per dialect."""
    table = ProgressEvent.__table__
    return insert_ignoring_duplicates(table, ["id"], dialect).returning(table.c.id)


# The statements a heartbeat runs, built once: building and keying a statement cost more
# Python time than SQLite took to run it. IN lists are expanding bound parameters.
_CLOCK = StudyClock.__table__
_INSERT_CLOCKS = _CLOCK.insert()
_UPDATE_CLOCKS = _CLOCK.update().where(_CLOCK.c.person_id == bindparam("_person")).values(
    credited_until=bindparam("credited_until"))


def _merge(credits: list[Credit], now: datetime) -> None:
    """Bound the credits by the learners' real time, then merge them into progress, days and grants.

    The learners are locked (app.study.credit.lock_people_reading), then what is stored of them
    (study clocks, progress rows of the lessons, self-study days with their grants) is read in
    one statement, whatever the batch holds.
    """
    if not credits:
        return
    stored = _read_learners(credits)
    _apply(spend_real_time(credits, now, stored.clocks), stored)


@dataclass
class _Stored:
    """What is stored of the credited learners, read under their lock."""

    clocks: dict[int, datetime]
    progress: list
    days: list


_PERSON, _PROGRESS, _DAY, _GRANT = Person.__table__, LessonProgress.__table__, StudyDay.__table__, CreditGrant.__table__
# One row per learner, progress row of the lessons (any version) and self-study day of the
# lessons and days: a batch names few lessons and days, so the product stays small.
_READ_LEARNERS = select(
    _PERSON.c.id.label("person_id"), _CLOCK.c.credited_until,
    _PROGRESS.c.id.label("p_id"), _PROGRESS.c.lesson_id.label("p_lesson_id"),
    _PROGRESS.c.content_version.label("p_content_version"), _PROGRESS.c.intervals.label("p_intervals"),
    _PROGRESS.c.watched_seconds.label("p_watched_seconds"), _PROGRESS.c.resume_position.label("p_resume_position"),
    _PROGRESS.c.self_study_seconds.label("p_self_study_seconds"),
    _PROGRESS.c.last_event_at.label("p_last_event_at"), _PROGRESS.c.completed_at.label("p_completed_at"),
    _DAY.c.id.label("d_id"), _DAY.c.lesson_id.label("d_lesson_id"), _DAY.c.day.label("d_day"),
    _DAY.c.intervals.label("d_intervals"), _DAY.c.credited_seconds.label("d_credited_seconds"),
    _GRANT.c.id.label("grant_id"), _GRANT.c.hours.label("grant_hours"),
).select_from(
    _PERSON.outerjoin(_CLOCK, _CLOCK.c.person_id == _PERSON.c.id)
    .outerjoin(_PROGRESS, (_PROGRESS.c.person_id == _PERSON.c.id)
               & _PROGRESS.c.lesson_id.in_(bindparam("lessons", expanding=True)))
    .outerjoin(_DAY, (_DAY.c.person_id == _PERSON.c.id) & _DAY.c.lesson_id.in_(bindparam("day_lessons", expanding=True))
               & _DAY.c.day.in_(bindparam("days", expanding=True)))
    .outerjoin(_GRANT, (_GRANT.c.person_id == _DAY.c.person_id) & (_GRANT.c.lesson_id == _DAY.c.lesson_id)
               & (_GRANT.c.day == _DAY.c.day) & (_GRANT.c.source == CreditSource.SELF_STUDY.value))
).where(_PERSON.c.id.in_(bindparam("people", expanding=True))).order_by(_PERSON.c.id)


def _read_learners(credits: list[Credit]) -> _Stored:
    """Lock the credited people and read what the merge needs of them, in one statement."""
    people = sorted({credit.person_id for credit in credits})
    self_study = [credit for credit in credits if credit.source == CreditSource.SELF_STUDY]
    rows = completion.lock_people_reading(people, _READ_LEARNERS, {
        "people": people, "lessons": sorted({credit.lesson.id for credit in credits}),
        "day_lessons": sorted({credit.lesson.id for credit in self_study}),
        "days": sorted({local_day(credit.at) for credit in self_study})})
    clocks, progress, days, seen_progress, seen_days = {}, [], [], set(), set()
    for row in rows:
        if row.credited_until is not None:
            clocks[row.person_id] = as_utc(row.credited_until)
        if row.p_id is not None and row.p_id not in seen_progress:
            seen_progress.add(row.p_id)
            progress.append(row)
        if row.d_id is not None and row.d_id not in seen_days:
            seen_days.add(row.d_id)
            days.append(row)
    return _Stored(clocks, progress, days)


def spend_real_time(credits: list[Credit], now: datetime, clocks: dict[int, datetime]) -> list[Credit]:
    """Trim credited stretches to the real time each learner had, as the server measures it.

    A learner's clock says up to when their real time has been spent; a batch may spend what
    has passed since (at most LMS_PROGRESS_OFFLINE_SECONDS, kept for a phone or terminal that
    was offline; a learner seen for the first time has LMS_PROGRESS_FIRST_BATCH_SECONDS). Every
    credited second of playback or reading spends a second, whatever the client says its `at`
    values were, so parallel or back-to-back batches cannot add up to more than has passed.
    The caller has locked the people and read their `clocks` (_read_learners): concurrent
    batches of one learner spend one after the other.
    """
    if not credits:
        return credits

    person_ids = sorted({credit.person_id for credit in credits})
    connection = db.session.connection()
    offline = timedelta(seconds=current_app.config["PROGRESS_OFFLINE_SECONDS"])
    first = timedelta(seconds=current_app.config["PROGRESS_FIRST_BATCH_SECONDS"])
    present: dict[int, datetime] = {}
    for credit in credits:
        if credit.present_since is not None:
            present[credit.person_id] = min(present.get(credit.person_id, now), credit.present_since)
    spent_until: dict[int, datetime] = {}
    for person_id in person_ids:
        known = clocks.get(person_id)
        if known is None:
            known = min(now - first, present.get(person_id, now))
        spent_until[person_id] = max(known, now - offline)
    kept = []
    for credit in sorted(credits, key=lambda item: (item.at, item.start)):
        available = (now - spent_until[credit.person_id]).total_seconds()
        length = min(credit.end - credit.start, max(available, 0.0))
        if length <= 0:
            continue
        credit.end = credit.start + length
        spent_until[credit.person_id] += timedelta(seconds=length)
        kept.append(credit)
    new = [{"person_id": person_id, "credited_until": moment} for person_id, moment in spent_until.items()
           if person_id not in clocks]
    if new:
        connection.execute(_INSERT_CLOCKS, new)
    changed = [{"_person": person_id, "credited_until": moment} for person_id, moment in spent_until.items()
               if person_id in clocks and moment != clocks[person_id]]
    if changed:
        connection.execute(_UPDATE_CLOCKS, changed)
    return kept


def _credits_for(batch: PreparedBatch, events: list[dict]) -> list[Credit]:
    """Turn accepted events into credited stretches of the lesson (spend_real_time then bounds
    them by the learners' real time)."""
    max_event = current_app.config["PROGRESS_MAX_EVENT_SECONDS"]
    oldest = batch.now - timedelta(days=current_app.config["PROGRESS_MAX_AGE_DAYS"])
    credits: list[Credit] = []
    for event in sorted(events, key=lambda item: (item["at"], item["start"])):
        lesson = batch.lessons[event["lesson_id"]]
        at = min(event["at"], batch.now + CLOCK_SKEW)
        if at < oldest:
            continue
        cleaned = intervals.clean([(event["start"], event["end"])], lesson.duration)
        if not cleaned:
            continue
        start, end = cleaned[0]
        end = min(end, start + max_event)
        session_id = event["session_id"]
        if event["person_id"] is not None:
            source = CreditSource.SELF_STUDY
            if session_id is not None:
                source = CreditSource.SESSION if batch.reports_for_others else CreditSource.MAKEUP
            credits.append(Credit(event["person_id"], lesson, start, end, at, source, session_id))
            continue
        # A terminal playing in a group session: everyone signed in during the stretch, late
        # arrivals from their arrival time on.
        window_start = at - timedelta(seconds=end - start)
        for attendee_id, arrived_at in attendees_present(session_id, window_start, at):
            late_by = (as_utc(arrived_at) - window_start).total_seconds()
            clipped_start, clipped_end = intervals.clip_after(start, end, late_by)
            if clipped_end > clipped_start:
                credits.append(Credit(attendee_id, lesson, clipped_start, clipped_end, at,
                                      CreditSource.SESSION, session_id, present_since=as_utc(arrived_at)))
    return credits


def _apply(credits: list[Credit], stored: _Stored) -> None:
    """Merge the credits into progress, self-study days and grants, then record completions.

    A heartbeat touches three rows per learner (progress, day, grant). They are read and
    written with Core statements, a few per group whatever its size: the ORM's per-object
    bookkeeping cost more than the database work. Completions are rare and go through the
    completion service (ORM, signals) after the rows are written.
    """

    if not credits:
        return
    by_learner: dict[tuple[int, int], list[Credit]] = defaultdict(list)
    for credit in credits:
        by_learner[(credit.person_id, credit.lesson.id)].append(credit)
    # The people are locked and their rows read already (_read_learners).
    states = _load_progress(by_learner, stored.progress)
    days = _load_days(credits, stored.days)
    study_rules = completion.self_study_rules()
    finished = []
    for key, group in sorted(by_learner.items(), key=lambda item: item[0]):
        latest = _merge_group(states[key], group, days, study_rules)
        if latest is not None:
            finished.append((states[key], latest))
    _save_progress(states.values())
    _save_days(days.values())
    for state, latest in finished:
        # Completion is credited to the stretch that crossed the line (its source and moment).
        completion.complete_lesson(state.person_id, db.session.get(Lesson, state.lesson_id), source=latest.source,
                                   at=latest.at, session_id=latest.session_id)


@dataclass
class _ProgressState:
    """One learner's lesson_progress row as plain values (id None: not stored yet)."""

    id: int | None
    person_id: int
    lesson_id: int
    content_version: int
    intervals: list
    watched_seconds: float = 0.0
    resume_position: float = 0.0
    self_study_seconds: float = 0.0
    last_event_at: datetime | None = None
    completed_at: datetime | None = None


@dataclass
class _DayState:
    """One learner's study_day row of a lesson and local day, with its self-study grant."""

    id: int | None
    person_id: int
    lesson_id: int
    day: date
    intervals: list
    credited_seconds: float = 0.0
    grant_id: int | None = None
    grant_hours: Decimal | None = None
    course_id: int | None = None
    granted_at: datetime | None = None  # set when the grant is created or grows
    changed: bool = False


_PROGRESS_FIELDS = ("intervals", "watched_seconds", "resume_position", "self_study_seconds", "last_event_at",
                    "completed_at", "updated_at")
_INSERT_PROGRESS = _PROGRESS.insert()
_UPDATE_PROGRESS = _PROGRESS.update().where(_PROGRESS.c.id == bindparam("_id")).values(
    {name: bindparam(name) for name in _PROGRESS_FIELDS})
_INSERT_DAYS = _DAY.insert()
_UPDATE_DAYS = _DAY.update().where(_DAY.c.id == bindparam("_id")).values(
    intervals=bindparam("intervals"), credited_seconds=bindparam("credited_seconds"))
_INSERT_GRANTS = _GRANT.insert()
_UPDATE_GRANTS = _GRANT.update().where(_GRANT.c.id == bindparam("_id")).values(
    hours=bindparam("hours"), granted_at=bindparam("granted_at"), ledger_pending=True)


def _load_progress(by_learner: dict, rows: list) -> dict[tuple[int, int], _ProgressState]:
    """Every learner's row for the lessons' current versions, from the rows read under the
    person locks (_read_learners), which make this read-then-insert safe; new ones made up."""
    versions = {key: group[0].lesson.content_version for key, group in by_learner.items()}
    found = {}
    for row in rows:
        key = (row.person_id, row.p_lesson_id)
        if versions.get(key) == row.p_content_version:
            found[key] = _ProgressState(row.p_id, row.person_id, row.p_lesson_id, row.p_content_version,
                                        intervals.loads(row.p_intervals), row.p_watched_seconds or 0.0,
                                        row.p_resume_position or 0.0, row.p_self_study_seconds or 0.0,
                                        as_utc(row.p_last_event_at), as_utc(row.p_completed_at))
    for (person_id, lesson_id), version in versions.items():
        found.setdefault((person_id, lesson_id), _ProgressState(None, person_id, lesson_id, version, []))
    return found


def _load_days(credits: list[Credit], rows: list) -> dict[tuple, _DayState]:
    """The self-study days the credits touch, with their grants (from the rows _read_learners read)."""
    keys = {(credit.person_id, credit.lesson.id, local_day(credit.at)): credit.lesson.course_id for credit in credits
            if credit.source == CreditSource.SELF_STUDY and credit.end > credit.start}
    if not keys:
        return {}
    days = {}
    for row in rows:
        key = (row.person_id, row.d_lesson_id, row.d_day)
        if key in keys:
            days[key] = _DayState(row.d_id, row.person_id, row.d_lesson_id, row.d_day, intervals.loads(row.d_intervals),
                                  row.d_credited_seconds or 0.0, row.grant_id, row.grant_hours, keys[key])
    for key, course_id in keys.items():
        days.setdefault(key, _DayState(None, *key, [], course_id=course_id))
    return days


def _merge_group(state: _ProgressState, group: list[Credit], days: dict, study_rules) -> Credit | None:
    """Merge one learner's credits of one lesson; the credit that completed the lesson, if one did."""
    lesson = group[0].lesson
    merged = intervals.merge(state.intervals + [(credit.start, credit.end) for credit in group
                                                if credit.end > credit.start])
    state.intervals = merged
    state.watched_seconds = intervals.total(merged)
    latest = max(group, key=lambda credit: credit.at)
    if state.last_event_at is None or latest.at >= state.last_event_at:
        state.last_event_at = latest.at
        finished = lesson.duration is not None and latest.end >= lesson.duration - FINISHED_MARGIN
        state.resume_position = 0.0 if finished else latest.end
    _credit_self_study(state, days, study_rules,
                       [credit for credit in group if credit.source == CreditSource.SELF_STUDY])
    threshold = lesson.threshold
    reached = threshold is not None and state.watched_seconds >= threshold - 1e-6
    if state.completed_at is None and reached:
        state.completed_at = latest.at
        return latest
    return None


def _credit_self_study(state: _ProgressState, days: dict, study_rules, credits: list[Credit]) -> None:
    """Apply the self-study time rules day by day (local days)."""

    by_day: dict[date, list[Credit]] = defaultdict(list)
    for credit in credits:
        if credit.end > credit.start:
            by_day[local_day(credit.at)].append(credit)
    for day, group in sorted(by_day.items()):
        row = days[(state.person_id, state.lesson_id, day)]
        merged = intervals.merge(row.intervals + [(credit.start, credit.end) for credit in group])
        row.intervals = merged
        row.changed = True
        other_days = state.self_study_seconds - row.credited_seconds
        credited = completion.self_study_day_credit(intervals.total(merged), intervals.longest_run(merged), other_days,
                                               study_rules)
        if credited > row.credited_seconds + 1e-6:
            state.self_study_seconds = other_days + credited
            row.credited_seconds = credited
            hours = completion.self_study_hours(credited)
            if row.grant_hours is None or hours > row.grant_hours:
                row.grant_hours = hours
                row.granted_at = max(credit.at for credit in group)


def _save_progress(states) -> None:
    now = utcnow()
    new, changed = [], []
    for state in states:
        row = {"intervals": intervals.dumps(state.intervals), "watched_seconds": state.watched_seconds,
               "resume_position": state.resume_position, "self_study_seconds": state.self_study_seconds,
               "last_event_at": state.last_event_at, "completed_at": state.completed_at, "updated_at": now}
        if state.id is None:
            new.append({**row, "person_id": state.person_id, "lesson_id": state.lesson_id,
                        "content_version": state.content_version})
        else:
            changed.append({**row, "_id": state.id})
    connection = db.session.connection()
    if new:
        connection.execute(_INSERT_PROGRESS, new)
    if changed:
        connection.execute(_UPDATE_PROGRESS, changed)


def _save_days(days) -> None:
    """Write the changed days, and create or grow their grants (marked for the development
    file: app.records settles self-study growth in bulk, see CreditGrant.ledger_pending)."""
    connection = db.session.connection()
    changed = [day for day in days if day.changed]
    new_days = [{"person_id": day.person_id, "lesson_id": day.lesson_id, "day": day.day,
                 "intervals": intervals.dumps(day.intervals), "credited_seconds": day.credited_seconds}
                for day in changed if day.id is None]
    if new_days:
        connection.execute(_INSERT_DAYS, new_days)
    old_days = [{"_id": day.id, "intervals": intervals.dumps(day.intervals), "credited_seconds": day.credited_seconds}
                for day in changed if day.id is not None]
    if old_days:
        connection.execute(_UPDATE_DAYS, old_days)
    grown = [day for day in days if day.granted_at is not None]
    new_grants = [{"person_id": day.person_id, "year": local_year(day.granted_at),
                   "hours": day.grant_hours, "source": CreditSource.SELF_STUDY.value, "course_id": day.course_id,
                   "lesson_id": day.lesson_id, "day": day.day, "granted_at": day.granted_at, "ledger_pending": True}
                  for day in grown if day.grant_id is None]
    if new_grants:
        connection.execute(_INSERT_GRANTS, new_grants)
    old_grants = [{"_id": day.grant_id, "hours": day.grant_hours, "granted_at": day.granted_at}
                  for day in grown if day.grant_id is not None]
    if old_grants:
        connection.execute(_UPDATE_GRANTS, old_grants)
