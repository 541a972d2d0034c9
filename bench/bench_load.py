"""Load model: N learners sending a heartbeat every 15 s while a reader loads pages.

    .venv/bin/python bench/bench_load.py                      # SQLite, then PostgreSQL
    LMS_BENCH_DB=sqlite LMS_BENCH_SECONDS=15 LMS_BENCH_LEVELS=200,2000 .venv/bin/python bench/bench_load.py

For each database: a fresh migrated database that the bench fills itself (a county, a township,
a branch with LMS_BENCH_ACCOUNTS learners (default 200) who have a person, an account and an API
token, the branch's organiser, and a published course with a two-hour video lesson), served on a
free loopback port as that database is deployed: SQLite by `lms serve` (waitress, one process,
its default threads and its embedded job consumer), PostgreSQL by gunicorn (one gthread process
per CPU, LMS_BENCH_THREADS threads each, default 8, like `lms serve`).

Then rounds of LMS_BENCH_SECONDS (default 45) at N = LMS_BENCH_LEVELS (default 200, 2000, 10000)
learners, followed by LMS_BENCH_SEARCH rounds (default 2) that bisect for the largest N meeting
both targets. In a round each learner sends one heartbeat every 15 s (N/15 requests a second),
the learners' first beats spread evenly over the first 15 s; every heartbeat is one batch of one
15 s video event with a fresh event id, as progress.js sends it. Half the learners use the
page path (POST /study/progress with the session cookie and the X-CSRFToken header of a page:
LMS_BENCH_SESSIONS accounts (default 50) sign in through the login form first), half the API
path (POST /api/v1/progress with a bearer token). N learners share the accounts round-robin:
each account stands for N/LMS_BENCH_ACCOUNTS learners, whose events all land (there is no fast path for the
bench; per request the server does the same work as for distinct people, though progress rows
are fewer). Meanwhile one reader loads, one after another with 0.1 s between them, a member's
/me, the course page and the branch organiser's dashboard (/records/units/<branch>).

The load generator is Python asyncio on raw HTTP/1.1 keep-alive connections
(LMS_BENCH_CONNECTIONS, default 64, for the heartbeats; one for the reader). Latency is taken
from the moment a heartbeat was due, not from when a connection was free, so a server that falls
behind shows it (no coordinated omission). A round stops sending at its end and waits at most
15 s for answers; heartbeats still unanswered then count as failed. Before the next round the
bench waits until the server answers health checks quickly again (requests given up on may still
be queued there), at most 120 s. The generator shares the
machine's two cores with the server (and with whatever else runs there): at 10,000 learners it
takes a noticeable part of one core, so figures are pessimistic; on a shared machine they are
noisy.

Targets: heartbeat p99 < 200 ms and page p99 < 300 ms with 10,000 learners on this 2-core
machine. Printed per round: heartbeats sent/answered/failed, heartbeat p50/p99, pages loaded and
page p50/p99; then the largest N meeting the targets and whether 10,000 is met.
"""
from __future__ import annotations

import asyncio
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import backends, bench_app  # noqa: E402

SECONDS = float(os.environ.get("LMS_BENCH_SECONDS", "45"))
LEVELS = [int(level) for level in os.environ.get("LMS_BENCH_LEVELS", "200,2000,10000").split(",")]
SEARCH_ROUNDS = int(os.environ.get("LMS_BENCH_SEARCH", "2"))
ACCOUNTS = int(os.environ.get("LMS_BENCH_ACCOUNTS", "200"))
SESSIONS = int(os.environ.get("LMS_BENCH_SESSIONS", "50"))
CONNECTIONS = int(os.environ.get("LMS_BENCH_CONNECTIONS", "64"))
THREADS = int(os.environ.get("LMS_BENCH_THREADS", "8"))
WORKERS = os.cpu_count() or 2
INTERVAL = 15.0  # seconds between one learner's heartbeats (progress.js HEARTBEAT_MS)
DRAIN_SECONDS = 15.0
READER_PAUSE = 0.1
HEARTBEAT_P99_MS, PAGE_P99_MS, TARGET_LEARNERS = 200.0, 300.0, 10_000
PASSWORD = "bench-learner-pass-1"
BIN = Path(sys.executable).parent
_CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


# --- data -------------------------------------------------------------------------------------

@dataclass
class World:
    lesson_id: int
    course_id: int
    branch_id: int
    tokens: list[str]
    usernames: list[str]
    organiser: str


def build_world() -> World:
    from sqlalchemy import select

    from app.api.services import create_token
    from app.catalog import services as catalog_services
    from app.catalog.models import Category
    from app.extensions import db
    from app.media.models import Media, MediaStatus
    from app.org import services
    from app.org.choices import Role, UnitLevel
    from app.org.id_number import make_id_number

    county = services.create_unit(code="C", name="负载旗", level=UnitLevel.COUNTY)
    township = services.create_unit(code="T", name="负载镇", level=UnitLevel.TOWNSHIP, parent=county)
    branch = services.create_unit(code="B", name="负载村党支部", level=UnitLevel.BRANCH, parent=township)
    tokens, usernames = [], []
    for number in range(ACCOUNTS):
        person = services.create_person(unit=branch, name=f"学员{number}", category="full_member",
                                        id_number=make_id_number("150121", datetime(1970, 1, 1).date(), number),
                                        cadre_roles=[], phone=None)
        signs_in = number < SESSIONS
        account = services.create_account(username=f"learner{number}", role=Role.MEMBER, scope_unit=branch,
                                          person=person, password=PASSWORD if signs_in else None)
        tokens.append(create_token(account, "bench")[1])
        if signs_in:
            usernames.append(account.username)
    services.create_account(username="branch-organiser", role=Role.ORGANISER, scope_unit=branch, password=PASSWORD)
    catalog_services.ensure_builtin_categories()
    category = db.session.scalar(select(Category).where(Category.code == "agri_tech"))
    course = catalog_services.create_course(title="马铃薯晚疫病防治", category=category, owner_unit=township)
    media = Media(kind="video", status=MediaStatus.READY, original_name="课.mp4", duration=7200.0,
                  owner_unit_id=township.id)
    db.session.add(media)
    db.session.flush()
    lesson = catalog_services.add_lesson(course, type="video", title="识别病斑", media=media)
    catalog_services.publish_course(course, [township])
    db.session.commit()
    return World(lesson.id, course.id, branch.id, tokens, usernames, "branch-organiser")


# --- server -----------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(app, kind: str, port: int) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT), LMS_DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
               LMS_INSTANCE_PATH=app.instance_path, LMS_MEDIA_ROOT=app.config["MEDIA_ROOT"],
               # The bench signs its learners in from one address; the per-address login limit
               # (10 a minute) is for people, not for this setup.
               LMS_LOGIN_RATE_LIMIT="100000 per minute")
    if kind == "postgresql":
        command = [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS),
                   "--worker-class", "gthread", "--threads", str(THREADS), "app:create_app()"]
    else:
        command = [str(BIN / "lms"), "serve", "--port", str(port), "--threads", str(THREADS)]
    log = open(Path(app.instance_path) / "serve.log", "w")
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"the server did not start; see {log.name}")


def describe(kind: str) -> str:
    if kind == "postgresql":
        return f"gunicorn {WORKERS} gthread workers x {THREADS} threads"
    return f"lms serve (waitress {THREADS} threads, embedded job consumer)"


# --- sign-in (synchronous, before the rounds) -------------------------------------------------

class Browser:
    """Just enough of a browser for the setup: cookies and the CSRF token of the last page."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Cookie": self.cookie_header()}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                cookie_name, _, rest = value.partition("=")
                self.cookies[cookie_name] = rest.split(";", 1)[0]
        connection.close()
        return response.status, text

    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def sign_in(self, username: str, landing: str) -> str:
        """Sign in through the login form; return the CSRF token the landing page carries."""
        from urllib.parse import urlencode

        status, page = self.request("GET", "/login")
        token = _CSRF_INPUT.search(page).group(1)
        status, _ = self.request("POST", "/login", urlencode(
            {"identifier": username, "password": PASSWORD, "csrf_token": token}))
        if status != 302:
            raise SystemExit(f"signing in as {username} answered {status}")
        status, page = self.request("GET", landing)
        if status != 200:
            raise SystemExit(f"GET {landing} as {username} answered {status}")
        return _CSRF_META.search(page).group(1)


# --- asynchronous HTTP ------------------------------------------------------------------------

async def read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Read one response; return its status and whether the server keeps the connection."""
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionResetError("closed by the server")
    status = int(status_line.split()[1])
    length, chunked, keep = 0, False, True
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.partition(b":")
        name, value = name.strip().lower(), value.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and b"chunked" in value:
            chunked = True
        elif name == b"connection" and value == b"close":
            keep = False
    if chunked:
        while True:
            size = int((await reader.readline()).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length:
        await reader.readexactly(length)
    return status, keep


class Connection:
    def __init__(self, port: int):
        self.port = port
        self.reader = self.writer = None

    async def exchange(self, request: bytes) -> int:
        for attempt in range(2):
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
            try:
                self.writer.write(request)
                await self.writer.drain()
                status, keep = await read_response(self.reader)
            except (ConnectionError, asyncio.IncompleteReadError):
                self.close()
                if attempt:
                    raise
                continue
            if not keep:
                self.close()
            return status
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def heartbeat_body(lesson_id: int, beat: int) -> bytes:
    position = (beat * 15) % 7200
    return json.dumps({"events": [{
        "id": str(uuid.uuid4()), "lesson_id": lesson_id, "start": position, "end": position + 15,
        "at": datetime.now(timezone.utc).isoformat()}]}).encode()


@dataclass
class Sessions:
    """Signed-in page sessions: a cookie and the CSRF token its pages carry."""
    learners: list[tuple[str, str]]  # (cookie header, CSRF token), one per signed-in learner
    reader_member: str = ""
    reader_organiser: str = ""


def heartbeat_request(port: int, world: World, sessions: Sessions, learner: int, beat: int) -> bytes:
    body = heartbeat_body(world.lesson_id, beat)
    if learner % 2 == 0:  # the page path, as progress.js posts
        cookie, csrf = sessions.learners[(learner // 2) % len(sessions.learners)]
        head = (f"POST /study/progress HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nCookie: {cookie}\r\n"
                f"X-CSRFToken: {csrf}\r\n")
    else:  # the API path, as the phone app posts
        token = world.tokens[(learner // 2) % len(world.tokens)]
        head = f"POST /api/v1/progress HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n"
    return (head + f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body


@dataclass
class RoundResult:
    learners: int
    sent: int = 0
    failed: int = 0
    statuses: dict = field(default_factory=dict)
    heartbeat_ms: list[float] = field(default_factory=list)
    page_ms: list[float] = field(default_factory=list)
    page_failed: int = 0
    settle_seconds: float = 0.0

    def percentile(self, samples: list[float], share: float) -> float:
        if not samples:
            return float("inf")
        ordered = sorted(samples)
        return ordered[min(len(ordered) - 1, int(len(ordered) * share))]

    # Failed requests count as infinitely slow: a round that drops them cannot pass.
    @property
    def heartbeats(self) -> list[float]:
        return self.heartbeat_ms + [float("inf")] * self.failed

    @property
    def pages(self) -> list[float]:
        return self.page_ms + [float("inf")] * self.page_failed

    @property
    def heartbeat_p99(self) -> float:
        return self.percentile(self.heartbeats, 0.99)

    @property
    def page_p99(self) -> float:
        return self.percentile(self.pages, 0.99)

    @property
    def meets_targets(self) -> bool:
        return self.heartbeat_p99 < HEARTBEAT_P99_MS and self.page_p99 < PAGE_P99_MS


async def run_round(port: int, world: World, sessions: Sessions, learners: int, seconds: float) -> RoundResult:
    result = RoundResult(learners)
    pool: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(CONNECTIONS):
        pool.put_nowait(Connection(port))
    loop = asyncio.get_running_loop()
    start = loop.time() + 0.2
    stop_sending = start + seconds

    async def beat(due: float, learner: int, number: int) -> None:
        connection = await pool.get()
        try:
            status = await connection.exchange(heartbeat_request(port, world, sessions, learner, number))
        except (OSError, asyncio.IncompleteReadError):
            result.failed += 1
            connection.close()
            return
        finally:
            pool.put_nowait(connection)
        if 200 <= status < 300:
            result.heartbeat_ms.append((loop.time() - due) * 1000)
        else:
            result.failed += 1
            result.statuses[status] = result.statuses.get(status, 0) + 1

    async def reader() -> None:
        connection = Connection(port)
        pages = [("/me", sessions.reader_member), (f"/courses/{world.course_id}", sessions.reader_member),
                 (f"/records/units/{world.branch_id}", sessions.reader_organiser)]
        number = 0
        while loop.time() < stop_sending:
            path, cookie = pages[number % len(pages)]
            number += 1
            request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nCookie: {cookie}\r\n\r\n".encode()
            began = loop.time()
            try:
                status = await connection.exchange(request)
            except (OSError, asyncio.IncompleteReadError):
                status = 0
            if status == 200:
                result.page_ms.append((loop.time() - began) * 1000)
            else:
                result.page_failed += 1
            await asyncio.sleep(READER_PAUSE)
        connection.close()

    reading = asyncio.create_task(reader())
    tasks = []
    spacing = INTERVAL / learners
    number = 0
    while True:
        cycle, learner = divmod(number, learners)
        due = start + cycle * INTERVAL + learner * spacing
        if due >= stop_sending:
            break
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(beat(due, learner, cycle)))
        number += 1
    result.sent = len(tasks)
    done, pending = await asyncio.wait(tasks, timeout=DRAIN_SECONDS)
    for task in pending:
        task.cancel()
    result.failed += len(pending)
    await reading
    while not pool.empty():
        pool.get_nowait().close()
    return result


# --- rounds -----------------------------------------------------------------------------------

def sign_in_everyone(port: int, world: World) -> Sessions:
    learners = []
    landing = f"/courses/{world.course_id}/lessons/{world.lesson_id}"
    for username in world.usernames:
        browser = Browser(port)
        csrf = browser.sign_in(username, landing)
        learners.append((browser.cookie_header(), csrf))
    member = Browser(port)
    member.sign_in(world.usernames[0], "/me")
    organiser = Browser(port)
    organiser.sign_in(world.organiser, f"/records/units/{world.branch_id}")
    return Sessions(learners, member.cookie_header(), organiser.cookie_header())


def settle(port: int) -> float:
    """Wait until the server answers a health check quickly again: requests of an overloaded round
    that the generator gave up on may still be queued there, and must not slow the next round.
    Returns the seconds waited (at most 120)."""
    started = time.monotonic()
    quick = 0
    while quick < 3 and time.monotonic() - started < 120:
        began = time.monotonic()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            connection.request("GET", "/api/v1/health")
            connection.getresponse().read()
        except OSError:
            pass
        finally:
            connection.close()
        quick = quick + 1 if time.monotonic() - began < 0.05 else 0
        time.sleep(0.2)
    return time.monotonic() - started


def measure_round(port: int, world: World, sessions: Sessions, learners: int) -> RoundResult:
    result = asyncio.run(run_round(port, world, sessions, learners, SECONDS))
    result.settle_seconds = settle(port)
    return result


def print_round(kind: str, result: RoundResult) -> None:
    answered = len(result.heartbeat_ms)
    statuses = f" (statuses {result.statuses})" if result.statuses else ""
    print(f"{kind:<10} N={result.learners:>6}  heartbeats sent {result.sent:>6} answered {answered:>6} "
          f"failed {result.failed}{statuses}  p50 {result.percentile(result.heartbeats, 0.5):7.1f} ms  "
          f"p99 {result.heartbeat_p99:7.1f} ms | pages {len(result.page_ms):>4} failed {result.page_failed}  "
          f"p50 {result.percentile(result.pages, 0.5):7.1f} ms  p99 {result.page_p99:7.1f} ms  "
          f"{'meets' if result.meets_targets else 'misses'} the targets"
          f"{f'; server busy {result.settle_seconds:.0f} s after the round' if result.settle_seconds > 2 else ''}",
          flush=True)


def bench(kind: str) -> None:
    with bench_app(kind) as app:
        world = build_world()
        port = free_port()
        server = start_server(app, kind, port)
        try:
            sessions = sign_in_everyone(port, world)
            # Warm up: the first requests of each path configure mappers and fill caches.
            asyncio.run(run_round(port, world, sessions, 100, 2.0))
            settle(port)
            results = {}
            for learners in LEVELS:
                results[learners] = measure_round(port, world, sessions, learners)
                print_round(kind, results[learners])
            passing = [n for n, result in results.items() if result.meets_targets]
            failing = [n for n, result in results.items() if not result.meets_targets]
            low = max(passing, default=0)
            high = min((n for n in failing if n > low), default=None)
            for _ in range(SEARCH_ROUNDS if high is not None else 0):
                # Geometric steps between a passing and a missing N; halves when none passed yet.
                middle = int(round((low * high) ** 0.5 if low else high / 2, -1))
                if middle in (low, high):
                    break
                results[middle] = measure_round(port, world, sessions, middle)
                print_round(kind, results[middle])
                low, high = (middle, high) if results[middle].meets_targets else (low, middle)
        finally:
            server.terminate()
            server.wait(timeout=30)
        log = Path(app.instance_path) / "serve.log"
        if "Traceback" in log.read_text():
            print(f"server errors logged in {log}:\n" + log.read_text()[-3000:])
    if not low:
        verdict = f"fewer than {min(LEVELS)} learners"
    elif high is None:
        verdict = f"at least {low} learners (the largest N tried)"
    else:
        verdict = f"{low} learners ({high} missed)"
    met = low >= TARGET_LEARNERS
    print(f"{kind:<10} largest N with heartbeat p99 < {HEARTBEAT_P99_MS:g} ms and page p99 < {PAGE_P99_MS:g} ms: "
          f"{verdict}; target {TARGET_LEARNERS} learners: {'met' if met else 'NOT met'}", flush=True)


def main() -> None:
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; rounds of {SECONDS:g} s; "
          f"{ACCOUNTS} learner accounts ({SESSIONS} signed in through the login page); "
          f"{CONNECTIONS} heartbeat connections; figures are noisy while other work runs on the machine")
    for kind in backends():
        print(f"{kind:<10} served by {describe(kind)}", flush=True)
        bench(kind)


if __name__ == "__main__":
    main()
