"""Choice types: one answer (single), several (multiple) and true/false."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.quiz import grading
from app.quiz.formats import ParsedOption, ParsedQuestion
from app.quiz.types.base import (
    LETTERS, GiftAnswers, OptionView, QuestionType, QuestionView, main_values, original_index,
)

GIFT_HINT = _l("For example {=right answer ~wrong answer ~wrong answer} for one choice, {TRUE} for true/false, "
               "{=answer1 =answer2} for fill-in.")


def options_content(parsed: ParsedQuestion) -> list[dict]:
    return [{"text": o.text, "fraction": o.fraction, "feedback": o.feedback} for o in parsed.options]


def options_parsed(content: dict) -> list[ParsedOption]:
    return [ParsedOption(o["text"], o["fraction"], o.get("feedback", "")) for o in content.get("options", [])]


class ChoiceType(GiftAnswers, QuestionType):
    """Options shown in display order (numbered 1..n); the response holds original indexes."""

    answer_template = "quiz/types/radio_answer.html"
    review_template = "quiz/types/options_review.html"
    answers_hint = GIFT_HINT
    shuffle = "asks"

    def content_from_parsed(self, parsed: ParsedQuestion) -> dict:
        return {"options": options_content(parsed)}

    def fill_parsed(self, parsed: ParsedQuestion, content: dict) -> None:
        parsed.options = options_parsed(content)

    def option_count(self, content: dict) -> int:
        return len(content.get("options", []))

    def chosen_indexes(self, response) -> set[int]:
        return set(response if isinstance(response, list) else ([response] if response is not None else []))

    def correct_indexes(self, content: dict) -> set[int]:
        return grading.correct_option_indexes(content)

    def fill_view(self, view: QuestionView, content: dict, response, order: list[int]) -> None:
        chosen = self.chosen_indexes(response)
        options = content.get("options", [])
        view.options = [OptionView(position, options[original]["text"], chosen=original in chosen)
                        for position, original in enumerate(order, start=1)]

    def reveal(self, view: QuestionView, content: dict, response, order: list[int]) -> None:
        correct = self.correct_indexes(content)
        for option, original in zip(view.options, order):
            option.correct = original in correct
            option.feedback = content["options"][original].get("feedback", "")

    def answer_summary(self, parsed: ParsedQuestion) -> str:
        return "".join(LETTERS[i] for i, option in enumerate(parsed.options[:26]) if option.fraction > 0)


class SingleChoice(ChoiceType):
    name = "single"
    label = _l("Single choice")

    def response_from_form(self, content: dict, order: list[int], values):
        main = main_values(values)
        return original_index(order, main[0]) if main else None

    def grade(self, content: dict, response) -> grading.Grade:
        return grading.grade_single(content, response)

    def correct_indexes(self, content: dict) -> set[int]:
        """The best options: a partly-right option is not "the" answer when a better one exists."""
        options = content.get("options", [])
        best = max((option["fraction"] for option in options), default=0)
        return {i for i, option in enumerate(options) if option["fraction"] >= best > 0}


class MultipleChoice(ChoiceType):
    name = "multiple"
    label = _l("Multiple choice")
    answer_template = "quiz/types/checkbox_answer.html"

    def content_from_parsed(self, parsed: ParsedQuestion) -> dict:
        return {"options": options_content(parsed), "grading": parsed.grading or "all_or_nothing"}

    def fill_parsed(self, parsed: ParsedQuestion, content: dict) -> None:
        parsed.options = options_parsed(content)
        parsed.grading = content.get("grading", "all_or_nothing")

    def response_from_form(self, content: dict, order: list[int], values):
        chosen = sorted({index for index in (original_index(order, value) for value in main_values(values))
                         if index is not None})
        return chosen or None

    def grade(self, content: dict, response) -> grading.Grade:
        return grading.grade_multiple(content, response)


class TrueFalse(GiftAnswers, QuestionType):
    name = "truefalse"
    label = _l("True/false")
    answer_template = "quiz/types/radio_answer.html"
    review_template = "quiz/types/options_review.html"
    answers_hint = GIFT_HINT
    FORM_VALUES = {"true": True, "false": False}

    def content_from_parsed(self, parsed: ParsedQuestion) -> dict:
        return {"options": options_content(parsed), "answer": bool(parsed.answer)}

    def fill_parsed(self, parsed: ParsedQuestion, content: dict) -> None:
        parsed.options = options_parsed(content)
        parsed.answer = bool(content.get("answer"))

    def response_from_form(self, content: dict, order: list[int], values):
        main = main_values(values)
        return self.FORM_VALUES.get(main[0]) if main else None

    def grade(self, content: dict, response) -> grading.Grade:
        return grading.grade_truefalse(content, response)

    def fill_view(self, view: QuestionView, content: dict, response, order: list[int]) -> None:
        view.options = [OptionView(1, _("True"), chosen=response is True, value="true"),
                        OptionView(2, _("False"), chosen=response is False, value="false")]

    def reveal(self, view: QuestionView, content: dict, response, order: list[int]) -> None:
        answer = bool(content.get("answer"))
        view.options[0].correct, view.options[1].correct = answer, not answer

    def answer_summary(self, parsed: ParsedQuestion) -> str:
        return _("True") if parsed.answer else _("False")
