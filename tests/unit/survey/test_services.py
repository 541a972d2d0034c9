"""Building, answering and counting questionnaires (services and results, no HTTP)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import inspect, select, text

from app.core.model_base import utcnow
from app.extensions import db
from app.org.choices import PersonCategory
from app.survey import results, services
from app.survey.models import Audience, QuestionKind, SlipCode, SurveyResponse
from app.survey.services import SurveyError
from tests.factories import create_person
from tests.survey_data import answers_for, make_questionnaire


def test_a_question_needs_wording_and_choice_questions_two_distinct_options(world):
    questionnaire = services.create_questionnaire(unit=world.branch_a1, title="调查", audience=Audience.MEMBERS,
                                                  is_anonymous=False)
    with pytest.raises(SurveyError, match="Write the question|写"):
        services.add_question(questionnaire, kind=QuestionKind.SINGLE, prompt="  ", options=["a", "b"])
    with pytest.raises(SurveyError):
        services.add_question(questionnaire, kind=QuestionKind.SINGLE, prompt="问", options=["只有一个"])
    with pytest.raises(SurveyError):
        services.add_question(questionnaire, kind=QuestionKind.RANKING, prompt="问", options=["甲", "甲"])
    with pytest.raises(SurveyError):
        services.publish(questionnaire)  # no question yet
    assert questionnaire.questions == []


def test_questions_are_fixed_once_published(world):
    questionnaire = make_questionnaire(world.branch_a1)
    with pytest.raises(SurveyError):
        services.add_question(questionnaire, kind=QuestionKind.YES_NO, prompt="再加一题？")
    with pytest.raises(SurveyError):
        services.delete_question(questionnaire.questions[0])
    assert len(questionnaire.questions) == 6


def test_every_kind_is_validated(world):
    questionnaire = make_questionnaire(world.branch_a1)
    good = answers_for(questionnaire)
    services.validate_answers(questionnaire, good)
    ids = [question.id for question in questionnaire.questions]
    bad_values = [(0, 3), (0, True), (1, [9]), (1, [1, 1]), (2, 6), (2, 0), (3, "yes"), (4, "x" * 501),
                  (5, [0, 1]), (5, [0, 0, 1])]
    for index, value in bad_values:
        with pytest.raises(SurveyError):
            services.validate_answers(questionnaire, {**good, ids[index]: value})
    # The text question is optional; the rating is not.
    services.validate_answers(questionnaire, {**good, ids[4]: ""})
    with pytest.raises(SurveyError, match="3"):
        services.validate_answers(questionnaire, {**good, ids[2]: None})


def test_a_slip_answers_once_and_is_not_linked_to_its_answer(world):
    questionnaire = make_questionnaire(world.branch_a1)
    codes = services.issue_slip_codes(questionnaire, world.branch_a1, 3)
    db.session.commit()
    services.answer_with_slip(questionnaire, codes[1].lower().replace("-", " "), answers_for(questionnaire))
    db.session.commit()
    with pytest.raises(SurveyError, match="already been used|已"):
        services.answer_with_slip(questionnaire, codes[1], answers_for(questionnaire))
    response = db.session.scalar(select(SurveyResponse))
    assert response.person_id is None and response.unit_id == world.branch_a1.id
    assert [slip.is_spent for slip in db.session.scalars(select(SlipCode).order_by(SlipCode.id))] == [False, True, False]


def test_no_table_links_an_anonymous_answer_to_a_person_account_or_code(world):
    """Every column of every table, read after an anonymous answer: the response and its answers
    carry no person, account, code or time, and no other row names the response."""
    questionnaire = make_questionnaire(world.branch_a1)
    [code] = services.issue_slip_codes(questionnaire, world.branch_a1, 1)
    db.session.commit()
    services.answer_with_slip(questionnaire, code, answers_for(questionnaire))
    db.session.commit()
    response_id = db.session.scalar(select(SurveyResponse.id))
    inspector = inspect(db.engine)
    forbidden = ("person", "account", "code", "slip", "_at", "time", "user", "ip", "agent", "session")
    for table in ("survey_response", "survey_answer"):
        columns = [column["name"] for column in inspector.get_columns(table)]
        named = [name for name in columns if any(word in name for word in forbidden) and name != "person_id"]
        assert named == [], (table, named)
    assert db.session.execute(text("SELECT person_id FROM survey_response")).scalars().all() == [None]
    slip_columns = {column["name"] for column in inspector.get_columns("survey_slip_code")}
    assert slip_columns == {"id", "questionnaire_id", "unit_id", "respondent_group", "code_hash", "is_spent"}
    for table in inspector.get_table_names():
        for foreign_key in inspector.get_foreign_keys(table):
            if foreign_key["referred_table"] in ("survey_response", "survey_answer"):
                assert table in ("survey_answer",), f"{table} points at an anonymous response"
    # No text column anywhere outside the survey tables holds the response's id beside a name.
    assert db.session.execute(text("SELECT COUNT(*) FROM survey_answer WHERE response_id = :id"),
                              {"id": response_id}).scalar() == 6


def _every_row() -> dict[str, set]:
    """Every row of every table, as tuples of its values."""
    rows = {}
    for table in db.metadata.sorted_tables:
        rows[table.name] = {tuple(str(value) for value in row) for row in db.session.execute(table.select())}
    return rows


@pytest.mark.parametrize("how", ["slip", "terminal"])
def test_an_anonymous_answer_changes_only_the_spent_flag_and_adds_rows_naming_nobody(world, how):
    """Every table's rows before and after an anonymous answer: the slip is marked spent, one
    response and its answers are added, and nothing else anywhere changes (no log, job or outbox
    row records the code, the person or the time)."""
    questionnaire = make_questionnaire(world.branch_a1)
    [code] = services.issue_slip_codes(questionnaire, world.branch_a1, 1)
    db.session.commit()
    before = _every_row()
    channel = services.Channel.SLIP if how == "slip" else services.Channel.TERMINAL
    services.answer_with_slip(questionnaire, code, answers_for(questionnaire), channel=channel)
    db.session.commit()
    after = _every_row()
    changed = {name for name in after if after[name] != before[name]}
    assert changed == {"survey_slip_code", "survey_response", "survey_answer"}
    [(slip_id, questionnaire_id, unit_id, group, code_hash, spent)] = after["survey_slip_code"]
    assert spent == "True" and code_hash not in code
    [response] = after["survey_response"] - before["survey_response"]
    response_id = response[0]
    assert response[1:] == (str(questionnaire.id), str(world.branch_a1.id), "villager", channel.value, "None")
    for row in after["survey_answer"]:
        assert row[1] == response_id  # answers point at the response, never the other way
    flat = {value for rows in after.values() for row in rows for value in row}
    assert code not in flat and code.replace("-", "") not in flat


def test_named_questionnaire_keeps_who_answered_once(world):
    questionnaire = make_questionnaire(world.branch_a1, anonymous=False, audience=Audience.MEMBERS)
    services.answer_as_person(questionnaire, world.person_a1, answers_for(questionnaire))
    db.session.commit()
    assert db.session.scalar(select(SurveyResponse.person_id)) == world.person_a1.id
    with pytest.raises(SurveyError, match="already answered|已经"):
        services.answer_as_person(questionnaire, world.person_a1, answers_for(questionnaire))
    with pytest.raises(SurveyError):  # another branch's member
        services.answer_as_person(questionnaire, world.person_b1, answers_for(questionnaire))


def test_members_questionnaire_is_not_for_villagers(world):
    questionnaire = make_questionnaire(world.branch_a1, anonymous=False, audience=Audience.MEMBERS)
    villager = create_person(world.branch_a1, "王村民", category=PersonCategory.NON_MEMBER)
    assert not services.person_may_answer(questionnaire, villager)
    assert services.person_may_answer(questionnaire, world.person_a1)


def test_closed_and_not_yet_open_questionnaires_refuse_answers(world):
    later = make_questionnaire(world.branch_a1, opens_at=utcnow() + timedelta(days=2))
    over = make_questionnaire(world.branch_a1, closes_at=utcnow() - timedelta(minutes=1))
    for questionnaire, words in ((later, "opens on|开始"), (over, "closed|结束|截止")):
        [code] = services.issue_slip_codes(questionnaire, world.branch_a1, 1) if questionnaire is later else \
            [services.issue_slip_codes(questionnaire, world.branch_a1, 1)[0]]
        with pytest.raises(SurveyError, match=words):
            services.answer_with_slip(questionnaire, code, answers_for(questionnaire))
        assert services.find_slip(code) is not None  # not spent
    assert db.session.scalar(select(SurveyResponse.id)) is None


def _answer(questionnaire, unit, count, **values):
    codes = services.issue_slip_codes(questionnaire, unit, count)
    for code in codes:
        services.answer_with_slip(questionnaire, code, answers_for(questionnaire, **values))
    db.session.commit()


def test_results_are_counted_per_question(app, world):
    questionnaire = make_questionnaire(world.township_a)
    _answer(questionnaire, world.branch_a1, 3, rating=5, yes=True, single=0)
    _answer(questionnaire, world.branch_a2, 2, rating=2, yes=False, single=2, text="")
    counted = results.build_results(questionnaire, world.township_a)
    assert counted.responses == 5 and not counted.suppressed
    single, multiple, rating, yes_no, texts, ranking = counted.questions
    assert [option.count for option in single.options] == [3, 0, 2]
    assert [option.count for option in multiple.options] == [0, 5, 5, 0]
    assert [option.count for option in rating.options] == [0, 2, 0, 0, 3] and rating.average == 3.8
    assert [option.count for option in yes_no.options] == [3, 2]
    assert texts.texts == ["多讲养牛"] * 3
    assert ranking.options[0].label == "饮水" and ranking.options[0].average_place == 1.0


def test_small_groups_are_never_shown_even_by_subtraction(app, world):
    questionnaire = make_questionnaire(world.township_a)
    _answer(questionnaire, world.branch_a1, 6)
    _answer(questionnaire, world.branch_a2, 2)
    township = results.build_results(questionnaire, world.township_a)
    assert township.responses == 8 and not township.suppressed
    # Branch a2 has 2 answers: hidden. Branch a1 has 6, but township minus a1 is a2's 2: hidden too.
    assert results.build_results(questionnaire, world.branch_a2).suppressed
    branch_a1 = results.build_results(questionnaire, world.branch_a1)
    assert branch_a1.suppressed and branch_a1.questions == []
    assert [(row.unit.name, row.responses, row.suppressed) for row in township.children] == [
        ("甲一村党支部", 6, True), ("甲二村党支部", 2, True)]
    _answer(questionnaire, world.branch_a2, 3)
    assert not results.build_results(questionnaire, world.branch_a1).suppressed
    assert not results.build_results(questionnaire, world.branch_a2).suppressed





def test_the_minimum_group_is_the_configured_one(app, world):
    questionnaire = make_questionnaire(world.branch_a1)
    _answer(questionnaire, world.branch_a1, 2)
    assert results.build_results(questionnaire, world.branch_a1).suppressed  # default 5
    app.config["SURVEY_MIN_GROUP"] = 2  # what LMS_SURVEY_MIN_GROUP=2 sets
    assert not results.build_results(questionnaire, world.branch_a1).suppressed
