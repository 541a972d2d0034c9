"""Media HTTP tests: small chunks so a 2 s clip takes several, generated sources, helpers."""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from app.extensions import db
from tests.conftest import _empty_all_tables, csrf_token
from tests.unit.media.conftest import Sources

CHUNK = 64 * 1024


@pytest.fixture(scope="session")
def sources(tmp_path_factory):
    return Sources(tmp_path_factory.mktemp("media-http-sources"))


@pytest.fixture
def app(make_app):
    app = make_app(UPLOAD_CHUNK_BYTES=CHUNK)
    with app.app_context():
        yield app
        db.session.remove()
        _empty_all_tables()


def stored_files(app) -> list[str]:
    """Every file under MEDIA_ROOT, relative (empty folders do not count)."""
    root = Path(app.config["MEDIA_ROOT"])
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()) if root.exists() else []


def csrf_header(client) -> dict:
    html = client.get("/media/new").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
    return {"X-CSRFToken": token}


def open_upload(client, headers, path: Path, *, course_id=None, sha256: str | None = "auto", name=None):
    body = {"filename": name or path.name, "size": path.stat().st_size}
    if sha256 == "auto":
        body["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    elif sha256:
        body["sha256"] = sha256
    if course_id is not None:
        body["course_id"] = course_id
    return client.post("/media/uploads", json=body, headers=headers)


def put_chunk(client, headers, session_id: str, data: bytes, start: int, total: int):
    return client.put(f"/media/uploads/{session_id}", data=data, headers={
        **headers, "Content-Range": f"bytes {start}-{start + len(data) - 1}/{total}",
        "Content-Type": "application/octet-stream"})


def upload_all(client, headers, path: Path, session_id: str, start: int = 0, chunk: int = CHUNK):
    data = path.read_bytes()
    response = None
    offset = start
    while offset < len(data):
        response = put_chunk(client, headers, session_id, data[offset:offset + chunk], offset, len(data))
        assert response.status_code in (200, 201), response.get_data(as_text=True)
        offset = response.get_json()["offset"]
    return response


def plain_upload(client, path: Path, course_id=None, name=None):
    token = csrf_token(client, "/media/new")
    with path.open("rb") as handle:
        return client.post("/media/upload", data={"csrf_token": token, "course_id": course_id or "",
                                                  "file": (handle, name or path.name)},
                           content_type="multipart/form-data")


CJK = re.compile(r"[\u4e00-\u9fff]")
