"""Importing an export gives the same questions back, for every type and format.

GIFT cannot carry grader_info, penalty or images; Moodle XML names untitled questions after
their text; the spreadsheet holds single, multiple (all-or-nothing), truefalse, short and
essay without per-option feedback. Each test states which of these it leaves out."""
from __future__ import annotations

import dataclasses

import pytest

from app.quiz.formats import QUESTION_TYPES, ParsedOption, ParsedQuestion, export, parse_bytes
from app.quiz.formats.gift import parse_gift
from app.quiz.formats.moodle_xml import parse_moodle_xml

from .helpers import data_file, one_of_each_type, with_image


def test_the_sample_covers_every_type():
    assert {question.type for question in one_of_each_type()} == set(QUESTION_TYPES)


def test_every_type_round_trips_through_moodle_xml():
    questions = one_of_each_type()
    result = parse_bytes(export(questions, "moodle_xml"))
    assert result.errors == []
    assert result.questions == questions


def test_every_type_but_cloze_round_trips_through_gift_and_cloze_is_left_out_with_a_reason():
    questions = one_of_each_type()
    errors = []
    result = parse_bytes(export(questions, "gift", errors))
    assert result.errors == []
    assert result.questions == [question for question in questions if question.type != "cloze"]
    cloze_numbers = [number for number, question in enumerate(questions, start=1) if question.type == "cloze"]
    assert [(error.location, error.message) for error in errors] == [
        (f"question {number}", "GIFT 格式不支持完形填空题，未导出；请用 Moodle XML 导出") for number in cloze_numbers]


def test_moodle_xml_keeps_images_penalty_and_grader_info():
    question = with_image()
    result = parse_moodle_xml(export([question], "moodle_xml"))
    assert result.errors == [] and result.questions == [question]


def test_gift_drops_what_it_cannot_carry():
    question = with_image()
    [back] = parse_gift(export([question], "gift")).questions
    assert back == dataclasses.replace(question, images=[], grader_info="", penalty=None)


def _as_the_spreadsheet_holds(question):
    """The question minus what the template has no column for: option feedback, negative or
    partial fractions of wrong options, answer weights, rich text, images, penalty."""
    options = [dataclasses.replace(o, feedback="", fraction=max(o.fraction, 0.0)) for o in question.options]
    answers = [dataclasses.replace(a, fraction=1.0, feedback="") for a in question.answers]
    return dataclasses.replace(question, options=options, answers=answers, text_html=None, images=[], penalty=None)


def test_spreadsheet_round_trip_for_its_types():
    held_types = {"single", "multiple", "truefalse", "short", "essay"}
    questions = [
        _as_the_spreadsheet_holds(question) for question in one_of_each_type() + [with_image()]
        if question.type in held_types and question.grading != "partial"
    ]
    assert {question.type for question in questions} == held_types
    errors = []
    result = parse_bytes(export(questions, "xlsx", errors), "bank.xlsx")
    assert errors == [] and result.errors == []
    assert result.questions == questions


@pytest.mark.parametrize("name", ["full.gift", "full.xml", "bank.csv"])
@pytest.mark.parametrize("fmt", ["gift", "moodle_xml"])
def test_data_files_survive_a_second_round(name, fmt):
    first = parse_bytes(data_file(name), name).questions
    second = parse_bytes(export(first, fmt)).questions
    third = parse_bytes(export(second, fmt)).questions
    assert third == second
    assert [(q.type, q.text, q.category) for q in second] == [(q.type, q.text, q.category) for q in first]


@pytest.mark.parametrize("text", ["// 不是注释", "[html] 不是标记", "$CATEGORY: 不是分类", "::不是标题::", "  前后空格被去掉  "])
def test_gift_text_that_looks_like_syntax_round_trips(text):
    question = ParsedQuestion(type="truefalse", text=text, answer=True,
                              options=[ParsedOption("true", 1.0), ParsedOption("false", 0.0)])
    [back] = parse_gift(export([question], "gift")).questions
    assert back.text == text.strip()
