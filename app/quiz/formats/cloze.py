"""Moodle's cloze ("embedded answers", qtype multianswer) syntax, read and written.

    extract_blanks(text, html=False) -> (text with {#n} markers, [ParsedBlank])   ClozeRefused
    embed_blanks(text, blanks, html=False) -> text with the blanks written back as syntax
    blank_syntax(blank, html=False) -> "{1:SHORTANSWER:=a#right~%50%b}"

A blank is ``{weight:TYPE:alternatives}``, read as qtype_multianswer_extract_question reads it
(the same regular expressions, translated): weight is a number (empty = 1), TYPE one of
SHORTANSWER/SA/MW (case-insensitive answers), SHORTANSWER_C/SAC/MWC (case-sensitive),
NUMERICAL/NM ("value:tolerance"), MULTICHOICE/MC (drop-down), MULTICHOICE_V/MCV (vertical
buttons), MULTICHOICE_H/MCH (horizontal), each choice type with an "S" for shuffled (MCS,
MULTICHOICE_VS, ...), and the multiple-response MULTIRESPONSE/MR (vertical checkboxes),
MULTIRESPONSE_H/MRH (horizontal), shuffled MULTIRESPONSE_S/MRS, MULTIRESPONSE_HS/MRHS.
Alternatives are separated by "~", start with "=" (full marks) or
"%50%" (a percentage; none = 0), and may end with "#feedback". Inside an alternative "\\}",
"\\#" and "\\~" stand for the characters themselves; in HTML text entities are decoded.

Blanks Moodle's validation refuses are refused here too: no blank at all, a blank without an
alternative worth 100% (a multiple-response blank: one worth more than 0), a choice blank with
fewer than two options, a numeric alternative that is neither a number nor "*".

A multiple-response blank's fractions are fixed on reading as Moodle fixes them: the positive
ones are divided by their sum (so they add up to 1) and, when no alternative has a percentage
of its own (Moodle takes "%0%" for none), each wrong option cancels one right one (-1/sum).
It is written back with every fraction as a percentage, so it reads back unchanged.
"""
from __future__ import annotations

import html as html_module
import re

from .gift import format_number
from .model import ParsedBlank, ParsedBlankAnswer, clean_fraction
from .richtext import html_to_text

SHORT = {"SHORTANSWER": False, "SA": False, "MW": False, "SHORTANSWER_C": True, "SAC": True, "MWC": True}
NUMERIC = {"NUMERICAL", "NM"}
CHOICE = {  # name -> (layout, shuffle)
    "MULTICHOICE": ("dropdown", False), "MC": ("dropdown", False),
    "MULTICHOICE_S": ("dropdown", True), "MCS": ("dropdown", True),
    "MULTICHOICE_V": ("vertical", False), "MCV": ("vertical", False),
    "MULTICHOICE_VS": ("vertical", True), "MCVS": ("vertical", True),
    "MULTICHOICE_H": ("horizontal", False), "MCH": ("horizontal", False),
    "MULTICHOICE_HS": ("horizontal", True), "MCHS": ("horizontal", True),
}
MULTIRESPONSE = {  # name -> (layout, shuffle)
    "MULTIRESPONSE": ("vertical", False), "MR": ("vertical", False),
    "MULTIRESPONSE_H": ("horizontal", False), "MRH": ("horizontal", False),
    "MULTIRESPONSE_S": ("vertical", True), "MRS": ("vertical", True),
    "MULTIRESPONSE_HS": ("horizontal", True), "MRHS": ("horizontal", True),
}
_NAMES = "|".join(sorted({*SHORT, *NUMERIC, *CHOICE, *MULTIRESPONSE}, key=len, reverse=True))

_FRACTION = r"=|%(-?[0-9]+(?:[.,][0-9]*)?)%"
_ANSWER = r".+?(?<!\\)(?<!&)(?<!&amp;)(?=[~#}]|$)"
_FEEDBACK = r".*?(?<!\\)(?=[~}]|$)"
_ALT_INNER = rf"(?:{_FRACTION.replace('(-?', '(?:-?')})?(?:{_ANSWER})(?:#(?:{_FEEDBACK}))?"
BLANK_RE = re.compile(rf"\{{(?P<weight>[0-9]*):(?P<type>{_NAMES}):(?P<alts>{_ALT_INNER}(?:~{_ALT_INNER})*)\}}", re.S)
ALT_RE = re.compile(rf"~?(?P<fraction>{_FRACTION.replace('(-?', '(?P<percent>-?')})?(?P<answer>{_ANSWER})(?:#(?P<feedback>{_FEEDBACK}))?", re.S)
_NUMBER = r"-?(?:(?:[0-9]+[.,]?[0-9]*|[.,][0-9]+)(?:[eE][-+]?[0-9]+)?)"
NUMERIC_ALT_RE = re.compile(rf"^({_NUMBER})(?::({_NUMBER}))?$", re.S)
MARKER_RE = re.compile(r"\{#(\d+)\}")


class ClozeRefused(ValueError):
    """The text cannot be a cloze question; key is a messages.py key, values its fields."""

    def __init__(self, key: str, **values) -> None:
        super().__init__(key)
        self.key, self.values = key, values


def _unescape(raw: str, html: bool) -> str:
    text = html_to_text(raw) if html else raw
    return text.replace("\\}", "}").replace("\\#", "#").replace("\\~", "~").strip()


def _number(raw: str) -> float:
    return float(raw.replace(",", "."))


def _blank(match: re.Match, number: int, html: bool) -> ParsedBlank:
    name = match.group("type")
    weight = int(match.group("weight")) if match.group("weight") else 1
    if name in SHORT:
        blank = ParsedBlank("short", weight=weight, case_sensitive=SHORT[name])
    elif name in NUMERIC:
        blank = ParsedBlank("numeric", weight=weight)
    elif name in MULTIRESPONSE:
        layout, shuffle = MULTIRESPONSE[name]
        blank = ParsedBlank("multi", weight=weight, layout=layout, shuffle=shuffle)
    else:
        layout, shuffle = CHOICE[name]
        blank = ParsedBlank("choice", weight=weight, layout=layout, shuffle=shuffle)
    specific = False  # an alternative with a percentage of its own (PHP: "%0%" is none)
    remaining = match.group("alts")
    while remaining:
        alt = ALT_RE.search(remaining)
        if alt is None:
            break
        if alt.group("fraction") == "=":
            fraction = 1.0
        elif alt.group("percent"):
            fraction = clean_fraction(float(alt.group("percent").replace(",", ".")) / 100)
            specific = specific or alt.group("percent") != "0"
        else:
            fraction = 0.0
        feedback = _unescape(alt.group("feedback") or "", html)
        raw_answer = alt.group("answer")
        numeric = NUMERIC_ALT_RE.match(html_module.unescape(raw_answer).strip()) if blank.kind == "numeric" else None
        if numeric:
            tolerance = abs(_number(numeric.group(2))) if numeric.group(2) else 0.0
            blank.answers.append(ParsedBlankAnswer(numeric.group(1), fraction, feedback, tolerance))
        else:
            text = _unescape(raw_answer, html)
            if blank.kind == "numeric" and text != "*":
                raise ClozeRefused("cloze_bad_number", number=number, value=text)
            blank.answers.append(ParsedBlankAnswer(text, fraction, feedback))
        remaining = remaining[alt.end():]
    if blank.kind == "multi":
        _fix_multi_fractions(blank.answers, specific)
    answers = [answer for answer in blank.answers if answer.text]
    if blank.kind in ("choice", "multi") and len(answers) < 2:
        raise ClozeRefused("cloze_too_few_options", number=number)
    if not answers:
        raise ClozeRefused("cloze_no_answer", number=number)
    if blank.kind == "multi":
        if not any(answer.fraction > 0 for answer in answers):
            raise ClozeRefused("cloze_no_right_option", number=number)
    elif not any(abs(answer.fraction - 1.0) < 1e-7 for answer in answers):
        raise ClozeRefused("cloze_no_full_marks", number=number)
    blank.answers = answers
    return blank


def _fix_multi_fractions(answers: list[ParsedBlankAnswer], specific: bool) -> None:
    """Moodle's fix for multiple-response blanks: positive fractions add up to 1; without
    percentages of the author's own, a wrong option cancels one right one."""
    total = sum(answer.fraction for answer in answers if answer.fraction > 0)
    if not total:
        return
    for answer in answers:
        if answer.fraction > 0:
            answer.fraction = clean_fraction(answer.fraction / total)
        elif not specific:
            answer.fraction = clean_fraction(-1.0 / total)


def extract_blanks(text: str, html: bool = False) -> tuple[str, list[ParsedBlank]]:
    """The text with each blank replaced by {#n}, and the blanks; ClozeRefused if unreadable."""
    blanks: list[ParsedBlank] = []
    parts: list[str] = []
    position = 0
    while True:
        match = BLANK_RE.search(text, position)
        if match is None:
            break
        blanks.append(_blank(match, len(blanks) + 1, html))
        parts.append(text[position:match.start()])
        parts.append("{#%d}" % len(blanks))
        position = match.end()
    parts.append(text[position:])
    if not blanks:
        raise ClozeRefused("cloze_no_blanks")
    return "".join(parts), blanks


def _escape(text: str, html: bool) -> str:
    if html:
        text = html_module.escape(text, quote=False)
    return text.replace("}", "\\}").replace("#", "\\#").replace("~", "\\~")


def _percent(fraction: float) -> str:
    return "=" if abs(fraction - 1.0) < 1e-7 else f"%{format_number(round(fraction * 100, 5))}%"


def type_name(blank: ParsedBlank) -> str:
    if blank.kind == "short":
        return "SHORTANSWER_C" if blank.case_sensitive else "SHORTANSWER"
    if blank.kind == "numeric":
        return "NUMERICAL"
    multi = blank.kind == "multi"
    suffix = ({"vertical": "", "horizontal": "_H"} if multi else {"dropdown": "", "vertical": "_V", "horizontal": "_H"})[blank.layout]
    if blank.shuffle:
        suffix = (suffix or "_") + "S"
    return ("MULTIRESPONSE" if multi else "MULTICHOICE") + suffix


def blank_syntax(blank: ParsedBlank, html: bool = False) -> str:
    alternatives = []
    for answer in blank.answers:
        if blank.kind == "numeric" and answer.text != "*":
            text = answer.text + (f":{format_number(answer.tolerance)}" if answer.tolerance else "")
        else:
            text = _escape(answer.text, html)
        feedback = f"#{_escape(answer.feedback, html)}" if answer.feedback else ""
        # a multiple-response blank: "%100%", not "=", so Moodle reads the fractions as written
        fraction = f"%{format_number(round(answer.fraction * 100, 5))}%" if blank.kind == "multi" else _percent(answer.fraction)
        alternatives.append(f"{fraction}{text}{feedback}")
    return "{%d:%s:%s}" % (blank.weight, type_name(blank), "~".join(alternatives))


def embed_blanks(text: str, blanks: list[ParsedBlank], html: bool = False) -> str:
    def replace(match: re.Match) -> str:
        index = int(match.group(1)) - 1
        return blank_syntax(blanks[index], html) if 0 <= index < len(blanks) else match.group(0)
    return MARKER_RE.sub(replace, text)


def markers_in(text: str) -> list[int]:
    return [int(number) for number in MARKER_RE.findall(text or "")]
