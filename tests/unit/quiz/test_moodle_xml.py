"""Moodle XML parser: tests/data/quiz/full.xml, hostile XML, images and limits."""
from __future__ import annotations

import base64

import pytest

from app.quiz.formats.model import MAX_IMAGE_BYTES
from app.quiz.formats.moodle_xml import parse_moodle_xml

from .helpers import PNG, data_file

DTD_MESSAGE = "XML 文件含有 DOCTYPE 或实体声明，出于安全原因拒绝导入"


@pytest.fixture(scope="module")
def result():
    return parse_moodle_xml(data_file("full.xml"))


@pytest.fixture(scope="module")
def parsed(result):
    return {question.title: question for question in result.questions}


def test_unsupported_type_is_reported_and_skipped(result):
    assert [(e.location, e.message) for e in result.errors] == [("question 10", "不支持的题型“calculated”，已跳过")]
    assert len(result.questions) == 9


def test_single_choice_html_images_feedback_penalty(parsed):
    question = parsed["X1 单选"]
    assert question.type == "single" and question.category == "党史/第一章"
    assert question.points == 2.0 and question.penalty == 0.3333333
    assert question.text == "中共一大在哪一年召开？"
    assert question.text_html == '<p>中共一大在哪一年召开？<img src="@@PLUGINFILE@@/dot%20map.png" alt="地图"></p>'
    assert "script" not in question.text_html and "onclick" not in question.text_html and "tracker" not in question.text_html
    assert question.feedback == "1921 年 7 月。"
    assert [(o.text, o.fraction, o.feedback) for o in question.options] == [
        ("1921年", 1.0, "正确"), ("1919年", 0.0, ""), ("1949年", -0.5, "这是建国")]
    [image] = question.images
    assert (image.name, image.mime) == ("dot map.png", "image/png") and image.data.startswith(b"\x89PNG")


def test_multiple_choice_fractions_33_33333_and_negative(parsed):
    question = parsed["X2 多选"]
    assert question.type == "multiple" and question.grading == "partial"
    assert [o.fraction for o in question.options] == [0.3333333, 0.3333333, 0.3333333, -1.0]


def test_all_or_nothing_multichoiceset(parsed):
    question = parsed["X9 全对得分"]
    assert question.type == "multiple" and question.grading == "all_or_nothing"
    assert [o.fraction for o in question.options] == [0.5, 0.0, 0.5]


def test_truefalse_short_numeric_matching_essay_description(parsed):
    truefalse = parsed["X3 判断"]
    assert truefalse.answer is False and {o.text: o.feedback for o in truefalse.options} == {"true": "错了", "false": "对了"}
    short = parsed["X4 填空"]
    assert [(a.text, a.fraction, a.feedback) for a in short.answers] == [("党课", 1.0, ""), ("课", 0.5, "不完整")]
    numeric = parsed["X5 数值"]
    assert [(a.value, a.tolerance, a.fraction) for a in numeric.answers] == [(3.14, 0.01, 1.0)]
    matching = parsed["X6 匹配"]
    assert [(p.left, p.right) for p in matching.pairs] == [("中共一大", "上海"), ("遵义会议", "遵义"), ("", "北京")]
    essay = parsed["X7 问答"]
    assert essay.type == "essay" and essay.grader_info == "言之有理即可" and essay.points == 10.0
    assert essay.category == "党史/第二章"
    assert parsed["X8 说明"].type == "description" and parsed["X8 说明"].points == 0.0


@pytest.mark.parametrize("name", ["billion_laughs.xml", "external_entity.xml"])
def test_entity_declarations_are_refused_before_expansion(name):
    result = parse_moodle_xml(data_file(name))
    assert result.questions == []
    assert [(e.location, e.message) for e in result.errors] == [("file", DTD_MESSAGE)]


def test_doctype_after_a_long_comment_is_still_refused():
    data = b'<?xml version="1.0"?><!--' + b"x" * 10000 + b'--><!DOCTYPE quiz [<!ENTITY e SYSTEM "file:///etc/passwd">]><quiz>&e;</quiz>'
    result = parse_moodle_xml(data)
    assert result.questions == [] and result.errors[0].message == DTD_MESSAGE


def test_undeclared_entity_and_broken_xml_are_clear_errors():
    broken = parse_moodle_xml(data_file("broken.xml"))
    assert broken.questions == [] and broken.errors[0].message.startswith("XML 格式错误：mismatched tag")
    undeclared = parse_moodle_xml(b"<quiz><question type='essay'><questiontext><text>&passwd;</text></questiontext></question></quiz>")
    assert undeclared.questions == [] and "undefined entity" in undeclared.errors[0].message


def test_other_root_element_is_refused():
    result = parse_moodle_xml(b"<html><body>hi</body></html>")
    assert result.errors[0].message == "XML 根元素不是 <quiz>，不是 Moodle XML 题库"


def _essay_with_file(payload: str) -> bytes:
    return (
        '<quiz><question type="essay"><name><text>img</text></name><questiontext format="html">'
        '<text><![CDATA[<p>看图<img src="@@PLUGINFILE@@/big.png"></p>]]></text>'
        f'<file name="big.png" path="/" encoding="base64">{payload}</file></questiontext></question></quiz>'
    ).encode()


def test_oversize_or_invalid_image_is_dropped_with_an_error():
    too_big = base64.b64encode(b"\0" * (MAX_IMAGE_BYTES + 10)).decode()
    result = parse_moodle_xml(_essay_with_file(too_big))
    assert len(result.questions) == 1 and result.questions[0].images == []
    assert result.errors[0].location == "question 1" and "图片 big.png 过大" in result.errors[0].message
    invalid = parse_moodle_xml(_essay_with_file("not base64 !!!"))
    assert invalid.questions[0].images == [] and invalid.errors[0].message == "图片 big.png 数据无效，已忽略"
    fine = parse_moodle_xml(_essay_with_file(base64.b64encode(PNG).decode()))
    assert fine.errors == [] and fine.questions[0].images[0].data == PNG


def test_question_without_correct_option_is_skipped():
    data = (b'<quiz><question type="multichoice"><name><text>n</text></name><questiontext><text>q</text></questiontext>'
            b'<single>true</single><answer fraction="0"><text>a</text></answer><answer fraction="0"><text>b</text></answer>'
            b'</question></quiz>')
    result = parse_moodle_xml(data)
    assert result.questions == [] and result.errors[0].message == "没有得分的选项"
