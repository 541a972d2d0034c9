"""Grading: pure functions from a question's content and a learner's response to a grade.

Each question type (app.quiz.types) grades with one of these; the registry, not this module,
knows which type uses which.

Responses are stored in canonical form (original indexes, never display positions):

    single      int, index of the chosen option
    multiple    list[int] of chosen option indexes
    truefalse   bool
    short       str
    numeric     str as typed ("2.5", "２．５", "2,5")
    matching    list[str | None], the chosen right-hand text for each pair in order
    essay       str
    cloze       list, one entry per blank: str as typed (short, numeric), int index of the
                chosen option (choice), list[int] of the chosen options (multi), None for a
                blank left empty
    description (no response)

A grade's fraction is in [0, 1]: negative option fractions lower a choice score but never
below zero for the question. Essays are pending (fraction None) until a trainer grades them;
descriptions carry no score at all.
"""
from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

from app.quiz.formats import normalize_answer

FULL = 1.0 - 1e-6  # fractions are stored to 7 decimals; 3 x 0.3333333 is "full"


class GradeStatus:
    GRADED = "graded"
    PENDING = "pending"  # essay: a trainer grades it
    UNSCORED = "unscored"  # description


@dataclass(frozen=True)
class Grade:
    status: str
    fraction: float | None = None

    def score(self, points: float) -> float | None:
        return None if self.fraction is None else round(self.fraction * points, 4)

    @property
    def is_correct(self) -> bool:
        return self.fraction is not None and self.fraction >= FULL


def clamp(fraction: float) -> float:
    return min(1.0, max(0.0, fraction))


def _graded(fraction: float) -> Grade:
    return Grade(GradeStatus.GRADED, round(clamp(fraction), 7))


def grade_single(content: dict, response) -> Grade:
    options = content.get("options", [])
    if not isinstance(response, int) or isinstance(response, bool) or not 0 <= response < len(options):
        return _graded(0.0)
    return _graded(options[response]["fraction"])


def correct_option_indexes(content: dict) -> set[int]:
    return {index for index, option in enumerate(content.get("options", [])) if option["fraction"] > 0}


def grade_multiple(content: dict, response) -> Grade:
    options = content.get("options", [])
    chosen = {index for index in (response or []) if isinstance(index, int) and 0 <= index < len(options)}
    if not chosen:
        return _graded(0.0)
    if content.get("grading") == "partial":
        return _graded(sum(options[index]["fraction"] for index in chosen))
    return _graded(1.0 if chosen == correct_option_indexes(content) else 0.0)


def grade_truefalse(content: dict, response) -> Grade:
    if not isinstance(response, bool):
        return _graded(0.0)
    return _graded(1.0 if response == bool(content.get("answer")) else 0.0)


def _compared(text: str, case_sensitive: bool) -> str:
    return unicodedata.normalize("NFKC", text or "").strip() if case_sensitive else normalize_answer(text)


def wildcard_match(pattern: str, given: str, *, case_sensitive: bool = False) -> bool:
    """Moodle's shortanswer comparison (compare_string_with_wildcard): "*" in an answer stands
    for any text, "\\*" for a star; "*" alone matches every answer."""
    pattern, given = _compared(pattern, case_sensitive), _compared(given, case_sensitive)
    if pattern == "*":
        return True
    bits = re.split(r"(?<!\\)\*+", pattern)
    regexp = ".*".join(re.escape(bit.replace("\\*", "*")) for bit in bits)
    return re.fullmatch(regexp, given, re.S) is not None


def matching_short_answer(answers: list[dict], response, *, case_sensitive: bool = False) -> dict | None:
    """The first answer, in the author's order, the response matches (Moodle's
    get_matching_answer), or None. An empty response matches nothing."""
    if not isinstance(response, str) or not _compared(response, case_sensitive):
        return None
    for answer in answers:
        if wildcard_match(answer["text"], response, case_sensitive=case_sensitive):
            return answer
    return None


def grade_short(content: dict, response) -> Grade:
    answer = matching_short_answer(content.get("answers", []), response,
                                   case_sensitive=bool(content.get("case_sensitive")))
    return _graded(answer["fraction"] if answer else 0.0)


def parse_number(raw) -> float | None:
    """A number as typed: full-width digits, a decimal comma and spaces are accepted."""
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        value = float(raw)
    elif isinstance(raw, str):
        text = unicodedata.normalize("NFKC", raw).strip().replace(" ", "")
        if text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")
        try:
            value = float(text)
        except ValueError:
            return None
    else:
        return None
    return value if math.isfinite(value) else None


def best_numeric_answer(answers: list[dict], response) -> dict | None:
    """The best-graded answer whose tolerance covers the typed number, or None (then the
    question's other-answer feedback applies, Moodle's "*")."""
    value = parse_number(response)
    if value is None:
        return None
    covering = [answer for answer in answers if abs(value - answer["value"]) <= answer["tolerance"] + 1e-9]
    return max(covering, key=lambda answer: answer["fraction"], default=None)


def grade_numeric(content: dict, response) -> Grade:
    answer = best_numeric_answer(content.get("answers", []), response)
    return _graded(answer["fraction"] if answer else 0.0)


def matching_numeric_answer(answers: list[dict], response) -> dict | None:
    """The first answer the typed number is within tolerance of; "*" matches any number."""
    value = parse_number(response)
    if value is None:
        return None
    for answer in answers:
        if answer["text"] == "*":
            return answer
        expected = parse_number(answer["text"])
        if expected is not None and abs(value - expected) <= answer.get("tolerance", 0.0) + 1e-9:
            return answer
    return None


def chosen_blank_options(blank: dict, value) -> list[int]:
    """The option indexes a multiple-response blank's value chose (sorted, valid only)."""
    count = len(blank.get("answers", []))
    values = value if isinstance(value, list) else []
    return sorted({index for index in values if isinstance(index, int) and not isinstance(index, bool)
                   and 0 <= index < count})


def blank_answer(blank: dict, value) -> dict | None:
    """The alternative of a cloze blank a response value chose or matched, or None (a
    multiple-response blank: see chosen_blank_options)."""
    answers = blank.get("answers", [])
    if blank["kind"] == "multi":
        return None
    if blank["kind"] == "choice":
        ok = isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(answers)
        return answers[value] if ok else None
    if blank["kind"] == "numeric":
        return matching_numeric_answer(answers, value)
    return matching_short_answer(answers, value, case_sensitive=blank.get("case_sensitive", False))


def cloze_blank_fractions(content: dict, response) -> list[float]:
    values = response if isinstance(response, list) else []
    fractions = []
    for index, blank in enumerate(content.get("blanks", [])):
        value = values[index] if index < len(values) else None
        if blank["kind"] == "multi":  # Moodle's multichoice "multi": the chosen options' sum, 0..1
            total = sum(blank["answers"][chosen]["fraction"] for chosen in chosen_blank_options(blank, value))
            fractions.append(1.0 if total >= FULL else clamp(total))  # 3 x 0.3333333 is full marks
            continue
        answer = blank_answer(blank, value)
        fractions.append(clamp(answer["fraction"]) if answer else 0.0)
    return fractions


def grade_cloze(content: dict, response) -> Grade:
    """Moodle's multianswer: each blank is worth its weight; the question's fraction is the
    weighted sum of the blanks' fractions over the total weight."""
    blanks = content.get("blanks", [])
    total = sum(blank.get("weight", 1) for blank in blanks)
    if not total:
        return _graded(0.0)
    fractions = cloze_blank_fractions(content, response)
    return _graded(sum(blank.get("weight", 1) * fraction for blank, fraction in zip(blanks, fractions)) / total)


def grade_matching(content: dict, response) -> Grade:
    pairs = [pair for pair in content.get("pairs", []) if pair["left"]]
    if not pairs:
        return _graded(0.0)
    chosen = response if isinstance(response, list) else []
    right = sum(1 for index, pair in enumerate(content.get("pairs", []))
                if pair["left"] and index < len(chosen) and chosen[index] == pair["right"])
    return _graded(right / len(pairs))


def grade_essay(content: dict, response) -> Grade:
    return Grade(GradeStatus.PENDING)


def grade_description(content: dict, response) -> Grade:
    return Grade(GradeStatus.UNSCORED)
