"""Learners (members, terminals) reach media, posters and quiz images only through a course
they may study: a draft of their own branch, or a course published elsewhere, answers 404,
while the trainers and organisers who manage it keep their access."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.catalog import services as catalog_services
from app.extensions import db
from app.media import services as media_services
from tests.conftest import login
from tests.factories import bank_questions, create_bank, create_course, create_lesson, create_quiz

LEARNERS = ("member-a1", "tv-a1")
MANAGERS = ("sec-a1", "trainer", "admin")
FULL_XML = Path(__file__).resolve().parents[2] / "data" / "quiz" / "full.xml"


def _video(app, world, sources, name: str):
    """A real transcoded video owned by branch A1 (uploaded by its secretary's unit)."""
    copy = Path(app.config["MEDIA_ROOT"]).parent / name
    shutil.copy(sources.plain_clip, copy)
    media = media_services.ingest_file(copy, original_name=name, owner_unit=world.branch_a1,
                                       uploaded_by=world.accounts["secretary_a1"])
    db.session.commit()  # the eager job queue transcodes on commit
    db.session.refresh(media)
    assert media.status == "ready" and {r.label for r in media.renditions} >= {"240p", "360p"}
    return media


@pytest.fixture
def media_setting(app, world, sources):
    """A draft course of branch A1 with a video, and a township A course published to branch
    A2 only whose video is owned by branch A1."""
    draft = create_course(world.branch_a1, title="本村草稿", lessons=0)
    draft_video = _video(app, world, sources, "draft.mp4")
    create_lesson(draft, type="video", title="草稿视频", media=draft_video)
    elsewhere = create_course(world.township_a, title="只发给甲二村", lessons=0)
    elsewhere_video = _video(app, world, sources, "elsewhere.mp4")
    create_lesson(elsewhere, type="video", title="甲二村视频", media=elsewhere_video)
    catalog_services.publish_course(elsewhere, [world.branch_a2])
    db.session.commit()
    return draft, draft_video, elsewhere_video


def _status(client, username, url) -> int:
    client.delete_cookie("session")
    client.delete_cookie("remember_token")
    login(client, username)
    with client.get(url) as response:
        response.get_data()
        return response.status_code


@pytest.mark.parametrize("label", ["240p", "360p", "poster"])
def test_learners_get_404_for_media_of_courses_they_cannot_study(client, world, media_setting, label):
    draft, draft_video, elsewhere_video = media_setting
    for media in (draft_video, elsewhere_video):
        url = f"/media/{media.id}/{label}"
        assert {user: _status(client, user, url) for user in LEARNERS} == {user: 404 for user in LEARNERS}, url
        assert {user: _status(client, user, url) for user in MANAGERS} == {user: 200 for user in MANAGERS}, url
    assert _status(client, "org-b", f"/media/{draft_video.id}/{label}") == 404
    catalog_services.publish_course(draft, [world.branch_a1])
    db.session.commit()
    url = f"/media/{draft_video.id}/{label}"
    assert {user: _status(client, user, url) for user in LEARNERS} == {user: 200 for user in LEARNERS}


@pytest.fixture
def image_setting(world):
    """A bank of branch A1 with an imported image, used by a quiz of a draft course of A1."""
    from app.quiz import services as quiz_services
    from app.quiz.models import QuestionImage
    from app.quiz.services import IMAGE_PLACEHOLDER

    bank = create_bank(world.branch_a1, gift=None)
    quiz_services.import_bank_file(bank, FULL_XML.read_bytes(), filename="full.xml")
    image = db.session.query(QuestionImage).filter_by(bank_id=bank.id).first()
    assert image is not None
    with_image = next(q for q in bank_questions(bank)
                      if f"{IMAGE_PLACEHOLDER}{image.id}" in (q.current_version.text_html or ""))
    draft = create_course(world.branch_a1, title="带图测验草稿")
    create_quiz(draft, questions=[with_image])
    db.session.commit()
    return draft, image


def test_learners_get_404_for_quiz_images_of_courses_they_cannot_study(client, world, image_setting):
    draft, image = image_setting
    url = f"/quiz/images/{image.id}"
    assert {user: _status(client, user, url) for user in LEARNERS} == {user: 404 for user in LEARNERS}
    assert {user: _status(client, user, url) for user in ("sec-a1", "admin")} == {"sec-a1": 200, "admin": 200}
    assert _status(client, "org-b", url) == 404
    catalog_services.publish_course(draft, [world.branch_a1])
    db.session.commit()
    assert {user: _status(client, user, url) for user in LEARNERS} == {user: 200 for user in LEARNERS}
