"""Matching: a right-hand text chosen for each left-hand item; the choices are always shuffled."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.quiz import grading
from app.quiz.formats import ParsedPair, ParsedQuestion
from app.quiz.types.base import GiftAnswers, OptionView, PairView, QuestionType, QuestionView, original_index
from app.quiz.types.choice import GIFT_HINT


def matching_choices(content: dict) -> list[str]:
    """The distinct right-hand texts a learner chooses from, in file order."""
    seen: list[str] = []
    for pair in content.get("pairs", []):
        if pair["right"] not in seen:
            seen.append(pair["right"])
    return seen


class Matching(GiftAnswers, QuestionType):
    name = "matching"
    label = _l("Matching")
    answer_template = "quiz/types/matching_answer.html"
    review_template = "quiz/types/matching_review.html"
    answers_hint = GIFT_HINT
    shuffle = "always"  # in file order the choices would line up with the answers

    def content_from_parsed(self, parsed: ParsedQuestion) -> dict:
        return {"pairs": [{"left": p.left, "right": p.right} for p in parsed.pairs]}

    def fill_parsed(self, parsed: ParsedQuestion, content: dict) -> None:
        parsed.pairs = [ParsedPair(p["left"], p["right"]) for p in content["pairs"]]

    def option_count(self, content: dict) -> int:
        return len(matching_choices(content))

    def response_from_form(self, content: dict, order: list[int], values):
        """Field q<n>_<i> holds the display position of the choice for pair i."""
        choices = matching_choices(content)
        picked: list[str | None] = []
        for index, _pair in enumerate(content.get("pairs", [])):
            raw = [value for value in values.get(str(index), []) if value]
            position = original_index(order, raw[0]) if raw else None
            picked.append(choices[position] if position is not None and position < len(choices) else None)
        return picked if any(item is not None for item in picked) else None

    def grade(self, content: dict, response) -> grading.Grade:
        return grading.grade_matching(content, response)

    def fill_view(self, view: QuestionView, content: dict, response, order: list[int]) -> None:
        choices = matching_choices(content)
        view.choices = [OptionView(position, choices[original]) for position, original in enumerate(order, start=1)]
        position_of = {choices[original]: position for position, original in enumerate(order, start=1)}
        picked = response if isinstance(response, list) else []
        for index, pair in enumerate(content.get("pairs", [])):
            if pair["left"]:
                chosen_text = picked[index] if index < len(picked) else None
                view.pairs.append(PairView(index, pair["left"], chosen=position_of.get(chosen_text)))

    def reveal(self, view: QuestionView, content: dict, response, order: list[int]) -> None:
        pairs = content.get("pairs", [])
        picked = response if isinstance(response, list) else []
        for pair_view in view.pairs:
            right = pairs[pair_view.index]["right"]
            pair_view.correct_text = right
            pair_view.is_correct = pair_view.index < len(picked) and picked[pair_view.index] == right

    def answer_summary(self, parsed: ParsedQuestion) -> str:
        return "; ".join(f"{pair.left}→{pair.right}" for pair in parsed.pairs if pair.left)
