"""Import and export course packages (see courses/README.md).

Import creates or updates a course by slug. Each lesson is compared with what the
course already holds (text, media checksum, title-card key points, quiz
questions); unchanged lessons are kept as they are, so learners keep their
progress on them, and the course version goes up once when anything changed.
Validation happens before any write; a failure later on rolls back and removes
media files stored on the way, so a failed import changes nothing.
"""
from __future__ import annotations

import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import yaml
from flask_babel import gettext as _
from sqlalchemy import select
from flask import current_app

from app.catalog import services as catalog
from app.catalog.choices import LessonType
from app.catalog.models import Category, Course, Lesson
from app.packages.manifest import MANIFEST, CoursePackage, LessonSpec, PackageError, PackageProblem
from app.extensions import db
from app.core.permissions import can
from app.core.storage import storage_from_config
from app.quiz.formats import export
from app.quiz.models import Quiz
from app.quiz.services import questions_for_export
from app.media.probe import MediaRejected
from app.media.services import ingest_file
from app.media.titlecards import TitleCardError, render_title_cards
from app.media.services import discard_media_files
from app.quiz.models import QuestionBank
from app.quiz.services import create_bank
from app.quiz.formats import parse_bytes
from app.quiz.formats.model import ParseResult
from app.quiz.models import Question
from app.quiz.services import (QuizError, QuizSettings, add_draw, add_fixed_question, archive_question, create_quiz, import_bank_file)
from app.media.services import file_sha256
from app.survey import services as survey
from app.survey.models import QuestionKind

TITLE_CARD_PREFIX = "- "


@dataclass
class ImportReport:
    slug: str
    action: str  # created | updated | unchanged
    version: int
    course_id: int
    lessons_kept: int = 0
    lessons_changed: int = 0
    notes: list[str] = field(default_factory=list)
    # {"key", "id", "title", "action"} per questionnaire the package brings (survey.receive_with_course)
    questionnaires: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"slug": self.slug, "action": self.action, "version": self.version, "course_id": self.course_id,
                "lessons_kept": self.lessons_kept, "lessons_changed": self.lessons_changed, "notes": self.notes,
                "questionnaires": self.questionnaires}


def key_points_markdown(points: list[str]) -> str:
    """Generated video lessons keep their key points as the lesson text (shown under the video)."""
    return "\n".join(TITLE_CARD_PREFIX + point.strip() for point in points)


def key_points_from(markdown: str) -> list[str]:
    return [line[len(TITLE_CARD_PREFIX):].strip() for line in markdown.splitlines()
            if line.startswith(TITLE_CARD_PREFIX)]


def _problem(message: str, line: int | None = None) -> PackageError:
    return PackageError([PackageProblem(MANIFEST, line, message)])


class _Importer:
    def __init__(self, package: CoursePackage, owner_unit, account):
        self.package = package
        self.owner_unit = owner_unit
        self.account = account
        self.stored_media: list = []
        self.notes: list[str] = []

    # -- media --------------------------------------------------------------------------
    def _ingest(self, path: Path, original_name: str, *, consume: bool, generated: bool = False):
        try:
            media = ingest_file(path, original_name=original_name, owner_unit=self.owner_unit,
                                uploaded_by=self.account, consume=consume)
        except MediaRejected as rejected:
            raise _problem(f"{original_name}: {rejected.message}") from None
        media.generated = generated
        self.stored_media.append(media)
        return media

    def _title_card_media(self, spec: LessonSpec):
        workdir = Path(tempfile.mkdtemp(prefix="lms-cards-"))
        try:
            output = workdir / "title-cards.mp4"
            try:
                render_title_cards(self.package.title, spec.key_points, output)
            except TitleCardError as error:
                raise _problem(_("The key-point video could not be made: %(reason)s", reason=str(error)),
                               spec.line) from None
            return self._ingest(output, f"{self.package.title}：{spec.title}.mp4", consume=True, generated=True)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

    def cleanup_stored_media(self) -> None:
        for media in self.stored_media:
            discard_media_files(media)

    # -- lessons ------------------------------------------------------------------------
    def lesson_matches(self, lesson: Lesson, spec: LessonSpec) -> bool:
        if lesson.type != spec.type or lesson.title != spec.title or lesson.required != spec.required:
            return False
        if spec.min_seconds is not None and lesson.min_seconds != spec.min_seconds:
            return False
        if spec.type == LessonType.TEXT:
            return lesson.body_markdown == self.package.read_text(spec.source)
        if spec.type == LessonType.QUIZ:
            return self._quiz_matches(lesson, spec)
        media = lesson.media
        if media is None:
            return False
        if spec.generate == "title_cards":
            return media.generated and lesson.body_markdown == key_points_markdown(spec.key_points)
        if spec.source:
            return not media.generated and media.sha256 == file_sha256(self.package.root / spec.source)
        return False

    def build_lesson(self, course: Course, spec: LessonSpec) -> Lesson | None:
        kind = LessonType(spec.type)
        extra = {"min_seconds": spec.min_seconds} if spec.min_seconds is not None else {}
        if kind == LessonType.TEXT:
            return catalog.add_lesson(course, type=kind, title=spec.title, required=spec.required,
                                      body_markdown=self.package.read_text(spec.source), **extra)
        if kind == LessonType.QUIZ:
            lesson = catalog.add_lesson(course, type=kind, title=spec.title, required=spec.required, **extra)
            self._build_quiz(course, lesson, spec)
            return lesson
        if spec.fetch:
            self.notes.append(_("%(title)s: the media is fetched separately; the lesson was left out.",
                                title=spec.title))
            return None
        if spec.generate == "title_cards":
            media = self._title_card_media(spec)
            body = key_points_markdown(spec.key_points)
        else:
            media = self._ingest(self.package.root / spec.source, Path(spec.source).name, consume=False)
            body = ""
        if media.kind != kind.value:
            raise _problem(_("%(path)s is not a %(kind)s file.", path=spec.source or spec.title, kind=kind.label),
                           spec.line)
        return catalog.add_lesson(course, type=kind, title=spec.title, media=media, body_markdown=body,
                                  required=spec.required, **extra)

    # -- quiz ---------------------------------------------------------------------------
    def _bank(self, course: Course, create: bool):
        name = _("Course quiz: %(slug)s", slug=course.slug)
        bank = db.session.scalar(select(QuestionBank).where(QuestionBank.unit_id == course.owner_unit_id,
                                                            QuestionBank.name == name))
        if bank is None and create:
            bank = create_bank(name=name, unit=course.owner_unit, created_by=self.account)
        return bank

    def _quiz_of(self, lesson: Lesson):
        return db.session.scalar(select(Quiz).where(Quiz.lesson_id == lesson.id))

    def _package_questions(self, spec: LessonSpec):
        result = parse_bytes(self.package.read_bytes(spec.source), filename=Path(spec.source).name)
        return result.questions

    @staticmethod
    def _comparable(questions) -> list[dict]:
        report = ParseResult(list(questions), []).to_report()["questions"]
        for question in report:
            question.pop("category", None)  # the bank files everything under the course
        return report

    def _quiz_matches(self, lesson: Lesson, spec: LessonSpec) -> bool:
        quiz = self._quiz_of(lesson)
        bank = self._bank(lesson.course, create=False)
        if quiz is None or bank is None:
            return False
        if quiz.pass_mark != float(spec.pass_mark if spec.pass_mark is not None else 60):
            return False
        draws = [slot.draw_count for slot in quiz.slots if slot.bank_id is not None]
        if (draws[0] if draws else None) != spec.draw:
            return False
        return self._comparable(questions_for_export(bank)) == self._comparable(self._package_questions(spec))

    def _build_quiz(self, course: Course, lesson: Lesson, spec: LessonSpec) -> None:
        bank = self._bank(course, create=True)
        for question in db.session.scalars(select(Question).where(Question.bank_id == bank.id,
                                                                  Question.is_archived.is_(False))):
            archive_question(question)  # old attempts keep their versions
        outcome = import_bank_file(bank, self.package.read_bytes(spec.source), filename=Path(spec.source).name,
                                   account=self.account)
        if outcome.result.errors or outcome.refused:
            raise PackageError([PackageProblem(spec.source, None, error.display()) for error in outcome.result.errors]
                               or [PackageProblem(spec.source, None, _("The quiz file holds no questions."))])
        pass_mark = float(spec.pass_mark if spec.pass_mark is not None else 60)
        try:
            quiz = create_quiz(course, QuizSettings(title=spec.title, pass_mark=pass_mark), lesson=lesson)
            if spec.draw:
                add_draw(quiz, bank, None, spec.draw)
            else:
                for question in outcome.questions:
                    add_fixed_question(quiz, question)
        except QuizError as error:
            raise _problem(f"{spec.source}: {error}", spec.line) from None

    # -- the course -----------------------------------------------------------------------
    def run(self) -> ImportReport:
        package = self.package
        category = db.session.scalar(select(Category).where(Category.code == package.category))
        if category is None:
            raise _problem(_("Unknown category %(code)s.", code=package.category))
        course = db.session.scalar(select(Course).where(Course.slug == package.slug))
        fields = dict(title=package.title, summary=package.summary, category=category,
                      credit_hours=package.credit_hours, tags=package.tags,
                      audience_categories=package.audience_categories,
                      audience_cadre_roles=package.audience_cadre_roles)
        created = course is None
        if created:
            course = catalog.create_course(slug=package.slug, owner_unit=self.owner_unit, created_by=self.account,
                                           **fields)
            version_before = package.version
            changed = True
        else:
            version_before = course.version
            changed = catalog.update_course(course, **fields)

        existing = list(course.lessons)
        kept: list[Lesson] = []
        report = ImportReport(slug=package.slug, action="", version=0, course_id=course.id)
        for index, spec in enumerate(package.lessons):
            current = existing[index] if index < len(existing) else None
            if current is not None and self.lesson_matches(current, spec):
                kept.append(current)
                report.lessons_kept += 1
                continue
            lesson = self.build_lesson(course, spec)
            report.lessons_changed += 1
            changed = True
            if lesson is not None:
                kept.append(lesson)
        for lesson in list(course.lessons):
            if lesson not in kept:
                catalog.remove_lesson(lesson)
                changed = True
        for position, lesson in enumerate(kept, start=1):
            lesson.position = position
        course.lessons.sort(key=lambda lesson: lesson.position)
        # The services bump a published course's version on every step; one import is one change.
        course.version = version_before if created else version_before + (1 if changed else 0)
        db.session.flush()
        report.action = "created" if created else ("updated" if changed else "unchanged")
        report.version = course.version
        report.questionnaires = self._receive_questionnaires(course)
        report.notes = self.notes
        return report

    def _receive_questionnaires(self, course: Course) -> list[dict]:
        """The package's questionnaires become drafts of the course's owner here: the organiser
        dates and publishes them (a questionnaire does not change the course's version)."""
        received = []
        # Those who manage courses but not questionnaires (trainers) bring new drafts; they do not
        # rewrite the drafts an organiser may be preparing.
        may_update = self.account is None or can(self.account, "manage_questionnaires")
        for spec in self.package.questionnaires:
            try:
                questionnaire, action = survey.receive_with_course(course, spec, account=self.account,
                                                                   may_update=may_update)
            except survey.SurveyError as error:
                raise _problem(f"{spec.title}: {error}") from None
            if action in ("created", "updated"):
                self.notes.append(_("Questionnaire %(title)s is a draft: an organiser sets its dates and publishes it.",
                                    title=spec.title))
            elif action == "kept":
                self.notes.append(_("Questionnaire %(title)s was already here and was left as it is (published, or "
                                    "only an organiser may change it).", title=spec.title))
            received.append({"key": spec.key, "id": questionnaire.id, "title": questionnaire.title, "action": action})
        return received


def import_package(package: CoursePackage, *, owner_unit, account=None) -> ImportReport:
    """Create or update the course of a validated package. Flushes; the caller commits.

    On failure the caller must roll back; media files stored on the way are removed here.
    """
    importer = _Importer(package, owner_unit, account)
    try:
        return importer.run()
    except Exception:
        importer.cleanup_stored_media()
        raise


# --- export ------------------------------------------------------------------------------

def _number(value: Decimal) -> float | int:
    return int(value) if value == value.to_integral() else float(value)


def export_course(course: Course, destination: Path) -> Path:
    """Write the course as a package folder (or a .zip when destination ends in .zip)."""
    if destination.suffix == ".zip":
        with tempfile.TemporaryDirectory(prefix="lms-export-") as workdir:
            folder = export_course(course, Path(workdir) / course.slug)
            with zipfile.ZipFile(destination, "w", zipfile.ZIP_DEFLATED) as bundle:
                for path in sorted(folder.rglob("*")):
                    if path.is_file():
                        bundle.write(path, f"{course.slug}/{path.relative_to(folder).as_posix()}")
        return destination

    if destination.exists() and any(destination.iterdir()):
        raise _problem(_("%(path)s is not empty.", path=str(destination)))
    (destination / "lessons").mkdir(parents=True, exist_ok=True)
    storage = storage_from_config(current_app.config)
    lessons = []
    for index, lesson in enumerate(course.lessons, start=1):
        entry: dict = {"type": lesson.type, "title": lesson.title}
        if not lesson.required:
            entry["required"] = False
        if lesson.min_seconds != 60:
            entry["min_seconds"] = lesson.min_seconds
        if lesson.type == LessonType.TEXT:
            entry["source"] = f"lessons/{index:02d}.md"
            (destination / entry["source"]).write_text(lesson.body_markdown, encoding="utf-8")
        elif lesson.type == LessonType.QUIZ:
            entry.update(_export_quiz(course, lesson, destination))
        elif lesson.media is not None and lesson.media.generated:
            entry["generate"] = "title_cards"
            entry["key_points"] = key_points_from(lesson.body_markdown)
        elif lesson.media is not None and lesson.media.source_key:
            suffix = Path(lesson.media.original_name).suffix.lower() or ".bin"
            entry["source"] = f"media/{index:02d}{suffix}"
            (destination / "media").mkdir(exist_ok=True)
            shutil.copyfile(storage.path_for(lesson.media.source_key), destination / entry["source"])
        else:
            entry["fetch"] = "separately"
        lessons.append(entry)
    manifest = {
        "slug": course.slug, "title": course.title, "summary": course.summary, "category": course.category.code,
        "tags": course.tags,
        "audience": {"categories": [r.value for r in course.audience_rows if r.kind == "category"],
                     "cadre_roles": [r.value for r in course.audience_rows if r.kind == "cadre_role"]},
        "credit_hours": _number(course.credit_hours), "version": course.version, "lessons": lessons,
    }
    questionnaires = [_questionnaire_entry(survey.spec_of(questionnaire))
                      for questionnaire in survey.course_questionnaires(course)]
    if questionnaires:
        manifest["questionnaires"] = questionnaires
    (destination / MANIFEST).write_text(yaml.safe_dump(manifest, allow_unicode=True, sort_keys=False),
                                        encoding="utf-8")
    return destination


def _export_quiz(course: Course, lesson: Lesson, destination: Path) -> dict:
    quiz = db.session.scalar(select(Quiz).where(Quiz.lesson_id == lesson.id))
    bank = _Importer(None, course.owner_unit, None)._bank(course, create=False)  # type: ignore[arg-type]
    if quiz is None or bank is None:
        return {"fetch": "separately"}
    (destination / "quiz.gift").write_bytes(export(questions_for_export(bank), "gift"))
    entry = {"source": "quiz.gift", "pass_mark": _number(Decimal(str(quiz.pass_mark)))}
    draws = [slot.draw_count for slot in quiz.slots if slot.bank_id is not None]
    if draws:
        entry["draw"] = draws[0]
    return entry


def _questionnaire_entry(spec: survey.QuestionnaireSpec) -> dict:
    entry: dict = {"key": spec.key, "title": spec.title}
    if spec.intro:
        entry["intro"] = spec.intro
    entry.update({"audience": spec.audience.value, "anonymous": spec.is_anonymous, "questions": []})
    for question in spec.questions:
        item: dict = {"kind": question.kind.value, "text": question.prompt}
        if question.options:
            item["options"] = list(question.options)
        if not question.is_required and question.kind != QuestionKind.TEXT:  # text is always optional
            item["required"] = False
        entry["questions"].append(item)
    return entry
