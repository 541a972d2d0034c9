"""What every question type answers, and the page model its templates fill.

A type is one object in the registry (app.quiz.types) that knows, for questions of its kind:
the stored content (to and from the formats' ParsedQuestion), the trainer's answers field,
the learner's form values, the display order of what the learner chooses from, grading, what
a page shows before and after submission, and the names of its templates. Services,
presenters and templates ask the type; none of them branches on the type's name.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field

from flask_babel import gettext as _
from markupsafe import Markup

from app.quiz.formats import ParsedQuestion, parse_bytes
from app.quiz.formats.gift import escape, export_gift
from app.quiz.grading import FULL, Grade

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
MAX_TEXT_ANSWER = 10_000

# Posted values of one question: "" for its main field, "<i>" for sub-field i (a matching pair).
FormValues = dict[str, list[str]]


class InvalidAnswers(ValueError):
    """The trainer's answers field cannot be read (a translated message)."""


@dataclass
class OptionView:
    position: int  # 1-based display position
    text: str
    chosen: bool = False
    correct: bool | None = None  # after submission only
    feedback: str = ""  # after submission only
    value: str | None = None  # the form value; the position when None

    @property
    def letter(self) -> str:
        return LETTERS[self.position - 1] if self.position <= len(LETTERS) else str(self.position)

    @property
    def form_value(self) -> str:
        return self.value if self.value is not None else str(self.position)


@dataclass
class PairView:
    index: int
    left: str
    chosen: int | None = None  # display position of the chosen right-hand text
    correct_text: str | None = None  # after submission only
    is_correct: bool | None = None


@dataclass
class BlankView:
    """One blank of a cloze question (app.quiz.types.cloze): a text input or a choice inline."""
    index: int  # 0-based; the form field is q<position>_<index>
    kind: str  # "short", "numeric", "choice", "multi" (checkboxes, several may be ticked)
    layout: str = "dropdown"  # choice: "dropdown" (a select), "vertical" or "horizontal" (buttons)
    weight: int = 1
    size: int = 8  # a text input's width in characters
    options: list[OptionView] = field(default_factory=list)  # choice, multi, in display order
    value: str = ""  # the typed text (short, numeric)
    # after submission
    fraction: float | None = None
    feedback: str = ""
    accepted: list[str] = field(default_factory=list)

    @property
    def answer_text(self) -> str:
        chosen = [option.text for option in self.options if option.chosen]
        return "、".join(chosen) if chosen else self.value

    @property
    def is_correct(self) -> bool:
        return self.fraction is not None and self.fraction >= FULL


@dataclass
class TextPart:
    """A piece of question text (safe HTML) followed by a blank, or by nothing."""
    html: Markup
    blank: BlankView | None = None


@dataclass
class QuestionView:
    position: int
    type: str
    text: str
    html: Markup | None
    points: float
    answer_template: str | None = None
    review_template: str | None = None
    scores_points: bool = True
    graded_by_hand: bool = False
    inputmode: str | None = None  # a text answer's keyboard hint ("decimal")
    inline_text: bool = False  # the answer template shows the text itself (cloze: blanks inside it)
    parts: list[TextPart] = field(default_factory=list)  # cloze: the text cut at its blanks
    options: list[OptionView] = field(default_factory=list)
    choices: list[OptionView] = field(default_factory=list)  # matching: right-hand texts
    pairs: list[PairView] = field(default_factory=list)
    text_answer: str = ""
    answered: bool = False
    # after submission
    revealed: bool = False
    score: float | None = None
    fraction: float | None = None
    accepted: list[str] = field(default_factory=list)
    answer_feedback: str = ""  # the feedback of the answer the response matched (short answer)
    explanation: str = ""
    grader_comment: str = ""

    @property
    def is_correct(self) -> bool:
        return self.fraction is not None and self.fraction >= FULL


def original_index(order: list[int], position: str) -> int | None:
    """A posted display position (1-based) back to the original index through the stored order."""
    try:
        index = int(position) - 1
    except ValueError:
        return None
    return order[index] if 0 <= index < len(order) else None


def main_values(values: FormValues) -> list[str]:
    return [value for value in values.get("", []) if value != ""]


class QuestionType:
    """Defaults shared by the types; each type overrides what differs."""

    name: str = ""
    label = ""  # lazily translated
    # Templates under quiz/types/: the learner's inputs, the review after submission and the
    # trainer's answers field on the question form. None: the type shows nothing there.
    answer_template: str | None = "quiz/types/text_answer.html"
    review_template: str | None = "quiz/types/text_review.html"
    edit_template: str | None = "quiz/types/answers_edit.html"
    answers_hint = ""  # lazily translated: how to write the answers field
    graded_by_hand = False  # a trainer scores it after submission
    scores_points = True  # counts toward the attempt's maximum score
    text_required = True  # a question without text asks nothing
    inputmode: str | None = None
    inline_text = False  # the answer and review templates show the question text themselves
    text_in_answers = False  # parse_answers reads the answers from the text and returns the text to store
    # Display order: "never" shuffled, shuffled when the quiz "asks" for shuffled options, or "always".
    shuffle = "never"

    # --- stored content ---

    def content_from_parsed(self, parsed: ParsedQuestion) -> dict:
        """The type's keys of QuestionVersion.content from the formats' model."""
        return {}

    def fill_parsed(self, parsed: ParsedQuestion, content: dict) -> None:
        """The reverse of content_from_parsed, for export and the edit form."""

    # --- the trainer's question form ---

    def parse_answers(self, text: str, answers: str) -> ParsedQuestion:
        """A new ParsedQuestion from the form's text and answers field; InvalidAnswers if unreadable."""
        raise NotImplementedError

    def answers_for_form(self, parsed: ParsedQuestion) -> str:
        """The answers field showing the stored answers."""
        return ""

    def text_for_form(self, parsed: ParsedQuestion) -> str:
        """The text field showing the stored text."""
        return parsed.text

    # --- taking the quiz ---

    def option_count(self, content: dict) -> int:
        """How many things the stored display order permutes."""
        return 0

    def display_order(self, content: dict, rng: random.Random, *, shuffle_options: bool) -> list[int]:
        order = list(range(self.option_count(content)))
        if self.shuffle == "always" or (self.shuffle == "asks" and shuffle_options):
            rng.shuffle(order)
        return order

    def response_from_form(self, content: dict, order: list[int], values: FormValues):
        """The canonical response (see app.quiz.grading) from the posted values; None: unanswered."""
        main = main_values(values)
        text = main[0].strip()[:MAX_TEXT_ANSWER] if main else ""
        return text or None

    def grade(self, content: dict, response) -> Grade:
        raise NotImplementedError

    # --- pages ---

    def fill_view(self, view: QuestionView, content: dict, response, order: list[int]) -> None:
        """What the learner answers with: nothing that tells what is right."""
        view.text_answer = response if isinstance(response, str) else ""

    def reveal(self, view: QuestionView, content: dict, response, order: list[int]) -> None:
        """Correctness, feedback and accepted answers, after submission."""

    def answer_summary(self, parsed: ParsedQuestion) -> str:
        """A short description of a parsed question's answer, for the import preview."""
        return ""


class GiftAnswers:
    """The trainer writes the answers in GIFT syntax ("{=right ~wrong}"), read by the GIFT parser."""

    name: str
    empty_answers: str | None = None  # the GIFT block an empty field means, if any

    def parse_answers(self, text: str, answers: str) -> ParsedQuestion:
        # "// lms: grading=..." lines of the field belong before the question text.
        lines = (answers or "").strip().split("\n")
        comments = [line for line in lines if line.lstrip().startswith("//")]
        block = "\n".join(line for line in lines if not line.lstrip().startswith("//")).strip() or self.empty_answers
        if block is None:
            raise InvalidAnswers(_("Enter the answers."))
        source = "\n".join([*comments, f"{escape(text)} {block}"])
        parsed = parse_bytes(source.encode("utf-8"), format="gift")
        if parsed.errors or len(parsed.questions) != 1:
            raise InvalidAnswers(_("The answers could not be read: %(error)s",
                                   error="; ".join(error.display() for error in parsed.errors) or "?"))
        question = parsed.questions[0]
        if question.type != self.name:
            raise InvalidAnswers(_("The answers describe another question type; make a new question instead."))
        return question

    def answers_for_form(self, parsed: ParsedQuestion) -> str:
        """The GIFT answer block, after the "// lms:" line that keeps all-or-nothing grading."""
        copy = ParsedQuestion(**{**parsed.__dict__, "title": "", "category": "", "feedback": "", "text": "Q",
                                 "text_html": None, "images": [], "points": 1.0})
        text = export_gift([copy]).decode("utf-8").strip()
        start = text.find("{")
        if start < 0:
            return ""
        meta = [line for line in text[:start].split("\n") if line.startswith("// lms:")]
        return "\n".join([*meta, text[start:]])
