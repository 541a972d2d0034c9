"""The registry of question types: the one place that knows which types exist.

    question_type("single")          -> the type object; UnknownQuestionType for a name not registered
    registered_types()               -> every type, in the order the trainer's type menu lists them
    register(type) / unregister(name) -> for a type defined elsewhere (the toy type in the tests)

The persisted name (Question.type, QuestionVersion.type) is the key. To add a type, write
one class on QuestionType (see docs/quiz.md, "Adding a question type") and list it here.
"""
from __future__ import annotations

from app.quiz.types.base import InvalidAnswers, OptionView, PairView, QuestionType, QuestionView
from app.quiz.types.choice import MultipleChoice, SingleChoice, TrueFalse
from app.quiz.types.cloze import Cloze
from app.quiz.types.description import Description
from app.quiz.types.matching import Matching, matching_choices
from app.quiz.types.text import Essay, Numeric, ShortAnswer

__all__ = [
    "InvalidAnswers", "OptionView", "PairView", "QuestionType", "QuestionView", "UnknownQuestionType",
    "matching_choices", "question_type", "register", "registered_types", "unregister", "unscored_type_names",
]


class UnknownQuestionType(ValueError):
    pass


_TYPES: dict[str, QuestionType] = {
    kind.name: kind for kind in (
        SingleChoice(), MultipleChoice(), TrueFalse(), ShortAnswer(), Numeric(), Matching(), Cloze(), Essay(),
        Description(),
    )
}


def question_type(name: str) -> QuestionType:
    try:
        return _TYPES[name]
    except KeyError:
        raise UnknownQuestionType(f"unknown question type {name!r}") from None


def registered_types() -> list[QuestionType]:
    return list(_TYPES.values())


def unscored_type_names() -> list[str]:
    """Types that carry no score (descriptions): never drawn into a quiz at random."""
    return [name for name, kind in _TYPES.items() if not kind.scores_points]


def register(kind: QuestionType) -> None:
    if not kind.name or kind.name in _TYPES:
        raise ValueError(f"question type {kind.name!r} is empty or registered already")
    if len(kind.name) > 16:
        raise ValueError("a question type name fits in 16 characters (Question.type)")
    _TYPES[kind.name] = kind


def unregister(name: str) -> None:
    _TYPES.pop(name, None)
