"""Democratic appraisal through the pages: the secretary creates and publishes it, prints slips
for members and villagers, they answer at /q, the committee reads the counts side by side and
records a grade per member in the development file; access and scope."""
from __future__ import annotations

import re

from sqlalchemy import select

from app.extensions import db
from app.org.choices import PersonCategory, Post
from app.records.models import DevelopmentEntry, EntryKind
from app.survey import appraisal, services
from app.survey.models import Questionnaire
from tests.conftest import csrf_from, csrf_token, login
from tests.factories import create_person

SLIP_CODE = re.compile(r'<span class="code">([A-Z0-9]{4}-[A-Z0-9]{4})</span>')


def _slips(client, questionnaire_id, unit_id, group, count):
    url = f"/questionnaires/{questionnaire_id}/slips"
    token = csrf_from(client.get(url).get_data(as_text=True))
    response = client.post(url, data={"csrf_token": token, "unit_id": unit_id, "group": group, "count": str(count)})
    return SLIP_CODE.findall(response.get_data(as_text=True))


def _answer(client, questionnaire, code, grade_for):
    page = client.post("/q", data={"csrf_token": csrf_token(client, "/q"), "code": code}).get_data(as_text=True)
    assert questionnaire.title in page
    fields = {f"q{question.id}": str(grade_for(question)) for question in questionnaire.questions}
    response = client.post("/q/answer", data={"csrf_token": csrf_from(page), "code": code, **fields})
    assert response.status_code == 200


def test_a_branch_runs_its_democratic_appraisal_into_the_files(client, world, app):
    wang = create_person(world.branch_a1, "王二", category=PersonCategory.PROBATIONARY, phone="13900000011")
    world.person_a1.post = Post.MEDIATION.value
    db.session.commit()
    wang_id, zhang_id = wang.id, world.person_a1.id
    login(client, "sec-a1")
    assert "民主评议" in client.get("/questionnaires").get_data(as_text=True)
    token = csrf_token(client, "/questionnaires/appraisal/new")
    # A bad year: a clear message, nothing made.
    page = client.post("/questionnaires/appraisal/new", data={"csrf_token": token, "unit_id": world.branch_a1.id,
                                                              "year": "19"}, follow_redirects=True)
    assert "2000" in page.get_data(as_text=True) and db.session.scalar(select(Questionnaire)) is None
    response = client.post("/questionnaires/appraisal/new", data={"csrf_token": token,
                                                                  "unit_id": world.branch_a1.id, "year": "2026"})
    assert response.status_code == 302
    questionnaire = db.session.scalar(select(Questionnaire))
    assert questionnaire.appraisal_year == 2026 and len(questionnaire.questions) == 8
    qid = questionnaire.id
    page = client.get(f"/questionnaires/{qid}").get_data(as_text=True)
    assert "张甲一：" in page and "带头致富" in page
    client.post(f"/questionnaires/{qid}/publish", data={"csrf_token": csrf_from(page)})
    db.session.expire_all()
    members = _slips(client, qid, world.branch_a1.id, "member", 5)
    villagers = _slips(client, qid, world.branch_a1.id, "villager", 5)
    slip = app.test_client()  # people without an account, at /q
    for code in members:
        _answer(slip, questionnaire, code, lambda q: 0)  # everyone: excellent
    for code in villagers[:4]:
        _answer(slip, questionnaire, code, lambda q: 1)  # competent
    page = client.get(f"/records/appraisals/{qid}").get_data(as_text=True)
    assert "调解" in page  # 张甲一's post (设岗定责)
    section = page[page.index(f'id="person-{zhang_id}-member"'):page.index(f'id="person-{zhang_id}-villager"')]
    assert "<td>5</td><td>0</td><td>0</td><td>0</td>" in section
    villager_section = page[page.index(f'id="person-{zhang_id}-villager"'):]
    villager_section = villager_section[:villager_section.index("</div>")]
    assert "不足" in villager_section and "<td>" not in villager_section  # 4 villagers: only the number
    _answer(slip, questionnaire, villagers[4], lambda q: 1)
    page = client.get(f"/records/appraisals/{qid}").get_data(as_text=True)
    villager_section = page[page.index(f'id="person-{zhang_id}-villager"'):]
    assert "<td>0</td><td>5</td><td>0</td><td>0</td>" in villager_section[:villager_section.index("</div>")]
    # No grade chosen: refused, nothing appended.
    before = db.session.scalar(select(db.func.count()).select_from(DevelopmentEntry))
    client.post(f"/records/appraisals/{qid}/people/{zhang_id}", data={"csrf_token": csrf_from(page), "grade": ""})
    assert db.session.scalar(select(db.func.count()).select_from(DevelopmentEntry)) == before
    response = client.post(f"/records/appraisals/{qid}/people/{zhang_id}",
                           data={"csrf_token": csrf_from(page), "grade": "excellent", "note": "调解纠纷出色"},
                           follow_redirects=True)
    assert "已记入" in response.get_data(as_text=True) or "Recorded" in response.get_data(as_text=True)
    entry = db.session.scalar(select(DevelopmentEntry).where(DevelopmentEntry.person_id == zhang_id,
                                                             DevelopmentEntry.kind == EntryKind.APPRAISAL.value))
    assert entry.year == 2026 and entry.status == "excellent" and "调解纠纷出色" in entry.note
    assert "优秀5" in entry.note and "合格5" in entry.note and "岗位：矛盾调解" in entry.note
    file_page = client.get(f"/records/people/{zhang_id}").get_data(as_text=True)
    assert "调解纠纷出色" in file_page
    assert app.test_cli_runner().invoke(args=["records", "verify"]).exit_code == 0
    assert wang_id  # 王二 is appraised too, with his own form
    assert f"/records/appraisals/{qid}/people/{wang_id}" in page


def test_appraisal_pages_answer_404_outside_scope_and_403_without_the_capability(client, world, app):
    create_person(world.branch_a1, "王二", category=PersonCategory.PROBATIONARY, phone="13900000011")
    db.session.commit()
    questionnaire = appraisal.create_appraisal(world.branch_a1, 2026)
    services.publish(questionnaire)
    db.session.commit()
    qid, person_id = questionnaire.id, world.person_a1.id
    login(client, "org-b")
    assert client.get(f"/records/appraisals/{qid}").status_code == 404
    token = csrf_token(client, "/questionnaires")
    assert client.post(f"/records/appraisals/{qid}/people/{person_id}",
                       data={"csrf_token": token, "grade": "excellent"}).status_code == 404
    # Organiser B cannot create one for a branch outside their township either (not offered: refused).
    response = client.post("/questionnaires/appraisal/new", data={"csrf_token": token, "unit_id": world.branch_a1.id,
                                                                  "year": "2026"})
    assert response.status_code == 200 and db.session.scalar(select(db.func.count()).select_from(Questionnaire)) == 1
    client = app.test_client()
    login(client, "member-a1")
    assert client.get(f"/records/appraisals/{qid}").status_code == 403
    assert client.get("/questionnaires/appraisal/new").status_code == 403
    client = app.test_client()
    login(client, "org-a")  # the township above sees and records
    assert client.get(f"/records/appraisals/{qid}").status_code == 200
    # An ordinary questionnaire is not an appraisal page.
    ordinary = db.session.scalar(select(Questionnaire))
    ordinary.appraisal_year = None
    db.session.commit()
    assert client.get(f"/records/appraisals/{qid}").status_code == 404
    assert db.session.scalar(select(DevelopmentEntry).where(DevelopmentEntry.kind == EntryKind.APPRAISAL.value)) is None


def test_an_organiser_sets_a_members_post_which_the_appraisal_shows(client, world, app):
    questionnaire = appraisal.create_appraisal(world.branch_a1, 2026)
    services.publish(questionnaire)
    db.session.commit()
    qid, person_id = questionnaire.id, world.person_a1.id
    login(client, "sec-a1")
    page = client.get(f"/people/{person_id}").get_data(as_text=True)
    assert 'id="post-form"' in page
    # An unknown post: a clear message, nothing changed.
    response = client.post(f"/people/{person_id}/post", data={"csrf_token": csrf_from(page), "post": "boss"},
                           follow_redirects=True)
    assert "请从列出的岗位中选一个" in response.get_data(as_text=True)
    db.session.expire_all()
    assert world.person_a1.post is None
    client.post(f"/people/{person_id}/post", data={"csrf_token": csrf_from(page), "post": "tech_demonstration"})
    db.session.expire_all()
    assert world.person_a1.post == Post.TECH_DEMONSTRATION.value
    assert "科技示范" in client.get(f"/records/appraisals/{qid}").get_data(as_text=True)
    other = app.test_client()
    login(other, "org-b")
    token = csrf_token(other, "/questionnaires")
    assert other.post(f"/people/{person_id}/post", data={"csrf_token": token, "post": ""}).status_code == 404
    member = app.test_client()
    login(member, "member-a1")
    token = csrf_token(member, "/me")
    assert member.post(f"/people/{person_id}/post", data={"csrf_token": token, "post": ""}).status_code == 403
    db.session.expire_all()
    assert world.person_a1.post == Post.TECH_DEMONSTRATION.value
