"""Questionnaire pages: building, printing slips, answering (login and slip), results, access."""
from __future__ import annotations

import io
import re
from datetime import timedelta

import openpyxl
import pytest
from sqlalchemy import select

from app.core.model_base import utcnow
from app.extensions import db
from app.survey import services
from app.survey.models import Audience, Questionnaire, QuestionnaireStatus, SurveyResponse
from tests.conftest import csrf_from, csrf_token, login
from tests.survey_data import answers_for as _raw, make_questionnaire

SLIP_CODE = re.compile(r'<span class="code">([A-Z0-9]{4}-[A-Z0-9]{4})</span>')


def _form_for(questionnaire, **overrides) -> dict:
    """The answer form's fields, filled the way a person clicks them."""
    single, multiple, rating, yes_no, text, ranking = (q.id for q in questionnaire.questions)
    form = {f"q{single}": "1", f"q{multiple}": ["0", "3"], f"q{rating}": "5", f"q{yes_no}": "yes",
            f"q{text}": "多办培训", f"q{ranking}_0": "2", f"q{ranking}_1": "1", f"q{ranking}_2": "3"}
    form.update(overrides)
    return form


def test_organiser_builds_publishes_and_deletes_a_questionnaire(client, world):
    login(client, "sec-a1")
    page = client.get("/questionnaires").get_data(as_text=True)
    assert "还没有问卷" in page or "No questionnaires yet" in page
    token = csrf_token(client, "/questionnaires/new")
    response = client.post("/questionnaires/new", data={
        "csrf_token": token, "title": "党员活动室使用情况", "audience": "members", "opens_on": "", "closes_on": ""})
    assert response.status_code == 302
    questionnaire = db.session.scalar(select(Questionnaire))
    assert questionnaire.unit_id == world.branch_a1.id and questionnaire.is_anonymous is False
    questionnaire_id = questionnaire.id
    url = f"/questionnaires/{questionnaire_id}"
    # A choice question with one option is refused with a clear message, nothing is added.
    token = csrf_from(client.get(url).get_data(as_text=True))
    page = client.post(f"{url}/questions", data={"csrf_token": token, "kind": "single", "prompt": "多久来一次？",
                                                  "options": "每周", "is_required": "y"},
                       follow_redirects=True).get_data(as_text=True)
    assert "至少" in page
    client.post(f"{url}/questions", data={"csrf_token": token, "kind": "rating", "prompt": "您满意吗？",
                                          "is_required": "y"})
    client.post(f"{url}/questions", data={"csrf_token": token, "kind": "single", "prompt": "多久来一次？",
                                          "options": "每周\n每月\n很少", "is_required": "y"})
    db.session.expire_all()
    assert [q.prompt for q in questionnaire.questions] == ["您满意吗？", "多久来一次？"]
    assert questionnaire.questions[1].options == ["每周", "每月", "很少"]
    client.post(f"{url}/publish", data={"csrf_token": token})
    db.session.expire_all()
    assert questionnaire.status == QuestionnaireStatus.OPEN.value
    # Deleting asks first and says what will be lost.
    page = client.get(f"{url}/delete").get_data(as_text=True)
    assert "党员活动室使用情况" in page and "confirm-delete" in page
    assert db.session.get(Questionnaire, questionnaire_id) is not None
    client.post(f"{url}/delete", data={"csrf_token": token})
    db.session.expire_all()
    assert db.session.get(Questionnaire, questionnaire_id) is None


def test_access_matrix(client, world):
    questionnaire = make_questionnaire(world.branch_a1)
    url = f"/questionnaires/{questionnaire.id}"
    assert client.get("/questionnaires").status_code == 302  # anonymous: to the login page
    login(client, "member-a1")
    assert client.get("/questionnaires").status_code == 403
    assert client.get(f"{url}/results").status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, "org-b")  # another township
    assert client.get(url).status_code == 404
    assert client.get(f"{url}/results").status_code == 404
    assert client.get(f"{url}/slips").status_code == 404
    with client.get(f"{url}/results/units/{world.branch_a1.id}/export.xlsx") as response:
        assert response.status_code == 404


def test_results_of_a_unit_outside_scope_are_404(client, world):
    questionnaire = make_questionnaire(world.county)
    login(client, "org-a")
    url = f"/questionnaires/{questionnaire.id}/results"
    # A county questionnaire: township a sees its own subtree's results, not township b's nor the county's.
    assert client.get(url).status_code == 200
    assert client.get(f"{url}/units/{world.township_a.id}").status_code == 200
    assert client.get(f"{url}/units/{world.township_b.id}").status_code == 404
    assert client.get(f"{url}/units/{world.branch_b1.id}").status_code == 404
    assert client.get(f"{url}/units/{world.county.id}").status_code == 404
    # ... and may not edit it.
    assert client.get(f"/questionnaires/{questionnaire.id}/slips").status_code == 404


def _workbook(client, url):
    with client.get(url) as response:
        assert response.status_code == 200
        return openpyxl.load_workbook(io.BytesIO(response.data))


def _print_slips(client, questionnaire, unit, count) -> list[str]:
    url = f"/questionnaires/{questionnaire.id}/slips"
    token = csrf_from(client.get(url).get_data(as_text=True))
    response = client.post(url, data={"csrf_token": token, "unit_id": unit.id, "group": "villager",
                                      "count": str(count)})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    return SLIP_CODE.findall(response.get_data(as_text=True))


def _answer_with_slip(client, questionnaire, code, **overrides):
    token = csrf_token(client, "/q")
    page = client.post("/q", data={"csrf_token": token, "code": code}).get_data(as_text=True)
    assert questionnaire.title in page, page
    return client.post("/q/answer", data={"csrf_token": csrf_from(page), "code": code,
                                          **_form_for(questionnaire, **overrides)})


def test_villager_answers_with_a_slip_once(client, world):
    questionnaire = make_questionnaire(world.branch_a1)
    login(client, "sec-a1")
    codes = _print_slips(client, questionnaire, world.branch_a1, 4)
    assert len(codes) == 4 and len(set(codes)) == 4
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})

    page = client.get("/q").get_data(as_text=True)
    assert "code-form" in page
    response = _answer_with_slip(client, questionnaire, codes[0])
    assert "谢谢" in response.get_data(as_text=True)
    stored = db.session.scalar(select(SurveyResponse))
    assert stored.person_id is None and stored.channel == "slip"
    # The same code again: refused at the code page, nothing stored.
    page = client.post("/q", data={"csrf_token": csrf_token(client, "/q"), "code": codes[0]},
                       follow_redirects=True).get_data(as_text=True)
    assert "无效" in page or "已被使用" in page or "已经用过" in page
    assert len(db.session.scalars(select(SurveyResponse)).all()) == 1
    # A missing required answer: a clear message naming the question, the code is still good.
    response = _answer_with_slip(client, questionnaire, codes[1], **{f"q{questionnaire.questions[2].id}": ""})
    assert "请回答第 3 题" in response.get_data(as_text=True)
    assert services.find_slip(codes[1]) is not None


def test_a_slip_reaches_only_its_own_questionnaire(client, world):
    mine = make_questionnaire(world.branch_a1, title="甲一村问卷")
    other = make_questionnaire(world.branch_a1, title="另一份问卷")
    [code] = services.issue_slip_codes(mine, world.branch_a1, 1)
    db.session.commit()
    page = client.post("/q", data={"csrf_token": csrf_token(client, "/q"), "code": code}).get_data(as_text=True)
    assert "甲一村问卷" in page and "另一份问卷" not in page
    # Answers posted with the slip go to its questionnaire whatever the form claims.
    response = client.post("/q/answer", data={"csrf_token": csrf_from(page), "code": code,
                                              "questionnaire_id": other.id, **_form_for(mine)})
    assert response.status_code == 200
    assert db.session.scalar(select(SurveyResponse.questionnaire_id)) == mine.id
    # Without a login the slip opens nothing else.
    assert client.get(f"/questionnaires/{other.id}").status_code == 302
    assert client.get(f"/questionnaires/{mine.id}/results").status_code == 302


@pytest.mark.parametrize("when", ["later", "over"])
def test_closed_or_not_yet_open_questionnaire_says_so(client, world, when):
    settings = {"opens_at": utcnow() + timedelta(days=3)} if when == "later" else \
        {"closes_at": utcnow() - timedelta(hours=1)}
    questionnaire = make_questionnaire(world.branch_a1, **settings)
    [code] = services.issue_slip_codes(questionnaire, world.branch_a1, 1)
    db.session.commit()
    page = client.post("/q", data={"csrf_token": csrf_token(client, "/q"), "code": code}).get_data(as_text=True)
    assert 'id="refusal"' in page and "answer-form" not in page
    assert ("开始" in page) if when == "later" else ("结束" in page)
    response = client.post("/q/answer", data={"csrf_token": csrf_token(client, "/q"), "code": code,
                                              **_form_for(questionnaire)})
    assert 'id="refusal"' in response.get_data(as_text=True)
    assert db.session.scalar(select(SurveyResponse.id)) is None


def test_member_answers_a_named_questionnaire_with_their_login_once(client, world):
    questionnaire = make_questionnaire(world.township_a, anonymous=False, audience=Audience.MEMBERS)
    login(client, "member-a1")
    page = client.get("/me/questionnaires").get_data(as_text=True)
    assert questionnaire.title in page
    url = f"/me/questionnaires/{questionnaire.id}"
    token = csrf_from(client.get(url).get_data(as_text=True))
    page = client.post(url, data={"csrf_token": token, **_form_for(questionnaire)}).get_data(as_text=True)
    assert "谢谢" in page
    response = db.session.scalar(select(SurveyResponse))
    assert response.person_id == world.person_a1.id and response.channel == "phone"
    assert [answer.choices for answer in sorted(response.answers, key=lambda a: a.question_id)
            if answer.choices is not None] == [[1], [0, 3], [1, 0, 2]]
    page = client.get(url).get_data(as_text=True)
    assert 'id="answered"' in page
    client.post(url, data={"csrf_token": token, **_form_for(questionnaire)})
    assert len(db.session.scalars(select(SurveyResponse)).all()) == 1


def test_member_does_not_reach_another_branch_questionnaire(client, world):
    other = make_questionnaire(world.branch_b1, anonymous=False, audience=Audience.MEMBERS)
    login(client, "member-a1")
    assert other.title not in client.get("/me/questionnaires").get_data(as_text=True)
    assert client.get(f"/me/questionnaires/{other.id}").status_code == 404


def test_results_page_and_export_hide_small_groups(client, world):
    questionnaire = make_questionnaire(world.township_a)
    login(client, "org-a")
    for code in _print_slips(client, questionnaire, world.branch_a1, 6):
        services.answer_with_slip(questionnaire, code, _raw(questionnaire))
    for code in _print_slips(client, questionnaire, world.branch_a2, 2):
        services.answer_with_slip(questionnaire, code, _raw(questionnaire, text="我是甲二村的"))
    db.session.commit()
    url = f"/questionnaires/{questionnaire.id}/results"
    page = client.get(url).get_data(as_text=True)
    assert 'id="suppressed"' not in page and "我是甲二村的" in page  # 8 answers in the township
    for unit in (world.branch_a1, world.branch_a2):  # a2 has 2; a1 is the township minus a2's 2
        page = client.get(f"{url}/units/{unit.id}").get_data(as_text=True)
        assert 'id="suppressed"' in page and "我是甲二村的" not in page and "result-1" not in page
        book = _workbook(client, f"{url}/units/{unit.id}/export.xlsx")
        cells = [str(cell) for row in book.active.iter_rows(values_only=True) for cell in row if cell is not None]
        assert not any("我是甲二村的" in cell or "多讲养牛" in cell for cell in cells)
        assert any("不足" in cell or "少于" in cell for cell in cells)
    book = _workbook(client, f"{url}/units/{world.township_a.id}/export.xlsx")
    cells = [cell for row in book.active.iter_rows(values_only=True) for cell in row if cell is not None]
    assert "我是甲二村的" in cells


def test_export_neutralises_formulas(client, world):
    questionnaire = make_questionnaire(world.branch_a1)
    for code in services.issue_slip_codes(questionnaire, world.branch_a1, 5):
        services.answer_with_slip(questionnaire, code, _raw(questionnaire, text='=HYPERLINK("http://x","点我")'))
    db.session.commit()
    login(client, "sec-a1")
    sheet = _workbook(client, f"/questionnaires/{questionnaire.id}/results/units/{world.branch_a1.id}/export.xlsx").active
    texts = [cell for row in sheet.iter_rows() for cell in row if cell.value == '=HYPERLINK("http://x","点我")']
    assert texts and all(cell.data_type == "s" for cell in texts)

