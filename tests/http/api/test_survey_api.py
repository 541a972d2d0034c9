"""Questionnaires over the API: create, list, results with the minimum group, answers by slip code."""
from __future__ import annotations

from sqlalchemy import select

from app.api.services import create_token
from app.extensions import db
from app.survey import services
from app.survey.models import Questionnaire, SurveyResponse
from tests.survey_data import answers_for, make_questionnaire


def _bearer(world, key):
    _token, plaintext = create_token(world.accounts[key], "test")
    db.session.commit()
    return {"Authorization": f"Bearer {plaintext}"}


def _answers(questionnaire, **values):
    return [{"question_id": qid, "value": value} for qid, value in answers_for(questionnaire, **values).items()]


def test_create_and_list(client, world):
    headers = _bearer(world, "secretary_a1")
    payload = {"title": "活动室满意度", "audience": "villagers", "anonymous": True, "publish": True,
               "questions": [{"kind": "rating", "prompt": "满意吗？"},
                             {"kind": "single", "prompt": "多久来一次？", "options": ["每周", "每月"]}]}
    response = client.post("/api/v1/questionnaires", json=payload, headers=headers)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "open" and body["unit_id"] == world.branch_a1.id
    assert [q["kind"] for q in body["questions"]] == ["rating", "single"]
    listed = client.get("/api/v1/questionnaires", headers=headers).get_json()["items"]
    assert [item["title"] for item in listed] == ["活动室满意度"]
    assert client.get("/api/v1/questionnaires", headers=_bearer(world, "organiser_b")).get_json()["items"] == []
    # A choice question with one option: 422 with the reason, nothing created.
    bad = {**payload, "questions": [{"kind": "single", "prompt": "问", "options": ["只有一个"]}]}
    response = client.post("/api/v1/questionnaires", json=bad, headers=headers)
    assert response.status_code == 422 and "两个" in response.get_json()["error"]["message"]
    assert len(db.session.scalars(select(Questionnaire)).all()) == 1
    # A member may not create; nobody without a token.
    assert client.post("/api/v1/questionnaires", json=payload, headers=_bearer(world, "member_a1")).status_code == 403
    assert client.post("/api/v1/questionnaires", json=payload).status_code == 401


def test_answers_with_a_code_need_no_login_and_work_once(client, world):
    questionnaire = make_questionnaire(world.branch_a1)
    other = make_questionnaire(world.branch_a1, title="另一份")
    [code] = services.issue_slip_codes(questionnaire, world.branch_a1, 1)
    db.session.commit()
    url = f"/api/v1/questionnaires/{questionnaire.id}/answers"
    # The code opens only its own questionnaire.
    response = client.post(f"/api/v1/questionnaires/{other.id}/answers",
                           json={"code": code, "answers": _answers(other)})
    assert response.status_code == 403
    bad = client.post(url, json={"code": code, "answers": _answers(questionnaire, rating=9)})
    assert bad.status_code == 422 and "第 3 题" in bad.get_json()["error"]["message"]
    assert services.find_slip(code) is not None
    assert client.post(url, json={"code": code, "answers": _answers(questionnaire)}).status_code == 201
    again = client.post(url, json={"code": code, "answers": _answers(questionnaire)})
    assert again.status_code == 403 and "用过" in again.get_json()["error"]["message"]
    assert db.session.scalar(select(SurveyResponse.person_id)) is None
    assert len(db.session.scalars(select(SurveyResponse)).all()) == 1


def test_closed_questionnaire_refuses_answers_by_api(client, world):
    questionnaire = make_questionnaire(world.branch_a1)
    [code] = services.issue_slip_codes(questionnaire, world.branch_a1, 1)
    services.close(questionnaire)
    db.session.commit()
    response = client.post(f"/api/v1/questionnaires/{questionnaire.id}/answers",
                           json={"code": code, "answers": _answers(questionnaire)})
    assert response.status_code == 409 and "结束" in response.get_json()["error"]["message"]


def test_results_apply_the_minimum_group_and_scope(client, world):
    questionnaire = make_questionnaire(world.township_a)
    for unit, count in ((world.branch_a1, 6), (world.branch_a2, 2)):
        for code in services.issue_slip_codes(questionnaire, unit, count):
            services.answer_with_slip(questionnaire, code, answers_for(questionnaire))
    db.session.commit()
    headers = _bearer(world, "organiser_a")
    url = f"/api/v1/questionnaires/{questionnaire.id}/results"
    body = client.get(url, headers=headers).get_json()
    assert body["responses"] == 8 and body["suppressed"] is False and body["min_group"] == 5
    assert body["questions"][2]["average"] == 4.0
    assert [(u["responses"], u["suppressed"]) for u in body["units"]] == [(6, True), (2, True)]
    small = client.get(f"{url}?unit_id={world.branch_a2.id}", headers=headers).get_json()
    assert small["suppressed"] is True and small["questions"] == []
    assert client.get(f"{url}?unit_id={world.branch_b1.id}", headers=headers).status_code == 404
    assert client.get(url, headers=_bearer(world, "organiser_b")).status_code == 404
    assert client.get(url, headers=_bearer(world, "member_a1")).status_code == 403


def test_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/questionnaires"])
    assert "get" in paths["/api/v1/questionnaires/{questionnaire_id}/results"]
    answers = paths["/api/v1/questionnaires/{questionnaire_id}/answers"]["post"]
    assert "security" not in answers and {"201", "403", "409", "422"} <= set(answers["responses"])


def test_a_questionnaire_created_for_a_course_travels_with_it_and_other_courses_are_404(client, world):
    from tests.factories import create_course
    own, other = create_course(world.township_a, title="甲镇的课"), create_course(world.township_b)
    db.session.commit()
    headers = _bearer(world, "organiser_a")
    payload = {"title": "学后调查", "audience": "session", "course_id": other.id,
               "questions": [{"kind": "yes_no", "prompt": "有用吗？"}]}
    assert client.post("/api/v1/questionnaires", json=payload, headers=headers).status_code == 404
    # A course in scope but of another unit (a branch's): the questionnaire travels only with its own unit's.
    branch_course = create_course(world.branch_a1)
    db.session.commit()
    refused = client.post("/api/v1/questionnaires", json={**payload, "course_id": branch_course.id}, headers=headers)
    assert refused.status_code == 422 and "本单位" in refused.get_json()["error"]["message"]
    assert db.session.scalars(select(Questionnaire)).all() == []
    response = client.post("/api/v1/questionnaires", json={**payload, "course_id": own.id}, headers=headers)
    assert response.status_code == 201 and response.get_json()["course_id"] == own.id
    questionnaire = db.session.scalar(select(Questionnaire))
    assert [item.id for item in services.course_questionnaires(own)] == [questionnaire.id]
