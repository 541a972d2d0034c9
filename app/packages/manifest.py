"""Course packages on disk: load and validate a folder, extract a zip safely.

A package is a folder with course.yaml (see courses/README.md and
courses/course.schema.json), Markdown lessons, optional media, a quiz file and the
questionnaires sent with the course.
`load_package()` reports every problem at once, each with its file and line, and
raises PackageError; nothing here touches the database. Import into the catalog
lives in app.packages.services.
"""
from __future__ import annotations

import json
import shutil
import stat
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path, PurePosixPath

import yaml
from flask_babel import gettext as _
from app.quiz.formats import parse_bytes
from app.survey.models import Audience
from app.survey.services import QuestionnaireSpec, SurveyError, clean_title, question_spec

SCHEMA_PATH = Path(__file__).resolve().parent.parent.parent / "courses" / "course.schema.json"
MANIFEST = "course.yaml"
# Parsing is bounded by the input: at most 256 KB, nested at most MAX_YAML_DEPTH levels, and no
# anchors or aliases (nine levels of aliases in 472 bytes expand to hundreds of millions of
# nodes), so loading and checking a manifest takes milliseconds and a few MB whatever it holds.
MAX_MANIFEST_BYTES = 256 * 1024
MAX_YAML_DEPTH = 20
MAX_TEXT_LESSON_BYTES = 512 * 1024
MAX_QUIZ_BYTES = 5 * 1024 * 1024
# Zip limits: a course is a few Markdown files and at most a few videos.
MAX_ZIP_FILES = 500
MAX_ZIP_TOTAL_BYTES = 4 * 1024 * 1024 * 1024
MAX_ZIP_RATIO = 200  # uncompressed/compressed beyond this is a bomb, not a course


@dataclass
class PackageProblem:
    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"

    def as_dict(self) -> dict:
        return {"file": self.file, "line": self.line, "message": self.message}


class PackageError(Exception):
    def __init__(self, problems: list[PackageProblem]):
        super().__init__("; ".join(str(problem) for problem in problems))
        self.problems = problems


@dataclass
class LessonSpec:
    type: str
    title: str
    line: int | None
    source: str | None = None
    required: bool = True
    generate: str | None = None
    key_points: list[str] = field(default_factory=list)
    fetch: str | None = None
    pass_mark: float | None = None
    draw: int | None = None
    min_seconds: int | None = None


@dataclass
class CoursePackage:
    root: Path
    slug: str
    title: str
    summary: str
    category: str
    tags: list[str]
    audience_categories: list[str]
    audience_cadre_roles: list[str]
    credit_hours: Decimal
    version: int
    lessons: list[LessonSpec]
    # Questionnaires sent with the course (app.survey): created as drafts where it is imported.
    questionnaires: list[QuestionnaireSpec] = field(default_factory=list)

    def read_text(self, relative: str) -> str:
        return (self.root / relative).read_text(encoding="utf-8")

    def read_bytes(self, relative: str) -> bytes:
        return (self.root / relative).read_bytes()


class ManifestRefused(yaml.YAMLError):
    """course.yaml uses something the loader refuses (an alias, an anchor, deep nesting, a
    number that is not finite); `problem` is the user's message, `problem_mark` where."""

    def __init__(self, problem: str, mark):
        super().__init__(problem)
        self.problem, self.problem_mark = problem, mark


class ManifestLoader(yaml.SafeLoader):
    """SafeLoader that refuses anchors and aliases, nesting deeper than MAX_YAML_DEPTH and
    .inf/.nan, while composing: nothing is ever expanded."""

    def __init__(self, stream):
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise ManifestRefused(_("YAML anchors (&) and aliases (*) are not allowed in course.yaml; "
                                    "write the content out in full."), event.start_mark)
        if self._depth >= MAX_YAML_DEPTH:
            raise ManifestRefused(_("course.yaml is nested more than %(n)s levels deep.", n=MAX_YAML_DEPTH),
                                  event.start_mark)
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_yaml_float(self, node):
        value = super().construct_yaml_float(node)
        if value != value or value in (float("inf"), float("-inf")):
            raise ManifestRefused(_("Numbers in course.yaml must be ordinary numbers (not .inf or .nan)."),
                                  node.start_mark)
        return value


ManifestLoader.add_constructor("tag:yaml.org,2002:float", ManifestLoader.construct_yaml_float)


def _compose_manifest(text: str):
    """(root node, data) of course.yaml, composed once with ManifestLoader."""
    loader = ManifestLoader(text)
    try:
        root_node = loader.get_single_node()
        return root_node, (loader.construct_document(root_node) if root_node is not None else None)
    finally:
        loader.dispose()


def _schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def _schema_message(error) -> str:
    """A Chinese sentence for a JSON Schema violation (the library's own text is English)."""
    value = error.validator_value
    messages = {
        "required": lambda: _("a required field is missing: %(fields)s",
                              fields=", ".join(f for f in value if f not in (error.instance or {}))),
        "additionalProperties": lambda: _("unknown field: %(fields)s", fields=", ".join(
            sorted(str(key) for key in set(error.instance) - set(error.schema.get("properties", {}))))),
        "type": lambda: _("must be of type %(type)s", type=value),
        "enum": lambda: _("must be one of: %(values)s", values=", ".join(map(str, value))),
        "pattern": lambda: _("has characters that are not allowed"),
        "multipleOf": lambda: _("must be a multiple of %(n)s", n=value),
        "minimum": lambda: _("must be at least %(n)s", n=value),
        "exclusiveMinimum": lambda: _("must be more than %(n)s", n=value),
        "maximum": lambda: _("must be at most %(n)s", n=value),
        "minLength": lambda: _("must not be empty"),
        "maxLength": lambda: _("is longer than %(n)s characters", n=value),
        "minItems": lambda: _("needs at least %(n)s entries", n=value),
        "maxItems": lambda: _("has more than %(n)s entries", n=value),
        "oneOf": lambda: _("needs exactly one of: source, fetch, or generate with key_points"),
    }
    return messages.get(error.validator, lambda: error.message)()


def _node_line(root_node, path) -> int | None:
    """1-based line of the YAML node at a JSON path (keys and indexes), or its nearest parent."""
    node = root_node
    line = node.start_mark.line + 1 if node is not None else None
    for part in path:
        if isinstance(node, yaml.MappingNode):
            match = next((value for key, value in node.value if key.value == part), None)
            if match is None:
                break
            node = match
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            break
        line = node.start_mark.line + 1
    return line


def _inside(root: Path, relative: str) -> Path | None:
    """The file `relative` under root, refusing links and anything that escapes the folder."""
    candidate = root
    for part in PurePosixPath(relative).parts:
        if part in ("..", "/", ""):
            return None
        candidate = candidate / part
        if candidate.is_symlink():
            return None
    try:
        candidate.resolve().relative_to(root.resolve())
    except ValueError:
        return None
    return candidate


def load_package(folder: Path) -> CoursePackage:
    folder = Path(folder)
    manifest = folder / MANIFEST
    problems: list[PackageProblem] = []
    if not manifest.is_file() or manifest.is_symlink():
        raise PackageError([PackageProblem(MANIFEST, None, _("The package has no course.yaml."))])
    if manifest.stat().st_size > MAX_MANIFEST_BYTES:
        raise PackageError([PackageProblem(MANIFEST, None, _("course.yaml is too large."))])
    text = manifest.read_bytes().decode("utf-8", errors="replace")
    try:
        root_node, data = _compose_manifest(text)
    except ManifestRefused as error:
        raise PackageError([PackageProblem(MANIFEST, error.problem_mark.line + 1, error.problem)]) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise PackageError([PackageProblem(MANIFEST, mark.line + 1 if mark else None,
                                           _("course.yaml is not valid YAML: %(reason)s",
                                             reason=getattr(error, "problem", None) or str(error)))]) from None
    if not isinstance(data, dict):
        raise PackageError([PackageProblem(MANIFEST, 1, _("course.yaml must describe one course."))])

    from jsonschema import Draft202012Validator  # deferred: ~50 ms and several MiB, only when a package is read

    validator = Draft202012Validator(_schema())
    for error in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        location = "/".join(str(part) for part in error.absolute_path) or "course"
        problems.append(PackageProblem(MANIFEST, _node_line(root_node, list(error.absolute_path)),
                                       f"{location}: {_schema_message(error)}"))
    if problems:
        raise PackageError(problems)

    lessons = []
    for index, raw in enumerate(data["lessons"]):
        line = _node_line(root_node, ["lessons", index])
        lesson = LessonSpec(type=raw["type"], title=raw["title"].strip(), line=line, source=raw.get("source"),
                            required=raw.get("required", True), generate=raw.get("generate"),
                            key_points=list(raw.get("key_points", [])), fetch=raw.get("fetch"),
                            pass_mark=raw.get("pass_mark"), draw=raw.get("draw"), min_seconds=raw.get("min_seconds"))
        problems += _check_lesson_source(folder, lesson)
        lessons.append(lesson)
    if sum(1 for lesson in lessons if lesson.type == "quiz") > 1:
        problems.append(PackageProblem(MANIFEST, _node_line(root_node, ["lessons"]),
                                       _("A course has at most one end-of-course quiz.")))
    questionnaires = []
    for index, raw in enumerate(data.get("questionnaires") or []):
        spec, found = _questionnaire(raw, root_node, index)
        problems += found
        questionnaires.append(spec)
    keys = [spec.key for spec in questionnaires]
    if len(set(keys)) != len(keys):
        problems.append(PackageProblem(MANIFEST, _node_line(root_node, ["questionnaires"]),
                                       _("Two questionnaires have the same key.")))
    if problems:
        raise PackageError(problems)
    audience = data.get("audience") or {}
    return CoursePackage(
        root=folder, slug=data["slug"], title=data["title"].strip(), summary=(data.get("summary") or "").strip(),
        category=data["category"], tags=list(data.get("tags") or []),
        audience_categories=list(audience.get("categories") or []),
        audience_cadre_roles=list(audience.get("cadre_roles") or []),
        credit_hours=Decimal(str(data["credit_hours"])), version=int(data.get("version", 1)), lessons=lessons,
        questionnaires=questionnaires,
    )


def _questionnaire(raw: dict, root_node, index: int) -> tuple[QuestionnaireSpec, list[PackageProblem]]:
    """One questionnaire of course.yaml, with the survey's own rules for its questions (the
    schema has checked the shape)."""
    problems, questions = [], []
    for number, question in enumerate(raw["questions"]):
        try:
            questions.append(question_spec(question["kind"], question["text"], question.get("options") or [],
                                           question.get("required", True)))
        except SurveyError as error:
            where = _node_line(root_node, ["questionnaires", index, "questions", number])
            problems.append(PackageProblem(MANIFEST, where, f"questionnaires/{index}/questions/{number}: {error}"))
    try:
        title = clean_title(raw["title"])
    except SurveyError as error:
        problems.append(PackageProblem(MANIFEST, _node_line(root_node, ["questionnaires", index, "title"]),
                                       f"questionnaires/{index}/title: {error}"))
        title = raw["title"]
    spec = QuestionnaireSpec(key=raw["key"], title=title, intro=(raw.get("intro") or "").strip(),
                             audience=Audience(raw["audience"]), is_anonymous=raw.get("anonymous", True),
                             questions=tuple(questions))
    return spec, problems


def _check_lesson_source(folder: Path, lesson: LessonSpec) -> list[PackageProblem]:
    if lesson.source is None:
        return []
    path = _inside(folder, lesson.source)
    if path is None:
        return [PackageProblem(MANIFEST, lesson.line, _("%(path)s points outside the package.", path=lesson.source))]
    if not path.is_file():
        return [PackageProblem(MANIFEST, lesson.line, _("%(path)s does not exist.", path=lesson.source))]
    if lesson.type == "text":
        if path.stat().st_size > MAX_TEXT_LESSON_BYTES:
            return [PackageProblem(lesson.source, None, _("The lesson file is too large."))]
        try:
            path.read_bytes().decode("utf-8")
        except UnicodeDecodeError as error:
            return [PackageProblem(lesson.source, None,
                                   _("The lesson is not UTF-8 text (byte %(n)d).", n=error.start))]
    if lesson.type == "quiz":
        return _check_quiz(lesson.source, path)
    return []


def _check_quiz(relative: str, path: Path) -> list[PackageProblem]:
    if path.stat().st_size > MAX_QUIZ_BYTES:
        return [PackageProblem(relative, None, _("The quiz file is too large."))]
    result = parse_bytes(path.read_bytes(), filename=path.name)
    problems = []
    for error in result.errors:
        line = int(error.location.split()[-1]) if error.location.startswith("line ") else None
        problems.append(PackageProblem(relative, line, error.display()))
    if not result.questions and not problems:
        problems.append(PackageProblem(relative, None, _("The quiz file holds no questions.")))
    return problems


# --- zip packages --------------------------------------------------------------

def _zip_member_problem(info: zipfile.ZipInfo) -> str | None:
    name = info.filename
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        return _("%(name)s is a link; links are not allowed in a package.", name=name)
    pure = PurePosixPath(name.replace("\\", "/"))
    if pure.is_absolute() or name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        return _("%(name)s has an absolute path.", name=name)
    if ".." in pure.parts:
        return _("%(name)s points outside the package.", name=name)
    return None


def extract_zip(archive: Path, destination: Path) -> Path:
    """Unpack a zipped package into `destination` (empty) and return the package folder.

    Refuses links, absolute or escaping paths, too many files and zip bombs before
    writing anything; sizes are counted while inflating, not taken from the headers.
    """
    try:
        bundle = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError):
        raise PackageError([PackageProblem(archive.name, None, _("The file is not a zip archive."))]) from None
    with bundle:
        members = bundle.infolist()
        if len(members) > MAX_ZIP_FILES:
            raise PackageError([PackageProblem(archive.name, None,
                                               _("The archive holds %(n)d files; at most %(max)d are allowed.",
                                                 n=len(members), max=MAX_ZIP_FILES))])
        problems = [PackageProblem(archive.name, None, problem)
                    for problem in map(_zip_member_problem, members) if problem]
        declared = sum(info.file_size for info in members)
        compressed = sum(info.compress_size for info in members) or 1
        if declared > MAX_ZIP_TOTAL_BYTES or declared / compressed > MAX_ZIP_RATIO:
            problems.append(PackageProblem(archive.name, None, _("The archive unpacks to too much data.")))
        if problems:
            raise PackageError(problems)
        destination.mkdir(parents=True, exist_ok=True)
        written = 0
        try:
            for info in members:
                target = destination / PurePosixPath(info.filename.replace("\\", "/"))
                if info.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                with bundle.open(info) as source, open(target, "wb") as sink:
                    while chunk := source.read(1024 * 1024):
                        written += len(chunk)
                        if written > min(MAX_ZIP_TOTAL_BYTES, compressed * MAX_ZIP_RATIO):
                            raise PackageError([PackageProblem(archive.name, None,
                                                               _("The archive unpacks to too much data."))])
                        sink.write(chunk)
        except PackageError:
            shutil.rmtree(destination, ignore_errors=True)
            raise
    if (destination / MANIFEST).is_file():
        return destination
    folders = [path for path in destination.iterdir() if path.is_dir()]
    if len(folders) == 1 and (folders[0] / MANIFEST).is_file():
        return folders[0]
    shutil.rmtree(destination, ignore_errors=True)
    raise PackageError([PackageProblem(archive.name, None, _("The archive has no course.yaml."))])
