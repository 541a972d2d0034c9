"""The seam through which quiz pages on a terminal learn of a group session covering the quiz.

Group sessions belong to the study domain, which sits above quiz, so quiz never imports it:
study plugs its mode (app.study.sessions.quiz_mode) in when its blueprint is registered.
Without it every terminal uses the PIN flow.
"""
from __future__ import annotations

from typing import Protocol

from flask import current_app

EXTENSION_KEY = "quiz.group_session_mode"


class GroupSessionMode(Protocol):
    """What the quiz pages ask; the session and taker objects are the provider's own."""

    def open_session_for_quiz(self, terminal, quiz): ...

    def session_takers(self, session, quiz, terminal) -> list: ...

    def get_session_taker_or_404(self, session, quiz, terminal, person_id: int | None): ...

    def session_answers_available(self, quiz, takers: list) -> bool: ...

    def session_answer_questions(self, takers: list) -> list: ...


class NoGroupSessions:
    """No group sessions installed: no session ever covers a quiz, so nothing else is asked."""

    @staticmethod
    def open_session_for_quiz(terminal, quiz):
        return None


def group_mode() -> GroupSessionMode:
    return current_app.extensions.get(EXTENSION_KEY, NoGroupSessions)
