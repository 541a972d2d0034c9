"""What a page shows of a question in an attempt.

Before submission only what the learner needs to answer: text, options in display order
(numbered 1..n, never original indexes), the learner's own response. Fractions, feedback,
accepted answers and the explanation are added only once the attempt is submitted (and the
quiz shows explanations), so no correctness data reaches the page early.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask import url_for
from markupsafe import Markup
from flask_babel import gettext as _

from app.quiz.content import matching_choices
from app.quiz.grading import FULL, correct_option_indexes
from app.quiz.models import AttemptQuestion
from app.quiz.services import IMAGE_PLACEHOLDER

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def render_question_html(html: str | None) -> Markup | None:
    """Stored (sanitised) HTML with image placeholders turned into URLs."""
    if not html:
        return None
    html = re.sub(re.escape(IMAGE_PLACEHOLDER) + r"(\d+)",
                  lambda match: url_for("quiz.image", image_id=int(match.group(1))), html)
    return Markup(html)  # sanitised with nh3 when imported


@dataclass
class OptionView:
    position: int  # 1-based display position, the form value
    text: str
    chosen: bool = False
    correct: bool | None = None  # after submission only
    feedback: str = ""  # after submission only

    @property
    def letter(self) -> str:
        return LETTERS[self.position - 1] if self.position <= len(LETTERS) else str(self.position)


@dataclass
class PairView:
    index: int
    left: str
    chosen: int | None = None  # display position of the chosen right-hand text
    correct_text: str | None = None  # after submission only
    is_correct: bool | None = None


@dataclass
class QuestionView:
    position: int
    type: str
    text: str
    html: Markup | None
    points: float
    options: list[OptionView] = field(default_factory=list)
    choices: list[OptionView] = field(default_factory=list)  # matching: right-hand texts
    pairs: list[PairView] = field(default_factory=list)
    text_answer: str = ""
    answered: bool = False
    # after submission
    revealed: bool = False
    score: float | None = None
    fraction: float | None = None
    accepted: list[str] = field(default_factory=list)
    explanation: str = ""
    grader_comment: str = ""

    @property
    def is_correct(self) -> bool:
        return self.fraction is not None and self.fraction >= FULL


def question_view(question: AttemptQuestion, *, reveal: bool) -> QuestionView:
    version = question.version
    content = version.content
    response = question.response
    order = question.order
    view = QuestionView(position=question.position, type=version.type, text=version.text,
                        html=render_question_html(version.text_html), points=question.max_score,
                        answered=response is not None)
    if version.type in ("single", "multiple"):
        chosen = set(response if isinstance(response, list) else ([response] if response is not None else []))
        options = content.get("options", [])
        for position, original in enumerate(order, start=1):
            view.options.append(OptionView(position, options[original]["text"], chosen=original in chosen))
    elif version.type == "truefalse":
        view.options = [OptionView(1, _("True"), chosen=response is True),
                        OptionView(2, _("False"), chosen=response is False)]
    elif version.type == "matching":
        choices = matching_choices(content)
        view.choices = [OptionView(position, choices[original]) for position, original in enumerate(order, start=1)]
        position_of = {choices[original]: position for position, original in enumerate(order, start=1)}
        picked = response if isinstance(response, list) else []
        for index, pair in enumerate(content.get("pairs", [])):
            if pair["left"]:
                chosen_text = picked[index] if index < len(picked) else None
                view.pairs.append(PairView(index, pair["left"], chosen=position_of.get(chosen_text)))
    elif version.type in ("short", "numeric", "essay"):
        view.text_answer = response if isinstance(response, str) else ""
    if reveal:
        _reveal(view, question, content, order)
    return view


def _reveal(view: QuestionView, question: AttemptQuestion, content: dict, order: list[int]) -> None:
    version = question.version
    view.revealed = True
    view.score, view.fraction = question.score, question.fraction
    view.explanation = version.explanation
    view.grader_comment = question.grader_comment
    if version.type in ("single", "multiple"):
        correct = correct_option_indexes(content)
        if version.type == "single":
            best = max((option["fraction"] for option in content.get("options", [])), default=0)
            correct = {i for i, option in enumerate(content.get("options", [])) if option["fraction"] >= best > 0}
        for option, original in zip(view.options, order):
            option.correct = original in correct
            option.feedback = content["options"][original].get("feedback", "")
    elif version.type == "truefalse":
        answer = bool(content.get("answer"))
        view.options[0].correct, view.options[1].correct = answer, not answer
    elif version.type == "short":
        view.accepted = [a["text"] for a in content.get("answers", []) if a["fraction"] >= FULL]
    elif version.type == "numeric":
        view.accepted = [f"{a['value']:g} ± {a['tolerance']:g}" if a["tolerance"] else f"{a['value']:g}"
                         for a in content.get("answers", []) if a["fraction"] >= FULL]
    elif version.type == "matching":
        pairs = content.get("pairs", [])
        picked = question.response if isinstance(question.response, list) else []
        for pair_view in view.pairs:
            right = pairs[pair_view.index]["right"]
            pair_view.correct_text = right
            pair_view.is_correct = pair_view.index < len(picked) and picked[pair_view.index] == right
