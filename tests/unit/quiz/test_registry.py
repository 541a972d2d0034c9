"""Format detection and whole-file refusals through parse_bytes and export."""
from __future__ import annotations

import io
import os
import zipfile

import pytest

from app.quiz.formats import MAX_INPUT_BYTES, MAX_QUESTIONS, build_spreadsheet_template, detect_format, export, parse_bytes

from .helpers import data_file, one_of_each_type


@pytest.mark.parametrize("name, expected", [
    ("full.gift", "gift"), ("full.xml", "moodle_xml"), ("bank.csv", "csv"), ("broken.xml", "moodle_xml"),
])
def test_detects_data_files_by_content_without_a_name(name, expected):
    assert detect_format(data_file(name)) == expected


def test_detects_xlsx_and_uses_the_extension_when_content_is_ambiguous():
    assert detect_format(build_spreadsheet_template()) == "xlsx"
    assert detect_format(b"just some text", "bank.csv") == "csv"
    assert detect_format(b"just some text", "bank.gift") == "gift"


def test_parse_bytes_routes_to_each_parser():
    assert len(parse_bytes(data_file("full.gift")).questions) == 16
    assert len(parse_bytes(data_file("full.xml"), "export.xml").questions) == 9
    assert len(parse_bytes(data_file("bank.csv"), "bank.csv").questions) == 5
    assert len(parse_bytes(build_spreadsheet_template(), "template.xlsx").questions) == 5
    assert len(parse_bytes(data_file("full.gift"), format="gift").questions) == 16


def _refusal(result) -> str:
    assert result.questions == []
    [error] = result.errors
    assert error.location == "file"
    return error.message


def test_empty_oversize_binary_and_unknown_format_are_refused():
    assert _refusal(parse_bytes(b"")) == "文件为空"
    assert _refusal(parse_bytes(b" \n\r\n ")) == "文件为空"
    assert _refusal(parse_bytes(b"x" * (MAX_INPUT_BYTES + 1), "big.gift")).startswith("文件过大（20.0 MB），上限为 20.0 MB")
    assert _refusal(parse_bytes(os.urandom(1) + b"\x00\x01\x02" + bytes(range(256)) * 4)) == "文件不是文本文件（含二进制数据），无法读取"
    assert _refusal(parse_bytes(b"data", format="docx")) == "不支持的格式：docx"


def test_a_zip_of_something_else_is_not_a_workbook():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("content.xml", "<office:document/>")
    assert _refusal(parse_bytes(buffer.getvalue(), "bank.xlsx")) == "压缩文件不是 Excel（.xlsx）工作簿"
    assert _refusal(parse_bytes(b"PK\x03\x04 truncated junk", "bank.xlsx")).startswith("Excel 文件已损坏")


def test_too_many_questions_imports_nothing():
    gift = ("\n\n".join(f"q{n} {{T}}" for n in range(MAX_QUESTIONS + 1))).encode()
    assert _refusal(parse_bytes(gift)) == f"试题过多（{MAX_QUESTIONS}+ 道），一次最多导入 {MAX_QUESTIONS} 道，请拆分文件"
    xml = ("<quiz>" + "".join(
        f'<question type="essay"><questiontext><text>q{n}</text></questiontext></question>' for n in range(MAX_QUESTIONS + 1)
    ) + "</quiz>").encode()
    assert _refusal(parse_bytes(xml)).startswith("试题过多")
    csv = ("题型,题目,答案\n" + "".join(f"判断题,q{n},对\n" for n in range(MAX_QUESTIONS + 1))).encode()
    assert _refusal(parse_bytes(csv, "bank.csv")) == f"行数过多（超过 {MAX_QUESTIONS} 行），请拆分文件"


def test_export_reports_what_the_spreadsheet_cannot_hold():
    errors = []
    export(one_of_each_type(), "xlsx", errors)
    assert [(e.location, e.message) for e in errors] == [
        ("question 2", "多选题的部分得分比例无法写入 Excel 模板，已按全对得分导出"),
        ("question 7", "Excel 模板不支持此题型（numeric），未导出"),
        ("question 8", "Excel 模板不支持此题型（matching），未导出"),
        ("question 10", "Excel 模板不支持此题型（description），未导出"),
        *[(f"question {number}", "Excel 格式不支持完形填空题，未导出；请用 Moodle XML 导出")
          for number, question in enumerate(one_of_each_type(), start=1) if question.type == "cloze"],
    ]
    with pytest.raises(ValueError):
        export([], "csv")


def test_gb18030_csv_is_detected_and_a_file_without_questions_says_so():
    gb = data_file("bank.csv").decode("utf-8").encode("gb18030")
    assert detect_format(gb) == "csv" and len(parse_bytes(gb).questions) == 5
    assert _refusal(parse_bytes(b"<quiz></quiz>")) == "文件中没有找到试题"
    assert _refusal(parse_bytes(b"// only a comment\n")) == "文件中没有找到试题"


def test_an_overlong_question_is_reported_not_imported():
    result = parse_bytes(("::ok:: fine {T}\n\n::long:: " + "长" * 100_001 + " {T}").encode())
    assert [q.title for q in result.questions] == ["ok"]
    assert [(e.location, e.message) for e in result.errors] == [("line 3", "题目内容过长（超过 100000 字）")]


@pytest.mark.parametrize("data, name", [
    (b"<quiz>" + b"<a>" * 200_000 + b"</a>" * 200_000 + b"</quiz>", None),
    (b"<quiz>" + b"<a>" * 200_000, None),
    (("x{" * 500_000).encode(), "junk.gift"),
    (("::" * 500_000 + "~=#" * 200_000).encode(), "junk.gift"),
    ('题型,题目,答案\n判断题,"'.encode() + b"x" * 1_000_000 + b'",x\n', "bank.csv"),
    (b"PK\x03\x04" + os.urandom(200_000), "bank.xlsx"),
])
def test_hostile_input_gets_an_answer_quickly(data, name):
    import time
    started = time.perf_counter()
    result = parse_bytes(data, name)
    assert time.perf_counter() - started < 3
    assert result.questions == [] and result.errors
