"""Recording a democratic appraisal's result (民主评议党员) in the members' development files.

The questionnaire and its counts are the survey layer's (app.survey.appraisal); here the branch
committee's decision per member is appended as an appraisal entry, with the counts in its text.
"""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.org.models import Account, Person
from app.records.models import AppraisalGrade, DevelopmentEntry, EntryKind
from app.records.services import RecordsError, add_appraisal
from app.survey.appraisal import appraisal_results, counts_text
from app.survey.models import Questionnaire


def record_result(questionnaire: Questionnaire, person: Person, *, grade: str, by: Account,
                  note: str = "") -> DevelopmentEntry:
    """Append the committee's grade for `person`, with the appraisal's counts, to their file."""
    if questionnaire.appraisal_year is None:
        raise RecordsError(_("This questionnaire is not a democratic appraisal."))
    if grade not in {value.value for value in AppraisalGrade}:
        raise RecordsError(_("Choose a grade."))
    result = appraisal_results(questionnaire).for_person(person.id)
    if result is None:
        raise RecordsError(_("This person is not appraised in this questionnaire."))
    return add_appraisal(person, year=questionnaire.appraisal_year, by=by, grade=grade,
                         review=counts_text(result, questionnaire.appraisal_year), note=note or "")


def recorded_grades(questionnaire: Questionnaire) -> dict[int, str]:
    """The latest appraisal grade recorded per person for the appraisal's year."""
    rows = db.session.execute(select(DevelopmentEntry.person_id, DevelopmentEntry.status).where(
        DevelopmentEntry.kind == EntryKind.APPRAISAL.value, DevelopmentEntry.year == questionnaire.appraisal_year,
        DevelopmentEntry.unit_id == questionnaire.unit_id).order_by(DevelopmentEntry.sequence)).all()
    return {person_id: status for person_id, status in rows if status}
