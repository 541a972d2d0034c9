"""Who listens to which domain event, in the order the receivers run: the one list.

Receivers run inside the sender's transaction and only flush. create_app connects them once
(app.core.events.connect_in_order), whatever order the modules happen to be imported in.
"""
from __future__ import annotations

from blinker import Signal

from app.api import services as api_services
from app.core.events import connect_in_order
from app.org.signals import credentials_changed
from app.quiz.signals import quiz_passed
from app.records import services as records
from app.study import credit
from app.study.sessions import services as sessions
from app.study.signals import course_completed, credit_granted, lesson_completed, session_closed

RECEIVERS: dict[Signal, tuple] = {
    # Completing a lesson may clear a make-up (and grant its hours); the development file then
    # records the make-ups cleared, so the sessions receiver must run first.
    lesson_completed: (sessions.on_lesson_completed, records.on_lesson_completed),
    # A passed quiz may complete its course (and grant the course's hours), then is recorded.
    quiz_passed: (credit.on_quiz_passed, records.on_quiz_passed),
    course_completed: (records.on_course_completed,),
    credit_granted: (records.on_credit_granted,),
    session_closed: (records.on_session_closed,),
    # A new password or PIN (the person's own, or reset by an organiser) revokes every API token
    # of the account: whoever held the old secret may also hold a token made with it.
    credentials_changed: (api_services.on_credentials_changed,),
}


def connect_receivers() -> None:
    for signal, receivers in RECEIVERS.items():
        connect_in_order(signal, receivers)
