"""The group-session mode of a quiz on a terminal: who in the room takes it, and when the room
sees the answers. Quiz pages ask for it through app.quiz.group_mode; this module provides it
(study sits above quiz and calls its models and queries).

While the terminal's site has an open group session covering the quiz's course, the people
signed in at roll call take the quiz in turn with no PIN: the sign-in identifies them. The
attempt has no session column (no schema change for this), so the link stays implicit: an
attempt belongs to the session when it was started on the session site's terminal while the
session was open (terminal_account_id and started_at >= opened_at).
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import abort
from sqlalchemy import select

from app.core.model_base import as_utc
from app.core.permissions import can
from app.extensions import db
from app.org.models import Account, Person
from app.quiz.models import Attempt, AttemptQuestion, Quiz
from app.study.sessions.models import StudySession
from app.study.sessions.queries import list_today_for_site, roster_for

SIGNED_IN_NOW = ("present", "late")  # not left_early, on leave or absent: they are not in the room


@dataclass
class SessionTaker:
    """Someone signed in to the session, with their latest attempt at the quiz in it."""
    person: Person
    attempt: Attempt | None = None

    @property
    def has_taken(self) -> bool:
        return self.attempt is not None and self.attempt.is_submitted

    @property
    def is_taking(self) -> bool:
        return self.attempt is not None and not self.attempt.is_submitted


def _session_covers_course(session: StudySession, course_id: int) -> bool:
    return session.course_id == course_id or any(lesson.course_id == course_id for lesson in session.lessons)


def open_session_for_quiz(terminal: Account, quiz: Quiz) -> StudySession | None:
    """The open group session at the terminal's site whose course or lessons include the quiz's
    course (the latest opened, should there be two), or None: then the PIN flow applies."""
    if not can(terminal, "act_as_terminal") or terminal.site_id is None:
        return None
    sessions = [session for session in list_today_for_site(terminal.site_id)
                if session.is_open and _session_covers_course(session, quiz.course_id)]
    if not sessions:
        return None
    return max(sessions, key=lambda session: (as_utc(session.opened_at) or as_utc(session.starts_at), session.id))


def session_takers(session: StudySession, quiz: Quiz, terminal: Account) -> list[SessionTaker]:
    """People signed in to the session now (present or late), by name, each with their latest
    attempt at the quiz started on this terminal since the session opened."""
    takers = [SessionTaker(line.person) for line in roster_for(session)
              if line.attendance is not None and line.attendance.status in SIGNED_IN_NOW]
    if not takers:
        return []
    opened_at = as_utc(session.opened_at or session.starts_at)
    by_person = {taker.person.id: taker for taker in takers}
    attempts = db.session.scalars(select(Attempt).where(
        Attempt.quiz_id == quiz.id, Attempt.person_id.in_(by_person), Attempt.terminal_account_id == terminal.id)
        .order_by(Attempt.number))
    for attempt in attempts:
        if as_utc(attempt.started_at) >= opened_at:
            by_person[attempt.person_id].attempt = attempt
    return takers


def get_session_taker_or_404(session: StudySession, quiz: Quiz, terminal: Account, person_id: int | None) -> SessionTaker:
    """Only someone signed in to the session can be started in session mode."""
    taker = next((taker for taker in session_takers(session, quiz, terminal) if taker.person.id == person_id), None)
    if taker is None:
        abort(404)
    return taker


def session_answers_available(quiz: Quiz, takers: list[SessionTaker]) -> bool:
    """On the TV the answers are discussed after the last taker, when the secretary chooses to
    show them: between takers each sees only their own score. Only for quizzes that show
    answers at all (the trainer's setting)."""
    return bool(quiz.show_explanations and takers and all(taker.has_taken for taker in takers))


def session_answer_questions(takers: list[SessionTaker]) -> list[AttemptQuestion]:
    """One question of each kind the takers answered (draws may differ per taker), in the order
    first met: what the room goes through together."""
    seen: set[int] = set()
    questions: list[AttemptQuestion] = []
    for taker in takers:
        if taker.attempt is None or not taker.attempt.is_submitted:
            continue
        for question in taker.attempt.questions:
            if question.version_id not in seen:
                seen.add(question.version_id)
                questions.append(question)
    return questions
