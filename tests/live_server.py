"""A real `lms serve` (waitress and the embedded job consumer) in another process, and a
cookie-keeping HTTP client for it: for tests that must see the server as deployed (crashes,
restarts, streaming), not the test client."""
from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def child_env(database_url: str, instance: Path, media: Path, **extra) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith("LMS_")}
    env.update(LMS_DATABASE_URL=database_url, LMS_INSTANCE_PATH=str(instance), LMS_MEDIA_ROOT=str(media),
               PYTHONUNBUFFERED="1", **extra)
    return env


class LiveServer:
    """`lms serve` on a free port; start() waits until it answers, kill() is SIGKILL."""

    def __init__(self, database_url: str, instance: Path, media: Path, log: Path, **env):
        self.port = free_port()
        self.env = child_env(database_url, instance, media, **env)
        self.log = log
        self.process: subprocess.Popen | None = None

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> None:
        with self.log.open("a") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "app.cli", "serve", "--port", str(self.port)],
                                            env=self.env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                assert self.process.poll() is None and time.monotonic() < deadline, \
                    f"lms serve did not start:\n{self.log.read_text()}"
                time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL, as a power cut or the out-of-memory killer ends it: no clean-up runs."""
        self.process.kill()
        self.process.wait()

    def stop(self) -> str:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.log.read_text() if self.log.exists() else ""


class Browser:
    """A cookie-keeping HTTP client over urllib (no redirects followed)."""

    def __init__(self, root: str):
        self.root = root
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect())

    def get(self, path: str):
        return self._open(urllib.request.Request(self.root + path))

    def post_form(self, path: str, fields: dict):
        body = urllib.parse.urlencode(fields, doseq=True).encode()
        return self._open(urllib.request.Request(self.root + path, data=body, method="POST"))

    def post_json(self, path: str, payload: bytes, headers: dict):
        return self._open(urllib.request.Request(self.root + path, data=payload, method="POST",
                                                 headers={"Content-Type": "application/json", **headers}))

    def post_file(self, path: str, fields: dict, name: str, filename: str, content: bytes,
                  content_type: str = "text/csv"):
        boundary = uuid.uuid4().hex
        parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
                 for key, value in fields.items()]
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                     f"Content-Type: {content_type}\r\n\r\n".encode() + content + b"\r\n")
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        request = urllib.request.Request(self.root + path, data=body, method="POST",
                                         headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
        return self._open(request)

    def login(self, username: str, password: str = "secret-pass") -> None:
        _status, _headers, html = self.get("/login")
        status, _headers, _body = self.post_form("/login", {"identifier": username, "password": password,
                                                            "csrf_token": csrf_of(html)})
        assert status == 302, f"login as {username} failed"

    def _open(self, request, timeout: float = 60):
        try:
            response = self.opener.open(request, timeout=timeout)
        except urllib.error.HTTPError as error:
            response = error
        return response.status, response.headers, response.read().decode("utf-8", "replace")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|name="csrf-token" content="([^"]+)"')


def csrf_of(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


def processes_mentioning(text: str) -> list[int]:
    """Ids of live processes (not zombies) whose command line contains `text` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
            state = (entry / "stat").read_text().rsplit(")", 1)[-1].split()[0]
        except OSError:
            continue
        if text in cmdline and state != "Z":
            found.append(int(entry.name))
    return found
