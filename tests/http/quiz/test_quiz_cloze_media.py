"""Moodle XML with cloze, audio and Moodle's own quirks through the pages: the trainer's import
preview (warnings listed), the bank and its exports, the learner's attempt on the phone (blanks
inline, graded per blank, per-blank feedback), the audio served with Range, hand-written cloze.
The audio is a real mp3 made by ffmpeg."""
from __future__ import annotations

import base64
import io
import json
import re
import subprocess

import pytest
from sqlalchemy import select

from app.extensions import db
from app.quiz import services
from app.quiz.formats import parse_bytes
from app.quiz.models import Attempt, AttemptStatus, QuestionImage
from tests.conftest import csrf_from, csrf_token, login
from tests.factories import bank_questions, create_course, create_quiz
from tests.unit.quiz.helpers import PNG


@pytest.fixture(scope="module")
def mp3(tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("audio") / "tone.mp3"
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=1",
                    "-c:a", "libmp3lame", "-b:a", "32k", "-y", str(path)], check=True)
    return path.read_bytes()


def moodle_xml(mp3: bytes) -> bytes:
    audio = base64.b64encode(mp3).decode()
    png = base64.b64encode(PNG).decode()
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="category"><category><text>$course$/top/党史</text></category></question>
  <question type="cloze">
    <name><text>一大</text></name>
    <questiontext format="html"><text><![CDATA[<p>中共一大在{{1:SHORTANSWER:=上海#对，在上海~%50%嘉兴#闭幕在嘉兴~*#再想想}}召开，
出席代表{{2:NUMERICAL:=13#正确~%50%12:1}}人，会址在{{1:MULTICHOICE:北京大学#不是~=望志路 106 号}}。</p>]]></text></questiontext>
    <generalfeedback format="html"><text>1921 年 7 月。</text></generalfeedback>
    <defaultgrade>4</defaultgrade><penalty>0.3333333</penalty>
  </question>
  <question type="essay">
    <name><text>听录音</text></name>
    <questiontext format="html"><text><![CDATA[<p>听录音后回答：<a href="@@PLUGINFILE@@/speech.mp3">speech.mp3</a></p>]]></text>
      <file name="speech.mp3" path="/" encoding="base64">{audio}</file></questiontext>
    <responseformat>editor</responseformat>
  </question>
  <question type="shortanswer">
    <name><text>其他答案</text></name>
    <questiontext format="html"><text>党的最高领导机关是？</text></questiontext>
    <answer fraction="100"><text>全国代表大会</text><feedback><text>对</text></feedback></answer>
    <answer fraction="0"><text>*</text><feedback><text>想一想党章第十条</text></feedback></answer>
  </question>
  <question type="multichoice">
    <name><text>答案带图</text></name>
    <questiontext format="html"><text>哪个是党旗？</text></questiontext>
    <single>true</single>
    <answer fraction="100" format="html"><text><![CDATA[<p>红旗<img src="@@PLUGINFILE@@/flag.png"></p>]]></text>
      <file name="flag.png" encoding="base64">{png}</file></answer>
    <answer fraction="0"><text>蓝旗</text></answer>
  </question>
  <question type="multichoice">
    <name><text>错误得分</text></name>
    <questiontext format="html"><text>三分之一</text></questiontext>
    <single>true</single>
    <answer fraction="100"><text>甲</text></answer><answer fraction="33"><text>乙</text></answer>
  </question>
</quiz>
""".encode()


def _import(client, bank, data: bytes) -> str:
    url = f"/quiz/banks/{bank.id}/import"
    response = client.post(url, data={"csrf_token": csrf_token(client, url), "file": (io.BytesIO(data), "moodle.xml")},
                           content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    upload = re.search(r'name="upload" type="hidden" value="([^"]+)"', html)
    confirm = client.post(f"/quiz/banks/{bank.id}/import/confirm", data={"csrf_token": csrf_from(html), "upload": upload.group(1)})
    assert confirm.status_code == 302
    return html


@pytest.fixture
def imported(client, world, mp3):
    bank = services.create_bank(name="Moodle 题库", unit=world.county)
    db.session.commit()
    login(client, "trainer")
    preview = _import(client, bank, moodle_xml(mp3))
    client.cookie_jar.clear() if hasattr(client, "cookie_jar") else client._cookies.clear()
    return bank, preview


def test_the_preview_lists_what_is_refused_or_not_kept(imported):
    _bank, preview = imported
    assert re.search(r'id="count-questions">4<', preview)
    assert "答案或反馈中的图片 flag.png 无法显示（答案和反馈只显示文字），未导入" in preview
    assert "得分比例 33% 不是 Moodle 允许的值" in preview
    assert "望志路 106 号" in preview  # the cloze's answer summary


def test_the_bank_holds_the_cloze_and_the_audio_and_exports_tell_what_they_leave_out(client, world, imported, mp3):
    bank, _preview = imported
    assert [q.type for q in bank_questions(bank)] == ["cloze", "essay", "short", "single"]
    cloze = bank_questions(bank)[0].current_version
    assert cloze.points == 4.0 and "{#1}" in cloze.text_html and len(cloze.content["blanks"]) == 3
    [audio] = db.session.scalars(select(QuestionImage)).all()
    assert audio.mime == "audio/mpeg" and audio.size == len(mp3)
    login(client, "trainer")
    page = client.get(f"/quiz/banks/{bank.id}").get_data(as_text=True)
    assert "GIFT 导出时不包含：完形填空" in page
    gift = client.get(f"/quiz/banks/{bank.id}/export/gift").get_data(as_text=True)
    assert "中共一大" not in gift and "党的最高领导机关" in gift
    xml = client.get(f"/quiz/banks/{bank.id}/export/moodle_xml").data
    assert b'<question type="cloze">' in xml
    again = parse_bytes(xml)
    assert again.errors == [] and [q.type for q in again.questions] == ["cloze", "essay", "short", "single"]
    assert [image.data for image in again.questions[1].images] == [mp3]


def _cloze_quiz(world, bank):
    course = create_course(world.county, publish_to=[world.county])
    quiz = create_quiz(course, questions=bank_questions(bank)[:3], pass_mark=60)
    db.session.commit()
    return quiz


def test_member_answers_the_blanks_on_the_phone_and_sees_each_blanks_feedback(app, client, world, imported, mp3):
    bank, _preview = imported
    quiz = _cloze_quiz(world, bank)
    login(client, "member-a1")
    page = client.get(f"/quiz/{quiz.id}").get_data(as_text=True)
    start = client.post(f"/quiz/{quiz.id}/start", data={"csrf_token": csrf_from(page), "layout": "all"})
    html = client.get(start.headers["Location"]).get_data(as_text=True)
    # the blanks stand inside the text: a text input, a number input, a select; nothing tells what is right
    assert re.search(r'中共一大在<input type="text" name="q1_0"', html)
    assert 'name="q1_1"' in html and 'inputmode="decimal"' in html
    assert re.search(r'<select name="q1_2"[^>]*>\s*<option value="">', html)
    assert "再想想" not in html and "闭幕在嘉兴" not in html
    # the audio is a player whose source is served with the learner's session, Range included
    src = re.search(r'<audio controls="controls" src="(/quiz/images/\d+)"', html).group(1)
    ranged = client.get(src, headers={"Range": "bytes=0-9"})
    assert ranged.status_code == 206 and ranged.mimetype == "audio/mpeg" and ranged.data == mp3[:10]
    ranged.close()
    attempt = db.session.scalar(select(Attempt))
    choice = next(q for q in attempt.questions if q.position == 1)
    right_option = str(choice.order.index(1) + 1)  # "望志路 106 号" is option 1 of blank 3
    result = client.post(f"/quiz/attempts/{attempt.id}/submit", data={
        "csrf_token": csrf_from(html), "layout": "all", "q1_0": "嘉兴", "q1_1": "13", "q1_2": right_option,
        "q3": "党委"})
    after = client.get(result.headers["Location"]).get_data(as_text=True)
    db.session.refresh(attempt)
    cloze = next(q for q in attempt.questions if q.position == 1)
    assert cloze.response == ["嘉兴", "13", 1]
    assert cloze.fraction == pytest.approx((0.5 + 2 + 1) / 4) and cloze.score == pytest.approx(3.5)
    assert re.search(r'id="blank-result-1-1">.*?嘉兴.*?闭幕在嘉兴', after, re.S)
    assert re.search(r'id="blank-result-1-2">.*?13.*?正确', after, re.S)
    assert "想一想党章第十条" in after  # the shortanswer catch-all's feedback
    assert attempt.status == AttemptStatus.NEEDS_GRADING  # the essay waits for a trainer
    # the trainer's review shows the same blanks, with the answers given
    trainer = app.test_client()
    login(trainer, "trainer")
    review = trainer.get(f"/quiz/review/{attempt.id}").get_data(as_text=True)
    assert re.search(r'id="blank-1-1">.*?嘉兴', review, re.S) and "闭幕在嘉兴" in review


def test_audio_of_another_townships_bank_is_not_found(client, world, imported):
    bank, _preview = imported
    [audio] = db.session.scalars(select(QuestionImage)).all()
    login(client, "member-a1")  # no quiz uses the bank yet: the member meets it nowhere
    assert client.get(f"/quiz/images/{audio.id}").status_code == 404


def test_trainer_writes_a_cloze_by_hand_and_edits_it(client, world):
    bank = services.create_bank(name="手写题库", unit=world.county)
    db.session.commit()
    login(client, "trainer")
    url = f"/quiz/banks/{bank.id}/questions/new?type=cloze"
    page = client.get(url).get_data(as_text=True)
    assert "{1:SHORTANSWER:=" in page  # the hint shows the syntax
    bad = client.post(url, data={"csrf_token": csrf_from(page), "text": "没有空格的题", "points": "1"})
    assert bad.status_code == 400 and "完形填空题中没有找到空格" in bad.get_data(as_text=True)
    good = client.post(url, data={"csrf_token": csrf_from(page), "points": "3",
                                  "text": "首都是{1:SA:=北京#对~*#不对}，{2:MC:=对~错}。"})
    assert good.status_code == 302
    [question] = bank_questions(bank)
    version = question.current_version
    assert question.type == "cloze" and version.text == "首都是{#1}，{#2}。" and version.points == 3.0
    edit = client.get(good.headers["Location"]).get_data(as_text=True)
    assert "首都是{1:SHORTANSWER:=北京#对~%0%*#不对}，{2:MULTICHOICE:=对~%0%错}。" in edit
    changed = client.post(good.headers["Location"], data={
        "csrf_token": csrf_from(edit), "points": "3", "text": "首都是{1:SA:=北京~=Beijing}，{2:MC:=对~错}。"})
    assert changed.status_code == 302
    db.session.refresh(question)
    assert [a["text"] for a in question.current_version.content["blanks"][0]["answers"]] == ["北京", "Beijing"]
    assert question.current_version.number == 2


def test_cli_reports_blanks_and_says_gift_leaves_the_cloze_out(app, world, tmp_path, mp3):
    source = tmp_path / "moodle.xml"
    source.write_bytes(moodle_xml(mp3))
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["quiz", "import", str(source), "--bank", "党史", "--dry-run", "--json"])
    report = json.loads(dry.stdout)
    cloze = report["questions"][0]
    assert cloze["type"] == "cloze" and [blank["weight"] for blank in cloze["blanks"]] == [1, 2, 1]
    assert report["questions"][1]["images"] == [{"name": "speech.mp3", "mime": "audio/mpeg", "size": len(mp3)}]
    assert runner.invoke(args=["quiz", "import", str(source), "--bank", "党史"]).exit_code == 0
    gift = runner.invoke(args=["quiz", "export", "--bank", "党史", "--format", "gift", "-o", str(tmp_path / "out.gift")])
    assert gift.exit_code == 0
    assert "第 1 题：GIFT 格式不支持完形填空题，未导出；请用 Moodle XML 导出" in gift.stderr
    assert "中共一大" not in (tmp_path / "out.gift").read_text(encoding="utf-8")
