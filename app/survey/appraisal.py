"""Democratic appraisal of party members (民主评议党员) on the questionnaire machinery.

Once a year a branch's members and invited villager representatives grade every member of the
branch on four dimensions with the standard grades. `create_appraisal` generates the
questionnaire (anonymous: answered with slips printed for members and for villagers, or at the
activity-room TV); `appraisal_results` counts the grades per member and per rater group, with
the minimum group size applied per group. Recording the result in the development file is the
records layer's (app.records.appraisal), which reads these results.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.extensions import db
from app.org.choices import PersonCategory
from app.org.models import Account, Person, Unit
from app.survey import services
from app.survey.models import (Audience, QuestionKind, Questionnaire, RespondentGroup, SurveyAnswer,
                               SurveyResponse)
from app.survey.results import min_group
from app.survey.services import SurveyError

# The usual dimensions, in the order each member's questions are asked.
DIMENSIONS = (_l("Political thinking"), _l("Conduct"), _l("Duties and post"), _l("Leading the way to prosperity"))
# The standard grades, best first: the option index is the grade's place in this tuple (and in
# app.records.models.AppraisalGrade, whose labels are the same words).
GRADES = (_l("Excellent"), _l("Competent"), _l("Basically competent"), _l("Not competent"))
MEMBER_CATEGORIES = (PersonCategory.FULL_MEMBER.value, PersonCategory.PROBATIONARY.value)


def branch_members(branch: Unit) -> list[Person]:
    """The party members (full and probationary) of the branch itself, by name."""
    return list(db.session.scalars(select(Person).where(Person.unit_id == branch.id,
                                                        Person.category.in_(MEMBER_CATEGORIES))
                                   .order_by(Person.name, Person.id)))


def find_appraisal(branch: Unit, year: int) -> Questionnaire | None:
    return db.session.scalar(select(Questionnaire).where(Questionnaire.unit_id == branch.id,
                                                         Questionnaire.appraisal_year == year))


def create_appraisal(branch: Unit, year: int, *, created_by: Account | None = None) -> Questionnaire:
    """A draft questionnaire with one grade question per member and dimension (publish it as any
    questionnaire; print slips for members and for villager representatives)."""
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise SurveyError(_("Choose a year between 2000 and 2100."))
    if find_appraisal(branch, year) is not None:
        raise SurveyError(_("This branch already has a democratic appraisal for %(year)d.", year=year))
    members = branch_members(branch)
    if not members:
        raise SurveyError(_("This unit has no party members to appraise."))
    questionnaire = services.create_questionnaire(
        unit=branch, title=_("Democratic appraisal of party members, %(year)d", year=year),
        audience=Audience.SESSION, is_anonymous=True, created_by=created_by,
        intro=_("Give each party member a grade on each point. Nobody sees who gave which grade."))
    questionnaire.appraisal_year = year
    options = [str(grade) for grade in GRADES]
    for person in members:
        for dimension in DIMENSIONS:
            services.add_question(questionnaire, kind=QuestionKind.SINGLE, prompt=f"{person.name}：{dimension}",
                                  options=options, subject=person)
    db.session.flush()
    return questionnaire


@dataclass
class DimensionCounts:
    label: str
    counts: list[int]  # per grade, best first
    answered: int


@dataclass
class GroupCounts:
    group: RespondentGroup
    responses: int
    suppressed: bool  # fewer responses than the minimum: only their number is shown
    dimensions: list[DimensionCounts]


@dataclass
class MemberResult:
    person: Person
    groups: list[GroupCounts]  # members first, then villagers


@dataclass
class AppraisalResults:
    questionnaire: Questionnaire
    min_group: int
    members: list[MemberResult]

    def for_person(self, person_id: int) -> MemberResult | None:
        return next((result for result in self.members if result.person.id == person_id), None)


def appraisal_results(questionnaire: Questionnaire) -> AppraisalResults:
    """Grade counts per member, dimension and rater group. A group with fewer responses than
    LMS_SURVEY_MIN_GROUP shows its number of responses only; no total over both groups is given,
    so neither group's counts follow by subtraction."""
    minimum = min_group()
    responses = dict(db.session.execute(
        select(SurveyResponse.respondent_group, func.count()).where(SurveyResponse.questionnaire_id == questionnaire.id)
        .group_by(SurveyResponse.respondent_group)).all())
    tally: dict[tuple[int, str], list[int]] = {}
    rows = db.session.execute(
        select(SurveyAnswer.question_id, SurveyResponse.respondent_group, SurveyAnswer.choices)
        .join(SurveyResponse, SurveyAnswer.response_id == SurveyResponse.id)
        .where(SurveyResponse.questionnaire_id == questionnaire.id)).all()
    for question_id, group, choices in rows:
        counts = tally.setdefault((question_id, group), [0] * len(GRADES))
        for index in choices or []:
            if 0 <= index < len(GRADES):
                counts[index] += 1
    by_person: dict[int, list] = {}
    for question in questionnaire.questions:
        if question.subject_person_id is not None:
            by_person.setdefault(question.subject_person_id, []).append(question)
    people = {person.id: person for person in db.session.scalars(select(Person).where(Person.id.in_(list(by_person))))}
    members = []
    for person_id, questions in by_person.items():
        groups = []
        for group in RespondentGroup:
            count = responses.get(group.value, 0)
            suppressed = count < minimum
            dimensions = [] if suppressed else [
                DimensionCounts(str(DIMENSIONS[i]) if i < len(DIMENSIONS) else question.prompt,
                                tally.get((question.id, group.value), [0] * len(GRADES)),
                                sum(tally.get((question.id, group.value), [])))
                for i, question in enumerate(questions)]
            groups.append(GroupCounts(group, count, suppressed, dimensions))
        members.append(MemberResult(people[person_id], groups))
    return AppraisalResults(questionnaire, minimum, members)


def counts_text(result: MemberResult, year: int) -> str:
    """The counts in words, for the development file's entry."""
    parts = [_("Democratic appraisal %(year)d", year=year)]
    if result.person.post_enum is not None:  # the post the member took on (设岗定责) is part of it
        parts.append(_("Post: %(post)s", post=result.person.post_enum.label))
    for group in result.groups:
        if group.suppressed:
            parts.append(_("%(group)s: %(n)d answers (fewer than the minimum, not shown)",
                           group=group.group.label, n=group.responses))
            continue
        dimensions = "；".join(
            f"{dimension.label} " + " ".join(f"{grade}{count}" for grade, count in zip(GRADES, dimension.counts))
            for dimension in group.dimensions)
        parts.append(_("%(group)s (%(n)d answers): %(counts)s", group=group.group.label, n=group.responses,
                       counts=dimensions))
    return "\n".join(parts)
