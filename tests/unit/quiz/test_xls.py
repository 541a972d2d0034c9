"""Old Excel (.xls, BIFF8 as Excel 97-2003 and WPS save it) question banks: real files written
by xlwt, read through xlrd, parse like the same sheet saved as .xlsx."""
from __future__ import annotations

import io

import openpyxl

from app.quiz.formats import build_spreadsheet_template, detect_format, parse_bytes
from tests.xls_files import xls_bytes

from .helpers import xlsx_bytes


def _template_rows() -> list[list]:
    workbook = openpyxl.load_workbook(io.BytesIO(build_spreadsheet_template()))
    return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]


def test_the_template_saved_as_xls_parses_like_the_xlsx():
    xlsx = parse_bytes(build_spreadsheet_template(), "题库.xlsx")
    xls = parse_bytes(xls_bytes(_template_rows()), "题库.xls")
    assert xls.errors == [] and len(xls.questions) == 5
    assert xls.questions == xlsx.questions
    assert [q.type for q in xls.questions] == ["single", "multiple", "truefalse", "short", "essay"]


def test_rows_with_numbers_booleans_and_errors_read_as_in_xlsx():
    headers = ["题型", "题目", "选项A", "选项B", "答案", "分值"]
    rows = [["判断题", "晚疫病是真菌病害。", None, None, True, 2], ["单选题", "1+1=?", 2, 3, "A", 1.5],
            ["填空题", "缺答案", None, None, None, None], ["单选题", "题", "甲", "乙", "C", None]]
    xls = parse_bytes(xls_bytes([headers, *rows]), "bank.xls")
    xlsx = parse_bytes(xlsx_bytes(rows, headers=headers), "bank.xlsx")
    assert xls == xlsx
    assert [q.text for q in xls.questions] == ["晚疫病是真菌病害。", "1+1=?"]
    assert xls.questions[1].options[0].text == "2" and xls.questions[1].points == 1.5
    assert [e.location for e in xls.errors] == ["row 4", "row 5"]


def test_an_xls_is_found_by_its_content_whatever_its_name():
    data = xls_bytes(_template_rows())
    assert detect_format(data) == detect_format(data, "bank.txt") == "xls"
    assert len(parse_bytes(data, "从微信下载的文件").questions) == 5


def test_an_unreadable_xls_gets_a_clear_message_not_binary_junk():
    broken = xls_bytes(_template_rows())[:1500]
    for data in (broken, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600):
        result = parse_bytes(data, "bank.xls")
        assert result.questions == []
        [error] = result.errors
        assert "旧版 Excel（.xls）" in error.message and "另存为 .xlsx" in error.message
        assert "文本文件" not in error.message
