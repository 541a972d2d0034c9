"""Every write of the quiz domain: banks, questions and versions, imports, quizzes, attempts.

Services take models and plain values, flush and never commit (the request, job or
command commits once). Refusals raise QuizError with a translated message.
"""
from __future__ import annotations

import json
import random
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
import tempfile
from pathlib import Path

from app.catalog.choices import LessonType
from app.catalog.models import Course, Lesson
from app.core.model_base import as_utc, utcnow
from app.core.storage import storage_from_config
from app.extensions import db
from app.org.models import Account, Person, Unit
from app.quiz import grading
from app.quiz.signals import quiz_passed
from app.quiz.content import content_from_parsed, parsed_from_content
from app.quiz.counting import counted_attempts
from app.quiz.formats import ParsedImage, ParsedQuestion, ParseResult, export, parse_bytes
from app.quiz.formats.media import MEDIA_EXTENSIONS
from app.quiz.formats.richtext import PLACEHOLDER_PREFIX
from app.quiz.models import (
    Attempt, AttemptQuestion, AttemptStatus, Question, QuestionBank, QuestionCategory, QuestionImage, QuestionTag,
    QuestionVersion, Quiz, QuizSlot, ScorePolicy,
)
from app.quiz.types import InvalidAnswers, UnknownQuestionType, question_type, unscored_type_names

# Stored question HTML refers to imported images by id; pages turn it into a URL (render time).
IMAGE_PLACEHOLDER = "@@QUIZIMAGE@@/"
# Answers arriving this long after the deadline are still accepted (slow village links).
DEADLINE_GRACE = timedelta(seconds=30)
MAX_TAGS = 10


class QuizError(ValueError):
    """A refusal with a message for the user (translated)."""


# --- banks and categories ---------------------------------------------------------------------

def create_bank(*, name: str, unit: Unit, created_by: Account | None = None, description: str = "") -> QuestionBank:
    name = (name or "").strip()
    if not name:
        raise QuizError(_("A question bank needs a name."))
    if len(name) > 100:
        raise QuizError(_("The name is too long (at most 100 characters)."))
    exists = db.session.scalar(select(QuestionBank.id).where(QuestionBank.unit_id == unit.id,
                                                             QuestionBank.name == name))
    if exists is not None:
        raise QuizError(_("This unit already has a question bank named %(name)s.", name=name))
    bank = QuestionBank(name=name, unit=unit, description=description.strip(),
                        created_by_id=created_by.id if created_by else None)
    db.session.add(bank)
    db.session.flush()
    return bank


def clean_category_path(path: str) -> str:
    parts = [part.strip() for part in (path or "").replace("\\", "/").split("/")]
    return "/".join(part for part in parts if part)[:255]


def get_or_create_category(bank: QuestionBank, path: str) -> QuestionCategory | None:
    path = clean_category_path(path)
    if not path:
        return None
    category = db.session.scalar(select(QuestionCategory).where(QuestionCategory.bank_id == bank.id,
                                                                QuestionCategory.path == path))
    if category is None:
        category = QuestionCategory(bank_id=bank.id, path=path)
        db.session.add(category)
        db.session.flush()
    return category


def clean_tags(tags) -> list[str]:
    if isinstance(tags, str):
        tags = re.split(r"[,，、;；\s]+", tags)
    cleaned: list[str] = []
    for tag in tags or []:
        tag = tag.strip()[:30]
        if tag and tag not in cleaned:
            cleaned.append(tag)
    return cleaned[:MAX_TAGS]


# --- questions and versions -------------------------------------------------------------------

def _new_version(question: Question, parsed: ParsedQuestion, account: Account | None) -> QuestionVersion:
    number = (db.session.scalar(select(func.max(QuestionVersion.number))
                                .where(QuestionVersion.question_id == question.id)) or 0) + 1
    version = QuestionVersion(
        question_id=question.id, number=number, type=parsed.type, title=parsed.title[:255], text=parsed.text,
        text_html=parsed.text_html, content_json=json.dumps(content_from_parsed(parsed), ensure_ascii=False),
        explanation=parsed.feedback or "", points=float(parsed.points),
        created_by_id=account.id if account else None,
    )
    db.session.add(version)
    db.session.flush()
    question.current_version_id = version.id
    db.session.flush()
    db.session.expire(question, ["current_version"])  # a view-only relationship: reload it
    return version


def add_question(bank: QuestionBank, parsed: ParsedQuestion, *, account: Account | None = None,
                 tags=()) -> Question:
    category = get_or_create_category(bank, parsed.category)
    question = Question(bank_id=bank.id, category_id=category.id if category else None, type=parsed.type)
    question.tag_rows = [QuestionTag(tag=tag) for tag in clean_tags(tags)]
    db.session.add(question)
    db.session.flush()
    _new_version(question, parsed, account)
    return question


def version_as_parsed(version: QuestionVersion, category: str = "") -> ParsedQuestion:
    return parsed_from_content(kind=version.type, title=version.title, category=category, text=version.text,
                               text_html=version.text_html, content=version.content,
                               explanation=version.explanation, points=version.points)


def _checked_text_and_points(kind, text: str, points: float) -> str:
    text = (text or "").strip()
    if not text and kind.text_required:
        raise QuizError(_("The question needs a text."))
    if points is None or points < 0 or points > 1000:
        raise QuizError(_("Points must be a number between 0 and 1000."))
    return text


def _parse_answers(kind, text: str, answers: str) -> ParsedQuestion:
    try:
        return kind.parse_answers(text, answers)
    except InvalidAnswers as error:
        raise QuizError(str(error)) from None


def create_question(bank: QuestionBank, *, kind: str, account: Account | None, text: str, answers: str,
                    explanation: str, points: float, category: str, tags) -> Question:
    """A question a trainer writes on the question form; its type reads the answers field."""
    try:
        question_kind = question_type(kind)
    except UnknownQuestionType:
        raise QuizError(_("Choose a question type.")) from None
    text = _checked_text_and_points(question_kind, text, points)
    parsed = _parse_answers(question_kind, text, answers or "")
    parsed.text, parsed.text_html = (parsed.text if question_kind.text_in_answers else text), None
    parsed.feedback = (explanation or "").strip()
    parsed.points = float(points)
    parsed.category = clean_category_path(category)
    return add_question(bank, parsed, account=account, tags=tags)


def edit_question(question: Question, *, account: Account | None, text: str, explanation: str, points: float,
                  category: str, tags, answers_gift: str | None = None) -> bool:
    """Change a question. Content changes (text, explanation, points, answers) add a version;
    category and tags belong to the question. Returns whether anything changed.

    `answers_gift` is the answers field of the question's type (GIFT syntax, "{=A ~B}", for the
    built-in types), read with the question text; empty keeps the current answers.
    """
    current = question.current_version
    kind = question_type(question.type)
    parsed = version_as_parsed(current)
    text = _checked_text_and_points(kind, text, points)
    if kind.text_in_answers:
        # the text holds the answers too (cloze blanks): both are read from it
        new = _parse_answers(kind, text, "")
        new.title, new.category, new.penalty = parsed.title, parsed.category, parsed.penalty
        if new.text == current.text:
            new.text_html = current.text_html  # only answers changed: the formatting stays
        parsed, text = new, new.text
    elif answers_gift is not None and answers_gift.strip() and kind.edit_template is not None:
        new = _parse_answers(kind, text, answers_gift)
        new.title, new.category = parsed.title, parsed.category
        parsed = new
    if text != current.text:
        parsed.text = text
        parsed.text_html = None  # the plain text replaces the imported formatting
    elif answers_gift is not None and parsed is not None:
        parsed.text_html = current.text_html
    parsed.feedback = (explanation or "").strip()
    parsed.points = float(points)
    changed_content = (parsed.text, parsed.text_html, parsed.feedback, parsed.points,
                       json.dumps(content_from_parsed(parsed), ensure_ascii=False)) != (
        current.text, current.text_html, current.explanation, current.points, current.content_json)
    if changed_content:
        _new_version(question, parsed, account)
    new_category = get_or_create_category(question.bank, category)
    new_category_id = new_category.id if new_category else None
    new_tags = clean_tags(tags)
    changed_meta = new_category_id != question.category_id or new_tags != question.tags
    if changed_meta:
        question.category_id = new_category_id
        question.tag_rows = [QuestionTag(tag=tag) for tag in new_tags]
        db.session.flush()
    return changed_content or changed_meta


def archive_question(question: Question) -> None:
    """Hidden from the bank, draws and new quizzes; attempts that used it keep it."""
    question.is_archived = True
    db.session.flush()


# --- import and export ------------------------------------------------------------------------

@dataclass
class ImportOutcome:
    result: ParseResult
    questions: list[Question]

    @property
    def refused(self) -> bool:
        return not self.result.questions


def import_bank_file(bank: QuestionBank | None, data: bytes, *, filename: str | None = None,
                     format: str | None = None, account: Account | None = None,
                     dry_run: bool = False) -> ImportOutcome:
    """Parse a bank file and, unless dry_run, add every question that parsed. Rows with errors
    are left out (they are in the report); a refused file imports nothing."""
    result = parse_bytes(data, filename=filename, format=format)
    if dry_run or bank is None or not result.questions:
        return ImportOutcome(result, [])
    return ImportOutcome(result, [_import_one(bank, parsed, account) for parsed in result.questions])


def _import_one(bank: QuestionBank, parsed: ParsedQuestion, account: Account | None) -> Question:
    if parsed.images and parsed.text_html:
        parsed.text_html = _store_images(bank, parsed.images, parsed.text_html)
    return add_question(bank, parsed, account=account)




def _store_images(bank: QuestionBank, images: list[ParsedImage], html: str) -> str:
    """Put each image or audio file in media storage and point the HTML at it (by id). The
    parser let through only what app.quiz.formats.media accepts (checked by content)."""
    storage = storage_from_config(current_app.config)
    for image in images:
        extension = MEDIA_EXTENSIONS.get(image.mime)
        if extension is None:  # never reached from the parsers; kept as the storage's own guard
            continue
        key = f"quiz-images/{bank.id}/{uuid.uuid4().hex}.{extension}"
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "image"
            path.write_bytes(image.data)
            storage.put_file(path, key)
        row = QuestionImage(bank_id=bank.id, storage_key=key, mime=image.mime, size=len(image.data),
                            original_name=image.name[:255])
        db.session.add(row)
        db.session.flush()
        html = html.replace(f'"{PLACEHOLDER_PREFIX}{quote(image.name)}"', f'"{IMAGE_PLACEHOLDER}{row.id}"')
        html = html.replace(f'"{PLACEHOLDER_PREFIX}{image.name}"', f'"{IMAGE_PLACEHOLDER}{row.id}"')
    return html


def questions_for_export(bank: QuestionBank) -> list[ParsedQuestion]:
    rows = db.session.execute(
        select(Question, QuestionVersion, QuestionCategory.path)
        .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
        .outerjoin(QuestionCategory, QuestionCategory.id == Question.category_id)
        .where(Question.bank_id == bank.id, Question.is_archived.is_(False))
        .order_by(Question.id)
    ).all()
    images = {image.id: image for image in db.session.scalars(
        select(QuestionImage).where(QuestionImage.bank_id == bank.id))}
    storage = storage_from_config(current_app.config) if images else None
    exported = []
    for _question, version, category in rows:
        parsed = version_as_parsed(version, category or "")
        if parsed.text_html and IMAGE_PLACEHOLDER in parsed.text_html:
            parsed.text_html, parsed.images = _images_back(parsed.text_html, images, storage)
        exported.append(parsed)
    return exported


def _images_back(html: str, images: dict[int, QuestionImage], storage) -> tuple[str, list[ParsedImage]]:
    found: list[ParsedImage] = []

    def replace(match: re.Match) -> str:
        image = images.get(int(match.group(1)))
        if image is None:
            return match.group(0)
        name = f"{'audio' if image.mime.startswith('audio/') else 'image'}{image.id}.{MEDIA_EXTENSIONS.get(image.mime, 'bin')}"
        with storage.open(image.storage_key) as handle:
            found.append(ParsedImage(name=name, mime=image.mime, data=handle.read()))
        return PLACEHOLDER_PREFIX + quote(name)

    html = re.sub(re.escape(IMAGE_PLACEHOLDER) + r"(\d+)", replace, html)
    return html, found


def export_bank(bank: QuestionBank, format: str) -> tuple[bytes, list]:
    errors: list = []
    return export(questions_for_export(bank), format, errors), errors


# --- quizzes ----------------------------------------------------------------------------------

@dataclass
class QuizSettings:
    title: str
    pass_mark: float = 60.0
    max_attempts: int | None = None
    time_limit_minutes: int | None = None
    shuffle_questions: bool = False
    shuffle_options: bool = False
    score_policy: str = ScorePolicy.BEST.value
    show_explanations: bool = True


def _apply_settings(quiz: Quiz, settings: QuizSettings) -> None:
    title = (settings.title or "").strip()
    if not title:
        raise QuizError(_("A quiz needs a title."))
    if not 0 <= settings.pass_mark <= 100:
        raise QuizError(_("The pass mark is a percentage between 0 and 100."))
    if settings.max_attempts is not None and settings.max_attempts < 1:
        raise QuizError(_("Allow at least one attempt, or leave the limit empty."))
    if settings.time_limit_minutes is not None and not 1 <= settings.time_limit_minutes <= 600:
        raise QuizError(_("The time limit is between 1 and 600 minutes, or empty for none."))
    quiz.title = title[:120]
    quiz.pass_mark = float(settings.pass_mark)
    quiz.max_attempts = settings.max_attempts
    quiz.time_limit_minutes = settings.time_limit_minutes
    quiz.shuffle_questions = bool(settings.shuffle_questions)
    quiz.shuffle_options = bool(settings.shuffle_options)
    quiz.score_policy = ScorePolicy(settings.score_policy).value
    quiz.show_explanations = bool(settings.show_explanations)


def create_quiz(course: Course, settings: QuizSettings, *, lesson: Lesson | None = None) -> Quiz:
    """A quiz for a quiz lesson of the course, or the end-of-course quiz when lesson is None."""
    if lesson is not None:
        if lesson.course_id != course.id or lesson.type != LessonType.QUIZ:
            raise QuizError(_("This lesson is not a quiz lesson of the course."))
        if db.session.scalar(select(Quiz.id).where(Quiz.lesson_id == lesson.id)) is not None:
            raise QuizError(_("This lesson already has a quiz."))
    quiz = Quiz(course_id=course.id, lesson_id=lesson.id if lesson else None)
    _apply_settings(quiz, settings)
    db.session.add(quiz)
    db.session.flush()
    return quiz


def update_quiz(quiz: Quiz, settings: QuizSettings) -> None:
    _apply_settings(quiz, settings)
    db.session.flush()


def _next_slot_position(quiz: Quiz) -> int:
    return max((slot.position for slot in quiz.slots), default=0) + 1


def add_fixed_question(quiz: Quiz, question: Question) -> QuizSlot:
    if question.is_archived:
        raise QuizError(_("This question has been removed from its bank."))
    if any(slot.question_id == question.id for slot in quiz.slots):
        raise QuizError(_("This question is already in the quiz."))
    slot = QuizSlot(question_id=question.id, position=_next_slot_position(quiz))
    quiz.slots.append(slot)
    db.session.flush()
    return slot


def drawable_question_ids(bank: QuestionBank, category: QuestionCategory | None) -> list[int]:
    """Questions a draw may pick: live, scored ones of the category and its sub-categories."""
    statement = select(Question.id).where(Question.bank_id == bank.id, Question.is_archived.is_(False),
                                          Question.type.notin_(unscored_type_names()))
    if category is not None:
        sub = select(QuestionCategory.id).where(
            QuestionCategory.bank_id == bank.id,
            (QuestionCategory.path == category.path) | QuestionCategory.path.startswith(category.path + "/",
                                                                                       autoescape=True))
        statement = statement.where(Question.category_id.in_(sub))
    return list(db.session.scalars(statement.order_by(Question.id)))


def add_draw(quiz: Quiz, bank: QuestionBank, category: QuestionCategory | None, count: int) -> QuizSlot:
    if category is not None and category.bank_id != bank.id:
        raise QuizError(_("The category is not in this bank."))
    if count < 1 or count > 200:
        raise QuizError(_("Draw between 1 and 200 questions."))
    available = len(drawable_question_ids(bank, category))
    if available < count:
        raise QuizError(_("Only %(available)d questions can be drawn from there, not %(count)d.",
                          available=available, count=count))
    slot = QuizSlot(bank_id=bank.id, category_id=category.id if category else None, draw_count=count,
                    position=_next_slot_position(quiz))
    quiz.slots.append(slot)
    db.session.flush()
    return slot


def remove_slot(quiz: Quiz, slot: QuizSlot) -> None:
    quiz.slots.remove(slot)
    for position, item in enumerate(quiz.slots, start=1):
        item.position = position
    db.session.flush()


# --- attempts ---------------------------------------------------------------------------------

def attempts_used(quiz: Quiz, person: Person) -> int:
    return db.session.scalar(select(func.count()).select_from(Attempt)
                             .where(Attempt.quiz_id == quiz.id, Attempt.person_id == person.id)) or 0


def open_attempt_of(quiz: Quiz, person: Person) -> Attempt | None:
    return db.session.scalar(select(Attempt).where(Attempt.quiz_id == quiz.id, Attempt.person_id == person.id,
                                                   Attempt.status == AttemptStatus.IN_PROGRESS.value)
                             .order_by(Attempt.id.desc()).limit(1))


def _choose_versions(quiz: Quiz, rng: random.Random) -> list[int]:
    """Version ids for a new attempt: fixed questions as they are now, draws made with rng."""
    chosen_questions: list[int] = []
    fixed = {slot.question_id for slot in quiz.slots if not slot.is_draw}
    for slot in quiz.slots:
        if not slot.is_draw:
            if not slot.question.is_archived:
                chosen_questions.append(slot.question_id)
            continue
        pool = [qid for qid in drawable_question_ids(slot.bank, slot.category)
                if qid not in fixed and qid not in chosen_questions]
        chosen_questions.extend(rng.sample(pool, min(slot.draw_count, len(pool))))
    if quiz.shuffle_questions:
        rng.shuffle(chosen_questions)
    if not chosen_questions:
        return []
    current = dict(db.session.execute(select(Question.id, Question.current_version_id)
                                      .where(Question.id.in_(chosen_questions))).all())
    return [current[qid] for qid in chosen_questions]


def start_attempt(quiz: Quiz, person: Person, *, account: Account, terminal: Account | None = None) -> Attempt:
    """The person's open attempt, or a new one with its questions drawn and ordered now (and
    stored, so reloading shows the same questions). Refuses past the attempt limit."""
    existing = open_attempt_of(quiz, person)
    if existing is not None:
        if not expire_if_overdue(existing, account):
            return existing
    used = attempts_used(quiz, person)
    if quiz.max_attempts is not None and used >= quiz.max_attempts:
        raise QuizError(_("No attempts left: this quiz allows %(n)d.", n=quiz.max_attempts))
    seed = secrets.randbits(31)
    rng = random.Random(seed)
    version_ids = _choose_versions(quiz, rng)
    if not version_ids:
        raise QuizError(_("This quiz has no questions yet."))
    versions = {v.id: v for v in db.session.scalars(select(QuestionVersion).where(QuestionVersion.id.in_(version_ids)))}
    now = utcnow()
    attempt = Attempt(quiz_id=quiz.id, person_id=person.id, number=used + 1, started_by_id=account.id,
                      terminal_account_id=terminal.id if terminal else None, seed=seed, started_at=now,
                      deadline_at=now + timedelta(minutes=quiz.time_limit_minutes) if quiz.time_limit_minutes else None)
    for position, version_id in enumerate(version_ids, start=1):
        version = versions[version_id]
        kind = question_type(version.type)
        order = kind.display_order(version.content, rng, shuffle_options=quiz.shuffle_options)
        attempt.questions.append(AttemptQuestion(
            position=position, version_id=version_id, order_json=json.dumps(order),
            max_score=version.points if kind.scores_points else 0.0))
    attempt.max_score = sum(question.max_score for question in attempt.questions)
    try:
        with db.session.begin_nested():  # two starts racing: the attempt number is unique
            db.session.add(attempt)
            db.session.flush()
    except IntegrityError:
        raced = open_attempt_of(quiz, person)
        if raced is None:
            raise QuizError(_("The quiz could not be started; please try again.")) from None
        return raced
    return attempt


def is_past_deadline(attempt: Attempt, grace: timedelta = DEADLINE_GRACE) -> bool:
    deadline = as_utc(attempt.deadline_at)
    return deadline is not None and utcnow() > deadline + grace


def seconds_left(attempt: Attempt) -> int | None:
    deadline = as_utc(attempt.deadline_at)
    if deadline is None:
        return None
    return max(0, int((deadline - utcnow()).total_seconds()))


def expire_if_overdue(attempt: Attempt, account: Account | None) -> bool:
    """Submit an open attempt whose time ran out (with the answers saved in time)."""
    if attempt.status == AttemptStatus.IN_PROGRESS and is_past_deadline(attempt, grace=timedelta(0)):
        submit_attempt(attempt, account, {})
        return True
    return False


def response_from_form(question: AttemptQuestion, values: dict[str, list[str]]):
    """The canonical response (see app.quiz.grading) from form values of one question, read by
    its type.

    `values` maps field suffixes to the posted values: "" for the main field, "<i>" for
    sub-field i (a matching pair). Choice values are display positions (1-based), mapped back
    through the stored order so the page never shows original indexes. None: left unanswered.
    """
    version = question.version
    return question_type(version.type).response_from_form(version.content, question.order, values)


def save_responses(attempt: Attempt, responses: dict[int, object]) -> None:
    """Store responses by question position. Refused once the attempt is submitted or the time
    (plus grace) is up."""
    if is_past_deadline(attempt):
        raise QuizError(_("Time is up; answers can no longer change."))
    # A no-op UPDATE of the attempt row, conditional on it being open: it takes the row's write
    # lock on PostgreSQL, so a save and a submit of the same attempt never interleave.
    still_open = db.session.execute(
        update(Attempt).where(Attempt.id == attempt.id, Attempt.status == AttemptStatus.IN_PROGRESS.value)
        .values(status=AttemptStatus.IN_PROGRESS.value).execution_options(synchronize_session=False)
    ).rowcount
    if still_open != 1:
        db.session.refresh(attempt)
        raise QuizError(_("This attempt has been submitted; answers can no longer change."))
    _store_responses(attempt, responses)


def _store_responses(attempt: Attempt, responses: dict[int, object]) -> None:
    by_position = {question.position: question for question in attempt.questions}
    now = utcnow()
    for position, response in responses.items():
        question = by_position.get(position)
        if question is None:
            continue
        question.response_json = None if response is None else json.dumps(response, ensure_ascii=False)
        question.answered_at = now
    db.session.flush()


def submit_attempt(attempt: Attempt, account: Account | None, responses: dict[int, object] | None = None) -> bool:
    """Submit and grade, once. Returns True when this call submitted it, False when it had
    been submitted already (the stored result stands; the given responses are ignored).

    The state change is one conditional UPDATE, so of two concurrent submits exactly one
    matches the in-progress row; the other sees rowcount 0.
    """
    if attempt.status != AttemptStatus.IN_PROGRESS:
        return False
    in_time = not is_past_deadline(attempt)
    claimed = db.session.execute(
        update(Attempt).where(Attempt.id == attempt.id, Attempt.status == AttemptStatus.IN_PROGRESS.value)
        .values(status=AttemptStatus.GRADED.value, submitted_at=utcnow(),
                submitted_by_id=account.id if account else None)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        db.session.refresh(attempt)
        return False
    db.session.refresh(attempt)
    if responses and in_time:
        _store_responses(attempt, responses)
    for question in attempt.questions:
        _grade_question(question)
    _total(attempt)
    db.session.flush()
    if attempt.passed:
        quiz_passed.send(current_app._get_current_object(), attempt_id=attempt.id, person_id=attempt.person_id,
                         at=attempt.submitted_at)
    return True


def _grade_question(question: AttemptQuestion) -> None:
    version = question.version
    result = question_type(version.type).grade(version.content, question.response)
    question.fraction = result.fraction
    question.score = result.score(version.points) if result.status == grading.GradeStatus.GRADED else None


def _total(attempt: Attempt) -> None:
    pending = any(q.fraction is None and question_type(q.version.type).graded_by_hand for q in attempt.questions)
    attempt.score = round(sum(q.score or 0.0 for q in attempt.questions), 4)
    attempt.percent = round(100.0 * attempt.score / attempt.max_score, 2) if attempt.max_score else 100.0
    if pending:
        attempt.status = AttemptStatus.NEEDS_GRADING.value
        attempt.passed = None
    else:
        attempt.status = AttemptStatus.GRADED.value
        attempt.passed = attempt.percent + 1e-9 >= attempt.quiz.pass_mark


def grade_essay(question: AttemptQuestion, *, score: float, grader: Account, comment: str = "") -> None:
    """A trainer's score for a question graded by hand (an essay); the attempt's total and pass follow."""
    attempt = question.attempt
    if attempt.status == AttemptStatus.IN_PROGRESS:
        raise QuizError(_("The attempt has not been submitted yet."))
    if not question_type(question.version.type).graded_by_hand:
        raise QuizError(_("Only essay questions are graded by hand."))
    if score is None or not 0 <= score <= question.max_score:
        raise QuizError(_("The score is between 0 and %(max)s.", max=f"{question.max_score:g}"))
    question.score = round(float(score), 4)
    question.fraction = round(question.score / question.max_score, 7) if question.max_score else 1.0
    question.graded_by_id = grader.id
    question.grader_comment = (comment or "").strip()
    was_passed = attempt.passed
    _total(attempt)
    db.session.flush()
    if attempt.passed and not was_passed:
        # The grade completed the attempt as passed: the same event as a pass at submission
        # (receivers record it once per attempt, so grading again changes nothing more).
        quiz_passed.send(current_app._get_current_object(), attempt_id=attempt.id, person_id=attempt.person_id,
                         at=utcnow())


def counted_attempt(quiz: Quiz, person_id: int) -> Attempt | None:
    """The attempt that counts toward completion under the quiz's score policy (app.quiz.counting)."""
    return db.session.scalar(counted_attempts(quiz, Attempt.person_id == person_id))


def has_passed(quiz: Quiz, person_id: int) -> bool:
    """What completion rules ask: did the counted attempt pass?"""
    attempt = counted_attempt(quiz, person_id)
    return bool(attempt and attempt.passed)


def best_result_passed(person_id: int, course_id: int) -> bool | None:
    """For course completion: None when the course has no quiz, else whether every quiz is passed."""
    quizzes = list(db.session.scalars(select(Quiz).where(Quiz.course_id == course_id)))
    quiz_lessons = set(db.session.scalars(select(Lesson.id).where(Lesson.course_id == course_id,
                                                                  Lesson.type == LessonType.QUIZ.value)))
    if not quizzes and not quiz_lessons:
        return None
    if quiz_lessons - {quiz.lesson_id for quiz in quizzes}:
        return False  # a quiz lesson the trainer has not set up yet cannot be passed
    return all(has_passed(quiz, person_id) for quiz in quizzes)
