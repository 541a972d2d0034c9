"""Quiz events other areas subscribe to (development files record passes).

quiz_passed: attempt_id, person_id, at — sent by submit_attempt inside its transaction, or by
grade_essay when a trainer's score makes a waiting attempt pass
when the attempt is graded as passed (receivers must only flush).
"""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

quiz_passed = _signals.signal("quiz-passed")
