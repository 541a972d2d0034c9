"""Banks, versions, draws, attempts and submission against the database."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.quiz import queries, services
from app.quiz.models import Attempt, AttemptStatus, QuestionVersion
from tests.factories import bank_questions, create_bank, create_course, create_quiz


@pytest.fixture
def course(world):
    return create_course(world.county, publish_to=[world.county])


def _answer_all_correctly(attempt):
    responses = {}
    for question in attempt.questions:
        content, kind = question.version.content, question.version.type
        if kind == "single":
            responses[question.position] = max(range(len(content["options"])), key=lambda i: content["options"][i]["fraction"])
        elif kind == "multiple":
            responses[question.position] = [i for i, o in enumerate(content["options"]) if o["fraction"] > 0]
        elif kind == "truefalse":
            responses[question.position] = content["answer"]
        elif kind == "short":
            responses[question.position] = content["answers"][0]["text"]
        elif kind == "numeric":
            responses[question.position] = str(content["answers"][0]["value"])
        elif kind == "matching":
            responses[question.position] = [pair["right"] if pair["left"] else None for pair in content["pairs"]]
    return responses


def test_import_creates_questions_categories_and_versions(world):
    bank = create_bank(world.county)
    questions = bank_questions(bank)
    assert [q.type for q in questions] == ["single", "multiple", "truefalse", "short", "numeric", "matching",
                                           "single", "truefalse"]
    assert {c.path for c in bank.categories} == {"农业/马铃薯", "农业/养殖"}
    assert questions[0].current_version.explanation == "晚疫病是一种真菌病害。"
    assert questions[1].current_version.content["grading"] == "partial"


def test_export_then_import_gives_the_same_questions(world):
    bank = create_bank(world.county)
    for format in ("gift", "moodle_xml"):
        data, errors = services.export_bank(bank, format)
        copy = create_bank(world.county, gift=None)
        services.import_bank_file(copy, data, filename=f"x.{'xml' if format == 'moodle_xml' else 'gift'}")
        assert services.questions_for_export(copy) == services.questions_for_export(bank), format


def test_a_refused_file_imports_nothing(world):
    bank = create_bank(world.county, gift=None)
    outcome = services.import_bank_file(bank, b"\x00\x01garbage" * 100, filename="bank.xlsx")
    assert outcome.refused and outcome.result.errors[0].location == "file"
    assert bank_questions(bank) == []


def test_editing_an_answered_question_keeps_the_old_version_for_old_attempts(world, course):
    bank = create_bank(world.county)
    question = bank_questions(bank)[0]
    quiz = create_quiz(course, questions=[question])
    attempt = services.start_attempt(quiz, world.person_a1, account=world.accounts["member_a1"])
    services.submit_attempt(attempt, world.accounts["member_a1"], {1: 0})
    old_version_id = attempt.questions[0].version_id
    changed = services.edit_question(question, account=world.accounts["trainer"], text="新的题目？",
                                     explanation="新解析", points=2, category="农业", tags="晚疫病, 真菌",
                                     answers_gift="{=细菌 ~真菌}")
    assert changed
    assert question.current_version_id != old_version_id and question.current_version.number == 2
    assert question.tags == ["晚疫病", "真菌"] and question.category.path == "农业"
    old = db.session.get(QuestionVersion, old_version_id)
    assert old.text == "马铃薯晚疫病由什么引起？" and old.content["options"][0]["text"] == "真菌"
    db.session.refresh(attempt)
    assert attempt.questions[0].version_id == old_version_id and attempt.score == 1.0
    # the next attempt gets the new version
    second = services.start_attempt(quiz, world.person_a1, account=world.accounts["member_a1"])
    assert second.questions[0].version.text == "新的题目？" and second.max_score == 2.0


def test_editing_without_changes_adds_no_version(world):
    question = bank_questions(create_bank(world.county))[0]
    version = question.current_version
    changed = services.edit_question(question, account=None, text=version.text, explanation=version.explanation,
                                     points=version.points, category="农业/马铃薯", tags="", answers_gift=None)
    assert not changed and question.current_version_id == version.id


def test_random_draw_is_per_learner_stored_and_from_the_category(world, course):
    bank = create_bank(world.county)
    quiz = create_quiz(course, draw=(bank, "农业/马铃薯", 4))
    drawn = set()
    for _ in range(8):
        attempt = services.start_attempt(quiz, world.person_a1, account=world.accounts["member_a1"])
        ids = [q.version.question.category.path for q in attempt.questions]
        assert len(ids) == 4 and set(ids) == {"农业/马铃薯"}
        again = services.start_attempt(quiz, world.person_a1, account=world.accounts["member_a1"])
        assert again.id == attempt.id  # a reload resumes the same attempt and questions
        drawn.add(tuple(q.version_id for q in attempt.questions))
        services.submit_attempt(attempt, world.accounts["member_a1"], {})
    assert len(drawn) > 1  # different learners/attempts get different draws


def test_a_draw_larger_than_the_category_is_refused(world, course):
    bank = create_bank(world.county)
    with pytest.raises(services.QuizError):
        create_quiz(course, draw=(bank, "农业/养殖", 3))


def test_full_marks_and_pass(world, course):
    bank = create_bank(world.county)
    quiz = create_quiz(course, draw=(bank, None, 8), pass_mark=60)
    attempt = services.start_attempt(quiz, world.person_a1, account=world.accounts["member_a1"])
    assert services.submit_attempt(attempt, world.accounts["member_a1"], _answer_all_correctly(attempt))
    assert attempt.status == AttemptStatus.GRADED and attempt.percent == 100.0 and attempt.passed


def test_submitting_twice_grades_once(world, course):
    bank = create_bank(world.county)
    quiz = create_quiz(course, questions=bank_questions(bank)[:1])
    member = world.accounts["member_a1"]
    attempt = services.start_attempt(quiz, world.person_a1, account=member)
    assert services.submit_attempt(attempt, member, {1: 1}) is True  # wrong answer
    submitted_at = attempt.submitted_at
    assert services.submit_attempt(attempt, member, {1: 0}) is False  # a retry with other answers
    db.session.commit()
    db.session.refresh(attempt)
    assert attempt.score == 0.0 and attempt.submitted_at == submitted_at
    assert attempt.questions[0].response == 1
    with pytest.raises(services.QuizError):
        services.save_responses(attempt, {1: 0})


def test_a_stale_copy_of_the_attempt_cannot_submit_again(world, course):
    """Two requests loaded the attempt while it was open; the second submit finds it taken."""
    bank = create_bank(world.county)
    quiz = create_quiz(course, questions=bank_questions(bank)[:1])
    member = world.accounts["member_a1"]
    attempt = services.start_attempt(quiz, world.person_a1, account=member)
    db.session.commit()
    attempt_id = attempt.id
    db.session.execute(Attempt.__table__.update().where(Attempt.id == attempt_id).values(status="graded", score=0.0))
    # the in-memory object still says in progress, as a concurrent request's copy would
    assert attempt.status == AttemptStatus.IN_PROGRESS
    assert services.submit_attempt(attempt, member, {1: 0}) is False
    assert attempt.status == AttemptStatus.GRADED and attempt.score == 0.0


def test_attempt_limit(world, course):
    bank = create_bank(world.county)
    quiz = create_quiz(course, questions=bank_questions(bank)[:1], max_attempts=2)
    member = world.accounts["member_a1"]
    for _ in range(2):
        services.submit_attempt(services.start_attempt(quiz, world.person_a1, account=member), member, {})
    with pytest.raises(services.QuizError):
        services.start_attempt(quiz, world.person_a1, account=member)
    assert db.session.scalar(select(func.count()).select_from(Attempt)) == 2


def test_time_limit_is_enforced_on_the_server(world, course):
    bank = create_bank(world.county)
    quiz = create_quiz(course, questions=bank_questions(bank)[:2], time_limit_minutes=5)
    member = world.accounts["member_a1"]
    attempt = services.start_attempt(quiz, world.person_a1, account=member)
    services.save_responses(attempt, {1: 0})
    attempt.deadline_at = attempt.started_at - timedelta(minutes=1)  # the time ran out a minute ago
    with pytest.raises(services.QuizError):
        services.save_responses(attempt, {2: 0})
    # a late submit keeps the answers given in time and ignores the late ones
    services.submit_attempt(attempt, member, {1: 1, 2: 0})
    assert [q.response for q in attempt.questions] == [0, None]
    assert attempt.score == 1.0


def test_an_overdue_attempt_is_submitted_when_opened(world, course):
    bank = create_bank(world.county)
    quiz = create_quiz(course, questions=bank_questions(bank)[:1], time_limit_minutes=1)
    member = world.accounts["member_a1"]
    attempt = services.start_attempt(quiz, world.person_a1, account=member)
    attempt.deadline_at = attempt.started_at - timedelta(seconds=1)
    assert services.expire_if_overdue(attempt, member)
    assert attempt.status == AttemptStatus.GRADED


def test_score_policy_best_or_last(world, course):
    bank = create_bank(world.county)
    member = world.accounts["member_a1"]
    quiz = create_quiz(course, questions=bank_questions(bank)[:1], score_policy="best")
    first = services.start_attempt(quiz, world.person_a1, account=member)
    services.submit_attempt(first, member, {1: first.questions[0].version.content["options"].index(
        next(o for o in first.questions[0].version.content["options"] if o["fraction"] == 1.0))})
    second = services.start_attempt(quiz, world.person_a1, account=member)
    services.submit_attempt(second, member, {})
    assert services.counted_attempt(quiz, world.person_a1.id).id == first.id
    assert services.has_passed(quiz, world.person_a1.id)
    quiz.score_policy = "last"
    assert services.counted_attempt(quiz, world.person_a1.id).id == second.id
    assert not services.has_passed(quiz, world.person_a1.id)


def _right_choice(attempt) -> int:
    options = attempt.questions[0].version.content["options"]
    return options.index(next(o for o in options if o["fraction"] == 1.0))


@pytest.mark.parametrize("policy", ["best", "last"])
def test_the_attempt_that_counts_is_the_same_for_completion_and_results(world, course, policy):
    bank = create_bank(world.county)
    quiz = create_quiz(course, questions=bank_questions(bank)[:1], score_policy=policy)
    trainer = world.accounts["trainer"]
    made = {}
    for person, answers in ((world.person_a1, [True, False, True]), (world.person_b1, [False, True, False])):
        made[person.id] = []
        for right in answers:
            attempt = services.start_attempt(quiz, person, account=trainer)
            services.submit_attempt(attempt, trainer, {1: _right_choice(attempt)} if right else {})
            made[person.id].append(attempt)
    open_one = services.start_attempt(quiz, world.person_b1, account=trainer)  # in progress: never counts
    expected = {person_id: (attempts[0] if policy == "best" else attempts[-1]) if person_id == world.person_a1.id
                else (attempts[1] if policy == "best" else attempts[-1]) for person_id, attempts in made.items()}
    for person_id, attempt in expected.items():
        assert services.counted_attempt(quiz, person_id).id == attempt.id
    results = queries.quiz_results_for(trainer, quiz)
    assert sorted(a.id for a in results.counted) == sorted(a.id for a in expected.values())
    assert open_one.id not in {a.id for a in results.counted}


def test_essay_waits_for_a_trainer(world, course):
    bank = create_bank(world.county, gift="::e:: 谈谈晚疫病的防治。 {}\n\n::s:: 1+1=? {=2}\n")
    quiz = create_quiz(course, questions=bank_questions(bank), pass_mark=50)
    member = world.accounts["member_a1"]
    attempt = services.start_attempt(quiz, world.person_a1, account=member)
    services.submit_attempt(attempt, member, {1: "要轮作。", 2: "2"})
    assert attempt.status == AttemptStatus.NEEDS_GRADING and attempt.passed is None and attempt.score == 1.0
    assert services.counted_attempt(quiz, world.person_a1.id) is None
    with pytest.raises(services.QuizError):
        services.grade_essay(attempt.questions[0], score=5, grader=world.accounts["trainer"])
    services.grade_essay(attempt.questions[0], score=0.5, grader=world.accounts["trainer"], comment="不完整")
    assert attempt.status == AttemptStatus.GRADED and attempt.score == 1.5 and attempt.percent == 75.0 and attempt.passed


def test_shuffled_options_are_mapped_back_to_the_original_option(world, course):
    bank = create_bank(world.county)
    quiz = create_quiz(course, questions=bank_questions(bank)[:1], shuffle_options=True)
    attempt = services.start_attempt(quiz, world.person_a1, account=world.accounts["member_a1"])
    question = attempt.questions[0]
    right_position = question.order.index(0) + 1  # original option 0 is 真菌, the right one
    assert services.response_from_form(question, {"": [str(right_position)]}) == 0
    services.submit_attempt(attempt, world.accounts["member_a1"], {1: 0})
    assert attempt.score == 1.0
