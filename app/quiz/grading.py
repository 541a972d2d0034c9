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
    description (no response)

A grade's fraction is in [0, 1]: negative option fractions lower a choice score but never
below zero for the question. Essays are pending (fraction None) until a trainer grades them;
descriptions carry no score at all.
"""
from __future__ import annotations

import math
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


def grade_short(content: dict, response) -> Grade:
    given = normalize_answer(response) if isinstance(response, str) else ""
    if not given:
        return _graded(0.0)
    fractions = [answer["fraction"] for answer in content.get("answers", [])
                 if normalize_answer(answer["text"]) == given]
    return _graded(max(fractions, default=0.0))


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


def grade_numeric(content: dict, response) -> Grade:
    value = parse_number(response)
    if value is None:
        return _graded(0.0)
    fractions = [answer["fraction"] for answer in content.get("answers", [])
                 if abs(value - answer["value"]) <= answer["tolerance"] + 1e-9]
    return _graded(max(fractions, default=0.0))


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
