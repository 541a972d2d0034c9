"""Typed answers: fill-in (short), numeric, and the essay a trainer grades."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.quiz import grading
from app.quiz.formats import ParsedNumericAnswer, ParsedOption, ParsedQuestion
from app.quiz.types.base import GiftAnswers, QuestionType, QuestionView
from app.quiz.types.choice import GIFT_HINT


class ShortAnswer(GiftAnswers, QuestionType):
    name = "short"
    label = _l("Fill-in")
    answers_hint = GIFT_HINT

    def content_from_parsed(self, parsed: ParsedQuestion) -> dict:
        content = {"answers": [{"text": a.text, "fraction": a.fraction, "feedback": a.feedback} for a in parsed.answers]}
        if parsed.case_sensitive:
            content["case_sensitive"] = True
        return content

    def fill_parsed(self, parsed: ParsedQuestion, content: dict) -> None:
        parsed.answers = [ParsedOption(a["text"], a["fraction"], a.get("feedback", "")) for a in content["answers"]]
        parsed.case_sensitive = bool(content.get("case_sensitive"))

    def grade(self, content: dict, response) -> grading.Grade:
        return grading.grade_short(content, response)

    def reveal(self, view: QuestionView, content: dict, response, order: list[int]) -> None:
        answers = content.get("answers", [])
        view.accepted = [a["text"] for a in answers if a["fraction"] >= grading.FULL]
        matched = grading.matching_short_answer(answers, response, case_sensitive=bool(content.get("case_sensitive")))
        view.answer_feedback = matched.get("feedback", "") if matched else ""

    def answer_summary(self, parsed: ParsedQuestion) -> str:
        return " / ".join(answer.text for answer in parsed.answers)


class Numeric(GiftAnswers, QuestionType):
    name = "numeric"
    label = _l("Numeric")
    answers_hint = GIFT_HINT
    inputmode = "decimal"

    def content_from_parsed(self, parsed: ParsedQuestion) -> dict:
        content = {"answers": [{"value": a.value, "tolerance": a.tolerance, "fraction": a.fraction,
                                "feedback": a.feedback} for a in parsed.answers]}
        if parsed.other_feedback:
            content["other_feedback"] = parsed.other_feedback  # for any number no answer covers
        return content

    def fill_parsed(self, parsed: ParsedQuestion, content: dict) -> None:
        parsed.answers = [ParsedNumericAnswer(a["value"], a["tolerance"], a["fraction"], a.get("feedback", ""))
                          for a in content["answers"]]
        parsed.other_feedback = content.get("other_feedback", "")

    def grade(self, content: dict, response) -> grading.Grade:
        return grading.grade_numeric(content, response)

    def reveal(self, view: QuestionView, content: dict, response, order: list[int]) -> None:
        answers = content.get("answers", [])
        view.accepted = [f"{a['value']:g} ± {a['tolerance']:g}" if a["tolerance"] else f"{a['value']:g}"
                         for a in answers if a["fraction"] >= grading.FULL]
        matched = grading.best_numeric_answer(answers, response)
        view.answer_feedback = matched.get("feedback", "") if matched else content.get("other_feedback", "")

    def answer_summary(self, parsed: ParsedQuestion) -> str:
        return " / ".join(f"{answer.value:g}±{answer.tolerance:g}" for answer in parsed.answers)


class Essay(GiftAnswers, QuestionType):
    name = "essay"
    label = _l("Essay")
    answer_template = "quiz/types/essay_answer.html"
    answers_hint = GIFT_HINT
    empty_answers = "{}"  # GIFT's essay
    graded_by_hand = True

    def content_from_parsed(self, parsed: ParsedQuestion) -> dict:
        return {"grader_info": parsed.grader_info}

    def fill_parsed(self, parsed: ParsedQuestion, content: dict) -> None:
        parsed.grader_info = content.get("grader_info", "")

    def grade(self, content: dict, response) -> grading.Grade:
        return grading.grade_essay(content, response)
