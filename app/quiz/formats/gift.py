"""GIFT (Moodle's plain-text question format): parse_gift(bytes) and export_gift(questions).

Read as Moodle's importer reads it (question/format/gift/format.php, readquestion):

- Questions are separated by blank lines; a question may span several lines. Lines starting
  with ``//`` are comments. ``$CATEGORY: path`` sets the category of the questions after it
  ("$course$/" and "top/" prefixes are dropped).
- ``::title::`` before the text. A format marker ``[html]``, ``[moodle]``, ``[markdown]`` or
  ``[plain]`` (lower case, at the very start) sets the format of the question text and, as
  their default, of the answers and feedback; each answer, answer feedback, true/false
  feedback, general feedback and matching left side may carry its own marker. [html] is
  sanitised into text_html; [markdown] is rendered (app.core.markdown) and sanitised into
  text_html; answers and feedback keep the plain text of their HTML.
- Escapes ``\\~ \\= \\# \\{ \\} \\: \\\\`` stand for the character itself and ``\\n`` for a
  new line.
- The answer block ``{...}``: when text follows it, "_____" takes its place and the text
  around it is kept as written (首都是{=北京}。 gives 首都是_____。); at the end it is removed.
  The last ``####text`` inside the block is the general feedback.
    {}                                  essay
    {T} {TRUE} {F} {FALSE}              true/false (exactly so written); ``#wrong#right`` feedback
    {=a ~b ~%-50%c}                     single choice (any "=" in the block)
    {~%50%a ~%50%b ~%-100%c}            multiple choice (no "=")
    {=a =%50%b} {One}                   short answer; a first answer needs no "="; an answer
                                        loses its marker ({=[markdown]x} accepts "x")
    {=a -> 1 =b -> 2 = -> 3}            matching (the right side is plain text as written)
    {#3.14:0.01} {#1..5} {#=%100%3:0 =%50%3:1} {#3:2 ~#other}   numeric; from the first "~"
                                        on, the feedback for any other answer
  ``#feedback`` after any answer is that answer's feedback; ``%weight%`` is a percentage, and a
  question holding a weight outside Moodle's list (model.MOODLE_GRADES) is refused.
- No answer block: a description.

GIFT has no points or all-or-nothing marker. export_gift writes them in a comment line
``// lms: points=2 grading=all_or_nothing case_sensitive=1`` inside the question, which Moodle ignores and
parse_gift reads back, so our own exports round-trip. The export escapes as Moodle's repchar
does and writes [plain] on answers and feedback of an [html] question, as Moodle's
write_questiontext does. grader_info, penalty and images are not carried by GIFT.

Errors carry the location "line N", the first line of the question.
"""
from __future__ import annotations

import re

from .messages import message
from .model import (
    GRADING_ALL_OR_NOTHING, GRADING_PARTIAL, MAX_QUESTIONS, MAX_TEXT_CHARS, ParsedNumericAnswer, ParsedOption,
    ParsedPair, ParsedQuestion, ParseError, ParseResult, clean_fraction, invalid_grades, moodle_grade,
)
from .richtext import html_to_text, markdown_to_safe_html, sanitize_html
from .textio import NotText, decode_text

SPECIAL = "~=#{}:\\"
# Escaped special characters are swapped for private-use characters while parsing.
_ESCAPE_BASE = 0xE000
_TO_PLACEHOLDER = {char: chr(_ESCAPE_BASE + index) for index, char in enumerate(SPECIAL)}
_FROM_PLACEHOLDER = {value: key for key, value in _TO_PLACEHOLDER.items()}
TEXT_FORMATS = ("html", "moodle", "markdown", "plain")
DEFAULT_FORMAT = "moodle"  # Moodle's FORMAT_MOODLE: read as plain text here
WEIGHT = re.compile(r"^%(-*)(\d{1,2}\.?\d*)%")
TRUE_FALSE_WORDS = ("T", "TRUE", "F", "FALSE")
META_COMMENT = re.compile(r"^\s*//\s*lms:(.*)$")
MISSING_WORD = "_____"


class GiftError(ValueError):
    def __init__(self, key: str, **values) -> None:
        super().__init__(key)
        self.text = message(key, **values)


def _protect(text: str) -> str:
    out = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            following = text[index + 1]
            if following in _TO_PLACEHOLDER:
                out.append(_TO_PLACEHOLDER[following])
                index += 2
                continue
            if following == "n":
                out.append("\n")
                index += 2
                continue
        out.append(char)
        index += 1
    return "".join(out)


def _restore(text: str) -> str:
    return "".join(_FROM_PLACEHOLDER.get(char, char) for char in text)


def _blocks(text: str):
    """(first line number, lines, metadata) of each blank-line separated block."""
    lines: list[str] = []
    meta: dict[str, str] = {}
    start = 0
    for number, line in enumerate(text.split("\n"), start=1):
        meta_match = META_COMMENT.match(line)
        if meta_match:
            for item in meta_match.group(1).split():
                key, _, value = item.partition("=")
                meta[key] = value
            continue
        if line.lstrip().startswith("//"):
            continue
        if line.strip():
            if not lines:
                start = number
            lines.append(line)
        elif lines:
            yield start, lines, meta
            lines, meta = [], {}
    if lines:
        yield start, lines, meta


def parse_gift(data: bytes) -> ParseResult:
    try:
        text = decode_text(data)
    except NotText as error:
        return ParseResult.failure(message(error.key))
    result = ParseResult()
    category = ""
    for line_number, lines, meta in _blocks(text):
        block = "\n".join(lines).strip()
        if block.startswith("$CATEGORY:"):
            first, _, block = block.partition("\n")
            category = clean_category(first[len("$CATEGORY:"):])
            block = block.strip()
            if not block:
                continue
        try:
            question = _parse_question(_protect(block), category, meta)
        except GiftError as error:
            result.errors.append(ParseError(f"line {line_number}", error.text))
            continue
        result.questions.append(question)
        if len(result.questions) > MAX_QUESTIONS:
            return ParseResult.failure(message("too_many_questions", count=f"{MAX_QUESTIONS}+", limit=MAX_QUESTIONS))
    return result


def clean_category(path: str) -> str:
    path = path.strip()
    for prefix in ("$course$/", "$system$/", "$module$/", "$cat1$/", "top/"):
        if path.startswith(prefix):
            path = path[len(prefix):]
    return "" if path in ("top", "$course$") else path.strip("/ ")


def _parse_question(block: str, category: str, meta: dict[str, str]) -> ParsedQuestion:
    """One question, read as Moodle's qformat_gift::readquestion reads it."""
    title = ""
    if block.startswith("::"):
        end = block.find("::", 2)
        if end != -1:
            title = _restore(block[2:end]).strip()
            block = block[end + 2:].strip()

    open_at = block.find("{")
    if open_at == -1:
        if "}" in block:
            raise GiftError("unopened_brace")
        question = ParsedQuestion(type="description", text="")
        text_format, raw_text = _format_of(block, DEFAULT_FORMAT)
    else:
        close_at = block.find("}", open_at)
        if close_at == -1:
            raise GiftError("unclosed_brace")
        # Moodle: the block is removed when the question ends with it, else "_____" takes its
        # place; the text around it is kept as written (no spaces added: 首都是_____。).
        blank = "" if block.endswith("}") else MISSING_WORD
        text_format, raw_text = _format_of(block[:open_at] + blank + block[close_at + 1:], DEFAULT_FORMAT)
        question = _parse_answer_block(block[open_at + 1:close_at].strip(), text_format)

    question.title = title
    question.category = category
    _set_text(question, raw_text, text_format)
    if not question.text and not question.text_html:
        raise GiftError("missing_text")
    if len(question.text) > MAX_TEXT_CHARS or len(question.text_html or "") > MAX_TEXT_CHARS:
        raise GiftError("text_too_long", limit=MAX_TEXT_CHARS)
    _check_grades(question)
    if "points" in meta:
        try:
            question.points = float(meta["points"])
        except ValueError:
            pass
    if question.type == "multiple" and meta.get("grading") == GRADING_ALL_OR_NOTHING:
        question.grading = GRADING_ALL_OR_NOTHING
    if question.type == "short" and meta.get("case_sensitive") == "1":
        question.case_sensitive = True  # GIFT has no syntax for it; Moodle reads it case-blind
    if question.type == "description":
        question.points = 0.0
    return question


def _format_of(raw: str, default: str) -> tuple[str, str]:
    """Moodle's parse_text_with_format: a leading [html], [moodle], [markdown] or [plain]
    (exactly so written) sets the text's format and is removed; any other text keeps the
    default format. Returns (format, text with escapes restored, trimmed)."""
    raw = raw.strip()
    if raw.startswith("["):
        end = raw.find("]")
        if end != -1 and raw[1:end] in TEXT_FORMATS:
            return raw[1:end], _restore(raw[end + 1:]).strip()
    return default, _restore(raw).strip()


def _set_text(question: ParsedQuestion, text: str, text_format: str) -> None:
    if text_format == "html":
        question.text_html = sanitize_html(text)
        question.text = html_to_text(question.text_html)
    elif text_format == "markdown":
        question.text_html = markdown_to_safe_html(text)
        question.text = html_to_text(question.text_html)
    else:
        question.text = text


def _as_plain(text: str, text_format: str) -> str:
    """Answers and feedback are plain text here: HTML and Markdown give their text."""
    if text_format == "html":
        return html_to_text(sanitize_html(text))
    if text_format == "markdown":
        return html_to_text(markdown_to_safe_html(text))
    return text


def _plain(raw: str, default: str) -> str:
    """A piece of text that may start with its own format marker, as plain text."""
    text_format, text = _format_of(raw, default)
    return _as_plain(text, text_format)


def _comment(raw: str, default: str) -> tuple[str, str]:
    """Moodle's commentparser: (answer, feedback) split at the first "#", each with its own
    format marker; both as plain text."""
    answer, _, feedback = raw.partition("#")
    return _plain(answer, default), _plain(feedback, default)


def _weight(raw: str, default: float) -> tuple[float, str]:
    """Moodle's answer weight ``%50%`` (its regex ``^%-*[0-9]{1,2}.?[0-9]*%``) in front of
    an answer; without one, ``default``."""
    match = WEIGHT.match(raw)
    if not match:
        return default, raw
    value = float(match.group(2)) / 100
    return clean_fraction(-value if match.group(1) else value), raw[match.end():]


def _split_answers(body: str, mark: str) -> list[str]:
    """Moodle's explode(mark): the first piece is dropped only when it is empty."""
    pieces = body.split(mark)
    if not pieces[0].strip():
        pieces = pieces[1:]
    return [piece.strip() for piece in pieces]


def _check_grades(question: ParsedQuestion) -> None:
    """Moodle's importer refuses a question holding a grade outside its list; the grades
    that pass are set to the list's value (33.33333% is 1/3)."""
    graded = question.options if question.type in ("single", "multiple") else (
        question.answers if question.type in ("short", "numeric") else [])
    refused = invalid_grades([item.fraction for item in graded])
    if refused:
        raise GiftError("invalid_grade", values="、".join(f"{_percent(value)}%" for value in refused))
    for item in graded:
        item.fraction = moodle_grade(item.fraction)


def _parse_answer_block(inside: str, text_format: str) -> ParsedQuestion:
    general_at = inside.rfind("####")  # Moodle: the last "####" starts the general feedback
    general_feedback = ""
    if general_at != -1:
        general_feedback = _plain(inside[general_at + 4:], text_format)
        inside = inside[:general_at].strip()
    body = inside
    if not body:
        question = ParsedQuestion(type="essay", text="")
    elif body.startswith("#"):
        question = _parse_numeric(body[1:], text_format)
    elif "~" in body:
        question = _parse_choice(body, text_format)
    elif "=" in body and "->" in body:
        question = _parse_matching(body, text_format)
    elif body.partition("#")[0].strip() in TRUE_FALSE_WORDS:
        question = _parse_truefalse(body, text_format)
    else:
        question = _parse_short(body, text_format)
    question.feedback = general_feedback
    return question


def _parse_truefalse(body: str, text_format: str) -> ParsedQuestion:
    word, _, comments = body.partition("#")
    correct = word.strip() in ("T", "TRUE")
    wrong_feedback, _, right_feedback = comments.partition("#")
    wrong_feedback, right_feedback = _plain(wrong_feedback, text_format), _plain(right_feedback, text_format)
    true_feedback, false_feedback = (right_feedback, wrong_feedback) if correct else (wrong_feedback, right_feedback)
    return ParsedQuestion(type="truefalse", text="", answer=correct, options=[
        ParsedOption("true", 1.0 if correct else 0.0, true_feedback),
        ParsedOption("false", 0.0 if correct else 1.0, false_feedback),
    ])


def _parse_choice(body: str, text_format: str) -> ParsedQuestion:
    options = []
    for piece in _split_answers(body.replace("=", "~="), "~"):
        if piece.startswith("="):
            weight, rest = 1.0, piece[1:]
        else:
            weight, rest = _weight(piece, 0.0)
        answer, feedback = _comment(rest, text_format)
        options.append(ParsedOption(answer, weight, feedback))
    if len(options) < 2:
        raise GiftError("too_few_options")
    if not any(option.fraction > 0 for option in options):
        raise GiftError("no_correct_option")
    if "=" in body:
        return ParsedQuestion(type="single", text="", options=options)
    return ParsedQuestion(type="multiple", text="", options=options, grading=GRADING_PARTIAL)


def _parse_short(body: str, text_format: str) -> ParsedQuestion:
    """``{=a =%50%b}``, and as in Moodle a first answer without "=" (``{One}``). An answer
    loses its format marker and keeps its text: ``=[markdown]answer2`` accepts "answer2"."""
    answers = []
    for piece in _split_answers(body, "="):
        weight, rest = _weight(piece, 1.0)
        answer, _, feedback = rest.partition("#")
        text = _format_of(answer, text_format)[1]
        if text:
            answers.append(ParsedOption(text, weight, _plain(feedback, text_format)))
    if not answers:
        raise GiftError("missing_answer")
    return ParsedQuestion(type="short", text="", answers=answers)


def _parse_matching(body: str, text_format: str) -> ParsedQuestion:
    """``=left -> right``: the left side may carry a format marker; the right side is plain
    text as written (Moodle reads no marker there)."""
    pairs = []
    for piece in _split_answers(body, "="):
        left, arrow, right = piece.partition("->")
        if not arrow or not right.strip():
            raise GiftError("bad_matching")
        pairs.append(ParsedPair(_plain(left, text_format), _restore(right).strip()))
    if len([pair for pair in pairs if pair.left]) < 2:
        raise GiftError("bad_matching")
    return ParsedQuestion(type="matching", text="", pairs=pairs)


def _number(raw: str) -> float:
    text = raw.strip()
    try:
        value = float(text)
    except ValueError:
        raise GiftError("bad_number", value=text) from None
    if value != value or value in (float("inf"), float("-inf")):
        raise GiftError("bad_number", value=text)
    return value


def _numeric_answer(raw: str, fraction: float, text_format: str) -> ParsedNumericAnswer:
    spec, feedback = _comment(raw, text_format)
    if spec.find("..") > 0:
        low, _, high = spec.partition("..")
        low_value, high_value = _number(low), _number(high)
        value, tolerance = (low_value + high_value) / 2, abs(high_value - low_value) / 2
    elif spec.find(":") > 0:
        value_text, _, tolerance_text = spec.partition(":")
        value, tolerance = _number(value_text), abs(_number(tolerance_text))
    else:
        value, tolerance = _number(spec), 0.0
    return ParsedNumericAnswer(value, tolerance, fraction, feedback)


def _parse_numeric(body: str, text_format: str) -> ParsedQuestion:
    """``{#3:2}``, ``{#1..5}``, ``{#=%100%3:0 =%50%3:2}``; as in Moodle everything from the
    first "~" on is the feedback for any other answer (``{#3:2 ~#Completely wrong}``)."""
    other_feedback = ""
    other_at = body.find("~")
    if other_at != -1:
        other_feedback = _comment(body[other_at:], text_format)[1]
        body = body[:other_at]
    answers = []
    for piece in _split_answers(body, "="):
        weight, rest = _weight(piece, 1.0)
        answers.append(_numeric_answer(rest, weight, text_format))
    if not answers:
        raise GiftError("missing_answer")
    return ParsedQuestion(type="numeric", text="", answers=answers, other_feedback=other_feedback)


# ---------------------------------------------------------------- export

def escape(text: str) -> str:
    out = []
    for char in text:
        if char in SPECIAL:
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        else:
            out.append(char)
    return "".join(out)


def format_number(value: float) -> str:
    text = format(float(value), ".12g")
    return text


def _percent(fraction: float) -> str:
    return format_number(round(fraction * 100, 5))


def _write_text(text: str, in_html: bool) -> str:
    """Plain text where Moodle reads a format marker (answers, feedback, matching's left
    side). It takes the question text's format, so inside an [html] question, or when the text
    itself starts with "[", it is written as [plain] (as Moodle's write_questiontext does).
    [plain] also keeps a text starting with "%" from reading as a weight ("%50%" is text)."""
    if text and (in_html or text.startswith(("[", "%"))):
        return "[plain]" + escape(text)
    return escape(text)


def _with_feedback(text: str, feedback: str, in_html: bool) -> str:
    return text + ("#" + _write_text(feedback, in_html) if feedback else "")


def _answer_block(question: ParsedQuestion) -> str | None:
    kind = question.type
    if kind == "description":
        return None
    in_html = bool(question.text_html)
    parts: list[str] = []
    if kind == "essay":
        pass
    elif kind == "truefalse":
        by_text = {option.text: option for option in question.options}
        right = by_text.get("true" if question.answer else "false")
        wrong = by_text.get("false" if question.answer else "true")
        word = "TRUE" if question.answer else "FALSE"
        right_feedback, wrong_feedback = (right.feedback if right else ""), (wrong.feedback if wrong else "")
        if right_feedback or wrong_feedback:
            word += "#" + _write_text(wrong_feedback, in_html)
            if right_feedback:
                word += "#" + _write_text(right_feedback, in_html)
        parts.append(word)
    elif kind == "single":
        for option in question.options:
            if option.fraction == 1.0:
                prefix = "="
            elif option.fraction == 0:
                prefix = "~"
            else:
                prefix = f"~%{_percent(option.fraction)}%"
            parts.append(_with_feedback(prefix + _write_text(option.text, in_html), option.feedback, in_html))
    elif kind == "multiple":
        for option in question.options:
            prefix = f"~%{_percent(option.fraction)}%" if option.fraction else "~"
            parts.append(_with_feedback(prefix + _write_text(option.text, in_html), option.feedback, in_html))
    elif kind == "short":
        for answer in question.answers:
            # Moodle removes a marker from an answer and keeps its text: only a text that
            # starts with "[" needs one.
            prefix = "=" if answer.fraction == 1.0 else f"=%{_percent(answer.fraction)}%"
            parts.append(_with_feedback(prefix + _write_text(answer.text, False), answer.feedback, in_html))
    elif kind == "matching":
        for pair in question.pairs:
            parts.append(f"={_write_text(pair.left, in_html)} -> {escape(pair.right)}")
    elif kind == "numeric":
        parts.append("#")
        for answer in question.answers:
            parts.append(_with_feedback(
                f"=%{_percent(answer.fraction)}%{format_number(answer.value)}:{format_number(answer.tolerance)}",
                answer.feedback, in_html))
        if question.other_feedback:
            parts.append("~#" + _write_text(question.other_feedback, in_html))
    if question.feedback:
        parts.append("####" + _write_text(question.feedback, in_html))
    if not parts:
        return "{}"
    if kind == "numeric":
        return "{#\n\t" + "\n\t".join(parts[1:]) + "\n}"
    return "{\n\t" + "\n\t".join(parts) + "\n}"


def export_gift(questions: list[ParsedQuestion], errors: list[ParseError] | None = None) -> bytes:
    chunks: list[str] = []
    category = ""
    for question in questions:
        if question.category != category:
            category = question.category
            chunks.append(f"$CATEGORY: $course$/top/{category}" if category else "$CATEGORY: $course$/top")
        lines = []
        meta = []
        if question.points != 1.0 and question.type != "description":
            meta.append(f"points={format_number(question.points)}")
        if question.type == "multiple" and question.grading == GRADING_ALL_OR_NOTHING:
            meta.append(f"grading={GRADING_ALL_OR_NOTHING}")
        if question.type == "short" and question.case_sensitive:
            meta.append("case_sensitive=1")
        if meta:
            lines.append("// lms: " + " ".join(meta))
        head = f"::{escape(question.title)}::" if question.title else ""
        if question.text_html:
            head += "[html]" + escape(question.text_html)
        elif question.text.startswith("[") or (not head and question.text.startswith("//")):
            # [plain] keeps a leading "[" from reading as a format marker and a leading "//"
            # from reading as a comment line.
            head += "[plain]" + escape(question.text)
        else:
            head += escape(question.text)
        block = _answer_block(question)
        lines.append(head + (" " + block if block else ""))
        chunks.append("\n".join(lines))
    return ("\n\n".join(chunks) + "\n").encode("utf-8")
