"""A question type added in one file: a yes/no question answered with a thumb, defined and
registered here only. A trainer writes one on the bank page, a learner answers it in a quiz
and it is graded, with no other file knowing the type."""
import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.quiz import grading, services
from app.quiz.formats import ParsedQuestion
from app.quiz.models import Attempt, AttemptStatus
from app.quiz.types import (
    InvalidAnswers, OptionView, QuestionType, UnknownQuestionType, question_type, register, unregister,
)
from app.quiz.types.base import main_values
from tests.conftest import csrf_from, csrf_token, login
from tests.factories import bank_questions, create_course, create_quiz

THUMBS = {"👍": True, "👎": False}


class ThumbsQuestion(QuestionType):
    name = "thumbs"
    label = "Thumbs up or down"
    answer_template = "quiz/types/radio_answer.html"
    review_template = "quiz/types/options_review.html"
    edit_template = "quiz/types/answers_edit.html"
    answers_hint = "👍 or 👎"

    def content_from_parsed(self, parsed: ParsedQuestion) -> dict:
        return {"up": bool(parsed.answer)}

    def fill_parsed(self, parsed: ParsedQuestion, content: dict) -> None:
        parsed.answer = content["up"]

    def parse_answers(self, text: str, answers: str) -> ParsedQuestion:
        if answers.strip() not in THUMBS:
            raise InvalidAnswers("答案只能是 👍 或 👎")
        return ParsedQuestion(type=self.name, text=text, answer=THUMBS[answers.strip()])

    def answers_for_form(self, parsed: ParsedQuestion) -> str:
        return "👍" if parsed.answer else "👎"

    def response_from_form(self, content: dict, order: list[int], values):
        main = main_values(values)
        return {"up": True, "down": False}.get(main[0]) if main else None

    def grade(self, content: dict, response) -> grading.Grade:
        right = isinstance(response, bool) and response == content["up"]
        return grading.Grade(grading.GradeStatus.GRADED, 1.0 if right else 0.0)

    def fill_view(self, view, content: dict, response, order: list[int]) -> None:
        view.options = [OptionView(1, "👍", chosen=response is True, value="up"),
                        OptionView(2, "👎", chosen=response is False, value="down")]

    def reveal(self, view, content: dict, response, order: list[int]) -> None:
        view.options[0].correct, view.options[1].correct = content["up"], not content["up"]


@pytest.fixture
def thumbs_type(app):
    register(ThumbsQuestion())
    yield
    unregister(ThumbsQuestion.name)


def _trainer_writes_a_thumbs_question(client, bank) -> None:
    login(client, "trainer")
    menu = client.get(f"/quiz/banks/{bank.id}/questions/new").get_data(as_text=True)
    assert "Thumbs up or down" in menu and "type=thumbs" in menu
    url = f"/quiz/banks/{bank.id}/questions/new?type=thumbs"
    form = client.get(url).get_data(as_text=True)
    assert "👍 or 👎" in form  # the type's hint on its answers field
    fields = {"csrf_token": csrf_from(form), "text": "马铃薯要避光保存吗？", "explanation": "见光变绿。",
              "points": "2", "category": "农业", "tags": ""}
    refused = client.post(url, data=dict(fields, answers="也许"))
    assert refused.status_code == 400 and "答案只能是" in refused.get_data(as_text=True)
    assert bank_questions(bank) == []
    assert client.post(url, data=dict(fields, answers="👍")).status_code == 302


def test_a_toy_type_is_written_answered_and_graded(client, world, thumbs_type):
    bank = services.create_bank(name="表情题库", unit=world.county)
    course = create_course(world.county, publish_to=[world.county])
    db.session.commit()

    _trainer_writes_a_thumbs_question(client, bank)
    [question] = bank_questions(bank)
    assert question.type == "thumbs" and question.current_version.content == {"up": True}
    assert question.current_version.points == 2.0 and question.category.path == "农业"
    edit = client.get(f"/quiz/questions/{question.id}").get_data(as_text=True)
    assert re.search(r'<textarea[^>]*name="answers"[^>]*>\s*👍</textarea>', edit)
    data, errors = services.export_bank(bank, "gift")  # no import format knows the type
    assert "马铃薯要避光保存吗" not in data.decode("utf-8")
    assert [error.location for error in errors] == ["question 1"] and "thumbs" in errors[0].message
    quiz = create_quiz(course, questions=[question], pass_mark=60)
    db.session.commit()

    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, "member-a1")
    answers = []
    for thumb in ("down", "up"):
        page = client.get(f"/quiz/{quiz.id}").get_data(as_text=True)
        start = client.post(f"/quiz/{quiz.id}/start", data={"csrf_token": csrf_from(page), "layout": "all"})
        attempt_page = client.get(start.headers["Location"]).get_data(as_text=True)
        assert 'value="up"' in attempt_page and 'value="down"' in attempt_page
        assert "right-answer" not in attempt_page and "见光变绿" not in attempt_page
        attempt = db.session.scalars(select(Attempt).order_by(Attempt.id.desc())).first()
        result = client.post(f"/quiz/attempts/{attempt.id}/submit",
                             data={"csrf_token": csrf_from(attempt_page), "layout": "all", "q1": thumb})
        answers.append((attempt.id, client.get(result.headers["Location"]).get_data(as_text=True)))

    wrong, right = (db.session.get(Attempt, attempt_id) for attempt_id, _html in answers)
    assert (wrong.status, wrong.score, wrong.passed) == (AttemptStatus.GRADED, 0.0, False)
    assert (right.status, right.score, right.percent, right.passed) == (AttemptStatus.GRADED, 2.0, 100.0, True)
    assert wrong.questions[0].response is False and right.questions[0].response is True
    right_page = answers[1][1]
    assert "right-answer" in right_page and "见光变绿" in right_page  # revealed after submission
    assert services.counted_attempt(quiz, world.person_a1.id).id == right.id


def test_without_registration_the_type_is_unknown(app):
    with pytest.raises(UnknownQuestionType):
        question_type("thumbs")
