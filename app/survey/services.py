"""Every write of questionnaires: building, publishing, slip codes, answers. Flush, never commit."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.core.localtime import local_zone
from app.core.model_base import as_utc
from app.extensions import db
from app.org.choices import PersonCategory
from app.org.models import Account, Person, Unit
from app.survey.models import (
    SurveyAnswer, Audience, Channel, SurveyQuestion, QuestionKind, Questionnaire, QuestionnaireStatus, RespondentGroup, SurveyResponse,
    SlipCode,
)

SLIP_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L on printed slips (as activation slips)
SLIP_LENGTH = 8
MAX_SLIPS = 500
MAX_OPTIONS = 8
MAX_RANKING_OPTIONS = 6
MAX_TEXT_CHARS = 500


class SurveyError(ValueError):
    """Bad input or a refused action; the message is for the user."""


def group_of(person: Person) -> RespondentGroup:
    return RespondentGroup.VILLAGER if person.category == PersonCategory.NON_MEMBER else RespondentGroup.MEMBER


# --- building ---------------------------------------------------------------------------

def create_questionnaire(*, unit: Unit, title: str, audience: Audience, is_anonymous: bool, intro: str = "",
                         opens_at: datetime | None = None, closes_at: datetime | None = None,
                         created_by: Account | None = None) -> Questionnaire:
    questionnaire = Questionnaire(unit=unit, created_by_id=created_by.id if created_by else None,
                                  status=QuestionnaireStatus.DRAFT.value)
    update_questionnaire(questionnaire, title=title, audience=audience, is_anonymous=is_anonymous, intro=intro,
                         opens_at=opens_at, closes_at=closes_at)
    db.session.add(questionnaire)
    db.session.flush()
    return questionnaire


def update_questionnaire(questionnaire: Questionnaire, *, title: str, audience: Audience, is_anonymous: bool,
                         intro: str = "", opens_at: datetime | None = None,
                         closes_at: datetime | None = None) -> None:
    title = clean_title(title)
    if opens_at and closes_at and as_utc(closes_at) <= as_utc(opens_at):
        raise SurveyError(_("The closing time must be after the opening time."))
    if questionnaire.id is not None and questionnaire.status != QuestionnaireStatus.DRAFT:
        # Once people answer, who may answer and whether names are kept cannot change.
        if Audience(audience) != questionnaire.audience_enum or bool(is_anonymous) != questionnaire.is_anonymous:
            raise SurveyError(_("The audience and anonymity cannot change after publishing."))
    questionnaire.title = title
    questionnaire.intro = (intro or "").strip()
    questionnaire.audience = Audience(audience).value
    questionnaire.is_anonymous = bool(is_anonymous)
    questionnaire.opens_at = opens_at
    questionnaire.closes_at = closes_at


def _require_draft(questionnaire: Questionnaire) -> None:
    if questionnaire.status != QuestionnaireStatus.DRAFT:
        raise SurveyError(_("Questions can only change while the questionnaire is a draft."))


def clean_options(kind: QuestionKind, options: list[str]) -> list[str]:
    options = [option.strip() for option in options if option and option.strip()]
    if not kind.has_options:
        return []
    limit = MAX_RANKING_OPTIONS if kind == QuestionKind.RANKING else MAX_OPTIONS
    if len(options) < 2:
        raise SurveyError(_("Give at least two options."))
    if len(options) > limit:
        raise SurveyError(_("At most %(n)d options.", n=limit))
    if len(set(options)) != len(options):
        raise SurveyError(_("Two options have the same wording."))
    if any(len(option) > 100 for option in options):
        raise SurveyError(_("An option is too long (at most 100 characters)."))
    return options


def clean_prompt(prompt: str) -> str:
    prompt = (prompt or "").strip()
    if not prompt:
        raise SurveyError(_("Write the question."))
    if len(prompt) > 300:
        raise SurveyError(_("The question is too long (at most 300 characters)."))
    return prompt


def add_question(questionnaire: Questionnaire, *, kind: QuestionKind, prompt: str, options: list[str] = (),
                 is_required: bool = True, subject: Person | None = None) -> SurveyQuestion:
    _require_draft(questionnaire)
    if questionnaire.course_id is not None and len(questionnaire.questions) >= MAX_PACKAGE_QUESTIONS:
        raise SurveyError(_("A questionnaire sent with a course has at most %(n)d questions.", n=MAX_PACKAGE_QUESTIONS))
    kind = QuestionKind(kind)
    prompt = clean_prompt(prompt)
    question = SurveyQuestion(kind=kind.value, prompt=prompt, options=clean_options(kind, list(options)),
                        is_required=bool(is_required) and kind != QuestionKind.TEXT,
                        subject_person_id=subject.id if subject else None,
                        position=len(questionnaire.questions) + 1)
    questionnaire.questions.append(question)
    db.session.flush()
    return question


def delete_question(question: SurveyQuestion) -> None:
    questionnaire = question.questionnaire
    _require_draft(questionnaire)
    questionnaire.questions.remove(question)
    for position, remaining in enumerate(questionnaire.questions, start=1):
        remaining.position = position
    db.session.flush()


def publish(questionnaire: Questionnaire) -> None:
    if questionnaire.status != QuestionnaireStatus.DRAFT:
        raise SurveyError(_("This questionnaire is already published."))
    if not questionnaire.questions:
        raise SurveyError(_("Add at least one question before publishing."))
    questionnaire.status = QuestionnaireStatus.OPEN.value
    db.session.flush()


def close(questionnaire: Questionnaire) -> None:
    if questionnaire.status != QuestionnaireStatus.OPEN:
        raise SurveyError(_("Only a published questionnaire can be closed."))
    questionnaire.status = QuestionnaireStatus.CLOSED.value
    db.session.flush()


def delete_questionnaire(questionnaire: Questionnaire) -> None:
    db.session.delete(questionnaire)
    db.session.flush()


# --- questionnaires sent with a course (course packages) ---------------------------------

# What a course package may carry (courses/course.schema.json says the same).
MAX_COURSE_QUESTIONNAIRES = 10
MAX_PACKAGE_QUESTIONS = 100


@dataclass(frozen=True)
class QuestionSpec:
    kind: QuestionKind
    prompt: str
    options: tuple[str, ...] = ()
    is_required: bool = True


@dataclass(frozen=True)
class QuestionnaireSpec:
    """A questionnaire as a course package carries it: what it asks and of whom (title, intro,
    audience, anonymity, questions), not when it runs (dates, slips and answers stay in the
    installation that runs it)."""

    key: str
    title: str
    audience: Audience
    is_anonymous: bool
    questions: tuple[QuestionSpec, ...]
    intro: str = ""


def clean_title(title: str) -> str:
    title = (title or "").strip()
    if not title:
        raise SurveyError(_("Give the questionnaire a title."))
    if len(title) > 200:
        raise SurveyError(_("The title is too long (at most 200 characters)."))
    return title


def question_spec(kind: str, prompt: str, options: list[str] = (), is_required: bool = True) -> QuestionSpec:
    """A checked question (SurveyError names what is wrong), as add_question would store it."""
    kind = QuestionKind(kind)
    return QuestionSpec(kind, clean_prompt(prompt), tuple(clean_options(kind, list(options))),
                        bool(is_required) and kind != QuestionKind.TEXT)


def spec_of(questionnaire: Questionnaire) -> QuestionnaireSpec:
    return QuestionnaireSpec(
        key=questionnaire.package_key or "", title=questionnaire.title, intro=questionnaire.intro or "",
        audience=questionnaire.audience_enum, is_anonymous=questionnaire.is_anonymous,
        questions=tuple(QuestionSpec(question.kind_enum, question.prompt, tuple(question.options or ()),
                                     question.is_required)
                        for question in questionnaire.questions))


def course_questionnaires(course) -> list[Questionnaire]:
    """The questionnaires sent with a course, in the order they were made."""
    return list(db.session.scalars(select(Questionnaire).where(Questionnaire.course_id == course.id)
                                   .order_by(Questionnaire.id)))


def _key_taken(course, key: str, questionnaire: Questionnaire | None = None) -> bool:
    statement = select(Questionnaire.id).where(Questionnaire.course_id == course.id, Questionnaire.package_key == key)
    if questionnaire is not None and questionnaire.id is not None:
        statement = statement.where(Questionnaire.id != questionnaire.id)
    return db.session.scalar(statement.limit(1)) is not None


def set_course(questionnaire: Questionnaire, course) -> None:
    """Send the questionnaire with the package of a course of its own unit (None: with none).

    The key it travels under is random, so keys made by different installations do not meet,
    and kept once given, so a package exported again updates the same questionnaire where it
    was imported before."""
    if course is None:
        questionnaire.course_id = None
        db.session.flush()
        return
    if questionnaire.appraisal_year is not None:
        raise SurveyError(_("A democratic appraisal names the branch's members; it cannot travel with a course."))
    if course.owner_unit_id != questionnaire.unit_id:
        raise SurveyError(_("A questionnaire travels only with a course of its own unit."))
    if questionnaire.course_id != course.id:
        if len(course_questionnaires(course)) >= MAX_COURSE_QUESTIONNAIRES:
            raise SurveyError(_("A course carries at most %(n)d questionnaires.", n=MAX_COURSE_QUESTIONNAIRES))
        if len(questionnaire.questions) > MAX_PACKAGE_QUESTIONS:
            raise SurveyError(_("A questionnaire sent with a course has at most %(n)d questions.",
                                n=MAX_PACKAGE_QUESTIONS))
    if questionnaire.package_key is None or _key_taken(course, questionnaire.package_key, questionnaire):
        questionnaire.package_key = f"q-{secrets.token_hex(6)}"
    questionnaire.course_id = course.id
    db.session.flush()


def receive_with_course(course, spec: QuestionnaireSpec, *, account: Account | None = None,
                        may_update: bool = True) -> tuple[Questionnaire, str]:
    """Create or update the questionnaire a course package brings, as a questionnaire of the
    course's owner unit, matched by course, unit and key.

    Returns the questionnaire and what happened: "created" and "updated" leave a draft for an
    organiser to date and publish; "unchanged"; "kept" when it differs but is already published
    here (people may have answered it, so it is not changed under them), or when the importer
    may not change questionnaires (`may_update` False: they may still bring new drafts).
    A questionnaire deleted or unlinked here comes back as a new draft on the next import.
    """
    questionnaire = db.session.scalar(select(Questionnaire).where(
        Questionnaire.course_id == course.id, Questionnaire.unit_id == course.owner_unit_id,
        Questionnaire.package_key == spec.key).order_by(Questionnaire.id).limit(1))
    if questionnaire is not None and spec_of(questionnaire) == spec:
        return questionnaire, "unchanged"
    if questionnaire is not None and (questionnaire.status != QuestionnaireStatus.DRAFT or not may_update):
        return questionnaire, "kept"
    if questionnaire is None and _key_taken(course, spec.key):
        raise SurveyError(_("Another unit's questionnaire of this course already has the key %(key)s.", key=spec.key))
    action = "updated"
    if questionnaire is None:
        questionnaire = create_questionnaire(unit=course.owner_unit, title=spec.title, audience=spec.audience,
                                             is_anonymous=spec.is_anonymous, intro=spec.intro, created_by=account)
        questionnaire.course_id, questionnaire.package_key = course.id, spec.key
        action = "created"
    else:
        update_questionnaire(questionnaire, title=spec.title, audience=spec.audience, is_anonymous=spec.is_anonymous,
                             intro=spec.intro, opens_at=questionnaire.opens_at, closes_at=questionnaire.closes_at)
        questionnaire.questions.clear()
        db.session.flush()
    for question in spec.questions:
        add_question(questionnaire, kind=question.kind, prompt=question.prompt, options=list(question.options),
                     is_required=question.is_required)
    return questionnaire, action


# --- slip codes ---------------------------------------------------------------------------

def normalise_code(code: str) -> str:
    return "".join((code or "").split()).replace("-", "").upper()


def _code_hash(code: str) -> str:
    # Codes are random and single-use; the hash only keeps a database dump from spending them.
    return hashlib.sha256(("survey-slip:" + normalise_code(code)).encode()).hexdigest()


def issue_slip_codes(questionnaire: Questionnaire, unit: Unit, count: int,
                     group: RespondentGroup = RespondentGroup.VILLAGER) -> list[str]:
    """`count` fresh one-time codes whose answers count for `unit` (in the questionnaire's subtree).
    The codes are returned once, for printing; only their hashes are kept."""
    if questionnaire.status == QuestionnaireStatus.CLOSED:
        raise SurveyError(_("This questionnaire is closed."))
    if not questionnaire.is_anonymous:
        raise SurveyError(_("Slips are only for anonymous questionnaires."))
    if not unit.path.startswith(questionnaire.unit.path):
        raise SurveyError(_("That unit does not belong to this questionnaire."))
    if not isinstance(count, int) or not 1 <= count <= MAX_SLIPS:
        raise SurveyError(_("Print between 1 and %(n)d slips at a time.", n=MAX_SLIPS))
    codes = []
    for _number in range(count):
        code = "".join(secrets.choice(SLIP_ALPHABET) for _ in range(SLIP_LENGTH))
        codes.append(code)
        db.session.add(SlipCode(questionnaire_id=questionnaire.id, unit_id=unit.id,
                                respondent_group=RespondentGroup(group).value, code_hash=_code_hash(code)))
    db.session.flush()
    return [f"{code[:4]}-{code[4:]}" for code in codes]


def find_slip(code: str) -> SlipCode | None:
    """The unspent slip with this code, or None."""
    if len(normalise_code(code)) != SLIP_LENGTH:
        return None
    return db.session.scalar(select(SlipCode).where(SlipCode.code_hash == _code_hash(code),
                                                    SlipCode.is_spent.is_(False)))


def count_slips(questionnaire: Questionnaire) -> tuple[int, int]:
    """(issued, spent)."""
    rows = db.session.execute(select(SlipCode.is_spent).where(SlipCode.questionnaire_id == questionnaire.id)).all()
    return len(rows), sum(1 for (spent,) in rows if spent)


# --- answering ------------------------------------------------------------------------------

STATE_MESSAGES = {
    "draft": _l("This questionnaire is not open yet."),
    "not_yet": _l("This questionnaire is not open yet."),
    "closed": _l("This questionnaire is closed. Answers are no longer taken."),
}


def refusal_message(questionnaire: Questionnaire) -> str | None:
    """Why answers are refused now, for the user; None when they are taken."""
    state = questionnaire.answering_state()
    if state == "open":
        return None
    if state == "not_yet" and questionnaire.opens_at is not None:
        return _("This questionnaire opens on %(when)s.", when=_local(questionnaire.opens_at))
    return str(STATE_MESSAGES[state])


def _local(moment: datetime) -> str:
    return as_utc(moment).astimezone(local_zone()).strftime("%Y-%m-%d %H:%M")


def person_may_answer(questionnaire: Questionnaire, person: Person | None) -> bool:
    """Whether a person answers this questionnaire with their own login (phone)."""
    if person is None or questionnaire.audience_enum == Audience.SESSION:
        return False
    if not person.unit.path.startswith(questionnaire.unit.path):
        return False
    group = group_of(person)
    if questionnaire.audience_enum == Audience.MEMBERS:
        return group == RespondentGroup.MEMBER
    return group == RespondentGroup.VILLAGER


def has_answered(questionnaire: Questionnaire, person: Person) -> bool:
    """Named questionnaires only: anonymous ones keep no trace of who answered."""
    return db.session.scalar(select(SurveyResponse.id).where(SurveyResponse.questionnaire_id == questionnaire.id,
                                                       SurveyResponse.person_id == person.id)) is not None


@dataclass
class AnswerSet:
    """Validated answers, ready to store: question id -> (choices, rating, text)."""
    values: dict[int, tuple[list | None, int | None, str | None]]


def validate_answers(questionnaire: Questionnaire, raw: dict[int, object],
                     only: SurveyQuestion | None = None) -> AnswerSet:
    """`raw` maps question id to: an option index (single), a list of option indexes (multiple;
    ranking: every option once, best first), 1-5 (rating), true/false (yes/no), text (text)."""
    values = {}
    for question in [only] if only is not None else questionnaire.questions:
        value = raw.get(question.id)
        number = question.position
        kind = question.kind_enum
        if value is None or value == "" or value == []:
            if question.is_required:
                raise SurveyError(_("Please answer question %(n)d.", n=number))
            continue
        bad = SurveyError(_("The answer to question %(n)d is not one of its choices.", n=number))
        if kind == QuestionKind.SINGLE:
            if not _is_index(value, question):
                raise bad
            values[question.id] = ([value], None, None)
        elif kind == QuestionKind.MULTIPLE:
            if not isinstance(value, list) or not all(_is_index(v, question) for v in value) \
                    or len(set(value)) != len(value):
                raise bad
            values[question.id] = (sorted(value), None, None)
        elif kind == QuestionKind.RANKING:
            if not isinstance(value, list) or sorted(value) != list(range(len(question.options))) \
                    or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
                raise SurveyError(_("Question %(n)d: give every option its own place.", n=number))
            values[question.id] = (list(value), None, None)
        elif kind == QuestionKind.RATING:
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
                raise bad
            values[question.id] = (None, value, None)
        elif kind == QuestionKind.YES_NO:
            if not isinstance(value, bool):
                raise bad
            values[question.id] = (None, 1 if value else 0, None)
        else:
            if not isinstance(value, str):
                raise bad
            text = value.strip()
            if len(text) > MAX_TEXT_CHARS:
                raise SurveyError(_("Question %(n)d: at most %(max)d characters.", n=number, max=MAX_TEXT_CHARS))
            if text:
                values[question.id] = (None, None, text)
    return AnswerSet(values)


def _is_index(value, question: SurveyQuestion) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(question.options)


def _store(questionnaire: Questionnaire, answers: AnswerSet, *, unit_id: int, group: RespondentGroup,
           channel: Channel, person: Person | None) -> SurveyResponse:
    response = SurveyResponse(questionnaire_id=questionnaire.id, unit_id=unit_id, respondent_group=group.value,
                        channel=channel.value, person_id=None if questionnaire.is_anonymous or person is None
                        else person.id)
    for question_id, (choices, rating, text) in answers.values.items():
        response.answers.append(SurveyAnswer(question_id=question_id, choices=choices, rating=rating, text=text))
    db.session.add(response)
    db.session.flush()
    return response


def answer_as_person(questionnaire: Questionnaire, person: Person, raw: dict[int, object],
                     channel: Channel = Channel.PHONE) -> None:
    """A person answers a named questionnaire with their own login, once; the response names them.
    Anonymous questionnaires are answered with slips, which keep no trace of who answered."""
    message = refusal_message(questionnaire)
    if message:
        raise SurveyError(message)
    if not person_may_answer(questionnaire, person):
        raise SurveyError(_("This questionnaire is not for you."))
    if questionnaire.is_anonymous:
        raise SurveyError(_("This questionnaire is answered with a slip code."))
    answers = validate_answers(questionnaire, raw)
    if has_answered(questionnaire, person):
        raise SurveyError(_("You have already answered this questionnaire. Thank you."))
    _store(questionnaire, answers, unit_id=person.unit_id, group=group_of(person), channel=channel, person=person)


def invalid_code_message() -> str:
    return _("This code is not valid or has already been used.")


def answer_with_slip(questionnaire: Questionnaire, code: str, raw: dict[int, object],
                     channel: Channel = Channel.SLIP) -> None:
    """Answer once with a slip code: the code is spent and the response keeps nothing of it."""
    slip = find_slip(code)
    if slip is None or slip.questionnaire_id != questionnaire.id:
        raise SurveyError(invalid_code_message())
    message = refusal_message(questionnaire)
    if message:
        raise SurveyError(message)
    answers = validate_answers(questionnaire, raw)
    slip.is_spent = True
    _store(questionnaire, answers, unit_id=slip.unit_id, group=RespondentGroup(slip.respondent_group),
           channel=channel, person=None)
