"""Moodle XML as Moodle's importer reads it: grades outside Moodle's list refused, the
shortanswer catch-all kept and graded, Moodle 1.9 images, audio, and images that cannot be kept
reported. Audio is a real mp3 made by ffmpeg."""
from __future__ import annotations

import base64
import subprocess

import pytest

from app.quiz.formats import export
from app.quiz.formats.moodle_xml import parse_moodle_xml
from app.quiz.grading import grade_short, matching_short_answer, wildcard_match
from app.quiz.types.text import ShortAnswer

from .helpers import PNG


@pytest.fixture(scope="module")
def mp3(tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("audio") / "tone.mp3"
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=1",
                    "-c:a", "libmp3lame", "-b:a", "32k", "-y", str(path)], check=True)
    return path.read_bytes()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _question(body: str, qtype: str = "shortanswer", text: str = "题目") -> bytes:
    return (f'<quiz><question type="{qtype}"><name><text>q</text></name>'
            f'<questiontext format="html"><text><![CDATA[{text}]]></text></questiontext>{body}</question></quiz>').encode()


def _answer(fraction: str, text: str, feedback: str = "", extra: str = "") -> str:
    return f'<answer fraction="{fraction}"><text>{text}</text><feedback><text>{feedback}</text></feedback>{extra}</answer>'


@pytest.mark.parametrize("qtype, answers", [
    ("multichoice", _answer("100", "a") + _answer("33", "b") + "<single>true</single>"),
    ("shortanswer", _answer("100", "a") + _answer("33", "b")),
    ("numerical", _answer("100", "1") + _answer("33", "2")),
])
def test_a_grade_outside_moodles_list_refuses_the_question(qtype, answers):
    result = parse_moodle_xml(_question(answers, qtype))
    assert result.questions == []
    assert [(e.location, e.message) for e in result.errors] == [
        ("question 1", "得分比例 33% 不是 Moodle 允许的值（如 100%、50%、33.33333%、25%、20%、10%），整题未导入")]


def test_moodles_own_grades_are_accepted():
    [question] = parse_moodle_xml(_question(_answer("100", "a") + _answer("33.33333", "b") + _answer("-83.33333", "c")
                                            + "<single>false</single>", "multichoice")).questions
    assert [option.fraction for option in question.options] == [1.0, 0.3333333, -0.8333333]


def test_shortanswer_catch_all_keeps_its_feedback_and_is_graded_as_moodle():
    [question] = parse_moodle_xml(_question(
        _answer("100", "全国代表大会", "对") + _answer("50", "*大会", "要写全称") + _answer("0", "*", "想一想党章"))).questions
    assert [(a.text, a.fraction, a.feedback) for a in question.answers] == [
        ("全国代表大会", 1.0, "对"), ("*大会", 0.5, "要写全称"), ("*", 0.0, "想一想党章")]
    content = ShortAnswer().content_from_parsed(question)
    assert grade_short(content, "全国代表大会").fraction == 1.0
    assert grade_short(content, "代表大会").fraction == 0.5  # "*" is Moodle's wildcard
    assert grade_short(content, "党委").fraction == 0.0
    assert matching_short_answer(content["answers"], "党委")["feedback"] == "想一想党章"
    assert matching_short_answer(content["answers"], "  ") is None


def test_wildcards_as_moodle_compares():
    assert wildcard_match("Mo*t", "most") and not wildcard_match("Mo*t", "mostly")
    assert wildcard_match(r"a\*b", "a*b") and not wildcard_match(r"a\*b", "axb")
    assert not wildcard_match("Ab", "ab", case_sensitive=True) and wildcard_match("Ab", "ab")


def test_moodle_19_image_base64_is_imported_after_the_text():
    xml = _question(_answer("100", "a") + f"<image>images/map.png</image><image_base64>{_b64(PNG)}</image_base64>",
                    text="看图")
    result = parse_moodle_xml(xml)
    assert result.errors == []
    [question] = result.questions
    assert [(image.name, image.mime, image.data) for image in question.images] == [("map.png", "image/png", PNG)]
    assert question.text_html == '看图<p><img src="@@PLUGINFILE@@/map.png" alt=""></p>'


def test_moodle_19_image_path_without_data_is_reported():
    result = parse_moodle_xml(_question(_answer("100", "a") + "<image>images/map.png</image>"))
    assert len(result.questions) == 1 and result.questions[0].images == []
    assert [e.message for e in result.errors] == ["图片 images/map.png 只写了文件路径，文件里没有图片数据，未能导入"]


def test_images_in_answers_and_feedback_are_reported_not_dropped_silently():
    answer = ('<answer fraction="100"><text><![CDATA[<p>a<img src="@@PLUGINFILE@@/ans.png"></p>]]></text>'
              f'<file name="ans.png" encoding="base64">{_b64(PNG)}</file>'
              '<feedback><text><![CDATA[<img src="@@PLUGINFILE@@/fb%20one.png">]]></text></feedback></answer>')
    result = parse_moodle_xml(_question(answer))
    assert [question.answers[0].text for question in result.questions] == ["a"]
    assert [e.message for e in result.errors] == [
        "答案或反馈中的图片 ans.png 无法显示（答案和反馈只显示文字），未导入",
        "答案或反馈中的图片 fb one.png 无法显示（答案和反馈只显示文字），未导入",
    ]


def test_audio_in_the_question_is_kept_and_its_link_becomes_a_player(mp3):
    text = '<p>听录音：<a href="@@PLUGINFILE@@/%E5%BD%95%E9%9F%B3.mp3">录音.mp3</a></p>'
    files = f'<file name="录音.mp3" path="/" encoding="base64">{_b64(mp3)}</file>'
    xml = (f'<quiz><question type="essay"><name><text>q</text></name><questiontext format="html">'
           f"<text><![CDATA[{text}]]></text>{files}</questiontext></question></quiz>").encode()
    result = parse_moodle_xml(xml)
    assert result.errors == []
    [question] = result.questions
    assert [(image.name, image.mime, image.data) for image in question.images] == [("录音.mp3", "audio/mpeg", mp3)]
    assert question.text_html == '<p>听录音：<audio controls="controls" src="@@PLUGINFILE@@/%E5%BD%95%E9%9F%B3.mp3"></audio></p>'


def test_audio_not_linked_is_added_as_a_player(mp3):
    xml = _question("<responseformat>editor</responseformat>", "essay", text="听一听").replace(
        b"</text></questiontext>", f'</text><file name="a.mp3" encoding="base64">{_b64(mp3)}</file></questiontext>'.encode())
    [question] = parse_moodle_xml(xml).questions
    assert question.text_html == '听一听<p><audio controls="controls" src="@@PLUGINFILE@@/a.mp3"></audio></p>'


@pytest.mark.parametrize("name, data, expected", [
    ("fake.mp3", PNG, "文件 fake.mp3 的内容不是它的扩展名所说的图片或音频，已忽略"),
    ("x.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
     "文件 x.svg 不是可以显示的图片（PNG、JPEG、GIF、WebP、BMP）或可以播放的音频（MP3、M4A、OGG、WAV），已忽略"),
    ("big.mp3", b"ID3" + b"\0" * (10 * 1024 * 1024 + 10), "音频 big.mp3 过大，已忽略（上限 10.0 MB）"),
])
def test_files_are_checked_by_content_and_size(name, data, expected):
    xml = (f'<quiz><question type="essay"><name><text>q</text></name><questiontext format="html">'
           f'<text>t</text><file name="{name}" encoding="base64">{_b64(data)}</file></questiontext></question></quiz>').encode()
    result = parse_moodle_xml(xml)
    assert result.questions[0].images == []
    assert [e.message for e in result.errors] == [expected]


def test_a_file_the_text_refers_to_but_does_not_carry_is_reported_once():
    xml = _question(_answer("100", "a"), text='<p><img src="@@PLUGINFILE@@/gone%201.png"><img src="@@PLUGINFILE@@/gone%201.png"></p>')
    result = parse_moodle_xml(xml)
    assert len(result.questions) == 1
    assert [e.message for e in result.errors] == ["题目引用的文件 gone 1.png 不在导入文件中，无法显示"]


def test_usecase_makes_a_short_answer_case_sensitive_and_survives_export():
    xml = _question("<usecase>1</usecase>" + _answer("100", "CPC"))
    [question] = parse_moodle_xml(xml).questions
    assert question.case_sensitive
    content = ShortAnswer().content_from_parsed(question)
    assert grade_short(content, "CPC").fraction == 1.0 and grade_short(content, "cpc").fraction == 0.0
    assert parse_moodle_xml(export([question], "moodle_xml")).questions == [question]
