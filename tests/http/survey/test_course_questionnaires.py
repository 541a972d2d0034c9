"""An organiser sends a questionnaire with a course; the course page downloads the package that
carries it; courses and packages outside scope stay out of reach."""
from __future__ import annotations

import io
import zipfile

import yaml
from sqlalchemy import func, select

from app.extensions import db
from app.survey.models import Questionnaire
from tests.conftest import csrf_from, csrf_token, login
from tests.factories import create_course


def _new_questionnaire(client, **fields):
    data = {"csrf_token": csrf_token(client, "/questionnaires/new"), "title": "学后调查", "audience": "session",
            "is_anonymous": "y", "opens_on": "", "closes_on": ""}
    data.update(fields)
    return client.post("/questionnaires/new", data=data)


def _manifest(download, course) -> dict:
    with zipfile.ZipFile(io.BytesIO(download.data)) as bundle:
        return yaml.safe_load(bundle.read(f"{course.slug}/course.yaml"))


def test_organiser_links_a_questionnaire_to_her_course_and_its_package_carries_it(client, world):
    own = create_course(world.township_a, title="甲镇的课")
    other = create_course(world.township_b, title="乙镇的课")
    db.session.commit()
    login(client, "org-a")
    form = client.get("/questionnaires/new").get_data(as_text=True)
    assert "随课程包下发" in form and "甲镇的课" in form and "乙镇的课" not in form

    # A forged post naming another township's course is refused and creates nothing.
    refused = _new_questionnaire(client, course_id=str(other.id))
    assert refused.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(Questionnaire)) == 0

    assert _new_questionnaire(client, course_id=str(own.id)).status_code == 302
    questionnaire = db.session.scalar(select(Questionnaire))
    assert questionnaire.course_id == own.id and questionnaire.package_key.startswith("q-")
    page = client.get(f"/questionnaires/{questionnaire.id}").get_data(as_text=True)
    assert "随课程《甲镇的课》的课程包下发" in page
    client.post(f"/questionnaires/{questionnaire.id}/questions", data={
        "csrf_token": csrf_from(page), "kind": "rating", "prompt": "这门课有用吗？", "is_required": "y"})

    workbench = client.get(f"/manage/courses/{own.id}").get_data(as_text=True)
    assert f"/manage/courses/{own.id}/package.zip" in workbench and "下载课程包" in workbench
    with client.get(f"/manage/courses/{own.id}/package.zip") as download:
        assert download.status_code == 200 and download.mimetype == "application/zip"
        assert f"{own.slug}.zip" in download.headers["Content-Disposition"]
        manifest = _manifest(download, own)
    [sent] = manifest["questionnaires"]
    assert (sent["title"], sent["audience"], sent["anonymous"]) == ("学后调查", "session", True)
    assert sent["questions"] == [{"kind": "rating", "text": "这门课有用吗？"}]

    # Unlinking: the next package no longer carries it.
    client.post(f"/questionnaires/{questionnaire.id}", data={
        "csrf_token": csrf_from(page), "title": "学后调查", "audience": "session", "is_anonymous": "y",
        "opens_on": "", "closes_on": "", "course_id": "0"})
    db.session.expire_all()
    assert questionnaire.course_id is None
    with client.get(f"/manage/courses/{own.id}/package.zip") as download:
        assert "questionnaires" not in _manifest(download, own)


def test_a_package_outside_scope_or_without_the_capability_is_out_of_reach(client, world):
    other = create_course(world.township_b, title="乙镇的课")
    db.session.commit()
    login(client, "org-a")
    assert client.get(f"/manage/courses/{other.id}/package.zip").status_code == 404
    client.post("/logout", data={"csrf_token": csrf_token(client, "/me")})
    login(client, "member-a1")
    assert client.get(f"/manage/courses/{other.id}/package.zip").status_code in (403, 404)
