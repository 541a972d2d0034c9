"""GIFT (Moodle's plain-text question format): parse_gift(bytes) and export_gift(questions).

Grammar handled (Moodle docs, "GIFT format"):

- Questions are separated by blank lines; a question may span several lines. Lines starting
  with ``//`` are comments. ``$CATEGORY: path`` sets the category of the questions after it
  ("$course$/" and "top/" prefixes are dropped).
- ``::title::`` before the text; a ``[html]``, ``[moodle]``, ``[markdown]`` or ``[plain]``
  marker at the start of the text ([html] text is sanitised into text_html).
- Escapes ``\\~ \\= \\# \\{ \\} \\: \\\\`` stand for the character itself and ``\\n`` for a
  new line.
- The answer block ``{...}``; text after it makes a "missing word" question, whose text gets
  ``_____`` where the block stood. ``####text`` inside the block is the general feedback.
    {}                                  essay
    {T} {TRUE} {F} {FALSE}              true/false; ``#wrong feedback#right feedback``
    {=a ~b ~%-50%c}                     single choice (any "=" answer)
    {~%50%a ~%50%b ~%-100%c}            multiple choice (no "=" answer; weights add up)
    {=a =b =%50%c}                      short answer, several accepted answers
    {=a -> 1 =b -> 2}                   matching
    {#3.14:0.01} {#1..5} {# =%100%3:0 =%50%3:1}   numeric (value:tolerance or min..max)
  ``#feedback`` after any answer is that answer's feedback; ``%weight%`` is a percentage.
- No answer block: a description.

GIFT has no points or all-or-nothing marker. export_gift writes them in a comment line
``// lms: points=2 grading=all_or_nothing`` inside the question, which Moodle ignores and
parse_gift reads back, so our own exports round-trip. grader_info, penalty and images are not
carried by GIFT.

Errors carry the location "line N", the first line of the question.
"""
from __future__ import annotations

import re

from .messages import message
from .model import (
    GRADING_ALL_OR_NOTHING, GRADING_PARTIAL, MAX_QUESTIONS, MAX_TEXT_CHARS, ParsedNumericAnswer, ParsedOption,
    ParsedPair, ParsedQuestion, ParseError, ParseResult, clean_fraction,
)
from .richtext import html_to_text, sanitize_html
from .textio import NotText, decode_text

SPECIAL = "~=#{}:\\"
# Escaped special characters are swapped for private-use characters while parsing.
_ESCAPE_BASE = 0xE000
_TO_PLACEHOLDER = {char: chr(_ESCAPE_BASE + index) for index, char in enumerate(SPECIAL)}
_FROM_PLACEHOLDER = {value: key for key, value in _TO_PLACEHOLDER.items()}
FORMAT_MARKER = re.compile(r"^\s*\[(html|moodle|markdown|plain)\]", re.IGNORECASE)
WEIGHT = re.compile(r"^\s*%(-?\d{1,3}(?:\.\d{1,10})?)%")
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
    title = ""
    if block.startswith("::"):
        end = block.find("::", 2)
        if end != -1:
            title = _restore(block[2:end]).strip()
            block = block[end + 2:]
    text_format = "moodle"
    marker = FORMAT_MARKER.match(block)
    if marker:
        text_format = marker.group(1).lower()
        block = block[marker.end():]

    open_at = block.find("{")
    if open_at == -1:
        question = ParsedQuestion(type="description", text="")
        raw_text = block
    else:
        close_at = block.find("}", open_at)
        if close_at == -1:
            raise GiftError("unclosed_brace")
        before, inside, after = block[:open_at], block[open_at + 1:close_at], block[close_at + 1:]
        raw_text = before.rstrip() + (" " + MISSING_WORD + " " + after.lstrip() if after.strip() else "")
        question = _parse_answer_block(inside, text_format)

    question.title = title
    question.category = category
    _set_text(question, raw_text.strip(), text_format)
    if not question.text and not question.text_html:
        raise GiftError("missing_text")
    if len(question.text) > MAX_TEXT_CHARS or len(question.text_html or "") > MAX_TEXT_CHARS:
        raise GiftError("text_too_long", limit=MAX_TEXT_CHARS)
    if "points" in meta:
        try:
            question.points = float(meta["points"])
        except ValueError:
            pass
    if question.type == "multiple" and meta.get("grading") == GRADING_ALL_OR_NOTHING:
        question.grading = GRADING_ALL_OR_NOTHING
    if question.type == "description":
        question.points = 0.0
    return question


def _set_text(question: ParsedQuestion, raw: str, text_format: str) -> None:
    if text_format == "html":
        html = sanitize_html(_restore(raw))
        question.text_html = html
        question.text = html_to_text(html)
    else:
        question.text = _restore(raw)


def _plain(raw: str, text_format: str) -> str:
    value = _restore(raw).strip()
    return html_to_text(value) if text_format == "html" else value


def _split_feedback(raw: str) -> tuple[str, str]:
    body, _, feedback = raw.partition("#")
    return body, feedback


def _weight(raw: str, default: float) -> tuple[float, str]:
    match = WEIGHT.match(raw)
    if not match:
        return default, raw
    return clean_fraction(float(match.group(1)) / 100), raw[match.end():]


def _answer_items(inside: str) -> list[tuple[str, str]]:
    """("=" or "~", rest) for each answer in a choice/short/matching block."""
    items = []
    for match in re.finditer(r"([=~])([^=~]*)", inside):
        items.append((match.group(1), match.group(2)))
    return items


def _parse_answer_block(inside: str, text_format: str) -> ParsedQuestion:
    inside, _, general = inside.partition("####")
    general_feedback = _plain(general, text_format)
    body = inside.strip()
    if not body:
        return ParsedQuestion(type="essay", text="", feedback=general_feedback)
    if body.startswith("#"):
        question = _parse_numeric(body[1:])
    elif re.match(r"^(T|F|TRUE|FALSE)\s*(#|$)", body, re.IGNORECASE):
        question = _parse_truefalse(body, text_format)
    elif "~" in body:
        question = _parse_choice(body, text_format)
    elif "=" in body and "->" in body:
        question = _parse_matching(body, text_format)
    elif body.startswith("="):
        question = _parse_short(body, text_format)
    else:
        raise GiftError("empty_answer_block")
    question.feedback = general_feedback
    return question


def _parse_truefalse(body: str, text_format: str) -> ParsedQuestion:
    word, _, comments = body.partition("#")
    correct = word.strip().upper() in ("T", "TRUE")
    wrong_feedback, _, right_feedback = comments.partition("#")
    wrong_feedback, right_feedback = _plain(wrong_feedback, text_format), _plain(right_feedback, text_format)
    true_feedback, false_feedback = (right_feedback, wrong_feedback) if correct else (wrong_feedback, right_feedback)
    return ParsedQuestion(type="truefalse", text="", answer=correct, options=[
        ParsedOption("true", 1.0 if correct else 0.0, true_feedback),
        ParsedOption("false", 0.0 if correct else 1.0, false_feedback),
    ])


def _parse_choice(body: str, text_format: str) -> ParsedQuestion:
    options = []
    for mark, rest in _answer_items(body):
        weight, rest = _weight(rest, 1.0 if mark == "=" else 0.0)
        answer, feedback = _split_feedback(rest)
        options.append(ParsedOption(_plain(answer, text_format), weight, _plain(feedback, text_format)))
    if len(options) < 2:
        raise GiftError("too_few_options")
    if not any(option.fraction > 0 for option in options):
        raise GiftError("no_correct_option")
    if "=" in body:
        return ParsedQuestion(type="single", text="", options=options)
    return ParsedQuestion(type="multiple", text="", options=options, grading=GRADING_PARTIAL)


def _parse_short(body: str, text_format: str) -> ParsedQuestion:
    answers = []
    for _, rest in _answer_items(body):
        weight, rest = _weight(rest, 1.0)
        answer, feedback = _split_feedback(rest)
        if answer.strip():
            answers.append(ParsedOption(_plain(answer, text_format), weight, _plain(feedback, text_format)))
    if not answers:
        raise GiftError("missing_answer")
    return ParsedQuestion(type="short", text="", answers=answers)


def _parse_matching(body: str, text_format: str) -> ParsedQuestion:
    pairs = []
    for mark, rest in _answer_items(body):
        left, arrow, right = rest.partition("->")
        if mark != "=" or not arrow or not right.strip():
            raise GiftError("bad_matching")
        pairs.append(ParsedPair(_plain(left, text_format), _plain(right, text_format)))
    if len([pair for pair in pairs if pair.left]) < 2:
        raise GiftError("bad_matching")
    return ParsedQuestion(type="matching", text="", pairs=pairs)


def _number(raw: str) -> float:
    try:
        value = float(raw.strip())
    except ValueError:
        raise GiftError("bad_number", value=_restore(raw.strip())) from None
    if value != value or value in (float("inf"), float("-inf")):
        raise GiftError("bad_number", value=raw.strip())
    return value


def _numeric_answer(raw: str, fraction: float) -> ParsedNumericAnswer:
    spec, feedback = _split_feedback(raw)
    spec = spec.strip()
    if ".." in spec:
        low, _, high = spec.partition("..")
        low_value, high_value = _number(low), _number(high)
        value, tolerance = (low_value + high_value) / 2, abs(high_value - low_value) / 2
    elif ":" in spec:
        value_text, _, tolerance_text = spec.partition(":")
        value, tolerance = _number(value_text), abs(_number(tolerance_text))
    else:
        value, tolerance = _number(spec), 0.0
    return ParsedNumericAnswer(value, tolerance, fraction, _restore(feedback).strip())


def _parse_numeric(body: str) -> ParsedQuestion:
    body = body.strip()
    if body.startswith("="):
        answers = []
        for match in re.finditer(r"=([^=]*)", body):
            weight, rest = _weight(match.group(1), 1.0)
            answers.append(_numeric_answer(rest, weight))
    else:
        answers = [_numeric_answer(body, 1.0)]
    if not answers:
        raise GiftError("missing_answer")
    return ParsedQuestion(type="numeric", text="", answers=answers)


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


def _with_feedback(text: str, feedback: str) -> str:
    return text + ("#" + escape(feedback) if feedback else "")


def _answer_block(question: ParsedQuestion) -> str | None:
    kind = question.type
    if kind == "description":
        return None
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
            word += "#" + escape(wrong_feedback) + ("#" + escape(right_feedback) if right_feedback else "")
        parts.append(word)
    elif kind == "single":
        for option in question.options:
            if option.fraction == 1.0:
                prefix = "="
            elif option.fraction == 0:
                prefix = "~"
            else:
                prefix = f"~%{_percent(option.fraction)}%"
            parts.append(_with_feedback(prefix + escape(option.text), option.feedback))
    elif kind == "multiple":
        for option in question.options:
            prefix = f"~%{_percent(option.fraction)}%" if option.fraction else "~"
            parts.append(_with_feedback(prefix + escape(option.text), option.feedback))
    elif kind == "short":
        for answer in question.answers:
            prefix = "=" if answer.fraction == 1.0 else f"=%{_percent(answer.fraction)}%"
            parts.append(_with_feedback(prefix + escape(answer.text), answer.feedback))
    elif kind == "matching":
        for pair in question.pairs:
            parts.append(f"={escape(pair.left)} -> {escape(pair.right)}")
    elif kind == "numeric":
        items = [
            f"=%{_percent(answer.fraction)}%{format_number(answer.value)}:{format_number(answer.tolerance)}"
            + ("#" + escape(answer.feedback) if answer.feedback else "")
            for answer in question.answers
        ]
        parts.append("# " + " ".join(items))
    if question.feedback:
        parts.append("####" + escape(question.feedback))
    if not parts:
        return "{}"
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
