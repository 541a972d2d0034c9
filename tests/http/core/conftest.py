"""Servers the scale-out tests start for themselves."""
from __future__ import annotations

import shutil
import subprocess
import time

import pytest
import redis

from tests.served import free_port


@pytest.fixture
def redis_url(tmp_path):
    """A private Redis server on a free port, so the test owns its queue."""
    server = shutil.which("redis-server")
    assert server, "redis-server is required (bash .ci/install installs it)"
    port = free_port()
    process = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no", "--dir", str(tmp_path)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            assert time.monotonic() < deadline, "private redis-server did not start"
            time.sleep(0.05)
    yield url
    client.close()
    process.terminate()
    process.wait(timeout=10)
