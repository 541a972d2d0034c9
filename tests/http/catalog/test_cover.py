"""Course cover images: re-encoded, refused when not images, visible where the course is."""
from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.catalog.models import Course
from app.extensions import db
from app.media.models import Media
from tests.conftest import csrf_token, login
from tests.factories import create_course


def _png(tmp_path: Path, size: str = "1600x900") -> bytes:
    path = tmp_path / "cover.png"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=size={size}:duration=1",
                    "-frames:v", "1", str(path)], check=True)
    return path.read_bytes()


def _upload(client, course, data: bytes, name: str):
    url = f"/manage/courses/{course.id}"
    return client.post(f"{url}/cover", data={"cover": (io.BytesIO(data), name), "csrf_token": csrf_token(client, url)},
                       content_type="multipart/form-data")


def _status(client, url: str) -> int:
    response = client.get(url)
    response.close()  # file responses hold the file open until closed
    return response.status_code


def _media_files(app) -> list[Path]:
    root = Path(app.config["MEDIA_ROOT"])
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def test_cover_is_reencoded_and_shown_to_learners_who_see_the_course(app, client, world, tmp_path):
    course = create_course(world.county, "带封面的课程", publish_to=[world.township_a])
    db.session.commit()
    login(client, "trainer")
    assert _upload(client, course, _png(tmp_path), "封面.png").status_code == 302
    db.session.refresh(course)
    media = db.session.get(Media, course.cover_media_id)
    assert media.kind == "image" and media.mime == "image/jpeg"
    served = client.get(f"/media/{media.id}/poster")
    body = served.data
    served.close()
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert body[:3] == b"\xff\xd8\xff"
    probe = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "stream=width", "-of", "csv=p=0", "-"],
                           input=body, capture_output=True, check=True)
    assert int(probe.stdout) == 960  # scaled down, never up
    member = app.test_client()
    login(member, "member-a1")
    assert _status(member, f"/media/{media.id}/poster") == 200
    assert f"/media/{media.id}/poster" in member.get("/courses").get_data(as_text=True)
    other = app.test_client()
    login(other, "org-b")
    assert _status(other, f"/media/{media.id}/poster") == 404


@pytest.mark.parametrize("data, name", [
    (b"<html><body>not an image</body></html>", "cover.jpg"),
    (b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 200, "cover.png"),
    (b"\x89PNG\r\n\x1a\n" + b"broken" * 50, "cover.png"),
], ids=["html", "mp4", "broken-png"])
def test_refused_cover_changes_nothing(app, client, world, data, name):
    course = create_course(world.county, "没有封面的课程")
    db.session.commit()
    login(client, "trainer")
    response = _upload(client, course, data, name)
    assert response.status_code == 303
    page = client.get(f"/manage/courses/{course.id}").get_data(as_text=True)
    assert "图片" in page
    assert db.session.scalar(select(func.count()).select_from(Media)) == 0
    assert db.session.get(Course, course.id).cover_media_id is None
    assert _media_files(app) == []


def test_cover_of_a_course_outside_scope_is_404(client, world, tmp_path):
    course = create_course(world.township_b, "乙镇课程")
    db.session.commit()
    login(client, "org-a")
    token = csrf_token(client, "/manage/courses")
    response = client.post(f"/manage/courses/{course.id}/cover", data={
        "cover": (io.BytesIO(_png(tmp_path, "320x240")), "c.png"), "csrf_token": token},
        content_type="multipart/form-data")
    assert response.status_code == 404
