"""The TV screens of a questionnaire during a group session: access, one question per screen,
and sending the last screen twice stores one answer."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.study.sessions import services as sessions
from app.survey.models import Audience, SurveyResponse
from tests.conftest import csrf_from, login
from tests.factories import create_account, create_site
from tests.survey_data import make_questionnaire
from tests.unit.study.test_sessions import build_session


def _setup(world, *, open_it=True):
    session, _people = build_session(world, starts_in=timedelta(minutes=1))
    if open_it:
        sessions.open_session(session, by=world.accounts["terminal_a1"])
    questionnaire = make_questionnaire(world.township_a, audience=Audience.SESSION, title="培训效果调查")
    db.session.commit()
    return session, questionnaire


def test_the_tv_offers_session_questionnaires_only_while_the_session_is_open(client, world):
    session, questionnaire = _setup(world, open_it=False)
    make_questionnaire(world.township_a, audience=Audience.VILLAGERS, title="只用答卷码的问卷")
    login(client, "tv-a1")
    page = client.get(f"/terminal/sessions/{session.id}/questionnaires").get_data(as_text=True)
    assert "培训效果调查" not in page
    assert client.get(f"/terminal/sessions/{session.id}/questionnaires/{questionnaire.id}").status_code == 404
    sessions.open_session(session, by=world.accounts["terminal_a1"])
    db.session.commit()
    assert "问卷" in client.get(f"/terminal/sessions/{session.id}").get_data(as_text=True)
    page = client.get(f"/terminal/sessions/{session.id}/questionnaires").get_data(as_text=True)
    assert "培训效果调查" in page and "只用答卷码的问卷" not in page


def test_access(client, world):
    session, questionnaire = _setup(world)
    url = f"/terminal/sessions/{session.id}/questionnaires/{questionnaire.id}"
    login(client, "member-a1")
    assert client.get(url).status_code == 403
    other_tv = create_account("tv-a2", "terminal", world.branch_a2, site=create_site(world.branch_a2))
    db.session.commit()
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/me").get_data(as_text=True))})
    login(client, other_tv.username)
    assert client.get(url).status_code == 404


def _post(client, url, data):
    return client.post(url, data=data)


def test_one_question_per_screen_and_the_last_screen_counts_once(client, world):
    session, questionnaire = _setup(world)
    login(client, "tv-a1")
    base = f"/terminal/sessions/{session.id}/questionnaires/{questionnaire.id}"
    token = csrf_from(client.get(base).get_data(as_text=True))
    page = client.post(f"{base}/step", data={"csrf_token": token, "group": "villager"}).get_data(as_text=True)
    assert "您多久来一次活动室" in page and "您想学哪些内容" not in page
    code = page.split('name="code" value="')[1].split('"')[0]
    single, multiple, rating, yes_no, text, ranking = (q.id for q in questionnaire.questions)
    steps = [{f"q{single}": "0"}, {f"q{multiple}": "1"}, {f"q{rating}": "4"}, {f"q{yes_no}": "no"},
             {f"q{text}": ""}, {f"q{ranking}_0": "1", f"q{ranking}_1": "2", f"q{ranking}_2": "3"}]
    carried: dict = {}
    # A rating left out is refused on its own screen, in words.
    for position, answer in enumerate(steps):
        if position == 2:
            refused = client.post(f"{base}/step", data={"csrf_token": token, "code": code, "position": 2,
                                                         **carried, "go": "next"})
            assert refused.status_code == 422 and "第 3 题" in refused.get_data(as_text=True)
        carried.update(answer)
        response = client.post(f"{base}/step", data={"csrf_token": token, "code": code, "position": position,
                                                      **carried, "go": "next"})
        assert response.status_code == 200
    assert 'id="tv-thanks"' in response.get_data(as_text=True)
    again = client.post(f"{base}/step", data={"csrf_token": token, "code": code, "position": 5, **carried,
                                              "go": "next"})
    assert again.status_code == 422 and "用过" in again.get_data(as_text=True)
    stored = db.session.scalars(select(SurveyResponse)).all()
    assert len(stored) == 1 and stored[0].person_id is None and stored[0].unit_id == world.branch_a1.id
    assert stored[0].respondent_group == "villager"
