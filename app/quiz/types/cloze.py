"""Cloze (Moodle's "embedded answers", multianswer): blanks inside the text, each a typed
answer (short or numeric), a choice (one option) or a multiple response (checkboxes, several
options), graded per blank by its weight.

Stored content: {"blanks": [{"kind", "weight", "case_sensitive", "layout", "shuffle",
"answers": [{"text", "fraction", "feedback", "tolerance"}]}]}; the version's text and
text_html hold the marker {#n} where blank n stands (app.quiz.formats.cloze reads and writes
the syntax). The stored display order is one list for all choice and multi blanks, each blank's
options in its own slice (shuffled only for Moodle's shuffled types, MCS, MRS and the like). The response
is a list, one value per blank (app.quiz.grading).
"""
from __future__ import annotations

import random

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from app.quiz import grading
from app.quiz.formats import ParsedQuestion
from app.quiz.formats.cloze import MARKER_RE, ClozeRefused, embed_blanks, extract_blanks
from app.quiz.formats.messages import message
from app.quiz.formats.model import ParsedBlank, ParsedBlankAnswer
from app.quiz.types.base import (
    MAX_TEXT_ANSWER, BlankView, InvalidAnswers, OptionView, QuestionType, QuestionView, TextPart, original_index,
)

MAX_BLANK_ANSWER = 500
OPTION_KINDS = ("choice", "multi")  # blanks with options (shown in the display order)


def blanks_content(blanks: list[ParsedBlank]) -> list[dict]:
    return [{"kind": b.kind, "weight": b.weight, "case_sensitive": b.case_sensitive, "layout": b.layout,
             "shuffle": b.shuffle,
             "answers": [{"text": a.text, "fraction": a.fraction, "feedback": a.feedback, "tolerance": a.tolerance}
                         for a in b.answers]}
            for b in blanks]


def blanks_parsed(content: dict) -> list[ParsedBlank]:
    return [ParsedBlank(b["kind"], [ParsedBlankAnswer(a["text"], a["fraction"], a.get("feedback", ""),
                                                      a.get("tolerance", 0.0)) for a in b["answers"]],
                        weight=b.get("weight", 1), case_sensitive=b.get("case_sensitive", False),
                        layout=b.get("layout", "dropdown"), shuffle=b.get("shuffle", False))
            for b in content.get("blanks", [])]


def _slices(content: dict) -> list[tuple[int, int]]:
    """(offset, count) of each blank's options in the flat display order (count 0: typed)."""
    slices, offset = [], 0
    for blank in content.get("blanks", []):
        count = len(blank["answers"]) if blank["kind"] in OPTION_KINDS else 0
        slices.append((offset, count))
        offset += count
    return slices


def _blank_order(order: list[int], offset: int, count: int) -> list[int]:
    """One blank's display order as indexes into its own options."""
    local = [index - offset for index in order[offset:offset + count]]
    return local if sorted(local) == list(range(count)) else list(range(count))


def _accepted(blank: dict) -> list[str]:
    if blank["kind"] == "multi":  # every option worth something is one to tick
        return [answer["text"] for answer in blank["answers"] if answer["fraction"] > 0]
    texts = []
    for answer in blank["answers"]:
        if answer["fraction"] < grading.FULL or answer["text"] == "*":
            continue
        tolerance = answer.get("tolerance", 0.0)
        texts.append(f"{answer['text']} ± {tolerance:g}" if blank["kind"] == "numeric" and tolerance else answer["text"])
    return texts


def _numbered(match) -> str:
    return f"({match.group(1)})____"


class Cloze(QuestionType):
    name = "cloze"
    label = _l("Cloze (fill in the blanks)")
    answer_template = "quiz/types/cloze_answer.html"
    review_template = "quiz/types/cloze_review.html"
    edit_template = "quiz/types/cloze_edit.html"
    answers_hint = _l("Write the blanks into the question text, as in Moodle: {1:SHORTANSWER:=answer} for a typed "
                      "answer, {1:MULTICHOICE:=right~wrong} for a choice, {1:NUMERICAL:=3.14:0.01} for a number, "
                      "{1:MULTIRESPONSE:%50%right~%50%also right~%-50%wrong} for ticking several. "
                      "The number in front is the blank's marks; add #feedback after an answer.")
    inline_text = True
    text_in_answers = True

    # --- stored content ---

    def content_from_parsed(self, parsed: ParsedQuestion) -> dict:
        return {"blanks": blanks_content(parsed.blanks)}

    def fill_parsed(self, parsed: ParsedQuestion, content: dict) -> None:
        parsed.blanks = blanks_parsed(content)

    # --- the trainer's question form: the text holds the blanks in Moodle's syntax ---

    def parse_answers(self, text: str, answers: str) -> ParsedQuestion:
        try:
            marked, blanks = extract_blanks(text or "")
        except ClozeRefused as refusal:
            raise InvalidAnswers(_("The blanks could not be read: %(error)s",
                                   error=message(refusal.key, **refusal.values))) from None
        return ParsedQuestion(type=self.name, text=marked.strip(), blanks=blanks,
                              points=float(sum(blank.weight for blank in blanks)))

    def text_for_form(self, parsed: ParsedQuestion) -> str:
        """The question text as the trainer writes it: the blanks in Moodle's syntax."""
        return embed_blanks(parsed.text, parsed.blanks)

    # --- taking the quiz ---

    def option_count(self, content: dict) -> int:
        return sum(count for _offset, count in _slices(content))

    def display_order(self, content: dict, rng: random.Random, *, shuffle_options: bool) -> list[int]:
        order: list[int] = []
        for blank, (offset, count) in zip(content.get("blanks", []), _slices(content)):
            part = list(range(offset, offset + count))
            if blank.get("shuffle"):
                rng.shuffle(part)
            order.extend(part)
        return order

    def response_from_form(self, content: dict, order: list[int], values):
        response = []
        for index, (blank, (offset, count)) in enumerate(zip(content.get("blanks", []), _slices(content))):
            raw = [value for value in values.get(str(index), []) if value.strip()]
            if not raw:
                response.append(None)
            elif blank["kind"] == "choice":
                response.append(original_index(_blank_order(order, offset, count), raw[0]))
            elif blank["kind"] == "multi":
                local = _blank_order(order, offset, count)
                chosen = sorted({index for index in (original_index(local, value) for value in raw) if index is not None})
                response.append(chosen or None)
            else:
                response.append(raw[0].strip()[:min(MAX_BLANK_ANSWER, MAX_TEXT_ANSWER)])
        return response if any(value is not None for value in response) else None

    def grade(self, content: dict, response) -> grading.Grade:
        return grading.grade_cloze(content, response)

    # --- pages ---

    def fill_view(self, view: QuestionView, content: dict, response, order: list[int]) -> None:
        values = response if isinstance(response, list) else []
        blanks = []
        for index, (blank, (offset, count)) in enumerate(zip(content.get("blanks", []), _slices(content))):
            value = values[index] if index < len(values) else None
            item = BlankView(index=index, kind=blank["kind"], layout=blank.get("layout", "dropdown"),
                             weight=blank.get("weight", 1))
            if blank["kind"] == "multi":
                chosen = grading.chosen_blank_options(blank, value)
                item.options = [OptionView(position, blank["answers"][original]["text"], chosen=original in chosen)
                                for position, original in enumerate(_blank_order(order, offset, count), start=1)]
            elif blank["kind"] == "choice":
                item.options = [OptionView(position, blank["answers"][original]["text"], chosen=original == value)
                                for position, original in enumerate(_blank_order(order, offset, count), start=1)]
            else:
                item.value = value if isinstance(value, str) else ""
                longest = max((len(answer["text"]) for answer in blank["answers"]), default=4)
                item.size = min(30, max(6, longest + 2))
            blanks.append(item)
        source = str(view.html) if view.html else str(escape(view.text)).replace("\n", Markup("<br>"))
        view.parts = []
        position = 0
        for match in MARKER_RE.finditer(source):
            number = int(match.group(1))
            blank = blanks[number - 1] if 0 < number <= len(blanks) else None
            view.parts.append(TextPart(Markup(source[position:match.start()]), blank))
            position = match.end()
        view.parts.append(TextPart(Markup(source[position:])))
        # pages that show the text without the blanks' inputs (the group's answer page) see "(1)____"
        view.text = MARKER_RE.sub(_numbered, view.text)
        view.html = Markup(MARKER_RE.sub(_numbered, source)) if view.html else None

    def reveal(self, view: QuestionView, content: dict, response, order: list[int]) -> None:
        values = response if isinstance(response, list) else []
        fractions = grading.cloze_blank_fractions(content, response)
        items = [part.blank for part in view.parts if part.blank is not None]
        for item in items:
            blank = content["blanks"][item.index]
            value = values[item.index] if item.index < len(values) else None
            item.fraction = fractions[item.index]
            item.accepted = _accepted(blank)
            if blank["kind"] == "multi":  # the feedback of each option ticked, on the option
                offset, count = _slices(content)[item.index]
                for option, original in zip(item.options, _blank_order(order, offset, count)):
                    answer = blank["answers"][original]
                    option.correct = answer["fraction"] > 0
                    option.feedback = answer.get("feedback", "") if option.chosen else ""
                continue
            answer = grading.blank_answer(blank, value)
            item.feedback = answer.get("feedback", "") if answer else ""
            for option in item.options:
                option.correct = option.text in item.accepted
        view.accepted = [f"({item.index + 1}) {' / '.join(item.accepted)}" for item in items]

    def answer_summary(self, parsed: ParsedQuestion) -> str:
        return " | ".join((" + " if blank.kind == "multi" else " / ").join(
            answer.text for answer in blank.answers
            if (answer.fraction > 0 if blank.kind == "multi" else answer.fraction >= grading.FULL))
            for blank in parsed.blanks)
