"""Democratic appraisal (民主评议党员): the generated questionnaire, counts per member and rater
group with the minimum group size, and the result appended to the development file (records)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.org.choices import PersonCategory
from app.records.appraisal import record_result
from app.records.models import DevelopmentEntry, EntryKind
from app.records.services import RecordsError
from app.survey import appraisal, services
from app.survey.models import QuestionKind, RespondentGroup
from app.survey.services import SurveyError
from tests.factories import create_person


@pytest.fixture
def branch(world):
    """Branch A1: 张甲一 (full member, from the world), 王二 (probationary), a villager and an activist."""
    create_person(world.branch_a1, "王二", category=PersonCategory.PROBATIONARY, phone="13900000011")
    create_person(world.branch_a1, "赵村民", category=PersonCategory.NON_MEMBER, phone="13900000012")
    create_person(world.branch_a1, "钱积极", category=PersonCategory.ACTIVIST, phone="13900000013")
    create_person(world.branch_a2, "孙别村", phone="13900000014")
    db.session.commit()
    return world.branch_a1


def _answer(questionnaire, group, grades_by_person: dict[str, int], count: int):
    """`count` slips of `group`, each giving every question of a person the grade index named."""
    codes = services.issue_slip_codes(questionnaire, questionnaire.unit, count, group)
    for code in codes:
        raw = {question.id: grades_by_person[question.prompt.split("：")[0]] for question in questionnaire.questions}
        services.answer_with_slip(questionnaire, code, raw)
    db.session.commit()


def test_the_appraisal_questionnaire_is_generated_for_each_member_and_dimension(branch):
    questionnaire = appraisal.create_appraisal(branch, 2026)
    db.session.commit()
    assert questionnaire.appraisal_year == 2026 and questionnaire.is_anonymous
    prompts = [question.prompt for question in questionnaire.questions]
    assert len(prompts) == 8  # two members (not the villager, the activist or another branch) x four dimensions
    names = [person.name for person in appraisal.branch_members(branch)]
    assert sorted(names) == sorted(["王二", "张甲一"])
    assert prompts[:4] == [f"{names[0]}：{dimension}" for dimension in appraisal.DIMENSIONS]
    assert all(question.kind == QuestionKind.SINGLE.value and len(question.options) == 4
               for question in questionnaire.questions)
    assert {question.subject_person_id for question in questionnaire.questions} == {
        person.id for person in appraisal.branch_members(branch)}
    # One per branch and year; a unit without members has nothing to appraise; a silly year is refused.
    with pytest.raises(SurveyError):
        appraisal.create_appraisal(branch, 2026)
    with pytest.raises(SurveyError):
        appraisal.create_appraisal(branch.parent, 2026)
    with pytest.raises(SurveyError):
        appraisal.create_appraisal(branch, 1900)


def test_results_per_member_and_rater_group_hide_a_small_group(branch, world):
    questionnaire = appraisal.create_appraisal(branch, 2026)
    services.publish(questionnaire)
    db.session.commit()
    _answer(questionnaire, RespondentGroup.MEMBER, {"张甲一": 0, "王二": 1}, 5)
    _answer(questionnaire, RespondentGroup.VILLAGER, {"张甲一": 1, "王二": 2}, 3)
    results = appraisal.appraisal_results(questionnaire)
    zhang = results.for_person(world.person_a1.id)
    members, villagers = zhang.groups
    assert members.group == RespondentGroup.MEMBER and members.responses == 5 and not members.suppressed
    assert [d.counts for d in members.dimensions] == [[5, 0, 0, 0]] * 4
    assert villagers.responses == 3 and villagers.suppressed and villagers.dimensions == []
    _answer(questionnaire, RespondentGroup.VILLAGER, {"张甲一": 1, "王二": 2}, 2)
    wang = next(m for m in appraisal.appraisal_results(questionnaire).members if m.person.name == "王二")
    assert [d.counts for d in wang.groups[0].dimensions] == [[0, 5, 0, 0]] * 4
    assert [d.counts for d in wang.groups[1].dimensions] == [[0, 0, 5, 0]] * 4


def test_recording_appends_a_chained_appraisal_entry_with_the_counts(branch, world, app):
    questionnaire = appraisal.create_appraisal(branch, 2025)
    services.publish(questionnaire)
    db.session.commit()
    _answer(questionnaire, RespondentGroup.MEMBER, {"张甲一": 0, "王二": 1}, 5)
    secretary = world.accounts["secretary_a1"]
    with pytest.raises(RecordsError):
        record_result(questionnaire, world.person_a1, grade="", by=secretary)
    with pytest.raises(RecordsError):
        record_result(questionnaire, world.person_b1, grade="excellent", by=secretary)  # not appraised here
    entry = record_result(questionnaire, world.person_a1, grade="excellent", by=secretary, note="群众评价好")
    db.session.commit()
    assert entry.kind == EntryKind.APPRAISAL.value and entry.year == 2025 and entry.status == "excellent"
    assert "2025" in entry.note and "群众评价好" in entry.note
    assert "5" in entry.note and entry.recorded_by_id == secretary.id
    entries = db.session.scalars(select(DevelopmentEntry).where(DevelopmentEntry.person_id == world.person_a1.id)
                                 .order_by(DevelopmentEntry.sequence)).all()
    assert entries[-1].id == entry.id and entry.prev_hash == (entries[-2].hash if len(entries) > 1 else "")
    result = app.test_cli_runner().invoke(args=["records", "verify"])
    assert result.exit_code == 0, result.output
