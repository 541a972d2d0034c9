"""GIFT parser: every feature of tests/data/quiz/full.gift, plus malformed input."""
from __future__ import annotations

import time

import pytest

from app.quiz.formats.gift import export_gift, parse_gift

from .helpers import data_file


@pytest.fixture(scope="module")
def parsed():
    result = parse_gift(data_file("full.gift"))
    assert result.errors == []
    return {question.title: question for question in result.questions}


def test_reads_every_question_in_file_order():
    result = parse_gift(data_file("full.gift"))
    assert [question.title for question in result.questions] == [f"Q{n}" + suffix for n, suffix in enumerate([
        " 单选", " 多选", " 判断", " 判断假", " 填空", " 缺词", " 匹配", " 数值容差", " 数值范围", " 多个数值",
        " 问答", " 说明", " 转义", " HTML", " Markdown", " 多行"], start=1)]


def test_single_choice_with_feedback_and_negative_weight(parsed):
    question = parsed["Q1 单选"]
    assert question.type == "single"
    assert question.category == "党史/第一章"
    assert question.text == "中国共产党第一次全国代表大会在哪一年召开？"
    assert [(o.text, o.fraction, o.feedback) for o in question.options] == [
        ("1921年", 1.0, "正确！"), ("1919年", 0.0, "五四运动在这一年。"), ("1949年", -0.5, "这是新中国成立的年份。")]


def test_multiple_choice_weights_and_general_feedback(parsed):
    question = parsed["Q2 多选"]
    assert question.type == "multiple" and question.grading == "partial"
    assert [o.fraction for o in question.options] == [0.5, 0.5, -1.0]
    assert question.options[2].feedback == "错误选项"
    assert question.feedback == "见党章第三条。"


def test_true_false_feedback_order_is_wrong_then_right(parsed):
    true_question = parsed["Q3 判断"]
    assert true_question.type == "truefalse" and true_question.answer is True
    feedback = {o.text: o.feedback for o in true_question.options}
    assert feedback == {"true": "对，是党员的义务。", "false": "不对，这是义务。"}
    assert parsed["Q4 判断假"].answer is False


def test_short_answer_missing_word_and_weights(parsed):
    question = parsed["Q5 填空"]
    assert question.type == "short"
    assert question.text == "“三会一课”中的“一课”指的是 _____ 。"
    assert [(a.text, a.fraction, a.feedback) for a in question.answers] == [
        ("党课", 1.0, ""), ("课", 0.5, ""), ("按时上好党课", 1.0, "也可以")]
    missing_word = parsed["Q6 缺词"]
    assert missing_word.type == "single" and missing_word.text == "Moodle 的 GIFT 格式 _____ 纯文本格式。"


def test_matching(parsed):
    assert [(p.left, p.right) for p in parsed["Q7 匹配"].pairs] == [("中共一大", "上海"), ("遵义会议", "遵义"), ("七届二中全会", "西柏坡")]


def test_numeric_tolerance_range_and_several_answers(parsed):
    assert [(a.value, a.tolerance, a.fraction) for a in parsed["Q8 数值容差"].answers] == [(3.14, 0.01, 1.0)]
    assert [(a.value, a.tolerance) for a in parsed["Q9 数值范围"].answers] == [(3.0, 2.0)]
    several = parsed["Q10 多个数值"].answers
    assert [(a.value, a.tolerance, a.fraction, a.feedback) for a in several] == [(1921.0, 0.0, 1.0, "完全正确"), (1921.0, 2.0, 0.5, "接近了")]


def test_essay_description_and_category_change(parsed):
    essay = parsed["Q11 问答"]
    assert essay.type == "essay" and essay.feedback == "言之有理即可。" and essay.category == "党史/第二章"
    description = parsed["Q12 说明"]
    assert description.type == "description" and description.points == 0.0


def test_escapes_are_removed(parsed):
    question = parsed["Q13 转义"]
    assert question.text == "数学式 1 + 1 = 2 中的特殊字符 { } ~ # : 要转义。"
    assert [o.text for o in question.options] == ["a=b", "c~d#e"]


def test_html_is_sanitised_and_markdown_rendered(parsed):
    html = parsed["Q14 HTML"]
    assert html.text_html == "<p>请看<b>加粗</b>文字</p>"
    assert html.text == "请看加粗文字"
    assert parsed["Q15 Markdown"].text_html == "<p><strong>粗体</strong>题目</p>"
    assert parsed["Q15 Markdown"].text == "粗体题目"


def test_multi_line_question(parsed):
    assert parsed["Q16 多行"].text == "第一行\n第二行\n第三行"


def test_windows_line_endings_and_bom():
    result = parse_gift(data_file("windows_bom.gift"))
    assert result.errors == []
    assert [(q.title, q.type, q.text) for q in result.questions] == [("W1", "single", "Windows line endings"), ("W2", "truefalse", "second")]


def test_bad_questions_are_reported_by_line_and_others_import():
    source = "::ok::fine {T}\n\n// comment\n::bad::no closing {=a ~b\n\n::nums::pi {#abc}\n\n::one::only one {~%100%a}\n\n::ok2::fine {F}\n"
    result = parse_gift(source.encode())
    assert [q.title for q in result.questions] == ["ok", "ok2"]
    assert [(e.location, e.message) for e in result.errors] == [
        ("line 4", "答案部分缺少右花括号“}”"), ("line 6", "数值“abc”无效"), ("line 8", "选择题至少需要两个选项")]


def test_binary_junk_is_refused():
    result = parse_gift(bytes(range(256)) * 10)
    assert result.questions == [] and result.errors[0].message == "文件不是文本文件（含二进制数据），无法读取"


def test_pathological_input_does_not_hang():
    nasty = ("{" + "~%" * 50000 + "=" * 50000 + "\\" * 50000 + "}" + "::" * 50000).encode()
    started = time.perf_counter()
    parse_gift(nasty)
    parse_gift(("a\n" * 200000).encode())
    assert time.perf_counter() - started < 5


def test_export_escapes_and_carries_points_in_a_comment():
    from .helpers import one_of_each_type
    text = export_gift(one_of_each_type()).decode()
    assert "::特殊字符 \\{a\\} \\~b \\=c \\#d \\:e \\\\f::" in text
    assert "1 + 1 \\= 2 \\{真\\} \\~ \\# \\: \\\\ 对吗？\\n第二行" in text
    assert "// lms: points=2\n::单选::" in text
    assert "$CATEGORY: $course$/top/党史/第一章" in text
