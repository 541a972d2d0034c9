"""Upload limits are per endpoint and apply before the CSRF check parses the body.

The app-wide limit (MAX_CONTENT_LENGTH, 20 MB) is for ordinary forms: a video posted without
JavaScript (up to MEDIA_FORM_UPLOAD_BYTES) and a course package (up to PACKAGE_MAX_BYTES) are
larger, and used to answer 413 because the view raised its limit after CSRFProtect had read the
body. These posts are real multipart bodies over 20 MB.
"""
from __future__ import annotations

import io
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.catalog.models import Course
from app.catalog.services import ensure_builtin_categories
from app.extensions import db
from app.media.models import Media
from tests.conftest import csrf_token, login
from tests.factories import create_course

APP_WIDE = 20 * 1024 * 1024


def _post_multipart(client, url: str, fields: dict):
    """A multipart POST encoded in memory: the test client would spool a large body to a temporary
    file that nobody closes (the body is the same bytes a browser sends)."""
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    values = {name: FileStorage(stream=value[0], filename=value[1]) if isinstance(value, tuple) else value
              for name, value in fields.items()}
    boundary, body = encode_multipart(values)
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")
COURSES = Path(__file__).resolve().parents[3] / "courses"


def _long_wav(folder: Path, seconds: int = 125) -> Path:
    """Uncompressed sound: 125 s of 44.1 kHz 16-bit stereo is about 22 MB."""
    path = folder / "讲座录音.wav"
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i",
                    f"sine=frequency=440:sample_rate=44100:duration={seconds}", "-ac", "2", "-c:a", "pcm_s16le",
                    str(path)], check=True)
    assert path.stat().st_size > APP_WIDE
    return path


def test_a_video_form_post_over_the_app_wide_limit_goes_through_without_javascript(app, client, world, tmp_path):
    assert app.config["MAX_CONTENT_LENGTH"] == APP_WIDE  # the default this test is about
    course = create_course(world.township_a, lessons=0)
    db.session.commit()
    login(client, "trainer")
    recording = _long_wav(tmp_path)
    with recording.open("rb") as handle:
        response = _post_multipart(client, "/media/upload", {"csrf_token": csrf_token(client, "/media/new"),
                                                             "course_id": str(course.id),
                                                             "file": (handle, recording.name)})
    assert response.status_code == 302, response.status_code
    media = db.session.scalar(select(Media))
    assert media.original_name == recording.name and media.status == "ready", media.error


def test_an_ordinary_form_keeps_the_app_wide_limit(app, client, world):
    login(client, "trainer")
    token = csrf_token(client, "/manage/courses/new")
    response = client.post("/manage/courses/new", data={"csrf_token": token, "title": "x" * (APP_WIDE + 1024)})
    assert response.status_code == 413


def test_the_plain_form_still_refuses_what_is_over_its_own_limit(app, client, world, tmp_path):
    app.config["MEDIA_FORM_UPLOAD_BYTES"] = 1024 * 1024
    login(client, "trainer")
    token = csrf_token(client, "/media/new")
    response = _post_multipart(client, "/media/upload", {"csrf_token": token,
                                                         "file": (io.BytesIO(os.urandom(2 * 1024 * 1024)), "big.mp4")})
    assert response.status_code == 413
    assert db.session.scalar(select(func.count()).select_from(Media)) == 0


def test_a_course_package_over_the_app_wide_limit_imports_in_the_browser_form(app, client, world, tmp_path):
    ensure_builtin_categories()
    db.session.commit()
    folder = tmp_path / "potato"
    shutil.copytree(COURSES / "potato-seed-and-yield", folder)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        for path in folder.rglob("*"):
            if path.is_file():
                bundle.write(path, f"pkg/{path.relative_to(folder).as_posix()}")
        # Courseware often ships big attachments; stored, random bytes stay big in the zip.
        bundle.writestr(zipfile.ZipInfo("pkg/attachments/handout.bin"), os.urandom(APP_WIDE + 1024 * 1024))
    body = buffer.getvalue()
    assert len(body) > APP_WIDE
    login(client, "trainer")
    response = _post_multipart(client, "/manage/courses/import", {
        "file": (io.BytesIO(body), "课程.zip"), "csrf_token": csrf_token(client, "/manage/courses/import")})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert db.session.scalar(select(Course).where(Course.slug == "potato-seed-and-yield")) is not None


@pytest.mark.parametrize("endpoint", ["media.plain_upload", "packages.package_import", "media.course_cover",
                                      "api.upload_media"])
def test_every_file_endpoint_declares_its_limit(app, endpoint):
    from app.core.body_limits import limit_for

    with app.app_context():
        assert limit_for(app.view_functions[endpoint]) > 0
