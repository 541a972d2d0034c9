"""The shared question model: answer normalisation, the JSON report, error display."""
from __future__ import annotations

import json

from app.quiz.formats import ParseError, ParseResult, normalize_answer

from .helpers import one_of_each_type, with_image

REPORT_KEYS = {"type", "title", "category", "text", "options", "answer", "answers", "pairs", "feedback", "points"}


def test_normalize_answer_folds_width_case_and_spaces():
    assert normalize_answer("\u3000ＡＢｃ１２３ ") == "abc123"
    assert normalize_answer(" Party ") == normalize_answer("party")
    assert normalize_answer("党课") == "党课"
    assert normalize_answer("党课") != normalize_answer("党 课")


def test_report_has_the_issue_keys_and_type_specific_values():
    result = ParseResult(questions=one_of_each_type() + [with_image()], errors=[ParseError("row 3", "缺少答案")])
    report = json.loads(json.dumps(result.to_report(), ensure_ascii=False))
    assert report["errors"] == [{"location": "row 3", "message": "缺少答案"}]
    by_title = {question["title"]: question for question in report["questions"]}
    for question in report["questions"]:
        assert REPORT_KEYS <= set(question)
    single = by_title["单选"]
    assert single["options"][2] == {"text": "1949年", "fraction": -0.5, "feedback": "这是建国"}
    assert single["answers"] is None and single["pairs"] is None and single["answer"] is None
    assert by_title["判断假"]["answer"] is False
    assert by_title["填空"]["answers"] == [{"text": "党课", "fraction": 1.0}, {"text": "课", "fraction": 0.5}]
    assert by_title["数值"]["answers"][0] == {"value": 3.14, "tolerance": 0.01, "fraction": 1.0}
    assert by_title["匹配"]["pairs"][1] == {"left": "遵义会议", "right": "遵义"}
    assert by_title["多选全对"]["grading"] == "all_or_nothing"
    assert by_title["看图"]["images"] == [{"name": "map.png", "mime": "image/png", "size": len(with_image().images[0].data)}]
    assert by_title["看图"]["grader_info"] == "参考要点"


def test_error_display_is_chinese():
    assert ParseError("row 20", "缺少答案").display() == "第 20 行：缺少答案"
    assert ParseError("question 7", "x").display() == "第 7 题：x"
    assert ParseError("file", "文件为空").display() == "文件：文件为空"
