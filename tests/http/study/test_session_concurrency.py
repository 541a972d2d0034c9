"""100 members scan the TV's code at the same moment (each phone twice): exactly one attendance row each.

Real HTTP against a threaded server on the test database, so SQLite's and
PostgreSQL's locking are what is tested, not the ORM's session.
"""
from __future__ import annotations

import http.cookiejar
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select
from werkzeug.serving import make_server

from app.extensions import db, limiter
from app.study.sessions import services as services
from app.study.sessions.models import Attendance
from tests.factories import create_account, create_person
from tests.unit.study.test_sessions import build_session

MEMBERS = 100
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Phone:
    """A member's phone: its own cookies, talking to the live server."""

    def __init__(self, root: str):
        self.root = root
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str) -> str:
        with self.opener.open(self.root + path, timeout=60) as response:
            return response.read().decode()

    def post(self, path: str, data: dict) -> int:
        body = urllib.parse.urlencode(data).encode()
        try:
            with self.opener.open(urllib.request.Request(self.root + path, data=body), timeout=60) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    def log_in(self, username: str) -> None:
        token = CSRF.search(self.get("/login")).group(1)
        self.post("/login", {"identifier": username, "password": "secret-pass", "csrf_token": token})


def test_hundred_simultaneous_qr_sign_ins_recorded_once(app, world, make_app):
    session, _ = build_session(world, members=0)
    usernames = []  # one phone each
    for number in range(MEMBERS):
        person = create_person(world.branch_a1, f"签到{number:03d}")
        create_account(f"phone-{number:03d}", "member", world.branch_a1, person=person)
        usernames.append(f"phone-{number:03d}")
        services.add_expected(session, person)  # scheduled before they existed: expect them now
    services.open_session(session, by=world.accounts["terminal_a1"])
    db.session.commit()

    served = make_app(RATELIMIT_ENABLED=False)
    server = make_server("127.0.0.1", 0, served, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        root = f"http://127.0.0.1:{server.server_port}"
        phones = [Phone(root) for _ in usernames]
        with ThreadPoolExecutor(max_workers=16) as pool:
            list(pool.map(lambda pair: pair[0].log_in(pair[1]), zip(phones, usernames)))
        with served.app_context():
            token = services.make_checkin_token(db.session.get(type(session), session.id))
        path = f"/study/checkin/{token}"
        csrf = [CSRF.search(phone.get(path)).group(1) for phone in phones]
        barrier = threading.Barrier(2 * MEMBERS)

        def scan(index: int) -> int:
            phone = phones[index % MEMBERS]
            barrier.wait()
            return phone.post(path, {"csrf_token": csrf[index % MEMBERS]})

        with ThreadPoolExecutor(max_workers=2 * MEMBERS) as pool:
            codes = list(pool.map(scan, range(2 * MEMBERS)))
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        # Limiter.init_app carries `enabled` over to later apps (config.setdefault): turn it back on.
        limiter.enabled = True

    assert codes.count(200) == 2 * MEMBERS, sorted(set(codes))  # redirects followed to /sessions/mine
    db.session.expire_all()
    rows = db.session.execute(select(Attendance.person_id, func.count()).where(Attendance.session_id == session.id)
                              .group_by(Attendance.person_id)).all()
    assert len(rows) == MEMBERS and all(count == 1 for _person, count in rows)
