"""What the server acknowledged survives its death: heartbeats and roll-call sign-ins answered
2xx before a SIGKILL are all stored after a restart. SQLite runs in WAL mode with
synchronous=FULL, so a commit is on disk before the answer (a SIGKILL alone cannot drop what
the kernel holds; the setting is what covers a power cut, and it is checked here too)."""
from __future__ import annotations

import json
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text

from app.api.services import create_token
from app.extensions import db
from app.study.sessions import services as sessions
from app.study.progress.models import ProgressEvent
from app.study.sessions.models import Attendance
from tests.factories import create_person
from tests.live_server import Browser, LiveServer, csrf_of
from tests.unit.study.study_data import video_course

PEOPLE = 60


def test_sqlite_commits_are_synced_in_wal_mode(app, database_kind):
    if database_kind != "sqlite":
        pytest.skip("a SQLite setting")
    with db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL


@pytest.fixture
def open_session(world):
    course = video_course(world, duration=7200)
    people = [create_person(world.branch_a1, f"签到{n}") for n in range(PEOPLE)]
    db.session.flush()
    now = datetime.now(timezone.utc)
    session = sessions.schedule_session(by=world.accounts["secretary_a1"], site=world.site_a1, title="断电演练",
                                        starts_at=now - timedelta(minutes=5), planned_end_at=now + timedelta(hours=2),
                                        course=course)
    sessions.open_session(session, by=world.accounts["secretary_a1"], now=now - timedelta(minutes=5))
    _row, token = create_token(world.accounts["terminal_a1"], "durability")
    db.session.commit()
    return session, course.lessons[0], people, token


class _Load:
    """Clients that keep writing until told to stop, noting what was acknowledged."""

    def __init__(self):
        self.stopped = threading.Event()
        self.signed_in: list[int] = []
        self.events: list[str] = []
        self.errors: list[str] = []

    def roll_call(self, root: str, session_id: int, people: list[int]) -> None:
        browser = Browser(root)
        browser.login("tv-a1")
        _, _, page = browser.get(f"/terminal/sessions/{session_id}/roster")
        token = csrf_of(page)
        for person_id in people:
            if self.stopped.is_set():
                return
            try:
                status, _, body = browser.post_form(f"/terminal/sessions/{session_id}/roster/{person_id}",
                                                    {"csrf_token": token, "present": "1"})
            except OSError:
                return  # the server died under this request: not acknowledged
            if status == 200 and json.loads(body)["present"]:
                self.signed_in.append(person_id)
            else:
                self.errors.append(f"sign-in {status} {body[:200]}")

    def heartbeats(self, root: str, token: str, lesson_id: int, person_ids: list[int]) -> None:
        browser = Browser(root)
        headers = {"Authorization": f"Bearer {token}"}
        position = 0
        while not self.stopped.is_set():
            at = datetime.now(timezone.utc).isoformat()
            batch = [{"id": str(uuid.uuid4()), "lesson_id": lesson_id, "start": position, "end": position + 15,
                      "at": at, "person_id": person_id} for person_id in person_ids]
            position = (position + 15) % 7000
            try:
                status, _, body = browser.post_json("/api/v1/progress", json.dumps({"events": batch}).encode(),
                                                    headers)
            except OSError:
                return
            if status == 200:
                self.events.extend(event["id"] for event in batch)
            else:
                self.errors.append(f"heartbeat {status} {body[:200]}")


@pytest.mark.slow
def test_acknowledged_sign_ins_and_heartbeats_survive_sigkill(world, open_session, migrated_database, tmp_path):
    session, lesson, people, token = open_session
    server = LiveServer(migrated_database, tmp_path / "instance", tmp_path / "media", tmp_path / "serve.log")
    server.start()
    load = _Load()
    ids = [person.id for person in people]
    clients = [threading.Thread(target=load.roll_call, args=(server.root, session.id, ids)),
               *(threading.Thread(target=load.heartbeats, args=(server.root, token, lesson.id, ids[n::3]))
                 for n in range(3))]
    try:
        for client in clients:
            client.start()
        # Kill while every client has requests in flight: some sign-ins done, some still to come.
        deadline = time.monotonic() + 60
        while len(load.signed_in) < PEOPLE // 3 or len(load.events) < 200:
            assert time.monotonic() < deadline and not load.errors, (load.errors, server.log.read_text()[-2000:])
            time.sleep(0.01)
        server.kill()
        load.stopped.set()
        for client in clients:
            client.join(timeout=60)
        assert not load.errors, load.errors
        assert len(load.signed_in) < PEOPLE, "the roll call finished before the kill"
        acknowledged_sign_ins, acknowledged_events = set(load.signed_in), set(load.events)
        server.start()  # the database opens again after the crash (WAL recovery)
        status, _, _ = Browser(server.root).get("/login")
        assert status == 200
    finally:
        server.stop()
    db.session.rollback()
    stored_sign_ins = set(db.session.scalars(select(Attendance.person_id).where(Attendance.session_id == session.id)))
    assert acknowledged_sign_ins - stored_sign_ins == set()
    stored_events = set(db.session.scalars(select(ProgressEvent.id)))
    assert acknowledged_events - stored_events == set()
    assert len(acknowledged_events) >= 200 and len(acknowledged_sign_ins) >= PEOPLE // 3
