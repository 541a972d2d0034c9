"""What a page shows of a question in an attempt.

Before submission only what the learner needs to answer: text, options in display order
(numbered 1..n, never original indexes), the learner's own response. Fractions, feedback,
accepted answers and the explanation are added only once the attempt is submitted (and the
quiz shows explanations), so no correctness data reaches the page early.
"""
from __future__ import annotations

import re

from flask import url_for
from markupsafe import Markup

from app.quiz.models import AttemptQuestion
from app.quiz.services import IMAGE_PLACEHOLDER
from app.quiz.types import QuestionView, question_type


def render_question_html(html: str | None) -> Markup | None:
    """Stored (sanitised) HTML with image placeholders turned into URLs."""
    if not html:
        return None
    html = re.sub(re.escape(IMAGE_PLACEHOLDER) + r"(\d+)",
                  lambda match: url_for("quiz.image", image_id=int(match.group(1))), html)
    return Markup(html)  # sanitised with nh3 when imported


def question_view(question: AttemptQuestion, *, reveal: bool) -> QuestionView:
    """The page model of one attempt question, filled by its type (app.quiz.types)."""
    version = question.version
    kind = question_type(version.type)
    content = version.content
    response = question.response
    order = question.order
    view = QuestionView(position=question.position, type=version.type, text=version.text,
                        html=render_question_html(version.text_html), points=question.max_score,
                        answer_template=kind.answer_template, review_template=kind.review_template,
                        scores_points=kind.scores_points, graded_by_hand=kind.graded_by_hand,
                        inputmode=kind.inputmode, inline_text=kind.inline_text, answered=response is not None)
    kind.fill_view(view, content, response, order)
    if reveal:
        view.revealed = True
        view.score, view.fraction = question.score, question.fraction
        view.explanation = version.explanation
        view.grader_comment = question.grader_comment
        kind.reveal(view, content, response, order)
    return view
