"""Question formats through the pages a trainer and a learner use: an old Excel .xls bank
imported like the .xlsx template, and GIFT read as Moodle reads it ([markdown] shown rendered,
a [markdown] short answer accepted when the learner types it)."""
from __future__ import annotations

import io
import json
import re

import openpyxl
from sqlalchemy import select

from app.extensions import db
from app.quiz import services
from app.quiz.formats import build_spreadsheet_template
from app.quiz.models import Attempt, AttemptStatus, QuestionBank
from tests.conftest import csrf_from, csrf_token, login
from tests.factories import bank_questions, create_course, create_quiz
from tests.xls_files import xls_bytes


def _preview(client, bank, data: bytes, filename: str):
    url = f"/quiz/banks/{bank.id}/import"
    return client.post(url, data={"csrf_token": csrf_token(client, url), "file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def _confirm(client, bank, html: str):
    upload = re.search(r'name="upload"[^>]*value="([^"]+)"', html).group(1)
    response = client.post(f"/quiz/banks/{bank.id}/import/confirm",
                           data={"csrf_token": csrf_from(html), "upload": upload})
    assert response.status_code == 302


def test_trainer_imports_an_old_excel_xls_bank(client, world):
    bank = services.create_bank(name="旧版题库", unit=world.county)
    db.session.commit()
    login(client, "trainer")
    template = openpyxl.load_workbook(io.BytesIO(build_spreadsheet_template()))
    rows = [list(row) for row in template.worksheets[0].iter_rows(values_only=True)]
    response = _preview(client, bank, xls_bytes(rows), "题库（WPS 保存）.xls")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.search(r'id="count-questions">5<', html) and "文本文件" not in html
    _confirm(client, bank, html)
    assert [q.type for q in bank_questions(bank)] == ["single", "multiple", "truefalse", "short", "essay"]


def test_a_damaged_xls_is_explained(client, world):
    bank = services.create_bank(name="题库", unit=world.county)
    db.session.commit()
    login(client, "trainer")
    response = _preview(client, bank, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 2000, "bank.xls")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "import-confirm" not in html
    assert "旧版 Excel（.xls）" in html and "文本文件" not in html
    assert bank_questions(bank) == []


GIFT = """::md::[markdown]请看**粗体**和 *斜体*<script>alert(1)</script> {=[markdown]answer2 =%50%答案二}

::mc::首都是{=[plain]北京 ~[html]<b>上海</b>}。
"""


def test_markdown_gift_is_shown_rendered_and_its_short_answer_accepted(client, world):
    bank = services.create_bank(name="Markdown 题库", unit=world.county)
    db.session.commit()
    login(client, "trainer")
    html = _preview(client, bank, GIFT.encode("utf-8"), "bank.gift").get_data(as_text=True)
    assert re.search(r'id="count-questions">2<', html) and "**" not in html and "[markdown]" not in html
    _confirm(client, bank, html)
    short, choice = bank_questions(bank)
    course = create_course(world.county, publish_to=[world.county])
    quiz = create_quiz(course, questions=[short, choice])
    db.session.commit()

    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, "member-a1")
    page = client.get(f"/quiz/{quiz.id}").get_data(as_text=True)
    start = client.post(f"/quiz/{quiz.id}/start", data={"csrf_token": csrf_from(page), "layout": "all"})
    attempt_page = client.get(start.headers["Location"]).get_data(as_text=True)
    assert "请看<strong>粗体</strong>和 <em>斜体</em>" in attempt_page
    assert "**" not in attempt_page and "<script>alert" not in attempt_page and "[markdown]" not in attempt_page
    assert "首都是_____。" in attempt_page and "[plain]" not in attempt_page and "[html]" not in attempt_page
    attempt = db.session.scalar(select(Attempt))
    by_kind = {q.version.type: q for q in attempt.questions}
    beijing = by_kind["single"].order.index(0) + 1
    answers = {"csrf_token": csrf_from(attempt_page), "layout": "all",
               f"q{by_kind['short'].position}": "answer2", f"q{by_kind['single'].position}": str(beijing)}
    result = client.post(f"/quiz/attempts/{attempt.id}/submit", data=answers)
    assert result.status_code == 303
    db.session.refresh(attempt)
    assert attempt.status == AttemptStatus.GRADED and attempt.percent == 100.0
    review = client.get(result.headers["Location"]).get_data(as_text=True)
    assert "<strong>粗体</strong>" in review and "**" not in review


def test_cli_imports_an_xls_bank(app, world, tmp_path):
    template = openpyxl.load_workbook(io.BytesIO(build_spreadsheet_template()))
    rows = [list(row) for row in template.worksheets[0].iter_rows(values_only=True)]
    path = tmp_path / "题库.xls"
    path.write_bytes(xls_bytes(rows))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["quiz", "import", str(path), "--bank", "旧表", "--unit", "C1", "--format", "xls", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert len(report["questions"]) == 5 and report["errors"] == []
    bank = db.session.scalar(select(QuestionBank).where(QuestionBank.name == "旧表"))
    assert len(bank_questions(bank)) == 5


def test_a_grade_moodle_refuses_is_named_in_the_preview(client, world):
    bank = services.create_bank(name="分数题库", unit=world.county)
    db.session.commit()
    login(client, "trainer")
    gift = "::ok::好 {#3:2~#完全错了}\n\n::bad::坏 {~%33%甲 ~%67%乙}\n\n::one::{One} 是答案\n"
    html = _preview(client, bank, gift.encode("utf-8"), "bank.gift").get_data(as_text=True)
    assert re.search(r'id="count-questions">2<', html) and re.search(r'id="count-errors">1<', html)
    assert "得分比例 33%、67% 不是 Moodle 允许的值" in html and "无效" not in html
    _confirm(client, bank, html)
    assert [q.type for q in bank_questions(bank)] == ["numeric", "short"]
