"""UI words for question types and import locations."""
from __future__ import annotations

from flask_babel import gettext as _

from app.quiz.types import UnknownQuestionType, question_type


def question_type_label(kind: str) -> str:
    try:
        return str(question_type(kind).label)
    except UnknownQuestionType:
        return kind


def location_label(location: str) -> str:
    """"row 20" -> "第 20 行" in the UI language."""
    kind, _sep, number = location.partition(" ")
    if kind in ("row", "line") and number:
        return _("row %(n)s", n=number) if kind == "row" else _("line %(n)s", n=number)
    if kind == "question" and number:
        return _("question %(n)s", n=number)
    return _("whole file")


def answer_summary(question) -> str:
    """A short description of a parsed question's answer, for the import preview."""
    return question_type(question.type).answer_summary(question)
