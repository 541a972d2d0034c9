"""Debian's nginx in front of two `lms serve` nodes on PostgreSQL and Redis, with one shared
media folder: uploads and transcodes through either node, media bytes sent by nginx through
X-Accel-Redirect after the node's scope check, 404 outside scope from both nodes.

nginx runs the site file the README documents (docs/nginx.conf.example, ports and paths
replaced), unprivileged, with its prefix, logs and temporary files in the test's folder.
"""
from __future__ import annotations

import hashlib
import os
import re
import secrets
import shutil
import subprocess
import tempfile
import time
import uuid
from collections import Counter
from contextlib import ExitStack
from pathlib import Path

import pytest
import requests
from flask_migrate import upgrade
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from app import create_app, init_migrations
from app.api.services import create_token
from app.catalog import services as catalog_services
from app.core.jobs import Job, JobStatus
from app.extensions import db
from app.media.models import Media
from tests.conftest import DEFAULT_PG_URL, _test_config
from tests.factories import build_world, create_course
from tests.served import free_port, lms_serve
from tests.unit.media.conftest import Sources

SITE_EXAMPLE = Path(__file__).resolve().parents[3] / "docs" / "nginx.conf.example"
NGINX = shutil.which("nginx") or next((path for path in ("/usr/sbin/nginx",) if os.access(path, os.X_OK)), None)
MEDIA_PREFIX = "/_media"
CHUNK = 64 * 1024
_META_CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')

README = SITE_EXAMPLE.parents[1] / "README.md"
needs_nginx = pytest.mark.skipif(NGINX is None, reason="nginx is not installed (bash .ci/install installs it)")

# What the test adds around the documented site file: what Debian's /etc/nginx/nginx.conf
# gives it, with every path under the test's prefix so nginx needs no root.
MAIN_CONF = """\
worker_processes 1;
events { worker_connections 128; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    client_body_temp_path temp/body;
    proxy_temp_path temp/proxy;
    fastcgi_temp_path temp/fastcgi;
    uwsgi_temp_path temp/uwsgi;
    scgi_temp_path temp/scgi;
    include lms.conf;
}
"""


def render_site(example: str, replacements: dict[str, str]) -> str:
    """The documented site file with its example ports and paths replaced; each must be there once."""
    for documented, actual in replacements.items():
        assert example.count(documented) == 1, f"docs/nginx.conf.example no longer says {documented!r}"
        example = example.replace(documented, actual)
    return example


@pytest.fixture
def folder():
    """A folder nginx's unprivileged user can enter (pytest's own is private to its user)."""
    path = Path(tempfile.mkdtemp(prefix="lms-front-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def postgresql_url():
    """A PostgreSQL database of this test, migrated, with the usual world of units and accounts."""
    server_url = make_url(os.environ.get("LMS_TEST_DATABASE_URL", DEFAULT_PG_URL))
    name = f"lms_front_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = server_url.set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def setup_app(postgresql_url, folder):
    app = init_migrations(create_app(_test_config(postgresql_url, folder / "setup")))
    with app.app_context():
        upgrade(revision="heads")
        yield app
        db.session.remove()
        db.engine.dispose()


class FrontServer:
    def __init__(self, prefix: Path, port: int, process: subprocess.Popen):
        self.prefix, self.port, self.process = prefix, port, process
        self.root = f"http://127.0.0.1:{port}"

    def url(self, path: str) -> str:
        return self.root + path

    def access_log(self) -> str:
        return (self.prefix / "logs" / "access.log").read_text()

    def upstreams(self, path: str) -> Counter:
        """(node port, status) of every request for `path` in nginx's access log, by the node
        that answered (the last one nginx tried)."""
        seen = Counter()
        for line in self.access_log().splitlines():
            match = re.search(r'"(?:GET|POST|PUT|HEAD) (\S+) [^"]*" (\d+) \d+ upstream=.*127\.0\.0\.1:(\d+) request_id=',
                              line)
            if match and match.group(1) == path:
                seen[(int(match.group(3)), int(match.group(2)))] += 1
        return seen

    def log(self) -> str:
        return (self.prefix / "logs" / "error.log").read_text(errors="replace")


def start_nginx(folder: Path, node_ports: list[int], media_root: Path) -> FrontServer:
    prefix = folder / "nginx"
    for sub in ("conf", "logs", "temp"):
        (prefix / sub).mkdir(parents=True)
    port = free_port()
    site = render_site(SITE_EXAMPLE.read_text(encoding="utf-8"), {
        "listen 80;": f"listen 127.0.0.1:{port};",
        "server 127.0.0.1:8001;": f"server 127.0.0.1:{node_ports[0]};",
        "server 127.0.0.1:8002;": f"server 127.0.0.1:{node_ports[1]};",
        "/var/log/nginx/lms.access.log": str(prefix / "logs" / "access.log"),
        "alias /srv/lms/media/;": f"alias {media_root}/;",
    })
    (prefix / "conf" / "lms.conf").write_text(site, encoding="utf-8")
    (prefix / "conf" / "nginx.conf").write_text(MAIN_CONF, encoding="utf-8")
    as_user = {}
    if os.geteuid() == 0:
        # Root would make nginx's master privileged: run all of it as nobody instead.
        for path in [prefix, *prefix.rglob("*")]:
            os.chown(path, 65534, 65534)
        as_user = {"user": 65534, "group": 65534, "extra_groups": []}
    command = [NGINX, "-p", str(prefix), "-c", "conf/nginx.conf", "-e", "logs/error.log",
               "-g", f"daemon off; pid {prefix / 'logs' / 'nginx.pid'};"]
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True, **as_user)
    assert checked.returncode == 0, checked.stderr + (prefix / "logs" / "error.log").read_text()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **as_user)
    front = FrontServer(prefix, port, process)
    deadline = time.monotonic() + 20
    while True:
        try:
            requests.get(front.url("/login"), timeout=5)
            return front
        except requests.ConnectionError:
            assert process.poll() is None, f"nginx exited:\n{front.log()}"
            assert time.monotonic() < deadline, f"nginx did not start:\n{front.log()}"
            time.sleep(0.1)


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _login(front: FrontServer, username: str) -> requests.Session:
    browser = requests.Session()
    page = browser.get(front.url("/login"), timeout=30)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
    response = browser.post(front.url("/login"), data={"identifier": username, "password": "secret-pass",
                                                       "csrf_token": token}, allow_redirects=False, timeout=30)
    assert response.status_code == 302, f"login as {username} failed ({response.status_code})"
    return browser


def _resumable_upload(front: FrontServer, browser: requests.Session, path: Path, course_id: int) -> int:
    """The upload page's protocol, chunk after chunk through nginx (so through both nodes)."""
    csrf = {"X-CSRFToken": _META_CSRF.search(browser.get(front.url("/media/new"), timeout=30).text).group(1)}
    data = path.read_bytes()
    opened = browser.post(front.url("/media/uploads"), headers=csrf, timeout=30, json={
        "filename": path.name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest(),
        "course_id": course_id})
    assert opened.status_code == 201, opened.text
    session_id = opened.json()["id"]
    offset, finished = 0, None
    while offset < len(data):
        piece = data[offset:offset + CHUNK]
        response = browser.put(front.url(f"/media/uploads/{session_id}"), data=piece, timeout=60, headers={
            **csrf, "Content-Type": "application/octet-stream",
            "Content-Range": f"bytes {offset}-{offset + len(piece) - 1}/{len(data)}"})
        assert response.status_code in (200, 201), response.text
        offset = response.json()["offset"]
        finished = response.json().get("media")
    assert finished, "the last chunk creates the media"
    return finished["id"]


def _wait_ready(front: FrontServer, bearer: dict, media_id: int) -> dict:
    deadline = time.monotonic() + 120
    while True:
        shown = requests.get(front.url(f"/api/v1/media/{media_id}"), headers=bearer, timeout=30).json()
        if shown["status"] in ("ready", "failed"):
            assert shown["status"] == "ready", shown["error"]
            return shown
        assert time.monotonic() < deadline, f"media {media_id} not transcoded: {shown}"
        time.sleep(0.5)


def _until_both_nodes(front: FrontServer, nodes: list, path: str, fetch) -> list:
    """Fetch `path` through nginx until each node has answered it (nginx takes them in turn)."""
    answers = []
    for _attempt in range(8):
        answers.append(fetch())
        if {port for port, _status in front.upstreams(path)} >= {node.port for node in nodes}:
            return answers
    raise AssertionError(f"nginx did not reach both nodes for {path}:\n{front.access_log()}")


def _directives(config: str) -> list[str]:
    """The configuration without comments and layout: what nginx reads."""
    return [line.split("#", 1)[0].strip() for line in config.splitlines()
            if line.split("#", 1)[0].strip()]


def test_the_readme_shows_the_tested_site_file():
    block = re.search(r"```nginx\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert block, "README.md has no nginx block"
    assert _directives(block.group(1)) == _directives(SITE_EXAMPLE.read_text(encoding="utf-8"))


@pytest.mark.slow
@needs_nginx
def test_nginx_serves_media_of_two_nodes_after_their_scope_check(setup_app, postgresql_url, folder, redis_url):
    world = build_world()
    course = create_course(world.branch_a1, title="前端草稿", lessons=0)
    _token_row, plaintext = create_token(world.accounts["trainer"], "front server")
    db.session.commit()
    bearer = {"Authorization": f"Bearer {plaintext}"}
    sources = Sources(folder / "sources")
    (folder / "sources").mkdir()

    media_root = folder / "shared-media"
    node_environment = {"LMS_REDIS_URL": redis_url, "LMS_MEDIA_ROOT": str(media_root),
                        "LMS_MEDIA_X_ACCEL_PREFIX": MEDIA_PREFIX, "LMS_SECRET_KEY": secrets.token_hex(32),
                        "LMS_UPLOAD_CHUNK_BYTES": str(CHUNK)}
    with ExitStack() as stack:
        nodes = [stack.enter_context(lms_serve(postgresql_url, folder, name=f"node-{n}", jobs=True,
                                               **node_environment)) for n in (1, 2)]
        front = start_nginx(folder, [node.port for node in nodes], media_root)
        stack.callback(_stop, front.process)

        # Uploads: the page's resumable protocol, its chunks spread over both nodes by nginx;
        # and the API's single request, once through each node.
        trainer = _login(front, "trainer")
        video_id = _resumable_upload(front, trainer, sources.plain_clip, course.id)
        assert {port for port, status in front.upstreams(f"/media/uploads/{_last_upload(front)}")
                if status in (200, 201)} == {node.port for node in nodes}, front.access_log()
        def post_pdf():
            with sources.text_pdf.open("rb") as handle:
                return requests.post(front.url("/api/v1/media"), headers=bearer, timeout=60,
                                     files={"file": ("handbook.pdf", handle, "application/pdf")})

        created = _until_both_nodes(front, nodes, "/api/v1/media", post_pdf)
        assert [response.status_code for response in created] == [202] * len(created)
        pdf_ids = [response.json()["id"] for response in created]

        # Transcodes: run by the nodes' own consumers, through the shared Redis queue.
        video = _wait_ready(front, bearer, video_id)
        db.session.rollback()
        transcodes = list(db.session.scalars(select(Job).where(Job.kind == "transcode")))
        assert transcodes and all(job.status == JobStatus.DONE for job in transcodes)
        assert {int(job.worker.split("|")[3]) for job in transcodes} <= {node.pid for node in nodes}

        # Bytes: every node answers the scope check and hands the file to nginx.
        rendition = next(r for r in video["renditions"] if r["label"] == "360p")
        row = db.session.get(Media, video_id)
        key = next(r.key for r in row.renditions if r.label == "360p")
        data = (media_root / key).read_bytes()
        for response in _until_both_nodes(front, nodes, rendition["url"],
                                          lambda: trainer.get(front.url(rendition["url"]), timeout=30)):
            assert response.status_code == 200 and response.content == data
            assert response.headers["Content-Type"] == "video/mp4"
            assert "private" in response.headers["Cache-Control"]
            assert response.headers["Server"].startswith("nginx")
        for response in _until_both_nodes(front, nodes, rendition["url"] + "?range",
                                          lambda: trainer.get(front.url(rendition["url"] + "?range"), timeout=30,
                                                              headers={"Range": "bytes=1000-4999"})):
            assert response.status_code == 206 and response.content == data[1000:5000]
            assert response.headers["Content-Range"] == f"bytes 1000-4999/{len(data)}"
        # nginx's static module sent them: its ETag is the file's mtime and size in hex, and a
        # node asked directly answers the headers alone.
        stat = (media_root / key).stat()
        assert response.headers["ETag"] == f'"{int(stat.st_mtime):x}-{stat.st_size:x}"'
        for node in nodes:
            direct = requests.get(node.url(rendition["url"]), headers=bearer, timeout=30)
            assert direct.status_code == 200 and direct.content == b""
            assert direct.headers["X-Accel-Redirect"] == f"{MEDIA_PREFIX}/{key}"
        by_token = requests.get(front.url(rendition["url"]), headers={**bearer, "Range": "bytes=-600"}, timeout=30)
        assert by_token.status_code == 206 and by_token.content == data[-600:]
        poster = trainer.get(front.url(video["poster_url"]), timeout=30)
        assert poster.status_code == 200 and poster.headers["Content-Type"] == "image/jpeg"
        assert poster.content == (media_root / row.poster_key).read_bytes()

        # The PDF keeps the node's type and disposition.
        document = _wait_ready(front, bearer, pdf_ids[0])
        pdf = requests.get(front.url(document["document_url"] + "?download=1"), headers=bearer, timeout=30)
        assert pdf.status_code == 200 and pdf.content == sources.text_pdf.read_bytes()
        assert pdf.headers["Content-Type"] == "application/pdf"
        assert pdf.headers["Content-Disposition"].startswith("attachment;")

        # Outside scope: the learner of branch A1 (a draft) and another township's organiser.
        member = _login(front, "member-a1")
        outsider = _login(front, "org-b")
        for browser in (member, outsider):
            path = f"{rendition['url']}?as={id(browser)}"
            for response in _until_both_nodes(front, nodes, path, lambda: browser.get(front.url(path), timeout=30)):
                assert response.status_code == 404 and data[:1000] not in response.content
        # The internal location is not reachable from outside.
        direct = requests.get(front.url(f"{MEDIA_PREFIX}/{key}"), timeout=30)
        assert direct.status_code == 404

        catalog_services.publish_course(course, [world.branch_a1])
        db.session.commit()
        path = f"{rendition['url']}?published"
        for response in _until_both_nodes(front, nodes, path, lambda: member.get(front.url(path), timeout=30)):
            assert response.status_code == 200 and response.content == data

    for node in nodes:
        assert "Traceback" not in node.log(), node.log()
    assert "[emerg]" not in front.log() and "[crit]" not in front.log(), front.log()


def _last_upload(front: FrontServer) -> str:
    lines = (front.prefix / "logs" / "access.log").read_text().splitlines()
    return next(re.search(r"/media/uploads/([^ ?]+)", line).group(1) for line in reversed(lines)
                if "PUT /media/uploads/" in line)
