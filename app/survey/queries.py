"""Scoped reads of questionnaires. Out of scope is 404 (app.core.scope)."""
from __future__ import annotations

from flask import abort
from sqlalchemy import or_, select

from app.catalog.choices import CourseStatus
from app.catalog.models import Course
from app.core.scope import scope_filter, unit_in_scope
from app.extensions import db
from app.org.models import Account, Person, Unit
from app.survey.models import Audience, Questionnaire, QuestionnaireStatus, SurveyQuestion


def _ancestor_ids(unit: Unit) -> list[int]:
    return [int(part) for part in unit.path.strip("/").split("/") if part]


def visible_condition(account: Account):
    """Questionnaires an organiser sees: those owned in their subtree, and those a unit above them
    sends down (they see its results for their own subtree)."""
    condition = scope_filter(Questionnaire, account)
    if account.scope_unit is not None:
        condition = or_(condition, Questionnaire.unit_id.in_(_ancestor_ids(account.scope_unit)))
    return condition


def list_questionnaires_for(account: Account) -> list[Questionnaire]:
    return list(db.session.scalars(select(Questionnaire).where(visible_condition(account))
                                   .order_by(Questionnaire.created_at.desc(), Questionnaire.id.desc())))


def get_questionnaire_or_404(account: Account, questionnaire_id: int) -> Questionnaire:
    questionnaire = db.session.scalar(select(Questionnaire).where(
        Questionnaire.id == questionnaire_id, visible_condition(account)))
    if questionnaire is None:
        abort(404)
    return questionnaire


def may_manage(account: Account, questionnaire: Questionnaire) -> bool:
    """Editing, slips and deleting belong to the owner unit's organisers (and those above)."""
    return unit_in_scope(questionnaire.unit, account)


def get_managed_or_404(account: Account, questionnaire_id: int) -> Questionnaire:
    questionnaire = get_questionnaire_or_404(account, questionnaire_id)
    if not may_manage(account, questionnaire):
        abort(404)
    return questionnaire


def results_top_unit(account: Account, questionnaire: Questionnaire) -> Unit:
    """Where an account's results start: the questionnaire's unit, or the account's own unit when
    the questionnaire came from above."""
    if unit_in_scope(questionnaire.unit, account):
        return questionnaire.unit
    return account.scope_unit


def get_results_unit_or_404(account: Account, questionnaire: Questionnaire, unit_id: int | None) -> Unit:
    """The unit whose results are asked for: in the account's scope and in the questionnaire's subtree."""
    top = results_top_unit(account, questionnaire)
    if unit_id is None:
        return top
    unit = db.session.get(Unit, unit_id)
    if unit is None or not unit_in_scope(unit, account) or not unit.path.startswith(questionnaire.unit.path):
        abort(404)
    return unit


def get_question_or_404(questionnaire: Questionnaire, question_id: int) -> SurveyQuestion:
    question = db.session.get(SurveyQuestion, question_id)
    if question is None or question.questionnaire_id != questionnaire.id:
        abort(404)
    return question


def open_for_person(person: Person | None) -> list[Questionnaire]:
    """Published named questionnaires whose unit is above (or is) the person's unit."""
    if person is None:
        return []
    return list(db.session.scalars(select(Questionnaire).where(
        Questionnaire.unit_id.in_(_ancestor_ids(person.unit)),
        Questionnaire.status == QuestionnaireStatus.OPEN.value,
        Questionnaire.is_anonymous.is_(False)).order_by(Questionnaire.id.desc())))


def get_for_person_or_404(person: Person | None, questionnaire_id: int) -> Questionnaire:
    questionnaire = db.session.get(Questionnaire, questionnaire_id)
    if person is None or questionnaire is None or questionnaire.status == QuestionnaireStatus.DRAFT.value \
            or questionnaire.unit_id not in _ancestor_ids(person.unit):
        abort(404)
    return questionnaire




def get_slip_questionnaire(slip) -> Questionnaire:
    """The one questionnaire a slip opens (a slip reaches nothing else)."""
    return db.session.get(Questionnaire, slip.questionnaire_id)


def open_for_site_session(site_unit: Unit) -> list[Questionnaire]:
    """Anonymous questionnaires for "anyone at a group session" of the site's unit (or a unit above
    it) that take answers now: what the activity-room TV offers during a session."""
    candidates = db.session.scalars(select(Questionnaire).where(
        Questionnaire.unit_id.in_(_ancestor_ids(site_unit)),
        Questionnaire.status == QuestionnaireStatus.OPEN.value,
        Questionnaire.is_anonymous.is_(True),
        Questionnaire.audience == Audience.SESSION.value).order_by(Questionnaire.id))
    return [questionnaire for questionnaire in candidates if questionnaire.answering_state() == "open"]


def get_for_site_session_or_404(site_unit: Unit, questionnaire_id: int) -> Questionnaire:
    questionnaire = next((q for q in open_for_site_session(site_unit) if q.id == questionnaire_id), None)
    if questionnaire is None:
        abort(404)
    return questionnaire


MAX_COURSE_CHOICES = 300


def courses_to_send_with(unit: Unit, current: Course | None = None) -> list[Course]:
    """Courses a questionnaire of `unit` may travel with: the unit's own courses, not archived,
    newest first; and the one it travels with now, whatever its state. (The unit is one the
    organiser manages, so its courses are in her scope.)"""
    courses = list(db.session.scalars(select(Course).where(Course.owner_unit_id == unit.id,
                                                           Course.status != CourseStatus.ARCHIVED.value)
                                      .order_by(Course.updated_at.desc(), Course.id.desc())
                                      .limit(MAX_COURSE_CHOICES)))
    if current is not None and current not in courses:
        courses.insert(0, current)
    return courses
