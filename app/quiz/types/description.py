"""A description: text between questions, with no answer and no score."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.quiz import grading
from app.quiz.formats import ParsedQuestion
from app.quiz.types.base import QuestionType


class Description(QuestionType):
    name = "description"
    label = _l("Description")
    answer_template = None
    review_template = None
    edit_template = None
    scores_points = False
    text_required = False  # an imported description may be an image alone

    def parse_answers(self, text: str, answers: str) -> ParsedQuestion:
        return ParsedQuestion(type=self.name, text=text)

    def response_from_form(self, content: dict, order: list[int], values):
        return None

    def grade(self, content: dict, response) -> grading.Grade:
        return grading.grade_description(content, response)
