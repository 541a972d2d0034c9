"""Cloze multiple-response blanks through the pages: the trainer's Moodle XML import (a blank
without a right option refused, named), the bank's export in the same syntax, a hand-written
one shown back, and the member ticking checkboxes on the phone, graded per blank with each
ticked option's feedback."""
from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.quiz import services
from app.quiz.formats import parse_bytes
from app.quiz.models import Attempt
from tests.conftest import csrf_from, csrf_token, login
from tests.factories import bank_questions, create_course, create_quiz

XML = """<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="cloze">
    <name><text>三大作风</text></name>
    <questiontext format="html"><text><![CDATA[<p>党的三大作风是{2:MULTIRESPONSE_S:=理论联系实际#对~=密切联系群众#对~=批评与自我批评#对~照本宣科#这不是}，首都是{1:SA:=北京}。</p>]]></text></questiontext>
  </question>
  <question type="cloze">
    <name><text>没有对的</text></name>
    <questiontext format="html"><text><![CDATA[<p>{1:MRH:%-50%甲~乙}</p>]]></text></questiontext>
  </question>
</quiz>
""".encode()


@pytest.fixture
def bank(client, world):
    bank = services.create_bank(name="多选空格", unit=world.county)
    db.session.commit()
    login(client, "trainer")
    url = f"/quiz/banks/{bank.id}/import"
    response = client.post(url, data={"csrf_token": csrf_token(client, url), "file": (io.BytesIO(XML), "moodle.xml")},
                           content_type="multipart/form-data")
    preview = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "第 1 个空格是多选空格，至少需要一个得分的选项" in preview  # the second question, refused
    upload = re.search(r'name="upload" type="hidden" value="([^"]+)"', preview).group(1)
    assert client.post(f"/quiz/banks/{bank.id}/import/confirm",
                       data={"csrf_token": csrf_from(preview), "upload": upload}).status_code == 302
    return bank


def test_the_bank_keeps_the_blank_and_exports_it_in_moodles_syntax(client, bank):
    [question] = bank_questions(bank)
    version = question.current_version
    multi = version.content["blanks"][0]
    assert (multi["kind"], multi["layout"], multi["shuffle"], multi["weight"]) == ("multi", "vertical", True, 2)
    assert [a["fraction"] for a in multi["answers"]] == [0.3333333, 0.3333333, 0.3333333, -0.3333333]
    assert version.points == 3.0
    xml = client.get(f"/quiz/banks/{bank.id}/export/moodle_xml").data
    assert "{2:MULTIRESPONSE_S:%33.33333%理论联系实际#对~".encode() in xml
    again = parse_bytes(xml)
    assert again.errors == [] and again.questions[0].blanks[0].answers[3].fraction == -0.3333333
    edit = client.get(f"/quiz/questions/{question.id}")  # the edit page shows the blank in the syntax
    assert edit.status_code == 200 and "{2:MULTIRESPONSE_S:%33.33333%理论联系实际#对~" in edit.get_data(as_text=True)


def test_member_ticks_options_on_the_phone_and_sees_each_ticked_options_feedback(app, world, bank):
    course = create_course(world.county, publish_to=[world.county])
    quiz = create_quiz(course, questions=bank_questions(bank), pass_mark=60)
    db.session.commit()
    client = app.test_client()
    login(client, "member-a1")
    page = client.get(f"/quiz/{quiz.id}").get_data(as_text=True)
    start = client.post(f"/quiz/{quiz.id}/start", data={"csrf_token": csrf_from(page), "layout": "all"})
    html = client.get(start.headers["Location"]).get_data(as_text=True)
    boxes = re.findall(r'<input type="checkbox" name="q1_0" value="(\d)">', html)
    assert boxes == ["1", "2", "3", "4"] and 'role="group"' in html and "第 1 空（可以选多个）" in html
    assert "这不是" not in html  # no feedback before submission
    attempt = db.session.scalar(select(Attempt))
    order = attempt.questions[0].order
    position = {original: str(order.index(original) + 1) for original in range(4)}
    result = client.post(f"/quiz/attempts/{attempt.id}/submit", data={
        "csrf_token": csrf_from(html), "layout": "all", "q1_0": [position[0], position[1], position[3]],
        "q1_1": "北京"})
    assert result.status_code == 303
    after = client.get(result.headers["Location"]).get_data(as_text=True)
    db.session.refresh(attempt)
    answered = attempt.questions[0]
    assert answered.response == [[0, 1, 3], "北京"]
    # blank 1: 1/3 + 1/3 - 1/3 of 2 marks; blank 2: 1 of 1
    assert answered.fraction == pytest.approx((2 * 0.3333333 + 1) / 3, abs=1e-6)
    blank = re.search(r'id="blank-result-1-1">(.*?)</li>', after, re.S).group(1)
    assert "理论联系实际：对" in blank and "照本宣科：这不是" in blank
    assert "批评与自我批评：" not in blank  # not ticked: no feedback
    assert "理论联系实际、密切联系群众、批评与自我批评" in blank  # the right answer: every option to tick


def test_trainer_writes_a_multiresponse_blank_by_hand(client, world):
    bank = services.create_bank(name="手写多选", unit=world.county)
    db.session.commit()
    login(client, "trainer")
    url = f"/quiz/banks/{bank.id}/questions/new?type=cloze"
    page = client.get(url).get_data(as_text=True)
    assert "{1:MULTIRESPONSE:" in page  # the hint shows the syntax
    bad = client.post(url, data={"csrf_token": csrf_from(page), "points": "1", "text": "选出{1:MR:甲~乙}"})
    assert bad.status_code == 400 and "至少需要一个得分的选项" in bad.get_data(as_text=True)
    assert bank_questions(bank) == []
    good = client.post(url, data={"csrf_token": csrf_from(page), "points": "1", "text": "选出{1:MRH:=甲~=乙~丙}"})
    assert good.status_code == 302
    edit = client.get(good.headers["Location"]).get_data(as_text=True)
    assert "选出{1:MULTIRESPONSE_H:%50%甲~%50%乙~%-50%丙}" in edit
