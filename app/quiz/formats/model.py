"""What every question-bank parser returns and every exporter accepts.

Pure data: no Flask, no database. Parsers turn bytes into a ParseResult (questions in file
order plus errors); exporters turn a list of ParsedQuestion back into bytes.

Question types (ParsedQuestion.type) and the fields that matter for each:

    single, multiple   options (ParsedOption: text, fraction, feedback). fraction 1.0 = full
                       credit, may be negative. For "multiple", ``grading`` says how it is
                       scored: "partial" (Moodle semantics: the fractions of the chosen options
                       add up) or "all_or_nothing" (full credit only when exactly the options
                       with fraction > 0 are chosen; those options then carry 1/n each).
    truefalse          answer (bool). options holds two entries, "true" and "false", only to
                       keep per-answer feedback (fraction 1.0 on the correct one).
    short              answers (ParsedOption: accepted text, fraction, feedback); compared with
                       normalize_answer(), "*" being Moodle's wildcard (an answer "*" alone is
                       "any other answer"); the first answer that matches counts, as in Moodle.
                       case_sensitive: Moodle's <usecase>1</usecase> (case is not folded).
    numeric            answers (ParsedNumericAnswer: value, tolerance, fraction, feedback);
                       other_feedback is the feedback for any other answer (Moodle's "*"
                       answer with grade 0; GIFT's ``~#feedback``), "" when there is none.
    matching           pairs (ParsedPair: left, right); an empty left is an extra wrong choice.
    essay              graded by a trainer; grader_info holds a reference answer if any.
    description        text only, no score.
    cloze              Moodle's "embedded answers" (multianswer): text and text_html hold a
                       marker ``{#n}`` (n from 1) where blank n stands; blanks (ParsedBlank)
                       say what each blank accepts. formats/cloze.py reads and writes the
                       syntax ``{1:SHORTANSWER:=a#feedback~%50%b}``.

Every question has title (may be ""), category ("" = none; "/"-separated path), text (plain
text, markup and escapes removed), text_html (sanitised HTML or None), feedback (general
feedback, 解析), points (default 1.0), penalty (Moodle's penalty for a wrong try, or None) and
images. Images embedded in the source are ParsedImage entries; text_html refers to them
with Moodle's own placeholder ``@@PLUGINFILE@@/<name>`` as the <img src> (the name URL-quoted),
so whoever stores an image replaces that placeholder with the stored URL.

ParseResult.to_report() gives the JSON shape used by ``lms quiz import --json`` and the API:
every key of the issue's report is present on every question, set to null where it does not
apply to the type (options is null except for choice and true/false questions; answer only for
truefalse; answers only for short and numeric; pairs only for matching). Extra keys: text_html,
penalty, grading (multiple only, else null), grader_info (essay only, else null),
other_feedback (numeric only, else null), images (list of {name, mime, size}; never the
bytes) and blanks (cloze only, else null).
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

QUESTION_TYPES = ("single", "multiple", "truefalse", "short", "numeric", "matching", "essay", "description", "cloze")
CHOICE_TYPES = ("single", "multiple")
GRADING_PARTIAL = "partial"
GRADING_ALL_OR_NOTHING = "all_or_nothing"

# Limits shared by all parsers. Input beyond them is refused as a whole with a clear error.
MAX_INPUT_BYTES = 20 * 1024 * 1024
MAX_QUESTIONS = 5000
MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_AUDIO_BYTES = 10 * 1024 * 1024
MAX_IMAGES = 500
MAX_TEXT_CHARS = 100_000  # one question's text; longer is surely not a question
# Fractions are kept to 7 decimals so that Moodle's "33.33333" and 1/3 compare equal.
FRACTION_DECIMALS = 7


def normalize_answer(text: str) -> str:
    """The form two answers are compared in: full-width folded to half-width (NFKC), case
    folded, surrounding spaces (including the ideographic space) removed. The grader uses it."""
    return unicodedata.normalize("NFKC", text or "").casefold().strip()


def clean_fraction(value: float) -> float:
    fraction = round(float(value), FRACTION_DECIMALS)
    return 0.0 if fraction == 0 else fraction  # no -0.0


# The grades Moodle lets an answer carry (question_bank::fraction_options_full()), as
# fractions: 100%, 90%, 83.33333%, ... 5%, none, and the same negated. Moodle's importer
# (qformat_default::importprocess with match_grade_options in "error" mode) refuses a
# question holding any other grade, for every format; ours does the same.
MOODLE_GRADES = tuple(sorted(
    {0.0} | {sign * value for sign in (1, -1) for value in (
        1.0, 0.9, 0.8333333, 0.8, 0.75, 0.7, 0.6666667, 0.6, 0.5, 0.4, 0.3333333, 0.3,
        0.25, 0.2, 0.1666667, 0.1428571, 0.125, 0.1111111, 0.1, 0.05,
    )},
    reverse=True,
))
MOODLE_GRADE_TOLERANCE = 0.00001  # match_grade_options' "slightly fuzzy test"


def moodle_grade(fraction: float) -> float | None:
    """The grade from Moodle's list that ``fraction`` stands for, or None when Moodle would
    refuse it (e.g. 0.33: Moodle wants 33.33333%)."""
    for grade in MOODLE_GRADES:
        if abs(fraction - grade) < MOODLE_GRADE_TOLERANCE:
            return grade
    return None


def invalid_grades(fractions) -> list[float]:
    """The fractions Moodle's importer would refuse, in order, each once."""
    refused: list[float] = []
    for fraction in fractions:
        if moodle_grade(fraction) is None and fraction not in refused:
            refused.append(fraction)
    return refused


@dataclass
class ParsedOption:
    text: str
    fraction: float = 0.0
    feedback: str = ""


@dataclass
class ParsedNumericAnswer:
    value: float
    tolerance: float = 0.0
    fraction: float = 1.0
    feedback: str = ""


@dataclass
class ParsedPair:
    left: str
    right: str


@dataclass
class ParsedImage:
    """A file embedded in a question's text: an image, or audio (mime "audio/...")."""
    name: str
    mime: str
    data: bytes = field(repr=False)


@dataclass
class ParsedBlankAnswer:
    """One alternative of a cloze blank. text is the accepted text (short: may hold the
    wildcard "*"), the option's text (choice) or the number as written (numeric; "*" is any
    number)."""
    text: str
    fraction: float = 0.0
    feedback: str = ""
    tolerance: float = 0.0


@dataclass
class ParsedBlank:
    """One embedded answer of a cloze question. kind: "short", "numeric", "choice" (one option)
    or "multi" (several options, Moodle's MULTIRESPONSE); weight: Moodle's number prefix (the
    blank's marks, default 1); layout of a choice blank: "dropdown" (MC), "vertical" (MCV, MR),
    "horizontal" (MCH, MRH)."""
    kind: str
    answers: list[ParsedBlankAnswer] = field(default_factory=list)
    weight: int = 1
    case_sensitive: bool = False
    layout: str = "dropdown"
    shuffle: bool = False


@dataclass
class ParsedQuestion:
    type: str
    text: str
    title: str = ""
    category: str = ""
    text_html: str | None = None
    options: list[ParsedOption] = field(default_factory=list)
    answer: bool | None = None
    answers: list = field(default_factory=list)  # ParsedOption (short) or ParsedNumericAnswer
    pairs: list[ParsedPair] = field(default_factory=list)
    feedback: str = ""
    points: float = 1.0
    penalty: float | None = None
    grading: str | None = None
    grader_info: str = ""
    other_feedback: str = ""
    images: list[ParsedImage] = field(default_factory=list)
    blanks: list[ParsedBlank] = field(default_factory=list)
    case_sensitive: bool = False  # short only

    def to_report(self) -> dict:
        kind = self.type
        report = {
            "type": kind,
            "title": self.title,
            "category": self.category,
            "text": self.text,
            "text_html": self.text_html,
            "options": None,
            "answer": self.answer if kind == "truefalse" else None,
            "answers": None,
            "pairs": None,
            "feedback": self.feedback,
            "points": self.points,
            "penalty": self.penalty,
            "grading": self.grading if kind == "multiple" else None,
            "grader_info": self.grader_info if kind == "essay" else None,
            "other_feedback": self.other_feedback if kind == "numeric" else None,
            "images": [{"name": image.name, "mime": image.mime, "size": len(image.data)} for image in self.images],
            "blanks": None,
        }
        if kind in CHOICE_TYPES or kind == "truefalse":
            report["options"] = [
                {"text": option.text, "fraction": option.fraction, "feedback": option.feedback}
                for option in self.options
            ]
        if kind == "short":
            report["answers"] = [{"text": answer.text, "fraction": answer.fraction} for answer in self.answers]
        elif kind == "numeric":
            report["answers"] = [
                {"value": answer.value, "tolerance": answer.tolerance, "fraction": answer.fraction}
                for answer in self.answers
            ]
        if kind == "cloze":
            report["blanks"] = [
                {"kind": blank.kind, "weight": blank.weight, "case_sensitive": blank.case_sensitive,
                 "layout": blank.layout, "shuffle": blank.shuffle,
                 "answers": [{"text": a.text, "fraction": a.fraction, "feedback": a.feedback, "tolerance": a.tolerance}
                             for a in blank.answers]}
                for blank in self.blanks
            ]
        if kind == "matching":
            report["pairs"] = [{"left": pair.left, "right": pair.right} for pair in self.pairs]
        return report


@dataclass
class ParseError:
    """location is machine-readable English ("row 20", "question 7", "line 42", "file");
    message is the Chinese text shown to people."""
    location: str
    message: str

    def display(self) -> str:
        """The error as one Chinese line, e.g. "第 20 行：缺少答案"."""
        kind, _, number = self.location.partition(" ")
        where = {"row": "第 {} 行", "line": "第 {} 行", "question": "第 {} 题"}.get(kind)
        prefix = where.format(number) if where and number else "文件"
        return f"{prefix}：{self.message}"


@dataclass
class ParseResult:
    questions: list[ParsedQuestion] = field(default_factory=list)
    errors: list[ParseError] = field(default_factory=list)

    @classmethod
    def failure(cls, message: str, location: str = "file") -> "ParseResult":
        """The whole input is refused: nothing imports."""
        return cls(questions=[], errors=[ParseError(location, message)])

    def to_report(self) -> dict:
        return {
            "questions": [question.to_report() for question in self.questions],
            "errors": [{"location": error.location, "message": error.message} for error in self.errors],
        }


def single_or_multiple(options: list[ParsedOption]) -> str:
    """The choice type Moodle would give a set of fractions: one full-credit option = single."""
    full = [option for option in options if option.fraction >= 1.0]
    return "single" if len(full) == 1 else "multiple"


def split_evenly(count: int) -> float:
    return clean_fraction(1.0 / count) if count else 0.0
