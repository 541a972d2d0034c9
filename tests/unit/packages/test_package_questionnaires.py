"""Questionnaires sent with a course package: import as drafts, re-import, export, refusals."""
from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from app.catalog.models import Course
from app.catalog.services import ensure_builtin_categories
from app.extensions import db
from tests.unit.packages.package_data import import_and_commit
from app.packages.manifest import PackageError, load_package
from app.packages.services import export_course, import_package
from app.survey import appraisal
from app.survey import services as survey
from app.survey.models import Questionnaire, QuestionnaireStatus
from app.survey.services import SurveyError

SLUG = "potato-seed-and-yield"


@pytest.fixture
def owner(world):
    ensure_builtin_categories()
    db.session.commit()
    return world.township_a


def _edit_manifest(folder: Path, change) -> None:
    manifest = folder / "course.yaml"
    data = yaml.safe_load(manifest.read_text(encoding="utf-8"))
    change(data)
    manifest.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _questionnaires() -> list[Questionnaire]:
    return list(db.session.scalars(select(Questionnaire).order_by(Questionnaire.id)))


def test_import_creates_the_questionnaire_as_a_draft_of_the_owner_linked_to_the_course(app, owner, potato):
    report = import_and_commit(potato, owner)
    course = db.session.scalar(select(Course).where(Course.slug == SLUG))
    [questionnaire] = _questionnaires()
    assert (questionnaire.unit_id, questionnaire.course_id) == (owner.id, course.id)
    assert questionnaire.status == QuestionnaireStatus.DRAFT and questionnaire.is_anonymous
    assert (questionnaire.package_key, questionnaire.audience) == ("potato-training-effect", "session")
    assert questionnaire.opens_at is None and questionnaire.closes_at is None
    assert [(q.kind, q.is_required) for q in questionnaire.questions] == [
        ("rating", True), ("yes_no", True), ("single", True), ("ranking", True), ("text", False)]
    assert questionnaire.questions[2].options == ["选种买种", "催芽切块", "田间管理", "防晚疫病", "收获贮藏"]
    assert report.questionnaires == [{"key": "potato-training-effect", "id": questionnaire.id,
                                      "title": "马铃薯种植培训效果问卷", "action": "created"}]
    assert any("马铃薯种植培训效果问卷" in note and "草稿" in note for note in report.notes)


def test_reimport_keeps_the_same_questionnaire_and_updates_a_draft_in_place(app, owner, potato):
    import_and_commit(potato, owner)
    [first] = _questionnaires()
    again = import_and_commit(potato, owner)
    assert again.questionnaires[0]["action"] == "unchanged" and again.notes == []

    _edit_manifest(potato, lambda data: data["questionnaires"][0]["questions"][0].update(text="培训讲得清楚吗？"))
    changed = import_and_commit(potato, owner)
    [questionnaire] = _questionnaires()
    assert questionnaire.id == first.id and changed.questionnaires[0]["action"] == "updated"
    assert questionnaire.questions[0].prompt == "培训讲得清楚吗？" and len(questionnaire.questions) == 5
    # The course itself did not change: a questionnaire does not bump its version.
    assert changed.action == "unchanged"


def test_a_published_questionnaire_is_left_as_it_is_and_the_import_says_so(app, owner, potato):
    import_and_commit(potato, owner)
    [questionnaire] = _questionnaires()
    survey.publish(questionnaire)
    db.session.commit()
    _edit_manifest(potato, lambda data: data["questionnaires"][0]["questions"].pop())
    report = import_and_commit(potato, owner)
    db.session.refresh(questionnaire)
    assert report.questionnaires[0]["action"] == "kept"
    assert len(questionnaire.questions) == 5 and questionnaire.status == QuestionnaireStatus.OPEN
    assert any("已经发布" in note for note in report.notes)


def test_export_writes_the_linked_questionnaires_and_reads_back_the_same(app, owner, potato, tmp_path):
    import_and_commit(potato, owner)
    course = db.session.scalar(select(Course).where(Course.slug == SLUG))
    # An organiser links a questionnaire of her own to the course too.
    own = survey.create_questionnaire(unit=owner, title="学后小调查", audience="members", is_anonymous=False)
    survey.add_question(own, kind="multiple", prompt="您用哪些方式学习？", options=["电视", "手机", "集中学习"])
    survey.add_question(own, kind="single", prompt="可选的问题", options=["是", "否"], is_required=False)
    survey.set_course(own, course)
    db.session.commit()

    exported = export_course(course, tmp_path / "out")
    manifest = yaml.safe_load((exported / "course.yaml").read_text(encoding="utf-8"))
    assert own.package_key.startswith("q-") and len(own.package_key) == 14  # random: installations do not meet
    assert [entry["key"] for entry in manifest["questionnaires"]] == ["potato-training-effect", own.package_key]
    assert manifest["questionnaires"][1]["questions"][1]["required"] is False
    again = load_package(exported)
    assert again.questionnaires[0] == load_package(potato).questionnaires[0]
    assert again.questionnaires[1] == survey.spec_of(own)


def test_an_exported_package_creates_the_questionnaires_in_another_installation(app, owner, potato, tmp_path):
    """Export from one unit's course, drop the course here (as if it were another installation),
    import: the same questionnaire arrives as a draft."""
    import_and_commit(potato, owner)
    course = db.session.scalar(select(Course).where(Course.slug == SLUG))
    exported = export_course(course, tmp_path / "out.zip")
    assert exported.is_file()
    for questionnaire in _questionnaires():
        db.session.delete(questionnaire)
    db.session.delete(course)
    db.session.commit()
    from app.packages.manifest import extract_zip
    report = import_and_commit(extract_zip(exported, tmp_path / "unpacked"), owner)
    assert report.action == "created" and report.questionnaires[0]["action"] == "created"
    assert db.session.scalar(select(func.count()).select_from(Questionnaire)) == 1


@pytest.mark.parametrize("change, expected", [
    (lambda q: q["questions"][2].update(options=["只有一个"]), "至少"),
    (lambda q: q["questions"][3].update(options=[str(n) for n in range(7)]), "6"),
    (lambda q: q["questions"][2].update(options=["重复", "重复"]), "一样"),
    (lambda q: q["questions"][0].update(kind="essay"), "kind"),
    (lambda q: q.update(audience="everyone"), "audience"),
    (lambda q: q.pop("questions"), "questions"),
    (lambda q: q.update(title="\u3000 "), "标题"),
])
def test_a_bad_questionnaire_refuses_the_package_with_its_line(app, owner, potato, change, expected):
    _edit_manifest(potato, lambda data: change(data["questionnaires"][0]))
    with pytest.raises(PackageError) as refused:
        load_package(potato)
    [problem] = refused.value.problems
    assert problem.file == "course.yaml" and problem.line and expected in problem.message, problem


def test_two_questionnaires_with_one_key_are_refused(app, potato):
    _edit_manifest(potato, lambda data: data["questionnaires"].append(copy.deepcopy(data["questionnaires"][0])))
    with pytest.raises(PackageError) as refused:
        load_package(potato)
    [problem] = refused.value.problems
    assert "key 相同" in problem.message and problem.line, problem


def test_a_democratic_appraisal_cannot_travel_with_a_course(app, world, owner, potato):
    import_and_commit(potato, owner)
    course = db.session.scalar(select(Course).where(Course.slug == SLUG))
    questionnaire = appraisal.create_appraisal(world.branch_a1, 2026)
    with pytest.raises(SurveyError):
        survey.set_course(questionnaire, course)
    assert questionnaire.course_id is None


def test_a_questionnaire_travels_only_with_a_course_of_its_own_unit_and_within_the_limits(app, world, owner):
    from tests.factories import create_course
    own, other = create_course(owner), create_course(world.township_b)
    questionnaire = survey.create_questionnaire(unit=owner, title="调查", audience="members", is_anonymous=True)
    with pytest.raises(SurveyError, match="本单位"):
        survey.set_course(questionnaire, other)
    assert questionnaire.course_id is None
    for number in range(survey.MAX_COURSE_QUESTIONNAIRES):
        extra = survey.create_questionnaire(unit=owner, title=f"调查{number}", audience="members", is_anonymous=True)
        survey.set_course(extra, own)
    with pytest.raises(SurveyError, match="最多"):
        survey.set_course(questionnaire, own)
    keys = [item.package_key for item in survey.course_questionnaires(own)]
    assert len(set(keys)) == len(keys) == survey.MAX_COURSE_QUESTIONNAIRES


def test_a_trainers_import_brings_new_drafts_but_leaves_existing_ones_alone(app, world, owner, potato):
    import_and_commit(potato, owner)
    [questionnaire] = _questionnaires()
    _edit_manifest(potato, lambda data: data["questionnaires"][0].update(anonymous=False))
    _edit_manifest(potato, lambda data: data["questionnaires"].append(
        {"key": "second", "title": "第二份", "audience": "members", "questions": [{"kind": "yes_no", "text": "好吗？"}]}))
    report = import_package(load_package(potato), owner_unit=owner, account=world.accounts["trainer"])
    db.session.commit()
    assert [item["action"] for item in report.questionnaires] == ["kept", "created"]
    db.session.refresh(questionnaire)
    assert questionnaire.is_anonymous is True  # not rewritten by someone who may not manage questionnaires
    organiser = import_package(load_package(potato), owner_unit=owner, account=world.accounts["organiser_a"])
    db.session.commit()
    db.session.refresh(questionnaire)
    assert organiser.questionnaires[0]["action"] == "updated" and questionnaire.is_anonymous is False


def test_a_key_taken_on_the_course_gets_a_fresh_one_when_relinked(app, owner, potato):
    import_and_commit(potato, owner)
    course = db.session.scalar(select(Course).where(Course.slug == SLUG))
    [received] = _questionnaires()
    survey.set_course(received, None)  # unlinked here; the next import brings it back as a new draft
    db.session.commit()
    again = import_and_commit(potato, owner)
    assert again.questionnaires[0]["action"] == "created"
    survey.set_course(received, course)
    db.session.commit()
    keys = [item.package_key for item in survey.course_questionnaires(course)]
    assert "potato-training-effect" in keys and len(set(keys)) == 2
