"""Writes to development files. Every entry is appended here, under the person's row lock,
inside the caller's transaction (flush only, never commit)."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.core.localtime import local_year
from app.core.model_base import as_utc, utcnow
from app.extensions import db
from app.org.models import Account, Person
from app.records.hashing import entry_hash
from app.records.integrity import chain_key
from app.records.models import AppraisalGrade, DevelopmentEntry, DevelopmentStage, EntryKind
from app.study.credit import lock_people
from app.records.outbox import enqueue_statement
from app.catalog.models import Course
from app.study.progress.models import CreditGrant
from app.study.sessions.models import MakeUp, MakeUpStatus
from app.study.sessions.models import Attendance, StudySession
from app.quiz.models import Attempt

HOURS_QUANTUM = Decimal("0.001")


class RecordsError(Exception):
    """A refused write; the message is shown to the user."""


def _last_entry(person_id: int) -> DevelopmentEntry | None:
    return db.session.scalar(select(DevelopmentEntry).where(DevelopmentEntry.person_id == person_id)
                             .order_by(DevelopmentEntry.sequence.desc()).limit(1))


def append_entry(person: Person, kind: EntryKind, *, occurred_at: datetime | None = None, year: int | None = None,
                 hours: Decimal | None = None, **fields) -> DevelopmentEntry:
    """Append one entry to the person's file and link it into the person's keyed hash chain."""
    lock_people([person.id])
    occurred_at = as_utc(occurred_at or utcnow()).astimezone(timezone.utc)
    last = _last_entry(person.id)
    entry = DevelopmentEntry(
        uid=str(uuid.uuid4()), person_id=person.id, sequence=(last.sequence + 1) if last else 1,
        unit_id=person.unit_id, year=year or local_year(occurred_at), kind=EntryKind(kind).value,
        occurred_at=occurred_at, hours=Decimal(hours or 0).quantize(HOURS_QUANTUM),
        source=fields.pop("source", "") or "", title=(fields.pop("title", "") or "")[:200],
        status=fields.pop("status", "") or "", note=fields.pop("note", "") or "",
        prev_hash=last.hash if last else "", hash="", created_at=utcnow(), **fields)
    db.session.add(entry)
    db.session.flush()  # the id the database gives is part of the hash
    entry.hash = entry_hash(entry, chain_key())
    db.session.flush()

    enqueue_statement(entry)
    return entry


# --- receivers of study and quiz signals (same transaction as the event) ------------------

def _person(person_id: int) -> Person:
    return db.session.get(Person, person_id)


def on_course_completed(sender, person_id: int, course_id: int, course_version: int, source: str,
                        at: datetime, **payload) -> None:
    course = db.session.get(Course, course_id)
    append_entry(_person(person_id), EntryKind.COURSE_COMPLETED, occurred_at=at, source=source,
                 course_id=course_id, title=course.title if course else "")


def on_credit_granted(sender, person_id: int, grant_id: int, hours, source: str, at: datetime, **payload) -> None:
    """A course, session or make-up grant appends its hours (self-study grants are settled in
    bulk: settle_self_study)."""
    grant = db.session.get(CreditGrant, grant_id)
    _append_credit(grant, _recorded_hours([grant_id]).get(grant_id, Decimal("0")), at)


def _recorded_hours(grant_ids: list[int]) -> dict[int, Decimal]:
    return {grant_id: Decimal(str(total)) for grant_id, total in db.session.execute(
        select(DevelopmentEntry.grant_id, func.sum(DevelopmentEntry.hours))
        .where(DevelopmentEntry.grant_id.in_(grant_ids), DevelopmentEntry.kind == EntryKind.CREDIT.value)
        .group_by(DevelopmentEntry.grant_id))}


def _append_credit(grant, recorded: Decimal, at: datetime) -> DevelopmentEntry | None:
    """Append what the grant holds beyond what the file already has (nothing if no growth)."""
    increase = (Decimal(str(grant.hours)) - recorded).quantize(HOURS_QUANTUM)
    if increase <= 0:
        return None
    # The file names what the hours were for: the course, else the lesson, else the group session.
    subject = grant.course or grant.lesson or grant.session
    title = subject.title if subject is not None else ""
    return append_entry(_person(grant.person_id), EntryKind.CREDIT, occurred_at=at, year=grant.year, hours=increase,
                        source=grant.source, grant_id=grant.id, course_id=grant.course_id,
                        session_id=grant.session_id, title=title)


SETTLE_CHUNK = 500


def settle_self_study(person_ids: list[int] | None = None) -> int:
    """Append the self-study hours granted since the last settlement to the development files:
    one entry per grown grant (person, lesson, day), dated at its latest growth.

    Runs every minute in the job consumer (app.records.tasks.settle_self_study) and, named and
    on purpose, in the reads that hand files out of the system: exports (exports.settle_before_export,
    `lms records export`) and the pull API. Pages only read: a file they show may be up to a
    minute behind its self-study grants. Under the people's row locks, like every append;
    returns the number of entries appended. The caller commits.
    """
    waiting = select(CreditGrant.person_id).where(CreditGrant.ledger_pending.is_(True)).distinct()
    if person_ids is not None:
        waiting = waiting.where(CreditGrant.person_id.in_(person_ids))
    people = sorted(db.session.scalars(waiting))
    appended = 0
    for start in range(0, len(people), SETTLE_CHUNK):
        chunk = people[start:start + SETTLE_CHUNK]
        lock_people(chunk)
        # Read again under the locks: another settlement may have taken some meanwhile.
        grants = db.session.scalars(select(CreditGrant).where(
            CreditGrant.ledger_pending.is_(True), CreditGrant.person_id.in_(chunk))
            .order_by(CreditGrant.person_id, CreditGrant.granted_at, CreditGrant.id)).all()
        db.session.scalars(select(Person).where(Person.id.in_(chunk))).all()  # one read, not one per grant
        recorded = _recorded_hours([grant.id for grant in grants])
        for grant in grants:
            if _append_credit(grant, recorded.get(grant.id, Decimal("0")), grant.granted_at) is not None:
                appended += 1
            grant.ledger_pending = False
        db.session.flush()
    return appended


def on_lesson_completed(sender, person_id: int, lesson_id: int, at: datetime | None = None, **payload) -> None:
    """Make-ups cleared by this lesson (the sessions receiver runs first) are appended once."""
    recorded = select(DevelopmentEntry.id).where(
        DevelopmentEntry.person_id == person_id, DevelopmentEntry.kind == EntryKind.MAKEUP_DONE.value,
        DevelopmentEntry.session_id == MakeUp.session_id)
    done = db.session.scalars(select(MakeUp).where(MakeUp.person_id == person_id,
                                                   MakeUp.status == MakeUpStatus.DONE.value, ~recorded.exists())
                              .order_by(MakeUp.id)).all()
    for make_up in done:
        append_entry(_person(person_id), EntryKind.MAKEUP_DONE, occurred_at=make_up.completed_at or at,
                     session_id=make_up.session_id, title=make_up.session.title, status="made_up",
                     course_id=make_up.session.course_id)


def on_session_closed(sender, session_id: int, at: datetime | None = None, **payload) -> None:
    """One attendance entry per expected attendee, with the final status."""
    session = db.session.get(StudySession, session_id)
    rows = db.session.scalars(select(Attendance).where(Attendance.session_id == session_id)
                              .order_by(Attendance.person_id))
    # A session entered afterwards says so in every file it reaches, with the secretary's reason.
    note = _("Entered afterwards: %(reason)s", reason=session.late_entry_reason) if session.entered_afterwards else ""
    for row in rows:
        append_entry(row.person, EntryKind.SESSION_ATTENDANCE, occurred_at=session.starts_at, source=row.source,
                     session_id=session_id, course_id=session.course_id, title=session.title, status=row.status,
                     note=note)


def on_quiz_passed(sender, attempt_id: int, person_id: int, at: datetime | None = None, **payload) -> None:
    attempt = db.session.get(Attempt, attempt_id)
    exists = db.session.scalar(select(DevelopmentEntry.id).where(DevelopmentEntry.attempt_id == attempt_id,
                                                                 DevelopmentEntry.kind == EntryKind.QUIZ_PASSED.value))
    if exists is not None:
        return
    quiz = attempt.quiz
    append_entry(_person(person_id), EntryKind.QUIZ_PASSED, occurred_at=at or attempt.submitted_at,
                 attempt_id=attempt_id, course_id=quiz.course_id, score=attempt.percent,
                 title=quiz.title or (quiz.lesson.title if quiz.lesson else ""))


# --- organisers' entries -----------------------------------------------------------------

def effective_hours(entry: DevelopmentEntry) -> Decimal:
    """The entry's hours after the corrections made to it."""
    corrections = db.session.scalar(select(func.coalesce(func.sum(DevelopmentEntry.hours), 0)).where(
        DevelopmentEntry.corrects_id == entry.id))
    return (Decimal(str(entry.hours)) + Decimal(str(corrections))).quantize(HOURS_QUANTUM)


def correct_entry(entry: DevelopmentEntry, *, by: Account, reason: str, hours: Decimal | None = None,
                  status: str | None = None, note: str = "") -> DevelopmentEntry:
    """A new entry that corrects `entry` (hours to a new value and/or a new status), with who and why."""
    reason = (reason or "").strip()
    if not reason:
        raise RecordsError(_("A correction needs a reason."))
    if hours is None and not status:
        raise RecordsError(_("A correction changes the hours or the status."))
    change = Decimal("0")
    if hours is not None:
        if Decimal(hours) < 0:
            raise RecordsError(_("Hours cannot be negative."))
        change = (Decimal(hours) - effective_hours(entry)).quantize(HOURS_QUANTUM)
    detail = reason if not note else f"{reason} — {note}"
    return append_entry(entry.person, EntryKind.CORRECTION, year=entry.year, hours=change, corrects_id=entry.id,
                        recorded_by_id=by.id, source=entry.source, course_id=entry.course_id,
                        session_id=entry.session_id, title=entry.title, status=status or "", note=detail)


def add_appraisal(person: Person, *, year: int, by: Account, grade: str | None = None, review: str = "",
                  note: str = "") -> DevelopmentEntry:
    """年终考评 grade and/or 民主评议 outcome for a year."""
    if grade:
        grade = AppraisalGrade(grade).value
    if not grade and not review.strip():
        raise RecordsError(_("Give a grade or a review outcome."))
    text = "\n".join(part for part in (review.strip(), note.strip()) if part)
    return append_entry(person, EntryKind.APPRAISAL, year=year, status=grade or "", note=text,
                        recorded_by_id=by.id, source="organiser")


def set_stage(person: Person, *, stage: str, by: Account, note: str = "") -> DevelopmentEntry:
    return append_entry(person, EntryKind.STAGE, status=DevelopmentStage(stage).value, note=note.strip(),
                        recorded_by_id=by.id, source="organiser")
