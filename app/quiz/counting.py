"""Which attempt counts: the one rule behind completion, the learner's quiz page and the results.

Only graded attempts count (one waiting for a trainer's grade does not yet). Under the "last"
policy the latest submitted counts; under "best" the highest percentage, the earliest of equal
ones. The rule is one SQL ordering, used for one person and, ranked per person, for a whole quiz.
"""
from __future__ import annotations

from sqlalchemy import Select, func, select

from app.quiz.models import Attempt, AttemptStatus, Quiz, ScorePolicy


def counting_order(quiz: Quiz) -> tuple:
    """The first attempt in this order is the one that counts."""
    if quiz.score_policy_enum == ScorePolicy.LAST:
        return Attempt.submitted_at.desc(), Attempt.id.desc()
    return Attempt.percent.desc(), Attempt.id.asc()


def counted_attempts(quiz: Quiz, *conditions) -> Select:
    """select(Attempt): the counted attempt of each person matching `conditions`, by id."""
    rank = func.row_number().over(partition_by=Attempt.person_id, order_by=counting_order(quiz)).label("rank")
    ranked = (select(Attempt.id, rank)
              .where(Attempt.quiz_id == quiz.id, Attempt.status == AttemptStatus.GRADED.value, *conditions)
              .subquery())
    return select(Attempt).join(ranked, ranked.c.id == Attempt.id).where(ranked.c.rank == 1).order_by(Attempt.id)
