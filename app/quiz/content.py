"""Question content as stored in QuestionVersion.content_json, and back to the formats' model.

Pure functions: ParsedQuestion (from any import format) -> content dict, and a stored version
-> ParsedQuestion for export, so an export imports back to the same questions. Which keys a
type stores is the type's business (app.quiz.types); the penalty is common to all.
"""
from __future__ import annotations

from app.quiz.formats import ParsedQuestion
from app.quiz.types import question_type


def content_from_parsed(question: ParsedQuestion) -> dict:
    content = question_type(question.type).content_from_parsed(question)
    if question.penalty is not None:
        content["penalty"] = question.penalty
    return content


def parsed_from_content(*, kind: str, title: str, category: str, text: str, text_html: str | None,
                        content: dict, explanation: str, points: float) -> ParsedQuestion:
    question = ParsedQuestion(type=kind, text=text, title=title, category=category, text_html=text_html,
                              feedback=explanation, points=points, penalty=content.get("penalty"))
    question_type(kind).fill_parsed(question, content)
    return question
