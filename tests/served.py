"""`lms serve` (waitress) in a child process on the test database, and a logged-in HTTP client.

    with lms_serve(migrated_database, tmp_path) as server:
        browser = server.login("org-a")
        response = browser.get(server.url("/records"))
    assert "Traceback" not in server.log()

The test's committed data is what the server sees. The test client keeps an app context
around every request; the real server does not, so bugs of streamed bodies and request
teardown show only here.
"""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Served:
    root: str
    log_path: Path
    port: int = 0
    pid: int = 0

    def url(self, path: str) -> str:
        return self.root + path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def login(self, username: str, password: str = "secret-pass") -> requests.Session:
        browser = requests.Session()
        page = browser.get(self.url("/login"), timeout=30)
        token = _CSRF.search(page.text).group(1)
        response = browser.post(self.url("/login"), data={"identifier": username, "password": password,
                                                          "csrf_token": token}, allow_redirects=False, timeout=30)
        assert response.status_code == 302, f"login as {username} failed ({response.status_code})"
        return browser


@contextmanager
def lms_serve(database_url: str, tmp_path: Path, *, name: str = "served", jobs: bool = False,
              **environment: str) -> Iterator[Served]:
    """One node; `name` keeps several nodes apart in one folder, `jobs` runs its embedded
    consumer, and `environment` (LMS_MEDIA_ROOT included) wins over the defaults."""
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("LMS_")}
    env.update(LMS_DATABASE_URL=database_url, LMS_INSTANCE_PATH=str(tmp_path / f"{name}-instance"),
               LMS_MEDIA_ROOT=str(tmp_path / f"{name}-media"), PYTHONUNBUFFERED="1")
    env.update(environment)
    log_path = tmp_path / f"{name}.log"
    command = [sys.executable, "-m", "app.cli", "serve", "--port", str(port)] + ([] if jobs else ["--no-jobs"])
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    served = Served(f"http://127.0.0.1:{port}", log_path, port, process.pid)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                response = requests.get(served.url("/login"), timeout=5)
                assert response.headers.get("Server") == "lms", "not waitress"
                break
            except requests.ConnectionError:
                assert process.poll() is None, f"lms serve exited:\n{served.log()}"
                assert time.monotonic() < deadline, f"lms serve did not start:\n{served.log()}"
                time.sleep(0.2)
        yield served
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
