"""Question content as stored in QuestionVersion.content_json, and back to the formats' model.

Pure functions: ParsedQuestion (from any import format) -> (content dict, explanation, points),
and a stored version -> ParsedQuestion for export, so an export imports back to the same
questions.
"""
from __future__ import annotations

from app.quiz.formats import ParsedNumericAnswer, ParsedOption, ParsedPair, ParsedQuestion

CHOICE_TYPES = ("single", "multiple")


def content_from_parsed(question: ParsedQuestion) -> dict:
    kind = question.type
    content: dict = {}
    if kind in CHOICE_TYPES or kind == "truefalse":
        content["options"] = [{"text": o.text, "fraction": o.fraction, "feedback": o.feedback} for o in question.options]
    if kind == "multiple":
        content["grading"] = question.grading or "all_or_nothing"
    if kind == "truefalse":
        content["answer"] = bool(question.answer)
    if kind == "short":
        content["answers"] = [{"text": a.text, "fraction": a.fraction, "feedback": a.feedback} for a in question.answers]
    if kind == "numeric":
        content["answers"] = [{"value": a.value, "tolerance": a.tolerance, "fraction": a.fraction,
                               "feedback": a.feedback} for a in question.answers]
    if kind == "matching":
        content["pairs"] = [{"left": p.left, "right": p.right} for p in question.pairs]
    if kind == "essay":
        content["grader_info"] = question.grader_info
    if question.penalty is not None:
        content["penalty"] = question.penalty
    return content


def parsed_from_content(*, kind: str, title: str, category: str, text: str, text_html: str | None,
                        content: dict, explanation: str, points: float) -> ParsedQuestion:
    question = ParsedQuestion(type=kind, text=text, title=title, category=category, text_html=text_html,
                              feedback=explanation, points=points, penalty=content.get("penalty"))
    if "options" in content:
        question.options = [ParsedOption(o["text"], o["fraction"], o.get("feedback", "")) for o in content["options"]]
    if kind == "multiple":
        question.grading = content.get("grading", "all_or_nothing")
    if kind == "truefalse":
        question.answer = bool(content.get("answer"))
    if kind == "short":
        question.answers = [ParsedOption(a["text"], a["fraction"], a.get("feedback", "")) for a in content["answers"]]
    if kind == "numeric":
        question.answers = [ParsedNumericAnswer(a["value"], a["tolerance"], a["fraction"], a.get("feedback", ""))
                            for a in content["answers"]]
    if kind == "matching":
        question.pairs = [ParsedPair(p["left"], p["right"]) for p in content["pairs"]]
    if kind == "essay":
        question.grader_info = content.get("grader_info", "")
    return question


def matching_choices(content: dict) -> list[str]:
    """The distinct right-hand texts a learner chooses from, in file order."""
    seen: list[str] = []
    for pair in content.get("pairs", []):
        if pair["right"] not in seen:
            seen.append(pair["right"])
    return seen


def option_count(kind: str, content: dict) -> int:
    """How many things the stored display order permutes."""
    if kind in CHOICE_TYPES:
        return len(content.get("options", []))
    if kind == "matching":
        return len(matching_choices(content))
    return 0
