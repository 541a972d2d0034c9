"""Numeric "any other answer" feedback (Moodle XML's "*" answer, GIFT's ~#): imported, stored in
the question's content, shown after a wrong number, and written back by both exports."""
from app.quiz.formats import export, parse_bytes
from app.quiz.types import QuestionView, question_type

XML = b"""<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="numerical">
    <name><text>\xe4\xba\xa9\xe4\xba\xa7</text></name>
    <questiontext format="plain_text"><text>How many kilograms?</text></questiontext>
    <answer fraction="100"><text>3</text><tolerance>2</tolerance><feedback><text>Right</text></feedback></answer>
    <answer fraction="0"><text>*</text><tolerance>0</tolerance><feedback><text>Completely wrong</text></feedback></answer>
  </question>
</quiz>
"""


def _stored_and_shown(parsed, typed: str) -> QuestionView:
    kind = question_type("numeric")
    content = kind.content_from_parsed(parsed)
    view = QuestionView(position=1, type="numeric", text=parsed.text, html=None, points=1)
    kind.fill_view(view, content, typed, [])
    kind.reveal(view, content, typed, [])
    return view


def test_moodle_xml_catch_all_feedback_is_kept_and_shown_for_a_number_no_answer_covers():
    result = parse_bytes(XML, format="moodle_xml")
    assert result.errors == []
    (question,) = result.questions
    assert [answer.value for answer in question.answers] == [3.0]  # "*" is not a number to accept
    assert question.other_feedback == "Completely wrong"
    assert _stored_and_shown(question, "10").answer_feedback == "Completely wrong"
    assert _stored_and_shown(question, "4").answer_feedback == "Right"
    assert question_type("numeric").grade(question_type("numeric").content_from_parsed(question), "10").fraction == 0.0


def test_gift_catch_all_feedback_is_stored_and_shown():
    (question,) = parse_bytes("产量? {#3:2~#完全错了}".encode(), format="gift").questions
    kind = question_type("numeric")
    content = kind.content_from_parsed(question)
    assert content["other_feedback"] == "完全错了"
    assert _stored_and_shown(question, "9").answer_feedback == "完全错了"


def test_both_exports_write_it_back_and_read_it_again():
    (question,) = parse_bytes(XML, format="moodle_xml").questions
    for fmt in ("moodle_xml", "gift"):
        (again,) = parse_bytes(export([question], fmt), format=fmt).questions
        assert again.other_feedback == "Completely wrong", fmt
        assert [(a.value, a.tolerance, a.fraction) for a in again.answers] == [(3.0, 2.0, 1.0)], fmt


def test_case_sensitive_short_answer_survives_a_gift_round_trip_in_the_lms_comment():
    xml = (b'<?xml version="1.0"?><quiz><question type="shortanswer"><name><text>c</text></name>'
           b'<questiontext format="plain_text"><text>Party?</text></questiontext><usecase>1</usecase>'
           b'<answer fraction="100"><text>CPC</text></answer></question></quiz>')
    (question,) = parse_bytes(xml, format="moodle_xml").questions
    assert question.case_sensitive
    gift = export([question], "gift")
    assert b"// lms: case_sensitive=1" in gift
    (again,) = parse_bytes(gift, format="gift").questions
    assert again.case_sensitive and [a.text for a in again.answers] == ["CPC"]
