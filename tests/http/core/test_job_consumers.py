"""Jobs leave the web process: through Redis to `lms worker` (scale-out), or to the
consumer embedded in `lms serve` (one township PC). Both use real processes."""
from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.core.jobs import Job, JobStatus
from app.extensions import db, huey
from app.org.models import Person
from tests.conftest import csrf_from, csrf_token, login

ROSTER_CSV = (
    "姓名,性别,出生年份,手机号,身份证号,所在支部编码,人员类别\n"
    "孙队列,男,1980,13700000001,{id1},TA1,正式党员\n"
    "周消费,女,1985,13700000002,{id2},TA1,群众\n"
)


def _roster_bytes() -> bytes:
    from datetime import date

    from app.org.id_number import make_id_number

    return ROSTER_CSV.format(id1=make_id_number("150121", date(1980, 5, 1), 11),
                             id2=make_id_number("150121", date(1985, 6, 2), 22)).encode("utf-8")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _child_env(database_url: str, instance: Path, media: Path, **extra) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith("LMS_")}
    env.update(LMS_DATABASE_URL=database_url, LMS_INSTANCE_PATH=str(instance), LMS_MEDIA_ROOT=str(media),
               PYTHONUNBUFFERED="1", **extra)
    return env


def _wait_for_job(job_id: int, timeout: float = 60) -> Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.rollback()  # a fresh snapshot each poll
        job = db.session.get(Job, job_id)
        if job.is_finished:
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish within {timeout}s (status {job.status})")


def _stop(process: subprocess.Popen) -> str:
    process.terminate()
    try:
        output, _ = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    return output or ""


@pytest.mark.slow
def test_job_from_web_process_runs_in_separate_worker_through_redis(
        make_app, world, migrated_database, redis_url, tmp_path):
    web = make_app(REDIS_URL=redis_url, JOBS_EAGER=False)
    client = web.test_client()
    login(client, "org-a")
    preview = client.post("/people/import", data={
        "file": (__import__("io").BytesIO(_roster_bytes()), "名单.csv"),
        "csrf_token": csrf_token(client, "/people/import")}, content_type="multipart/form-data")
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200, html
    upload_id = re.search(r'name="upload" value="([^"]+)"', html).group(1)
    response = client.post("/people/import/confirm", data={"upload": upload_id, "csrf_token": csrf_from(html)})
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])

    # Nothing runs it in this process: it waits in Redis.
    time.sleep(0.5)
    db.session.rollback()
    assert db.session.get(Job, job_id).status == JobStatus.QUEUED
    assert huey.pending_count() == 1

    worker = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "worker"],
        env=_child_env(migrated_database, Path(web.instance_path), Path(web.config["MEDIA_ROOT"]),
                       LMS_REDIS_URL=redis_url),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        job = _wait_for_job(job_id)
    finally:
        output = _stop(worker)
    assert job.status == JobStatus.DONE, (job.error, output)
    assert "Redis" in output
    assert db.session.scalar(select(func.count()).select_from(Person).where(Person.phone.like("137000000%"))) == 2
    assert huey.pending_count() == 0


class _Browser:
    """A cookie-keeping HTTP client over urllib, for a server in another process."""

    def __init__(self, root: str):
        self.root = root
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect())

    def get(self, path: str):
        return self._open(urllib.request.Request(self.root + path))

    def post_form(self, path: str, fields: dict):
        body = urllib.parse.urlencode(fields).encode()
        return self._open(urllib.request.Request(self.root + path, data=body, method="POST"))

    def post_file(self, path: str, fields: dict, name: str, filename: str, content: bytes):
        boundary = uuid.uuid4().hex
        parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
                 for key, value in fields.items()]
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                     f"Content-Type: text/csv\r\n\r\n".encode() + content + b"\r\n")
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        request = urllib.request.Request(self.root + path, data=body, method="POST",
                                         headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
        return self._open(request)

    def _open(self, request):
        try:
            response = self.opener.open(request, timeout=30)
        except urllib.error.HTTPError as error:
            response = error
        return response.status, response.headers, response.read().decode("utf-8", "replace")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.mark.slow
def test_lms_serve_runs_jobs_with_its_embedded_consumer(world, migrated_database, tmp_path):
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
        env=_child_env(migrated_database, tmp_path / "serve-instance", tmp_path / "serve-media"),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    browser = _Browser(f"http://127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                status, headers, html = browser.get("/login")
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "lms serve did not start"
                time.sleep(0.2)
        assert status == 200 and headers["Server"] == "lms"  # waitress, not the debug server
        status, headers, _ = browser.post_form("/login", {
            "identifier": "org-a", "password": "secret-pass", "csrf_token": csrf_from(html)})
        assert status == 302
        _, _, page = browser.get("/people/import")
        status, _, preview = browser.post_file("/people/import", {"csrf_token": csrf_from(page)},
                                               "file", "roster.csv", _roster_bytes())
        assert status == 200, preview
        upload_id = re.search(r'name="upload" value="([^"]+)"', preview).group(1)
        status, headers, _ = browser.post_form("/people/import/confirm", {
            "upload": upload_id, "csrf_token": csrf_from(preview)})
        assert status == 302
        job_id = int(headers["Location"].rsplit("/", 1)[1])
        job = _wait_for_job(job_id)
        assert job.status == JobStatus.DONE, job.error
        _, _, job_page = browser.get(f"/jobs/{job_id}")
        assert "已完成" in job_page
    finally:
        output = _stop(server)
    assert "embedded consumer" in output
    assert (tmp_path / "serve-instance" / "jobs.sqlite3").exists()
    assert db.session.scalar(select(func.count()).select_from(Person).where(Person.phone.like("137000000%"))) == 2


def test_login_rate_limit_is_shared_through_redis(make_app, world, redis_url):
    """Two web processes behind a balancer count failed logins together."""
    first = make_app(REDIS_URL=redis_url, RATELIMIT_STORAGE_URI=redis_url, LOGIN_RATE_LIMIT="3 per minute",
                     JOBS_EAGER=True).test_client()
    second = make_app(REDIS_URL=redis_url, RATELIMIT_STORAGE_URI=redis_url, LOGIN_RATE_LIMIT="3 per minute",
                      JOBS_EAGER=True).test_client()
    statuses = []
    for client in (first, second, first, second):
        statuses.append(client.post("/login", data={"identifier": "org-a", "password": "bad",
                                                     "csrf_token": csrf_token(client)}).status_code)
    assert statuses == [200, 200, 200, 429]


def test_redis_settings_follow_lms_redis_url(monkeypatch, tmp_path):
    from app.config import load_settings

    monkeypatch.setenv("LMS_REDIS_URL", "redis://127.0.0.1:6390/2")
    settings = load_settings({"INSTANCE_PATH": str(tmp_path)})
    assert settings["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6390/2"
    monkeypatch.delenv("LMS_REDIS_URL")
    assert load_settings({"INSTANCE_PATH": str(tmp_path)})["RATELIMIT_STORAGE_URI"] == "memory://"
