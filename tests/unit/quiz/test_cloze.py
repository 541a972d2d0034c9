"""Cloze (Moodle's embedded answers): the syntax as qtype_multianswer reads it, the Moodle XML
import and export, and grading per blank by weight."""
from __future__ import annotations

import random

import pytest
from markupsafe import Markup

from app.quiz.formats import export, parse_bytes
from app.quiz.formats.cloze import ClozeRefused, blank_syntax, embed_blanks, extract_blanks
from app.quiz.formats.model import ParsedBlank, ParsedBlankAnswer
from app.quiz.formats.moodle_xml import parse_moodle_xml
from app.quiz.grading import blank_answer, cloze_blank_fractions, grade_cloze
from app.quiz.types import QuestionView, question_type
from app.quiz.types.cloze import blanks_content

from .helpers import cloze_examples


def test_every_blank_type_weight_fraction_and_feedback():
    text, blanks = extract_blanks(
        "首都是{1:SHORTANSWER:=北京#对~%50%北平#旧称~*#不对}，{2:MC:上海~=北京#好}。"
        "{3:NM:=3.14:0.01~%50%3:0.5~*#差太远}{:MCV:=甲~乙}{1:MCH:=丙~丁}{1:SAC:=CPC}{1:MCVS:=a~b}{1:MCS:=c~d}{1:MCHS:=e~f}"
        "{1:SA:=x}{1:MW:=y}{1:SHORTANSWER_C:=z}{1:NUMERICAL:=1}{1:MULTICHOICE_V:=g~h}{1:MULTICHOICE_H:=i~j}")
    assert text.startswith("首都是{#1}，{#2}。{#3}{#4}{#5}{#6}")
    short, choice, numeric, vertical, horizontal, case, *rest = blanks
    assert short == ParsedBlank("short", [ParsedBlankAnswer("北京", 1.0, "对"), ParsedBlankAnswer("北平", 0.5, "旧称"),
                                          ParsedBlankAnswer("*", 0.0, "不对")])
    assert choice == ParsedBlank("choice", [ParsedBlankAnswer("上海", 0.0), ParsedBlankAnswer("北京", 1.0, "好")], weight=2)
    assert numeric == ParsedBlank("numeric", [ParsedBlankAnswer("3.14", 1.0, "", 0.01), ParsedBlankAnswer("3", 0.5, "", 0.5),
                                              ParsedBlankAnswer("*", 0.0, "差太远")], weight=3)
    assert (vertical.layout, vertical.weight, horizontal.layout, case.case_sensitive) == ("vertical", 1, "horizontal", True)
    assert [(b.kind, b.layout, b.shuffle, b.case_sensitive) for b in rest] == [
        ("choice", "vertical", True, False), ("choice", "dropdown", True, False), ("choice", "horizontal", True, False),
        ("short", "dropdown", False, False), ("short", "dropdown", False, False), ("short", "dropdown", False, True),
        ("numeric", "dropdown", False, False), ("choice", "vertical", False, False), ("choice", "horizontal", False, False),
    ]


def test_escapes_and_entities_in_html():
    text, [blank] = extract_blanks(r"<p>选 {1:MC:=a\}b#x\#y~c\~d~&lt;e&gt; &amp; f}</p>", html=True)
    assert text == "<p>选 {#1}</p>"
    assert [(a.text, a.feedback) for a in blank.answers] == [("a}b", "x#y"), ("c~d", ""), ("<e> & f", "")]
    assert extract_blanks(embed_blanks(text, [blank], html=True), html=True) == (text, [blank])


@pytest.mark.parametrize("source, key", [
    ("没有空格", "cloze_no_blanks"),
    ("{1:SA:%50%半对}", "cloze_no_full_marks"),
    ("{1:MC:=只有一个}", "cloze_too_few_options"),
    ("{1:NM:=三}", "cloze_bad_number"),
])
def test_what_moodle_refuses_is_refused(source, key):
    with pytest.raises(ClozeRefused) as refused:
        extract_blanks(source)
    assert refused.value.key == key


def test_written_syntax_reads_back():
    blank = ParsedBlank("choice", [ParsedBlankAnswer("a}", 1.0, "#"), ParsedBlankAnswer("=b", 0.0),
                                   ParsedBlankAnswer("%c", -0.3333333)], weight=2, layout="horizontal", shuffle=True)
    syntax = blank_syntax(blank)
    assert syntax == r"{2:MULTICHOICE_HS:=a\}#\#~%0%=b~%-33.33333%%c}"
    assert extract_blanks(syntax)[1] == [blank]


def _cloze_xml(text: str, fmt: str = "html") -> bytes:
    return (f'<quiz><question type="cloze"><name><text>完形</text></name><questiontext format="{fmt}">'
            f"<text><![CDATA[{text}]]></text></questiontext><generalfeedback><text>解析</text></generalfeedback>"
            "<defaultgrade>9</defaultgrade><penalty>0.3333333</penalty></question></quiz>").encode()


def test_moodle_xml_cloze_points_are_the_sum_of_weights_as_moodle_imports_it():
    [question] = parse_moodle_xml(_cloze_xml("<p>首都是{2:SA:=北京}，{1:MC:=对~错}</p>")).questions
    assert question.type == "cloze" and question.points == 3.0  # <defaultgrade> is ignored, as by Moodle
    assert question.text == "首都是{#1}，{#2}" and question.text_html == "<p>首都是{#1}，{#2}</p>"
    assert question.feedback == "解析" and question.penalty == 0.3333333
    report = question.to_report()
    assert report["blanks"][0] == {"kind": "short", "weight": 2, "case_sensitive": False, "layout": "dropdown",
                                   "shuffle": False, "answers": [{"text": "北京", "fraction": 1.0, "feedback": "",
                                                                  "tolerance": 0.0}]}


def test_moodle_xml_cloze_refusals_name_the_blank():
    result = parse_moodle_xml(_cloze_xml("{1:SA:=a} {1:NM:=abc}", fmt="plain_text"))
    assert [(e.location, e.message) for e in result.errors] == [("question 1", "第 2 个空格是数值空格，但“abc”不是数字")]
    result = parse_moodle_xml(_cloze_xml('<a href="{1:SA:=a}">x</a>'))
    assert [e.message for e in result.errors] == ["完形填空题的空格位置无法保留（空格写在了链接或图片的属性里），整题未导入"]


def test_moodle_xml_export_writes_cloze_that_reads_back():
    questions = cloze_examples()
    data = export(questions, "moodle_xml")
    assert b'<question type="cloze">' in data
    assert "{1:SHORTANSWER:=上海#对~%50%嘉兴#闭幕在嘉兴~%0%*#再想想}".encode() in data
    assert parse_bytes(data).questions == questions


def _content(question_index: int = 0) -> dict:
    return {"blanks": blanks_content(cloze_examples()[question_index].blanks)}


def test_grading_per_blank_weighted_as_moodle():
    content = _content()  # weights 1 (short), 2 (numeric), 1 (choice)
    assert grade_cloze(content, ["上海", "13", 0]).fraction == 1.0
    assert grade_cloze(content, ["嘉兴", "12.5", 1]).fraction == pytest.approx((0.5 + 2 * 0.5 + 0) / 4)
    assert grade_cloze(content, ["南京", None, 0]).fraction == 0.25
    assert grade_cloze(content, None).fraction == 0.0
    assert cloze_blank_fractions(content, ["上海 ", "１３", None]) == [1.0, 1.0, 0.0]
    assert blank_answer(content["blanks"][0], "南京")["feedback"] == "再想想"  # the catch-all "*"


def test_case_sensitive_blank_and_negative_option_never_below_zero():
    content = _content(1)
    assert cloze_blank_fractions(content, [2, "cpc"]) == [0.0, 0.0]
    assert cloze_blank_fractions(content, [0, "CPC"]) == [1.0, 1.0]


def test_the_page_model_cuts_the_text_at_its_blanks_and_reveals_per_blank():
    kind = question_type("cloze")
    content = _content()
    order = kind.display_order(content, random.Random(1), shuffle_options=True)
    assert order == [0, 1]  # a plain MULTICHOICE blank is not shuffled
    response = kind.response_from_form(content, order, {"0": ["嘉兴"], "1": [""], "2": ["1"]})
    assert response == ["嘉兴", None, 0]
    view = QuestionView(position=1, type="cloze", text="中共一大在{#1}召开，出席代表共{#2}人，会址在{#3}。", html=None, points=4)
    kind.fill_view(view, content, response, order)
    assert [str(part.html) for part in view.parts] == ["中共一大在", "召开，出席代表共", "人，会址在", "。"]
    assert [part.blank.kind for part in view.parts[:3]] == ["short", "numeric", "choice"]
    assert view.parts[0].blank.value == "嘉兴" and view.parts[2].blank.options[0].chosen
    assert view.parts[0].blank.feedback == "" and view.parts[0].blank.fraction is None  # nothing before submission
    assert view.text == "中共一大在(1)____召开，出席代表共(2)____人，会址在(3)____。"
    kind.reveal(view, content, response, order)
    short, numeric, choice = (part.blank for part in view.parts[:3])
    assert (short.fraction, short.feedback, short.accepted) == (0.5, "闭幕在嘉兴", ["上海"])
    assert (numeric.fraction, numeric.accepted) == (0.0, ["13"])
    assert choice.is_correct and choice.options[0].correct
    assert view.accepted == ["(1) 上海", "(2) 13", "(3) 望志路 106 号"]
    html_view = QuestionView(position=1, type="cloze", text="x", html=Markup("<p>a<b>{#1}</b></p>"), points=1)
    kind.fill_view(html_view, {"blanks": content["blanks"][:1]}, None, [])
    assert [str(part.html) for part in html_view.parts] == ["<p>a<b>", "</b></p>"]
