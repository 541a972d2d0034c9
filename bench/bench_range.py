"""Range serving: the media route (access check + send_file under waitress) against a plain
static file server on the same machine.

    .venv/bin/python bench/bench_range.py
    LMS_BENCH_MB=100 LMS_BENCH_SECONDS=4 LMS_BENCH_CLIENTS=4 .venv/bin/python bench/bench_range.py

Writes a rendition-sized file (100 MB by default) into a throwaway media root and
registers it as the 360p rendition of a media; an administrator logs in over HTTP.
Then, for a bounded time each, with a few concurrent clients on loopback:
  full   - whole-file GETs
  ranges - 1 MB "Range: bytes=a-b" GETs at random offsets (what a seeking player does)
against (a) `waitress` serving the app's /media/<id>/360p and (b) `python -m http.server`
serving the same file (http.server has no Range support, so (b)'s "ranges" fetch the
file's first 1 MB, the cheapest possible answer: a lower bound for a static server).
Prints MB/s per case and the ratio app / static (target for full transfers: >= 0.5).
"""
from __future__ import annotations

import http.cookiejar
import os
import random
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import bench_app  # noqa: E402

MB = 1024 * 1024
SIZE_MB = int(os.environ.get("LMS_BENCH_MB", "100"))
SECONDS = float(os.environ.get("LMS_BENCH_SECONDS", "4"))
CLIENTS = int(os.environ.get("LMS_BENCH_CLIENTS", "4"))
MAX_REQUESTS = 20_000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(port: int) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"nothing listening on {port}")


def prepare(app) -> tuple[int, Path]:
    from app.extensions import db
    from app.media.models import Media, Rendition
    from app.org import services as org_services
    from app.org.choices import Role, UnitLevel

    unit = org_services.create_unit(code="C", name="基准旗", level=UnitLevel.COUNTY)
    org_services.create_account(username="bench-admin", role=Role.ADMIN, password="bench-pass-123",
                                display_name="bench")
    media = Media(kind="video", status="ready", progress=100, owner_unit_id=unit.id, original_name="bench.mp4",
                  duration=600.0)
    db.session.add(media)
    db.session.flush()
    key = f"media/{media.id}/ladder/360p.mp4"
    path = Path(app.config["MEDIA_ROOT"]) / key
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        block = os.urandom(MB)
        for _ in range(SIZE_MB):
            handle.write(block)
    media.renditions = [Rendition(label="360p", width=640, height=360, bitrate=600_000, key=key,
                                  size=path.stat().st_size)]
    db.session.commit()
    return media.id, path


def logged_in_opener(root: str):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    html = opener.open(root + "/login").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    body = urllib.parse.urlencode({"identifier": "bench-admin", "password": "bench-pass-123",
                                   "csrf_token": token}).encode()
    opener.open(root + "/login", data=body).read()
    return jar


def run_clients(url: str, jar, ranged: bool, size: int, range_supported: bool) -> float:
    """Bytes per second moved by CLIENTS threads for SECONDS (or MAX_REQUESTS requests)."""
    moved = [0]
    requests = [0]
    lock = threading.Lock()
    stop = time.monotonic() + SECONDS

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar)) if jar else \
            urllib.request.build_opener()
        while time.monotonic() < stop:
            request = urllib.request.Request(url)
            if ranged:
                start = rng.randrange(0, size - MB) if range_supported else 0
                request.add_header("Range", f"bytes={start}-{start + MB - 1}")
            with opener.open(request) as response:
                received = 0
                while True:
                    chunk = response.read(256 * 1024) if not ranged or range_supported else response.read(MB - received)
                    if not chunk:
                        break
                    received += len(chunk)
                    if ranged and received >= MB:
                        break
            with lock:
                moved[0] += received
                requests[0] += 1
                if requests[0] >= MAX_REQUESTS:
                    return

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(seed,)) for seed in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return moved[0] / (time.monotonic() - started)


def main() -> None:
    import logging

    from waitress.server import create_server

    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # "Task queue depth" is expected here

    with bench_app("sqlite") as app:
        media_id, path = prepare(app)
        app_port, static_port = free_port(), free_port()
        server = create_server(app, host="127.0.0.1", port=app_port, threads=max(4, CLIENTS))
        serving = threading.Thread(target=server.run, daemon=True)
        serving.start()
        static = subprocess.Popen([sys.executable, "-m", "http.server", str(static_port), "--bind", "127.0.0.1",
                                   "--directory", str(path.parent)], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        try:
            wait_for(app_port)
            wait_for(static_port)
            app_root = f"http://127.0.0.1:{app_port}"
            jar = logged_in_opener(app_root)
            app_url = f"{app_root}/media/{media_id}/360p"
            static_url = f"http://127.0.0.1:{static_port}/{path.name}"
            size = path.stat().st_size
            print(f"file {size / MB:.0f} MB, {CLIENTS} clients, {SECONDS:g} s per case")
            results = {}
            for case, ranged in (("full", False), ("ranges", True)):
                app_rate = run_clients(app_url, jar, ranged, size, True)
                static_rate = run_clients(static_url, None, ranged, size, False)
                results[case] = (app_rate, static_rate)
                print(f"{case:<7} app {app_rate / MB:8.1f} MB/s   static {static_rate / MB:8.1f} MB/s   "
                      f"app/static {app_rate / static_rate:5.2f}")
        finally:
            static.terminate()
            static.wait(timeout=10)
            server.close()


if __name__ == "__main__":
    main()
