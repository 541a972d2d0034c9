"""Cloze multiple-response blanks (Moodle's MULTIRESPONSE/MR, MRH, MRS, MRHS): read with
Moodle's fraction fix, graded as Moodle's multichoice "multi" (the chosen options' sum, 0..1),
shown as checkboxes, revealed with each ticked option's feedback, written back and read again."""
from __future__ import annotations

import random

import pytest

from app.quiz.formats import ParsedQuestion, export, parse_bytes
from app.quiz.formats.cloze import ClozeRefused, blank_syntax, extract_blanks
from app.quiz.formats.model import ParsedBlank, ParsedBlankAnswer
from app.quiz.grading import cloze_blank_fractions, grade_cloze
from app.quiz.types import QuestionView, question_type
from app.quiz.types.cloze import blanks_content


def test_every_multiresponse_type_and_its_layout():
    _text, blanks = extract_blanks("{1:MR:=a~b}{1:MULTIRESPONSE:=a~b}{2:MRH:=a~b}{1:MULTIRESPONSE_H:=a~b}"
                                   "{1:MRS:=a~b}{1:MULTIRESPONSE_S:=a~b}{1:MRHS:=a~b}{1:MULTIRESPONSE_HS:=a~b}")
    assert [(b.kind, b.layout, b.shuffle, b.weight) for b in blanks] == [
        ("multi", "vertical", False, 1), ("multi", "vertical", False, 1),
        ("multi", "horizontal", False, 2), ("multi", "horizontal", False, 1),
        ("multi", "vertical", True, 1), ("multi", "vertical", True, 1),
        ("multi", "horizontal", True, 1), ("multi", "horizontal", True, 1),
    ]


def _fractions(source: str) -> list[float]:
    return [answer.fraction for answer in extract_blanks(source)[1][0].answers]


def test_fractions_fixed_as_moodle_fixes_them():
    # no percentages of the author's own: right ones share 1, each wrong one cancels a right one
    assert _fractions("{1:MR:=甲~=乙~丙~丁}") == [0.5, 0.5, -0.5, -0.5]
    assert _fractions("{1:MR:=甲~%0%乙}") == [1.0, -1.0]  # PHP reads "%0%" as no percentage
    # percentages given: the positive ones scaled to add up to 1, the others kept
    assert _fractions("{1:MR:%50%甲~%50%乙~%-50%丙~丁}") == [0.5, 0.5, -0.5, 0.0]
    assert _fractions("{1:MR:=甲~%50%乙~丙}") == [0.6666667, 0.3333333, 0.0]
    assert _fractions("{1:MR:%25%甲~%-100%乙}") == [1.0, -1.0]


@pytest.mark.parametrize("source, key", [
    ("{1:MR:%-50%甲~乙}", "cloze_no_right_option"),
    ("{1:MR:=只有一个}", "cloze_too_few_options"),
])
def test_what_moodle_refuses_is_refused(source, key):
    with pytest.raises(ClozeRefused) as refused:
        extract_blanks(source)
    assert refused.value.key == key


def test_a_positive_option_is_enough_no_full_marks_needed():
    blank = extract_blanks("{1:MR:%30%甲~%30%乙~%-40%丙}")[1][0]
    assert [answer.fraction for answer in blank.answers] == [0.5, 0.5, -0.4]


def test_written_syntax_reads_back_unchanged():
    blank = ParsedBlank("multi", [ParsedBlankAnswer("a}", 1.0, "#对"), ParsedBlankAnswer("b", 0.0),
                                  ParsedBlankAnswer("c", -1.0, "错")], weight=2, layout="horizontal", shuffle=True)
    syntax = blank_syntax(blank)
    assert syntax == r"{2:MULTIRESPONSE_HS:%100%a\}#\#对~%0%b~%-100%c#错}"
    assert extract_blanks(syntax)[1] == [blank]
    for layout, shuffle, name in [("vertical", False, "MULTIRESPONSE"), ("horizontal", False, "MULTIRESPONSE_H"),
                                  ("vertical", True, "MULTIRESPONSE_S")]:
        blank = extract_blanks(f"{{1:{name}:=x~=y~z}}")[1][0]
        assert (blank.layout, blank.shuffle) == (layout, shuffle)
        assert blank_syntax(blank) == f"{{1:{name}:%50%x~%50%y~%-50%z}}"
        assert extract_blanks(blank_syntax(blank))[1] == [blank]


def _question() -> ParsedQuestion:
    text, blanks = extract_blanks("党的三大作风：{2:MR:=理论联系实际#对~=密切联系群众#对~=批评与自我批评#对~"
                                  "照本宣科#不是}；首都{1:SA:=北京}")
    return ParsedQuestion(type="cloze", title="三大作风", text=text, blanks=blanks, points=3.0)


def test_moodle_xml_round_trip():
    question = _question()
    data = export([question], "moodle_xml")
    assert "{2:MULTIRESPONSE:%33.33333%理论联系实际#对~".encode() in data
    assert "~%-33.33333%照本宣科#不是}".encode() in data
    assert parse_bytes(data).questions == [question]


def test_grading_sums_the_ticked_options_clamped():
    content = {"blanks": blanks_content(_question().blanks)}  # weights 2 (multi), 1 (short)
    assert cloze_blank_fractions(content, [[0, 1, 2], "北京"]) == [1.0, 1.0]
    assert grade_cloze(content, [[0, 1, 2], "北京"]).fraction == 1.0
    assert cloze_blank_fractions(content, [[0, 1], None])[0] == pytest.approx(2 / 3)
    assert cloze_blank_fractions(content, [[0, 1, 2, 3], None])[0] == pytest.approx(2 / 3)
    assert cloze_blank_fractions(content, [[0, 3], None])[0] == 0.0  # never below 0
    assert cloze_blank_fractions(content, [[3], None])[0] == 0.0
    assert cloze_blank_fractions(content, [[9, "x", True], None])[0] == 0.0  # nothing valid chosen
    assert cloze_blank_fractions(content, [None, None])[0] == 0.0
    assert grade_cloze(content, [[0, 1], "北京"]).fraction == pytest.approx((2 * 2 / 3 + 1) / 3)


def test_the_page_model_ticks_shuffles_and_reveals_per_option():
    kind = question_type("cloze")
    question = _question()
    question.blanks[0].shuffle = True
    content = {"blanks": blanks_content(question.blanks)}
    order = kind.display_order(content, random.Random(3), shuffle_options=False)
    assert sorted(order) == [0, 1, 2, 3] and order != [0, 1, 2, 3]
    positions = {original: str(position) for position, original in enumerate(order, start=1)}
    response = kind.response_from_form(content, order, {"0": [positions[3], positions[0], "9"], "1": [""]})
    assert response == [[0, 3], None]
    assert kind.response_from_form(content, order, {"0": [], "1": ["北京"]}) == [None, "北京"]
    view = QuestionView(position=1, type="cloze", text=question.text, html=None, points=3)
    kind.fill_view(view, content, response, order)
    multi = view.parts[0].blank
    assert multi.kind == "multi" and multi.layout == "vertical"
    assert [option.text for option in multi.options] == [content["blanks"][0]["answers"][i]["text"] for i in order]
    assert {option.text for option in multi.options if option.chosen} == {"理论联系实际", "照本宣科"}
    kind.reveal(view, content, response, order)
    assert multi.fraction == 0.0 and not multi.is_correct
    assert {option.text: option.feedback for option in multi.options if option.feedback} == {
        "理论联系实际": "对", "照本宣科": "不是"}  # only the ticked options' feedback
    assert {option.text for option in multi.options if option.correct} == {"理论联系实际", "密切联系群众", "批评与自我批评"}
    assert multi.accepted == ["理论联系实际", "密切联系群众", "批评与自我批评"]
    assert view.accepted[0] == "(1) 理论联系实际 / 密切联系群众 / 批评与自我批评"
    assert kind.answer_summary(question) == "理论联系实际 + 密切联系群众 + 批评与自我批评 | 北京"
