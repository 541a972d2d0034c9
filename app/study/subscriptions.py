"""Who listens to which study and quiz events; imported once by create_app.

Receivers run inside the sender's transaction and only flush.
"""
from __future__ import annotations

from app.quiz.signals import quiz_passed
from app.study import credit
from app.study.sessions import services as sessions
from app.study.signals import lesson_completed

# Completing a lesson may clear a make-up (and grant its hours).
lesson_completed.connect(sessions.on_lesson_completed)
# A passed quiz may complete its course (and grant the course's hours).
quiz_passed.connect(credit.on_quiz_passed)
