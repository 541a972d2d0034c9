"""What one heartbeat costs the server, measured deterministically (no wall-clock throughput).

    .venv/bin/python bench/bench_heartbeat.py                    # SQLite, then PostgreSQL
    LMS_BENCH_DB=sqlite LMS_BENCH_BEATS=500 LMS_BENCH_PROFILE=1 .venv/bin/python bench/bench_heartbeat.py

On a fresh database with the load model's data (bench/bench_load.py: a branch of learners with
accounts and API tokens, a published course with a two-hour video lesson), the Flask test client
sends LMS_BENCH_BEATS heartbeats (default 500) per path, each one batch of one 15 s video event
with a fresh id, as progress.js and the phone app send them:

- page path: POST /study/progress with a signed-in session cookie and the X-CSRFToken header;
- API path: POST /api/v1/progress with a bearer token.

The learners take turns (LMS_BENCH_ACCOUNTS, default 50), and each learner's study clock is set
back 15 s before their heartbeat (outside what is measured), as if 15 s had passed since their
last one. Each learner's first nine heartbeats are not measured (they make the learner's rows
and pass the two minutes of continuous watching that self-study credit needs), so every
measured heartbeat is credited and merged into progress, the day and its grant, as at the load
model's steady state.

Printed per path: SQL statements per heartbeat (counted with SQLAlchemy's before_cursor_execute
event; the same on every run) with the statements of one heartbeat, the pings the pool sends
before them (pool_pre_ping: one round trip per connection checkout, which the event does not
see; the commit is not counted either), and the process CPU time
per heartbeat (time.process_time: the server's Python and the database library's work in this
process; SQLite's work is in-process, PostgreSQL's server is not). LMS_BENCH_PROFILE=1 adds
cProfile's top functions, measured on the process's CPU clock, and the number of Python function
calls per heartbeat (a figure that does not depend on the machine's load).
"""
from __future__ import annotations

import cProfile
import os
import pstats
import re
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LMS_BENCH_ACCOUNTS", "50")
os.environ.setdefault("LMS_BENCH_SESSIONS", os.environ["LMS_BENCH_ACCOUNTS"])

from bench.bench_load import PASSWORD, build_world  # noqa: E402
from bench.common import backends, bench_app  # noqa: E402

LMS_WIDTH = int(os.environ.get("LMS_BENCH_WIDTH", "160"))
BEATS = int(os.environ.get("LMS_BENCH_BEATS", "500"))
PROFILE = os.environ.get("LMS_BENCH_PROFILE") == "1"
# Unmeasured beats per learner first: 9 x 15 s passes LMS_SELF_STUDY_MIN_CONTINUOUS (120 s), so
# every measured heartbeat also grows the learner's self-study grant of the day.
WARM_BEATS = 9
_CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


class StatementLog:
    """Every statement the engine sends while `on` is set."""

    def __init__(self, engine):
        from sqlalchemy import event

        self.on = False
        self.statements: list[str] = []
        self.checkouts = 0
        event.listen(engine, "before_cursor_execute", self._seen)
        event.listen(engine.pool, "checkout", self._checkout)

    def _checkout(self, *_args):
        if self.on:
            self.checkouts += 1

    def _seen(self, _connection, _cursor, statement, _parameters, _context, _many):
        if self.on:
            self.statements.append(" ".join(statement.split()))


def sign_in(app, username: str):
    client = app.test_client()
    with app.app_context():
        page = client.get("/login").get_data(as_text=True)
    with app.app_context():
        response = client.post("/login", data={"identifier": username, "password": PASSWORD,
                                               "csrf_token": _CSRF_INPUT.search(page).group(1)})
    assert response.status_code == 302, response.status_code
    with app.app_context():
        page = client.get("/me").get_data(as_text=True)
    return client, _CSRF_META.search(page).group(1)


def body(lesson_id: int, beat: int, offset: int) -> dict:
    position = offset + beat * 15
    return {"events": [{"id": str(uuid.uuid4()), "lesson_id": lesson_id, "start": position, "end": position + 15,
                        "at": datetime.now(timezone.utc).isoformat()}]}


def rewind_clock(app, person_id: int) -> None:
    """As if 15 s passed since this learner's last heartbeat (not measured)."""
    from sqlalchemy import update

    from app.extensions import db
    from app.study.progress.models import StudyClock

    with app.app_context():
        db.session.execute(update(StudyClock).where(StudyClock.person_id == person_id)
                           .values(credited_until=datetime.now(timezone.utc) - timedelta(seconds=15)))
        db.session.commit()


def run_path(app, log: StatementLog, world, people: list[int], path: str) -> dict:
    count = len(people)
    if path == "page":
        clients = [sign_in(app, username) for username in world.usernames[:count]]
        url = "/study/progress"
    else:
        clients = [(app.test_client(), token) for token in world.tokens[:count]]
        url = "/api/v1/progress"

    def beat(number: int):
        client, secret = clients[number % count]
        headers = {"X-CSRFToken": secret} if path == "page" else {"Authorization": f"Bearer {secret}"}
        with app.app_context():
            return client.post(url, json=body(world.lesson_id, number // count, 0 if path == "page" else 3600), headers=headers)

    warm = count * WARM_BEATS
    for number in range(warm):  # each learner's first beats make their rows; not measured
        rewind_clock(app, people[number % count])
        assert beat(number).status_code == 200
    # CPU time, not wall time, as the profiler's clock: on a shared machine the wall clock
    # charges other processes' time to whatever function was running.
    profiler = cProfile.Profile(time.process_time) if PROFILE else None
    cpu = 0.0
    counts, checkouts = [], []
    sample: list[str] = []
    for number in range(warm, warm + BEATS):
        rewind_clock(app, people[number % count])
        log.statements = []
        log.checkouts = 0
        log.on = True
        if profiler:
            profiler.enable()
        started = time.process_time()
        response = beat(number)
        cpu += time.process_time() - started
        if profiler:
            profiler.disable()
        log.on = False
        assert response.status_code == 200 and response.get_json()["accepted"] == 1, response.get_data(as_text=True)
        counts.append(len(log.statements))
        checkouts.append(log.checkouts)
        if not sample:
            sample = list(log.statements)
    pinging = app.config["SQLALCHEMY_ENGINE_OPTIONS"].get("pool_pre_ping")
    result = {"path": path, "statements": sorted(set(counts)),
              "pings": "/".join(map(str, sorted(set(checkouts)))) if pinging else "0", "sample": sample, "cpu_ms": cpu / BEATS * 1000}
    if profiler:
        stats = pstats.Stats(profiler)
        result["calls"] = stats.total_calls / BEATS
        stats.sort_stats("cumulative").print_stats(35)
        stats.sort_stats("tottime").print_stats(25)
    return result


def check_credited(app, people: list[int]) -> float:
    from sqlalchemy import func, select

    from app.extensions import db
    from app.study.progress.models import LessonProgress

    with app.app_context():
        return db.session.scalar(select(func.sum(LessonProgress.watched_seconds))
                                 .where(LessonProgress.person_id.in_(people)))


def main() -> None:
    print(f"load average {os.getloadavg()[0]:.1f}; {BEATS} heartbeats per path")
    for kind in backends():
        with bench_app(kind) as app:
            from sqlalchemy import select

            from app.extensions import db
            from app.org.models import Account

            world = build_world()
            count = int(os.environ["LMS_BENCH_ACCOUNTS"])
            people = list(db.session.scalars(select(Account.person_id).where(
                Account.username.in_([f"learner{number}" for number in range(count)])).order_by(Account.id)))
            db.session.remove()
            log = StatementLog(db.engine)
            for path in ("page", "api"):
                result = run_path(app, log, world, people, path)
                calls = f", {result['calls']:.0f} Python function calls" if "calls" in result else ""
                print(f"\n{kind} {path} path: {'/'.join(map(str, result['statements']))} statements per heartbeat "
                      f"(+{result['pings']} pings), {result['cpu_ms']:.2f} ms CPU per heartbeat{calls}")
                for statement in result["sample"]:
                    print("   ", statement[:LMS_WIDTH])
            print(f"\n{kind}: {check_credited(app, people):.0f} s of playback credited in all")


if __name__ == "__main__":
    main()
