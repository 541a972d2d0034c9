"""Study events other areas subscribe to (make-ups clear on lesson_completed; the records
area builds development files from all three).

Senders call `signal.send(current_app._get_current_object(), **payload)` with:
- lesson_completed: person_id, lesson_id, course_id, source, at
- course_completed: person_id, course_id, course_version, source, at
- credit_granted: person_id, grant_id, hours (Decimal), source, at — course, session and
  make-up grants. Self-study grants grow with every heartbeat and send nothing: they are marked
  CreditGrant.ledger_pending, and records settles them in bulk.
Receivers run inside the same transaction (they must only flush).
"""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

lesson_completed = _signals.signal("lesson-completed")
course_completed = _signals.signal("course-completed")
credit_granted = _signals.signal("credit-granted")

# Sent by app.study.sessions.close_session once every expected attendee has a final status:
# session_id, at. (Development files append one attendance entry per attendee.)
session_closed = _signals.signal("session-closed")
