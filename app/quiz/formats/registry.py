"""The one place that knows every question-bank format.

    parse_bytes(data, filename=None, format=None) -> ParseResult
    export(questions, format, errors=None) -> bytes
    detect_format(data, filename=None) -> format name or None

Format names: "xlsx", "xls", "csv", "gift", "moodle_xml". parse_bytes picks the format from
the explicit ``format``, else from the content (a zip holding xl/workbook.xml is xlsx; a zip of
anything else is refused; an OLE2 file is an old Excel .xls, read through xlrd; text starting with "<" that holds <quiz> is Moodle XML), else from
the file name's extension (.csv, .gift/.txt, .xml), else by sniffing text: a first line naming
the 题型 column is CSV, anything else GIFT.

A file that yields neither questions nor errors gets the error "no questions found".
Input larger than model.MAX_INPUT_BYTES (20 MB) or empty is refused before any parsing;
every failure that refuses a whole file is a ParseResult with no questions and one error at
location "file". Exporters that cannot hold a question append a ParseError to ``errors``;
each format lists the types it writes (QuestionFormat.types): cloze only in Moodle XML, so
export() leaves cloze out of GIFT and Excel with the error "export_cloze_unsupported".
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Callable

from .gift import export_gift, parse_gift
from app.core.xls import is_xls

from .messages import human_size, message
from .model import MAX_INPUT_BYTES, QUESTION_TYPES, ParsedQuestion, ParseError, ParseResult
from .moodle_xml import export_moodle_xml, parse_moodle_xml
from .spreadsheet import export_xlsx, parse_csv, parse_xls, parse_xlsx


@dataclass(frozen=True)
class QuestionFormat:
    name: str
    label: str
    extensions: tuple[str, ...]
    mime: str
    parse: Callable[[bytes], ParseResult]
    export: Callable[..., bytes] | None
    # the question types its exporter writes; others are left out with an error
    types: tuple[str, ...] = tuple(kind for kind in QUESTION_TYPES if kind != "cloze")


FORMATS: dict[str, QuestionFormat] = {
    fmt.name: fmt for fmt in (
        QuestionFormat("xlsx", "Excel", (".xlsx",), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", parse_xlsx, export_xlsx),
        QuestionFormat("xls", "Excel 97-2003", (".xls",), "application/vnd.ms-excel", parse_xls, None),
        QuestionFormat("csv", "CSV", (".csv",), "text/csv", parse_csv, None),
        QuestionFormat("gift", "GIFT", (".gift", ".txt"), "text/plain", parse_gift, export_gift),
        QuestionFormat("moodle_xml", "Moodle XML", (".xml",), "application/xml", parse_moodle_xml, export_moodle_xml,
                       QUESTION_TYPES),
    )
}
ZIP_MAGIC = b"PK\x03\x04"


def detect_format(data: bytes, filename: str | None = None) -> str | None:
    if data.startswith(ZIP_MAGIC):
        return "xlsx"  # parse_xlsx refuses zips that are not workbooks, with a clear message
    if is_xls(data):
        return "xls"  # parse_xls refuses OLE2 files that are not workbooks (a Word .doc), clearly
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<") and (b"<quiz" in head or head.startswith(b"<?xml")):
        return "moodle_xml"
    extension = os.path.splitext(filename or "")[1].lower()
    for fmt in FORMATS.values():
        if extension in fmt.extensions:
            return fmt.name
    if b"\x00" in head:
        return None
    first_line = head.split(b"\n", 1)[0]
    if "题型".encode("utf-8") in first_line or "题型".encode("gb18030") in first_line:
        return "csv"
    return "gift"


def parse_bytes(data: bytes, filename: str | None = None, format: str | None = None) -> ParseResult:
    if len(data) > MAX_INPUT_BYTES:
        return ParseResult.failure(message("too_large", size=human_size(len(data)), limit=human_size(MAX_INPUT_BYTES)))
    if not data.strip():
        return ParseResult.failure(message("empty_file"))
    name = format or detect_format(data, filename)
    if name is None:
        return ParseResult.failure(message("binary_junk"))
    if name not in FORMATS:
        return ParseResult.failure(message("unsupported_format", name=name))
    result = FORMATS[name].parse(data)
    if not result.questions and not result.errors:
        return ParseResult.failure(message("no_questions"))
    return result


def export(questions: list[ParsedQuestion], format: str, errors: list[ParseError] | None = None) -> bytes:
    """Questions of a type no format knows (one registered by the app alone, see
    app.quiz.types) are left out with an error rather than written as something else."""
    fmt = FORMATS.get(format)
    if fmt is None or fmt.export is None:
        raise ValueError(f"no exporter for format {format!r}")
    known, numbers, skipped = [], [], []
    for number, question in enumerate(questions, start=1):
        if question.type in fmt.types:
            known.append(question)
            numbers.append(number)
        elif question.type in QUESTION_TYPES:
            skipped.append(ParseError(f"question {number}", message("export_cloze_unsupported", format=fmt.label)))
        else:
            skipped.append(ParseError(f"question {number}", message("export_type_unknown_to_formats", type=question.type)))
    written: list[ParseError] = []
    data = fmt.export(known, written)
    if errors is not None:
        for error in written:  # the exporter counts the questions it was given; say which they were
            kind, _sep, index = error.location.partition(" ")
            if kind == "question" and index.isdigit() and 0 < int(index) <= len(numbers):
                error.location = f"question {numbers[int(index) - 1]}"
        errors.extend(sorted(skipped + written, key=_question_number))
    return data


def _question_number(error: ParseError) -> int:
    kind, _sep, number = error.location.partition(" ")
    return int(number) if kind == "question" and number.isdigit() else 0
