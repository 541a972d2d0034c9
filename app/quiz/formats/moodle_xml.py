"""Moodle XML: parse_moodle_xml(bytes) and export_moodle_xml(questions).

Question types read: multichoice (<single>true</single> gives "single", otherwise "multiple"
with partial credit), multichoiceset (the all-or-nothing plugin type; "multiple" with grading
"all_or_nothing"), truefalse, shortanswer, numerical (answer "*" is ignored), matching, essay
(<graderinfo> becomes grader_info), description, and category entries (the path, without the
"$course$/top/" prefix, applies to the questions that follow). Other types are reported and
skipped. Fractions are percentages ("33.33333", "-100") stored as 0.3333333, -1.0.
<defaultgrade> is points, <penalty> penalty, <generalfeedback> feedback.

Texts in format "html" (or "moodle_auto_format" holding markup) are sanitised with nh3 into
text_html, and text is their plain text; "markdown" texts are rendered (app.core.markdown)
and sanitised the same way. Images embedded as <file name=".."
encoding="base64"> inside <questiontext> become ParsedImage entries (at most 5 MB each), and
text_html keeps Moodle's ``@@PLUGINFILE@@/<name>`` src as the placeholder.

The XML is parsed by expat with any DOCTYPE refused (see richtext.parse_xml), so entity bombs
and external entities are rejected before anything is expanded or fetched.

Errors carry the location "question N", N counting <question> elements that are not categories.

export_moodle_xml writes every type (all-or-nothing multiple choice as multichoiceset), HTML
in CDATA sections, images as base64 <file> elements.
"""
from __future__ import annotations

import base64
import binascii
import mimetypes
from xml.etree.ElementTree import Element
from xml.sax.saxutils import escape as xml_escape, quoteattr

from .gift import clean_category, format_number
from .messages import human_size, message
from .model import (
    GRADING_ALL_OR_NOTHING, GRADING_PARTIAL, MAX_IMAGE_BYTES, MAX_IMAGES, MAX_QUESTIONS, MAX_TEXT_CHARS,
    ParsedImage, ParsedNumericAnswer, ParsedOption, ParsedPair, ParsedQuestion, ParseError,
    ParseResult, clean_fraction, split_evenly,
)
from .richtext import (
    XmlBroken, XmlRefused, html_to_text, looks_like_html, markdown_to_safe_html, parse_xml, sanitize_html,
)

TYPE_NAMES = {
    "multichoice": "choice", "multichoiceset": "choice", "truefalse": "truefalse",
    "shortanswer": "short", "numerical": "numeric", "matching": "matching", "essay": "essay",
    "description": "description",
}


class QuestionSkipped(ValueError):
    def __init__(self, key: str, **values) -> None:
        super().__init__(key)
        self.text = message(key, **values)


def _child_text(element: Element | None, path: str = "text") -> str:
    if element is None:
        return ""
    found = element.find(path)
    return (found.text or "") if found is not None else ""


def _rich(element: Element | None) -> tuple[str, str | None]:
    """(plain text, sanitised html or None) of a <questiontext>-like element."""
    if element is None:
        return "", None
    raw = _child_text(element)
    text_format = element.get("format", "html")
    if text_format == "markdown":
        html = markdown_to_safe_html(raw)
        return html_to_text(html), html
    if text_format == "html" or (text_format != "plain_text" and looks_like_html(raw)):
        html = sanitize_html(raw)
        return html_to_text(html), html
    return raw.strip(), None


def _plain(element: Element | None) -> str:
    return _rich(element)[0]


def _float(raw: str | None, default: float | None) -> float | None:
    if raw is None or not raw.strip():
        return default
    try:
        value = float(raw.strip())
    except ValueError:
        return default
    return value if value == value and abs(value) != float("inf") else default


def _fraction(answer: Element) -> float:
    return clean_fraction((_float(answer.get("fraction"), 0.0) or 0.0) / 100)


def _images(element: Element | None, errors: list[ParseError], location: str) -> list[ParsedImage]:
    images = []
    if element is None:
        return images
    for file_element in element.findall("file"):
        name = file_element.get("name") or "image"
        payload = "".join((file_element.text or "").split())
        if len(payload) * 3 // 4 > MAX_IMAGE_BYTES:
            errors.append(ParseError(location, message("image_too_large", name=name, limit=human_size(MAX_IMAGE_BYTES))))
            continue
        try:
            data = base64.b64decode(payload, validate=True)
        except (binascii.Error, ValueError):
            errors.append(ParseError(location, message("bad_image", name=name)))
            continue
        mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
        images.append(ParsedImage(name=name, mime=mime, data=data))
    return images


def parse_moodle_xml(data: bytes) -> ParseResult:
    try:
        root = parse_xml(data)
    except XmlRefused:
        return ParseResult.failure(message("dtd_forbidden"))
    except XmlBroken as error:
        return ParseResult.failure(message("bad_xml", detail=str(error)))
    if root.tag != "quiz":
        return ParseResult.failure(message("not_moodle_xml"))
    result = ParseResult()
    category = ""
    number = 0
    image_count = 0
    for element in root.iter("question"):
        qtype = element.get("type", "")
        if qtype == "category":
            category = clean_category(_child_text(element, "category/text"))
            continue
        number += 1
        if number > MAX_QUESTIONS:
            return ParseResult.failure(message("too_many_questions", count=f"{MAX_QUESTIONS}+", limit=MAX_QUESTIONS))
        location = f"question {number}"
        try:
            question = _parse_question(element, qtype)
        except QuestionSkipped as error:
            result.errors.append(ParseError(location, error.text))
            continue
        question.category = category
        question.images = _images(element.find("questiontext"), result.errors, location)
        image_count += len(question.images)
        if image_count > MAX_IMAGES:
            return ParseResult.failure(message("too_many_images", limit=MAX_IMAGES))
        result.questions.append(question)
    return result


def _options(element: Element) -> list[ParsedOption]:
    return [
        ParsedOption(_plain(answer), _fraction(answer), _plain(answer.find("feedback")))
        for answer in element.findall("answer")
    ]


def _parse_question(element: Element, qtype: str) -> ParsedQuestion:
    if qtype not in TYPE_NAMES:
        raise QuestionSkipped("unsupported_qtype", value=qtype)
    text, text_html = _rich(element.find("questiontext"))
    question = ParsedQuestion(
        type="description", text=text, text_html=text_html,
        title=_child_text(element, "name/text").strip(),
        feedback=_plain(element.find("generalfeedback")),
        points=_float(_child_text(element, "defaultgrade") or None, 1.0),
        penalty=_float(_child_text(element, "penalty") or None, None),
    )
    if not question.text and not question.text_html:
        raise QuestionSkipped("missing_text")
    if len(question.text) > MAX_TEXT_CHARS or len(question.text_html or "") > MAX_TEXT_CHARS:
        raise QuestionSkipped("text_too_long", limit=MAX_TEXT_CHARS)
    if qtype == "multichoice":
        question.options = _options(element)
        single = _child_text(element, "single").strip().lower() in ("true", "1")
        question.type = "single" if single else "multiple"
        question.grading = None if single else GRADING_PARTIAL
    elif qtype == "multichoiceset":
        question.options = _options(element)
        correct = [option for option in question.options if option.fraction > 0]
        for option in question.options:
            option.fraction = split_evenly(len(correct)) if option.fraction > 0 else 0.0
        question.type, question.grading = "multiple", GRADING_ALL_OR_NOTHING
    elif qtype == "truefalse":
        question.type = "truefalse"
        for answer in element.findall("answer"):
            word = _plain(answer).strip().lower()
            if word in ("true", "false"):
                fraction = _fraction(answer)
                question.options.append(ParsedOption(word, fraction, _plain(answer.find("feedback"))))
                if fraction > 0:
                    question.answer = word == "true"
        question.options.sort(key=lambda option: option.text != "true")
        if question.answer is None:
            raise QuestionSkipped("missing_answer")
    elif qtype == "shortanswer":
        question.type = "short"
        question.answers = [option for option in _options(element) if option.text]
        if not question.answers:
            raise QuestionSkipped("missing_answer")
    elif qtype == "numerical":
        question.type = "numeric"
        for answer in element.findall("answer"):
            raw = _plain(answer).strip()
            if raw == "*":
                continue
            value = _float(raw, None)
            if value is None:
                raise QuestionSkipped("bad_number", value=raw)
            tolerance = abs(_float(_child_text(answer, "tolerance") or None, 0.0) or 0.0)
            question.answers.append(ParsedNumericAnswer(value, tolerance, _fraction(answer), _plain(answer.find("feedback"))))
        if not question.answers:
            raise QuestionSkipped("missing_answer")
    elif qtype == "matching":
        question.type = "matching"
        for sub in element.findall("subquestion"):
            right = _child_text(sub, "answer/text").strip()
            if right:
                question.pairs.append(ParsedPair(_plain(sub), right))
        if len([pair for pair in question.pairs if pair.left]) < 2:
            raise QuestionSkipped("bad_matching")
    elif qtype == "essay":
        question.type = "essay"
        question.grader_info = _plain(element.find("graderinfo"))
    else:
        question.points = 0.0
    if question.type in ("single", "multiple"):
        if len(question.options) < 2:
            raise QuestionSkipped("too_few_options")
        if not any(option.fraction > 0 for option in question.options):
            raise QuestionSkipped("no_correct_option")
    return question


# ---------------------------------------------------------------- export

def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _text_element(tag: str, text: str, html: str | None = None, indent: str = "    ", extra: str = "") -> str:
    if html is not None:
        return f'{indent}<{tag} format="html">\n{indent}  <text>{_cdata(html)}</text>\n{extra}{indent}</{tag}>'
    return f'{indent}<{tag} format="plain_text">\n{indent}  <text>{xml_escape(text)}</text>\n{extra}{indent}</{tag}>'


def _percent(fraction: float) -> str:
    return format_number(round(fraction * 100, 5))


def _answer(fraction: float, text: str, feedback: str, extra: str = "") -> str:
    return (
        f'    <answer fraction="{_percent(fraction)}" format="plain_text">\n'
        f"      <text>{xml_escape(text)}</text>\n{extra}"
        f'      <feedback format="plain_text"><text>{xml_escape(feedback)}</text></feedback>\n'
        f"    </answer>"
    )


def _question_xml(question: ParsedQuestion) -> str:
    kind = question.type
    qtype = {
        "single": "multichoice", "truefalse": "truefalse", "short": "shortanswer",
        "numeric": "numerical", "matching": "matching", "essay": "essay", "description": "description",
        "multiple": "multichoiceset" if question.grading == GRADING_ALL_OR_NOTHING else "multichoice",
    }[kind]
    files = "".join(
        f'      <file name={quoteattr(image.name)} path="/" encoding="base64">{base64.b64encode(image.data).decode()}</file>\n'
        for image in question.images
    )
    title = question.title or question.text[:40].replace("\n", " ")
    lines = [
        f'  <question type="{qtype}">',
        f"    <name><text>{xml_escape(title)}</text></name>",
        _text_element("questiontext", question.text, question.text_html, extra=files),
        _text_element("generalfeedback", question.feedback),
        f"    <defaultgrade>{format_number(question.points)}</defaultgrade>",
    ]
    if question.penalty is not None:
        lines.append(f"    <penalty>{format_number(question.penalty)}</penalty>")
    if kind in ("single", "multiple"):
        lines.append(f"    <single>{'true' if kind == 'single' else 'false'}</single>")
        lines.append("    <shuffleanswers>true</shuffleanswers>")
        lines.append("    <answernumbering>abc</answernumbering>")
        all_or_nothing = qtype == "multichoiceset"
        for option in question.options:
            fraction = (1.0 if option.fraction > 0 else 0.0) if all_or_nothing else option.fraction
            lines.append(_answer(fraction, option.text, option.feedback))
    elif kind == "truefalse":
        feedback = {option.text: option.feedback for option in question.options}
        lines.append(_answer(1.0 if question.answer else 0.0, "true", feedback.get("true", "")))
        lines.append(_answer(0.0 if question.answer else 1.0, "false", feedback.get("false", "")))
    elif kind == "short":
        lines.append("    <usecase>0</usecase>")
        lines.extend(_answer(answer.fraction, answer.text, answer.feedback) for answer in question.answers)
    elif kind == "numeric":
        for answer in question.answers:
            tolerance = f"      <tolerance>{format_number(answer.tolerance)}</tolerance>\n"
            lines.append(_answer(answer.fraction, format_number(answer.value), answer.feedback, tolerance))
    elif kind == "matching":
        lines.append("    <shuffleanswers>true</shuffleanswers>")
        for pair in question.pairs:
            lines.append(
                f'    <subquestion format="plain_text">\n      <text>{xml_escape(pair.left)}</text>\n'
                f"      <answer><text>{xml_escape(pair.right)}</text></answer>\n    </subquestion>"
            )
    elif kind == "essay":
        lines.append("    <responseformat>editor</responseformat>")
        lines.append(_text_element("graderinfo", question.grader_info))
    lines.append("  </question>")
    return "\n".join(lines)


def _category_xml(category: str) -> str:
    path = "$course$/top" + (f"/{category}" if category else "")
    return f'  <question type="category">\n    <category><text>{xml_escape(path)}</text></category>\n  </question>'


def export_moodle_xml(questions: list[ParsedQuestion], errors: list[ParseError] | None = None) -> bytes:
    parts = ['<?xml version="1.0" encoding="UTF-8"?>', "<quiz>"]
    category = None
    for question in questions:
        if question.category != category:
            category = question.category
            parts.append(_category_xml(category))
        parts.append(_question_xml(question))
    parts.append("</quiz>")
    return ("\n".join(parts) + "\n").encode("utf-8")

