"""Progress endpoint under load: POST /api/v1/progress against GET /api/v1/health, same server, same run.

    .venv/bin/python bench/bench_progress.py            # SQLite, then PostgreSQL
    LMS_BENCH_DB=sqlite LMS_BENCH_ROUNDS=1 .venv/bin/python bench/bench_progress.py

For each database: a fresh migrated database with 50 learners (member accounts with API
tokens) and a published two-hour video lesson, served on a free loopback port the way that
database is deployed (the architecture's scale-out path): SQLite by `lms serve` (waitress, one
process: the one-machine configuration), PostgreSQL by gunicorn (LMS_BENCH_WORKERS processes,
default one per CPU, gthread). LMS_BENCH_SERVER=waitress or =gunicorn serves both the same way
(on SQLite gunicorn's processes take turns on the one write lock: fewer batches a second than
one waitress process, a ratio near 0.5). Then a bounded load generator
(LMS_BENCH_CONCURRENCY keep-alive connections, default 50) for LMS_BENCH_SECONDS (default 5)
against each endpoint, alternating for LMS_BENCH_ROUNDS rounds (default 3): on a shared
machine the others' load drifts, and a ratio taken round by round follows it. Each progress
request is one heartbeat batch (one 15 s interval with a fresh event id) of the learner that
connection plays for. Prints requests per second, p50/p99 latency and errors per round, the
ratio progress/health per round, and the median round. Target: >= 1,000 batches/s and a
ratio >= 0.5.
The load generator is wrk (Debian package `wrk`, scripts bench/wrk_*.lua) when it is
installed: a Python generator on the same two cores takes about one of them from the server.
LMS_BENCH_CLIENT=python forces the asyncio generator. Both endpoints are warmed up for a
second first (the first ORM queries configure mappers and fill the statement cache).
"stored events" counts the measured run only; requests still in flight when the generator
stops are stored too, so it may exceed "answered" by up to the concurrency. Each heartbeat is
stored and merged into progress in its own request (there is no second path); "not yet folded at
the end" stays 0 and is kept as a check. Credited seconds are bounded by each learner's real
time (app.study.progress.services.spend_real_time), which does not change the work per request.
The server runs LMS_BENCH_THREADS threads (default 48) per process.
This bench measures the API endpoint's throughput against /api/v1/health; the load model of
real use (learners every 15 s through the page and API paths while pages are read) is
bench/bench_load.py.
The server's log is printed when it recorded a traceback.
"""
from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import backends, bench_app  # noqa: E402

SECONDS = float(os.environ.get("LMS_BENCH_SECONDS", "5"))
ROUNDS = int(os.environ.get("LMS_BENCH_ROUNDS", "3"))
CONCURRENCY = int(os.environ.get("LMS_BENCH_CONCURRENCY", "50"))
LEARNERS = 50
THREADS = int(os.environ.get("LMS_BENCH_THREADS", "48"))
# "gunicorn" (Linux multi-process, LMS_BENCH_WORKERS processes) or "waitress" (`lms serve`, one process).
SERVER = os.environ.get("LMS_BENCH_SERVER")  # unset: as each database is deployed (server_for)
WORKERS = int(os.environ.get("LMS_BENCH_WORKERS", str(os.cpu_count() or 2)))
WRK = shutil.which("wrk") if os.environ.get("LMS_BENCH_CLIENT", "wrk") == "wrk" else None
WRK_THREADS = 2
BENCH_DIR = Path(__file__).resolve().parent


def build_data() -> tuple[int, list[str]]:
    from app.api.services import create_token
    from app.catalog import services as catalog_services
    from app.catalog.models import Category
    from app.extensions import db
    from app.media.models import Media, MediaStatus
    from app.org import services
    from app.org.choices import Role, UnitLevel
    from app.org.id_number import make_id_number
    from sqlalchemy import select

    county = services.create_unit(code="C", name="基准旗", level=UnitLevel.COUNTY)
    township = services.create_unit(code="T", name="基准镇", level=UnitLevel.TOWNSHIP, parent=county)
    branch = services.create_unit(code="B", name="基准村党支部", level=UnitLevel.BRANCH, parent=township)
    tokens = []
    for number in range(LEARNERS):
        person = services.create_person(unit=branch, name=f"学员{number}", category="full_member",
                                        id_number=make_id_number("150121", datetime(1970, 1, 1).date(), number),
                                        cadre_roles=[], phone=None)
        account = services.create_account(username=f"learner{number}", role=Role.MEMBER, scope_unit=branch,
                                          person=person)
        tokens.append(create_token(account, "bench")[1])
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
    return lesson.id, tokens


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_for(kind: str) -> str:
    if SERVER:
        return SERVER
    has_gunicorn = shutil.which("gunicorn", path=str(ROOT / ".venv/bin")) is not None
    return "gunicorn" if kind == "postgresql" and has_gunicorn else "waitress"


def describe(server: str) -> str:
    return f"gunicorn {WORKERS} workers x {THREADS} threads" if server == "gunicorn" else f"waitress {THREADS} threads"


def start_server(app, port: int, server: str) -> subprocess.Popen:
    env = dict(os.environ, LMS_DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
               LMS_INSTANCE_PATH=app.instance_path, LMS_MEDIA_ROOT=app.config["MEDIA_ROOT"])
    if server == "gunicorn":
        command = [str(ROOT / ".venv/bin/gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS),
                   "--worker-class", "gthread", "--threads", str(THREADS), "app:create_app()"]
    else:
        command = [str(ROOT / ".venv/bin/lms"), "serve", "--port", str(port), "--threads", str(THREADS), "--no-jobs"]
    process = subprocess.Popen(command, env=env, cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=open(Path(app.instance_path) / "serve.log", "w"))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("lms serve did not start")


async def _read_response(reader) -> int:
    status_line = await reader.readline()
    status = int(status_line.split()[1])
    length = 0
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    if length:
        await reader.readexactly(length)
    return status


async def _worker(port, make_request, stop_at, latencies, errors):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.monotonic() < stop_at:
            request = make_request()
            started = time.perf_counter()
            writer.write(request)
            await writer.drain()
            status = await _read_response(reader)
            latencies.append(time.perf_counter() - started)
            if status != 200:
                errors.append(status)
    finally:
        writer.close()


def run_load(port: int, make_requests: list, seconds: float) -> dict:
    latencies: list[float] = []
    errors: list[int] = []

    async def main():
        stop_at = time.monotonic() + seconds
        await asyncio.gather(*(_worker(port, make_requests[index % len(make_requests)], stop_at, latencies, errors)
                               for index in range(CONCURRENCY)))

    started = time.monotonic()
    asyncio.run(main())
    elapsed = time.monotonic() - started
    latencies.sort()
    return {"rps": len(latencies) / elapsed, "p50_ms": latencies[len(latencies) // 2] * 1000,
            "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000, "requests": len(latencies),
            "errors": len(errors)}


def health_request(port: int):
    request = f"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
    return lambda: request


def progress_request(port: int, token: str, lesson_id: int):
    """One learner's heartbeats: consecutive 15 s stretches, each with a new event id."""
    state = {"n": 0}
    base = datetime.now(timezone.utc) - timedelta(days=1)

    def make():
        number = state["n"]
        state["n"] += 1
        position = (number * 15) % 7200
        body = json.dumps({"events": [{
            "id": str(uuid.uuid4()), "lesson_id": lesson_id, "start": position, "end": position + 15,
            "at": (base + timedelta(seconds=15 * (number + 1))).isoformat()}]}).encode()
        return (f"POST /api/v1/progress HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body

    return make


def run_wrk(port: int, path: str, seconds: float, script: str, args: list[str] = ()) -> dict:
    """wrk, bounded by -d and a timeout; its Lua done() prints one BENCH {json} line."""
    command = [WRK, f"-t{WRK_THREADS}", f"-c{CONCURRENCY}", f"-d{max(1, round(seconds))}s", "--timeout", "10s",
               "-s", str(BENCH_DIR / script), f"http://127.0.0.1:{port}{path}"]
    if args:
        command += ["--", *args]
    output = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("BENCH "))
    figures = json.loads(line[len("BENCH "):])
    latency_ms = {"p50_ms": figures["p50_us"] / 1000, "p99_ms": figures["p99_us"] / 1000}
    return {"rps": figures["requests"] / figures["seconds"], "requests": figures["requests"],
            "errors": figures["errors"], **latency_ms}


def load_health(port: int, seconds: float) -> dict:
    if WRK:
        return run_wrk(port, "/api/v1/health", seconds, "wrk_summary.lua")
    return run_load(port, [health_request(port)], seconds)


def load_progress(port: int, tokens: list[str], lesson_id: int, seconds: float, workdir: Path, prefix: str) -> dict:
    if WRK:
        token_file = workdir / "tokens.txt"
        token_file.write_text("\n".join(tokens) + "\n")
        base = int((datetime.now(timezone.utc) - timedelta(days=1)).timestamp())
        return run_wrk(port, "/api/v1/progress", seconds, "wrk_progress.lua",
                       [str(lesson_id), str(token_file), str(base), str(WRK_THREADS), prefix])
    return run_load(port, [progress_request(port, token, lesson_id) for token in tokens], seconds)


def stored_events(unfolded: bool = False) -> int:
    from app.extensions import db
    from app.study.progress.models import ProgressEvent
    from sqlalchemy import func, select

    statement = select(func.count()).select_from(ProgressEvent)
    if unfolded:
        statement = statement.where(~ProgressEvent.folded)
    count = db.session.scalar(statement)
    db.session.commit()
    return count


def fold_backlog() -> tuple[int, float]:
    """Events not yet merged into progress when the load stopped, and how long the server's
    writers took to merge them (the merging runs during the measured seconds, not after)."""
    waiting = stored_events(unfolded=True)
    started = time.monotonic()
    while stored_events(unfolded=True) and time.monotonic() - started < 60:
        time.sleep(0.05)
    return waiting, time.monotonic() - started


def bench(kind: str) -> dict:
    with bench_app(kind) as app:
        lesson_id, tokens = build_data()
        port = free_port()
        server = start_server(app, port, server_for(kind))
        workdir = Path(app.instance_path)
        rounds = []
        try:
            load_health(port, 1.0)  # warm up
            load_progress(port, tokens[:CONCURRENCY], lesson_id, 1.0, workdir, "warm")
            # Alternate the endpoints: on a shared machine the load of others drifts, and a
            # ratio measured round by round follows it.
            for number in range(ROUNDS):
                health = load_health(port, SECONDS)
                before = stored_events()
                progress = load_progress(port, tokens, lesson_id, SECONDS, workdir, f"run{number}")
                progress["backlog"], progress["backlog_seconds"] = fold_backlog()
                progress["stored"] = stored_events() - before
                rounds.append({"health": health, "progress": progress, "ratio": progress["rps"] / health["rps"]})
        finally:
            server.terminate()
            server.wait(timeout=30)
        log = Path(app.instance_path) / "serve.log"
        if log.exists() and "Traceback" in log.read_text():
            print(f"server errors logged in {log}:\n" + log.read_text()[-3000:])
    return {"rounds": rounds}


def _median_round(rounds: list[dict]) -> dict:
    return sorted(rounds, key=lambda item: item["ratio"])[len(rounds) // 2]


def main() -> None:
    client = f"wrk ({WRK_THREADS} threads)" if WRK else "asyncio (Python)"
    print(f"concurrency {CONCURRENCY}, {ROUNDS} rounds of {SECONDS:g} s per endpoint, {os.cpu_count()} CPUs, "
          f"load generator {client}")
    for kind in backends():
        print(f"{kind:<10} served by {describe(server_for(kind))}")
        rounds = bench(kind)["rounds"]
        for number, result in enumerate(rounds, start=1):
            for name, figures in (("GET /api/v1/health", result["health"]), ("POST /api/v1/progress", result["progress"])):
                print(f"{kind:<10} round {number} {name:<22} {figures['rps']:8.0f} req/s  p50 {figures['p50_ms']:6.1f} ms  "
                      f"p99 {figures['p99_ms']:6.1f} ms  errors {figures['errors']}")
            progress = result["progress"]
            print(f"{kind:<10} round {number} stored events {progress['stored']}, answered "
                  f"{progress['requests'] - progress['errors']}, not yet folded at the end {progress['backlog']} "
                  f"(folded {progress['backlog_seconds']:.2f} s later); ratio progress/health {result['ratio']:.2f}")
        middle = _median_round(rounds)
        print(f"{kind:<10} median round: progress {middle['progress']['rps']:.0f} batches/s, p99 "
              f"{middle['progress']['p99_ms']:.1f} ms, health {middle['health']['rps']:.0f} req/s, ratio "
              f"{middle['ratio']:.2f} (targets: >= 1000 batches/s, ratio >= 0.5)")
        failed = sum(result[name]["errors"] for result in rounds for name in ("health", "progress"))
        if failed:
            print(f"{kind:<10} INVALID: {failed} requests failed (see the rounds above); the figures measure errors")


if __name__ == "__main__":
    main()
