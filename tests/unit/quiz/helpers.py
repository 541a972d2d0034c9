"""Builders shared by the quiz format tests: data files, an Excel bank, one question per type."""
from __future__ import annotations

import io
from pathlib import Path

import openpyxl

from app.quiz.formats import ParsedImage, ParsedNumericAnswer, ParsedOption, ParsedPair, ParsedQuestion

DATA = Path(__file__).resolve().parents[2] / "data" / "quiz"


def data_file(name: str) -> bytes:
    return (DATA / name).read_bytes()


def xlsx_bytes(rows: list[list], headers: list | None = None, title_row: str | None = None) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    if title_row:
        sheet.append([title_row])
    if headers is not None:
        sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360606060000000050001a5f645400000000049454e44ae426082"
)


def one_of_each_type() -> list[ParsedQuestion]:
    """A question of every type with every field a round trip must keep."""
    return [
        ParsedQuestion(type="single", title="单选", category="党史/第一章", text="中共一大在哪一年召开？",
                       options=[ParsedOption("1921年", 1.0, "对"), ParsedOption("1919年", 0.0, ""),
                                ParsedOption("1949年", -0.5, "这是建国")],
                       feedback="1921 年 7 月。", points=2.0),
        ParsedQuestion(type="multiple", title="多选部分得分", category="党史/第一章", text="下列属于党员义务的是",
                       grading="partial",
                       options=[ParsedOption("认真学习", 0.3333333), ParsedOption("联系群众", 0.3333333),
                                ParsedOption("交纳党费", 0.3333333), ParsedOption("违反纪律", -1.0, "不对")],
                       points=3.0),
        ParsedQuestion(type="multiple", title="多选全对", category="党史/第二章", text="选出全部正确项",
                       grading="all_or_nothing",
                       options=[ParsedOption("甲", 0.5), ParsedOption("乙", 0.0), ParsedOption("丙", 0.5)]),
        ParsedQuestion(type="truefalse", title="判断", category="党史/第二章", text="党员应当按期交纳党费。", answer=True,
                       options=[ParsedOption("true", 1.0, "对"), ParsedOption("false", 0.0, "这是义务")],
                       feedback="党章规定"),
        ParsedQuestion(type="truefalse", title="判断假", category="党史/第二章", text="入党后不必学习。", answer=False,
                       options=[ParsedOption("true", 0.0), ParsedOption("false", 1.0)]),
        ParsedQuestion(type="short", title="填空", text="“一课”指的是什么？",
                       answers=[ParsedOption("党课", 1.0), ParsedOption("课", 0.5, "不完整")]),
        ParsedQuestion(type="numeric", title="数值", text="圆周率约为多少？",
                       answers=[ParsedNumericAnswer(3.14, 0.01, 1.0, "好"), ParsedNumericAnswer(3.0, 0.5, 0.5)]),
        ParsedQuestion(type="matching", title="匹配", text="会议与地点配对",
                       pairs=[ParsedPair("中共一大", "上海"), ParsedPair("遵义会议", "遵义")]),
        ParsedQuestion(type="essay", title="问答", text="谈谈你对为人民服务的理解。", points=10.0, feedback="言之有理即可"),
        ParsedQuestion(type="description", title="说明", text="以下题目考查基层组织建设。", points=0.0),
        ParsedQuestion(type="single", title="特殊字符 {a} ~b =c #d :e \\f", text="1 + 1 = 2 {真} ~ # : \\ 对吗？\n第二行",
                       options=[ParsedOption("a=b", 1.0, "x#y"), ParsedOption("c~d", 0.0), ParsedOption("[e]", 0.0)]),
        ParsedQuestion(type="truefalse", title="富文本", text="请看加粗文字", text_html="<p>请看<b>加粗</b>文字</p>",
                       answer=True, options=[ParsedOption("true", 1.0), ParsedOption("false", 0.0)]),
    ]


def with_image() -> ParsedQuestion:
    return ParsedQuestion(
        type="essay", title="看图", text="看图作答", text_html='<p>看图作答<img src="@@PLUGINFILE@@/map.png" alt="地图"></p>',
        images=[ParsedImage("map.png", "image/png", PNG)], grader_info="参考要点", penalty=0.1,
    )
