"""The Chinese Excel/CSV template: a realistic bank built with openpyxl, answer spellings,
header variants, bad rows, encodings and the downloadable template."""
from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest

from app.quiz.formats import build_spreadsheet_template
from app.quiz.formats.spreadsheet import parse_csv, parse_xlsx

from .helpers import data_file, xlsx_bytes

HEADERS = ["题型", "题目", "选项A", "选项B", "选项C", "选项D", "选项E", "答案", "解析", "分值"]


def bank_rows() -> list[list]:
    """A bank as village secretaries write it: stray spaces, full-width letters, numbers as
    numbers, and three bad rows (missing answer, answer to an empty option, unknown type)."""
    return [
        ["单选题", " 党的根本宗旨是什么？ ", "全心全意为人民服务", "发展经济", "乡村振兴", "依法治国", None, " A ", "党章总纲。", 2],
        ["多选题", "“三会”包括", "支部党员大会", "支部委员会", "党小组会", "村民大会", None, "ABC", None, 3],
        ["多选题", "顿号分隔", "甲", "乙", "丙", "丁", None, "A、B、D", None, None],
        ["多选题", "逗号分隔", "甲", "乙", "丙", None, None, "A,C", None, None],
        ["多选题", "全角字母", "甲", "乙", "丙", "丁", "戊", "ＢＥ", None, None],
        ["判断题", "预备期为一年。", None, None, None, None, None, "正确", None, None],
        ["判断题", "入党不需要申请。", None, None, None, None, None, "错误", None, None],
        ["判断题", "对", None, None, None, None, None, "对", None, None],
        ["判断题", "错", None, None, None, None, None, "错", None, None],
        ["判断题", "勾", None, None, None, None, None, "√", None, None],
        ["判断题", "叉", None, None, None, None, None, "×", None, None],
        ["单选题", "没有答案", "甲", "乙", None, None, None, None, None, None],  # row 14
        ["填空题", "书记任期几年？", None, None, None, None, None, "5年|五年；5", None, 1.5],
        ["简答题", "谈谈先锋模范作用。", None, None, None, None, None, "带头致富、带领群众", "酌情给分", 10],
        ["多选题", "答案指向空选项", "甲", "乙", None, None, None, "ABD", None, None],  # row 17
        [None, None, None, None, None, None, None, None, None, None],
        ["论述文", "未知题型", None, None, None, None, None, "A", None, None],  # row 19
        ["填空题", "数字答案", None, None, None, None, None, 42, None, None],
    ]


@pytest.fixture(scope="module")
def bank():
    return parse_xlsx(xlsx_bytes(bank_rows(), HEADERS, title_row="2026 年党员学习题库"))


def test_bad_rows_are_reported_with_row_numbers_in_chinese(bank):
    assert [(e.location, e.message) for e in bank.errors] == [
        ("row 14", "缺少答案"), ("row 17", "答案 D 对应的选项为空"), ("row 19", "未知题型“论述文”")]
    assert [e.display() for e in bank.errors][0] == "第 14 行：缺少答案"
    assert len(bank.questions) == 14


def test_single_choice_trimmed_with_points(bank):
    question = bank.questions[0]
    assert question.type == "single" and question.text == "党的根本宗旨是什么？"
    assert [(o.text, o.fraction) for o in question.options] == [
        ("全心全意为人民服务", 1.0), ("发展经济", 0.0), ("乡村振兴", 0.0), ("依法治国", 0.0)]
    assert question.feedback == "党章总纲。" and question.points == 2.0


def test_multiple_choice_answer_spellings_are_all_or_nothing(bank):
    multiples = bank.questions[1:5]
    assert all(q.type == "multiple" and q.grading == "all_or_nothing" for q in multiples)
    correct = [[o.text for o in q.options if o.fraction > 0] for q in multiples]
    assert correct == [["支部党员大会", "支部委员会", "党小组会"], ["甲", "乙", "丁"], ["甲", "丙"], ["乙", "戊"]]
    assert [o.fraction for o in multiples[0].options] == [0.3333333, 0.3333333, 0.3333333, 0.0]
    assert multiples[1].points == 1.0


def test_true_false_spellings(bank):
    assert [q.answer for q in bank.questions[5:11]] == [True, False, True, False, True, False]


def test_short_answer_and_essay(bank):
    short = bank.questions[11]
    assert short.type == "short" and [a.text for a in short.answers] == ["5年", "五年", "5"] and short.points == 1.5
    essay = bank.questions[12]
    assert essay.type == "essay" and essay.grader_info == "带头致富、带领群众" and essay.answers == []
    assert essay.feedback == "酌情给分" and essay.points == 10.0
    assert [a.text for a in bank.questions[13].answers] == ["42"]


def test_header_variants_and_letter_columns():
    headers = ["题型", "试题内容", "A", "B", "C", "正确答案", "答案解析", "分数"]
    result = parse_xlsx(xlsx_bytes([["单选题", "题干", "甲", "乙", "丙", "b", "解", 4]], headers))
    assert result.errors == []
    [question] = result.questions
    assert question.text == "题干" and question.feedback == "解" and question.points == 4.0
    assert [o.fraction for o in question.options] == [0.0, 1.0, 0.0]
    stem = parse_xlsx(xlsx_bytes([["判断题", "题干文字", "T"]], ["题型", "题干", "答案"]))
    assert stem.questions[0].text == "题干文字" and stem.questions[0].answer is True


def test_row_level_errors():
    rows = [
        ["单选题", "两个答案", "甲", "乙", "AB", "1"],
        ["单选题", "坏字母", "甲", "乙", "Z", "1"],
        ["判断题", "坏判断", None, None, "也许", "1"],
        ["单选题", "坏分值", "甲", "乙", "A", "两分"],
        ["单选题", "", "甲", "乙", "A", "1"],
        ["单选题", "一个选项", "甲", None, "A", "1"],
    ]
    result = parse_xlsx(xlsx_bytes(rows, ["题型", "题目", "选项A", "选项B", "答案", "分值"]))
    assert result.questions == []
    assert [e.message for e in result.errors] == [
        "单选题只能有一个答案，而答案为“AB”", "答案“Z”无法识别，应为选项字母，如 A 或 ABD",
        "判断题答案“也许”无法识别，应为 正确/错误、对/错 或 √/×", "分值“两分”无效，应为不小于 0 的数字",
        "缺少题目内容", "选择题至少需要两个选项"]


def test_missing_header_or_answer_column():
    assert parse_xlsx(xlsx_bytes([["a", "b"]], ["姓名", "电话"])).errors[0].message == "找不到表头：需要包含“题型”“题目”“答案”列"
    assert parse_xlsx(xlsx_bytes([], ["题型", "题目"])).errors[0].message == "表头缺少“答案”列"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_encodings(encoding):
    data = data_file("bank.csv").decode("utf-8").encode(encoding)
    result = parse_csv(data)
    assert [(e.location, e.message) for e in result.errors] == [
        ("row 7", "缺少答案"), ("row 8", "答案 D 对应的选项为空"), ("row 9", "未知题型“论述文”")]
    assert [q.type for q in result.questions] == ["single", "multiple", "truefalse", "short", "essay"]
    assert result.questions[0].points == 2.0 and result.questions[0].feedback == "党章总纲。"
    assert [a.text for a in result.questions[3].answers] == ["5年", "五年", "5"]


def test_tab_separated_csv():
    data = "题型\t题目\t选项A\t选项B\t答案\n单选题\t问\t甲\t乙\tB\n".encode()
    assert [o.fraction for o in parse_csv(data).questions[0].options] == [0.0, 1.0]


def test_zip_that_is_not_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    result = parse_xlsx(buffer.getvalue())
    assert result.questions == [] and result.errors[0].message == "压缩文件不是 Excel（.xlsx）工作簿"


def test_corrupt_workbook_and_workbook_with_doctype_are_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "not xml at all")
    assert parse_xlsx(buffer.getvalue()).errors[0].message.startswith("Excel 文件已损坏或不是 .xlsx 格式")
    good = xlsx_bytes([["判断题", "x", "对"]], ["题型", "题目", "答案"])
    evil = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as source, zipfile.ZipFile(evil, "w") as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "xl/workbook.xml":
                content = b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>' + content
            target.writestr(info, content)
    assert parse_xlsx(evil.getvalue()).errors[0].message == "XML 文件含有 DOCTYPE 或实体声明，出于安全原因拒绝导入"


def test_zip_bomb_is_refused_before_inflating():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b" " * (210 * 1024 * 1024))
    assert len(buffer.getvalue()) < 1024 * 1024
    assert parse_xlsx(buffer.getvalue()).errors[0].message == "Excel 文件解压后过大，可能是恶意文件"


def test_template_has_an_example_of_each_type_and_imports_cleanly():
    data = build_spreadsheet_template()
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == ["试题", "填写说明"]
    assert [cell.value for cell in workbook["试题"][1]][:3] == ["题型", "题目", "选项A"]
    result = parse_xlsx(data)
    assert result.errors == []
    assert [q.type for q in result.questions] == ["single", "multiple", "truefalse", "short", "essay"]
