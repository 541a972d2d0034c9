"""Moodle XML: parse_moodle_xml(bytes) and export_moodle_xml(questions).

Question types read: multichoice (<single>true</single> gives "single", otherwise "multiple"
with partial credit), multichoiceset (the all-or-nothing plugin type; "multiple" with grading
"all_or_nothing"), truefalse, shortanswer (an answer "*" is Moodle's "any other answer" and is
kept with its fraction and feedback; <usecase>1</usecase> makes it case-sensitive), numerical (an answer "*" is
"any other answer": its feedback becomes other_feedback), matching, essay
(<graderinfo> becomes grader_info), description, cloze (formats/cloze.py reads the embedded
answers; the points are the sum of the blanks' weights, as Moodle's import_multianswer gives),
and category entries (the path, without the "$course$/top/" prefix, applies to the questions
that follow). Other types are reported and skipped. Fractions are percentages ("33.33333",
"-100") stored as 0.3333333, -1.0; as in Moodle's importer, a multichoice, shortanswer or
numerical question holding a grade outside Moodle's list (model.MOODLE_GRADES, e.g. "33") is
refused with "invalid_grade". <defaultgrade> is points, <penalty> penalty, <generalfeedback>
feedback.

Texts in format "html" (or "moodle_auto_format" holding markup) are sanitised with nh3 into
text_html, and text is their plain text; "markdown" texts are rendered (app.core.markdown)
and sanitised the same way. Files embedded as <file name=".."
encoding="base64"> inside <questiontext>, and Moodle 1.9's <image_base64> (named after
<image>; added after the text, as Moodle 2 does), become ParsedImage entries when
formats/media.py accepts them (images up to 5 MB, audio up to 10 MB, checked by content);
text_html keeps Moodle's ``@@PLUGINFILE@@/<name>`` as the placeholder, and a link to an audio
file becomes an <audio controls> player. What cannot be kept is reported, never dropped
silently: a refused file, a 1.9 <image> path without data, an image in an answer or feedback
(those are plain text here).

The XML is parsed by expat with any DOCTYPE refused (see richtext.parse_xml), so entity bombs
and external entities are rejected before anything is expanded or fetched.

Errors carry the location "question N", N counting <question> elements that are not categories.

export_moodle_xml writes every type (all-or-nothing multiple choice as multichoiceset, cloze
with its blanks written back into the text), HTML in CDATA sections, images and audio as
base64 <file> elements.
"""
from __future__ import annotations

import base64
import binascii
import mimetypes
import posixpath
import re
from html import escape as html_escape
from urllib.parse import quote, unquote
from xml.etree.ElementTree import Element
from xml.sax.saxutils import escape as xml_escape, quoteattr

from .cloze import ClozeRefused, embed_blanks, extract_blanks, markers_in
from .gift import clean_category, format_number
from .media import check_media, max_bytes
from .messages import human_size, message
from .model import (
    GRADING_ALL_OR_NOTHING, GRADING_PARTIAL, MAX_IMAGES, MAX_QUESTIONS, MAX_TEXT_CHARS,
    ParsedImage, ParsedNumericAnswer, ParsedOption, ParsedPair, ParsedQuestion, ParseError,
    ParseResult, clean_fraction, invalid_grades, moodle_grade, split_evenly,
)
from .richtext import (
    PLACEHOLDER_PREFIX, XmlBroken, XmlRefused, html_to_text, looks_like_html, markdown_to_safe_html, parse_xml,
    sanitize_html,
)

TYPE_NAMES = {
    "multichoice": "choice", "multichoiceset": "choice", "truefalse": "truefalse",
    "shortanswer": "short", "numerical": "numeric", "matching": "matching", "essay": "essay",
    "description": "description", "cloze": "cloze", "multianswer": "cloze",
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


def _check_grades(fractions: list[float]) -> list[float]:
    """Moodle's grades for the fractions (match_grade_options in "error" mode): a question
    holding a grade outside Moodle's list is refused as a whole."""
    refused = invalid_grades(fractions)
    if refused:
        raise QuestionSkipped("invalid_grade", values="、".join(f"{_percent(fraction)}%" for fraction in refused))
    return [moodle_grade(fraction) for fraction in fractions]


def _graded_options(element: Element) -> list[ParsedOption]:
    options = _options(element)
    for option, grade in zip(options, _check_grades([option.fraction for option in options])):
        option.fraction = grade
    return options


def _decode_file(name: str, payload: str, errors: list[ParseError], location: str) -> ParsedImage | None:
    """One embedded file, checked (formats/media.py); None with an error when refused."""
    payload = "".join((payload or "").split())
    claimed = mimetypes.guess_type(name)[0] or ""
    if len(payload) * 3 // 4 > max_bytes(claimed or "audio/"):
        key = "image_too_large" if claimed.startswith("image/") else "audio_too_large"
        errors.append(ParseError(location, message(key, name=name, limit=human_size(max_bytes(claimed or "audio/")))))
        return None
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        errors.append(ParseError(location, message("bad_image", name=name)))
        return None
    mime, refusal = check_media(name, data)
    if refusal:
        errors.append(ParseError(location, refusal))
        return None
    return ParsedImage(name=name, mime=mime, data=data)


def _images(element: Element | None, errors: list[ParseError], location: str) -> list[ParsedImage]:
    images = []
    if element is None:
        return images
    for file_element in element.findall("file"):
        image = _decode_file(file_element.get("name") or "image", file_element.text or "", errors, location)
        if image is not None:
            images.append(image)
    return images


def _legacy_image(element: Element, question: ParsedQuestion, errors: list[ParseError], location: str) -> None:
    """Moodle 1.9's <image> (a path in the course files) and <image_base64> (its bytes): as
    Moodle 2's importer does, the image is added after the question text."""
    path = (element.findtext("image") or "").strip()
    payload = element.findtext("image_base64") or ""
    if not path and not payload.strip():
        return
    name = posixpath.basename(path.replace("\\", "/")) or "image.png"
    if not payload.strip():
        errors.append(ParseError(location, message("image_path_only", name=path)))
        return
    image = _decode_file(name, payload, errors, location)
    if image is None:
        return
    question.images.append(image)
    html = question.text_html if question.text_html is not None else f"<p>{html_escape(question.text)}</p>"
    question.text_html = f'{html}<p><img src="{PLACEHOLDER_PREFIX}{quote(name)}" alt=""></p>'


AUDIO_LINK = '<a href="{src}"[^>]*>.*?</a>'


def _audio_players(question: ParsedQuestion) -> None:
    """Audio files shown as players: a link to one becomes an <audio controls> (what Moodle's
    media filter shows), one not referred to is added after the text."""
    for image in question.images:
        if not image.mime.startswith("audio/"):
            continue
        player = '<audio controls="controls" src="{src}"></audio>'
        html = question.text_html if question.text_html is not None else f"<p>{html_escape(question.text)}</p>"
        found = False
        for src in {PLACEHOLDER_PREFIX + quote(image.name), PLACEHOLDER_PREFIX + image.name}:
            if f'"{src}"' in html:
                found = True
                html = re.sub(AUDIO_LINK.format(src=re.escape(src)), player.format(src=src), html, flags=re.S)
        if not found:
            html += "<p>" + player.format(src=PLACEHOLDER_PREFIX + quote(image.name)) + "</p>"
        question.text_html = html


PLACEHOLDER_SRC = re.compile(r'(?:src|href)="' + re.escape(PLACEHOLDER_PREFIX) + r'([^"]+)"')


def _missing_files(question: ParsedQuestion, errors: list[ParseError], location: str) -> None:
    """A file the text refers to that did not come with it (or was refused) shows nothing; say so."""
    kept = {quote(image.name) for image in question.images} | {image.name for image in question.images}
    reported = {error.message for error in errors if error.location == location}
    for name in dict.fromkeys(PLACEHOLDER_SRC.findall(question.text_html or "")):
        if name not in kept and not any(unquote(name) in text for text in reported):
            errors.append(ParseError(location, message("file_missing", name=unquote(name))))


# Texts where an image cannot be shown: answers and feedback are kept as plain text.
PLAIN_TEXT_TAGS = ("answer", "feedback", "generalfeedback", "subquestion", "graderinfo",
                   "correctfeedback", "partiallycorrectfeedback", "incorrectfeedback")
IMG_SRC = re.compile(r"<img[^>]*\ssrc=[\"']?([^\"' >]+)", re.I)


def _images_in_plain_texts(element: Element, errors: list[ParseError], location: str) -> None:
    """An image in an answer or feedback is not shown; say so instead of dropping it silently."""
    for tag in PLAIN_TEXT_TAGS:
        for part in element.iter(tag):
            names = [file_element.get("name") or "image" for file_element in part.findall("file")]
            if not names:
                names = [unquote(posixpath.basename(src)) for src in IMG_SRC.findall(_child_text(part))]
            for name in names:
                errors.append(ParseError(location, message("image_in_answer", name=name)))


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
        html_before = question.text_html
        _legacy_image(element, question, result.errors, location)
        _audio_players(question)
        if question.text_html != html_before:  # the plain text is what the page shows, players included
            question.text = html_to_text(question.text_html)
        _missing_files(question, result.errors, location)
        _images_in_plain_texts(element, result.errors, location)
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
    if qtype in ("cloze", "multianswer"):
        _cloze(element, question)
    elif qtype == "multichoice":
        question.options = _graded_options(element)
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
        # "*" is Moodle's wildcard: an answer "*" (usually fraction 0) is "any other answer"
        # and keeps its feedback; the grader matches it as Moodle does.
        question.type = "short"
        question.case_sensitive = _child_text(element, "usecase").strip().lower() in ("1", "true")
        question.answers = [option for option in _graded_options(element) if option.text]
        if not question.answers:
            raise QuestionSkipped("missing_answer")
    elif qtype == "numerical":
        question.type = "numeric"
        for answer in element.findall("answer"):
            raw = _plain(answer).strip()
            if raw == "*":  # Moodle's "any other answer": only its feedback means something here
                question.other_feedback = _plain(answer.find("feedback"))
                continue
            value = _float(raw, None)
            if value is None:
                raise QuestionSkipped("bad_number", value=raw)
            tolerance = abs(_float(_child_text(answer, "tolerance") or None, 0.0) or 0.0)
            question.answers.append(ParsedNumericAnswer(value, tolerance, _fraction(answer), _plain(answer.find("feedback"))))
        for answer, grade in zip(question.answers, _check_grades([answer.fraction for answer in question.answers])):
            answer.fraction = grade
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


def _cloze(element: Element, question: ParsedQuestion) -> None:
    """Moodle's import_multianswer: the blanks are read from the raw question text
    (qtype_multianswer_extract_question), the marks are the sum of the blanks' weights."""
    text_element = element.find("questiontext")
    raw = _child_text(text_element)
    text_format = text_element.get("format", "html") if text_element is not None else "html"
    html = text_format == "html" or (text_format != "plain_text" and looks_like_html(raw))
    try:
        marked, blanks = extract_blanks(raw, html=html)
    except ClozeRefused as refusal:
        raise QuestionSkipped(refusal.key, **refusal.values) from None
    if html:
        question.text_html = sanitize_html(marked)
        question.text = html_to_text(question.text_html)
    else:
        question.text, question.text_html = marked.strip(), None
    expected = list(range(1, len(blanks) + 1))
    if markers_in(question.text_html if html else question.text) != expected or markers_in(question.text) != expected:
        raise QuestionSkipped("cloze_marker_lost")
    question.type, question.blanks = "cloze", blanks
    question.points = float(sum(blank.weight for blank in blanks))


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
        "cloze": "cloze",
    }[kind]
    files = "".join(
        f'      <file name={quoteattr(image.name)} path="/" encoding="base64">{base64.b64encode(image.data).decode()}</file>\n'
        for image in question.images
    )
    title = question.title or question.text[:40].replace("\n", " ")
    lines = [
        f'  <question type="{qtype}">',
        f"    <name><text>{xml_escape(title)}</text></name>",
        _text_element("questiontext", embed_blanks(question.text, question.blanks) if kind == "cloze" else question.text,
                      embed_blanks(question.text_html, question.blanks, html=True)
                      if kind == "cloze" and question.text_html is not None else question.text_html, extra=files),
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
        lines.append(f"    <usecase>{1 if question.case_sensitive else 0}</usecase>")
        lines.extend(_answer(answer.fraction, answer.text, answer.feedback) for answer in question.answers)
    elif kind == "numeric":
        for answer in question.answers:
            tolerance = f"      <tolerance>{format_number(answer.tolerance)}</tolerance>\n"
            lines.append(_answer(answer.fraction, format_number(answer.value), answer.feedback, tolerance))
        if question.other_feedback:
            lines.append(_answer(0.0, "*", question.other_feedback, "      <tolerance>0</tolerance>\n"))
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

