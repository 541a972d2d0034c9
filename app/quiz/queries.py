"""Scoped reads of the quiz domain.

Three rules, each applied here only:
- Banks and their questions are managed by accounts whose scope holds the bank's unit
  (app.core.scope). A bank elsewhere is not found (404).
- A quiz is managed through its course (the course's owner unit in scope); its results are
  seen by whoever manages the quiz or may see the course as a learner would (an organiser of a
  township sees the county's course), always restricted to attempts of people in their scope.
- Learners take a quiz when its course is visible to them (app.catalog.queries, the learner
  rule). An attempt is seen by the person's own account and by the terminal it was taken on.
"""
from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

from flask import abort
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload
from sqlalchemy import func

from app.catalog import queries as catalog_queries
from app.catalog.models import Course
from app.core.permissions import can
from app.core.scope import get_in_scope_or_404, scoped, unit_in_scope
from app.extensions import db
from app.org.models import Account, Person, Unit
from app.quiz.counting import counted_attempts
from app.quiz.grading import FULL
from app.quiz.types import unscored_type_names
from app.quiz.models import (
    Attempt, AttemptQuestion, AttemptStatus, Question, QuestionBank, QuestionCategory, QuestionImage,
    QuestionVersion, Quiz, QuizSlot,
)

QUESTIONS_PER_PAGE = 50


# --- banks ------------------------------------------------------------------------------------

def list_banks_for(account: Account) -> list[QuestionBank]:
    statement = scoped(QuestionBank, account).options(selectinload(QuestionBank.unit))
    return list(db.session.scalars(statement.order_by(QuestionBank.name, QuestionBank.id)))


def question_counts(bank_ids: list[int]) -> dict[int, int]:
    if not bank_ids:
        return {}

    rows = db.session.execute(select(Question.bank_id, func.count()).where(
        Question.bank_id.in_(bank_ids), Question.is_archived.is_(False)).group_by(Question.bank_id))
    return dict(rows.all())


def get_bank_or_404(account: Account, bank_id: int) -> QuestionBank:
    return get_in_scope_or_404(QuestionBank, bank_id, account)


def get_bank_by_name(unit: Unit, name: str) -> QuestionBank | None:
    return db.session.scalar(select(QuestionBank).where(QuestionBank.unit_id == unit.id, QuestionBank.name == name))


def get_question_or_404(account: Account, question_id: int) -> Question:
    return get_in_scope_or_404(Question, question_id, account)


def get_category_or_404(bank: QuestionBank, category_id: int) -> QuestionCategory:
    category = db.session.get(QuestionCategory, category_id)
    if category is None or category.bank_id != bank.id:
        abort(404)
    return category


def list_questions(bank: QuestionBank, category: QuestionCategory | None = None, page: int = 1,
                   per_page: int = QUESTIONS_PER_PAGE):
    statement = (select(Question).where(Question.bank_id == bank.id, Question.is_archived.is_(False))
                 .options(selectinload(Question.current_version), selectinload(Question.category)))
    if category is not None:
        statement = statement.where(Question.category_id.in_(select(QuestionCategory.id).where(
            QuestionCategory.bank_id == bank.id,
            (QuestionCategory.path == category.path)
            | QuestionCategory.path.startswith(category.path + "/", autoescape=True))))
    return db.paginate(statement.order_by(Question.id), page=page, per_page=per_page, max_per_page=500,
                       error_out=False)


def list_versions(question: Question) -> list[QuestionVersion]:
    return list(db.session.scalars(select(QuestionVersion).where(QuestionVersion.question_id == question.id)
                                   .order_by(QuestionVersion.number.desc())))


def get_image_or_404(account: Account, image_id: int) -> QuestionImage:
    """An imported image is seen by those who manage its bank (the bank's unit in their scope),
    and by whoever meets its bank in a quiz: a quiz of a course they may open
    (app.catalog.queries.openable_condition, the learner rule), or a question of the bank in
    one of their own attempts (reviewing an old attempt). A member or terminal below the
    bank's unit sees nothing of a draft course, nor of a course not published to them."""
    image = db.session.get(QuestionImage, image_id)
    if image is None:
        abort(404)
    if can(account, "manage_question_banks") and unit_in_scope(image.bank.unit, account):
        return image
    bank_questions = select(Question.id).where(Question.bank_id == image.bank_id)
    in_open_quiz = (select(QuizSlot.id).join(Quiz, Quiz.id == QuizSlot.quiz_id).join(Course, Course.id == Quiz.course_id)
                    .where(catalog_queries.openable_condition(account),
                           or_(QuizSlot.bank_id == image.bank_id, QuizSlot.question_id.in_(bank_questions)))
                    .limit(1))
    if db.session.scalar(in_open_quiz) is not None:
        return image
    if account.person_id is not None:
        in_own_attempt = (select(AttemptQuestion.id).join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
                          .join(QuestionVersion, QuestionVersion.id == AttemptQuestion.version_id)
                          .where(Attempt.person_id == account.person_id,
                                 QuestionVersion.question_id.in_(bank_questions)).limit(1))
        if db.session.scalar(in_own_attempt) is not None:
            return image
    abort(404)


# --- quizzes ----------------------------------------------------------------------------------

def get_managed_quiz_or_404(account: Account, quiz_id: int) -> Quiz:
    return get_in_scope_or_404(Quiz, quiz_id, account)


def get_quiz_of_lesson(lesson_id: int) -> Quiz | None:
    return db.session.scalar(select(Quiz).where(Quiz.lesson_id == lesson_id))


def list_quizzes_of_course(course: Course) -> list[Quiz]:
    return list(db.session.scalars(select(Quiz).where(Quiz.course_id == course.id).order_by(Quiz.id)))


def get_quiz_for_learner_or_404(account: Account, quiz_id: int) -> Quiz:
    """A quiz of a course the account may study (a terminal studies for its branch)."""
    quiz = db.session.scalar(select(Quiz).join(Course, Course.id == Quiz.course_id)
                             .where(Quiz.id == quiz_id, catalog_queries.visible_condition(account)))
    if quiz is None:
        abort(404)
    return quiz


def get_quiz_for_results_or_404(account: Account, quiz_id: int) -> Quiz:
    if not can(account, "view_quiz_results"):
        abort(403)
    quiz = db.session.get(Quiz, quiz_id)
    if quiz is None:
        abort(404)
    managed = db.session.scalar(scoped(Quiz, account).where(Quiz.id == quiz_id)) is not None
    visible = db.session.scalar(select(Course.id).where(Course.id == quiz.course_id,
                                                         catalog_queries.visible_condition(account))) is not None
    if not (managed or visible):
        abort(404)
    return quiz


def learner_person(account: Account) -> Person | None:
    return account.person if account.person_id else None


def get_attempt_for_taker_or_404(account: Account, attempt_id: int) -> Attempt:
    """The person's own account, or the terminal the attempt was started on."""
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None:
        abort(404)
    own = account.person_id is not None and attempt.person_id == account.person_id
    on_terminal = can(account, "act_as_terminal") and attempt.terminal_account_id == account.id
    if not (own or on_terminal):
        abort(404)
    return attempt


def get_attempt_for_review_or_404(account: Account, attempt_id: int) -> Attempt:
    if not can(account, "view_quiz_results"):
        abort(403)
    attempt = get_in_scope_or_404(Attempt, attempt_id, account)
    get_quiz_for_results_or_404(account, attempt.quiz_id)
    return attempt


def attempts_of(quiz: Quiz, person: Person) -> list[Attempt]:
    return list(db.session.scalars(select(Attempt).where(Attempt.quiz_id == quiz.id, Attempt.person_id == person.id)
                                   .order_by(Attempt.number)))


def people_for_terminal(terminal: Account) -> list[Person]:
    """People of the terminal's branch who can identify themselves with a PIN."""
    if terminal.scope_unit is None:
        return []
    statement = scoped(Person, terminal).join(Account, Account.person_id == Person.id).where(
        Account.pin_hash.is_not(None), Account.is_enabled.is_(True))
    return list(db.session.scalars(statement.order_by(Person.name, Person.id)))


def get_terminal_person_or_404(terminal: Account, person_id: int) -> Person:
    person = get_in_scope_or_404(Person, person_id, terminal)
    return person


def account_of_person(person: Person) -> Account | None:
    return db.session.scalar(select(Account).where(Account.person_id == person.id))


# --- results and item analysis ----------------------------------------------------------------

@dataclass
class QuestionStats:
    question_id: int
    text: str
    type: str
    answered: int = 0
    correct: int = 0
    fraction_sum: float = 0.0
    discrimination: float | None = None

    @property
    def correct_rate(self) -> float | None:
        return self.correct / self.answered if self.answered else None

    @property
    def mean_fraction(self) -> float | None:
        return self.fraction_sum / self.answered if self.answered else None


@dataclass
class UnitStats:
    unit_id: int
    name: str
    people: int = 0
    passed: int = 0
    percent_sum: float = 0.0

    @property
    def pass_rate(self) -> float | None:
        return self.passed / self.people if self.people else None

    @property
    def mean_percent(self) -> float | None:
        return self.percent_sum / self.people if self.people else None


@dataclass
class QuizResults:
    quiz: Quiz
    counted: list[Attempt]  # one per person, by the score policy
    attempts_total: int
    needs_grading: int
    histogram: list[tuple[str, int]]
    questions: list[QuestionStats]
    units: list[UnitStats]
    people: dict[int, Person] = field(default_factory=dict)
    pending: list[Attempt] = field(default_factory=list)  # essays waiting for a trainer

    @property
    def people_count(self) -> int:
        return len(self.counted)

    @property
    def passed(self) -> int:
        return sum(1 for attempt in self.counted if attempt.passed)

    @property
    def pass_rate(self) -> float | None:
        return self.passed / self.people_count if self.counted else None

    @property
    def mean_percent(self) -> float | None:
        return sum(a.percent or 0 for a in self.counted) / len(self.counted) if self.counted else None


HISTOGRAM_BINS = [(0, 10), (10, 20), (20, 30), (30, 40), (40, 50), (50, 60), (60, 70), (70, 80), (80, 90), (90, 101)]
GROUP_SHARE = 0.27  # upper and lower groups for the discrimination index (Kelley's 27%)


def quiz_results_for(account: Account, quiz: Quiz) -> QuizResults:
    """Pass rate, score distribution, item analysis and per-unit figures over the attempts of
    people in the account's scope."""
    attempts = list(db.session.scalars(
        scoped(Attempt, account).where(Attempt.quiz_id == quiz.id).options(selectinload(Attempt.person))))
    counted = list(db.session.scalars(counted_attempts(
        quiz, Attempt.id.in_(scoped(Attempt, account).with_only_columns(Attempt.id)))))
    histogram = [(f"{low}–{min(high, 100)}" if high <= 100 else f"{low}–100",
                  sum(1 for a in counted if low <= (a.percent or 0) < high)) for low, high in HISTOGRAM_BINS]
    questions = _item_analysis(counted)
    units = _unit_stats(counted)
    return QuizResults(quiz=quiz, counted=counted, attempts_total=len(attempts),
                       needs_grading=sum(1 for a in attempts if a.status == AttemptStatus.NEEDS_GRADING),
                       histogram=histogram, questions=questions, units=units,
                       people={a.person_id: a.person for a in attempts},
                       pending=[a for a in attempts if a.status == AttemptStatus.NEEDS_GRADING])


def _item_analysis(counted: list[Attempt]) -> list[QuestionStats]:
    if not counted:
        return []
    ids = [attempt.id for attempt in counted]
    rows = db.session.execute(
        select(AttemptQuestion.attempt_id, AttemptQuestion.fraction, QuestionVersion.question_id,
               QuestionVersion.type, QuestionVersion.text, QuestionVersion.number)
        .join(QuestionVersion, QuestionVersion.id == AttemptQuestion.version_id)
        .where(AttemptQuestion.attempt_id.in_(ids), QuestionVersion.type.notin_(unscored_type_names()))
    ).all()
    ranked = sorted(counted, key=lambda a: (a.percent or 0, a.id))
    group = max(1, math.ceil(len(ranked) * GROUP_SHARE)) if len(ranked) >= 2 else 0
    lower = {a.id for a in ranked[:group]}
    upper = {a.id for a in ranked[-group:]} if group else set()
    stats: dict[int, QuestionStats] = {}
    latest: dict[int, int] = {}
    per_group: dict[int, dict[str, list[int]]] = defaultdict(lambda: {"upper": [0, 0], "lower": [0, 0]})
    for attempt_id, fraction, question_id, kind, text, number in rows:
        item = stats.setdefault(question_id, QuestionStats(question_id, text, kind))
        if number >= latest.get(question_id, 0):  # label with the newest text seen
            latest[question_id], item.text = number, text
        if fraction is None:
            continue
        item.answered += 1
        item.fraction_sum += fraction
        is_correct = fraction >= FULL
        item.correct += is_correct
        for name, members in (("upper", upper), ("lower", lower)):
            if attempt_id in members:
                per_group[question_id][name][0] += 1
                per_group[question_id][name][1] += is_correct
    for question_id, item in stats.items():
        groups = per_group.get(question_id)
        if groups and groups["upper"][0] and groups["lower"][0]:
            item.discrimination = round(groups["upper"][1] / groups["upper"][0]
                                        - groups["lower"][1] / groups["lower"][0], 3)
    return sorted(stats.values(), key=lambda s: s.question_id)


def _unit_stats(counted: list[Attempt]) -> list[UnitStats]:
    units: dict[int, UnitStats] = {}
    for attempt in counted:
        unit = attempt.person.unit
        item = units.setdefault(unit.id, UnitStats(unit.id, unit.name))
        item.people += 1
        item.passed += bool(attempt.passed)
        item.percent_sum += attempt.percent or 0
    return sorted(units.values(), key=lambda u: u.name)


def result_rows(account: Account, quiz: Quiz) -> Iterator[Attempt]:
    """Every submitted attempt in scope, for CSV/XLSX export, in batches.

    The statement is made now; the returned iterator runs it when first read, in whatever
    session is current then (a streamed CSV reads it after the request has ended), and never
    touches `account` or `quiz`."""
    statement = (scoped(Attempt, account).where(Attempt.quiz_id == quiz.id,
                                                Attempt.status != AttemptStatus.IN_PROGRESS.value)
                 .options(selectinload(Attempt.person).selectinload(Person.unit))
                 .order_by(Attempt.id).execution_options(yield_per=500))
    return _each_attempt(statement)


def _each_attempt(statement) -> Iterator[Attempt]:
    yield from db.session.scalars(statement)


def can_grade(account: Account, quiz: Quiz) -> bool:
    """Essays are graded by those who build quizzes (trainers, organisers) and see the attempt."""
    return can(account, "manage_quizzes")


def bank_question_types(bank) -> set[str]:
    """The question types a bank holds (not archived questions)."""
    return set(db.session.scalars(select(Question.type).where(Question.bank_id == bank.id,
                                                              Question.is_archived.is_(False)).distinct()))
