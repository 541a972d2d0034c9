"""Resumable and plain uploads end to end: chunks, interruption, checks, refusals, lessons."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.catalog.models import Lesson
from app.extensions import db
from app.media.models import Media, UploadSession
from tests.conftest import login
from tests.factories import create_course
from tests.http.media.conftest import (CHUNK, CJK, csrf_header, open_upload, plain_upload, put_chunk, stored_files,
                                       upload_all)


@pytest.fixture
def trainer(client, world):
    login(client, "trainer")
    return client


def _lessons(course) -> list[Lesson]:
    return list(db.session.scalars(select(Lesson).where(Lesson.course_id == course.id).order_by(Lesson.position)))


def test_interrupted_upload_resumes_from_the_stored_offset(app, trainer, world, sources):
    course = create_course(world.township_a, title="马铃薯", lessons=0)
    db.session.commit()
    path = sources.plain_clip
    data = path.read_bytes()
    assert len(data) > 3 * CHUNK
    headers = csrf_header(trainer)
    opened = open_upload(trainer, headers, path, course_id=course.id, name="马铃薯晚疫病_防治.mp4")
    assert opened.status_code == 201
    session_id = opened.get_json()["id"]
    assert opened.get_json() == {"id": session_id, "offset": 0, "chunk_size": CHUNK}
    for start in (0, CHUNK):
        assert put_chunk(trainer, headers, session_id, data[start:start + CHUNK], start, len(data)).status_code == 200
    # The link drops half-way through the third chunk: the server keeps only whole chunks.
    cut = put_chunk(trainer, headers, session_id, data[2 * CHUNK:2 * CHUNK + 1000], 2 * CHUNK, len(data))
    assert cut.status_code == 200 and cut.get_json()["offset"] == 2 * CHUNK + 1000
    # A reload asks where to continue.
    status = trainer.get(f"/media/uploads/{session_id}")
    assert status.get_json()["offset"] == 2 * CHUNK + 1000
    assert status.headers["Upload-Offset"] == str(2 * CHUNK + 1000)
    assert trainer.head(f"/media/uploads/{session_id}").headers["Upload-Offset"] == str(2 * CHUNK + 1000)
    # A chunk that does not start at the stored offset is refused with the offset to use.
    wrong = put_chunk(trainer, headers, session_id, data[:CHUNK], 0, len(data))
    assert wrong.status_code == 409 and wrong.get_json()["offset"] == 2 * CHUNK + 1000
    final = upload_all(trainer, headers, path, session_id, start=2 * CHUNK + 1000)
    assert final.status_code == 201
    media_json = final.get_json()["media"]
    media = db.session.get(Media, media_json["id"])
    assert media.status == "ready", media.error
    assert media.sha256 and media.size == len(data)
    assert {r.label for r in media.renditions} == {"240p", "360p"}
    [lesson] = _lessons(course)
    assert (lesson.type, lesson.title, lesson.media_id) == ("video", "马铃薯晚疫病 防治", media.id)
    files = stored_files(app)
    assert "media/%d/source" % media.id in files
    assert not [name for name in files if name.startswith((".scratch", "staged"))], files
    # The user's file name never became a path.
    assert not [name for name in files if "马铃薯" in name]


def test_wrong_checksum_is_refused_and_nothing_is_kept(app, trainer, world, sources):
    path = sources.plain_clip
    headers = csrf_header(trainer)
    session_id = open_upload(trainer, headers, path, sha256="0" * 64).get_json()["id"]
    data = path.read_bytes()
    response = None
    for start in range(0, len(data), CHUNK):
        response = put_chunk(trainer, headers, session_id, data[start:start + CHUNK], start, len(data))
    assert response.status_code == 422
    assert CJK.search(response.get_json()["error"]["message"])
    assert db.session.scalar(select(func.count()).select_from(Media)) == 0
    assert stored_files(app) == []
    assert trainer.get(f"/media/uploads/{session_id}").status_code == 410


def test_another_accounts_session_is_not_found(client, world, sources):
    login(client, "trainer")
    headers = csrf_header(client)
    session_id = open_upload(client, headers, sources.plain_clip).get_json()["id"]
    client.post("/logout", data={"csrf_token": headers["X-CSRFToken"]})
    login(client, "org-a")
    other = csrf_header(client)
    assert client.get(f"/media/uploads/{session_id}").status_code == 404
    data = sources.plain_clip.read_bytes()
    assert put_chunk(client, other, session_id, data[:CHUNK], 0, len(data)).status_code == 404


def test_upload_endpoints_need_the_csrf_header(trainer, sources):
    response = trainer.post("/media/uploads", json={"filename": "a.mp4", "size": 10})
    assert response.status_code == 400


def test_members_may_not_upload(client, world):
    login(client, "member-a1")
    assert client.get("/media/new").status_code == 403
    assert client.get("/media").status_code == 403


def test_size_over_the_limit_is_refused_when_the_session_opens(app, trainer):
    headers = csrf_header(trainer)
    too_big = app.config["MEDIA_MAX_UPLOAD_BYTES"] + 1
    response = trainer.post("/media/uploads", json={"filename": "big.mp4", "size": too_big}, headers=headers)
    assert response.status_code == 413 and CJK.search(response.get_json()["error"]["message"])
    assert trainer.post("/media/uploads", json={"filename": "a.mp4", "size": 0}, headers=headers).status_code == 400
    assert db.session.scalar(select(func.count()).select_from(UploadSession)) == 0


def test_plain_form_upload_works_without_javascript(app, trainer, world, sources):
    course = create_course(world.county, lessons=0)
    db.session.commit()
    response = plain_upload(trainer, sources.mp3_audio, course_id=course.id)
    assert response.status_code == 302
    media = db.session.scalar(select(Media))
    assert response.headers["Location"].endswith(f"/media/{media.id}")
    assert (media.kind, media.status) == ("audio", "ready")
    assert [r.label for r in media.renditions] == ["audio"]
    assert [lesson.type for lesson in _lessons(course)] == ["audio"]
    page = trainer.get(f"/media/{media.id}").get_data(as_text=True)
    assert "audio" in page


REJECTS = ["empty_file", "random_bytes", "image_named_mp4", "jpeg_named_mp4", "truncated_mp4", "missing_moov_mp4",
           "html_named_mp4", "absurd_dimensions", "hls_playlist_named_mp4"]


@pytest.mark.parametrize("case", REJECTS)
def test_refused_files_leave_nothing_behind(app, trainer, world, sources, case):
    course = create_course(world.county, lessons=1)
    db.session.commit()
    path = getattr(sources, case)
    response = plain_upload(trainer, path, course_id=course.id, name="lesson.mp4")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'role="alert"' in html and CJK.search(html)
    assert db.session.scalar(select(func.count()).select_from(Media)) == 0
    assert len(_lessons(course)) == 1
    assert stored_files(app) == []


@pytest.mark.parametrize("case", ["image_named_mp4", "truncated_mp4"])
def test_refused_resumable_upload_says_why(app, trainer, world, sources, case):
    course = create_course(world.county, lessons=0)
    db.session.commit()
    path = getattr(sources, case)
    headers = csrf_header(trainer)
    session_id = open_upload(trainer, headers, path, course_id=course.id).get_json()["id"]
    data = path.read_bytes()
    response = None
    for start in range(0, len(data), CHUNK):
        response = put_chunk(trainer, headers, session_id, data[start:start + CHUNK], start, len(data))
    assert response.status_code == 422
    message = response.get_json()["error"]["message"]
    assert CJK.search(message)
    assert db.session.scalar(select(func.count()).select_from(Media)) == 0
    assert _lessons(course) == []
    assert stored_files(app) == []


@pytest.mark.parametrize("case", ["wmv_clip", "flv_clip"])
def test_old_formats_become_ready_lessons(app, trainer, world, sources, case):
    course = create_course(world.county, lessons=0)
    db.session.commit()
    path = getattr(sources, case)
    headers = csrf_header(trainer)
    session_id = open_upload(trainer, headers, path, course_id=course.id).get_json()["id"]
    final = upload_all(trainer, headers, path, session_id)
    media = db.session.get(Media, final.get_json()["media"]["id"])
    assert media.status == "ready", media.error
    assert media.renditions and media.poster_key
    assert [lesson.media_id for lesson in _lessons(course)] == [media.id]
    assert db.session.scalar(select(func.count()).select_from(UploadSession)) == 1


def test_pdf_becomes_a_document_lesson(app, trainer, world, tmp_path):
    course = create_course(world.county, lessons=0)
    db.session.commit()
    pdf = tmp_path / "手册.pdf"
    pdf.write_bytes(MINIMAL_PDF)
    assert plain_upload(trainer, pdf, course_id=course.id).status_code == 302
    media = db.session.scalar(select(Media))
    assert (media.kind, media.status, media.mime) == ("document", "ready", "application/pdf")
    assert [(lesson.type, lesson.title) for lesson in _lessons(course)] == [("document", "手册")]
    with trainer.get(f"/media/{media.id}/source") as served:
        assert served.status_code == 200 and served.mimetype == "application/pdf"
        assert served.headers["Content-Disposition"].startswith("inline")
        assert served.get_data() == MINIMAL_PDF
    with trainer.get(f"/media/{media.id}/source?download=1") as download:
        assert download.headers["Content-Disposition"].startswith("attachment")


MINIMAL_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>"
               b"endobj\n3 0 obj<</Type/Page/MediaBox[0 0 200 200]/Parent 2 0 R>>endobj\ntrailer<</Root 1 0 R>>\n"
               b"%%EOF\n")
