"""Results of a questionnaire for one unit's subtree, with the minimum group size applied.

The one place results are counted: the pages, the XLSX export and the API all call
`build_results`, so the rule that hides small groups holds in every view.

A unit's results are shown only when
  * at least LMS_SURVEY_MIN_GROUP responses count for its subtree, and
  * for every unit above it (up to the questionnaire's unit), the responses of the rest of that
    unit's subtree are none or at least the minimum too: otherwise the results above minus the
    results here would show a small group's answers by subtraction.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.core.scope import subtree_condition
from app.extensions import db
from app.org.models import Unit
from app.survey.models import RATING_WORDS, SurveyAnswer, SurveyQuestion, QuestionKind, Questionnaire, SurveyResponse


@dataclass
class OptionCount:
    label: str
    count: int
    percent: float
    average_place: float | None = None  # ranking: 1 is first


@dataclass
class QuestionResult:
    question: SurveyQuestion
    answered: int
    options: list[OptionCount] = field(default_factory=list)
    average: float | None = None  # rating
    texts: list[str] = field(default_factory=list)


@dataclass
class UnitRow:
    unit: Unit
    responses: int
    suppressed: bool


@dataclass
class Results:
    questionnaire: Questionnaire
    unit: Unit
    responses: int
    min_group: int
    suppressed: bool
    questions: list[QuestionResult]
    children: list[UnitRow]


def min_group() -> int:
    return max(1, int(current_app.config["SURVEY_MIN_GROUP"]))


class _Counts:
    """Responses per unit subtree, from one grouped query."""

    def __init__(self, questionnaire: Questionnaire):
        self.by_unit = dict(db.session.execute(
            select(SurveyResponse.unit_id, func.count()).where(SurveyResponse.questionnaire_id == questionnaire.id)
            .group_by(SurveyResponse.unit_id)).all())
        self.paths = dict(db.session.execute(select(Unit.id, Unit.path).where(Unit.id.in_(list(self.by_unit)))).all()) \
            if self.by_unit else {}

    def subtree(self, unit: Unit) -> int:
        return sum(count for unit_id, count in self.by_unit.items() if self.paths[unit_id].startswith(unit.path))


def _ancestors_within(unit: Unit, top: Unit) -> list[Unit]:
    chain, current = [], unit.parent
    while current is not None and current.path.startswith(top.path):
        chain.append(current)
        current = current.parent
    return chain


def _suppressed(unit: Unit, questionnaire: Questionnaire, counts: _Counts, minimum: int) -> bool:
    own = counts.subtree(unit)
    if own < minimum:
        return True
    for above in _ancestors_within(unit, questionnaire.unit):
        rest = counts.subtree(above) - own
        if 0 < rest < minimum:
            return True
    return False


def build_results(questionnaire: Questionnaire, unit: Unit) -> Results:
    """Results for `unit`'s subtree (the caller has checked the account may see it)."""
    minimum = min_group()
    counts = _Counts(questionnaire)
    total = counts.subtree(unit)
    suppressed = _suppressed(unit, questionnaire, counts, minimum)
    children = [UnitRow(child, counts.subtree(child), _suppressed(child, questionnaire, counts, minimum))
                for child in sorted(unit.children, key=lambda child: child.name)]
    questions = [] if suppressed else _count_answers(questionnaire, unit)
    return Results(questionnaire, unit, total, minimum, suppressed, questions, children)


def _count_answers(questionnaire: Questionnaire, unit: Unit) -> list[QuestionResult]:
    in_subtree = select(Unit.id).where(subtree_condition(Unit.path, unit.path))
    rows = db.session.execute(
        select(SurveyAnswer.question_id, SurveyAnswer.choices, SurveyAnswer.rating, SurveyAnswer.text)
        .join(SurveyResponse, SurveyAnswer.response_id == SurveyResponse.id)
        .where(SurveyResponse.questionnaire_id == questionnaire.id, SurveyResponse.unit_id.in_(in_subtree))).all()
    by_question: dict[int, list] = {}
    for question_id, choices, rating, text in rows:
        by_question.setdefault(question_id, []).append((choices, rating, text))
    return [_one(question, by_question.get(question.id, [])) for question in questionnaire.questions]


def _percent(count: int, answered: int) -> float:
    return round(100.0 * count / answered, 1) if answered else 0.0


def _one(question: SurveyQuestion, answers: list) -> QuestionResult:
    kind = question.kind_enum
    answered = len(answers)
    result = QuestionResult(question, answered)
    if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        tally = Counter(index for choices, _r, _t in answers for index in (choices or []))
        result.options = [OptionCount(label, tally[i], _percent(tally[i], answered))
                          for i, label in enumerate(question.options)]
    elif kind == QuestionKind.RANKING:
        places: dict[int, list[int]] = {i: [] for i in range(len(question.options))}
        firsts = Counter()
        for choices, _r, _t in answers:
            for place, index in enumerate(choices or [], start=1):
                places[index].append(place)
            if choices:
                firsts[choices[0]] += 1
        result.options = sorted(
            (OptionCount(label, firsts[i], _percent(firsts[i], answered),
                         round(sum(places[i]) / len(places[i]), 2) if places[i] else None)
             for i, label in enumerate(question.options)),
            key=lambda option: (option.average_place is None, option.average_place or 0))
    elif kind == QuestionKind.RATING:
        tally = Counter(rating for _c, rating, _t in answers)
        result.options = [OptionCount(str(RATING_WORDS[value - 1]), tally[value], _percent(tally[value], answered))
                          for value in range(1, 6)]
        result.average = round(sum(rating for _c, rating, _t in answers) / answered, 2) if answered else None
    elif kind == QuestionKind.YES_NO:
        tally = Counter(rating for _c, rating, _t in answers)
        result.options = [OptionCount(label, tally[value], _percent(tally[value], answered))
                          for value, label in ((1, _("Yes")), (0, _("No")))]
    else:
        result.texts = sorted(text for _c, _r, text in answers if text)  # sorted: the order shows nothing
    return result

