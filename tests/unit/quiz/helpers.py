"""Builders shared by the quiz format tests: data files, an Excel bank, one question per type."""
from __future__ import annotations

import io
from pathlib import Path

import openpyxl

from app.quiz.formats import ParsedImage, ParsedNumericAnswer, ParsedOption, ParsedPair, ParsedQuestion
from app.quiz.formats.model import ParsedBlank, ParsedBlankAnswer

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
        ParsedQuestion(type="short", title="其他答案", text="党的最高领导机关是？",
                       answers=[ParsedOption("全国代表大会", 1.0, "对"), ParsedOption("*大会", 0.5, "要写全称"),
                                ParsedOption("*", 0.0, "想一想党章第十条")]),
        *cloze_examples(),
    ]


def cloze_examples() -> list[ParsedQuestion]:
    """Cloze questions: plain and HTML text, every kind of blank, weights, feedback, escapes."""
    return [
        ParsedQuestion(
            type="cloze", title="完形填空", category="党史/第一章", text="中共一大在{#1}召开，出席代表共{#2}人，会址在{#3}。",
            points=4.0, feedback="1921 年 7 月在上海召开。",
            blanks=[
                ParsedBlank("short", [ParsedBlankAnswer("上海", 1.0, "对"), ParsedBlankAnswer("嘉兴", 0.5, "闭幕在嘉兴"),
                                      ParsedBlankAnswer("*", 0.0, "再想想")]),
                ParsedBlank("numeric", [ParsedBlankAnswer("13", 1.0, "正确", 0.0), ParsedBlankAnswer("12", 0.5, "", 1.0)],
                            weight=2),
                ParsedBlank("choice", [ParsedBlankAnswer("望志路 106 号", 1.0), ParsedBlankAnswer("北京大学", 0.0, "不是")]),
            ]),
        ParsedQuestion(
            type="cloze", title="富文本完形", text="选出 {#1}，并写出 {#2}",
            text_html="<p>选出 <b>{#1}</b>，并写出 {#2}</p>", points=3.0,
            blanks=[
                ParsedBlank("choice", [ParsedBlankAnswer("a}b", 1.0, "x#y"), ParsedBlankAnswer("c~d <e>", 0.0),
                                       ParsedBlankAnswer("f & g", -0.5)], layout="vertical", shuffle=True),
                ParsedBlank("short", [ParsedBlankAnswer("CPC", 1.0)], weight=2, case_sensitive=True),
            ]),
        ParsedQuestion(
            type="cloze", title="横排选择", text="晚疫病由{#1}引起。", points=1.0,
            blanks=[ParsedBlank("choice", [ParsedBlankAnswer("细菌", 0.0), ParsedBlankAnswer("真菌", 1.0)],
                                layout="horizontal")]),
    ]


def with_image() -> ParsedQuestion:
    return ParsedQuestion(
        type="essay", title="看图", text="看图作答", text_html='<p>看图作答<img src="@@PLUGINFILE@@/map.png" alt="地图"></p>',
        images=[ParsedImage("map.png", "image/png", PNG)], grader_info="参考要点", penalty=0.1,
    )
