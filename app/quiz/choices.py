"""UI words for question types and import locations."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

QUESTION_TYPE_LABELS = {
    "single": _l("Single choice"),
    "multiple": _l("Multiple choice"),
    "truefalse": _l("True/false"),
    "short": _l("Fill-in"),
    "numeric": _l("Numeric"),
    "matching": _l("Matching"),
    "essay": _l("Essay"),
    "description": _l("Description"),
}


def question_type_label(kind: str) -> str:
    return str(QUESTION_TYPE_LABELS.get(kind, kind))


def location_label(location: str) -> str:
    """"row 20" -> "第 20 行" in the UI language."""
    kind, _sep, number = location.partition(" ")
    if kind in ("row", "line") and number:
        return _("row %(n)s", n=number) if kind == "row" else _("line %(n)s", n=number)
    if kind == "question" and number:
        return _("question %(n)s", n=number)
    return _("whole file")


def answer_summary(question) -> str:
    """A short description of a parsed question's answer, for the import preview."""
    kind = question.type
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    if kind in ("single", "multiple"):
        return "".join(letters[i] for i, option in enumerate(question.options[:26]) if option.fraction > 0)
    if kind == "truefalse":
        return _("True") if question.answer else _("False")
    if kind == "short":
        return " / ".join(answer.text for answer in question.answers)
    if kind == "numeric":
        return " / ".join(f"{answer.value:g}±{answer.tolerance:g}" for answer in question.answers)
    if kind == "matching":
        return "; ".join(f"{pair.left}→{pair.right}" for pair in question.pairs if pair.left)
    return ""
