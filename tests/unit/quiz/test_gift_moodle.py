"""GIFT read as Moodle's own importer reads it.

The cases and expected results are ported from Moodle's tests of its importer
(question/format/gift/tests/giftformat_test.php) and from what question/format/gift/format.php
does with the rest of the documented syntax; the Chinese cases are ours.
"""
from __future__ import annotations

import pytest

from app.quiz import grading
from app.quiz.formats import ParsedNumericAnswer, ParsedOption, ParsedPair, ParsedQuestion, export, parse_bytes
from app.quiz.formats.gift import export_gift, parse_gift
from app.quiz.types import question_type


def one(source: str) -> ParsedQuestion:
    result = parse_gift(source.encode("utf-8"))
    assert result.errors == [], result.errors
    [question] = result.questions
    return question


def refusal(source: str) -> str:
    result = parse_gift(source.encode("utf-8"))
    assert result.questions == []
    [error] = result.errors
    return error.message


# ---------------------------------------------------------------- format markers

def test_markers_in_answers_and_feedback_are_removed():
    # giftformat_test::test_import_multichoice
    question = one("""// multiple choice with specified feedback for right and wrong answers
::Q2:: What's between orange and green in the spectrum?
{
    =yellow # right; good!
    ~red # [html]wrong, it's yellow
    ~[plain]blue # wrong, it's yellow
}""")
    assert question.type == "single" and question.text == "What's between orange and green in the spectrum?"
    assert [(o.text, o.fraction, o.feedback) for o in question.options] == [
        ("yellow", 1.0, "right; good!"), ("red", 0.0, "wrong, it's yellow"), ("blue", 0.0, "wrong, it's yellow")]


def test_markers_after_weights_in_multiple_response():
    # giftformat_test::test_import_multichoice_multi
    question = one("""::colours:: What's between orange and green in the spectrum?
{
    ~%50%yellow # right; good!
    ~%-100%red # [html]wrong
    ~%50%off-beige # right; good!
    ~%-100%[plain]blue # wrong
}""")
    assert question.type == "multiple" and question.grading == "partial"
    assert [(o.text, o.fraction, o.feedback) for o in question.options] == [
        ("yellow", 0.5, "right; good!"), ("red", -1.0, "wrong"), ("off-beige", 0.5, "right; good!"), ("blue", -1.0, "wrong")]


def test_markers_in_matching_pairs_and_an_html_question():
    # giftformat_test::test_import_match: the left side loses its marker, the right side is as written
    question = one("""// question: 2  name: Moodle activities
::Moodle activities::[html]Match the <b>activity</b> to the description.{
    =[html]An activity supporting asynchronous discussions. -> Forum
    =[moodle]A teacher asks a question and specifies a choice of multiple responses. -> Choice
    =[plain]A bank of record entries which participants can add to. -> Database
    =[markdown]A collection of web pages that anyone can add to or edit. -> Wiki
    = -> Chat
}""")
    assert question.type == "matching"
    assert question.text_html == "Match the <b>activity</b> to the description."
    assert question.text == "Match the activity to the description."
    assert question.pairs == [
        ParsedPair("An activity supporting asynchronous discussions.", "Forum"),
        ParsedPair("A teacher asks a question and specifies a choice of multiple responses.", "Choice"),
        ParsedPair("A bank of record entries which participants can add to.", "Database"),
        ParsedPair("A collection of web pages that anyone can add to or edit.", "Wiki"),
        ParsedPair("", "Chat"),
    ]


def test_general_feedback_marker_is_removed():
    # giftformat_test::test_import_shortanswer_with_general_feedback
    question = one("""::Shortanswer::Which is the best animal?{
    =Frog#Good!
    =%50%Cat#What is it with Moodlers and cats?
    =%0%*#Completely wrong
    ####[html]Here is some general feedback!
}""")
    assert question.feedback == "Here is some general feedback!"
    assert [(a.text, a.fraction, a.feedback) for a in question.answers] == [
        ("Frog", 1.0, "Good!"), ("Cat", 0.5, "What is it with Moodlers and cats?"), ("*", 0.0, "Completely wrong")]


def test_html_question_text_keeps_escaped_braces():
    # giftformat_test::test_import_pre_content
    question = one("::Q001::[html]<p>What would running the test method print?</p>\n<pre>\n"
                   "    public void test() \\{\n        method1();\n    \\}\n</pre>\n{}")
    assert question.type == "essay"
    # (the sanitiser drops the new line right after <pre>, which browsers ignore too)
    assert question.text_html == ("<p>What would running the test method print?</p>\n<pre>"
                                  "    public void test() {\n        method1();\n    }\n</pre>")


def test_markdown_is_rendered_and_sanitised_everywhere():
    question = one("::md::[markdown]**重要**：点击<script>alert(1)</script>[链接](javascript:alert(1)) "
                   "{=[markdown]*北京* #[markdown]**对** ~上海 #[html]<i>不对</i> ####[markdown]见 `第一章`}")
    assert question.text_html.startswith("<p><strong>重要</strong>：点击")
    assert "<script" not in question.text_html and "href" not in question.text_html
    assert question.text.startswith("重要：点击")
    assert [(o.text, o.feedback) for o in question.options] == [("北京", "对"), ("上海", "不对")]
    assert question.feedback == "见 第一章"


def test_a_marker_must_be_exactly_written_to_count():
    # Moodle's format_name_to_const knows only the four lower-case names.
    assert one("[HTML]<b>x</b> {T}").text == "[HTML]<b>x</b>"
    assert one("[foo]text {T}").text == "[foo]text"


def test_markdown_short_answer_accepts_what_the_learner_types():
    question = one("::md::首都是哪里？{=[markdown]answer2 =%50%[plain]答案二}")
    assert [(a.text, a.fraction) for a in question.answers] == [("answer2", 1.0), ("答案二", 0.5)]
    content = question_type("short").content_from_parsed(question)
    assert grading.grade_short(content, "answer2").fraction == 1.0
    assert grading.grade_short(content, "[markdown]answer2").fraction == 0.0


# ---------------------------------------------------------------- numeric

def test_numeric_other_answer_feedback():
    # giftformat_test::test_import_numerical: "~" starts the feedback for any other answer
    question = one("// math range question\n::Q5:: What is a number from 1 to 5? {#3:2~#Completely wrong}")
    assert question.type == "numeric" and question.text == "What is a number from 1 to 5?"
    assert question.answers == [ParsedNumericAnswer(3.0, 2.0, 1.0, "")]
    assert question.other_feedback == "Completely wrong"


@pytest.mark.parametrize("block, answers", [
    ("{#1..5}", [(3.0, 2.0, 1.0, "")]),
    ("{#3:2}", [(3.0, 2.0, 1.0, "")]),
    ("{#3}", [(3.0, 0.0, 1.0, "")]),
    ("{#=%100%3:0 =%50%3:2}", [(3.0, 0.0, 1.0, ""), (3.0, 2.0, 0.5, "")]),
    ("{#\n=1921:0#完全正确\n=%50%1921:2#接近了\n}", [(1921.0, 0.0, 1.0, "完全正确"), (1921.0, 2.0, 0.5, "接近了")]),
    ("{#-5..-1#[html]<b>好</b>}", [(-3.0, 2.0, 1.0, "好")]),
])
def test_numeric_ranges_tolerances_and_weights(block, answers):
    question = one("多少？" + block)
    assert [(a.value, a.tolerance, a.fraction, a.feedback) for a in question.answers] == answers
    assert question.other_feedback == ""


def test_numeric_garbage_names_the_number_not_the_tilde():
    assert refusal("多少？{#abc~#错}") == "数值“abc”无效"


# ---------------------------------------------------------------- short answers, true/false, missing word

def test_short_answer_without_equals_sign():
    # format.php: a block without "~", "->" or a T/F word is a short answer; explode("=")
    # keeps a first piece that is not empty, so {One} accepts "One".
    question = one("Say one. {One}")
    assert question.type == "short" and [(a.text, a.fraction) for a in question.answers] == [("One", 1.0)]
    assert [a.text for a in one("Two words? {One =Two}").answers] == ["One", "Two"]


def test_true_false_feedback():
    # giftformat_test::test_import_truefalse
    question = one("// true/false\n::Q1:: 42 is the Absolute Answer to everything.{\n"
                   "FALSE#42 is the Ultimate Answer.#You gave the right answer.}")
    assert question.type == "truefalse" and question.answer is False
    assert {o.text: o.feedback for o in question.options} == {
        "true": "42 is the Ultimate Answer.", "false": "You gave the right answer."}
    assert one("::2-08 TSL::TSL is blablabla.{T}").answer is True
    assert one("::2-08 TSL::TSL is blablabla.{TRUE}").answer is True


@pytest.mark.parametrize("source, text", [
    ("首都是{=北京 ~上海}。", "首都是_____。"),
    ("Grant is {~buried =entombed ~living} in Grant's tomb.", "Grant is _____ in Grant's tomb."),
    ("{=北京 ~上海}是中国的首都。", "_____是中国的首都。"),
    ("Who's buried in Grant's tomb?{~Grant ~Jefferson =no one}", "Who's buried in Grant's tomb?"),
])
def test_missing_word_keeps_the_text_as_written(source, text):
    assert one(source).text == text


def test_backslashes_and_essay():
    # giftformat_test::test_import_backslash and test_import_essay
    assert one("::double backslash:: A \\\\ B \\\\\\\\ C{}").text == "A \\ B \\\\ C"
    essay = one("// essay\n::Q8:: How are you? {}")
    assert essay.type == "essay" and essay.title == "Q8" and essay.text == "How are you?"


# ---------------------------------------------------------------- grades

@pytest.mark.parametrize("block, values", [
    ("{~%33%甲 ~%67%乙 ~丙}", "33%、67%"),
    ("{=甲 =%15%乙}", "15%"),
    ("{#=%100%3:0 =%45%3:2}", "45%"),
])
def test_grades_outside_moodles_list_refuse_the_question(block, values):
    message = refusal("题目" + block)
    assert message == f"得分比例 {values} 不是 Moodle 允许的值（如 100%、50%、33.33333%、25%、20%、10%），整题未导入"


def test_grades_in_moodles_list_take_its_value():
    question = one("题目{~%33.33333%甲 ~%33.33333%乙 ~%33.33333%丙 ~%-100%丁}")
    assert [o.fraction for o in question.options] == [0.3333333, 0.3333333, 0.3333333, -1.0]


def test_a_refused_question_does_not_stop_the_others():
    result = parse_gift("::a::好 {T}\n\n::b::坏 {~%33%甲 ~%67%乙}\n\n::c::也好 {F}\n".encode())
    assert [q.title for q in result.questions] == ["a", "c"]
    assert [e.location for e in result.errors] == ["line 3"]


# ---------------------------------------------------------------- export

def test_export_as_moodle_writes_it():
    numeric = ParsedQuestion(type="numeric", title="Q5", text="What is a number from 1 to 5?",
                             answers=[ParsedNumericAnswer(3.0, 2.0, 1.0, "")], other_feedback="Completely wrong")
    assert "::Q5::What is a number from 1 to 5? {#\n\t=%100%3:2\n\t~#Completely wrong\n}" in export_gift([numeric]).decode()
    html = ParsedQuestion(type="single", text="x", text_html="<p>a: b</p>", options=[
        ParsedOption("[html] yellow", 1.0, "right = good"), ParsedOption("red", 0.0, "")], feedback="#1")
    text = export_gift([html]).decode()
    assert "[html]<p>a\\: b</p> {\n\t=[plain][html] yellow#[plain]right \\= good\n\t~[plain]red\n\t####[plain]\\#1\n}" in text


def test_texts_that_look_like_markup_or_weights_survive_export():
    question = ParsedQuestion(type="multiple", text="[markdown] 不是标记", grading="partial", options=[
        ParsedOption("%50%是文字", 0.5), ParsedOption("[html]<b>也是文字</b>", 0.5), ParsedOption("错", -1.0)])
    short = ParsedQuestion(type="short", text="填", answers=[ParsedOption("%20%", 1.0), ParsedOption("[plain]x", 0.5)])
    again = parse_gift(export_gift([question, short]))
    assert again.errors == [] and again.questions == [question, short]


CORPUS = """$CATEGORY: $course$/top/党史/第一章

::单选::[html]<p>中共一大在<b>哪一年</b>召开？</p>{=1921年#[html]<i>对</i> ~%-50%1919年#五四 ~1949年 ####[html]<p>1921 年 7 月</p>}

::多选::下列属于义务的是{~%33.33333%学习 ~%33.33333%联系群众 ~%33.33333%交纳党费 ~%-100%[plain]违纪#不对}

::判断::党员应当按期交纳党费。{TRUE#错了#对了####党章规定}

::填空::首都是{=北京 =%50%[markdown]北平#旧称}。

::无等号::Say one. {One}

::匹配::[markdown]把会议和**地点**配对。{=[plain]中共一大 -> 上海 =[moodle]遵义会议 -> 遵义 = -> 北京 ####见第二章}

::数值::1 到 5 之间的数？{#=%100%3:2#好 =%50%1..6 ~#完全错了}

::问答::谈谈体会。{####言之有理即可}

::说明::[markdown]# 第一节

::转义::1 + 1 \\= 2 \\{真\\} \\~ \\# \\: \\\\ 对吗？\\n第二行 {T}
"""


def test_corpus_round_trips_through_export():
    first = parse_bytes(CORPUS.encode("utf-8"), format="gift")
    assert first.errors == []
    assert {q.type for q in first.questions} == {
        "single", "multiple", "truefalse", "short", "numeric", "matching", "essay", "description"}
    again = parse_bytes(export(first.questions, "gift"), format="gift")
    assert again.errors == [] and again.questions == first.questions
    by_title = {q.title: q for q in first.questions}
    assert by_title["填空"].text == "首都是_____。"
    assert [a.text for a in by_title["填空"].answers] == ["北京", "北平"]
    assert by_title["数值"].other_feedback == "完全错了"
    assert by_title["说明"].text_html == "<h1>第一节</h1>"
    assert by_title["匹配"].text_html == "<p>把会议和<strong>地点</strong>配对。</p>"
    assert by_title["单选"].options[0].feedback == "对" and by_title["单选"].feedback == "1921 年 7 月"
    assert [p.left for p in by_title["匹配"].pairs] == ["中共一大", "遵义会议", ""]
    assert by_title["转义"].text == "1 + 1 = 2 {真} ~ # : \\ 对吗？\n第二行"


def test_moodle_xml_markdown_is_rendered_by_the_same_renderer():
    xml = ('<quiz><question type="truefalse"><name><text>md</text></name>'
           '<questiontext format="markdown"><text>请看**粗体**</text></questiontext>'
           '<answer fraction="100"><text>true</text></answer><answer fraction="0"><text>false</text></answer>'
           '</question></quiz>').encode()
    [question] = parse_bytes(xml).questions
    assert question.text_html == one("[markdown]请看**粗体** {T}").text_html == "<p>请看<strong>粗体</strong></p>"
    assert question.text == "请看粗体"
