"""Question-bank import and export formats: pure functions, no Flask, no database.

    from app.quiz.formats import parse_bytes, export, build_spreadsheet_template
    result = parse_bytes(data, filename="bank.xlsx")     # ParseResult(questions, errors)
    report = result.to_report()                          # the JSON report of `lms quiz import --json`
    data = export(result.questions, "gift")              # "gift", "moodle_xml" or "xlsx"

model.py describes the question fields per type, registry.py the format detection and limits,
and each parser module its grammar: spreadsheet.py (xlsx, csv), gift.py, moodle_xml.py.
"""
from .model import (
    MAX_INPUT_BYTES, MAX_QUESTIONS, QUESTION_TYPES, ParsedImage, ParsedNumericAnswer, ParsedOption,
    ParsedPair, ParsedQuestion, ParseError, ParseResult, normalize_answer,
)
from .registry import FORMATS, detect_format, export, parse_bytes
from .spreadsheet import build_spreadsheet_template

__all__ = [
    "FORMATS", "MAX_INPUT_BYTES", "MAX_QUESTIONS", "QUESTION_TYPES", "ParsedImage", "ParsedNumericAnswer",
    "ParsedOption", "ParsedPair", "ParsedQuestion", "ParseError", "ParseResult", "build_spreadsheet_template",
    "detect_format", "export", "normalize_answer", "parse_bytes",
]
